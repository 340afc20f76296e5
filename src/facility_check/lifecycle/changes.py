"""What changed since an earlier check: per article new / fixed / still / ok, score moves.

The earlier document is a previous ``check --format json`` report of the same facility, or a
rectification notice (``notice --format json``); a notice also brings its deadlines, and the
re-inspection says which items were met by their deadline and which are overdue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ..pipeline import InputError
from ..problems import Problem, Text
from ..report import ArticleResult, FacilityReport
from ..scoring import to_number
from .documents import problem, read_json_bytes, read_json_file, validate_against

BAD = frozenset({"unmet", "unknown"})
NOTICE_KIND = "facility-check/rectification-notice"


class Change(StrEnum):
    new = "new"  # unmet/unknown now, met or n/a before (or not checked before)
    fixed = "fixed"  # met or n/a now, unmet/unknown before
    still = "still"  # unmet/unknown both times
    ok = "ok"  # met or n/a both times


# the order renderers show them in: what needs attention first
CHANGE_ORDER = (Change.new, Change.fixed, Change.still)


def classify(before: str | None, now: str) -> Change:
    if now in BAD:
        return Change.still if before in BAD else Change.new
    return Change.fixed if before in BAD else Change.ok


class Outcome(StrEnum):
    """A notice item at the re-inspection."""

    met_by_deadline = "met_by_deadline"  # rectified, re-inspected on or before the deadline
    met_after_deadline = "met_after_deadline"  # rectified, but only seen after the deadline
    overdue = "overdue"  # not rectified and the deadline has passed
    open = "open"  # not rectified yet, the deadline has not passed


@dataclass(frozen=True)
class NoticeItemRef:
    code: str
    status: str
    deadline: date


@dataclass(frozen=True)
class Earlier:
    """What the comparison needs of an earlier check report or notice."""

    kind: str  # "check" | "notice"
    source: str
    facility_id: str
    name: str
    as_of: date | None
    statuses: Mapping[str, str]  # article and design codes → status
    scores: Mapping[str, Decimal]
    siting: str | None
    notice_id: str | None = None
    items: tuple[NoticeItemRef, ...] = ()


@dataclass(frozen=True)
class ItemChange:
    code: str
    before: str | None
    now: str
    change: Change


@dataclass(frozen=True)
class ScoreChange:
    standard: str
    before: Decimal | None
    now: Decimal

    @property
    def delta(self) -> Decimal | None:
        return None if self.before is None else self.now - self.before

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": None if self.before is None else to_number(self.before),
            "now": to_number(self.now),
            "change": None if self.delta is None else to_number(self.delta),
        }


@dataclass(frozen=True)
class DeadlineResult:
    code: str
    deadline: date
    status_now: str
    outcome: Outcome
    days_overdue: int  # 0 unless overdue

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "deadline": self.deadline.isoformat(),
            "status_now": self.status_now,
            "outcome": str(self.outcome),
            "days_overdue": self.days_overdue,
        }


@dataclass(frozen=True)
class Since:
    """The comparison of one report with its earlier document."""

    earlier: Earlier
    items: Mapping[str, ItemChange]
    scores: tuple[ScoreChange, ...]
    siting_before: str | None
    siting_now: str | None
    deadlines: tuple[DeadlineResult, ...] = ()
    as_of: date | None = None

    def of(self, code: str) -> ItemChange | None:
        return self.items.get(code)

    def codes(self, change: Change) -> list[str]:
        return [c.code for c in self.items.values() if c.change == change]

    @property
    def overdue(self) -> tuple[DeadlineResult, ...]:
        return tuple(d for d in self.deadlines if d.outcome == Outcome.overdue)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "earlier_kind": self.earlier.kind,
            "earlier_source": self.earlier.source,
            "earlier_as_of": self.earlier.as_of.isoformat() if self.earlier.as_of else None,
            "scores": {s.standard: s.to_dict() for s in self.scores},
            "siting": {"before": self.siting_before, "now": self.siting_now},
            "new": self.codes(Change.new),
            "fixed": self.codes(Change.fixed),
            "still": self.codes(Change.still),
        }
        if self.earlier.kind == "notice":
            out["notice_id"] = self.earlier.notice_id
            out["deadlines"] = [d.to_dict() for d in self.deadlines]
            out["overdue"] = [d.code for d in self.overdue]
        return out

    def annotate(self, report_dict: dict[str, Any]) -> dict[str, Any]:
        """Add ``change`` (and ``earlier_status``) to every article and design finding of a
        report's JSON form, and the ``since`` block."""
        for key in ("articles",):
            for a in report_dict.get(key, []):
                self._mark(a)
        for a in (report_dict.get("design") or {}).get("findings", []):
            self._mark(a)
        report_dict["since"] = self.to_dict()
        return report_dict

    def _mark(self, a: dict[str, Any]) -> None:
        c = self.items.get(a["code"])
        if c is not None:
            a["change"] = str(c.change)
            a["earlier_status"] = c.before


