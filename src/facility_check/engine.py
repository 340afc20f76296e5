"""The engine: runs each article's predicate and stamps code, title, citation and scores."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from .catalogue import Article, Catalogue
from .problems import Problem, Text
from .record import Facility
from .report import ArticleResult, DesignResult, FacilityReport, SitingResult, StandardScore
from .rules import REGISTRY
from .rules.base import Check, Context, Predicate, Status, aggregate, status_of
from .scoring import facility_score

SCORED_STANDARDS = ("setup", "management")


@dataclass(frozen=True)
class Options:
    as_of: date | None = None  # --as-of; wins over the record's inspection date
    assume_unknown_met: bool = False


def reference_date(facility: Facility, options: Options) -> tuple[date | None, str | None]:
    if options.as_of is not None:
        return options.as_of, "as-of"
    if facility.inspection and facility.inspection.inspection_date:
        return facility.inspection.inspection_date, "inspection"
    return None, None


_NOTHING_CHECKED = (Check(Status.unknown, Text("未能检查（无可用事实）", "nothing could be checked")),)


def _not_checked(article: Article) -> ArticleResult:
    who = {"government": ("政府部门", "government"), "none": ("无（原则性条款）", "no one (a principle)")}
    zh, en = who.get(article.binds, ("—", "—"))
    note = Check(
        Status.not_applicable,
        Text(f"本条约束对象：{zh}，不对机构逐条检查", f"binds {en}; not checked per facility"),
    )
    return ArticleResult(article, Status.not_applicable, (note,))


def run_article(article: Article, facility: Facility, ctx: Context) -> ArticleResult:
    if not article.checked:
        return _not_checked(article)
    assert article.predicate is not None
    predicate = REGISTRY[article.predicate]
    checks = tuple(predicate(facility, article.params(), ctx))
    if not checks:  # a predicate that looked at nothing cannot certify anything
        checks = _NOTHING_CHECKED
    return ArticleResult(article, aggregate(checks), checks)


class _Step(NamedTuple):
    """One article of a plan: its predicate and parameters looked up once, or its fixed result
    (an article not checked per facility has the same result for every facility)."""

    article: Article
    predicate: Predicate | None
    params: Mapping[str, Any]
    fixed: ArticleResult | None


class _Tallied(NamedTuple):
    """A checked scored step as a district row takes it (see :func:`evaluate_compact`)."""

    code: str
    predicate: Predicate
    params: Mapping[str, Any]
    slot: int  # position of its standard in SCORED_STANDARDS, or -1 when it does not count
    missing: bool  # its unknown checks' paths are missing facts (it counts, or it is a "shall")
    rank: int  # its position in report order (``FacilityReport.ordered_articles``)


class _Plan(NamedTuple):
    """What every facility of one catalogue runs: worked out once, not per facility."""

    design: tuple[_Step, ...]
    scored: tuple[_Step, ...]
    design_by_code: tuple[int, ...]  # positions of the design results in code order
    design_codes: tuple[str, ...]  # the design articles' codes, in plan order
    # per design result in code order: position, code, "shall", counts (see evaluate_compact)
    design_tallied: tuple[tuple[int, str, bool, bool], ...]
    # the checked scored steps; the others are not applicable to every facility, so no row notes them
    tallied: tuple[_Tallied, ...]


_PLANS: dict[int, tuple[Catalogue, _Plan]] = {}


def _plan(catalogue: Catalogue) -> _Plan:
    cached = _PLANS.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    active = list(catalogue.active())

    def step(a: Article) -> _Step:
        if not a.checked:
            return _Step(a, None, {}, _not_checked(a))
        assert a.predicate is not None
        return _Step(a, REGISTRY[a.predicate], a.params(), None)

    design = tuple(step(a) for a in active if a.document.id == "design")
    scored = tuple(step(a) for a in active if a.document.id in SCORED_STANDARDS)
    ranks = sorted(range(len(scored)), key=lambda i: scored[i].article.sort_key())
    rank_of = {position: rank for rank, position in enumerate(ranks)}
    design_by_code = tuple(sorted(range(len(design)), key=lambda i: design[i].article.code))
    plan = _Plan(
        design,
        scored,
        design_by_code,
        tuple(s.article.code for s in design),
        tuple(
            (i, design[i].article.code, design[i].article.strength == "shall", _counts(design[i].article))
            for i in design_by_code
        ),
        tuple(
            _Tallied(
                s.article.code,
                s.predicate,
                s.params,
                SCORED_STANDARDS.index(s.article.document.id) if _counts(s.article) else -1,
                _counts(s.article) or s.article.strength == "shall",
                rank_of[i],
            )
            for i, s in enumerate(scored)
            if s.predicate is not None
        ),
    )
    assert all(s.fixed.status == Status.not_applicable for s in scored if s.fixed is not None)
    assert SCORED_STANDARDS == ("setup", "management")  # evaluate_compact's two tallies
    if len(_PLANS) > 8:  # catalogues are few (one per overlay); never let this grow
        _PLANS.clear()
    _PLANS[id(catalogue)] = (catalogue, plan)
    return plan


def _counts(article: Article) -> bool:
    return article.counts and article.document.scored  # ArticleResult.counts


_new = tuple.__new__


def _run(steps: tuple[_Step, ...], facility: Facility, ctx: Context) -> tuple[ArticleResult, ...]:
    """``run_article`` over a plan (the same results, without the per-facility lookups)."""
    results = []
    for article, predicate, params, fixed in steps:
        if fixed is not None:
            results.append(fixed)
            continue
        assert predicate is not None
        checks = tuple(predicate(facility, params, ctx)) or _NOTHING_CHECKED
        results.append(_new(ArticleResult, (article, aggregate(checks), checks)))  # see rules.base.met
    return tuple(results)


def design_verdict(results: tuple[ArticleResult, ...]) -> str:
    shall = [r for r in results if r.article.strength == "shall"]
    if any(r.status == Status.unmet for r in shall):
        return "noncompliant"
    if any(r.status == Status.unknown for r in shall):
        return "unknown"
    return "compliant"


def evaluate(
    facility: Facility,
    catalogue: Catalogue,
    options: Options,
    *,
    source: str = "",
    siting: SitingResult | None = None,
    warnings: tuple[Problem, ...] = (),
) -> FacilityReport:
    as_of, as_of_source = reference_date(facility, options)
    plan = _plan(catalogue)
    design = _run(plan.design, facility, Context(as_of=as_of))
    articles = _run(plan.scored, facility, _scored_context(as_of, plan.design_codes, design, siting))
    scores = standard_scores(articles)
    meta = {
        "name": facility.name,
        "uscc": facility.uscc,
        "division_code": facility.division_code,
        "address": facility.address,
        "operator_type": str(facility.operator_type) if facility.operator_type else None,
        "inspector": facility.inspection.inspector if facility.inspection else None,
        "inspection_date": facility.inspection.inspection_date.isoformat()
        if facility.inspection and facility.inspection.inspection_date
        else None,
    }
    return FacilityReport(
        facility_id=facility.facility_id,
        name=facility.name,
        source=source,
        as_of=as_of,
        as_of_source=as_of_source,
        articles=articles,
        scores=scores,
        design=DesignResult(design_verdict(design), tuple(design[i] for i in plan.design_by_code)),
        siting=siting,
        overlay=catalogue.overlay,
        facility_meta=meta,
        warnings=warnings,
        assume_unknown_met=options.assume_unknown_met,
    )


def _scored_context(
    as_of: date | None, codes: tuple[str, ...], design: tuple[ArticleResult, ...], siting: SitingResult | None
) -> Context:
    """What the scored standards' predicates know: the design outcomes they point to (``codes``:
    the design results' codes), and siting."""
    return Context(
        as_of=as_of,
        related=dict(zip(codes, [r.status for r in design], strict=True)),
        related_evidence=dict(zip(codes, [r.checks for r in design], strict=True)),
        siting_verdict=siting.verdict if siting else None,
        siting_summary=siting.summary() if siting else None,
    )


