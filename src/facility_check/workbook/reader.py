"""Reading workbooks into records: the tool's own form (one facility, or a roster keyed by 机构编号)
and users' own rosters and ledgers (importer.py), each value located by sheet and cell.

Workbooks are read with python-calamine (see benchmarks/README.md, "Workbooks", for the
measurement that chose it); formulas are found with openpyxl only when the file holds any.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..collector import paused
from ..loading import MAX_DOCUMENT_BYTES, MAX_RECORDS_PER_DOCUMENT, LoadFailure, LoadItem, RawRecord
from ..problems import Problem, Severity, Text
from ..record import SCHEMA_VERSION
from . import mapping
from .cells import EMPTY_WORDS, MISSING, convert, is_blank
from .importer import Derived
from .layout import FACTS_SHEET, GUIDE_SHEET, KEY_TITLE, Layout, Leaf, ListSheet, layout
from .vocabulary import sheet_aliases

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
MAX_UNPACKED_BYTES = 16 * MAX_DOCUMENT_BYTES  # a zip bomb is refused before it is unpacked
HEADER_SCAN_ROWS = 10  # users' sheets may have a title row or two above the header

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

REFUSED = {
    ".xls": (
        "这是旧版 Excel 文件（.xls）：请在 Excel 或 WPS 中“另存为” .xlsx 后再提交",
        "this is an old Excel file (.xls): save it as .xlsx in Excel or WPS and submit that",
    ),
    ".csv": (
        "CSV 文件不能作为机构记录：请使用 `facility-check template` 生成的 .xlsx 工作簿，或 JSON",
        "a CSV file is not a facility record: use the .xlsx workbook made by `facility-check template`, or JSON",
    ),
    ".ods": (
        "这是 OpenDocument 表格（.ods）：请另存为 .xlsx 后再提交",
        "this is an OpenDocument spreadsheet (.ods): save it as .xlsx and submit that",
    ),
    ".et": (
        "这是 WPS 表格文件（.et）：请另存为 .xlsx 后再提交",
        "this is a WPS spreadsheet (.et): save it as .xlsx",
    ),
    ".numbers": ("这是 Numbers 文件：请导出为 .xlsx 后再提交", "this is a Numbers file: export it as .xlsx"),
}


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def coord(row: int, column: int) -> str:
    """0-based row and column -> "D7"."""
    return f"{column_letter(column)}{row + 1}"


def _problem(source: str, code: str, zh: str, en: str, **kw: Any) -> Problem:
    return Problem(source=source, path=kw.pop("path", "$"), code=code, message=Text(zh, en), **kw)


def is_workbook_name(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES)


def refused_problem(name: str, data: bytes | None = None) -> Problem | None:
    """The message for a spreadsheet format that is not read (``.xls``, ``.csv`` …)."""
    lower = name.lower()
    for suffix, (zh, en) in REFUSED.items():
        if lower.endswith(suffix):
            return _problem(name, "workbook.format", zh, en, expected=".xlsx")
    if data is not None and data.startswith(_OLE_MAGIC):
        zh, en = REFUSED[".xls"]
        return _problem(name, "workbook.format", zh, en, expected=".xlsx")
    return None


def looks_like_workbook(data: bytes) -> bool:
    return data.startswith(_ZIP_MAGIC)


# ----------------------------------------------------------------------------------------------
# The grid of one sheet
# ----------------------------------------------------------------------------------------------


@dataclass
class Grid:
    name: str
    rows: list[list[Any]]
    hidden: bool = False
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)

    def value(self, row: int, column: int) -> Any:
        if row < len(self.rows) and column < len(self.rows[row]):
            return self.rows[row][column]
        return None


@dataclass
class Book:
    grids: list[Grid]
    notices: list[Problem]  # workbook-level warnings (hidden sheets, merged cells, formulas)


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message.en)
        self.problem = problem


def _open(data: bytes, source: str) -> Book:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _Refused(
            _problem(
                source,
                "limit.size",
                f"文件超过 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB 上限",
                f"file is larger than the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB limit",
            )
        )
    refused = refused_problem("", data) if not looks_like_workbook(data) else None
    if refused is not None:
        raise _Refused(Problem(**{**_asdict(refused), "source": source}))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
        sheet_parts = [i.filename for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
    except zipfile.BadZipFile:
        raise _Refused(
            _problem(
                source,
                "workbook.invalid",
                "不是有效的 .xlsx 工作簿（文件已损坏或不是 Excel 文件）",
                "not a valid .xlsx workbook (damaged, or not an Excel file)",
            )
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _Refused(
            _problem(
                source,
                "limit.size",
                f"工作簿解压后超过 {MAX_UNPACKED_BYTES // (1024 * 1024)} MiB 上限",
                f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MiB",
            )
        )
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = book.sheets_metadata
        grids: list[Grid] = []
        notices: list[Problem] = []
        for meta in metadata:
            if str(meta.typ) != str(calamine.SheetTypeEnum.WorkSheet):
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            grid = Grid(meta.name, rows, hidden=str(meta.visible) != str(calamine.SheetVisibleEnum.Visible))
            merged = sheet.merged_cell_ranges or []
            _fill_merged(grid, merged)
            # a title row or a grouped header above the table is not data: no warning for it
            merged = [m for m in merged if not (m[0][0] == m[1][0] and m[0][0] < HEADER_SCAN_ROWS)]
            if merged:
                first = merged[0]
                notices.append(
                    _problem(
                        source,
                        "workbook.merged",
                        f"工作表“{meta.name}”有 {len(merged)} 处合并单元格（如 {coord(*first[0])}:{coord(*first[1])}）：已把合并格的值填入其中每个单元格",
                        f"sheet {meta.name!r} has {len(merged)} merged ranges (e.g. {coord(*first[0])}:{coord(*first[1])}): "
                        "each cell of a range was given the range's value",
                        severity=Severity.warning,
                        sheet=meta.name,
                    )
                )
            if grid.hidden:
                notices.append(
                    _problem(
                        source,
                        "workbook.hidden_sheet",
                        f"工作表“{meta.name}”是隐藏的：其中的数据同样已读取",
                        f"sheet {meta.name!r} is hidden: its data was read all the same",
                        severity=Severity.warning,
                        sheet=meta.name,
                    )
                )
            grids.append(grid)
    except Exception as exc:  # calamine raises its own error types for damaged parts
        raise _Refused(
            _problem(
                source,
                "workbook.invalid",
                f"无法读取工作簿：{exc}",
                f"cannot read the workbook: {exc}",
            )
        ) from None
    if any(_has_formulas(archive, part) for part in sheet_parts):
        notices.extend(_formulas(data, grids, source))
    return Book(grids, notices)


def _asdict(p: Problem) -> dict[str, Any]:
    return {name: getattr(p, name) for name in p.__dataclass_fields__}


def _fill_merged(grid: Grid, merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    for (r0, c0), (r1, c1) in merged:
        value = grid.value(r0, c0)
        for r in range(r0, r1 + 1):
            while r >= len(grid.rows):
                grid.rows.append([])
            row = grid.rows[r]
            for c in range(c0, c1 + 1):
                while c >= len(row):
                    row.append("")
                row[c] = value


def _has_formulas(archive: zipfile.ZipFile, part: str) -> bool:
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            if b"<f>" in chunk or b"<f " in chunk:
                return True
    return False


def _formulas(data: bytes, grids: list[Grid], source: str) -> list[Problem]:
    """Formula cells: their saved results are used (with a warning); one without a result is an error."""
    from openpyxl import load_workbook

    notices: list[Problem] = []
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        by_name = {g.name: g for g in grids}
        for ws in wb.worksheets:
            grid = by_name.get(ws.title)
            if grid is None:
                continue
            cells: list[tuple[int, int]] = []
            for row in ws.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        r, c = cell.row - 1, cell.column - 1
                        cells.append((r, c))
                        if is_blank(grid.value(r, c)):
                            grid.formulas_without_value.add((r, c))
            if cells:
                notices.append(
                    _problem(
                        source,
                        "workbook.formula",
                        f"工作表“{ws.title}”有 {len(cells)} 个公式单元格（如 {coord(*cells[0])}）：已使用 Excel 保存的计算结果",
                        f"sheet {ws.title!r} has {len(cells)} formula cells (e.g. {coord(*cells[0])}): "
                        "the results Excel saved were used",
                        severity=Severity.warning,
                        sheet=ws.title,
                    )
                )
    finally:
        wb.close()
    return notices


# ----------------------------------------------------------------------------------------------
# Where each value came from
# ----------------------------------------------------------------------------------------------


@dataclass
class SheetMap:
    """Where a sheet keeps each field: a column letter (rows of items) or a cell (the facts form)."""

    sheet: str
    columns: dict[str, str]  # dotted field -> column letter, or cell for vertical sheets
    titles: dict[str, str]


@dataclass(frozen=True)
class Place:
    spec: SheetMap
    row: int | None  # 1-based row of an item; None for the facts form


_INDEX = re.compile(r"\[\d+\]")


@dataclass
class Locator:
    """Turns JSON paths of a record into sheet and cell."""

    places: dict[str, Place] = field(default_factory=dict)

    def find(self, path: str) -> tuple[str, str | None, str | None] | None:
        key = path
        while key not in self.places:
            cut = max(key.rfind("."), key.rfind("["))
            if cut <= 0:
                return None
            key = key[:cut]
        place = self.places[key]
        rel = _INDEX.sub("", path[len(key) :]).lstrip(".")
        while rel and rel not in place.spec.columns:
            rel = rel.rsplit(".", 1)[0] if "." in rel else ""
        if not rel:
            return place.spec.sheet, (str(place.row) if place.row is not None else None), None
        column = place.spec.columns[rel]
        cell = f"{column}{place.row}" if place.row is not None else column
        return place.spec.sheet, cell, place.spec.titles.get(rel)

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """Give every problem its sheet and cell; a value the reader already reported is not
        reported again by the validator."""
        reported = {p.path for p in problems if p.sheet is not None and p.severity == Severity.error}
        out: list[Problem] = []
        for p in problems:
            if p.sheet is not None:
                out.append(p)
                continue
            if p.path in reported:
                continue
            where = self.find(p.path)
            if where is None:
                out.append(p)
                continue
            sheet, cell, title = where
            out.append(Problem(**{**_asdict(p), "sheet": sheet, "cell": cell, "field_title": title}))
        return out


# ----------------------------------------------------------------------------------------------
# Records under construction
# ----------------------------------------------------------------------------------------------


@dataclass
class Draft:
    source: str
    data: dict[str, Any]
    locator: Locator = field(default_factory=Locator)
    problems: list[Problem] = field(default_factory=list)

    def put(self, base: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
        for key in keys[:-1]:
            nxt = base.get(key)
            if not isinstance(nxt, dict):
                nxt = base[key] = {}
            base = nxt
        base[keys[-1]] = value

    def cell_problem(
        self,
        path: str,
        sheet: str,
        cell: str | None,
        title: str | None,
        message: Text,
        *,
        error: bool = True,
        found: Any = None,
    ) -> None:
        self.problems.append(
            Problem(
                source=self.source,
                path=path,
                code="workbook.cell",
                message=message,
                severity=Severity.error if error else Severity.warning,
                found=None if found is None else str(found),
                sheet=sheet,
                cell=cell,
                field_title=title,
            )
        )


def _json_path(prefix: str, keys: tuple[str, ...]) -> str:
    return prefix + "".join(f".{k}" for k in keys)


def read_cell(
    draft: Draft,
    grid: Grid,
    row: int,
    column: int,
    leaf: Leaf,
    target: dict[str, Any],
    prefix: str,
    title: str | None = None,
) -> None:
    """Convert one cell and put its value into ``target`` (an item or the record); problems are
    named by ``title`` (the header as the sheet writes it), else the field's title."""
    cells = grid.rows[row] if row < len(grid.rows) else ()
    raw = cells[column] if column < len(cells) else None
    if (raw is None or raw == "") and (row, column) not in grid.formulas_without_value:
        return  # the common case of a sparse sheet: nothing to do
    if grid.formulas_without_value and (row, column) in grid.formulas_without_value:
        draft.cell_problem(
            _json_path(prefix, leaf.keys),
            grid.name,
            coord(row, column),
            title or leaf.title,
            Text(
                "公式没有保存计算结果：请在 Excel 中打开并保存，或改填数值",
                "a formula without a saved result: open and save the file in Excel, or enter the value",
            ),
        )
        return
    value, problem = convert(leaf, raw)
    if problem is not None:
        draft.cell_problem(
            _json_path(prefix, leaf.keys),
            grid.name,
            coord(row, column),
            title or leaf.title,
            problem.message,
            error=problem.error,
            found=raw,
        )
    if value is not MISSING:
        keys = leaf.keys
        if len(keys) == 1:
            target[keys[0]] = value
        else:
            draft.put(target, keys, value)