# --------------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------------


def _results(report: FacilityReport) -> list[ArticleResult]:
    return [*report.ordered_articles(), *report.design.findings]


def compare(report: FacilityReport, earlier: Earlier) -> Since:
    """Compare a report with the earlier document of the same facility."""
    if earlier.facility_id != report.facility_id:
        raise InputError([refusal(earlier, report.facility_id, report.name)])
    if earlier.items and report.as_of is None:
        raise InputError(
            [
                problem(
                    report.source,
                    "$.inspection.inspection_date",
                    "since.no_date",
                    "没有复查日期，无法判断整改通知书各项是否逾期：请填写 inspection.inspection_date，或用 --as-of 指定",
                    "no re-inspection date, so the notice's deadlines cannot be judged: fill inspection.inspection_date or give --as-of",
                )
            ]
        )
    items: dict[str, ItemChange] = {}
    for r in _results(report):
        if not (r.counts or r.article.document.id == "design"):
            continue
        before = earlier.statuses.get(r.code)
        if earlier.kind == "notice" and before is None:
            before = "met"  # a notice lists every unmet or unknown item: the rest were in order
        now = str(r.status)
        items[r.code] = ItemChange(r.code, before, now, classify(before, now))
    scores = tuple(
        ScoreChange(std, earlier.scores.get(std), report.scores[std].score) for std in sorted(report.scores)
    )
    deadlines = tuple(_deadline(i, items.get(i.code), report.as_of) for i in earlier.items)
    return Since(
        earlier=earlier,
        items=items,
        scores=scores,
        siting_before=earlier.siting,
        siting_now=report.siting.verdict if report.siting else None,
        deadlines=deadlines,
        as_of=report.as_of,
    )


def _deadline(item: NoticeItemRef, now: ItemChange | None, as_of: date | None) -> DeadlineResult:
    status_now = now.now if now is not None else "not_applicable"
    passed = as_of is not None and as_of > item.deadline
    if status_now not in BAD:
        outcome = Outcome.met_after_deadline if passed else Outcome.met_by_deadline
    else:
        outcome = Outcome.overdue if passed else Outcome.open
    late = (as_of - item.deadline).days if outcome == Outcome.overdue and as_of is not None else 0
    return DeadlineResult(item.code, item.deadline, status_now, outcome, late)


def refusal(earlier: Earlier, facility_id: str, name: str) -> Problem:
    return problem(
        earlier.source,
        "$.facility_id",
        "since.other_facility",
        f"较早的文件属于另一机构：{earlier.name}（{earlier.facility_id}），"
        f"不是 {name}（{facility_id}）；--since 只能与同一机构的较早检查报告或整改通知书比较",
        f"the earlier document is of another facility: {earlier.name} ({earlier.facility_id}), "
        f"not {name} ({facility_id}); --since compares only with an earlier report or notice of the same facility",
        expected=facility_id,
        found=earlier.facility_id,
    )


