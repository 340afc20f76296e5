"""Writing records, and blank forms, as workbooks (openpyxl; never hand-written XML).

Every text cell is written as text: a value beginning with ``= + - @`` is never a formula.
The output is deterministic: the same records give the same bytes.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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
WRAP = Alignment(wrap_text=True, vertical="top")


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
    """The drop-down or type check of a field's cells (Excel refuses other entries)."""
    if leaf.kind == "bool":
        choices = [TRUE_WORD, FALSE_WORD]
    elif leaf.kind == "enum" and leaf.enum is not None:
        choices = list(enum_labels(leaf.enum).values())
    elif leaf.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(1900,1,1)", allow_blank=True)
        dv.error, dv.errorTitle = "请填写日期，如 2026-03-01", "日期"
        dv.showErrorMessage = True
        return dv
    elif leaf.kind in ("int", "float"):
        dv = DataValidation(
            type="whole" if leaf.kind == "int" else "decimal",
            operator="greaterThanOrEqual",
            formula1="-100000",
            allow_blank=True,
        )
        dv.error, dv.errorTitle = ("请填写整数" if leaf.kind == "int" else "请填写数值"), "数值"
        dv.showErrorMessage = True
        return dv
    else:
        return None
    dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    dv.error, dv.errorTitle = "请从下拉列表中选择", "取值"
    dv.showErrorMessage = True
    return dv


# A cell to write: the field it shows (None for fixed text) and its value.
Cell = tuple[Leaf | None, Any]


def _text_cell(ws: Worksheet, text: str) -> WriteOnlyCell:
    """Text as text: never a formula, whatever it begins with."""
    if len(text) > MAX_CELL_CHARS:
        raise WriteError(f"{ws.title}: a text longer than {MAX_CELL_CHARS} characters")
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    if "\n" in text:
        cell.alignment = WRAP
    return cell


def _cell(ws: Worksheet, leaf: Leaf | None, value: Any) -> WriteOnlyCell | None:
    shown = value if leaf is None else cell_value(leaf, value)
    if shown is None:
        if leaf is not None and leaf.kind == "date":
            cell = WriteOnlyCell(ws, value=None)
            cell.number_format = DATE_FORMAT
            return cell
        return None
    if isinstance(shown, str):
        return _text_cell(ws, shown)
    cell = WriteOnlyCell(ws, value=shown)
    if isinstance(shown, date):
        cell.number_format = DATE_FORMAT
    return cell


def _shown_width(leaf: Leaf | None, value: Any) -> int:
    shown = value if leaf is None else cell_value(leaf, value)
    if shown is None:
        return 0
    text = shown.isoformat() if isinstance(shown, date) else str(shown)
    return min(60, max((text_width(line) for line in text.split("\n")), default=0))