def _filled(grid: Grid, row: int, columns: list[tuple[int, Leaf]]) -> list[tuple[int, Leaf]]:
    """The columns of a row that hold something (a sparse roster is mostly empty cells)."""
    if grid.formulas_without_value:
        return columns  # an empty-looking cell may be a formula without a result
    cells = grid.rows[row]
    width = len(cells)
    return [(c, leaf) for c, leaf in columns if c < width and (value := cells[c]) is not None and value != ""]


def _header_text(grid: Grid, row: int, column: int) -> str:
    return str(grid.value(row, column) or "").strip()


def _header_key(text: Any) -> str:
    return re.sub(r"\s+", "", str(text)) if not is_blank(text) else ""


def _row_blank(row: list[Any], start: int = 0) -> bool:
    return all(is_blank(v) for v in row[start:])


# ----------------------------------------------------------------------------------------------
# The facts sheet
# ----------------------------------------------------------------------------------------------


def _facts_vertical(grid: Grid, header_row: int, columns: dict[str, int], source: str, lay: Layout) -> Draft:
    by_title = lay.facts_by_title()
    by_path = {leaf.dotted: leaf for leaf in lay.facts}
    draft = Draft(source, {})
    spec = SheetMap(grid.name, {}, {})
    draft.locator.places["$"] = Place(spec, None)
    label_col, value_col = columns["项目"], columns["值"]
    path_col = columns.get("字段")
    seen: dict[str, int] = {}
    for row in range(header_row + 1, len(grid.rows)):
        label = _header_key(grid.value(row, label_col))
        dotted = _header_key(grid.value(row, path_col)) if path_col is not None else ""
        leaf = (
            by_path.get(dotted)
            or by_title.get(label)
            or by_title.get(str(grid.value(row, label_col)).strip())
        )
        if leaf is None:
            if not is_blank(grid.value(row, value_col)) and (label or dotted):
                draft.cell_problem(
                    "$",
                    grid.name,
                    coord(row, label_col),
                    None,
                    Text(
                        f"未知项目 {label or dotted!r}（不在记录格式中；请使用 `facility-check template` 生成的表）",
                        f"unknown item {label or dotted!r} (not part of the record; use the form made by `facility-check template`)",
                    ),
                    found=label or dotted,
                )
            continue
        if leaf.dotted in seen:
            draft.cell_problem(
                _json_path("$", leaf.keys),
                grid.name,
                coord(row, label_col),
                leaf.title,
                Text(
                    f"项目重复（第 {seen[leaf.dotted]} 行已有）",
                    f"item repeated (already in row {seen[leaf.dotted]})",
                ),
            )
            continue
        seen[leaf.dotted] = row + 1
        spec.columns[leaf.dotted] = coord(row, value_col)
        spec.titles[leaf.dotted] = leaf.title
        read_cell(draft, grid, row, value_col, leaf, draft.data, "$")
    return draft


