"""Renderers of facility reports (``check``) and of the provider's to-do list (``self-check``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from itertools import groupby
from typing import Any, ClassVar

from ..report import ArticleResult, FacilityReport, SitingResult
from ..rules.base import Status
from ..selfcheck import todo
from ..validate import ValidatedRecord
from .base import STATUS_MARK, dump_json, esc, fact_label, fact_with_hint, label, neutralise
from .base import md_cell as _md
from .validation import problems_as_dicts, problems_as_text

STATUS_ORDER = {Status.unmet: 0, Status.unknown: 1, Status.met: 2, Status.not_applicable: 3}


def _deciding_paths(x: ArticleResult) -> list[str]:
    """JSON paths of the facts behind the checks that decide the article's status."""
    deciding = [c for c in x.checks if c.status == x.status] or list(x.checks)
    return sorted({p for c in deciding for p in c.paths})


def _md_summary(x: ArticleResult, lang: str) -> str:
    """The deciding messages, then the facts by their field labels (JSON path as a hint)."""
    paths = _deciding_paths(x) if x.status in (Status.unmet, Status.unknown) else []
    if not paths:
        return _md(x.summary()(lang))
    facts = ("；" if lang == "zh" else "; ").join(
        f"{fact_label(p, lang)}（`{p}`）" if lang == "zh" else f"{fact_label(p, lang)} (`{p}`)" for p in paths
    )
    return _md(f"{x.summary()(lang)} — {label(lang, 'facts')}: {facts}")


def _html_facts(x: ArticleResult, lang: str) -> str:
    paths = _deciding_paths(x) if x.status in (Status.unmet, Status.unknown) else []
    out = esc(x.summary()(lang))
    if paths:
        spans = "、".join(f'<span title="{esc(p)}">{esc(fact_label(p, lang))}</span>' for p in paths)
        out += f"<br><small>{esc(label(lang, 'facts'))}：{spans}</small>"
    return out


def _html_basis(x: ArticleResult, lang: str) -> str:
    """The citation, and each parameter with the kind and place of its source."""
    out = esc(x.article.citation()(lang))
    params = [(n, p) for n, p in sorted(x.article.parameters.items()) if p.basis != "record_field"]
    if params:
        items = "".join(
            f"<li>{esc(n)} = {esc(p.value)}{esc(' ' + p.unit if p.unit else '')} — "
            f"[{esc(p.basis_label(lang))}] {esc(p.source)}</li>"
            for n, p in params
        )
        out += f"<details><summary>{esc(label(lang, 'parameters'))}</summary><ul>{items}</ul></details>"
    return out


class FacilityReporter(ABC):
    """Renders the reports of one ``check`` run (and the records that could not be used)."""

    name: ClassVar[str]
    suffix: ClassVar[str]

    @abstractmethod
    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str: ...


def _score_lines(r: FacilityReport, lang: str) -> list[str]:
    lines = [
        f"{label(lang, 'scores')}（{label(lang, 'score_rule')}）"
        if lang == "zh"
        else f"{label(lang, 'scores')} ({label(lang, 'score_rule')})"
    ]
    if r.assume_unknown_met:
        lines.append(f"  !! {label(lang, 'assumed')}")
    for std in ("setup", "management"):
        s = r.scores[std]
        shown = s.best_case if r.assume_unknown_met else s.score
        lines.append(
            f"  {label(lang, std)}: {shown} / 5　({label(lang, 'unmet')} {s.unmet}, {label(lang, 'unknown')} {s.unknown}; "
            f"{label(lang, 'best_case')}: {s.best_case})"
        )
    return lines


def _as_of(r: FacilityReport, lang: str) -> str:
    if r.as_of is None:
        return label(lang, "as_of.none")
    return (
        f"{r.as_of.isoformat()}（{label(lang, 'as_of.' + str(r.as_of_source))}）"
        if lang == "zh"
        else f"{r.as_of.isoformat()} ({label(lang, 'as_of.' + str(r.as_of_source))})"
    )


