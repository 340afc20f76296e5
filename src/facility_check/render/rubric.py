"""Renderers of a rubric evaluation: text, JSON, Markdown, HTML and XLSX (the filled 自评表).

HTML and XLSX carry the district dashboard (counts by 镇街, places, 普惠 places, places per
1,000, filing rate, facilities with findings): HTML with inline SVG bar charts, XLSX with native
bar charts. Nothing is fetched from the network; output is deterministic.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar

from ..rubrics.evaluate import Dashboard, ItemResult, RubricResult
from ..rubrics.functions import fmt
from ..scoring import round_half_up
from .base import dump_json, esc, html_page
from .base import md_cell as _md
from .district import _fixed_zip_times

TEXT = {
    "zh": {
        "district": "辖区",
        "reference_date": "参考日期",
        "records": "机构记录：提供 {given} 家，可用 {evaluated} 家",
        "rejected": "无法使用的记录",
        "counts": "条目：可计算 {computed}，缺数据 {needs_data}，人工评分 {manual}",
        "computed_score": "可计算条目得分 {score} / {of}",
        "status.computed": "已计算",
        "status.needs_data": "缺数据",
        "status.manual": "人工评分",
        "pass": "达到",
        "fail": "未达到",
        "col.id": "编号",
        "col.title": "指标",
        "col.text": "评分细则原文",
        "col.points": "分值",
        "col.score": "自评分",
        "col.status": "状态",
        "col.value": "计算结果",
        "col.basis": "计算依据",
        "col.evidence": "佐证（数据来源）",
        "col.missing": "缺少的数据",
        "col.manual": "需人工核实的佐证材料",
        "dashboard": "辖区概览",
        "col.code": "镇街代码",
        "col.name": "镇街",
        "col.facilities": "机构数",
        "col.places": "托位",
        "col.puhui": "普惠托位",
        "col.filed": "已备案",
        "col.findings": "有问题的机构",
        "total": "合计",
        "per_1000": "千人口托位数",
        "filing_rate": "备案率",
        "unknown": "—",
        "chart.facilities": "各镇街机构数",
        "chart.places": "各镇街托位（深色：普惠托位）",
        "range": "可能得分 {lo}–{hi}",
        "rounding": "得分、比率按四舍五入保留两位小数显示，精确值见 JSON（*_exact）。",
        "sign": "填报单位（盖章）：______________　　负责人：__________　　日期：__________",
        "items": "条目",
    },
    "en": {
        "district": "District",
        "reference_date": "Reference date",
        "records": "Facility records: {given} given, {evaluated} usable",
        "rejected": "Records that could not be used",
        "counts": "Items: {computed} computed, {needs_data} need data, {manual} for a reviewer",
        "computed_score": "Score of the computed items {score} / {of}",
        "status.computed": "computed",
        "status.needs_data": "needs data",
        "status.manual": "manual",
        "pass": "met",
        "fail": "NOT met",
        "col.id": "No.",
        "col.title": "Indicator",
        "col.text": "Rubric wording",
        "col.points": "Points",
        "col.score": "Score",
        "col.status": "Status",
        "col.value": "Computed",
        "col.basis": "Basis",
        "col.evidence": "Evidence (data sources)",
        "col.missing": "Missing data",
        "col.manual": "Evidence for the reviewer",
        "dashboard": "District dashboard",
        "col.code": "镇街 code",
        "col.name": "镇街",
        "col.facilities": "Facilities",
        "col.places": "Places",
        "col.puhui": "普惠 places",
        "col.filed": "Filed",
        "col.findings": "With findings",
        "total": "Total",
        "per_1000": "Places per 1,000",
        "filing_rate": "Filing rate",
        "unknown": "—",
        "chart.facilities": "Facilities per 镇街",
        "chart.places": "Places per 镇街 (dark: 普惠)",
        "range": "possible score {lo}–{hi}",
        "rounding": "Scores and rates are shown rounded half-up to two decimals; exact values in the JSON (*_exact).",
        "sign": "Submitted by (seal): ______________    Head: __________    Date: __________",
        "items": "Items",
    },
}


def t(lang: str, key: str, **kw: object) -> str:
    return TEXT["en" if lang == "en" else "zh"][key].format(**kw)


def _opt(v: object) -> str:
    return "—" if v is None else str(v)


def score_cell(i: ItemResult, lang: str) -> str:
    if i.item.points is None:  # a target
        if i.passed is None:
            return t(lang, "unknown")
        return t(lang, "pass") if i.passed else t(lang, "fail")
    if i.score is not None:
        return _trim(i.score)
    if i.score_range is not None and i.status == "manual" and i.item.scoring != "manual":
        lo, hi = i.score_range
        return t(lang, "range", lo=_trim(lo), hi=_trim(hi))
    return t(lang, "unknown")


def _trim(v: Fraction | Decimal) -> str:
    s = str(round_half_up(v))
    return s.rstrip("0").rstrip(".") if "." in s else s


def points_cell(i: ItemResult) -> str:
    return "" if i.item.points is None else _trim(i.item.points)


def header_lines(r: RubricResult, lang: str) -> list[str]:
    c = r.counts()
    got, of = r.computed_points()
    lines = [
        r.rubric.title if lang == "zh" else r.rubric.title_en,
        f"{t(lang, 'district')}：{r.district_name}"
        if lang == "zh"
        else f"{t(lang, 'district')}: {r.district_name}",
        f"{t(lang, 'reference_date')}：{_opt(r.reference_date)}"
        if lang == "zh"
        else f"{t(lang, 'reference_date')}: {_opt(r.reference_date)}",
        t(lang, "records", given=r.given, evaluated=r.evaluated),
        t(lang, "counts", **c),
    ]
    if r.rubric.kind == "scored":
        lines.append(t(lang, "computed_score", score=_trim(got), of=_trim(of)))
    return lines


class RubricReporter(ABC):
    name: ClassVar[str]
    binary: ClassVar[bool] = False

    @abstractmethod
    def render(self, r: RubricResult, lang: str) -> str | bytes: ...


class RubricText(RubricReporter):
    name = "text"

    def render(self, r: RubricResult, lang: str) -> str:
        out = header_lines(r, lang)
        out.append("")
        section = None
        for i in r.items:
            if i.item.section != section:
                section = i.item.section
                out.append(section_heading(r, section, lang))
            status = t(lang, f"status.{i.status}")
            pts = points_cell(i)
            score = score_cell(i, lang) + (f" / {pts}" if pts else "")
            out.append(f"{i.item.id} {i.item.title}　{score}　[{status}]")
            if i.status == "manual" and i.item.scoring == "manual":
                if i.data:
                    out.append(f"    {i.summary(lang)}")
                out.append(
                    f"    {t(lang, 'col.manual')}：{i.item.evidence}"
                    if lang == "zh"
                    else f"    {t(lang, 'col.manual')}: {i.item.evidence}"
                )
                continue
            if i.summary(lang):
                out.append(f"    {i.summary(lang)}")
            for b in i.basis(lang):
                out.append(f"    · {b}")
            for m in i.missing:
                out.append(f"    ? {m}")
        out.append("")
        out.extend(_dashboard_text(r.dashboard, lang))
        if r.rejected:
            out.append("")
            out.append(t(lang, "rejected"))
            out.extend(f"  {x}" for x in r.rejected)
        out.append("")
        out.append(t(lang, "rounding"))
        return "\n".join(out) + "\n"


def _dashboard_rows(d: Dashboard, lang: str) -> list[list[str]]:
    rows = [
        [
            x.code,
            x.name,
            str(x.facilities),
            _opt(x.places),
            _opt(x.puhui_places),
            str(x.filed),
            _opt(x.with_findings),
        ]
        for x in d.rows
    ]
    rows.append(
        [
            "",
            t(lang, "total"),
            str(d.facilities),
            _opt(d.places),
            _opt(d.puhui_places),
            str(d.filed),
            _opt(d.with_findings),
        ]
    )
    return rows


DASH_COLUMNS = (
    "col.code",
    "col.name",
    "col.facilities",
    "col.places",
    "col.puhui",
    "col.filed",
    "col.findings",
)


def _dashboard_figures(d: Dashboard, lang: str) -> list[str]:
    per = "—" if d.places_per_1000 is None else fmt(d.places_per_1000)
    count = f"（{d.filed}/{d.registered}）" if lang == "zh" else f" ({d.filed}/{d.registered})"
    rate = "—" if d.filing_rate is None else f"{fmt(d.filing_rate)}%{count}"
    sep = "：" if lang == "zh" else ": "
    return [f"{t(lang, 'per_1000')}{sep}{per}", f"{t(lang, 'filing_rate')}{sep}{rate}", *d.notes]


def _dashboard_text(d: Dashboard, lang: str) -> list[str]:
    out = [t(lang, "dashboard")]
    header = [t(lang, c) for c in DASH_COLUMNS]
    out.append("  " + " | ".join(header))
    out.extend("  " + " | ".join(row) for row in _dashboard_rows(d, lang))
    out.extend(f"  {x}" for x in _dashboard_figures(d, lang))
    return out


class RubricJson(RubricReporter):
    name = "json"

    def render(self, r: RubricResult, lang: str) -> str:
        return dump_json(r.to_dict(lang))


class RubricMarkdown(RubricReporter):
    name = "markdown"

    def render(self, r: RubricResult, lang: str) -> str:
        lines = header_lines(r, lang)
        out = [f"# {_md(lines[0])}", "", *(f"- {_md(x)}" for x in lines[1:]), ""]
        cols = [
            "col.id",
            "col.title",
            "col.points",
            "col.score",
            "col.status",
            "col.value",
            "col.basis",
            "col.evidence",
            "col.missing",
        ]
        out.append("| " + " | ".join(t(lang, c) for c in cols) + " |")
        out.append("|" + "---|" * len(cols))
        for row in item_rows(r, lang):
            cells = ["<br>".join(_md(x) for x in c.split("\n")) for c in row[:9]]
            out.append("| " + " | ".join(cells) + " |")
        out += ["", f"## {t(lang, 'dashboard')}", ""]
        out.append("| " + " | ".join(t(lang, c) for c in DASH_COLUMNS) + " |")
        out.append("|" + "---|" * len(DASH_COLUMNS))
        out.extend(
            "| " + " | ".join(_md(c) for c in row) + " |" for row in _dashboard_rows(r.dashboard, lang)
        )
        out.append("")
        out.extend(f"- {_md(x)}" for x in _dashboard_figures(r.dashboard, lang))
        out += ["", f"*{t(lang, 'rounding')}*", ""]
        return "\n".join(out)


def section_heading(r: RubricResult, section_id: str, lang: str) -> str:
    """``（一）党政责任（25分）``: the rubric's section as its rows are headed."""
    for s in r.rubric.sections:
        if s.id == section_id:
            pts = (
                ""
                if s.points is None
                else (f"（{_trim(s.points)}分）" if lang == "zh" else f" ({_trim(s.points)} points)")
            )
            if s.id.endswith("）"):
                sep = ""
            elif all(c in "一二三四五六七八九十" for c in s.id):
                sep = "、" if lang == "zh" else ". "
            else:
                sep = " "
            return f"{s.id}{sep}{s.title}{pts}"
    return section_id