# ----------------------------------------------------------------------------------------------
# Headers: the form's titles, the aliases of users' sheets (aliases.yaml) and --columns
# ----------------------------------------------------------------------------------------------

Target = Leaf | str  # a field, or "@facility", "@parent" and the derived inputs of importer.py


@dataclass
class Header:
    row: int  # 0-based row of the header
    targets: dict[int, Target]
    problems: list[Problem]

    def column_of(self, target: str) -> int | None:
        return next((c for c, t in self.targets.items() if t == target), None)

    def leaves(self) -> list[tuple[int, Leaf]]:
        return sorted((c, t) for c, t in self.targets.items() if isinstance(t, Leaf))


def _vocabulary(leaves: tuple[Leaf, ...], kind: str | None, keys: Mapping[str, str]) -> dict[str, Target]:
    """header key -> target for one kind of sheet."""
    by_dotted = {leaf.dotted: leaf for leaf in leaves}
    table: dict[str, Target] = {}
    sources: list[Mapping[str, str]] = []
    if kind is not None:
        sources.append(sheet_aliases(kind)["columns"])
    sources.append(mapping.active())
    for source in sources:
        for header, target in source.items():
            key = _header_key(header)
            if target.startswith("@"):
                table[key] = target
            elif target in by_dotted:
                table[key] = by_dotted[target]
            elif target == "facility_id" and "@facility" in keys.values():
                table[key] = "@facility"
    for header, target in keys.items():
        table[_header_key(header)] = target
    for leaf in leaves:
        table[_header_key(leaf.title)] = leaf
    return table


