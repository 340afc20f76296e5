"""The district 服务质量 section (Liaoning rubric （六）, 15 points), per ``shared/standards/scoring.md``.

Records are streamed in chunks: each chunk is validated, its siting measured in one batch, each
facility evaluated and reduced to a compact row (scores, verdicts, codes) — full evidence is not
kept, so memory stays bounded for JSON Lines input of any length.

Items:
1. siting — 2.5 when every facility's siting is compliant, 0 when any is not, unknown otherwise;
2. design — the same over the design verdicts;
3. setup standard — the exact mean of the facility scores;
4. management norms — the same.
Display values are rounded half-up to two decimals; the total is the rounded sum of the
unrounded items.
"""

from __future__ import annotations

import functools
import gc
import itertools
import multiprocessing as mp
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .catalogue import Catalogue, OverlayInfo
from .collector import paused
from .engine import SCORED_STANDARDS, Options, evaluate_compact
from .loading import LoadItem, Unit, iter_unit, plan_units, split_unit
from .problems import Problem, Severity, Text
from .record import Facility
from .report import SitingResult
from .scoring import DESIGN_POINTS, SITING_POINTS, mean, round_half_up
from .validate import ValidatedRecord, validate_items

if TYPE_CHECKING:
    from .lifecycle.district_changes import DistrictSince
    from .rubrics.evaluate import Dashboard

CHUNK = 2000
# JSON Lines are split into units of this size for the workers (~750 records of 11 KB): siting
# measures a unit's facilities together, and larger batches share more projections (per facility,
# a batch of 1,500 costs ~30 % less siting than one of 375), but a worker holds a unit's validated
# records at once (~80 KB each): 16 MB units took the peak of 10k x 1M from ~840 to ~1,070 MiB,
# 8 MB units to ~900. The last units are split smaller (``_tapered``).
UNIT_BYTES = 8 * 1024 * 1024
PARALLEL_FROM_BYTES = 8 * 1024 * 1024  # below this, forking costs more than it saves
_INDEX = re.compile(r"\[\d+\]")


@functools.lru_cache(maxsize=4096)
def _index_free(path: str) -> str:
    """``$.staff[3].name`` → ``$.staff[].name``: the fact, whichever item lacks it."""
    return _INDEX.sub("[]", path)


@dataclass(frozen=True)
class FacilityRow:
    """What the district keeps of one facility."""

    facility_id: str
    name: str
    source: str
    setup: Decimal
    management: Decimal
    setup_unmet: tuple[str, ...]
    setup_unknown: tuple[str, ...]
    management_unmet: tuple[str, ...]
    management_unknown: tuple[str, ...]
    siting: str | None  # compliant | noncompliant | unknown | None (no layers)
    siting_failures: tuple[Text, ...]
    siting_reason: Text | None
    design: str
    design_failures: tuple[tuple[str, Text], ...]
    design_missing: tuple[str, ...]
    missing_facts: tuple[str, ...]

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "facility_id": self.facility_id,
            "name": self.name,
            "source": self.source,
            "setup": float(self.setup),
            "management": float(self.management),
            "setup_unmet": list(self.setup_unmet),
            "setup_unknown": list(self.setup_unknown),
            "management_unmet": list(self.management_unmet),
            "management_unknown": list(self.management_unknown),
            "siting": self.siting,
            "siting_failures": [t(lang) for t in self.siting_failures],
            "design": self.design,
            "design_failures": [{"code": c, "message": t(lang)} for c, t in self.design_failures],
            "design_missing_facts": list(self.design_missing),
        }


