"""Renderers of the inspection loop: changes since an earlier check, the rectification notice,
filing readiness and clocks. HTML comes from the Jinja2 templates shipped in the package
(``facility_check/templates``), laid out for A4 printing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any, ClassVar

import jinja2

from ..district import DistrictResult
from ..lifecycle.changes import CHANGE_ORDER, Change, Outcome, Since
from ..lifecycle.filing import FilingReadiness
from ..lifecycle.notice import Notice
from ..report import ArticleResult, FacilityReport
from ..scoring import round_half_up
from .base import STATUS_MARK, dump_json, label
from .base import md_cell as _md

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "since": "与较早的检查比较",
        "since.notice": "与整改通知书比较",
        "change.new": "新增",
        "change.fixed": "已整改",
        "change.still": "仍未整改",
        "change.ok": "无变化",
        "before": "此前",
        "now": "本次",
        "none": "无",
        "score_change": "得分变化",
        "outcome.met_by_deadline": "按期整改",
        "outcome.met_after_deadline": "已整改（复查时已过期限）",
        "outcome.overdue": "逾期未整改",
        "outcome.open": "未到期限，尚未整改",
        "deadline": "整改期限",
        "days_overdue": "逾期天数",
        "notice_title": "托育机构限期整改通知书",
        "notice_no": "编号",
        "notice_intro": "经 {date} 检查，你单位存在下列问题。依据下列规定，请于各项所列期限内整改完毕，并将整改情况书面报告检查机关。逾期未整改的，将依法依规处理。",
        "notice_none": "本次检查未发现需要整改的问题。",
        "item_no": "序号",
        "item": "条款",
        "problem": "问题及整改要求",
        "basis": "依据",
        "facts": "事实",
        "annex": "附件",
        "annex_facts": "附件：各项问题所依据的事实（记录中的 JSON 路径）",
        "annex_details": "附件：逐条检查明细",
        "review": "复查情况",
        "inspector_sign": "检查人员（签字）",
        "director_sign": "被检查单位负责人（签字）",
        "date": "日期",
        "seal": "（单位盖章）",
        "issuer_seal": "（检查机关盖章）",
        "filing_title": "备案材料",
        "clocks_title": "到期提醒（按紧迫程度排序）",
        "material": "材料",
        "valid_until": "有效期至",
        "days_left": "剩余天数",
        "note": "说明",
        "material.present": "齐全",
        "material.expiring": "即将到期",
        "material.expired": "已过期",
        "material.missing": "缺少",
        "material.not_required": "无需提交",
        "clock.expired": "已过期",
        "clock.expiring": "即将到期",
        "clock.ok": "有效",
        "filing_ready": "备案材料齐全，无过期项。",
        "filing_not_ready": "备案材料不齐全或有过期项（见上）。",
        "warning_window": "提醒窗口",
        "subject": "事项",
        "expires": "到期日",
        "rule": "计算方式",
        "earlier_as_of": "较早检查日期",
        "since_district": "与较早的辖区报告比较",
        "district_changed": "有变化的机构 {n} 家（另有 {m} 家无变化）",
    },
    "en": {
        "since": "Compared with an earlier check",
        "since.notice": "Compared with the rectification notice",
        "change.new": "New",
        "change.fixed": "Fixed",
        "change.still": "Still not rectified",
        "change.ok": "unchanged",
        "before": "before",
        "now": "now",
        "none": "none",
        "score_change": "Score change",
        "outcome.met_by_deadline": "rectified by the deadline",
        "outcome.met_after_deadline": "rectified (seen after the deadline)",
        "outcome.overdue": "OVERDUE",
        "outcome.open": "not yet rectified, deadline not reached",
        "deadline": "Deadline",
        "days_overdue": "days overdue",
        "notice_title": "Rectification notice",
        "notice_no": "No.",
        "notice_intro": "The inspection of {date} found the problems below. Under the provisions cited, rectify each by its deadline and report the rectification in writing. Items not rectified by their deadline will be dealt with according to law.",
        "notice_none": "The inspection found nothing to rectify.",
        "item_no": "No.",
        "item": "Article",
        "problem": "Problem and what to do",
        "basis": "Basis",
        "facts": "Facts",
        "annex": "Annex",
        "annex_facts": "Annex: the facts each item rests on (JSON paths in the record)",
        "annex_details": "Annex: article-by-article details",
        "review": "Re-inspection",
        "inspector_sign": "Inspector (signature)",
        "director_sign": "Head of the facility (signature)",
        "date": "Date",
        "seal": "(facility seal)",
        "issuer_seal": "(seal of the inspecting authority)",
        "filing_title": "Filing materials",
        "clocks_title": "Expiry clocks (most urgent first)",
        "material": "Material",
        "valid_until": "Valid until",
        "days_left": "Days left",
        "note": "Note",
        "material.present": "present",
        "material.expiring": "expiring",
        "material.expired": "EXPIRED",
        "material.missing": "MISSING",
        "material.not_required": "not required",
        "clock.expired": "EXPIRED",
        "clock.expiring": "expiring",
        "clock.ok": "valid",
        "filing_ready": "Every filing material is present and nothing has expired.",
        "filing_not_ready": "Filing materials are missing or expired (see above).",
        "warning_window": "warning window",
        "subject": "Item",
        "expires": "Expires",
        "rule": "Rule",
        "earlier_as_of": "Earlier check",
        "since_district": "Compared with an earlier district report",
        "district_changed": "{n} facilities changed ({m} unchanged)",
    },
}


def lbl(lang: str, key: str) -> str:
    return LABELS.get(lang, LABELS["zh"]).get(key) or label(lang, key)


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("facility_check", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def print_stylesheet() -> str:
    """The A4 print stylesheet of the inspection record and the notice, for pages that embed
    ``render.facility.html_report`` fragments (the web workbench)."""
    return environment().get_template("print.css").render()


def column_stylesheet() -> str:
    """The report tables' column widths alone (classes ``wN``), for screen pages that embed
    report fragments under a self-only CSP."""
    return environment().get_template("columns.css").render()


def render_template(name: str, lang: str, **context: Any) -> str:
    template = environment().get_template(name)
    return template.render(
        lang=lang,
        L=lambda key: lbl(lang, key),
        C="：" if lang == "zh" else ": ",
        html_lang="zh-CN" if lang == "zh" else "en",
        **context,
    )


# --------------------------------------------------------------------------------------------
# Changes since an earlier check, as a block shown first
# --------------------------------------------------------------------------------------------


def _results_by_code(r: FacilityReport) -> dict[str, ArticleResult]:
    return {x.code: x for x in (*r.articles, *r.design.findings)}


def _fmt_delta(delta: Decimal | None) -> str:
    if delta is None:
        return "—"
    return f"+{delta:.1f}" if delta > 0 else (f"{delta:.1f}" if delta < 0 else "±0")


_STANDARD_ORDER = {"setup": 0, "management": 1}


def since_rows(r: FacilityReport, lang: str) -> dict[str, Any]:
    """The comparison as plain rows, shared by the text, Markdown and HTML forms."""
    s = r.since
    assert s is not None
    results = _results_by_code(r)
    groups = []
    for change in CHANGE_ORDER:
        rows = []
        for code in s.codes(change):
            x = results[code]
            c = s.items[code]
            rows.append(
                {
                    "code": code,
                    "title": x.article.title if lang == "zh" else x.article.title_en,
                    "status": lbl(lang, c.now),
                    "status_key": c.now,
                    "mark": STATUS_MARK[c.now],
                    "before": lbl(lang, c.before) if c.before else "—",
                    "summary": x.summary()(lang) if change != Change.fixed else "",
                }
            )
        groups.append({"key": str(change), "label": lbl(lang, "change." + str(change)), "rows": rows})
    scores = [
        {
            "label": lbl(lang, sc.standard),
            "before": "—" if sc.before is None else f"{sc.before:.1f}",
            "now": f"{sc.now:.1f}",
            "delta": _fmt_delta(sc.delta),
        }
        for sc in sorted(s.scores, key=lambda sc: (_STANDARD_ORDER.get(sc.standard, 9), sc.standard))
    ]
    deadlines = [
        {
            "code": d.code,
            "title": (results[d.code].article.title if lang == "zh" else results[d.code].article.title_en)
            if d.code in results
            else d.code,
            "deadline": d.deadline.isoformat(),
            "outcome": lbl(lang, "outcome." + str(d.outcome)),
            "outcome_key": str(d.outcome),
            "days_overdue": d.days_overdue,
        }
        for _, d in sorted(enumerate(s.deadlines), key=lambda p: (_OUTCOME_ORDER[p[1].outcome], p[0]))
    ]
    heading = lbl(lang, "since.notice" if s.earlier.kind == "notice" else "since")
    when = s.earlier.as_of.isoformat() if s.earlier.as_of else "—"
    ref = f"{when}，{s.earlier.source}" if lang == "zh" else f"{when}, {s.earlier.source}"
    if s.earlier.notice_id:
        ref += (
            f"，{lbl(lang, 'notice_no')} {s.earlier.notice_id}"
            if lang == "zh"
            else f", no. {s.earlier.notice_id}"
        )
    return {"heading": heading, "ref": ref, "groups": groups, "scores": scores, "deadlines": deadlines}


_OUTCOME_ORDER = {
    Outcome.overdue: 0,
    Outcome.open: 1,
    Outcome.met_after_deadline: 2,
    Outcome.met_by_deadline: 3,
}


def since_text_lines(r: FacilityReport, lang: str) -> list[str]:
    if r.since is None:
        return []
    d = since_rows(r, lang)
    colon = "：" if lang == "zh" else ": "
    out = [f"{d['heading']}（{d['ref']}）" if lang == "zh" else f"{d['heading']} ({d['ref']})"]
    for sc in d["scores"]:
        out.append(
            f"  {sc['label']}{colon}{sc['before']} → {sc['now']}（{sc['delta']}）"
            if lang == "zh"
            else f"  {sc['label']}: {sc['before']} → {sc['now']} ({sc['delta']})"
        )
    for g in d["groups"]:
        out.append(
            f"  {g['label']}（{len(g['rows'])}）{colon}"
            if lang == "zh"
            else f"  {g['label']} ({len(g['rows'])}):"
        )
        if not g["rows"]:
            out.append(f"    {lbl(lang, 'none')}")
        for row in g["rows"]:
            before = (
                f"（{lbl(lang, 'before')}{colon}{row['before']}）"
                if lang == "zh"
                else f" ({lbl(lang, 'before')}: {row['before']})"
            )
            out.append(f"    {row['mark']} {row['code']} {row['title']} — {row['status']}{before}")
    if d["deadlines"]:
        out.append(f"  {lbl(lang, 'deadline')}{colon}")
        for dl in d["deadlines"]:
            late = (
                f"，{lbl(lang, 'days_overdue')} {dl['days_overdue']}"
                if dl["days_overdue"] and lang == "zh"
                else (f", {dl['days_overdue']} {lbl(lang, 'days_overdue')}" if dl["days_overdue"] else "")
            )
            out.append(f"    {dl['code']} {dl['title']} — {dl['deadline']} — {dl['outcome']}{late}")
    return out


def since_markdown_lines(r: FacilityReport, lang: str) -> list[str]:
    if r.since is None:
        return []
    d = since_rows(r, lang)
    out = [f"## {d['heading']}", "", f"{lbl(lang, 'earlier_as_of')}: {_md(d['ref'])}", ""]
    out += [
        f"| | {lbl(lang, 'before')} | {lbl(lang, 'now')} | {lbl(lang, 'score_change')} |",
        "|---|---|---|---|",
    ]
    out += [f"| {sc['label']} | {sc['before']} | {sc['now']} | {sc['delta']} |" for sc in d["scores"]]
    out.append("")
    for g in d["groups"]:
        out += [
            f"### {g['label']}（{len(g['rows'])}）"
            if lang == "zh"
            else f"### {g['label']} ({len(g['rows'])})",
            "",
        ]
        if not g["rows"]:
            out += [lbl(lang, "none"), ""]
            continue
        out += [
            f"| {label(lang, 'code')} | {label(lang, 'title')} | {label(lang, 'status')} | {lbl(lang, 'before')} |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {row['code']} | {_md(row['title'])} | {row['status']} | {row['before']} |"
            for row in g["rows"]
        ]
        out.append("")
    if d["deadlines"]:
        out += [
            f"### {lbl(lang, 'deadline')}",
            "",
            f"| {label(lang, 'code')} | {label(lang, 'title')} | {lbl(lang, 'deadline')} | {label(lang, 'status')} | {lbl(lang, 'days_overdue')} |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {dl['code']} | {_md(dl['title'])} | {dl['deadline']} | {dl['outcome']} | {dl['days_overdue'] or ''} |"
            for dl in d["deadlines"]
        ]
        out.append("")
    return out


def since_html(r: FacilityReport, lang: str) -> str:
    if r.since is None:
        return ""
    return render_template("_since.html", lang, since=since_rows(r, lang))


# --------------------------------------------------------------------------------------------
# The rectification notice
# --------------------------------------------------------------------------------------------


def notice_context(n: Notice, lang: str) -> dict[str, Any]:
    return {
        "notice": n,
        "data": n.to_dict(lang),
        "since": since_rows(n.report, lang) if n.since is not None else None,
        "intro": lbl(lang, "notice_intro").format(date=n.reference_date.isoformat()),
    }


class NoticeReporter(ABC):
    name: ClassVar[str]

    @abstractmethod
    def render(self, notices: Sequence[Notice], lang: str) -> str: ...


class NoticeJson(NoticeReporter):
    name = "json"

    def render(self, notices: Sequence[Notice], lang: str) -> str:
        if len(notices) == 1:
            return dump_json(notices[0].to_dict(lang))
        return dump_json({"notices": [n.to_dict(lang) for n in notices]})


def notice_markdown(n: Notice, lang: str) -> str:
    d = n.to_dict(lang)
    f = d["facility"]
    out = [f"# {lbl(lang, 'notice_title')}", "", f"{lbl(lang, 'notice_no')}: {n.notice_id}", ""]
    out += ["| | |", "|---|---|"]
    for k, v in (
        (label(lang, "facility"), f["name"]),
        (label(lang, "facility_id"), f["facility_id"]),
        (label(lang, "uscc"), f["uscc"] or "—"),
        (label(lang, "address"), f["address"] or "—"),
        (label(lang, "as_of"), d["reference_date"]),
        (label(lang, "inspector"), f["inspector"] or "—"),
    ):
        out.append(f"| {k} | {_md(v)} |")
    out += [
        "",
        lbl(lang, "notice_intro").format(date=d["reference_date"]) if n.items else lbl(lang, "notice_none"),
        "",
    ]
    out += since_markdown_lines(n.report, lang)
    if n.items:
        out += [
            f"| {lbl(lang, 'item_no')} | {lbl(lang, 'item')} | {lbl(lang, 'problem')} | {lbl(lang, 'basis')} | {lbl(lang, 'deadline')} |",
            "|---|---|---|---|---|",
        ]
        for i, item in enumerate(d["items"], start=1):
            out.append(
                f"| {i} | {item['code']} {_md(item['title'])} | {_md('；'.join(item['actions']) if lang == 'zh' else '; '.join(item['actions']))} | {_md(item['basis'])} | {item['deadline']} |"
            )
        out.append("")
    out += [
        f"{lbl(lang, 'inspector_sign')}: ______________　{lbl(lang, 'date')}: __________",
        "",
        f"{lbl(lang, 'director_sign')}: ______________　{lbl(lang, 'date')}: __________",
        "",
        f"{lbl(lang, 'issuer_seal')}",
        "",
    ]
    return "\n".join(out)


class NoticeMarkdown(NoticeReporter):
    name = "markdown"

    def render(self, notices: Sequence[Notice], lang: str) -> str:
        return "\n\n---\n\n".join(notice_markdown(n, lang) for n in notices)


class NoticeMd(NoticeMarkdown):
    name = "md"


class NoticeHtml(NoticeReporter):
    name = "html"

    def render(self, notices: Sequence[Notice], lang: str) -> str:
        return render_template(
            "notice.html",
            lang,
            notices=[notice_context(n, lang) for n in notices],
            title=lbl(lang, "notice_title"),
        )


NOTICE_REPORTERS: dict[str, type[NoticeReporter]] = {
    cls.name: cls for cls in (NoticeJson, NoticeMarkdown, NoticeMd, NoticeHtml)
}


# --------------------------------------------------------------------------------------------
# Filing readiness and clocks
# --------------------------------------------------------------------------------------------


def filing_text(fr: FilingReadiness, lang: str) -> str:
    colon = "：" if lang == "zh" else ": "
    head = (
        f"{fr.name}（{fr.facility_id}）— {lbl(lang, 'filing_title')}"
        if lang == "zh"
        else f"{fr.name} ({fr.facility_id}) — {lbl(lang, 'filing_title')}"
    )
    out = [
        head,
        f"  {label(lang, 'as_of')}{colon}{fr.as_of.isoformat()}　{lbl(lang, 'warning_window')}{colon}{fr.warning_days} 天"
        if lang == "zh"
        else f"  {label(lang, 'as_of')}: {fr.as_of.isoformat()}  {lbl(lang, 'warning_window')}: {fr.warning_days} days",
    ]
    marks = {"present": "✓", "expiring": "!", "expired": "✗", "missing": "✗", "not_required": "–"}
    for m in fr.materials:
        line = f"  {marks[str(m.status)]} {m.title(lang)} — {lbl(lang, 'material.' + str(m.status))}"
        if m.valid_until is not None and m.days_left is not None:
            left = m.days_left
            if lang == "zh":
                when = f"剩余 {left} 天" if left >= 0 else f"已过期 {-left} 天"
                line += f"（{lbl(lang, 'valid_until')} {m.valid_until}，{when}）"
            else:
                when = f"{left} days left" if left >= 0 else f"expired {-left} days ago"
                line += f" (valid until {m.valid_until}, {when})"
        if m.note is not None:
            line += f"　{m.note(lang)}" if lang == "zh" else f"  {m.note(lang)}"
        out.append(line)
        if m.status in ("missing", "expired"):
            out.append(f"      {label(lang, 'facts')}: {m.path}")
    out.append("")
    out.append(lbl(lang, "clocks_title") + colon.strip())
    if not fr.clocks:
        out.append(f"  {lbl(lang, 'none')}")
    for c in fr.clocks:
        mark = {"expired": "✗", "expiring": "!", "ok": " "}[str(c.state)]
        out.append(
            f"  {mark} {c.expires}  {c.days_left:>5}  {c.subject(lang)} — {lbl(lang, 'clock.' + str(c.state))}（{c.rule(lang)}）"
            if lang == "zh"
            else f"  {mark} {c.expires}  {c.days_left:>5}  {c.subject(lang)} — {lbl(lang, 'clock.' + str(c.state))} ({c.rule(lang)})"
        )
    out.append("")
    out.append(lbl(lang, "filing_ready" if fr.ready else "filing_not_ready"))
    return "\n".join(out) + "\n"


class FilingReporter(ABC):
    name: ClassVar[str]

    @abstractmethod
    def render(self, results: Sequence[FilingReadiness], lang: str) -> str: ...


class FilingText(FilingReporter):
    name = "text"

    def render(self, results: Sequence[FilingReadiness], lang: str) -> str:
        return "\n".join(filing_text(fr, lang) for fr in results)


class FilingJson(FilingReporter):
    name = "json"

    def render(self, results: Sequence[FilingReadiness], lang: str) -> str:
        if len(results) == 1:
            return dump_json(results[0].to_dict(lang))
        return dump_json({"facilities": [fr.to_dict(lang) for fr in results]})


FILING_REPORTERS: dict[str, type[FilingReporter]] = {cls.name: cls for cls in (FilingText, FilingJson)}

# --------------------------------------------------------------------------------------------
# District changes
# --------------------------------------------------------------------------------------------

_ITEM_LABELS = {
    "zh": {
        "siting": "选址安全",
        "design": "建筑设计",
        "setup": "设置标准",
        "management": "管理规范",
        "total": "合计",
    },
    "en": {
        "siting": "Siting",
        "design": "Building design",
        "setup": "Setup standard",
        "management": "Management norms",
        "total": "Total",
    },
}
_PRESENCE = {
    "zh": {"added": "新纳入", "removed": "本次无此机构"},
    "en": {"added": "new in this run", "removed": "not in this run"},
}


def _fraction_text(value: Fraction | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    shown = round_half_up(value)
    if signed:
        return f"+{shown}" if value > 0 else (str(shown) if value < 0 else "±0")
    return str(shown)


def district_since_rows(d: DistrictResult, lang: str) -> dict[str, Any]:
    s = d.since
    assert s is not None
    names = _ITEM_LABELS["en" if lang == "en" else "zh"]
    items = [
        {
            "label": names[i.item],
            "before": _fraction_text(i.before),
            "now": _fraction_text(i.now),
            "delta": _fraction_text(i.delta, signed=True),
        }
        for i in s.items
    ]
    facilities = []
    for f in s.changed:
        parts = []
        if f.presence != "both":
            parts.append(_PRESENCE["en" if lang == "en" else "zh"][f.presence])
        if f.before is not None and f.now is not None:
            for key in ("setup", "management"):
                b, n = getattr(f.before, key), getattr(f.now, key)
                if b != n:
                    parts.append(f"{names[key]} {b} → {n}")
            for key in ("siting", "design"):
                b, n = getattr(f.before, key), getattr(f.now, key)
                if b != n:
                    parts.append(
                        f"{names[key]} {label(lang, 'verdict.' + str(b)) if b else '—'} → {label(lang, 'verdict.' + str(n)) if n else '—'}"
                    )
        groups = [(lbl(lang, "change." + str(ch)), f.of(ch)) for ch in CHANGE_ORDER if f.of(ch)]
        facilities.append({"facility_id": f.facility_id, "name": f.name, "summary": parts, "groups": groups})
    ref = f"{s.earlier.as_of.isoformat() if s.earlier.as_of else '—'}，{s.earlier.source}"
    if lang == "en":
        ref = ref.replace("，", ", ")
    return {
        "heading": lbl(lang, "since_district"),
        "ref": ref,
        "items": items,
        "facilities": facilities,
        "unchanged": len(s.facilities) - len(s.changed),
    }


def _since_facilities(x: dict[str, Any], lang: str, sep: str) -> list[list[str]]:
    """The changed facilities of ``district_since_rows`` as a table: header, then a row each."""
    heads = [lbl(lang, "change." + str(ch)) for ch in CHANGE_ORDER]
    rows = [[label(lang, "facility_id"), label(lang, "facility"), lbl(lang, "score_change"), *heads]]
    for f in x["facilities"]:
        by = dict(f["groups"])
        rows.append(
            [f["facility_id"], f["name"], sep.join(f["summary"]), *(", ".join(by.get(h, [])) for h in heads)]
        )
    return rows


def district_since_table(d: DistrictResult, lang: str) -> list[list[str]]:
    """The comparison as a spreadsheet table (the ``changes`` sheet of ``district --format xlsx``,
    ``<name>-changes.csv`` beside ``--format csv``): what the markdown report shows."""
    x = district_since_rows(d, lang)
    out = [[x["heading"], x["ref"]], ["", lbl(lang, "before"), lbl(lang, "now"), lbl(lang, "score_change")]]
    out += [[i["label"], i["before"], i["now"], i["delta"]] for i in x["items"]]
    out += [[], [lbl(lang, "district_changed").format(n=len(x["facilities"]), m=x["unchanged"])]]
    return out + _since_facilities(x, lang, "；" if lang == "zh" else "; ")


def district_since_text_lines(d: DistrictResult, lang: str) -> list[str]:
    if d.since is None:
        return []
    x = district_since_rows(d, lang)
    sep = "；" if lang == "zh" else "; "
    out = [f"{x['heading']}（{x['ref']}）" if lang == "zh" else f"{x['heading']} ({x['ref']})"]
    out += [f"  {i['label']}: {i['before']} → {i['now']} ({i['delta']})" for i in x["items"]]
    out.append(lbl(lang, "district_changed").format(n=len(x["facilities"]), m=x["unchanged"]))
    for f in x["facilities"]:
        out.append(
            f"  {f['facility_id']} {f['name']}" + (f": {sep.join(f['summary'])}" if f["summary"] else "")
        )
        out += [f"    {g}: {', '.join(codes)}" for g, codes in f["groups"]]
    return out


def district_since_markdown_lines(d: DistrictResult, lang: str) -> list[str]:
    if d.since is None:
        return []
    x = district_since_rows(d, lang)
    out = [f"## {x['heading']}", "", _md(x["ref"]), ""]
    out += [
        f"| | {lbl(lang, 'before')} | {lbl(lang, 'now')} | {lbl(lang, 'score_change')} |",
        "|---|---|---|---|",
    ]
    out += [f"| {i['label']} | {i['before']} | {i['now']} | {i['delta']} |" for i in x["items"]]
    out += ["", lbl(lang, "district_changed").format(n=len(x["facilities"]), m=x["unchanged"]), ""]
    if x["facilities"]:
        header, *rows = _since_facilities(x, lang, "; ")
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        out.append("")
    return out


def district_since_html(d: DistrictResult, lang: str) -> str:
    if d.since is None:
        return ""
    return render_template(
        "_district_since.html",
        lang,
        since=district_since_rows(d, lang),
        heads=[lbl(lang, "change." + str(ch)) for ch in CHANGE_ORDER],
    )


__all__ = [
    "FILING_REPORTERS",
    "NOTICE_REPORTERS",
    "Since",
    "column_stylesheet",
    "district_since_html",
    "district_since_markdown_lines",
    "district_since_text_lines",
    "environment",
    "filing_text",
    "lbl",
    "notice_markdown",
    "print_stylesheet",
    "render_template",
    "since_html",
    "since_markdown_lines",
    "since_rows",
    "since_text_lines",
]