def _siting_line(s: SitingResult | None, lang: str) -> str:
    if s is None:
        return f"{label(lang, 'siting')}: {label(lang, 'siting.none')}"
    return f"{label(lang, 'siting')}: {label(lang, 'verdict.' + s.verdict)}"


def _article_block(r: ArticleResult, lang: str, verbose: bool) -> list[str]:
    a = r.article
    title = a.title if lang == "zh" else a.title_en
    counted = "" if r.counts else f" [{label(lang, 'not_counted')}]"
    lines = [f"  {STATUS_MARK[str(r.status)]} {a.code} {title} — {label(lang, str(r.status))}{counted}"]
    if not verbose:
        return lines
    for c in r.checks:
        if r.status in (Status.unmet, Status.unknown) and c.status != r.status:
            continue
        lines.append(f"      · {c.message(lang)}")
        if c.paths:
            facts = ("；" if lang == "zh" else "; ").join(fact_with_hint(p, lang) for p in c.paths)
            lines.append(f"        {label(lang, 'facts')}: {facts}")
    lines.append(f"      {label(lang, 'basis')}: {a.citation()(lang)}")
    return lines


def _one_line(text: str) -> str:
    return neutralise(text, newlines=False)


def text_report(r: FacilityReport, lang: str) -> str:
    name = _one_line(r.name)
    out = [f"{name}（{r.facility_id}）" if lang == "zh" else f"{name} ({r.facility_id})"]
    out.append(f"{label(lang, 'source')}: {r.source}    {label(lang, 'as_of')}: {_as_of(r, lang)}")
    if r.overlay:
        out.append(f"{label(lang, 'overlay')}: {_one_line(r.overlay.name)} (sha256 {r.overlay.sha256[:12]}…)")
    out.extend(_score_lines(r, lang))
    out.append(
        f"{label(lang, 'design')}: {label(lang, 'verdict.' + r.design.verdict)}    {_siting_line(r.siting, lang)}"
    )
    if r.since is not None:
        from .lifecycle import since_text_lines

        out += ["", *since_text_lines(r, lang)]
    for std in ("setup", "management"):
        results = [x for x in r.articles if x.article.document.id == std]
        if not results:
            continue
        out.append("")
        out.append(
            f"《{results[0].article.document.title}》"
            if lang == "zh"
            else results[0].article.document.title_en
        )
        # chapters in article order; inside a chapter, unmet before unknown
        problems = sorted(
            (x for x in results if x.status in (Status.unmet, Status.unknown)),
            key=lambda x: x.article.sort_key(),
        )
        for chapter, group in groupby(problems, key=lambda x: x.article.chapter):
            out.append(f" {chapter}")
            for x in sorted(group, key=lambda x: (STATUS_ORDER[x.status], x.article.sort_key())):
                out.extend(_article_block(x, lang, verbose=True))
        rest = [x for x in results if x.status in (Status.met, Status.not_applicable) and x.counts]
        if rest:
            out.append(f" {label(lang, 'met')} / {label(lang, 'not_applicable')}:")
            for x in sorted(rest, key=lambda x: x.article.sort_key()):
                out.extend(_article_block(x, lang, verbose=False))
    out.append("")
    out.append(
        f"{label(lang, 'design')}（JGJ 39 / GB 50016 / GB 50223）: {label(lang, 'verdict.' + r.design.verdict)}"
        if lang == "zh"
        else f"{label(lang, 'design')} (JGJ 39 / GB 50016 / GB 50223): {label(lang, 'verdict.' + r.design.verdict)}"
    )
    for x in sorted(r.design.findings, key=lambda x: (STATUS_ORDER[x.status], x.code)):
        if x.status in (Status.unmet, Status.unknown):
            out.extend(_article_block(x, lang, verbose=True))
    if r.siting is not None:
        out.append("")
        out.extend(siting_text_lines(r.siting, lang))
    if r.warnings:
        out.append("")
        out.append(label(lang, "warnings") + ":")
        out.extend("  " + line for line in problems_as_text(list(r.warnings), lang))
    return "\n".join(out) + "\n"


