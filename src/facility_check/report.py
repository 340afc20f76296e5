"""Report models: plain frozen data that every renderer reads.

``FacilityReport.to_dict(lang)`` is the JSON form (sorted, deterministic); text, Markdown, HTML,
CSV and XLSX render from the same objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from .catalogue import Article, OverlayInfo
from .problems import Problem, Text
from .rules.base import Check, Status
from .scoring import to_number

if TYPE_CHECKING:
    from .lifecycle.changes import Since


class ArticleResult(NamedTuple):
    """One article's outcome for one facility (immutable; a named tuple because a district run
    makes one per article per facility, see :class:`~facility_check.problems.Text`)."""

    article: Article
    status: Status
    checks: tuple[Check, ...]

    @property
    def code(self) -> str:
        return self.article.code

    @property
    def counts(self) -> bool:
        return self.article.counts and self.article.document.scored

    def evidence(self, lang: str) -> list[dict[str, Any]]:
        return [c.to_dict(lang) for c in self.checks]

    def summary(self) -> Text:
        """The checks that decide the status, joined (all of them when met)."""
        deciding = [c for c in self.checks if c.status == self.status] or list(self.checks)
        return Text("；".join(c.message.zh for c in deciding), "; ".join(c.message.en for c in deciding))

    def to_dict(self, lang: str) -> dict[str, Any]:
        a = self.article
        out: dict[str, Any] = {
            "code": a.code,
            "standard": a.document.id,
            "status": str(self.status),
            "counts": self.counts,
            "title": a.title if lang == "zh" else a.title_en,
            "citation": a.citation()(lang),
            "kind": a.kind,
            "text_status": a.text_status,
            "evidence": self.evidence(lang),
        }
        if a.article is not None:
            out["article"] = a.article
        if a.clause is not None:
            out["clause"] = a.clause
            out["mandatory"] = a.mandatory
            out["strength"] = a.strength
        if a.aliases:
            out["aliases"] = list(a.aliases)
        if a.origin != "national":
            out["origin"] = a.origin
        return out


@dataclass(frozen=True)
class SitingFinding:
    hazard_id: str
    kind: str
    name: str | None
    layer: str
    distance_m: float
    required_m: float
    source: str
    required_from_record: bool
    passed: bool
    crossing: bool
    measured_from: str  # "site_boundary" | "point"
    article_codes: tuple[str, ...]
    message: Text
    hazard_index: int = -1  # position in the loaded layers (for drawing); not part of the report

    def to_dict(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "hazard_id": self.hazard_id,
            "kind": self.kind,
            "layer": self.layer,
            "distance_m": round(self.distance_m, 1),
            "required_m": self.required_m,
            "required_source": self.source,
            "required_from_hazard_record": self.required_from_record,
            "pass": self.passed,
            "crossing": self.crossing,
            "measured_from": self.measured_from,
            "articles": list(self.article_codes),
            "message": self.message(lang),
        }
        if self.name:
            out["name"] = self.name
        return out


@dataclass(frozen=True)
class SitingResult:
    verdict: str  # compliant | noncompliant | unknown
    findings: tuple[SitingFinding, ...]
    layers: tuple[str, ...]
    measured_from: str | None
    reason: Text | None = None

    def summary(self) -> Text:
        failed = [f for f in self.findings if not f.passed]
        if failed:
            return Text("；".join(f.message.zh for f in failed), "; ".join(f.message.en for f in failed))
        return self.reason or Text("", "")

    def to_dict(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict,
            "findings": [f.to_dict(lang) for f in self.findings],
            "layers_checked": list(self.layers),
            "measured_from": self.measured_from,
        }
        if self.reason is not None:
            out["reason"] = self.reason(lang)
        return out


@dataclass(frozen=True)
class DesignResult:
    verdict: str  # compliant | noncompliant | unknown
    findings: tuple[ArticleResult, ...]

    @property
    def failed(self) -> tuple[ArticleResult, ...]:
        return tuple(r for r in self.findings if r.status == Status.unmet and r.article.strength == "shall")

    @property
    def warnings(self) -> tuple[ArticleResult, ...]:
        return tuple(
            r
            for r in self.findings
            if r.status in (Status.unmet, Status.unknown) and r.article.strength == "should"
        )

    @property
    def missing_facts(self) -> tuple[str, ...]:
        return tuple(
            sorted(
                {
                    path
                    for r in self.findings
                    if r.article.strength == "shall"
                    for c in r.checks
                    if c.status == Status.unknown
                    for path in c.paths
                }
            )
        )

    def to_dict(self, lang: str) -> dict[str, Any]:
        findings = []
        for r in self.findings:
            d = r.to_dict(lang)
            d["warning"] = r.article.strength == "should" and r.status in (Status.unmet, Status.unknown)
            findings.append(d)
        return {"verdict": self.verdict, "findings": findings, "missing_facts": list(self.missing_facts)}


@dataclass(frozen=True)
class StandardScore:
    standard: str
    score: Decimal
    unmet: int
    unknown: int
    met: int
    not_applicable: int
    best_case: Decimal  # if every unknown were met

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": to_number(self.score),
            "unmet": self.unmet,
            "unknown": self.unknown,
            "met": self.met,
            "not_applicable": self.not_applicable,
            "score_if_unknown_met": to_number(self.best_case),
        }


@dataclass(frozen=True)
class FacilityReport:
    facility_id: str
    name: str
    source: str
    as_of: date | None
    as_of_source: str | None  # "inspection" | "as-of" | None
    articles: tuple[ArticleResult, ...]
    scores: Mapping[str, StandardScore]
    design: DesignResult
    siting: SitingResult | None
    overlay: OverlayInfo | None
    facility_meta: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    assume_unknown_met: bool = False
    since: Since | None = None  # the comparison with an earlier report or notice (--since)

    def ordered_articles(self) -> list[ArticleResult]:
        return sorted(self.articles, key=lambda r: r.article.sort_key())

    @property
    def compliant(self) -> bool:
        return all(
            r.status == Status.met or r.status == Status.not_applicable for r in self.articles if r.counts
        )

    def exit_findings(self) -> bool:
        """True when the facility has something to fix (exit code 1)."""
        if not self.compliant:
            return True
        if self.design.verdict != "compliant":
            return True
        return self.siting is not None and self.siting.verdict != "compliant"

    def to_dict(self, lang: str) -> dict[str, Any]:
        scores = {
            k: to_number(self.scores[k].best_case if self.assume_unknown_met else self.scores[k].score)
            for k in sorted(self.scores)
        }
        out: dict[str, Any] = {
            "facility_id": self.facility_id,
            "name": self.name,
            "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "as_of_source": self.as_of_source,
            "articles": [r.to_dict(lang) for r in self.ordered_articles()],
            "scores": scores,
            "score_details": {k: v.to_dict() for k, v in sorted(self.scores.items())},
            "scores_assume_unknown_met": self.assume_unknown_met,
            "compliant": self.compliant,
            "design": self.design.to_dict(lang),
            "siting": self.siting.to_dict(lang) if self.siting else None,
            "overlay": _overlay_dict(self.overlay),
            "facility": dict(self.facility_meta),
        }
        if self.warnings:
            out["input_warnings"] = [w.to_dict(lang) for w in self.warnings]
        if self.since is not None:
            self.since.annotate(out)
        return out


def _overlay_dict(overlay: OverlayInfo | None) -> dict[str, Any] | None:
    if overlay is None:
        return None
    return {
        "name": overlay.name,
        "path": overlay.path,
        "sha256": overlay.sha256,
        "authority": overlay.authority,
        "disabled": dict(sorted(overlay.disabled.items())),
    }