def evaluate_row(
    facility: Facility,
    catalogue: Catalogue,
    options: Options,
    *,
    source: str = "",
    siting: SitingResult | None = None,
) -> FacilityRow:
    """The row the district keeps of a facility, taken in the pass that runs the plan
    (``engine.evaluate_compact``), without building the full report; ``tests/test_district_row.py``
    holds it equal to the row read off the full report of ``engine.evaluate``."""
    c = evaluate_compact(facility, catalogue, options, siting=siting)
    setup, management = _SETUP, _MANAGEMENT
    return FacilityRow(
        facility_id=facility.facility_id,
        name=facility.name,
        source=source,
        setup=c.scores[setup],
        management=c.scores[management],
        setup_unmet=c.unmet[setup],
        setup_unknown=c.unknown[setup],
        management_unmet=c.unmet[management],
        management_unknown=c.unknown[management],
        siting=siting.verdict if siting else None,
        siting_failures=tuple(f.message for f in siting.findings if not f.passed) if siting else (),
        siting_reason=siting.reason if siting and siting.verdict == "unknown" else None,
        design=c.design_verdict,
        design_failures=c.design_failures,
        design_missing=c.design_missing,
        missing_facts=tuple(sorted(set(map(_index_free, c.missing_paths)))),
    )


_SETUP, _MANAGEMENT = SCORED_STANDARDS.index("setup"), SCORED_STANDARDS.index("management")


@dataclass(frozen=True)
class Rejected:
    source: str
    facility_id: str | None
    problems: tuple[Problem, ...]

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "source": self.source,
            "facility_id": self.facility_id,
            "errors": [p.to_dict(lang) for p in self.problems],
        }


@dataclass
class DistrictResult:
    given: int
    rows: list[FacilityRow]
    rejected: list[Rejected]
    siting: Decimal | None
    design: Decimal | None
    setup: Fraction | None
    management: Fraction | None
    reasons: dict[str, list[Text]]
    layers: tuple[str, ...]
    overlay: OverlayInfo | None
    as_of: date | None
    allow_incomplete: bool
    unmet_articles: list[tuple[str, str, str, int]] = field(
        default_factory=list
    )  # code, title, title_en, count
    missing_facts: list[tuple[str, int]] = field(default_factory=list)
    hazard_problems: list[Problem] = field(default_factory=list)
    # warnings of records that were evaluated (swapped or outside-China coordinates, encodings …)
    record_warnings: list[Problem] = field(default_factory=list)
    since: DistrictSince | None = None  # the comparison with an earlier district run (--since)
    dashboard: Dashboard | None = None  # the rubric's dashboard (--profile / --dashboard)
    dashboard_profile: str | None = None  # the profile it was computed with (None: records only)

    @property
    def evaluated(self) -> int:
        return len(self.rows)

    @property
    def complete(self) -> bool:
        return not self.rejected and self.evaluated > 0 and not self.hazard_rejections

    @property
    def hazard_rejections(self) -> list[Problem]:
        return [p for p in self.hazard_problems if p.severity == Severity.error]

    @property
    def total(self) -> Fraction | None:
        items = (self.siting, self.design, self.setup, self.management)
        if any(i is None for i in items):
            return None
        return sum((Fraction(i) for i in items if i is not None), Fraction(0))

    def item(self, name: str) -> Fraction | Decimal | None:
        value: Fraction | Decimal | None = getattr(self, name)
        return value

    def rounded(self, name: str) -> Decimal | None:
        value = self.total if name == "total" else self.item(name)
        return None if value is None else round_half_up(value)

    def exit_code(self) -> int:
        if self.evaluated == 0:
            return 2
        if not self.complete and not self.allow_incomplete:
            return 2
        return 0 if self.total is not None and self.total == 15 else 1

    def cost_siting(self) -> list[FacilityRow]:
        return [r for r in self.rows if r.siting == "noncompliant"]

    def cost_design(self) -> list[FacilityRow]:
        return [r for r in self.rows if r.design == "noncompliant"]

    def dashboard_dict(self) -> dict[str, Any]:
        from .rubrics.functions import exact, fmt

        assert self.dashboard is not None
        d = self.dashboard
        share = d.filed_share
        return {
            **d.to_dict(),
            "places_per_1000_exact": None if d.places_per_1000 is None else exact(d.places_per_1000),
            "filing_rate_exact": None if d.filing_rate is None else exact(d.filing_rate),
            "profile": self.dashboard_profile,
            "filed_among_facilities_percent": None if share is None else fmt(share),
            "filed_among_facilities_exact": None if share is None else exact(share),
            "rounding": "rates half-up to 2 decimals; exact fractions in *_exact",
        }

    def to_dict(self, lang: str) -> dict[str, Any]:
        def num(name: str) -> float | None:
            v = self.rounded(name)
            return None if v is None else float(v)

        def exact(name: str) -> str | None:
            v = self.total if name == "total" else self.item(name)
            return None if v is None else str(Fraction(v))

        names = ("siting", "design", "setup", "management", "total")
        return {
            "section": {**{n: num(n) for n in names}, "complete": self.complete},
            "section_exact": {n: exact(n) for n in names},
            "rounding": "half-up to 2 decimals for display; total = rounded sum of unrounded items",
            "given": self.given,
            "evaluated": self.evaluated,
            "reasons": {k: [t(lang) for t in v] for k, v in sorted(self.reasons.items()) if v},
            "facilities": [r.to_dict(lang) for r in sorted(self.rows, key=lambda r: r.facility_id)],
            "rejected": [
                x.to_dict(lang) for x in sorted(self.rejected, key=lambda x: (x.source, x.facility_id or ""))
            ],
            "cost_siting": sorted(r.facility_id for r in self.cost_siting()),
            "cost_design": sorted(r.facility_id for r in self.cost_design()),
            "unmet_articles": [
                {"code": code, "title": title if lang == "zh" else title_en, "facilities": n}
                for code, title, title_en, n in self.unmet_articles
            ],
            "missing_facts": [{"path": p, "facilities": n} for p, n in self.missing_facts],
            "hazard_layers": list(self.layers),
            "hazard_problems": [p.to_dict(lang) for p in self.hazard_problems],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "overlay": None
            if self.overlay is None
            else {"name": self.overlay.name, "sha256": self.overlay.sha256},
            "allow_incomplete": self.allow_incomplete,
            **({"since": self.since.to_dict()} if self.since is not None else {}),
            **({"dashboard": self.dashboard_dict()} if self.dashboard is not None else {}),
        } | (
            {"record_warnings": [p.to_dict(lang) for p in self.record_warnings]}
            if self.record_warnings
            else {}
        )