def siting_text_lines(s: SitingResult, lang: str) -> list[str]:
    out = [f"{label(lang, 'siting')}: {label(lang, 'verdict.' + s.verdict)}"]
    out.append(f"  {label(lang, 'layers')}: {', '.join(s.layers) if s.layers else '—'}")
    if s.measured_from:
        out.append(f"  {label(lang, 'measured_from')}: {label(lang, 'measured_from.' + s.measured_from)}")
    if s.reason is not None:
        out.append(f"  {s.reason(lang)}")
    for f in s.findings:
        mark = "✓" if f.passed else "✗"
        out.append(
            f"  {mark} {f.hazard_id} [{f.kind}] {label(lang, 'distance')} {f.distance_m:.1f} m, {label(lang, 'required')} ≥ {f.required_m:g} m — {label(lang, 'pass' if f.passed else 'fail')}"
        )
        out.append(f"      {f.message(lang)}")
        cited = "、".join(f.article_codes) if lang == "zh" else ", ".join(f.article_codes)
        clause = "JGJ 39 第 3.1.2 条" if lang == "zh" else "JGJ 39 clause 3.1.2"
        out.append(
            f"      {label(lang, 'basis')}: {f.source}；{cited}；{clause}"
            if lang == "zh"
            else f"      {label(lang, 'basis')}: {f.source}; {cited}; {clause}"
        )
    return out


def _rejected_text(rejected: Sequence[ValidatedRecord], lang: str) -> str:
    if not rejected:
        return ""
    lines = ["", f"{label(lang, 'rejected')}:"]
    for v in rejected:
        lines.extend("  " + line for line in problems_as_text(v.problems, lang))
    return "\n".join(lines) + "\n"


class TextReporter(FacilityReporter):
    name = "text"
    suffix = ".txt"

    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str:
        body = ("\n" + "=" * 72 + "\n\n").join(text_report(r, lang) for r in reports)
        return body + _rejected_text(rejected, lang)


class JsonReporter(FacilityReporter):
    name = "json"
    suffix = ".json"

    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str:
        if len(reports) == 1 and not rejected:
            return dump_json(reports[0].to_dict(lang))
        return dump_json(
            {
                "reports": [r.to_dict(lang) for r in reports],
                "rejected": [
                    {
                        "source": v.source,
                        "facility_id": v.facility_id,
                        "errors": problems_as_dicts(v.problems, lang),
                    }
                    for v in rejected
                ],
            }
        )