def resolve_header(grid: Grid, vocabulary: Mapping[str, Target], source: str, *, scan: bool) -> Header:
    """Find the header row (the first, or the best of the first rows of a user's sheet) and what
    each column holds; unknown and ambiguous columns are problems."""
    best_row, best_count = 0, -1
    for row in range(min(HEADER_SCAN_ROWS if scan else 1, len(grid.rows))):
        count = sum(1 for v in grid.rows[row] if _header_key(v) in vocabulary)
        if count > best_count:
            best_row, best_count = row, count
    targets: dict[int, Target] = {}
    problems: list[Problem] = []
    taken: dict[str, int] = {}
    cells = grid.rows[best_row] if best_row < len(grid.rows) else []
    for column, text in enumerate(cells):
        key = _header_key(text)
        if not key:
            if _column_used(grid, column, best_row):
                problems.append(_unknown_column(source, grid, best_row, column, "", empty=True))
            continue
        target = vocabulary.get(key)
        if target is None:
            if _column_used(grid, column, best_row):
                problems.append(_unknown_column(source, grid, best_row, column, str(text).strip()))
            continue
        if target == "@ignore":
            continue
        name = target.dotted if isinstance(target, Leaf) else target
        if name in taken:
            problems.append(
                _problem(
                    source,
                    "workbook.ambiguous_column",
                    f"列 {str(text).strip()!r} 与 {coord(best_row, taken[name])} 列表示同一项，无法确定使用哪一列；请删除其一",
                    f"column {str(text).strip()!r} holds the same item as column {coord(best_row, taken[name])}: "
                    "delete one of them",
                    sheet=grid.name,
                    cell=coord(best_row, column),
                    found=str(text).strip(),
                )
            )
            continue
        taken[name] = column
        targets[column] = target
    return Header(best_row, targets, problems)


