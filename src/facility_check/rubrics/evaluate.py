"""Evaluating a rubric pack item by item, and the district dashboard.

An item is scored from its rules (``parts``). A rule with a computation passes, fails, or lacks
data; a manual rule is for a reviewer. The item's score is computed only when every possible
answer of the open rules gives the same score (an accident already sets an item to 0, whatever
the survey says); otherwise the item is ``needs_data`` (a computation lacks data — the missing
fields are named) or ``manual`` (only a reviewer's rules are open — the possible range is given).
A score is never invented.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..catalogue import Catalogue
from ..engine import Options
from ..pipeline import date_limit
from ..problems import Text
from ..scoring import round_half_up
from ..siting import SitingIndex
from .functions import (
    REGISTRY,
    Context,
    Outcome,
    Record,
    exact,
    filed_status,
    filing,
    fmt,
    places,
    places_per_1000,
    puhui_places,
)
from .pack import Compute, Item, Part, Rubric
from .profile import District, Profile

if TYPE_CHECKING:
    from ..district import DistrictResult

STATUSES = ("computed", "needs_data", "manual")


def run(compute: Compute, ctx: Context) -> Outcome:
    return REGISTRY[compute.function].function(ctx, compute.params)


@dataclass(frozen=True)
class PartResult:
    part: Part
    outcome: Outcome | None  # None: a manual rule

    @property
    def state(self) -> str:
        if self.outcome is None:
            return "manual"
        if self.outcome.passed is None:
            return "needs_data"
        return "passed" if self.outcome.passed else "failed"

    def to_dict(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.part.text, "state": self.state}
        for key in ("deduct", "award"):
            v = getattr(self.part, key)
            if v is not None:
                out[key] = _num(v)
        if self.part.zero:
            out["zero"] = True
        if self.part.compute is not None:
            out["function"] = self.part.compute.function
            out["params"] = dict(self.part.compute.params)
        if self.part.manual is not None:
            out["manual_evidence"] = self.part.manual
        if self.outcome is not None:
            out["summary"] = self.outcome.summary(lang)
            out["basis"] = self.outcome.basis(lang)
            if self.outcome.missing:
                out["missing"] = list(self.outcome.missing)
        return out


@dataclass(frozen=True)
class ItemResult:
    item: Item
    status: str
    score: Fraction | Decimal | None
    passed: bool | None
    parts: tuple[PartResult, ...]
    data: tuple[Outcome, ...] = ()
    score_range: tuple[Fraction, Fraction] | None = None

    @property
    def outcomes(self) -> list[Outcome]:
        return [p.outcome for p in self.parts if p.outcome is not None] + list(self.data)

    @property
    def missing(self) -> list[str]:
        return [
            m
            for p in self.parts
            if p.outcome is not None and p.outcome.passed is None
            for m in p.outcome.missing
        ]

    def value(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for o in self.outcomes:
            out.update(o.value)
        return out

    def summary(self, lang: str) -> str:
        return (
            "；".join(o.summary(lang) for o in self.outcomes)
            if lang == "zh"
            else "; ".join(o.summary(lang) for o in self.outcomes)
        )

    def basis(self, lang: str) -> list[str]:
        out = []
        for p in self.parts:
            if p.outcome is None:
                out.append(f"{p.part.text} — {'人工评分' if lang == 'zh' else 'for a reviewer'}")
            else:
                out.append(f"{p.part.text} — {p.outcome.basis(lang)}")
        return out

    def evidence(self) -> list[str]:
        return [e for o in self.outcomes for e in o.evidence]

    def to_dict(self, lang: str) -> dict[str, Any]:
        it = self.item
        return {
            "id": it.id,
            "number": it.number,
            "section": it.section,
            "title": it.title,
            "text": it.text,
            "points": None if it.points is None else _num(it.points),
            "score": None if self.score is None else _num(round_half_up(self.score)),
            "score_exact": None if self.score is None else exact(self.score),
            "score_range": None
            if self.score_range is None
            else [_num(round_half_up(x)) for x in self.score_range],
            "status": self.status,
            "passed": self.passed,
            "value": self.value(),
            "summary": self.summary(lang),
            "basis": self.basis(lang),
            "evidence": self.evidence(),
            "missing": self.missing,
            "manual_evidence": it.evidence if it.scoring == "manual" else None,
            "note": it.note,
            "parts": [p.to_dict(lang) for p in self.parts],
        }


def _num(v: Decimal | Fraction) -> int | float:
    d = round_half_up(v) if isinstance(v, Fraction) else v
    return int(d) if d == d.to_integral_value() else float(d)


def _score(item: Item, answers: Sequence[bool], parts: Sequence[PartResult]) -> Fraction:
    points = Fraction(item.points or 0)
    if item.scoring == "deduct":
        if any(not ok and p.part.zero for ok, p in zip(answers, parts, strict=True)):
            return Fraction(0)
        lost = sum(
            (Fraction(p.part.deduct or 0) for ok, p in zip(answers, parts, strict=True) if not ok),
            Fraction(0),
        )
        return max(Fraction(0), points - lost)
    if item.scoring == "award":
        return min(
            points,
            sum(
                (Fraction(p.part.award or 0) for ok, p in zip(answers, parts, strict=True) if ok), Fraction(0)
            ),
        )
    if item.scoring == "all":
        return points if all(answers) else Fraction(0)
    raise ValueError(item.scoring)


def evaluate_item(item: Item, ctx: Context) -> ItemResult:
    parts = tuple(PartResult(p, run(p.compute, ctx) if p.compute is not None else None) for p in item.parts)
    data = tuple(run(c, ctx) for c in item.data)
    if item.scoring == "manual":
        return ItemResult(item, "manual", None, None, parts, data, (Fraction(0), Fraction(item.points or 0)))
    if item.scoring == "direct":
        o = parts[0].outcome
        assert o is not None
        if o.score is None:
            return ItemResult(item, "needs_data", None, None, parts, data)
        return ItemResult(item, "computed", o.score, o.passed, parts, data)
    if item.scoring == "target":
        states = [p.state for p in parts]
        if "failed" in states:
            return ItemResult(item, "computed", None, False, parts, data)
        if "needs_data" in states:
            return ItemResult(item, "needs_data", None, None, parts, data)
        return ItemResult(item, "computed", None, True, parts, data)
    choices = [
        (p.outcome.passed,) if p.outcome is not None and p.outcome.passed is not None else (True, False)
        for p in parts
    ]
    scores = {_score(item, answers, parts) for answers in itertools.product(*choices)}
    lo, hi = min(scores), max(scores)
    full = Fraction(item.points or 0)
    if lo == hi:
        return ItemResult(item, "computed", lo, lo == full, parts, data)
    status = "needs_data" if any(p.state == "needs_data" for p in parts) else "manual"
    return ItemResult(item, status, None, None, parts, data, (lo, hi))


# --------------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardRow:
    code: str
    name: str
    facilities: int
    places: int | None
    puhui_places: int | None
    filed: int
    with_findings: int | None


@dataclass(frozen=True)
class Dashboard:
    rows: tuple[DashboardRow, ...]
    facilities: int
    places: int | None
    puhui_places: int | None
    places_per_1000: Fraction | None
    filing_rate: Fraction | None
    filed: int
    registered: int
    with_findings: int | None
    notes: tuple[str, ...] = ()

    @property
    def filed_share(self) -> Fraction | None:
        """Filed facilities among the facilities in service, in percent (no registry needed)."""
        filed = sum(r.filed for r in self.rows)
        return None if self.facilities == 0 else Fraction(filed * 100, self.facilities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subdistricts": [
                {
                    "code": r.code,
                    "name": r.name,
                    "facilities": r.facilities,
                    "places": r.places,
                    "puhui_places": r.puhui_places,
                    "filed": r.filed,
                    "with_findings": r.with_findings,
                }
                for r in self.rows
            ],
            "facilities": self.facilities,
            "places": self.places,
            "puhui_places": self.puhui_places,
            "places_per_1000": None if self.places_per_1000 is None else fmt(self.places_per_1000),
            "filing_rate_percent": None if self.filing_rate is None else fmt(self.filing_rate),
            "filed": self.filed,
            "registered": self.registered,
            "with_findings": self.with_findings,
            "notes": list(self.notes),
        }


UNASSIGNED = "—"


NEEDS_PROFILE = (
    "镇街分组需辖区档案 / grouping by 镇街 needs the profile: profile:$.subdistricts, profile:$.facilities[].subdistrict",
    "普惠托位需辖区档案 / 普惠 places need the profile: profile:$.facilities[].puhui_places",
    "千人口托位数需辖区档案 / places per 1,000 need the profile: profile:$.population.residents",
    "备案率（已备案 ÷ 市场监管登记）需辖区档案 / the filing rate (filed ÷ registered) needs the profile: profile:$.market_registry",
)


def dashboard(ctx: Context, *, with_profile: bool = True) -> Dashboard:
    """Counts by 镇街: facilities in service, places, 普惠 places, filed, facilities with findings.

    ``with_profile=False``: ``ctx.profile`` is an empty stand-in (the district command without
    ``--profile``); the figures only a profile gives are then named in the notes, not listed
    facility by facility.
    """
    p, h = places(ctx), puhui_places(ctx)
    findings: dict[str, bool] | None = None
    if ctx.district is not None:
        findings = {
            r.facility_id: bool(
                r.setup_unmet
                or r.management_unmet
                or r.design == "noncompliant"
                or r.siting == "noncompliant"
            )
            for r in ctx.district.rows
        }
    groups: dict[str, list[str]] = {s.code: [] for s in ctx.profile.subdistricts or []}
    filed_ids = set()
    for r in ctx.in_service():
        entry = ctx.profile.facility(r.facility.facility_id)
        code = entry.subdistrict if entry is not None and entry.subdistrict else UNASSIGNED
        groups.setdefault(code, []).append(r.facility.facility_id)
        if filed_status(ctx, r.facility)[0]:
            filed_ids.add(r.facility.facility_id)
    rows = []
    for code, ids in groups.items():
        sd = ctx.profile.subdistrict(code)
        rows.append(
            DashboardRow(
                code,
                sd.name if sd else "未指定镇街",
                len(ids),
                None if any(i not in p.by_facility for i in ids) else sum(p.by_facility[i] for i in ids),
                None if any(i not in h.by_facility for i in ids) else sum(h.by_facility[i] for i in ids),
                sum(1 for i in ids if i in filed_ids),
                None
                if findings is None or any(i not in findings for i in ids)
                else sum(1 for i in ids if findings[i]),
            )
        )
    per_1000, _, _, _ = places_per_1000(ctx)
    filed, registered, _, _, fmissing = filing(ctx)
    if ctx.profile.market_registry is None:  # no registry: the filed count is the records' own
        filed = sum(r.filed for r in rows)
    notes = []
    if p.missing:
        notes.append(f"托位缺失 / places missing: {', '.join(p.missing)}")
    if not with_profile:
        notes.extend(NEEDS_PROFILE)
    elif h.missing:
        notes.append(f"普惠托位缺失 / 普惠 places missing: {', '.join(h.missing)}")
    return Dashboard(
        tuple(rows),
        sum(r.facilities for r in rows),
        None if p.missing else p.total,
        None if h.missing else h.total,
        per_1000,
        None if fmissing or registered == 0 else Fraction(filed * 100, registered),
        filed,
        registered,
        None if findings is None else sum(1 for v in findings.values() if v),
        tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass
class RubricResult:
    rubric: Rubric
    items: list[ItemResult]
    dashboard: Dashboard
    district_name: str
    profile_source: str
    reference_date: date | None
    given: int
    evaluated: int
    rejected: list[str] = field(default_factory=list)
    complete_note: Text | None = None

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i.status == s) for s in STATUSES}

    def computed_points(self) -> tuple[Fraction, Fraction]:
        """(score, points) over the computed items with points."""
        got = sum(
            (Fraction(i.score) for i in self.items if i.status == "computed" and i.score is not None),
            Fraction(0),
        )
        of = sum(
            (
                Fraction(i.item.points)
                for i in self.items
                if i.status == "computed" and i.item.points is not None
            ),
            Fraction(0),
        )
        return got, of

    def findings(self) -> bool:
        return any(
            i.status == "needs_data" or (i.status == "computed" and i.passed is False) for i in self.items
        )

    def to_dict(self, lang: str) -> dict[str, Any]:
        got, of = self.computed_points()
        r = self.rubric
        return {
            "rubric": {
                "id": r.id,
                "title": r.title if lang == "zh" else r.title_en,
                "kind": r.kind,
                "total_points": None if r.total_points is None else _num(r.total_points),
                "source": dict(r.source),
                "note": r.note,
            },
            "district": self.district_name,
            "profile": self.profile_source,
            "reference_date": self.reference_date.isoformat() if self.reference_date else None,
            "records": {"given": self.given, "evaluated": self.evaluated, "rejected": self.rejected},
            "counts": self.counts(),
            "computed_score": {
                "score": _num(round_half_up(got)),
                "score_exact": exact(got),
                "of_points": _num(round_half_up(of)),
            },
            "rounding": "scores and rates half-up to 2 decimals for display; exact values in *_exact",
            "items": [i.to_dict(lang) for i in self.items],
            "dashboard": self.dashboard.to_dict(),
        }


def evaluate(
    rubric: Rubric,
    ctx: Context,
    *,
    district_name: str,
    profile_source: str,
    given: int,
    rejected: list[str],
) -> RubricResult:
    return RubricResult(
        rubric,
        [evaluate_item(item, ctx) for item in rubric.items],
        dashboard(ctx),
        district_name,
        profile_source,
        ctx.reference_date,
        given,
        len(ctx.records),
        rejected,
    )


def usable_records(
    names: list[str], when: date | None, lang: str
) -> tuple[int, tuple[Record, ...], list[str]]:
    """(given, usable records, problem lines): records validated as `check` does (streamed: only
    the facility of each usable record is kept)."""
    from ..loading import iter_sources
    from ..render.validation import problem_line
    from ..validate import validate_items

    given = 0
    kept: list[Record] = []
    rejected: list[str] = []
    for v in validate_items(iter_sources(names), date_limit(when)):
        given += 1
        if v.ok and v.facility is not None:
            kept.append(Record(v.facility, v.source))
        else:
            rejected.extend(problem_line(p, lang) for p in v.problems)
    return given, tuple(kept), rejected


def district_dashboard(
    names: list[str],
    section: DistrictResult,
    district_profile: Profile | None,
    when: date | None,
    lang: str,
) -> Dashboard:
    """The rubric's dashboard for the `district` command: the same records (read again, streamed),
    the district section already computed, and the profile if one is given. Without a profile,
    an empty one stands in: places come from the records' filed capacity, nothing else is invented."""
    _, usable, _ = usable_records(names, when, lang)
    stand_in = district_profile or Profile(schema_version="1.0", district=District(name="—"))
    ctx = Context(usable, stand_in, section, when or stand_in.reference_date)
    return dashboard(ctx, with_profile=district_profile is not None)