def markdown_report(r: FacilityReport, lang: str) -> str:
    meta = r.facility_meta
    out = [f"# {label(lang, 'report_title')}", ""]
    rows = [
        (label(lang, "facility"), r.name),
        (label(lang, "facility_id"), r.facility_id),
        (label(lang, "uscc"), meta.get("uscc") or "—"),
        (label(lang, "division_code"), meta.get("division_code") or "—"),
        (label(lang, "address"), meta.get("address") or "—"),
        (label(lang, "as_of"), _as_of(r, lang)),
        (label(lang, "inspector"), meta.get("inspector") or "—"),
        (label(lang, "source"), r.source),
    ]
    if r.overlay:
        rows.append((label(lang, "overlay"), f"{r.overlay.name} (sha256 {r.overlay.sha256})"))
    out += ["| | |", "|---|---|"] + [f"| {k} | {_md(v)} |" for k, v in rows] + [""]
    out.append(f"## {label(lang, 'scores')}")
    out.append("")
    if r.assume_unknown_met:
        out += [f"> **{label(lang, 'assumed')}**", ""]
    out += [
        f"| | {label(lang, 'scores')} | {label(lang, 'unmet')} | {label(lang, 'unknown')} | {label(lang, 'best_case')} |",
        "|---|---|---|---|---|",
    ]
    for std in ("setup", "management"):
        s = r.scores[std]
        shown = s.best_case if r.assume_unknown_met else s.score
        out.append(f"| {label(lang, std)} | {shown} / 5 | {s.unmet} | {s.unknown} | {s.best_case} |")
    out.append(
        f"| {label(lang, 'design')} | {label(lang, 'verdict.' + r.design.verdict)} | {len(r.design.failed)} | | |"
    )
    siting = label(lang, "verdict." + r.siting.verdict) if r.siting else label(lang, "siting.none")
    out += [f"| {label(lang, 'siting')} | {siting} | | | |", "", f"*{label(lang, 'score_rule')}*", ""]
    if r.since is not None:
        from .lifecycle import since_markdown_lines

        out += since_markdown_lines(r, lang)
    for std in ("setup", "management"):
        results = sorted(
            (x for x in r.articles if x.article.document.id == std), key=lambda x: x.article.sort_key()
        )
        if not results:
            continue
        out += [
            f"## 《{results[0].article.document.title}》"
            if lang == "zh"
            else f"## {results[0].article.document.title_en}",
            "",
        ]
        out += [
            f"| {label(lang, 'code')} | {label(lang, 'title')} | {label(lang, 'status')} | {label(lang, 'facts')} |",
            "|---|---|---|---|",
        ]
        for x in results:
            if not x.counts:
                continue
            out.append(
                f"| {x.code} | {_md(x.article.title if lang == 'zh' else x.article.title_en)} | {label(lang, str(x.status))} | {_md_summary(x, lang)} |"
            )
        out.append("")
    out += [f"## {label(lang, 'design')}", ""]
    out += [
        f"| {label(lang, 'code')} | {label(lang, 'title')} | {label(lang, 'status')} | {label(lang, 'facts')} |",
        "|---|---|---|---|",
    ]
    for x in r.design.findings:
        mark = (
            "（强制）"
            if x.article.mandatory and lang == "zh"
            else (" (mandatory)" if x.article.mandatory else "")
        )
        should = (
            "（宜）"
            if x.article.strength == "should" and lang == "zh"
            else (" (recommended)" if x.article.strength == "should" else "")
        )
        out.append(
            f"| {x.code}{mark}{should} | {_md(x.article.title if lang == 'zh' else x.article.title_en)} | {label(lang, str(x.status))} | {_md_summary(x, lang)} |"
        )
    out.append("")
    if r.siting is not None:
        out += [
            f"## {label(lang, 'siting')}",
            "",
            f"{label(lang, 'layers')}: {', '.join(r.siting.layers)}",
            "",
        ]
        if r.siting.findings:
            out += [
                f"| {label(lang, 'hazards')} | {label(lang, 'distance')} (m) | {label(lang, 'required')} (m) | {label(lang, 'status')} | {label(lang, 'basis')} |",
                "|---|---|---|---|---|",
            ]
            for f in r.siting.findings:
                out.append(
                    f"| {f.hazard_id} {f.kind} | {f.distance_m:.1f} | {f.required_m:g} | {label(lang, 'pass' if f.passed else 'fail')} | {_md(f.source)} |"
                )
            out.append("")
    out += ["", label(lang, "signature"), ""]
    return "\n".join(out)


class MarkdownReporter(FacilityReporter):
    name = "markdown"
    suffix = ".md"

    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str:
        body = "\n\n---\n\n".join(markdown_report(r, lang) for r in reports)
        if rejected:
            body += (
                f"\n## {label(lang, 'rejected')}\n\n"
                + "\n".join(f"- {_md(line)}" for v in rejected for line in problems_as_text(v.problems, lang))
                + "\n"
            )
        return body