def _column_used(grid: Grid, column: int, header_row: int = 0) -> bool:
    return any(not is_blank(row[column]) for row in grid.rows[header_row + 1 :] if column < len(row))


def _unknown_column(
    source: str, grid: Grid, row: int, column: int, text: str, *, empty: bool = False
) -> Problem:
    if empty:
        zh = "该列有数据但没有表头：请填写表头，或删除该列"
        en = "this column holds data but has no header: give it one, or delete the column"
    else:
        zh = f"未识别的列 {text!r}：数据未读取；请改用表中的表头，或用 --columns 映射到字段（或映射为 @ignore）"
        en = f"unrecognised column {text!r}: its data was not read; use the form's header, or map it with --columns (or to @ignore)"
    return _problem(
        source,
        "workbook.unknown_column",
        zh,
        en,
        sheet=grid.name,
        cell=coord(row, column),
        found=text or None,
    )


# ----------------------------------------------------------------------------------------------
# The facts sheet as a roster (one row a facility): the form's 机构 sheet, or a district ledger
# ----------------------------------------------------------------------------------------------


def facts_roster(grid: Grid, source: str, lay: Layout, *, ledger: bool) -> tuple[list[Draft], list[Problem]]:
    vocabulary = _vocabulary(lay.facts, "ledger", {})
    header = resolve_header(grid, vocabulary, source, scan=ledger)
    problems = list(header.problems)
    columns = header.leaves()
    spec = SheetMap(
        grid.name,
        {leaf.dotted: column_letter(c) for c, leaf in columns},
        {leaf.dotted: _header_text(grid, header.row, c) for c, leaf in columns},
    )
    id_from_uscc = "facility_id" not in spec.columns and "uscc" in spec.columns
    if id_from_uscc:
        problems.append(
            _problem(
                source,
                "workbook.id_from_uscc",
                f"台账没有“{KEY_TITLE}”列：以统一社会信用代码作为机构编号",
                f"the ledger has no {KEY_TITLE} column: the 统一社会信用代码 is used as the facility id",
                severity=Severity.warning,
                sheet=grid.name,
            )
        )
    if id_from_uscc:
        spec.columns["facility_id"], spec.titles["facility_id"] = spec.columns["uscc"], spec.titles["uscc"]
    derived = header.column_of("@derived")
    if derived is not None:
        problems.append(
            _problem(
                source,
                "workbook.derived_column",
                f"列 {str(grid.value(header.row, derived)).strip()!r} 未使用：在托人数由班级表或幼儿花名册计算，不能直接填写",
                f"column {str(grid.value(header.row, derived)).strip()!r} was not used: enrolment is computed from "
                "the classes or the children roster, never typed",
                severity=Severity.warning,
                sheet=grid.name,
                cell=coord(header.row, derived),
            )
        )
    drafts: list[Draft] = []
    for row in range(header.row + 1, len(grid.rows)):
        if _row_blank(grid.rows[row]):
            continue
        draft = Draft(f"{source}#{len(drafts) + 1}", {})
        draft.locator.places["$"] = Place(spec, row + 1)
        for column, leaf in _filled(grid, row, columns):
            read_cell(draft, grid, row, column, leaf, draft.data, "$", spec.titles[leaf.dotted])
        if id_from_uscc and isinstance(draft.data.get("uscc"), str):
            draft.data["facility_id"] = draft.data["uscc"]
        drafts.append(draft)
    return drafts, problems


