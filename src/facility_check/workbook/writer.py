"""Writing records, and blank forms, as workbooks (openpyxl; never hand-written XML).

Every text cell is written as text: a value beginning with ``= + - @`` is never a formula.
The output is deterministic: the same records give the same bytes.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..record import SCHEMA_VERSION
from ..render.district import _fixed_zip_times
from .layout import EMPTY_MARK, FACTS_SHEET, GUIDE_SHEET, KEY_TITLE, Layout, Leaf, ListSheet, layout
from .vocabulary import FALSE_WORD, TRUE_WORD, enum_labels

DATE_FORMAT = "yyyy-mm-dd"
FORMULA_START = ("=", "+", "-", "@")
LIST_SEP = "、"
TEMPLATE_ROWS = 200  # rows of a blank form that get drop-downs and date formats
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
PATH_FONT = Font(color="808080")
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


class WriteError(ValueError):
    """A record that cannot be put in a workbook (a value longer than a cell holds)."""


def text_width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def put_text(ws: Worksheet, row: int, column: int, text: str) -> None:
    """Write text as text: never a formula, whatever it begins with."""
    if len(text) > MAX_CELL_CHARS:
        raise WriteError(f"{ws.title}!{get_column_letter(column)}{row}: text longer than {MAX_CELL_CHARS}")
    cell = ws.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def cell_value(leaf: Leaf, value: Any) -> Any:
    """The cell form of a record value: labels for codes, 是/否, dates as dates."""
    if value is None:
        return None
    kind = leaf.kind
    if kind == "bool" and isinstance(value, bool):
        return TRUE_WORD if value else FALSE_WORD
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if kind == "enum" and leaf.enum is not None:
        return enum_labels(leaf.enum).get(str(value), str(value))
    if kind == "enum_list" and leaf.enum is not None:
        labels = enum_labels(leaf.enum)
        return LIST_SEP.join(labels.get(str(v), str(v)) for v in value) if value else EMPTY_MARK
    if kind == "str_list":
        return "\n".join(str(v) for v in value) if value else EMPTY_MARK
    if kind == "geometry":
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return value


def _put(ws: Worksheet, row: int, column: int, leaf: Leaf, value: Any) -> None:
    shown = cell_value(leaf, value)
    if shown is None:
        return
    if isinstance(shown, str):
        put_text(ws, row, column, shown)
        if "\n" in shown:
            ws.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
        return
    cell = ws.cell(row=row, column=column)
    cell.value = shown
    if isinstance(shown, date):
        cell.number_format = DATE_FORMAT


def _get(data: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def guide_text(leaf: Leaf) -> str:
    """The 说明 of a field: its description, what to enter, the choices."""
    parts = [leaf.description] if leaf.description else []
    if leaf.kind == "bool":
        parts.append("填 是 或 否")
    elif leaf.kind == "date":
        parts.append("日期，如 2026-03-01")
    elif leaf.kind == "int":
        parts.append("整数")
    elif leaf.kind == "float":
        parts.append("数值")
    elif leaf.kind == "enum" and leaf.enum is not None:
        parts.append("从下拉列表选择：" + "、".join(enum_labels(leaf.enum).values()))
    elif leaf.kind == "enum_list" and leaf.enum is not None:
        parts.append("可填多项，用顿号分隔：" + "、".join(enum_labels(leaf.enum).values()))
    elif leaf.kind == "str_list":
        parts.append("可填多项，每项一行（Alt+Enter 换行）")
    elif leaf.kind == "geometry":
        parts.append("GeoJSON 几何（Polygon 或 MultiPolygon）文本，与“位置·坐标系”相同的坐标系")
    elif leaf.kind == "const":
        parts.append(f"固定填 {leaf.const}")
    if leaf.required:
        parts.append("必填")
    return "；".join(p for p in parts if p)


def _validation(leaf: Leaf) -> DataValidation | None:
    """The drop-down or type check of a field's cells."""
    if leaf.kind == "bool":
        choices = [TRUE_WORD, FALSE_WORD]
    elif leaf.kind == "enum" and leaf.enum is not None:
        choices = list(enum_labels(leaf.enum).values())
    elif leaf.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(1900,1,1)", allow_blank=True)
        dv.error, dv.errorTitle = "请填写日期，如 2026-03-01", "日期"
        return dv
    elif leaf.kind in ("int", "float"):
        dv = DataValidation(
            type="whole" if leaf.kind == "int" else "decimal",
            operator="greaterThanOrEqual",
            formula1="-100000",
            allow_blank=True,
        )
        dv.error, dv.errorTitle = ("请填写整数" if leaf.kind == "int" else "请填写数值"), "数值"
        return dv
    else:
        return None
    dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    dv.error, dv.errorTitle = "请从下拉列表中选择", "取值"
    return dv