def html_report(r: FacilityReport, lang: str) -> str:
    """One facility's inspection record as an HTML fragment (``<article>``), laid out for A4:
    facility block, scores, verdict tables, signatures and seal, then the annexes on new pages."""
    from markupsafe import Markup

    from .lifecycle import render_template, since_html

    meta = r.facility_meta
    rows = [
        (label(lang, "facility"), r.name),
        (label(lang, "facility_id"), r.facility_id),
        (label(lang, "uscc"), meta.get("uscc") or "—"),
        (label(lang, "address"), meta.get("address") or "—"),
        (label(lang, "as_of"), _as_of(r, lang)),
        (label(lang, "inspector"), meta.get("inspector") or "—"),
        (label(lang, "source"), r.source),
    ]
    if r.overlay:
        rows.append((label(lang, "overlay"), f"{r.overlay.name} (sha256 {r.overlay.sha256})"))
    scores = []
    for std in ("setup", "management"):
        s = r.scores[std]
        scores.append(
            {
                "label": label(lang, std),
                "shown": s.best_case if r.assume_unknown_met else s.score,
                "unmet": s.unmet,
                "unknown": s.unknown,
            }
        )

    def verdict_row(x: ArticleResult) -> dict[str, Any]:
        change = r.since.of(x.code) if r.since is not None else None
        shown_change = change is not None and str(change.change) != "ok"
        return {
            "code": x.code,
            "title": x.article.title if lang == "zh" else x.article.title_en,
            "status_key": str(x.status),
            "status": label(lang, str(x.status)),
            # both escaped by their builders: facts by Chinese label (path as a hint), parameters with sources
            "summary": Markup(_html_facts(x, lang)),  # noqa: S704
            "basis": Markup(_html_basis(x, lang)),  # noqa: S704
            "change": _change_label(str(change.change), lang) if shown_change and change else "",
            "change_key": str(change.change) if change else "",
        }

    sections = []
    for std in ("setup", "management"):
        results = sorted(
            (x for x in r.articles if x.article.document.id == std and x.counts),
            key=lambda x: x.article.sort_key(),
        )
        if results:
            doc = results[0].article.document
            sections.append(
                {
                    "heading": f"《{doc.title}》" if lang == "zh" else doc.title_en,
                    "rows": [verdict_row(x) for x in results],
                }
            )
    annexes = []
    head = [label(lang, k) for k in ("code", "title", "status", "facts", "basis")]
    annexes.append(
        {
            "heading": label(lang, "design"),
            "head": head,
            "widths": [15, 15, 10, 40, 20],
            "rows": [
                {
                    "cells": (
                        v["code"],
                        v["title"],
                        v["status"] + (f"（{v['change']}）" if v["change"] else ""),
                        v["summary"],
                        v["basis"],
                    ),
                    "status_col": 3,
                    "status_key": v["status_key"],
                }
                for v in map(verdict_row, r.design.findings)
            ],
        }
    )
    if r.siting is not None and r.siting.findings:
        annexes.append(
            {
                "heading": label(lang, "siting"),
                "widths": [30, 12, 12, 10, 36],
                "head": [
                    label(lang, "hazards"),
                    f"{label(lang, 'distance')} (m)",
                    f"{label(lang, 'required')} (m)",
                    label(lang, "status"),
                    label(lang, "basis"),
                ],
                "rows": [
                    {
                        "cells": (
                            f"{f.hazard_id} {f.kind}",
                            f"{f.distance_m:.1f}",
                            f"{f.required_m:g}",
                            label(lang, "pass" if f.passed else "fail"),
                            f.source,
                        ),
                        "status_col": 4,
                        "status_key": "met" if f.passed else "unmet",
                    }
                    for f in r.siting.findings
                ],
            }
        )
    context = {
        "facility_rows": rows,
        "assumed": r.assume_unknown_met,
        "scores": scores,
        "design_verdict": label(lang, "verdict." + r.design.verdict),
        "siting_line": _siting_line(r.siting, lang),
        "since_html": Markup(since_html(r, lang)),  # noqa: S704 - rendered by our own autoescaping template
        "sections": sections,
        "annexes": annexes,
    }
    return render_template("facility_report.html", lang, r=context)


