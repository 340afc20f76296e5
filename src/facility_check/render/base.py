"""Shared pieces of the renderers: labels in both languages, JSON dumping, Markdown→HTML."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import orjson

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "report_title": "托育机构检查报告",
        "facility": "机构",
        "facility_id": "机构编号",
        "uscc": "统一社会信用代码",
        "address": "地址",
        "division_code": "行政区划代码",
        "source": "记录来源",
        "as_of": "参考日期",
        "as_of.inspection": "检查日期",
        "as_of.as-of": "--as-of 指定",
        "as_of.none": "未提供（与日期相关的条款为“未知”）",
        "scores": "得分",
        "score_rule": "每条未落实扣 0.1 分，事实缺失（未知）按未落实计",
        "setup": "设置标准",
        "management": "管理规范",
        "design": "建筑设计",
        "siting": "选址安全",
        "unmet": "不符合",
        "unknown": "未知",
        "met": "符合",
        "not_applicable": "不适用",
        "best_case": "若未知项均符合（仅供参考）",
        "assumed": "以下得分假定未知项均符合，仅为机构自查的最好情况，不是检查结论",
        "basis": "依据",
        "parameters": "参数及来源",
        "facts": "事实",
        "verdict.compliant": "符合",
        "verdict.noncompliant": "不符合",
        "verdict.unknown": "无法判断",
        "siting.none": "未检查（未提供危险源图层 --hazards）",
        "design.failed": "不符合的条款",
        "design.warnings": "建议性条款（宜）未满足，不影响得分",
        "design.missing": "缺少的事实",
        "overlay": "地方规则",
        "inspector": "检查人",
        "signature": "检查人签字：______________　　机构负责人签字：______________　　日期：__________",
        "rejected": "无法评估的记录",
        "problems": "问题",
        "valid": "有效",
        "invalid": "无效",
        "warnings": "警告",
        "records": "条记录",
        "articles": "条款",
        "status": "结论",
        "not_counted": "不计分",
        "title": "标题",
        "code": "代码",
        "expected": "应为",
        "found": "实际",
        "todo": "需要处理的事项",
        "todo.unmet": "需整改",
        "todo.unknown": "需补充材料/事实",
        "todo.design": "建筑设计问题",
        "todo.none": "没有需要处理的事项。",
        "hazards": "危险源",
        "layers": "已检查的图层",
        "measured_from": "测量起点",
        "measured_from.site_boundary": "场地边界",
        "measured_from.point": "定位点",
        "distance": "距离",
        "required": "要求",
        "pass": "通过",
        "fail": "不通过",
    },
    "en": {
        "report_title": "Childcare facility inspection report",
        "facility": "Facility",
        "facility_id": "Facility id",
        "uscc": "Unified social credit code",
        "address": "Address",
        "division_code": "Division code",
        "source": "Record source",
        "as_of": "Reference date",
        "as_of.inspection": "inspection date",
        "as_of.as-of": "given with --as-of",
        "as_of.none": "none (date rules are unknown)",
        "scores": "Scores",
        "score_rule": "each article not carried out deducts 0.1; missing facts (unknown) count as not carried out",
        "setup": "Setup standard",
        "management": "Management norms",
        "design": "Building design",
        "siting": "Siting",
        "unmet": "unmet",
        "unknown": "unknown",
        "met": "met",
        "not_applicable": "not applicable",
        "best_case": "if every unknown were met (for reference)",
        "assumed": "Scores below assume every unknown is met: the provider's best case, not an inspection verdict",
        "basis": "Basis",
        "parameters": "Parameters and their sources",
        "facts": "Facts",
        "verdict.compliant": "compliant",
        "verdict.noncompliant": "noncompliant",
        "verdict.unknown": "unknown",
        "siting.none": "not checked (no hazard layers given with --hazards)",
        "design.failed": "Clauses not met",
        "design.warnings": "Recommended clauses not met (warnings, no deduction)",
        "design.missing": "Missing facts",
        "overlay": "Local rules",
        "inspector": "Inspector",
        "signature": "Inspector: ______________    Director: ______________    Date: __________",
        "rejected": "Records that could not be evaluated",
        "problems": "problems",
        "valid": "valid",
        "invalid": "invalid",
        "warnings": "warnings",
        "records": "records",
        "articles": "Articles",
        "status": "Status",
        "not_counted": "not counted",
        "title": "Title",
        "code": "Code",
        "expected": "expected",
        "found": "found",
        "todo": "What to do",
        "todo.unmet": "Fix",
        "todo.unknown": "Supply evidence / facts",
        "todo.design": "Building design",
        "todo.none": "Nothing to do.",
        "hazards": "Hazards",
        "layers": "Layers checked",
        "measured_from": "Measured from",
        "measured_from.site_boundary": "site boundary",
        "measured_from.point": "location point",
        "distance": "distance",
        "required": "required",
        "pass": "pass",
        "fail": "FAIL",
    },
}

STATUS_MARK = {"met": "✓", "unmet": "✗", "unknown": "?", "not_applicable": "–"}


def fact_label(path: str, lang: str) -> str:
    """A fact's name for people: ``$.staff[3].health_checks.passed`` → 工作人员第4项 › 健康检查 › 合格.

    The Chinese names are the record schema's field titles (one source for reports, workbooks and
    the workbench form), looked up along the path, so the same field name under two parents can
    carry two titles.
    """
    from ..record import field_titles

    tokens = re.findall(r"[^.\[\]$]+|\[\d+\]", path)
    names = [t for t in tokens if not t.startswith("[")]
    titles = iter(field_titles(names))
    parts: list[str] = []
    for token in tokens:
        if token.startswith("["):
            index = int(token[1:-1]) + 1
            if parts:
                parts[-1] += f"第{index}项" if lang == "zh" else f" #{index}"
            continue
        title = next(titles)
        parts.append((title or token) if lang == "zh" else token.replace("_", " "))
    if not parts:
        return "整条记录" if lang == "zh" else "the whole record"
    return " › ".join(parts)


def fact_with_hint(path: str, lang: str) -> str:
    """The label, with the JSON path as a hint: 人员第4项 › 健康检查 › 合格（$.staff[3].health_checks.passed）."""
    return f"{fact_label(path, lang)}（{path}）" if lang == "zh" else f"{fact_label(path, lang)} ({path})"


def label(lang: str, key: str) -> str:
    return LABELS.get(lang, LABELS["zh"]).get(key, key)


_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def dump_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, UTF-8 text, two-space indent, trailing newline.

    Written by orjson (a district of 10,000 facilities: 0.05 instead of 1.5 CPU-s), in the
    layout the standard library writes with ``indent=2``; the one difference is the notation of
    floats below 1e-4 (``0.00001``, not ``1e-05``), the same numbers. A value orjson does not
    write (anything beyond string-keyed dicts, lists, str, int within 64 bits, float, bool and
    None) falls back to the standard library.
    """
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode() + "\n"
    except TypeError:  # orjson.JSONEncodeError: non-str keys, big integers, other types
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides/isolates that
# can make a terminal or an editor show text in an order other than the one stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    # the JSON escape: readable in text, and the same character again inside a JSON string
    return f"\\u{ord(match.group()):04x}"


