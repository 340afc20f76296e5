"""What changed in a district since an earlier ``district --format json`` run.

Per section item (siting, design, setup, management, total) the exact value before and now; per
facility the scores and verdicts before and now and the articles that are new, fixed or still
open (unmet or unknown counted articles and failed design clauses).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..pipeline import InputError
from ..problems import Text
from .changes import Change, classify
from .documents import problem, read_json_file, validate_against

if TYPE_CHECKING:
    from ..district import DistrictResult

SECTION_ITEMS = ("siting", "design", "setup", "management", "total")


@dataclass(frozen=True)
class FacilitySnapshot:
    facility_id: str
    name: str
    setup: Decimal
    management: Decimal
    siting: str | None
    design: str | None
    bad: frozenset[str]  # codes unmet or unknown (counted articles) or failed (design)


@dataclass(frozen=True)
class EarlierDistrict:
    source: str
    as_of: date | None
    section: Mapping[str, Fraction | None]
    facilities: Mapping[str, FacilitySnapshot]


@dataclass(frozen=True)
class ItemChange:
    item: str
    before: Fraction | None
    now: Fraction | None

    @property
    def delta(self) -> Fraction | None:
        return None if self.before is None or self.now is None else self.now - self.before

    def to_dict(self) -> dict[str, Any]:
        def s(v: Fraction | None) -> str | None:
            return None if v is None else str(v)

        return {"before": s(self.before), "now": s(self.now), "change": s(self.delta)}


@dataclass(frozen=True)
class FacilityChange:
    facility_id: str
    name: str
    presence: str  # both | added | removed
    before: FacilitySnapshot | None
    now: FacilitySnapshot | None
    codes: Mapping[str, Change]

    def of(self, change: Change) -> list[str]:
        return sorted((c for c, ch in self.codes.items() if ch == change), key=_natural)

    @property
    def changed(self) -> bool:
        if self.presence != "both" or self.of(Change.new) or self.of(Change.fixed):
            return True
        b, n = self.before, self.now
        assert b is not None and n is not None
        return (b.setup, b.management, b.siting, b.design) != (n.setup, n.management, n.siting, n.design)

    def to_dict(self) -> dict[str, Any]:
        def snap(s: FacilitySnapshot | None) -> dict[str, Any] | None:
            if s is None:
                return None
            return {
                "setup": float(s.setup),
                "management": float(s.management),
                "siting": s.siting,
                "design": s.design,
            }

        return {
            "facility_id": self.facility_id,
            "name": self.name,
            "presence": self.presence,
            "before": snap(self.before),
            "now": snap(self.now),
            "new": self.of(Change.new),
            "fixed": self.of(Change.fixed),
            "still": self.of(Change.still),
        }


@dataclass(frozen=True)
class DistrictSince:
    earlier: EarlierDistrict
    items: tuple[ItemChange, ...]
    facilities: tuple[FacilityChange, ...]

    @property
    def changed(self) -> list[FacilityChange]:
        return [f for f in self.facilities if f.changed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "earlier_source": self.earlier.source,
            "earlier_as_of": self.earlier.as_of.isoformat() if self.earlier.as_of else None,
            "section": {i.item: i.to_dict() for i in self.items},
            "facilities": [f.to_dict() for f in self.changed],
            "unchanged": len(self.facilities) - len(self.changed),
        }


def _natural(code: str) -> tuple[Any, ...]:
    # SET before MGT before DES, then by number: MGT-4 before MGT-13
    order = {"SET": 0, "MGT": 1, "DES": 2}
    head = code.split("-", 1)[0]
    return (order.get(head, 9), *(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code)))


def _fraction(value: Any) -> Fraction | None:
    return None if value is None else Fraction(str(value))


def _snapshot(row: Mapping[str, Any]) -> FacilitySnapshot:
    bad = {*row["setup_unmet"], *row["setup_unknown"], *row["management_unmet"], *row["management_unknown"]}
    bad |= {d["code"] for d in row.get("design_failures", [])}
    return FacilitySnapshot(
        facility_id=row["facility_id"],
        name=row.get("name", ""),
        setup=Decimal(str(row["setup"])),
        management=Decimal(str(row["management"])),
        siting=row.get("siting"),
        design=row.get("design"),
        bad=frozenset(bad),
    )


def load_earlier_district(name: str) -> EarlierDistrict:
    value = read_json_file(name)
    return earlier_district_from_value(value, name)


def earlier_district_from_value(value: Any, source: str) -> EarlierDistrict:
    if not isinstance(value, dict) or "section_exact" not in value:
        raise InputError(
            [
                problem(
                    source,
                    "$",
                    "since.not_a_district",
                    "不是较早的辖区报告：应为 district --format json 的输出",
                    "not an earlier district report: expected the output of district --format json",
                )
            ]
        )
    validate_against(
        value,
        "district-report.schema.json",
        source,
        Text("辖区报告（district --format json）", "district report"),
    )
    as_of = value.get("as_of")
    return EarlierDistrict(
        source=source,
        as_of=date.fromisoformat(as_of) if isinstance(as_of, str) else None,
        section={k: _fraction(value["section_exact"].get(k)) for k in SECTION_ITEMS},
        facilities={row["facility_id"]: _snapshot(row) for row in value["facilities"]},
    )


def compare_district(result: DistrictResult, earlier: EarlierDistrict) -> DistrictSince:
    items = []
    for name in SECTION_ITEMS:
        value = result.total if name == "total" else result.item(name)
        items.append(ItemChange(name, earlier.section.get(name), None if value is None else Fraction(value)))
    now_rows = {
        r.facility_id: FacilitySnapshot(
            facility_id=r.facility_id,
            name=r.name,
            setup=r.setup,
            management=r.management,
            siting=r.siting,
            design=r.design,
            bad=frozenset(
                {*r.setup_unmet, *r.setup_unknown, *r.management_unmet, *r.management_unknown}
                | {c for c, _ in r.design_failures}
            ),
        )
        for r in result.rows
    }
    facilities = []
    for fid in sorted(set(now_rows) | set(earlier.facilities)):
        before, now = earlier.facilities.get(fid), now_rows.get(fid)
        presence = "both" if before and now else ("added" if now else "removed")
        codes: dict[str, Change] = {}
        if before is not None and now is not None:
            for code in before.bad | now.bad:
                codes[code] = classify(
                    "unmet" if code in before.bad else "met", "unmet" if code in now.bad else "met"
                )
        elif now is not None:
            codes = dict.fromkeys(now.bad, Change.new)
        known = now or before
        facilities.append(FacilityChange(fid, known.name if known else fid, presence, before, now, codes))
    return DistrictSince(earlier, tuple(items), tuple(facilities))


__all__ = [
    "SECTION_ITEMS",
    "DistrictSince",
    "EarlierDistrict",
    "FacilityChange",
    "ItemChange",
    "compare_district",
    "earlier_district_from_value",
    "load_earlier_district",
]