def _change_label(change: str, lang: str) -> str:
    from .lifecycle import lbl

    return lbl(lang, "change." + change)


class HtmlReporter(FacilityReporter):
    name = "html"
    suffix = ".html"

    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str:
        from markupsafe import Markup

        from .lifecycle import render_template

        return render_template(
            "facility_reports.html",
            lang,
            title=label(lang, "report_title"),
            bodies=[Markup(html_report(r, lang)) for r in reports],  # noqa: S704 - escaped by the template
            rejected=[line for v in rejected for line in problems_as_text(v.problems, lang)],
        )


FACILITY_REPORTERS: dict[str, type[FacilityReporter]] = {
    cls.name: cls for cls in (TextReporter, JsonReporter, MarkdownReporter, HtmlReporter)
}


# ------------------------------------------------------------------------------------------------
# self-check
# ------------------------------------------------------------------------------------------------


def selfcheck_dict(r: FacilityReport, lang: str) -> dict[str, Any]:
    return {
        "facility_id": r.facility_id,
        "name": r.name,
        "as_of": r.as_of.isoformat() if r.as_of else None,
        "scores": {k: v.to_dict() for k, v in sorted(r.scores.items())},
        "design": r.design.verdict,
        "siting": r.siting.verdict if r.siting else None,
        "todo": [i.to_dict(lang) for i in todo(r)],
    }


def selfcheck_text(r: FacilityReport, lang: str) -> str:
    items = todo(r)
    name = _one_line(r.name)
    out = [
        f"{name}（{r.facility_id}）— {label(lang, 'todo')}"
        if lang == "zh"
        else f"{name} ({r.facility_id}) — {label(lang, 'todo')}"
    ]
    for std in ("setup", "management"):
        s = r.scores[std]
        out.append(f"  {label(lang, std)}: {s.score} / 5　→ {label(lang, 'best_case')}: {s.best_case} / 5")
    if not items:
        out.append(label(lang, "todo.none"))
    kind_label = {"fix": "todo.unmet", "supply": "todo.unknown", "recommendation": "design.warnings"}
    for n, item in enumerate(items, start=1):
        out.append(
            f"{n}. [{label(lang, kind_label[item.kind])}] {item.code} {item.title(lang)}（{item.citation(lang)}）"
            if lang == "zh"
            else f"{n}. [{label(lang, kind_label[item.kind])}] {item.code} {item.title(lang)} ({item.citation(lang)})"
        )
        for action in item.actions:
            out.append(f"     → {action(lang)}")
        if item.facts:
            facts = ("；" if lang == "zh" else "; ").join(fact_with_hint(p, lang) for p in item.facts)
            out.append(f"     {label(lang, 'facts')}: {facts}")
    return "\n".join(out) + "\n"


class SelfCheckReporter(ABC):
    name: ClassVar[str]

    @abstractmethod
    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str: ...


class SelfCheckText(SelfCheckReporter):
    name = "text"

    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str:
        return "\n".join(selfcheck_text(r, lang) for r in reports) + _rejected_text(rejected, lang)


class SelfCheckJson(SelfCheckReporter):
    name = "json"

    def render(
        self, reports: Sequence[FacilityReport], rejected: Sequence[ValidatedRecord], lang: str
    ) -> str:
        if len(reports) == 1 and not rejected:
            return dump_json(selfcheck_dict(reports[0], lang))
        return dump_json(
            {
                "reports": [selfcheck_dict(r, lang) for r in reports],
                "rejected": [
                    {"source": v.source, "errors": problems_as_dicts(v.problems, lang)} for v in rejected
                ],
            }
        )


SELFCHECK_REPORTERS: dict[str, type[SelfCheckReporter]] = {
    cls.name: cls for cls in (SelfCheckText, SelfCheckJson)
}