def _header(ws: Worksheet, titles: Sequence[str]) -> None:
    for column, title in enumerate(titles, start=1):
        put_text(ws, 1, column, title)
        cell = ws.cell(row=1, column=column)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    ws.freeze_panes = "A2"


def _fit(ws: Worksheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(60, max(8, width + 2))


def _widen(widths: dict[int, int], column: int, value: Any) -> None:
    if value is None:
        return
    text = value.isoformat() if isinstance(value, date) else str(value)
    longest = max((text_width(line) for line in text.split("\n")), default=0)
    widths[column] = max(widths.get(column, 0), min(longest, 60))


def _facts_order(lay: Layout) -> list[Leaf]:
    """机构编号 and 机构名称 first, the format version last; the record's order between."""
    first = [leaf for leaf in lay.facts if leaf.keys in (("facility_id",), ("name",))]
    last = [leaf for leaf in lay.facts if leaf.keys == ("schema_version",)]
    return first + [leaf for leaf in lay.facts if leaf not in first and leaf not in last] + last


def _facts_vertical(ws: Worksheet, facts: list[Leaf], data: dict[str, Any] | None) -> None:
    _header(ws, ["项目", "值", "说明", "字段"])
    ws.freeze_panes = "B2"
    widths = {1: 4, 2: 12, 3: 4, 4: 4}
    for row, leaf in enumerate(facts, start=2):
        put_text(ws, row, 1, leaf.title)
        value = _get(data, leaf.keys) if data is not None else (leaf.const if leaf.kind == "const" else None)
        _put(ws, row, 2, leaf, value)
        put_text(ws, row, 3, guide_text(leaf))
        put_text(ws, row, 4, leaf.dotted)
        ws.cell(row=row, column=4).font = PATH_FONT
        if leaf.required:
            ws.cell(row=row, column=1).font = HEADER_FONT
        if leaf.kind == "date" and value is None:
            ws.cell(row=row, column=2).number_format = DATE_FORMAT
        dv = _validation(leaf)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"B{row}")
        _widen(widths, 1, leaf.title)
        _widen(widths, 2, cell_value(leaf, value))
        _widen(widths, 4, leaf.dotted)
    _fit(ws, widths)
    ws.column_dimensions["C"].width = 60
    for row in range(2, len(facts) + 2):
        ws.cell(row=row, column=3).alignment = Alignment(wrap_text=True, vertical="top")


def _columns_with_validation(ws: Worksheet, leaves: Sequence[Leaf], first_column: int, rows: int) -> None:
    for offset, leaf in enumerate(leaves):
        letter = get_column_letter(first_column + offset)
        dv = _validation(leaf)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{rows + 1}")
        if leaf.kind == "date":
            for row in range(2, rows + 2):
                cell = ws.cell(row=row, column=first_column + offset)
                if cell.value is None:
                    cell.number_format = DATE_FORMAT


def _facts_roster(ws: Worksheet, facts: list[Leaf], records: Sequence[dict[str, Any]]) -> None:
    _header(ws, [leaf.title for leaf in facts])
    ws.freeze_panes = "B2"
    widths = {c: text_width(leaf.title) for c, leaf in enumerate(facts, start=1)}
    for row, data in enumerate(records, start=2):
        for column, leaf in enumerate(facts, start=1):
            value = _get(data, leaf.keys)
            _put(ws, row, column, leaf, value)
            _widen(widths, column, cell_value(leaf, value))
    _columns_with_validation(ws, facts, 1, max(len(records), TEMPLATE_ROWS))
    _fit(ws, widths)


def _key_columns(sheet: ListSheet, roster: bool) -> list[str]:
    keys = [KEY_TITLE] if roster else []
    if sheet.parent is not None and sheet.parent.id_leaf is not None:
        keys.append(sheet.parent.id_leaf.title)
    return keys


def _list_rows(sheet: ListSheet, data: dict[str, Any]) -> Iterable[tuple[list[str], list[Any] | None]]:
    """(key cells, items) per owner of the list: items None when the list is absent."""
    if sheet.parent is None:
        yield [], _get(data, sheet.keys)
        return
    for parent in _get(data, sheet.parent.keys) or []:
        if isinstance(parent, dict):
            yield [str(parent.get("id", ""))], _get(parent, sheet.keys)