# ----------------------------------------------------------------------------------------------
# List sheets
# ----------------------------------------------------------------------------------------------


def _list_target(draft: Draft, sheet: ListSheet, parent_id: str | None) -> tuple[list[Any], str] | None:
    """The list of the record (or of the parent item) that rows of this sheet go to, and its path."""
    if sheet.parent is None:
        owner: dict[str, Any] = draft.data
        prefix = "$"
    else:
        parents: Any = draft.data
        for key in sheet.parent.keys:
            parents = parents.get(key) if isinstance(parents, dict) else None
        candidates: list[Any] = parents if isinstance(parents, list) else []
        index = next(
            (
                i
                for i, item in enumerate(candidates)
                if isinstance(item, dict) and item.get("id") == parent_id
            ),
            None,
        )
        if index is None:
            return None
        owner = candidates[index]
        prefix = _json_path("$", sheet.parent.keys) + f"[{index}]"
    for key in sheet.keys[:-1]:
        nxt = owner.get(key)
        if not isinstance(nxt, dict):
            nxt = owner[key] = {}
        owner = nxt
    items = owner.get(sheet.keys[-1])
    if not isinstance(items, list):
        items = owner[sheet.keys[-1]] = []
    return items, prefix + "".join(f".{k}" for k in sheet.keys)


def _missing_column(source: str, grid: Grid, zh: str, en: str) -> Problem:
    return _problem(source, "workbook.missing_column", zh, en, sheet=grid.name, cell="A1")


def _draft_of(
    grid: Grid,
    row: int,
    column: int | None,
    drafts: list[Draft],
    by_id: dict[str, Draft],
    source: str,
    loose: list[Problem],
) -> Draft | None:
    if column is None:
        return drafts[0]
    fid = _id_text(grid.value(row, column))
    draft = by_id.get(fid)
    if draft is None:
        loose.append(
            _problem(
                source,
                "workbook.unknown_facility",
                f"机构编号 {fid!r} 不在机构表中" if fid else "机构编号为空",
                f"facility id {fid!r} is not in the facilities sheet" if fid else "the facility id is empty",
                sheet=grid.name,
                cell=coord(row, column),
                field_title=KEY_TITLE,
                found=fid or None,
            )
        )
    return draft


def read_list_sheet(
    grid: Grid,
    sheet: ListSheet,
    drafts: list[Draft],
    by_id: dict[str, Draft],
    source: str,
    kind: str | None,
    derived: Derived,
) -> list[Problem]:
    """Rows of a list sheet into the records; returns problems that belong to no record."""
    parent_title = sheet.parent.id_leaf.title if sheet.parent and sheet.parent.id_leaf else None
    keys = {KEY_TITLE: "@facility", **({parent_title: "@parent"} if parent_title else {})}
    header = resolve_header(grid, _vocabulary(sheet.leaves, kind, keys), source, scan=kind is not None)
    loose = list(header.problems)
    facility_col = header.column_of("@facility")
    parent_col = header.column_of("@parent")
    has_rows = any(not _row_blank(r) for r in grid.rows[header.row + 1 :])
    if facility_col is None and len(drafts) != 1:
        if has_rows:
            loose.append(
                _missing_column(
                    source,
                    grid,
                    f"缺少“{KEY_TITLE}”列：多机构台账的每个工作表都需按机构编号对应到机构",
                    f"the {KEY_TITLE} (facility id) column is missing: every sheet of a roster needs it",
                )
            )
        return loose
    if sheet.parent is not None and parent_col is None:
        if has_rows:
            loose.append(
                _missing_column(
                    source,
                    grid,
                    f"缺少“{parent_title}”列：每行须对应到一名工作人员",
                    f"the {parent_title} column is missing: each row must name a staff member",
                )
            )
        return loose
    columns = header.leaves()
    specials = sorted(
        (c, t) for c, t in header.targets.items() if isinstance(t, str) and t not in ("@facility", "@parent")
    )
    spec = SheetMap(
        grid.name,
        {leaf.dotted: column_letter(c) for c, leaf in columns},
        {leaf.dotted: _header_text(grid, header.row, c) for c, leaf in columns},
    )
    generate_ids = sheet.id_leaf is not None and "id" not in spec.columns and kind is not None
    first_data_col = min((c for c, _ in columns), default=None)
    targets: dict[tuple[int, str | None], tuple[list[Any], str]] = {}
    for row in range(header.row + 1, len(grid.rows)):
        if _row_blank(grid.rows[row]):
            continue
        draft = _draft_of(grid, row, facility_col, drafts, by_id, source, loose)
        if draft is None:
            continue
        parent_id = _id_text(grid.value(row, parent_col)) if parent_col is not None else None
        cache_key = (id(draft), parent_id)
        target = targets.get(cache_key)
        if target is None:
            target = _list_target(draft, sheet, parent_id)
            if target is not None:
                targets[cache_key] = target
        if target is None:
            assert parent_col is not None
            draft.cell_problem(
                "$",
                grid.name,
                coord(row, parent_col),
                parent_title,
                Text(
                    f"人员编号 {parent_id!r} 不在工作人员表中",
                    f"staff id {parent_id!r} is not in the staff sheet",
                ),
                found=parent_id,
            )
            continue
        items, list_path = target
        if (
            first_data_col is not None
            and not specials
            and str(grid.value(row, first_data_col)).strip() in EMPTY_WORDS
            and all(is_blank(grid.value(row, c)) for c, _ in columns[1:])
        ):
            continue  # （无）: the list is known to be empty
        item: dict[str, Any] = {}
        item_path = f"{list_path}[{len(items)}]"
        items.append(item)
        draft.locator.places[item_path] = Place(spec, row + 1)
        if generate_ids:
            item["id"] = f"S{row + 1:03d}"  # a roster without ids: the row names the person
        for column, leaf in _filled(grid, row, columns):
            read_cell(draft, grid, row, column, leaf, item, item_path, spec.titles[leaf.dotted])
        for column, special in specials:
            title = str(grid.value(header.row, column) or "").strip() or None
            derived.cell(draft, grid, row, column, special, item, item_path, title)
    if generate_ids:
        loose.append(
            _problem(
                source,
                "workbook.generated_ids",
                "花名册没有人员编号列：按行号编号（如第 7 行为 S007）",
                "the roster has no staff id column: people are numbered by row (row 7 is S007)",
                severity=Severity.warning,
                sheet=grid.name,
            )
        )
    return loose


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if is_blank(value) else str(value).strip()