def compare_all(reports: Sequence[FacilityReport], earlier: Sequence[Earlier]) -> list[FacilityReport]:
    """Attach to each report its comparison with the earlier document of the same facility.

    Every report must find its facility among the earlier documents; otherwise nothing is
    compared and the refusal names both facilities.
    """
    by_id = {e.facility_id: e for e in earlier}
    problems = []
    for r in reports:
        if r.facility_id not in by_id:
            other = earlier[0]
            problems.append(
                refusal(other, r.facility_id, r.name)
                if len(earlier) == 1
                else problem(
                    other.source,
                    "$",
                    "since.no_facility",
                    f"较早的文件中没有机构 {r.name}（{r.facility_id}）的报告",
                    f"the earlier document has no report of {r.name} ({r.facility_id})",
                    expected=r.facility_id,
                )
            )
    if problems:
        raise InputError(problems)
    return [replace(r, since=compare(r, by_id[r.facility_id])) for r in reports]


# --------------------------------------------------------------------------------------------
# Reading the earlier document
# --------------------------------------------------------------------------------------------

_CHECK = Text("检查报告（check --format json）", "check report (check --format json)")
_NOTICE = Text("整改通知书（notice --format json）", "rectification notice (notice --format json)")


def load_earlier(name: str) -> list[Earlier]:
    """Read an earlier ``check --format json`` document (one report or several) or a notice."""
    return earlier_from_value(read_json_file(name), name)


def load_earlier_bytes(data: bytes, source: str) -> list[Earlier]:
    return earlier_from_value(read_json_bytes(data, source), source)


def earlier_from_value(value: Any, source: str) -> list[Earlier]:
    if isinstance(value, dict) and value.get("kind") == NOTICE_KIND:
        validate_against(value, "notice.schema.json", source, _NOTICE)
        return [_from_notice(value, source)]
    if isinstance(value, dict) and isinstance(value.get("reports"), list):
        validate_against(value, "check-report.schema.json", source, _CHECK)
        return [_from_check(r, source) for r in value["reports"]]
    if not isinstance(value, dict) or "articles" not in value or "facility_id" not in value:
        raise InputError(
            [
                problem(
                    source,
                    "$",
                    "since.not_a_report",
                    "不是较早的检查报告或整改通知书：应为 check --format json 或 notice --format json 的输出",
                    "not an earlier report or notice: expected the output of check --format json or notice --format json",
                )
            ]
        )
    validate_against({"reports": [value]}, "check-report.schema.json", source, _CHECK)
    return [_from_check(value, source)]


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _from_check(r: Mapping[str, Any], source: str) -> Earlier:
    statuses = {a["code"]: a["status"] for a in r["articles"] if a.get("counts", True)}
    for a in (r.get("design") or {}).get("findings", []):
        statuses[a["code"]] = a["status"]
    siting = r.get("siting")
    return Earlier(
        kind="check",
        source=source,
        facility_id=r["facility_id"],
        name=r.get("name", ""),
        as_of=_date(r.get("as_of")),
        statuses=statuses,
        scores={k: Decimal(str(v)) for k, v in (r.get("scores") or {}).items()},
        siting=siting.get("verdict") if isinstance(siting, dict) else None,
    )


def _from_notice(n: Mapping[str, Any], source: str) -> Earlier:
    items = tuple(
        NoticeItemRef(i["code"], i["status"], date.fromisoformat(i["deadline"])) for i in n["items"]
    )
    return Earlier(
        kind="notice",
        source=source,
        facility_id=n["facility"]["facility_id"],
        name=n["facility"]["name"],
        as_of=_date(n["reference_date"]),
        statuses={i.code: i.status for i in items},
        scores={k: Decimal(str(v)) for k, v in n["scores"].items()},
        siting=n.get("siting"),
        notice_id=n["notice_id"],
        items=items,
    )


__all__ = [
    "CHANGE_ORDER",
    "Change",
    "Earlier",
    "ItemChange",
    "Outcome",
    "ScoreChange",
    "Since",
    "classify",
    "compare",
    "compare_all",
    "earlier_from_value",
    "load_earlier",
    "load_earlier_bytes",
]
