"""Renderers of the district 服务质量 section: text, JSON, Markdown, HTML, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar

from rich.cells import cell_len

from ..district import DistrictResult, FacilityRow
from .base import dump_json, esc, fact_label, fact_with_hint, html_page, label, neutralise, spreadsheet_cell
from .base import md_cell as _md

ITEMS = (
    ("siting", "1 选址安全适宜", "1 Safe siting", "2.5"),
    ("design", "2 设计符合规范", "2 Design conforms", "2.5"),
    ("setup", "3 执行《托育机构设置标准（试行）》", "3 Setup standard", "5"),
    ("management", "4 执行《托育机构管理规范（试行）》", "4 Management norms", "5"),
    ("total", "合计", "Total", "15"),
)

TEXT = {
    "zh": {
        "title": "服务质量（辽宁省评估指标体系 （六），15 分）",
        "given": "机构数：提供 {given} 家，评估 {evaluated} 家",
        "incomplete": "结果不完整",
        "complete": "结果完整",
        "unknown": "无法计算",
        "rounding": "各项按四舍五入保留两位小数显示；合计为未舍入各项之和再舍入。",
        "reasons": "说明",
        "cost_siting": "导致第 1 项失分的机构",
        "cost_design": "导致第 2 项失分的机构",
        "unmet": "最常未落实的条款",
        "facilities": "各机构得分",
        "missing": "最常缺少的事实",
        "rejected": "无法评估的记录",
        "hazards": "危险源图层",
        "hazard_problems": "危险源图层中无法使用的要素",
        "col.id": "机构编号",
        "col.name": "名称",
        "col.setup": "设置标准",
        "col.management": "管理规范",
        "col.siting": "选址",
        "col.design": "设计",
        "col.unmet": "未落实条款",
        "col.unknown": "事实缺失条款",
        "col.code": "条款",
        "col.title": "标题",
        "col.count": "机构数",
        "col.item": "项目",
        "col.points": "满分",
        "col.score": "得分",
        "col.exact": "精确值",
        "col.path": "JSON 路径",
        "col.fact": "事实",
        "col.source": "来源",
        "col.errors": "错误",
        "none": "无",
        "verdict.none": "未检查",
        "sign": "填报单位（盖章）：______________　　负责人：__________　　日期：__________",
    },
    "en": {
        "title": "服务质量 — service quality (Liaoning rubric section (6), 15 points)",
        "given": "Facilities: {given} given, {evaluated} evaluated",
        "incomplete": "INCOMPLETE result",
        "complete": "complete result",
        "unknown": "cannot be computed",
        "rounding": "Items are shown rounded half-up to two decimals; the total is the rounded sum of the unrounded items.",
        "reasons": "Notes",
        "cost_siting": "Facilities that cost item 1",
        "cost_design": "Facilities that cost item 2",
        "unmet": "Articles most often unmet",
        "facilities": "Facility scores",
        "missing": "Facts most often missing",
        "rejected": "Records that could not be evaluated",
        "hazards": "Hazard layers",
        "hazard_problems": "Hazard features that could not be used",
        "col.id": "Facility id",
        "col.name": "Name",
        "col.setup": "Setup",
        "col.management": "Management",
        "col.siting": "Siting",
        "col.design": "Design",
        "col.unmet": "Unmet articles",
        "col.unknown": "Articles with missing facts",
        "col.code": "Code",
        "col.title": "Title",
        "col.count": "Facilities",
        "col.item": "Item",
        "col.points": "Points",
        "col.score": "Score",
        "col.exact": "Exact",
        "col.path": "JSON path",
        "col.fact": "Fact",
        "col.source": "Source",
        "col.errors": "Errors",
        "none": "none",
        "verdict.none": "not checked",
        "sign": "Submitted by (seal): ______________    Head: __________    Date: __________",
    },
}


def t(lang: str, key: str, **kw: object) -> str:
    return TEXT["en" if lang == "en" else "zh"][key].format(**kw)


def _item_rows(d: DistrictResult, lang: str) -> list[tuple[str, str, str, str]]:
    out = []
    for name, zh, en, points in ITEMS:
        value = d.rounded(name)
        exact = d.total if name == "total" else d.item(name)
        exact_text = "" if exact is None else _exact(d, name, exact, lang)
        out.append(
            (
                zh if lang == "zh" else en,
                points,
                t(lang, "unknown") if value is None else f"{value:.2f}",
                exact_text,
            )
        )
    return out


DECIMAL_PLACES = 6


def decimal_text(value: Fraction | Decimal) -> str:
    """The unrounded value as a decimal: exact when it terminates, else six places and “…”."""
    frac = Fraction(value)
    sign = "-" if frac < 0 else ""
    frac = abs(frac)
    whole, rest = divmod(frac.numerator, frac.denominator)
    digits = ""
    for _ in range(DECIMAL_PLACES):
        if rest == 0:
            break
        rest *= 10
        digit, rest = divmod(rest, frac.denominator)
        digits += str(digit)
    text = f"{sign}{whole}" + (f".{digits}" if digits else "")
    return text + ("…" if rest else "")


def _exact(d: DistrictResult, name: str, value: Fraction | Decimal, lang: str) -> str:
    """What a reviewer checks: “sum ÷ count = unrounded decimal” for a mean, the decimal otherwise."""
    if name in ("setup", "management"):
        scores = [getattr(r, name) for r in d.rows]
        total = sum(scores, Decimal(0))
        if scores and Fraction(total) / len(scores) == Fraction(value):
            return f"{total} ÷ {len(scores)} = {decimal_text(value)}"
    if name == "total":
        note = "（各项未舍入值之和）" if lang == "zh" else " (sum of the unrounded items)"
        return decimal_text(value) + note
    return decimal_text(value)


def _verdict(lang: str, v: str | None) -> str:
    return t(lang, "verdict.none") if v is None else label(lang, "verdict." + v)


def _row_cells(r: FacilityRow, lang: str) -> list[str]:
    return [
        r.facility_id,
        r.name,
        f"{r.setup}",
        f"{r.management}",
        _verdict(lang, r.siting),
        _verdict(lang, r.design),
        " ".join((*r.setup_unmet, *r.management_unmet)),
        " ".join((*r.setup_unknown, *r.management_unknown)),
    ]


FACILITY_COLUMNS = (
    "col.id",
    "col.name",
    "col.setup",
    "col.management",
    "col.siting",
    "col.design",
    "col.unmet",
    "col.unknown",
)


def dashboard_extra(d: DistrictResult, lang: str) -> list[str]:
    """What the district dashboard adds to the rubric's figures: the profile, and the filed share
    among the facilities in service (which needs no registry)."""
    from ..rubrics.functions import fmt

    dash = d.dashboard
    assert dash is not None
    zh = lang == "zh"
    if d.dashboard_profile is None:
        source = "辖区档案：未提供（仅记录可得的数字）" if zh else "profile: none (record figures only)"
    else:
        source = f"辖区档案：{d.dashboard_profile}" if zh else f"profile: {d.dashboard_profile}"
    share = dash.filed_share
    n_filed = sum(r.filed for r in dash.rows)
    value = "—" if share is None else f"{fmt(share)}%"
    filed = (
        f"在营机构中已备案：{n_filed}/{dash.facilities} = {value}"
        if zh
        else f"filed among facilities in service: {n_filed}/{dash.facilities} = {value}"
    )
    return [source, filed]


def dashboard_text_lines(d: DistrictResult, lang: str) -> list[str]:
    from .rubric import _dashboard_text

    if d.dashboard is None:
        return []
    return ["", *_dashboard_text(d.dashboard, lang), *(f"  {x}" for x in dashboard_extra(d, lang))]


def dashboard_markdown_lines(d: DistrictResult, lang: str) -> list[str]:
    from .rubric import DASH_COLUMNS, _dashboard_figures, _dashboard_rows
    from .rubric import t as rubric_t

    if d.dashboard is None:
        return []
    out = [f"## {rubric_t(lang, 'dashboard')}", ""]
    out.append("| " + " | ".join(rubric_t(lang, c) for c in DASH_COLUMNS) + " |")
    out.append("|" + "---|" * len(DASH_COLUMNS))
    out.extend("| " + " | ".join(_md(c) for c in row) + " |" for row in _dashboard_rows(d.dashboard, lang))
    out.append("")
    out.extend(f"- {_md(x)}" for x in [*_dashboard_figures(d.dashboard, lang), *dashboard_extra(d, lang)])
    out.append("")
    return out


def dashboard_section_html(d: DistrictResult, lang: str) -> str:
    """The rubric's dashboard table, figures and inline SVG bar charts, plus the district's lines."""
    from .rubric import dashboard_html

    if d.dashboard is None:
        return ""
    extra = "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in dashboard_extra(d, lang)) + "</ul>"
    return dashboard_html(d.dashboard, lang) + extra


class DistrictReporter(ABC):
    name: ClassVar[str]
    binary: ClassVar[bool] = False

    @abstractmethod
    def render(self, d: DistrictResult, lang: str) -> str | bytes: ...


class DistrictText(DistrictReporter):
    name = "text"

    def render(self, d: DistrictResult, lang: str) -> str:
        out = [
            t(lang, "title"),
            t(lang, "given", given=d.given, evaluated=d.evaluated)
            + ("　" if lang == "zh" else "  ")
            + (t(lang, "complete") if d.complete else "!! " + t(lang, "incomplete")),
        ]
        if d.overlay:
            out.append(f"{label(lang, 'overlay')}: {d.overlay.name} (sha256 {d.overlay.sha256[:12]}…)")
        out.append(f"{t(lang, 'hazards')}: {', '.join(d.layers) if d.layers else t(lang, 'none')}")
        out.append("")
        width = max(cell_len(row[0]) for row in _item_rows(d, lang)) + 2
        for item, points, score, exact in _item_rows(d, lang):
            pad = " " * (width - cell_len(item))  # display width: a Chinese character takes two cells
            # shown where the unrounded value says more than the rounded one
            exact_text = f"= {exact}" if exact and exact != decimal_text(Decimal(score)) else ""
            out.append(f"  {item}{pad} {score:>8} / {points:<4} {exact_text}".rstrip())
        out.append(t(lang, "rounding"))
        if d.since is not None:
            from .lifecycle import district_since_text_lines

            out += ["", *district_since_text_lines(d, lang)]
        out += dashboard_text_lines(d, lang)
        notes = [x for v in d.reasons.values() for x in v]
        if notes:
            out += ["", t(lang, "reasons") + ":"] + [f"  - {x(lang)}" for x in notes]
        for key, rows in (("cost_siting", d.cost_siting()), ("cost_design", d.cost_design())):
            if rows:
                out += ["", t(lang, key) + ":"]
                for r in sorted(rows, key=lambda r: r.facility_id):
                    out.append(f"  {r.facility_id} {neutralise(r.name, newlines=False)}")
                    msgs = (
                        [m(lang) for m in r.siting_failures]
                        if key == "cost_siting"
                        else [f"{c}: {m(lang)}" for c, m in r.design_failures]
                    )
                    out += [f"    · {m}" for m in msgs]
        if d.unmet_articles:
            out += ["", t(lang, "unmet") + ":"]
            out += [
                f"  {code:<8} {title}  ×{n}"
                for code, title, title_en, n in (
                    x if lang == "zh" else (x[0], x[2], x[2], x[3]) for x in d.unmet_articles[:15]
                )
            ]
        out += ["", t(lang, "facilities") + ":"]
        out.append("  " + " | ".join(t(lang, c) for c in FACILITY_COLUMNS[:6]))
        for r in sorted(d.rows, key=lambda r: r.facility_id):
            out.append("  " + " | ".join(_row_cells(r, lang)[:6]))
        if d.missing_facts:
            out += ["", t(lang, "missing") + ":"]
            out += [f"  {fact_with_hint(p, lang)}  ×{n}" for p, n in d.missing_facts[:15]]
        if d.rejected:
            out += ["", t(lang, "rejected") + ":"]
            for x in d.rejected:
                for p in x.problems:
                    out.append(f"  {p.location()}: {p.message(lang)}")
        if d.hazard_problems:
            out += ["", t(lang, "hazard_problems") + ":"]
            out += [f"  {p.location()}: {p.message(lang)}" for p in d.hazard_problems]
        return "\n".join(out) + "\n"


class DistrictJson(DistrictReporter):
    name = "json"

    def render(self, d: DistrictResult, lang: str) -> str:
        return dump_json(d.to_dict(lang))


class DistrictMarkdown(DistrictReporter):
    name = "markdown"

    def render(self, d: DistrictResult, lang: str) -> str:
        out = [
            f"# {t(lang, 'title')}",
            "",
            t(lang, "given", given=d.given, evaluated=d.evaluated)
            + ("，" if lang == "zh" else ", ")
            + (t(lang, "complete") if d.complete else f"**{t(lang, 'incomplete')}**"),
            "",
        ]
        if d.overlay:
            out += [f"{label(lang, 'overlay')}: {_md(d.overlay.name)} (sha256 `{d.overlay.sha256}`)", ""]
        out += [f"{t(lang, 'hazards')}: {_md(', '.join(d.layers)) if d.layers else t(lang, 'none')}", ""]
        out += [
            f"| {t(lang, 'col.item')} | {t(lang, 'col.points')} | {t(lang, 'col.score')} | {t(lang, 'col.exact')} |",
            "|---|---|---|---|",
        ]
        out += [f"| {a} | {b} | {c} | {e} |" for a, b, c, e in _item_rows(d, lang)]
        out += ["", f"*{t(lang, 'rounding')}*", ""]
        if d.since is not None:
            from .lifecycle import district_since_markdown_lines

            out += district_since_markdown_lines(d, lang)
        out += dashboard_markdown_lines(d, lang)
        notes = [x for v in d.reasons.values() for x in v]
        if notes:
            out += [f"## {t(lang, 'reasons')}", ""] + [f"- {_md(x(lang))}" for x in notes] + [""]
        for key, rows in (("cost_siting", d.cost_siting()), ("cost_design", d.cost_design())):
            out += [f"## {t(lang, key)}", ""]
            if not rows:
                out += [t(lang, "none"), ""]
            for r in sorted(rows, key=lambda r: r.facility_id):
                out.append(f"- **{r.facility_id}** {_md(r.name)}")
                msgs = (
                    [m(lang) for m in r.siting_failures]
                    if key == "cost_siting"
                    else [f"{c}: {m(lang)}" for c, m in r.design_failures]
                )
                out += [f"  - {_md(m)}" for m in msgs]
            out.append("")
        out += [
            f"## {t(lang, 'facilities')}",
            "",
            "| " + " | ".join(t(lang, c) for c in FACILITY_COLUMNS) + " |",
            "|" + "---|" * len(FACILITY_COLUMNS),
        ]
        out += [
            "| " + " | ".join(_md(c) for c in _row_cells(r, lang)) + " |"
            for r in sorted(d.rows, key=lambda r: r.facility_id)
        ]
        out += [
            "",
            f"## {t(lang, 'unmet')}",
            "",
            f"| {t(lang, 'col.code')} | {t(lang, 'col.title')} | {t(lang, 'col.count')} |",
            "|---|---|---|",
        ]
        out += [
            f"| {code} | {_md(title if lang == 'zh' else title_en)} | {n} |"
            for code, title, title_en, n in d.unmet_articles
        ]
        out += [
            "",
            f"## {t(lang, 'missing')}",
            "",
            f"| {t(lang, 'col.fact')} | {t(lang, 'col.path')} | {t(lang, 'col.count')} |",
            "|---|---|---|",
        ]
        out += [f"| {_md(fact_label(p, lang))} | `{p}` | {n} |" for p, n in d.missing_facts]
        if d.rejected:
            out += ["", f"## {t(lang, 'rejected')}", ""]
            out += [
                f"- `{_md(p.location())}`: {_md(p.message(lang))}" for x in d.rejected for p in x.problems
            ]
        if d.hazard_problems:
            out += ["", f"## {t(lang, 'hazard_problems')}", ""]
            out += [f"- `{_md(p.location())}`: {_md(p.message(lang))}" for p in d.hazard_problems]
        out += ["", t(lang, "sign"), ""]
        return "\n".join(out)


class DistrictHtml(DistrictReporter):
    name = "html"

    def render(self, d: DistrictResult, lang: str) -> str:
        return html_page(t(lang, "title"), self.body(d, lang), lang)

    def body(self, d: DistrictResult, lang: str, link: Callable[[str], str | None] | None = None) -> str:
        """The page's body, also embedded by the web workbench (one HTML rendering). ``link``: the
        address of a facility's page by its id (the workbench's), to link each facility named."""

        def facility(fid: str) -> str:
            href = link(fid) if link is not None else None
            return f'<a href="{esc(href)}">{esc(fid)}</a>' if href else esc(fid)

        parts = [
            f"<h1>{esc(t(lang, 'title'))}</h1>",
            f"<p>{esc(t(lang, 'given', given=d.given, evaluated=d.evaluated))} — <strong>{esc(t(lang, 'complete') if d.complete else t(lang, 'incomplete'))}</strong></p>",
        ]
        if d.overlay:
            parts.append(
                f"<p>{esc(label(lang, 'overlay'))}: {esc(d.overlay.name)} (sha256 {esc(d.overlay.sha256)})</p>"
            )
        parts.append(
            f"<p>{esc(t(lang, 'hazards'))}: {esc(', '.join(d.layers) if d.layers else t(lang, 'none'))}</p>"
        )
        parts.append(
            _table(
                [t(lang, "col.item"), t(lang, "col.points"), t(lang, "col.score"), t(lang, "col.exact")],
                [list(r) for r in _item_rows(d, lang)],
            )
        )
        parts.append(f"<p><em>{esc(t(lang, 'rounding'))}</em></p>")
        if d.since is not None:
            from .lifecycle import district_since_html

            parts.append(district_since_html(d, lang))
        if d.dashboard is not None:
            parts.append(dashboard_section_html(d, lang))
        notes = [x for v in d.reasons.values() for x in v]
        if notes:
            parts.append(
                f"<h2>{esc(t(lang, 'reasons'))}</h2><ul>"
                + "".join(f"<li>{esc(x(lang))}</li>" for x in notes)
                + "</ul>"
            )
        for key, rows in (("cost_siting", d.cost_siting()), ("cost_design", d.cost_design())):
            parts.append(f"<h2>{esc(t(lang, key))}</h2>")
            items = []
            for r in sorted(rows, key=lambda r: r.facility_id):
                msgs = (
                    [m(lang) for m in r.siting_failures]
                    if key == "cost_siting"
                    else [f"{c}: {m(lang)}" for c, m in r.design_failures]
                )
                items.append(
                    f"<li><strong>{facility(r.facility_id)}</strong> {esc(r.name)}<ul>"
                    + "".join(f"<li>{esc(m)}</li>" for m in msgs)
                    + "</ul></li>"
                )
            parts.append("<ul>" + "".join(items) + "</ul>" if items else f"<p>{esc(t(lang, 'none'))}</p>")
        parts.append(f"<h2>{esc(t(lang, 'facilities'))}</h2>")
        parts.append(
            _table(
                [t(lang, c) for c in FACILITY_COLUMNS],
                [_row_cells(r, lang) for r in sorted(d.rows, key=lambda r: r.facility_id)],
                first=facility,
            )
        )
        parts.append(f"<h2>{esc(t(lang, 'unmet'))}</h2>")
        parts.append(
            _table(
                [t(lang, "col.code"), t(lang, "col.title"), t(lang, "col.count")],
                [[c, ti if lang == "zh" else te, str(n)] for c, ti, te, n in d.unmet_articles],
            )
        )
        parts.append(f"<h2>{esc(t(lang, 'missing'))}</h2>")
        parts.append(
            _table(
                [t(lang, "col.fact"), t(lang, "col.path"), t(lang, "col.count")],
                [[fact_label(p, lang), p, str(n)] for p, n in d.missing_facts],
            )
        )
        if d.rejected:
            parts.append(
                f"<h2>{esc(t(lang, 'rejected'))}</h2><ul>"
                + "".join(
                    f"<li>{esc(p.location())}: {esc(p.message(lang))}</li>"
                    for x in d.rejected
                    for p in x.problems
                )
                + "</ul>"
            )
        if d.hazard_problems:
            parts.append(
                f"<h2>{esc(t(lang, 'hazard_problems'))}</h2><ul>"
                + "".join(f"<li>{esc(p.location())}: {esc(p.message(lang))}</li>" for p in d.hazard_problems)
                + "</ul>"
            )
        parts.append(f'<p class="sign">{esc(t(lang, "sign"))}</p>')
        return "\n".join(parts) + "\n"


def _table(header: list[str], rows: list[list[str]], first: Callable[[str], str] = esc) -> str:
    """An HTML table; ``first`` renders the first cell of each row (escaped text by default)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{first(c) if i == 0 else esc(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def tables(d: DistrictResult, lang: str) -> dict[str, list[list[str]]]:
    """The spreadsheet tables: section, facilities, unmet articles; with ``--profile`` or
    ``--dashboard`` the dashboard, with ``--since`` the changes since the earlier report."""
    section = [
        [t(lang, "col.item"), t(lang, "col.points"), t(lang, "col.score"), t(lang, "col.exact")],
        *[list(r) for r in _item_rows(d, lang)],
    ]
    section.append(
        [
            t(lang, "given", given=d.given, evaluated=d.evaluated),
            "",
            t(lang, "complete") if d.complete else t(lang, "incomplete"),
            "",
        ]
    )
    facilities = [
        [t(lang, c) for c in FACILITY_COLUMNS],
        *[_row_cells(r, lang) for r in sorted(d.rows, key=lambda r: r.facility_id)],
    ]
    unmet = [
        [t(lang, "col.code"), t(lang, "col.title"), t(lang, "col.count")],
        *[[c, ti if lang == "zh" else te, str(n)] for c, ti, te, n in d.unmet_articles],
    ]
    out = {"section": section, "facilities": facilities, "unmet_articles": unmet}
    if d.dashboard is not None:
        out["dashboard"] = dashboard_table(d, lang)
    if d.since is not None:
        from .lifecycle import district_since_table

        out["changes"] = district_since_table(d, lang)
    return out


def dashboard_table(d: DistrictResult, lang: str) -> list[list[str]]:
    """The dashboard (``--profile`` / ``--dashboard``) as a spreadsheet table: what the Markdown
    report shows — counts by 镇街, then the figures and the profile, one per row."""
    from .rubric import DASH_COLUMNS, _dashboard_figures, _dashboard_rows
    from .rubric import t as rubric_t

    assert d.dashboard is not None
    rows = [[rubric_t(lang, "dashboard")], [rubric_t(lang, c) for c in DASH_COLUMNS]]
    rows += _dashboard_rows(d.dashboard, lang)
    rows.append([])
    rows += [[x] for x in [*_dashboard_figures(d.dashboard, lang), *dashboard_extra(d, lang)]]
    return rows


class DistrictCsv(DistrictReporter):
    """The facilities table (with --out, also ``<name>-section.csv``, ``<name>-unmet_articles.csv``
    and, with --dashboard or --profile, ``<name>-dashboard.csv``, with --since ``<name>-changes.csv``)."""

    name = "csv"

    def render(self, d: DistrictResult, lang: str) -> str:
        rows = tables(d, lang)["facilities"]
        if not d.complete:  # the table alone must not pass for the whole district
            rows = [
                *rows,
                ["!! " + t(lang, "incomplete"), t(lang, "given", given=d.given, evaluated=d.evaluated)],
            ]
        return csv_text(rows)


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[spreadsheet_cell(c) for c in row] for row in rows])
    return buffer.getvalue()