def _write_sheet(
    ws: Worksheet,
    header: Sequence[str],
    rows: Callable[[], Iterator[list[Cell]]],
    *,
    freeze: str,
    validations: Iterable[tuple[DataValidation, str]] = (),
    blank_rows: int = 0,
    blank_leaves: Sequence[Leaf | None] = (),
    fixed_widths: Mapping[int, int] | None = None,
) -> None:
    """One sheet, written in a single pass of rows after a pass that measures the columns."""
    widths = {c: text_width(t) for c, t in enumerate(header)}
    for row in rows():
        for c, (leaf, value) in enumerate(row):
            if value is not None:
                widths[c] = max(widths.get(c, 0), _shown_width(leaf, value))
    for c, width in {**widths, **(fixed_widths or {})}.items():
        ws.column_dimensions[get_column_letter(c + 1)].width = min(60, max(8, width + 2))
    ws.freeze_panes = freeze
    for dv, ref in validations:
        ws.data_validations.append(dv)
        dv.add(ref)
    head = []
    for title in header:
        cell = _text_cell(ws, title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        head.append(cell)
    ws.append(head)
    for row in rows():
        ws.append([_cell(ws, leaf, value) for leaf, value in row])
    for _ in range(blank_rows):
        ws.append([_cell(ws, leaf, None) if leaf is not None else None for leaf in blank_leaves])


def _facts_order(lay: Layout) -> list[Leaf]:
    """机构编号 and 机构名称 first, the format version last; the record's order between."""
    first = [leaf for leaf in lay.facts if leaf.keys in (("facility_id",), ("name",))]
    last = [leaf for leaf in lay.facts if leaf.keys == ("schema_version",)]
    return first + [leaf for leaf in lay.facts if leaf not in first and leaf not in last] + last


def _facts_vertical(ws: Worksheet, facts: list[Leaf], data: dict[str, Any] | None) -> None:
    def value(leaf: Leaf) -> Any:
        if data is None:
            return leaf.const if leaf.kind == "const" else None
        return _get(data, leaf.keys)

    def rows() -> Iterator[list[Cell]]:
        for leaf in facts:
            yield [(None, leaf.title), (leaf, value(leaf)), (None, guide_text(leaf)), (None, leaf.dotted)]

    validations = []
    for row, leaf in enumerate(facts, start=2):
        dv = _validation(leaf)
        if dv is not None:
            validations.append((dv, f"B{row}"))
    _write_sheet(
        ws, ["项目", "值", "说明", "字段"], rows, freeze="B2", validations=validations, fixed_widths={2: 58}
    )


def _column_validations(leaves: Sequence[Leaf], first: int, rows: int) -> list[tuple[DataValidation, str]]:
    out = []
    for offset, leaf in enumerate(leaves):
        dv = _validation(leaf)
        if dv is not None:
            letter = get_column_letter(first + offset)
            out.append((dv, f"{letter}2:{letter}{rows + 1}"))
    return out


def _facts_roster(ws: Worksheet, facts: list[Leaf], records: Sequence[dict[str, Any]]) -> None:
    def rows() -> Iterator[list[Cell]]:
        for data in records:
            yield [(leaf, _get(data, leaf.keys)) for leaf in facts]

    _write_sheet(
        ws,
        [leaf.title for leaf in facts],
        rows,
        freeze="B2",
        validations=_column_validations(facts, 1, len(records) + TEMPLATE_ROWS),
        blank_rows=0 if records else TEMPLATE_ROWS,
        blank_leaves=facts,
    )


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
    count = 0

    def rows() -> Iterator[list[Cell]]:
        nonlocal count
        count = 0
        for data in records:
            facility_key = [str(data.get("facility_id", ""))] if roster else []
            for owner_keys, items in _list_rows(sheet, data):
                if items is None:
                    continue
                key_cells: list[Cell] = [(None, k) for k in facility_key + owner_keys]
                if not items:  # a list known to be empty
                    count += 1
                    yield [*key_cells, (None, EMPTY_MARK)]
                    continue
                for item in items:
                    count += 1
                    yield key_cells + [(leaf, _get(item, leaf.keys)) for leaf in sheet.leaves]

    for _ in rows():  # count the rows, for the reach of the drop-downs
        pass
    _write_sheet(
        ws,
        keys + [leaf.title for leaf in sheet.leaves],
        rows,
        freeze=(get_column_letter(len(keys) + 1) + "2") if keys else "A2",
        validations=_column_validations(sheet.leaves, len(keys) + 1, max(count, 0) + TEMPLATE_ROWS),
        blank_rows=0 if records else TEMPLATE_ROWS,
        blank_leaves=[None] * len(keys) + list(sheet.leaves),
    )


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
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 80
    for number, line in enumerate(lines):
        cell = _text_cell(ws, line)
        if number == 0:
            cell.font = Font(bold=True, size=14)
        ws.append([cell])
    ws.append([])
    heads = [_text_cell(ws, "工作表"), _text_cell(ws, "内容")]
    for cell in heads:
        cell.font = HEADER_FONT
    ws.append(heads)
    ws.append(
        [
            _text_cell(ws, FACTS_SHEET),
            _text_cell(ws, "机构的单项事实（登记、备案、证照、场地、建筑、制度、检查等）"),
        ]
    )
    for sheet in lay.lists:
        owner = (
            f"（按“{sheet.parent.id_leaf.title}”对应工作人员）"
            if sheet.parent and sheet.parent.id_leaf
            else ""
        )
        ws.append([_text_cell(ws, sheet.name), _text_cell(ws, f"每行一项 {'.'.join(sheet.keys)}{owner}")])


def write(records: Sequence[dict[str, Any]], *, roster: bool) -> bytes:
    """A workbook holding the records: one facility (``roster=False``) or many, keyed by 机构编号.

    With no records, a blank form.
    """
    if not roster and len(records) > 1:
        raise WriteError("a single-facility workbook holds one record; use the roster form")
    lay = layout()
    facts = _facts_order(lay)
    wb = Workbook(write_only=True)
    _guide(wb.create_sheet(GUIDE_SHEET), lay, roster)
    facts_ws = wb.create_sheet(FACTS_SHEET)
    if roster:
        _facts_roster(facts_ws, facts, records)
    else:
        _facts_vertical(facts_ws, facts, records[0] if records else None)
    for sheet in lay.lists:
        _list_sheet(wb.create_sheet(sheet.name), sheet, records, roster)
    wb.properties.created = wb.properties.modified = datetime(2019, 10, 8)
    wb.properties.creator = "facility-check"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def template(*, roster: bool) -> bytes:
    return write([], roster=roster)


__all__ = ["SCHEMA_VERSION", "WriteError", "put_text", "template", "text_width", "write"]
