"""The rectification notice (限期整改通知书): every unmet or unknown item with its deadline.

Items: every counted article that is unmet or unknown, every binding ("shall") design clause that
is unmet or unknown, and the siting finding (SET-12), in the order of the standards. Each item
says what to do (the deciding checks' messages), the legal basis and the deadline: the reference
date plus a period (``--deadline-days N``) or per-article periods from a deadlines YAML
(``schemas/deadlines.schema.json``). The notice's JSON is read back by ``check --since``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta

from ..catalogue import Catalogue
from ..pipeline import InputError
from ..problems import Text
from ..report import ArticleResult, FacilityReport
from ..rules.base import Status
from ..scoring import to_number
from .changes import NOTICE_KIND, Since
from .documents import problem, validate_against

DEFAULT_DEADLINE_DAYS = 30
MAX_DEADLINES_BYTES = 256 * 1024


@dataclass(frozen=True)
class Period:
    """A rectification period counted from the reference date."""

    days: int | None = None
    months: int | None = None

    def apply(self, start: date) -> date:
        if self.months is not None:
            # calendar months: 31 January + 1 month = 28/29 February (the month's last day)
            result: date = start + relativedelta(months=self.months)
            return result
        return start + timedelta(days=self.days or 0)

    def describe(self) -> Text:
        if self.months is not None:
            return Text(f"自检查日期起 {self.months} 个月", f"{self.months} month(s) from the reference date")
        return Text(f"自检查日期起 {self.days} 日", f"{self.days} day(s) from the reference date")


@dataclass(frozen=True)
class DeadlinePolicy:
    default: Period = field(default_factory=lambda: Period(days=DEFAULT_DEADLINE_DAYS))
    per_code: Mapping[str, Period] = field(default_factory=dict)
    source: str | None = None

    def for_code(self, code: str) -> Period:
        return self.per_code.get(code, self.default)


def days_policy(days: int) -> DeadlinePolicy:
    return DeadlinePolicy(default=Period(days=days))


def _period(value: Mapping[str, int]) -> Period:
    return Period(days=value.get("days"), months=value.get("months"))


def load_deadlines(name: str, catalogue: Catalogue) -> DeadlinePolicy:
    """Read a deadlines YAML (safe_load, size-limited, validated); unknown codes are errors."""
    path = Path(name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            [
                problem(
                    name,
                    "$",
                    "file.unreadable",
                    f"无法读取文件：{exc.strerror}",
                    f"cannot read: {exc.strerror}",
                )
            ]
        ) from None
    return deadlines_from_bytes(data, name, catalogue)


def deadlines_from_bytes(data: bytes, source: str, catalogue: Catalogue) -> DeadlinePolicy:
    if len(data) > MAX_DEADLINES_BYTES:
        raise InputError(
            [
                problem(
                    source,
                    "$",
                    "limit.size",
                    "期限文件超过 256 KiB 上限",
                    "deadlines file is larger than 256 KiB",
                )
            ]
        )
    try:
        value = yaml.safe_load(data.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(
            [problem(source, "$", "yaml.syntax", f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}")]
        ) from None
    validate_against(value, "deadlines.schema.json", source, Text("整改期限文件", "deadlines file"))
    unknown = [code for code in value.get("articles", {}) if catalogue.get(code) is None]
    if unknown:
        raise InputError(
            [
                problem(
                    source,
                    f"$.articles.{code}",
                    "deadlines.unknown_code",
                    f"未知的条款代码 {code!r}（用 facility-check standards 查看全部代码）",
                    f"unknown article code {code!r} (see facility-check standards)",
                    found=code,
                )
                for code in unknown
            ]
        )
    per_code = {}
    for code, period in value.get("articles", {}).items():
        article = catalogue.get(code)
        assert article is not None
        per_code[article.code] = _period(period)
    default = _period(value["default"]) if "default" in value else Period(days=DEFAULT_DEADLINE_DAYS)
    return DeadlinePolicy(default=default, per_code=per_code, source=source)


@dataclass(frozen=True)
class NoticeItem:
    code: str
    kind: str  # article | design | siting
    status: str  # unmet | unknown
    title: Text
    basis: Text
    actions: tuple[Text, ...]
    facts: tuple[str, ...]
    deadline: date
    rule: Text

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "status": self.status,
            "title": self.title(lang),
            "basis": self.basis(lang),
            "actions": [a(lang) for a in self.actions],
            "facts": list(self.facts),
            "deadline": self.deadline.isoformat(),
            "deadline_rule": self.rule(lang),
        }


@dataclass(frozen=True)
class Notice:
    notice_id: str
    facility_id: str
    name: str
    address: str | None
    uscc: str | None
    inspector: str | None
    reference_date: date
    source: str
    scores: Mapping[str, Decimal]
    siting: str | None
    items: tuple[NoticeItem, ...]
    report: FacilityReport
    since: Since | None = None

    def to_dict(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": NOTICE_KIND,
            "version": 1,
            "notice_id": self.notice_id,
            "facility": {
                "facility_id": self.facility_id,
                "name": self.name,
                "address": self.address,
                "uscc": self.uscc,
                "inspector": self.inspector,
            },
            "reference_date": self.reference_date.isoformat(),
            "source": self.source,
            "scores": {k: to_number(v) for k, v in sorted(self.scores.items())},
            "siting": self.siting,
            "items": [i.to_dict(lang) for i in self.items],
        }
        if self.report.overlay is not None:
            out["overlay"] = {"name": self.report.overlay.name, "sha256": self.report.overlay.sha256}
        if self.since is not None:
            out["since"] = self.since.to_dict()
        return out


def _actions(r: ArticleResult) -> tuple[tuple[Text, ...], tuple[str, ...]]:
    checks = [c for c in r.checks if c.status == r.status] or list(r.checks)
    return tuple(c.message for c in checks), tuple(sorted({p for c in checks for p in c.paths}))


def _item(r: ArticleResult, kind: str, policy: DeadlinePolicy, start: date) -> NoticeItem:
    actions, facts = _actions(r)
    period = policy.for_code(r.code)
    if r.status == Status.unknown:
        actions = (
            Text(
                "补充提交相关证明材料（事实缺失按未落实计）",
                "supply the missing evidence (unknown counts as not carried out)",
            ),
            *actions,
        )
    return NoticeItem(
        code=r.code,
        kind=kind,
        status=str(r.status),
        title=Text(r.article.title, r.article.title_en),
        basis=r.article.citation(),
        actions=actions,
        facts=facts,
        deadline=period.apply(start),
        rule=period.describe(),
    )


def notice_items(report: FacilityReport, policy: DeadlinePolicy, start: date) -> tuple[NoticeItem, ...]:
    bad = (Status.unmet, Status.unknown)
    items = [
        _item(r, "siting" if r.code == "SET-12" else "article", policy, start)
        for r in report.ordered_articles()
        if r.counts and r.status in bad
    ]
    items += [
        _item(r, "design", policy, start)
        for r in sorted(report.design.findings, key=lambda r: r.article.sort_key())
        if r.article.strength == "shall" and r.status in bad
    ]
    return tuple(items)


def build_notice(report: FacilityReport, policy: DeadlinePolicy) -> Notice:
    """The notice of one report; the reference date (inspection date or --as-of) is required."""
    if report.as_of is None:
        raise InputError(
            [
                problem(
                    report.source,
                    "$.inspection.inspection_date",
                    "notice.no_date",
                    "没有检查日期，无法计算整改期限：请在记录中填写 inspection.inspection_date，或用 --as-of 指定",
                    "no inspection date, so no deadline can be computed: fill inspection.inspection_date or give --as-of",
                )
            ]
        )
    meta = report.facility_meta
    return Notice(
        notice_id=f"{report.facility_id}-{report.as_of.strftime('%Y%m%d')}",
        facility_id=report.facility_id,
        name=report.name,
        address=meta.get("address"),
        uscc=meta.get("uscc"),
        inspector=meta.get("inspector"),
        reference_date=report.as_of,
        source=report.source,
        scores={k: v.score for k, v in report.scores.items()},
        siting=report.siting.verdict if report.siting else None,
        items=notice_items(report, policy, report.as_of),
        report=report,
        since=report.since,
    )


__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "DeadlinePolicy",
    "Notice",
    "NoticeItem",
    "Period",
    "build_notice",
    "days_policy",
    "deadlines_from_bytes",
    "load_deadlines",
    "notice_items",
]