def _list_sheet(ws: Worksheet, sheet: ListSheet, records: Sequence[dict[str, Any]], roster: bool) -> None:
    keys = _key_columns(sheet, roster)
    titles = keys + [leaf.title for leaf in sheet.leaves]
    _header(ws, titles)
    ws.freeze_panes = get_column_letter(len(keys) + 1) + "2" if keys else "A2"
    widths = {c: text_width(t) for c, t in enumerate(titles, start=1)}
    row = 2
    first = len(keys) + 1
    for data in records:
        facility_key = [str(data.get("facility_id", ""))] if roster else []
        for owner_keys, items in _list_rows(sheet, data):
            if items is None:
                continue
            key_cells = facility_key + owner_keys
            if not items:  # a list known to be empty
                for column, text in enumerate([*key_cells, EMPTY_MARK], start=1):
                    put_text(ws, row, column, text)
                row += 1
                continue
            for item in items:
                for column, text in enumerate(key_cells, start=1):
                    put_text(ws, row, column, text)
                    _widen(widths, column, text)
                for offset, leaf in enumerate(sheet.leaves):
                    value = _get(item, leaf.keys)
                    _put(ws, row, first + offset, leaf, value)
                    _widen(widths, first + offset, cell_value(leaf, value))
                row += 1
    _columns_with_validation(ws, sheet.leaves, first, max(row - 2, TEMPLATE_ROWS))
    _fit(ws, widths)


GUIDE_LINES = [
    "如何填写本工作簿",
    "",
    "· “机构”工作表：每行一项事实，在“值”列填写；“说明”列给出含义、单位和可选值；“字段”列是记录格式中的字段名，请勿修改。",
    "· 其他工作表（班级、工作人员、房间、门、窗、楼梯、培训、证书……）：每行一项，第一行是表头，请勿修改表头。",
    "· 不知道的事实请留空：留空表示“未知”，不表示“否”或“0”。",
    "· 是/否、类型等从下拉列表选择；日期填日期（如 2026-03-01）；面积、高度等只填数字，单位见表头。",
    f"· 确认某一列表为空（如没有楼梯）时，在该表第一列数据处填“{EMPTY_MARK}”。",
    "· 一格填多项时（服务类型、应急预案、公示信息）用顿号“、”分隔；佐证材料每项一行。",
    "· “培训”“证书”按“人员编号”对应到“工作人员”表中的人员。",
    "· 班级人数、师幼比等由花名册和班级表计算，不必另行填写汇总数。",
    "· 请保存为 .xlsx（不要另存为 .xls 或 .csv）；不要使用公式、合并单元格或隐藏工作表。",
]
ROSTER_LINES = [
    f"· 本工作簿为多机构台账：每个工作表的第一列是“{KEY_TITLE}”，每行属于该编号的机构；“机构”表每行一个机构。",
]


def _guide(ws: Worksheet, lay: Layout, roster: bool) -> None:
    lines = GUIDE_LINES[:2] + (ROSTER_LINES if roster else []) + GUIDE_LINES[2:]
    for row, line in enumerate(lines, start=1):
        put_text(ws, row, 1, line)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = len(lines) + 2
    put_text(ws, row, 1, "工作表")
    put_text(ws, row, 2, "内容")
    ws.cell(row=row, column=1).font = ws.cell(row=row, column=2).font = HEADER_FONT
    put_text(ws, row + 1, 1, FACTS_SHEET)
    put_text(ws, row + 1, 2, "机构的单项事实（登记、备案、证照、场地、建筑、制度、检查等）")
    for offset, sheet in enumerate(lay.lists, start=2):
        put_text(ws, row + offset, 1, sheet.name)
        owner = (
            f"（按“{sheet.parent.id_leaf.title}”对应工作人员）"
            if sheet.parent and sheet.parent.id_leaf
            else ""
        )
        put_text(ws, row + offset, 2, f"每行一项 {'.'.join(sheet.keys)}{owner}")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 80


def write(records: Sequence[dict[str, Any]], *, roster: bool) -> bytes:
    """A workbook holding the records: one facility (``roster=False``) or many, keyed by 机构编号.

    With no records, a blank form.
    """
    if not roster and len(records) > 1:
        raise WriteError("a single-facility workbook holds one record; use the roster form")
    lay = layout()
    facts = _facts_order(lay)
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _guide(guide, lay, roster)
    facts_ws = wb.create_sheet(FACTS_SHEET)
    if roster:
        _facts_roster(facts_ws, facts, records)
    else:
        _facts_vertical(facts_ws, facts, records[0] if records else None)
    for sheet in lay.lists:
        _list_sheet(wb.create_sheet(sheet.name), sheet, records, roster)
    wb.active = 1
    wb.properties.created = wb.properties.modified = datetime(2019, 10, 8)
    wb.properties.creator = "facility-check"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def template(*, roster: bool) -> bytes:
    return write([], roster=roster)


__all__ = ["SCHEMA_VERSION", "WriteError", "put_text", "template", "text_width", "write"]