def item_rows(r: RubricResult, lang: str) -> list[list[str]]:
    """One row per item: id, title, points, score, status, value, basis, evidence, missing, text, manual evidence."""
    rows = []
    for i in r.items:
        manual = i.item.evidence or "；".join(p.part.manual for p in i.parts if p.part.manual)
        rows.append(
            [
                i.item.id,
                i.item.title,
                points_cell(i),
                score_cell(i, lang),
                t(lang, f"status.{i.status}"),
                i.summary(lang),
                "\n".join(i.basis(lang)) if i.parts else "",
                "\n".join(i.evidence()),
                "\n".join(i.missing),
                i.item.text,
                manual,
            ]
        )
    return rows


# --------------------------------------------------------------------------------------------
# Inline SVG charts
# --------------------------------------------------------------------------------------------


def bar_chart(title: str, labels: list[str], series: list[list[int | None]], colours: list[str]) -> str:
    """A horizontal bar chart as inline SVG; the first series is drawn, the later ones over it."""
    width, label_w, bar_h, gap = 560, 140, 18, 8
    height = 30 + len(labels) * (bar_h + gap)
    top = max([v or 0 for s in series for v in s] + [1])
    scale = (width - label_w - 60) / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for n, name in enumerate(labels):
        y = 28 + n * (bar_h + gap)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{esc(name)}</text>')
        for values, colour in zip(series, colours, strict=True):
            v = values[n]
            if v is None:
                continue
            w = round(v * scale, 1)
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}"/>')
        main = series[0][n]
        parts.append(
            f'<text x="{label_w + round((main or 0) * scale, 1) + 4}" y="{y + 13}" font-size="12">{esc(_opt(main))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def dashboard_svgs(d: Dashboard, lang: str) -> list[str]:
    labels = [x.name for x in d.rows]
    return [
        bar_chart(t(lang, "chart.facilities"), labels, [[x.facilities for x in d.rows]], ["#4a78b5"]),
        bar_chart(
            t(lang, "chart.places"),
            labels,
            [[x.places for x in d.rows], [x.puhui_places for x in d.rows]],
            ["#9dbbe0", "#2f5d95"],
        ),
    ]


class RubricHtml(RubricReporter):
    name = "html"

    def render(self, r: RubricResult, lang: str) -> str:
        lines = header_lines(r, lang)
        parts = [
            f"<h1>{esc(lines[0])}</h1>",
            "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in lines[1:]) + "</ul>",
        ]
        cols = [
            "col.id",
            "col.title",
            "col.points",
            "col.score",
            "col.status",
            "col.value",
            "col.basis",
            "col.evidence",
            "col.missing",
        ]
        head = "".join(f"<th>{esc(t(lang, c))}</th>" for c in cols)
        body = []
        section = None
        for i, row in zip(r.items, item_rows(r, lang), strict=True):
            if i.item.section != section:
                section = i.item.section
                body.append(
                    f'<tr><th colspan="{len(cols)}">{esc(section_heading(r, section, lang))}</th></tr>'
                )
            cells = []
            for k, c in enumerate(row[:9]):
                if k == 1:
                    c_html = f"<strong>{esc(c)}</strong><br><small>{esc(row[9])}</small>"
                elif k == 7 and i.item.scoring == "manual":
                    c_html = esc(row[10]) + ("<br>" + "<br>".join(esc(x) for x in c.split("\n")) if c else "")
                else:
                    c_html = "<br>".join(esc(x) for x in c.split("\n"))
                nowrap = ' style="white-space: nowrap"' if k in (0, 2, 3, 4) else ""
                cells.append(f"<td{nowrap}>{c_html}</td>")
            body.append(f'<tr class="{esc(i.status)}">' + "".join(cells) + "</tr>")
        parts.append(f"<h2>{esc(t(lang, 'items'))}</h2><table><tr>{head}</tr>{''.join(body)}</table>")
        parts.append(f"<p><em>{esc(t(lang, 'rounding'))}</em></p>")
        parts.append(dashboard_html(r.dashboard, lang))
        if r.rejected:
            parts.append(
                f"<h2>{esc(t(lang, 'rejected'))}</h2><ul>"
                + "".join(f"<li>{esc(x)}</li>" for x in r.rejected)
                + "</ul>"
            )
        parts.append(f'<p class="sign">{esc(t(lang, "sign"))}</p>')
        return html_page(lines[0], "\n".join(parts) + "\n", lang)


def dashboard_html(d: Dashboard, lang: str) -> str:
    head = "".join(f"<th>{esc(t(lang, c))}</th>" for c in DASH_COLUMNS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in _dashboard_rows(d, lang)
    )
    figures = "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in _dashboard_figures(d, lang)) + "</ul>"
    charts = "".join(f"<figure>{svg}</figure>" for svg in dashboard_svgs(d, lang))
    return f"<h2>{esc(t(lang, 'dashboard'))}</h2><table><tr>{head}</tr>{rows}</table>{figures}{charts}"


class RubricXlsx(RubricReporter):
    """The filled 自评表: the rubric's rows with score, computed figure and evidence; the dashboard."""

    name = "xlsx"
    binary = True

    def render(self, r: RubricResult, lang: str) -> bytes:
        from datetime import datetime

        from openpyxl import Workbook
        from openpyxl.chart import BarChart, Reference
        from openpyxl.styles import Alignment, Font

        wb = Workbook()
        ws = wb.active
        ws.title = "自评表" if lang == "zh" else "self-evaluation"
        for line in header_lines(r, lang):
            ws.append([line])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([])
        cols = [
            "col.id",
            "col.title",
            "col.text",
            "col.points",
            "col.score",
            "col.status",
            "col.value",
            "col.basis",
            "col.evidence",
            "col.missing",
            "col.manual",
        ]
        ws.append([t(lang, c) for c in cols])
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
        section = None
        for it, row in zip(r.items, item_rows(r, lang), strict=True):
            if it.item.section != section:
                section = it.item.section
                ws.append([section_heading(r, section, lang)])
                ws.cell(ws.max_row, 1).font = Font(bold=True)
            idv, title, pts, score, status, value, basis, evidence, missing, text, manual = row
            ws.append(
                [
                    idv,
                    title,
                    text,
                    _number(pts),
                    _number(score),
                    status,
                    value,
                    basis,
                    evidence,
                    missing,
                    manual,
                ]
            )
        widths = [8, 22, 50, 8, 12, 10, 40, 50, 50, 30, 30]
        for n, w in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + n)].width = w
        for line in ws.iter_rows(min_row=header_row + 1):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.append([])
        ws.append([t(lang, "sign")])

        dash = wb.create_sheet("镇街" if lang == "zh" else "subdistricts")
        dash.append([t(lang, c) for c in DASH_COLUMNS])
        for cell in dash[1]:
            cell.font = Font(bold=True)
        rows = _dashboard_rows(r.dashboard, lang)
        for row in rows:
            dash.append([_number(c) for c in row])
        dash.append([])
        for x in _dashboard_figures(r.dashboard, lang):
            dash.append([x])
        for n, w in enumerate([12, 16, 10, 10, 10, 10, 14]):
            dash.column_dimensions[chr(ord("A") + n)].width = w
        count = len(r.dashboard.rows)
        if count:
            cats = Reference(dash, min_col=2, min_row=2, max_row=1 + count)
            chart = BarChart()
            chart.type = "bar"
            chart.title = t(lang, "chart.places")
            chart.add_data(
                Reference(dash, min_col=4, max_col=5, min_row=1, max_row=1 + count), titles_from_data=True
            )
            chart.set_categories(cats)
            dash.add_chart(chart, "I2")
            chart2 = BarChart()
            chart2.type = "bar"
            chart2.title = t(lang, "chart.facilities")
            chart2.add_data(Reference(dash, min_col=3, min_row=1, max_row=1 + count), titles_from_data=True)
            chart2.set_categories(cats)
            dash.add_chart(chart2, "I20")

        ev = wb.create_sheet("佐证" if lang == "zh" else "evidence")
        ev.append([t(lang, "col.id"), t(lang, "col.evidence")])
        for cell in ev[1]:
            cell.font = Font(bold=True)
        for i in r.items:
            for e in i.evidence():
                ev.append([i.item.id, e])
            for m in i.missing:
                ev.append([i.item.id, f"? {m}"])
        ev.column_dimensions["A"].width = 10
        ev.column_dimensions["B"].width = 100

        wb.properties.created = wb.properties.modified = datetime(2019, 10, 8)
        wb.properties.creator = "facility-check"
        buffer = io.BytesIO()
        wb.save(buffer)
        return _fixed_zip_times(buffer.getvalue())


def _number(value: str) -> object:
    if value and value.replace(".", "", 1).isdigit():
        return int(value) if value.isdigit() else float(value)
    return value


RUBRIC_REPORTERS: dict[str, type[RubricReporter]] = {
    cls.name: cls for cls in (RubricText, RubricJson, RubricMarkdown, RubricHtml, RubricXlsx)
}