class Compact(NamedTuple):
    """What a district keeps of one facility's evaluation, taken in the pass that runs the plan.

    The same values a district row would read off the full :class:`FacilityReport`
    (``tests/test_district_row.py`` holds the two paths equal), without building that report.
    """

    scores: tuple[Decimal, ...]  # per SCORED_STANDARDS
    unmet: tuple[tuple[str, ...], ...]  # codes per SCORED_STANDARDS, in report order
    unknown: tuple[tuple[str, ...], ...]
    missing_paths: set[str]  # paths of the unknown checks of unknown counted or "shall" articles
    design_verdict: str
    design_failures: tuple[tuple[str, Text], ...]  # DesignResult.failed: code and summary
    design_missing: tuple[str, ...]  # DesignResult.missing_facts


_UNMET, _UNKNOWN = Status.unmet, Status.unknown


def evaluate_compact(
    facility: Facility, catalogue: Catalogue, options: Options, *, siting: SitingResult | None = None
) -> Compact:
    """``evaluate`` reduced to what a district row keeps (see :class:`Compact`)."""
    as_of, _ = reference_date(facility, options)
    plan = _plan(catalogue)
    design = _run(plan.design, facility, Context(as_of=as_of))
    ctx = _scored_context(as_of, plan.design_codes, design, siting)
    missing: set[str] = set()
    design_missing: set[str] = set()
    failures: list[tuple[str, Text]] = []
    verdict = "compliant"  # design_verdict
    for i, code, shall, counts in plan.design_tallied:
        status = design[i].status
        if shall:
            if status == _UNMET:
                failures.append((code, design[i].summary()))
                verdict = "noncompliant"
            elif status == _UNKNOWN and verdict == "compliant":
                verdict = "unknown"
        # only an unknown or unmet article has unknown checks: their paths are missing facts
        # (DesignResult.missing_facts of a "shall"; the row's of an unknown "shall" or counted one)
        if not (shall or (counts and status == _UNKNOWN)) or (status != _UNKNOWN and status != _UNMET):
            continue
        paths = [path for c in design[i].checks if c[0] == _UNKNOWN for path in c[2]]
        if shall:
            design_missing.update(paths)
        if status == _UNKNOWN:
            missing.update(paths)
    deductions = [0, 0]
    unmet: tuple[list[tuple[int, str]], ...] = ([], [])
    unknown: tuple[list[tuple[int, str]], ...] = ([], [])
    for code, predicate, params, slot, keep_missing, rank in plan.tallied:
        checks = tuple(predicate(facility, params, ctx))
        statuses = list(map(status_of, checks))  # as ``aggregate``: only unmet and unknown enter a row
        if _UNMET in statuses:
            if slot >= 0:
                deductions[slot] += 1
                unmet[slot].append((rank, code))
        elif _UNKNOWN in statuses or not statuses:  # no checks: _NOTHING_CHECKED, unknown
            if slot >= 0:
                deductions[slot] += 1
                unknown[slot].append((rank, code))
            if keep_missing:
                for c in checks:
                    if c[0] == _UNKNOWN:
                        missing.update(c[2])
    return Compact(
        (_score_of(deductions[0]), _score_of(deductions[1])),
        (tuple([code for _, code in sorted(unmet[0])]), tuple([code for _, code in sorted(unmet[1])])),
        (tuple([code for _, code in sorted(unknown[0])]), tuple([code for _, code in sorted(unknown[1])])),
        missing,
        verdict,
        tuple(failures),
        tuple(sorted(design_missing)),
    )


@functools.lru_cache(maxsize=256)
def _score_of(deductions: int) -> Decimal:
    return facility_score(deductions)


def standard_scores(articles: tuple[ArticleResult, ...]) -> dict[str, StandardScore]:
    """The score of every scored standard over these article results (``scoring.facility_score``)."""
    return {std: _score(std, articles) for std in SCORED_STANDARDS}


def _score(standard: str, results: tuple[ArticleResult, ...]) -> StandardScore:
    n = dict.fromkeys(Status, 0)
    for r in results:
        if r.article.document.id == standard and r.counts:
            n[r.status] += 1
    unmet, unknown, met, na = n[Status.unmet], n[Status.unknown], n[Status.met], n[Status.not_applicable]
    return StandardScore(
        standard, facility_score(unmet + unknown), unmet, unknown, met, na, facility_score(unmet)
    )