class DistrictXlsx(DistrictReporter):
    name = "xlsx"
    binary = True

    def render(self, d: DistrictResult, lang: str) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        first = True
        for name, rows in tables(d, lang).items():
            ws = wb.active if first else wb.create_sheet()
            first = False
            ws.title = name
            for row in rows:
                ws.append([_cell(c) for c in row])
                for cell in ws[ws.max_row]:
                    if cell.data_type == "f":  # text that begins like a formula stays text
                        cell.data_type, cell.quotePrefix = "s", True
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for column in ws.columns:
                width = max(len(str(c.value or "")) for c in column)
                ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width * 1.6))
        # fixed workbook metadata, so the same input gives the same bytes
        from datetime import datetime

        wb.properties.created = wb.properties.modified = datetime(2019, 10, 8)
        wb.properties.creator = "facility-check"
        buffer = io.BytesIO()
        wb.save(buffer)
        return _fixed_zip_times(buffer.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed entry timestamps (openpyxl stamps the current time)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps `modified` at save time
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2019-10-08T00:00:00Z\g<2>",
                    content,
                )
            target.writestr(fixed, content)
    return out.getvalue()


def _cell(value: str) -> object:
    """An XLSX cell: a number, or the exact text (the writer stores text that begins like a formula
    as a string cell, so no quote is added to the value — unlike CSV, where a quote is the guard)."""
    try:
        return (
            float(value)
            if value and value.replace(".", "", 1).isdigit()
            else neutralise(value, newlines=False)
        )
    except ValueError:
        return neutralise(value, newlines=False)


DISTRICT_REPORTERS: dict[str, type[DistrictReporter]] = {
    cls.name: cls
    for cls in (DistrictText, DistrictJson, DistrictMarkdown, DistrictHtml, DistrictCsv, DistrictXlsx)
}