def evaluate_district(
    pack: Rubric,
    names: list[str],
    district_profile: Profile,
    profile_source: str,
    catalogue: Catalogue,
    when: date | None,
    siting_index: SitingIndex | None,
    lang: str,
) -> RubricResult:
    """Records validated as `check` does (streamed: only the facility of each usable record is
    kept), the district section as `district` computes it, then the pack's items."""
    from ..district import compute_inputs
    from ..render.validation import problem_line

    given, usable, rejected = usable_records(names, when, lang)
    section = (
        compute_inputs(
            names,
            catalogue,
            Options(as_of=when),
            siting_index=siting_index,
            hazard_problems=list(siting_index.layers.problems) if siting_index is not None else [],
            allow_incomplete=True,
            today=date_limit(when),
        )
        if usable
        else None
    )
    if section is not None:  # hazard features that could not be used make the result incomplete too
        rejected.extend(problem_line(p, lang) for p in section.hazard_rejections)
    ctx = Context(usable, district_profile, section, when or district_profile.reference_date)
    return evaluate(
        pack,
        ctx,
        district_name=district_profile.district.name,
        profile_source=profile_source,
        given=given,
        rejected=rejected,
    )


__all__ = [
    "STATUSES",
    "Dashboard",
    "ItemResult",
    "RubricResult",
    "dashboard",
    "district_dashboard",
    "evaluate",
    "evaluate_district",
    "evaluate_item",
    "run",
    "usable_records",
]
