"""What a predicate gets and what it returns.

A predicate is a generator ``(facility, params, ctx) -> Iterator[Check]``: one ``Check`` per
sub-requirement it examined. It never prints, reads files or decides exit codes; the engine
aggregates the checks into the article's status and stamps code, title and citation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from ..problems import Text

if TYPE_CHECKING:
    from ..record import Facility


class Status(StrEnum):
    met = "met"
    unmet = "unmet"
    unknown = "unknown"
    not_applicable = "not_applicable"


class Check(NamedTuple):
    """The outcome of one sub-requirement, with the facts it rests on (immutable; a named tuple
    for the same reason as :class:`~facility_check.problems.Text`)."""

    status: Status
    message: Text  # what was found and, when not met, what to do
    paths: tuple[str, ...] = ()  # JSON paths of the facts used
    measured: Any = None
    required: Any = None

    def to_dict(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": str(self.status),
            "message": self.message(lang),
            "paths": list(self.paths),
        }
        if self.measured is not None:
            out["measured"] = self.measured
        if self.required is not None:
            out["required"] = self.required
        return out


@dataclass(frozen=True)
class Context:
    """What a predicate may know beyond the record."""

    as_of: date | None = None
    # outcomes of other rules that an article points to (e.g. SET-13 → JGJ 39 clauses), by code
    related: Mapping[str, Status] = field(default_factory=dict)
    related_evidence: Mapping[str, tuple[Check, ...]] = field(default_factory=dict)
    # siting verdict when hazard layers were given: "compliant" | "noncompliant" | "unknown"
    siting_verdict: str | None = None
    siting_summary: Text | None = None


Params = Mapping[str, Any]
Predicate = Callable[["Facility", Params, Context], Iterator[Check]]


# The four constructors below run ~150 times per facility: they build the named tuples directly
# (``tuple.__new__``, the same objects as ``Check(...)``/``Text(...)`` without their Python-level
# ``__new__``) and use the members bound once.
_new = tuple.__new__
_MET, _UNMET, _UNKNOWN, _NOT_APPLICABLE = Status.met, Status.unmet, Status.unknown, Status.not_applicable


def met(zh: str, en: str, *paths: str, measured: Any = None, required: Any = None) -> Check:
    return _new(Check, (_MET, _new(Text, (zh, en)), paths, measured, required))


def unmet(zh: str, en: str, *paths: str, measured: Any = None, required: Any = None) -> Check:
    return _new(Check, (_UNMET, _new(Text, (zh, en)), paths, measured, required))


def unknown(zh: str, en: str, *paths: str, required: Any = None) -> Check:
    return _new(Check, (_UNKNOWN, _new(Text, (zh, en)), paths, None, required))


def not_applicable(zh: str, en: str, *paths: str) -> Check:
    return _new(Check, (_NOT_APPLICABLE, _new(Text, (zh, en)), paths, None, None))


def aggregate(checks: tuple[Check, ...]) -> Status:
    """Article status from its checks: one failed sub-requirement makes the article unmet."""
    statuses = list(map(status_of, checks))  # runs once per article per facility: in C
    if _UNMET in statuses:
        return _UNMET
    if _UNKNOWN in statuses:
        return _UNKNOWN
    if statuses and statuses.count(_NOT_APPLICABLE) == len(statuses):
        return _NOT_APPLICABLE
    return _MET


status_of = itemgetter(0)  # a check's status (Check.status), for map() in C


def age_days(when: date, as_of: date) -> int:
    return (as_of - when).days


def anniversary(start: date, years: int) -> date:
    """The ``years``-th anniversary of ``start``; 29 February falls on 1 March in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return date(start.year + years, 3, 1)


def within_period(when: date, as_of: date, max_days: int) -> bool:
    """Whether ``as_of`` lies within ``max_days`` after ``when``, the last day included.

    A whole number of 365-day years is read as calendar years, so the anniversary itself is in
    time even when a 29 February lies between (a check on 2023-10-15 is annual through 2024-10-15).
    """
    days = (as_of - when).days
    if days <= max_days:  # an anniversary lies at least 365 days a year after its start
        return True
    if max_days > 0 and max_days % 365 == 0:
        return as_of <= anniversary(when, max_days // 365)
    return False


def valid_on(valid_until: date | None, as_of: date | None) -> bool:
    """Whether something valid until ``valid_until`` (that day included) is valid on ``as_of``.

    Without an end date, or without a reference date, nothing is shown to have expired.
    """
    return valid_until is None or as_of is None or as_of <= valid_until


def recent(
    when: date | None, as_of: date | None, max_days: int, path: str, what_zh: str, what_en: str
) -> Check:
    """A check that ``when`` lies within ``max_days`` before the reference date."""
    if when is None:
        return unknown(
            f"未提供{what_zh}日期", f"no date given for {what_en}", path, required=f"<= {max_days} days"
        )
    if as_of is None:
        return unknown(
            "缺少参考日期（检查日期或 --as-of），无法判断时效",
            "no reference date (inspection date or --as-of): cannot judge how recent",
            path,
            required=f"<= {max_days} days",
        )
    days = (as_of - when).days  # age_days
    iso = when.isoformat()
    if days < 0:  # evidence from after the reference date cannot show compliance on that date
        return unknown(
            f"{what_zh}日期 {iso} 晚于参考日期 {as_of.isoformat()}",
            f"{what_en} ({iso}) is after the reference date {as_of.isoformat()}",
            path,
            required=f"<= {max_days} days before {as_of.isoformat()}",
        )
    if within_period(when, as_of, max_days):
        return met(
            f"{what_zh}：{iso}（{days} 天前）",
            f"{what_en}: {iso} ({days} days ago)",
            path,
            measured=days,
            required=f"<= {max_days}",
        )
    return unmet(
        f"{what_zh}已过期：{iso}（{days} 天前，超过 {max_days} 天）",
        f"{what_en} is out of date: {iso} ({days} days ago, more than {max_days})",
        path,
        measured=days,
        required=f"<= {max_days}",
    )
