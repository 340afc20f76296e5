"""Facts derived from users' rosters, never typed: certificates named in a staff roster, carers per
class, and class sizes and ages from a children roster (幼儿花名册).

Derived values fill the record where it is silent; where a typed value disagrees with the roster,
the typed cell is reported (the roster is the source of the number, a typed copy goes stale).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ..problems import Problem, Severity, Text
from ..record import CertificateKind, ClassType
from .cells import EMPTY_WORDS, MISSING, convert, is_blank
from .layout import KEY_TITLE, Leaf
from .vocabulary import enum_code, enum_labels

if TYPE_CHECKING:
    from .reader import Draft, Grid, Target

_DATE_LEAF = Leaf(keys=("date",), title="日期", kind="date")
_SPLIT = re.compile(r"[、,，;；/\n]+")


def months_between(birth: date, when: date) -> int:
    """Completed months of age on ``when``."""
    months = (when.year - birth.year) * 12 + when.month - birth.month
    return months - (1 if when.day < birth.day else 0)


def class_type(min_months: int, max_months: int) -> str:
    """The class type of an age band (设置标准 art. 9): 乳儿班 6–12, 托小班 12–24, 托大班 24–36
    months; a band across them is a 混龄班."""
    if max_months < 12:
        return ClassType.infant.value
    if min_months >= 12 and max_months < 24:
        return ClassType.toddler.value
    if min_months >= 24 and max_months < 36:
        return ClassType.older.value
    if min_months >= 36:
        return ClassType.kindergarten.value
    return ClassType.mixed.value


@dataclass
class _Child:
    sheet: str
    row: int  # 1-based
    cells: dict[str, str]  # target -> cell
    birth: str | None
    admission: str | None
    leave: str | None


@dataclass
class Derived:
    """What the rosters say, collected while reading, applied to each record at the end."""

    source: str
    staff_classes: dict[int, list[tuple[str, str, str, str]]] = field(default_factory=dict)
    children: dict[int, dict[str, list[_Child]]] = field(default_factory=dict)
    children_sheet_name: dict[int, str] = field(default_factory=dict)
    expiry_noted: set[str] = field(default_factory=set)

    # -- staff roster cells ---------------------------------------------------------------

    def cell(
        self,
        draft: Draft,
        grid: Grid,
        row: int,
        column: int,
        special: str,
        item: dict[str, Any],
        path: str,
        title: str | None,
    ) -> None:
        from .reader import coord

        raw = grid.value(row, column)
        where = coord(row, column)
        if special == "@certificates":
            self._certificates(draft, grid, where, title, raw, item, path)
        elif special == "@certificate_number":
            if is_blank(raw):
                return
            certificates = item.get("certificates")
            number = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw).strip()
            if isinstance(certificates, list) and len(certificates) == 1:
                certificates[0]["number"] = number
            else:
                draft.cell_problem(
                    f"{path}.certificates",
                    grid.name,
                    where,
                    title,
                    Text(
                        "证书编号只能对应一个证书：资格证书一栏应恰好写一种证书",
                        "a certificate number needs exactly one certificate in the certificates column",
                    ),
                    found=number,
                )
        elif special == "@class":
            if not is_blank(raw):
                text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw).strip()
                self.staff_classes.setdefault(id(draft), []).append(
                    (text, str(item.get("role", "")), f"{grid.name}\0{where}", title or "班级")
                )
        elif special == "@health_certificate_until":
            value, problem = convert(_DATE_LEAF, raw)
            if problem is not None:
                draft.cell_problem(path, grid.name, where, title, problem.message, found=raw)
            elif value is not MISSING and not _is_date(value):
                draft.cell_problem(
                    path, grid.name, where, title, Text("不是有效日期", "not a valid date"), found=raw
                )
            elif value is not MISSING and grid.name not in self.expiry_noted:
                self.expiry_noted.add(grid.name)
                draft.cell_problem(
                    path,
                    grid.name,
                    where,
                    title,
                    Text(
                        "健康证到期日已核对，但规则依据的是体检日期：请增加“体检日期”列（不据到期日推断）",
                        "health-certificate expiry dates were checked, but the rules need the date of the health "
                        "check: add a 体检日期 column (no check date is inferred from an expiry)",
                    ),
                    error=False,
                )

    def _certificates(
        self,
        draft: Draft,
        grid: Grid,
        where: str,
        title: str | None,
        raw: Any,
        item: dict[str, Any],
        path: str,
    ) -> None:
        if is_blank(raw):
            return
        text = str(raw).strip()
        if text in EMPTY_WORDS or text in ("暂无", "没有"):
            item.setdefault("certificates", [])
            return
        kinds: list[str] = []
        unknown: list[str] = []
        for part in _SPLIT.split(text):
            part = re.sub(r"[（(].*?[）)]", "", part).strip()  # 育婴员（四级） -> 育婴员
            if not part:
                continue
            code = enum_code(CertificateKind, part)
            (kinds if code is not None else unknown).append(code if code is not None else part)
        if unknown:
            choices = "、".join(enum_labels(CertificateKind).values())
            draft.cell_problem(
                f"{path}.certificates",
                grid.name,
                where,
                title,
                Text(
                    f"无法识别的证书 {'、'.join(unknown)}：可选 {choices}（或用 --columns / aliases.yaml 增加写法）",
                    f"unrecognised certificate {', '.join(unknown)}: choose from {choices}",
                ),
                found=text,
            )
        certificates = item.setdefault("certificates", [])
        certificates.extend({"kind": k} for k in kinds)

    # -- children roster ------------------------------------------------------------------

    def children_sheet(
        self, grid: Grid, vocabulary: Mapping[str, Target], drafts: list[Draft], by_id: dict[str, Draft]
    ) -> list[Problem]:
        from .reader import _draft_of, coord, resolve_header

        header = resolve_header(grid, vocabulary, self.source, scan=True)
        loose = list(header.problems)
        cols = {t: c for c, t in header.targets.items() if isinstance(t, str)}
        facility_col = cols.get("@facility")
        if "@class" not in cols or (facility_col is None and len(drafts) != 1):
            missing = "班级" if "@class" not in cols else KEY_TITLE
            loose.append(
                Problem(
                    source=self.source,
                    path="$",
                    code="workbook.missing_column",
                    message=Text(
                        f"幼儿花名册缺少“{missing}”列，无法计算班级人数",
                        f"the children roster has no {missing} column: class sizes cannot be computed",
                    ),
                    sheet=grid.name,
                    cell="A1",
                )
            )
            return loose
        for row in range(header.row + 1, len(grid.rows)):
            if all(is_blank(v) for v in grid.rows[row]):
                continue
            draft = _draft_of(grid, row, facility_col, drafts, by_id, self.source, loose)
            if draft is None:
                continue
            raw_class = grid.value(row, cols["@class"])
            if is_blank(raw_class):
                draft.cell_problem(
                    "$.classes",
                    grid.name,
                    coord(row, cols["@class"]),
                    "班级",
                    Text("班级为空", "no class given"),
                )
                continue
            class_id = (
                str(int(raw_class))
                if isinstance(raw_class, float) and raw_class.is_integer()
                else str(raw_class).strip()
            )
            dates: dict[str, str | None] = {}
            for target in ("@birth_date", "@admission_date", "@leave_date"):
                column = cols.get(target)
                if column is None:
                    dates[target] = None
                    continue
                value, problem = convert(_DATE_LEAF, grid.value(row, column))
                ok = value is not MISSING and problem is None and _is_date(value)
                if not ok and not is_blank(grid.value(row, column)):
                    draft.cell_problem(
                        "$.classes",
                        grid.name,
                        coord(row, column),
                        str(grid.value(header.row, column)).strip(),
                        problem.message if problem else Text("不是有效日期", "not a valid date"),
                        found=grid.value(row, column),
                    )
                dates[target] = value if ok else None
            child = _Child(
                grid.name,
                row + 1,
                {t: coord(row, c) for t, c in cols.items()},
                dates["@birth_date"],
                dates["@admission_date"],
                dates["@leave_date"],
            )
            self.children.setdefault(id(draft), {}).setdefault(class_id, []).append(child)
            self.children_sheet_name[id(draft)] = grid.name
        return loose

    # -- applying -------------------------------------------------------------------------

    def apply(self, draft: Draft) -> None:
        roster = self.children.get(id(draft))
        if roster:
            self._apply_children(draft, roster)
        assignments = self.staff_classes.get(id(draft))
        if assignments:
            self._apply_carers(draft, assignments)

    def _reference(self, draft: Draft) -> date | None:
        inspection = draft.data.get("inspection")
        value = inspection.get("inspection_date") if isinstance(inspection, dict) else None
        return date.fromisoformat(value) if isinstance(value, str) and _is_date(value) else None

    def _apply_children(self, draft: Draft, roster: dict[str, list[_Child]]) -> None:
        from .reader import Place, SheetMap

        when = self._reference(draft)
        sheet = self.children_sheet_name[id(draft)]
        if when is None:
            first = next(iter(roster.values()))[0]
            draft.cell_problem(
                "$.inspection.inspection_date",
                sheet,
                str(first.row),
                None,
                Text(
                    "需要检查日期（机构表“检查·检查日期”）才能由幼儿花名册计算在托人数和月龄",
                    "the inspection date (检查·检查日期) is needed to compute enrolment and ages from the children roster",
                ),
            )
            return
        classes = draft.data.setdefault("classes", [])
        for class_id, children in roster.items():
            present = [
                c
                for c in children
                if (c.admission is None or date.fromisoformat(c.admission) <= when)
                and (c.leave is None or date.fromisoformat(c.leave) > when)
            ]
            ages = [months_between(date.fromisoformat(c.birth), when) for c in present if c.birth is not None]
            derived: dict[str, Any] = {"enrolled": len(present)}
            if ages and len(ages) == len(present):
                derived["min_age_months"], derived["max_age_months"] = min(ages), max(ages)
            index = next(
                (i for i, c in enumerate(classes) if isinstance(c, dict) and c.get("id") == class_id), None
            )
            if index is None:
                item: dict[str, Any] = {"id": class_id, **derived}
                if "min_age_months" in derived:
                    item["type"] = class_type(derived["min_age_months"], derived["max_age_months"])
                classes.append(item)
                spec = SheetMap(sheet, {"id": re.sub(r"\d", "", children[0].cells["@class"])}, {"id": "班级"})
                draft.locator.places[f"$.classes[{len(classes) - 1}]"] = Place(spec, children[0].row)
                continue
            item = classes[index]
            for key, value in derived.items():
                typed = item.get(key)
                if typed is None:
                    item[key] = value
                elif typed != value and key == "enrolled":
                    where = draft.locator.find(f"$.classes[{index}].{key}")
                    draft.cell_problem(
                        f"$.classes[{index}].{key}",
                        where[0] if where else sheet,
                        where[1] if where else None,
                        where[2] if where else None,
                        Text(
                            f"在托人数 {typed} 与幼儿花名册不一致（花名册 {value} 人）：人数由花名册计算，请删除此格或更正花名册",
                            f"enrolled {typed} disagrees with the children roster ({value}): the roster is the source; "
                            "clear this cell or correct the roster",
                        ),
                        found=typed,
                    )

    def _apply_carers(self, draft: Draft, assignments: list[tuple[str, str, str, str]]) -> None:
        classes = draft.data.get("classes")
        known = {c.get("id"): i for i, c in enumerate(classes or []) if isinstance(c, dict)}
        counts: dict[str, int] = {}
        for class_id, role, place, header in assignments:
            sheet, cell = place.split("\0")
            if class_id not in known:
                draft.cell_problem(
                    "$.staff",
                    sheet,
                    cell,
                    header,
                    Text(
                        f"班级 {class_id!r} 不在班级表或幼儿花名册中",
                        f"class {class_id!r} is in neither the classes sheet nor the children roster",
                    ),
                    found=class_id,
                )
                continue
            if role == "carer":
                counts[class_id] = counts.get(class_id, 0) + 1
        for class_key, index in known.items():
            count = counts.get(str(class_key), 0)
            row_item: dict[str, Any] = (classes or [])[index]
            typed = row_item.get("carers")
            if typed is None:
                row_item["carers"] = count
            elif typed != count:
                found_at = draft.locator.find(f"$.classes[{index}].carers")
                draft.cell_problem(
                    f"$.classes[{index}].carers",
                    found_at[0] if found_at else "班级",
                    found_at[1] if found_at else None,
                    found_at[2] if found_at else None,
                    Text(
                        f"保育人员数 {typed} 与教职工花名册不一致（花名册中该班保育人员 {count} 人）：请删除此格或更正花名册",
                        f"carers {typed} disagrees with the staff roster ({count} carers in this class): clear this cell or correct the roster",
                    ),
                    found=typed,
                )


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


__all__ = ["Derived", "Severity", "class_type", "months_between"]