@dataclass
class _Partial:
    """What one piece of input yields: compact rows in input order, rejections, the count given."""

    rows: list[FacilityRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    given: int = 0
    warnings: list[Problem] = field(default_factory=list)


def _process(
    items: Iterable[LoadItem], catalogue: Catalogue, options: Options, siting_index: Any, today: date
) -> _Partial:
    out = _Partial()
    records = _lean(validate_items(items, today))
    more = True
    while more:
        with paused(collect=True):  # see collector.py; the chunk is released before the collection
            more = _process_chunk(records, out, catalogue, options, siting_index)
    return out


def _lean(records: Iterable[ValidatedRecord]) -> Iterator[ValidatedRecord]:
    """Records without the parsed JSON of those that validated (the district keeps the facility):
    a chunk holds about half the memory (~80 KB per record of 11 KB, instead of ~160)."""
    for v in records:
        if v.ok and v.facility is not None:
            v.data = None
        yield v


def _process_chunk(
    records: Iterator[ValidatedRecord],
    out: _Partial,
    catalogue: Catalogue,
    options: Options,
    siting_index: Any,
) -> bool:
    """Validate, measure and evaluate the next chunk of records into ``out``; False at the end."""
    chunk = list(itertools.islice(records, CHUNK))
    if not chunk:
        return False
    out.given += len(chunk)
    usable = [v for v in chunk if v.ok and v.facility is not None]
    for v in chunk:
        if not (v.ok and v.facility is not None):
            out.rejected.append(Rejected(v.source, v.facility_id, tuple(v.problems)))
    facilities = [v.facility for v in usable if v.facility is not None]
    # only failures are kept of siting (the verdict and `siting_failures`): passed pairs need no finding
    sitings = (
        siting_index.evaluate_many(facilities, only_failed=True)
        if siting_index is not None
        else [None] * len(usable)
    )
    for v, siting in zip(usable, sitings, strict=True):
        assert v.facility is not None
        out.warnings.extend(p for p in v.problems if p.severity == Severity.warning)
        out.rows.append(evaluate_row(v.facility, catalogue, options, source=v.source, siting=siting))
    return True


def _merge(
    partials: Iterable[_Partial],
    catalogue: Catalogue,
    options: Options,
    siting_index: Any,
    hazard_problems: list[Problem],
    allow_incomplete: bool,
    progress: Callable[[int], None] | None,
) -> DistrictResult:
    """Combine pieces in input order; a facility id given twice is rejected everywhere it appears."""
    rows: list[FacilityRow] = []
    rejected: list[Rejected] = []
    warnings: list[Problem] = []
    given = 0
    for part in partials:
        rows.extend(part.rows)
        rejected.extend(part.rejected)
        warnings.extend(part.warnings)
        given += part.given
        if progress is not None:
            progress(part.given)
    sources: dict[str, list[str]] = {}
    for r in rows:
        sources.setdefault(r.facility_id, []).append(r.source)
    duplicated = {fid: srcs for fid, srcs in sources.items() if len(srcs) > 1}
    for fid, srcs in sorted(duplicated.items()):
        for source in srcs:
            others = ", ".join(x for x in srcs if x != source)
            problem = Problem(
                source,
                "$.facility_id",
                "district.duplicate_id",
                Text(
                    f"机构编号 {fid!r} 重复，另见 {others}；无法确定以哪条记录为准",
                    f"facility id {fid!r} also appears in {others}; which record counts cannot be decided",
                ),
            )
            rejected.append(Rejected(source, fid, (problem,)))
    rows = [r for r in rows if r.facility_id not in duplicated]
    result = aggregate(
        rows, given, rejected, catalogue, options, siting_index, hazard_problems, allow_incomplete
    )
    result.record_warnings = warnings
    return result


def compute(
    items: Iterable[LoadItem],
    catalogue: Catalogue,
    options: Options,
    *,
    siting_index: Any = None,
    hazard_problems: list[Problem] | None = None,
    allow_incomplete: bool = False,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> DistrictResult:
    """The section from records already in hand (one process)."""
    part = _process(items, catalogue, options, siting_index, today)
    return _merge([part], catalogue, options, siting_index, hazard_problems or [], allow_incomplete, progress)


# State inherited by forked workers (set just before the pool starts; never pickled).
_WORKER: tuple[Catalogue, Options, Any, date] | None = None


def _work(unit: Unit) -> _Partial:
    assert _WORKER is not None
    catalogue, options, siting_index, today = _WORKER
    return _process(iter_unit(unit), catalogue, options, siting_index, today)


def _tapered(units: list[Unit], workers: int) -> list[Unit]:
    """The last ``workers`` units split in eighths: workers take units as they finish, and the
    run ends when the last one does; small last units keep one worker from finishing a whole unit
    alone while the others wait (the order, and so the output, is unchanged)."""
    if len(units) <= workers:
        return units
    return units[:-workers] + [part for unit in units[-workers:] for part in split_unit(unit, 8)]


def compute_inputs(
    names: list[str],
    catalogue: Catalogue,
    options: Options,
    *,
    siting_index: Any = None,
    hazard_problems: list[Problem] | None = None,
    allow_incomplete: bool = False,
    today: date,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> DistrictResult:
    """The section from input files, split into units processed by ``workers`` forked processes.

    Results are merged in input order, so the output does not depend on the number of workers.
    Small inputs (or ``workers=1``, or no ``fork``) are processed in this process.
    """
    global _WORKER
    units = plan_units(names, UNIT_BYTES)
    total = sum(u.size for u in units)
    count = workers if workers is not None else (os.cpu_count() or 1)
    parallel = (
        count > 1 and len(units) > 1 and total >= PARALLEL_FROM_BYTES and "fork" in mp.get_all_start_methods()
    )
    if not parallel:
        parts: Iterable[_Partial] = (
            _process(iter_unit(u), catalogue, options, siting_index, today) for u in units
        )
        return _merge(
            parts, catalogue, options, siting_index, hazard_problems or [], allow_incomplete, progress
        )
    units = _tapered(units, count)
    _WORKER = (catalogue, options, siting_index, today)
    if siting_index is not None:
        siting_index.share()  # the workers rebuild the hazards they measure (fewer copied pages)
    # inherited objects stay out of the workers' collections (fewer copied pages); no collection
    # first (as the gc documentation advises: it would leave holes in shared pages, and it costs
    # 0.06 s over a million hazard geometries)
    gc.freeze()
    try:
        with mp.get_context("fork").Pool(min(count, len(units))) as pool:
            return _merge(
                pool.imap(_work, units),
                catalogue,
                options,
                siting_index,
                hazard_problems or [],
                allow_incomplete,
                progress,
            )
    finally:
        gc.unfreeze()
        _WORKER = None


def aggregate(
    rows: list[FacilityRow],
    given: int,
    rejected: list[Rejected],
    catalogue: Catalogue,
    options: Options,
    siting_index: Any,
    hazard_problems: list[Problem],
    allow_incomplete: bool,
) -> DistrictResult:
    reasons: dict[str, list[Text]] = {
        "siting": [],
        "design": [],
        "setup": [],
        "management": [],
        "complete": [],
    }
    if not rows:
        for item in ("setup", "management"):
            reasons[item].append(
                Text(
                    "没有可评估的机构：空辖区没有平均分",
                    "no facility could be evaluated: an empty district has no average",
                )
            )
    # item 1
    siting: Decimal | None
    if siting_index is None:
        siting = None
        reasons["siting"].append(
            Text(
                "未提供危险源图层（--hazards），无法评估选址",
                "no hazard layers given (--hazards): siting cannot be assessed",
            )
        )
    elif any(r.siting == "noncompliant" for r in rows):
        siting = Decimal(0)
    elif not rows or any(r.siting != "compliant" for r in rows):
        siting = None
        for r in rows:
            if r.siting != "compliant":
                zh = r.siting_reason.zh if r.siting_reason else ""
                en = r.siting_reason.en if r.siting_reason else ""
                reasons["siting"].append(
                    Text(f"{r.facility_id}：选址无法判断（{zh}）", f"{r.facility_id}: siting unknown ({en})")
                )
    else:
        siting = SITING_POINTS
    # item 2
    design: Decimal | None
    if any(r.design == "noncompliant" for r in rows):
        design = Decimal(0)
    elif not rows or any(r.design != "compliant" for r in rows):
        design = None
        for r in rows:
            if r.design != "compliant":
                facts = ", ".join(r.design_missing[:8]) + (" …" if len(r.design_missing) > 8 else "")
                reasons["design"].append(
                    Text(f"{r.facility_id} 缺少事实：{facts}", f"{r.facility_id} lacks facts: {facts}")
                )
    else:
        design = DESIGN_POINTS
    setup = mean(r.setup for r in rows)
    management = mean(r.management for r in rows)
    if rejected:
        reasons["complete"].append(
            Text(
                f"{len(rejected)} 条记录无法评估（见 rejected），平均分仅基于 {len(rows)} / {given} 家机构",
                f"{len(rejected)} records could not be evaluated (see rejected); means cover {len(rows)} of {given} facilities",
            )
        )
    rejected_hazards = [p for p in hazard_problems if p.severity == Severity.error]
    if rejected_hazards:
        reasons["complete"].append(
            Text(
                f"危险源图层中有 {len(rejected_hazards)} 个要素无法使用（见 hazard_problems）",
                f"{len(rejected_hazards)} hazard features could not be used (see hazard_problems)",
            )
        )
    unmet = Counter(code for r in rows for code in (*r.setup_unmet, *r.management_unmet))
    unmet_articles = []
    for code, n in unmet.items():
        a = catalogue.get(code)
        unmet_articles.append((code, a.title if a else code, a.title_en if a else code, n))
    order = {a.code: a.sort_key() for a in catalogue.articles}
    unmet_articles.sort(key=lambda x: (-x[3], order.get(x[0], (9,))))
    missing = Counter(p for r in rows for p in r.missing_facts)
    return DistrictResult(
        given=given,
        rows=rows,
        rejected=rejected,
        siting=siting,
        design=design,
        setup=setup,
        management=management,
        reasons=reasons,
        layers=tuple(siting_index.layer_names) if siting_index is not None else (),
        overlay=catalogue.overlay,
        as_of=options.as_of,
        allow_incomplete=allow_incomplete,
        unmet_articles=unmet_articles,
        missing_facts=sorted(missing.items(), key=lambda kv: (-kv[1], kv[0])),
        hazard_problems=hazard_problems,
    )