def neutralise(text: object, *, newlines: bool = True) -> str:
    """Text with control characters shown as escapes (``\\u001b``) instead of acting on a terminal.

    The one escaping helper of every output: ESC, BEL, NUL … in a facility name reach no terminal
    raw. ``newlines=False`` also escapes line breaks, for a value that must stay on its line (a
    name in a text report cannot forge the next line). Spreadsheet and Markdown cells use it too
    (``spreadsheet_cell``, ``md_cell``).
    """
    return (_CONTROL if newlines else _CONTROL_OR_NEWLINE).sub(_visible, str(text))


# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheet
# programs (=, +, - and @ start formulas; tab and carriage return can hide them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def spreadsheet_cell(value: object) -> str:
    """Text for a CSV or XLSX cell: never a live formula (a leading ``'`` makes it text)."""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        text = "'" + text
    return neutralise(text, newlines=False)


def md_cell(value: object) -> str:
    """Text safe inside Markdown: HTML escaped (no live ``<script>``), table pipes escaped, one line."""
    text = html.escape(str(value), quote=False).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ")
    return neutralise(text, newlines=False)


def esc(text: object) -> str:
    return neutralise(html.escape(str(text), quote=True))


HTML_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #999; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #eee; }
.unmet { color: #b00020; font-weight: bold; }
.unknown { color: #8a6d00; }
.met { color: #1b5e20; }
.not_applicable { color: #777; }
.sign { margin-top: 3em; }
@media print { body { margin: 1cm; } }
"""


def html_page(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