# ----------------------------------------------------------------------------------------------
# The workbook
# ----------------------------------------------------------------------------------------------


def _facts_form(grid: Grid) -> tuple[int, dict[str, int]] | None:
    """The header row and columns of the 项目 | 值 form of one facility, if the sheet is in it."""
    for row in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        keys = {_header_key(v): c for c, v in enumerate(grid.rows[row]) if not is_blank(v)}
        if "项目" in keys and "值" in keys:
            return row, keys
    return None


def _sheet_kind(grid: Grid, kinds: Mapping[str, Mapping[str, Target]]) -> str | None:
    """Which kind of users' sheet a sheet is: by its name, else by its headers."""
    name = _header_key(grid.name)
    for kind in kinds:
        if name in {_header_key(n) for n in sheet_aliases(kind)["names"]}:
            return kind
    best, best_count = None, 2  # at least three recognised headers
    for kind, vocabulary in kinds.items():
        for row in grid.rows[:HEADER_SCAN_ROWS]:
            count = sum(
                1 for v in row if _header_key(v) in vocabulary and vocabulary[_header_key(v)] != "@ignore"
            )
            if count > best_count:
                best, best_count = kind, count
    return best


def read_workbook(data: bytes, source: str) -> Iterator[LoadItem]:
    """Records of a workbook: the tool's own form (one facility or a roster), or a district ledger,
    with staff and children rosters in the people's own spelling."""
    # A roster is built whole (a facility's rows may be anywhere in its sheets): millions of small
    # acyclic dicts, which the cyclic garbage collector would scan again and again for nothing.
    with paused():
        items = list(_read_workbook(data, source))
    yield from items


