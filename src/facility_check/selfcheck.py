"""The provider's view: what to do, first things first.

Order: mandatory design clauses (safety) → articles not carried out (they cost 0.1 each; a site
too close to a hazard is SET-12) → other design clauses → articles with missing facts (supply
them) → recommendations; within each, in the order of the standards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .problems import Text
from .report import ArticleResult, FacilityReport
from .rules.base import Status


@dataclass(frozen=True)
class TodoItem:
    priority: int
    kind: str  # "fix" | "supply" | "recommendation"
    code: str
    title: Text
    citation: Text
    actions: tuple[Text, ...]
    facts: tuple[str, ...]
    deducts: bool
    order: tuple[object, ...] = ()  # the article's place in its document

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "priority": self.priority,
            "kind": self.kind,
            "code": self.code,
            "title": self.title(lang),
            "citation": self.citation(lang),
            "actions": [a(lang) for a in self.actions],
            "facts": list(self.facts),
            "deducts": self.deducts,
        }


def _item(priority: int, kind: str, r: ArticleResult, deducts: bool) -> TodoItem:
    wanted = Status.unknown if kind == "supply" else Status.unmet
    checks = [c for c in r.checks if c.status == wanted] or list(r.checks)
    return TodoItem(
        priority=priority,
        kind=kind,
        code=r.code,
        title=Text(r.article.title, r.article.title_en),
        citation=r.article.citation(),
        actions=tuple(c.message for c in checks),
        facts=tuple(sorted({p for c in checks for p in c.paths})),
        deducts=deducts,
        order=r.article.sort_key(),
    )


def todo(report: FacilityReport) -> list[TodoItem]:
    items: list[TodoItem] = []
    for r in report.design.findings:
        if r.status == Status.unmet and r.article.strength == "shall":
            items.append(_item(0 if r.article.mandatory else 2, "fix", r, False))
    for r in report.ordered_articles():
        if r.counts and r.status == Status.unmet:
            items.append(_item(1, "fix", r, True))
        elif r.counts and r.status == Status.unknown:
            items.append(_item(3, "supply", r, True))
    for r in report.design.findings:
        if r.status == Status.unknown and r.article.strength == "shall":
            items.append(_item(4, "supply", r, False))
        elif r.status in (Status.unmet, Status.unknown) and r.article.strength == "should":
            items.append(_item(5, "recommendation", r, False))
    return sorted(items, key=lambda i: (i.priority, i.order, i.code))