def _read_workbook(data: bytes, source: str) -> Iterator[LoadItem]:
    try:
        book = _open(data, source)
    except _Refused as exc:
        yield LoadFailure(source, [exc.problem])
        return
    lay = layout()
    loose: list[Problem] = list(book.notices)
    staff_sheet = next(s for s in lay.lists if s.keys == ("staff",))
    kinds: dict[str, Mapping[str, Target]] = {
        "ledger": _vocabulary(lay.facts, "ledger", {}),
        "staff": _vocabulary(staff_sheet.leaves, "staff", {KEY_TITLE: "@facility"}),
        "children": _vocabulary((), "children", {KEY_TITLE: "@facility"}),
    }
    form_sheets = {s.name: s for s in lay.lists}
    grids = [g for g in book.grids if g.name != GUIDE_SHEET]
    facts = next((g for g in grids if g.name == FACTS_SHEET), None)
    detected = {g.name: _sheet_kind(g, kinds) for g in grids if g.name not in form_sheets and g is not facts}
    if facts is None:
        facts = next((g for g in grids if detected.get(g.name) == "ledger"), None)
    if facts is None:
        yield LoadFailure(
            source,
            [
                *loose,
                _problem(
                    source,
                    "workbook.no_facilities",
                    f"找不到机构：工作簿应有“{FACTS_SHEET}”表（用 `facility-check template` 生成），或一张机构台账（含机构名称等列）",
                    f"no facilities found: the workbook needs a {FACTS_SHEET} sheet (made by `facility-check template`) "
                    "or a ledger of facilities (with 机构名称 and similar columns)",
                ),
            ],
        )
        return
    form = _facts_form(facts)
    if form is not None:
        drafts = [_facts_vertical(facts, form[0], form[1], source, lay)]
    else:
        drafts, problems = facts_roster(facts, source, lay, ledger=facts.name != FACTS_SHEET)
        loose += problems
    if len(drafts) > MAX_RECORDS_PER_DOCUMENT:
        yield LoadFailure(
            source,
            [
                _problem(
                    source,
                    "limit.records",
                    f"工作簿中机构数超过上限 {MAX_RECORDS_PER_DOCUMENT}",
                    f"more than {MAX_RECORDS_PER_DOCUMENT} facilities in one workbook",
                )
            ],
        )
        return
    by_id = _index(drafts)
    derived = Derived(source)
    by_name = {g.name: g for g in grids}
    for sheet in lay.lists:
        grid = by_name.get(sheet.name)
        kind = "staff" if sheet is staff_sheet else None
        if grid is None and sheet is staff_sheet:
            grid = next((g for g in grids if detected.get(g.name) == "staff"), None)
        if grid is not None:
            loose += read_list_sheet(grid, sheet, drafts, by_id, source, kind, derived)
    used = {facts.name, *form_sheets}
    if staff_sheet.name not in by_name:
        staff_grid = next((g for g in grids if detected.get(g.name) == "staff"), None)
        if staff_grid is not None:
            used.add(staff_grid.name)
    for grid in grids:
        if grid.name in used:
            continue
        if detected.get(grid.name) == "children":
            loose += derived.children_sheet(grid, kinds["children"], drafts, by_id)
        elif not _grid_blank(grid):
            loose.append(
                _problem(
                    source,
                    "workbook.unknown_sheet",
                    f"工作表“{grid.name}”不是可识别的表（机构、名单或花名册），未读取",
                    f"sheet {grid.name!r} is not a sheet this tool knows (the form's, a roster or a ledger) and was not read",
                    severity=Severity.warning,
                    sheet=grid.name,
                )
            )
    for draft in drafts:
        derived.apply(draft)
    if not drafts:
        yield LoadFailure(
            source,
            [
                *loose,
                _problem(
                    source,
                    "workbook.empty",
                    "工作簿中没有任何机构",
                    "the workbook holds no facility",
                    sheet=facts.name,
                ),
            ],
        )
        return
    yield from finish(drafts, loose)


def _index(drafts: list[Draft]) -> dict[str, Draft]:
    by_id: dict[str, Draft] = {}
    for draft in drafts:
        fid = draft.data.get("facility_id")
        if not isinstance(fid, str) or not fid:
            continue
        if fid in by_id:
            where = draft.locator.find("$.facility_id")
            draft.cell_problem(
                "$.facility_id",
                where[0] if where else FACTS_SHEET,
                where[1] if where and where[1] else "A1",
                KEY_TITLE,
                Text(f"机构编号 {fid!r} 重复", f"facility id {fid!r} appears twice"),
            )
        else:
            by_id[fid] = draft
    return by_id


def _grid_blank(grid: Grid) -> bool:
    return all(_row_blank(row) for row in grid.rows)


def finish(drafts: list[Draft], loose: list[Problem]) -> Iterator[LoadItem]:
    """The records; the workbook's own errors as a failure of the file, its warnings given to the
    first record (never dropped)."""
    errors = [p for p in loose if p.severity == Severity.error]
    if errors:
        yield LoadFailure(drafts[0].source.rsplit("#", 1)[0], loose)
        loose = []
    for index, draft in enumerate(drafts):
        data = draft.data
        if "schema_version" not in data:
            data["schema_version"] = SCHEMA_VERSION  # the workbook form is of this version
        problems = draft.problems + (loose if index == 0 else [])
        yield RawRecord(source=draft.source, data=data, warnings=problems, locate=draft.locator.locate)
