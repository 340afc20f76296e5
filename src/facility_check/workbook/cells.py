"""Cell values to record values, one field kind at a time, with the problem when they do not fit.

Excel's ways of holding a value are all accepted where the meaning is certain: numbers stored as
text, dates as date cells, as Excel serial numbers or as text in the usual Chinese spellings,
是/否 or TRUE/FALSE. What cannot be read is reported, never guessed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from ..problems import Text
from .layout import EMPTY_MARK, Leaf
from .vocabulary import enum_code, enum_labels, parse_bool

EMPTY_WORDS = {EMPTY_MARK, "(无)", "无"}
_LIST_SPLIT = re.compile(r"[、,，;；\n/]+")
_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_DATE_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug before March 1900)
MAX_SERIAL = 2_958_465  # 9999-12-31
MAX_EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number


_YES_NO = {"是": True, "否": False}


class _Missing:
    pass


MISSING: Any = _Missing()


@dataclass(frozen=True)
class CellProblem:
    message: Text
    error: bool = True


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _parse_number(text: str) -> int | float | None:
    cleaned = text.strip().replace(",", "").replace("，", "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return (
        int(number) if number.is_integer() and "." not in cleaned and "e" not in cleaned.lower() else number
    )


def date_from_text(text: str) -> str | None:
    """2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, 20260301 -> ISO text (not checked to exist)."""
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _serial_date(value: float) -> str | None:
    if not 1 <= value <= MAX_SERIAL:
        return None
    return (_EXCEL_EPOCH + timedelta(days=int(value))).isoformat()


def convert(leaf: Leaf, value: Any) -> tuple[Any, CellProblem | None]:
    """The record value of a cell for a field, or MISSING for an empty cell, and any problem."""
    kind = leaf.kind
    kind_of_value = type(value)
    if kind_of_value is str:  # fast paths for what a well-kept sheet holds
        if kind == "str":
            text = value.strip()
            return (text if text else MISSING), None
        if kind == "bool" and value in _YES_NO:
            return _YES_NO[value], None
        if kind == "enum" and leaf.enum is not None:
            code = enum_code(leaf.enum, value)
            if code is not None:
                return code, None
    elif kind_of_value is float:
        if kind == "int" and value.is_integer():
            return int(value), None
        if kind == "float":
            return (int(value) if value.is_integer() else value), None
    elif kind_of_value is date and kind == "date":
        return value.isoformat(), None
    if is_blank(value):
        return MISSING, None
    if isinstance(value, str):
        value = value.strip()
    if isinstance(value, timedelta | time):
        return MISSING, CellProblem(
            Text("单元格是时间，不是日期或数值", "the cell holds a time of day, not a date or a number")
        )
    if kind == "str":
        if isinstance(value, bool):
            return ("是" if value else "否"), None
        if isinstance(value, datetime | date):
            return (value.date() if isinstance(value, datetime) else value).isoformat(), None
        if isinstance(value, float | int):
            text = _number_text(float(value))
            if len(text.lstrip("-").replace(".", "")) > MAX_EXACT_DIGITS:
                return text, CellProblem(
                    Text(
                        f"数字超过 {MAX_EXACT_DIGITS} 位，Excel 已丢失末尾数字；请把该列设为文本后重新输入",
                        f"a number longer than {MAX_EXACT_DIGITS} digits: Excel has lost its last digits; "
                        "format the column as text and enter it again",
                    )
                )
            return text, None
        return str(value), None
    if kind in ("int", "float"):
        if isinstance(value, bool):
            return value, None  # the validator names the type error
        if isinstance(value, int | float):
            number = float(value)
            return (int(number) if number.is_integer() else number), None
        if isinstance(value, str):
            parsed = _parse_number(value)
            if parsed is not None:
                return (int(parsed) if float(parsed).is_integer() else parsed), None
            return value, None  # the validator reports the wrong type, located here
        return value, None
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value), None
        answer = parse_bool(str(value)) if isinstance(value, str) else None
        if answer is None:
            return MISSING, CellProblem(
                Text(
                    f"应为 是 或 否，实际为 {str(value)!r}",
                    f"expected 是 (yes) or 否 (no), found {str(value)!r}",
                )
            )
        return answer, None
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat(), None
        if isinstance(value, date):
            return value.isoformat(), None
        if isinstance(value, int | float):
            iso = _serial_date(float(value))
            if iso is None:
                return MISSING, CellProblem(
                    Text(
                        f"不是有效日期：数值 {value} 不是 Excel 日期",
                        f"not a valid date: {value} is not an Excel date",
                    )
                )
            return iso, None
        if isinstance(value, str):
            return (date_from_text(value) or value), None  # a malformed date is reported by the validator
        return value, None
    if kind == "enum" and leaf.enum is not None:
        code = enum_code(leaf.enum, str(value)) if not isinstance(value, bool) else None
        if code is None:
            choices = "、".join(enum_labels(leaf.enum).values())
            return MISSING, CellProblem(
                Text(
                    f"取值无效：{str(value)!r} 不在下拉列表中；应为 {choices} 之一",
                    f"invalid value {str(value)!r}: expected one of {', '.join(m.value for m in leaf.enum)} ({choices})",
                )
            )
        return code, None
    if kind == "enum_list" and leaf.enum is not None:
        text = str(value)
        if text in EMPTY_WORDS:
            return [], None
        codes: list[str] = []
        unknown: list[str] = []
        for part in _LIST_SPLIT.split(text):
            if not part.strip():
                continue
            code = enum_code(leaf.enum, part)
            (codes if code is not None else unknown).append(code if code is not None else part.strip())
        if unknown:
            choices = "、".join(enum_labels(leaf.enum).values())
            return MISSING, CellProblem(
                Text(
                    f"取值无效：{'、'.join(map(str, unknown))} 不是可选项；可选 {choices}（多项用顿号分隔）",
                    f"invalid value {', '.join(map(str, unknown))}: choose from {choices} (separate items with 、)",
                )
            )
        return codes, None
    if kind == "str_list":
        text = (
            value
            if isinstance(value, str)
            else _number_text(float(value))
            if isinstance(value, int | float)
            else str(value)
        )
        if text in EMPTY_WORDS:
            return [], None
        return [line.strip() for line in text.split("\n") if line.strip()], None
    if kind == "geometry":
        try:
            geometry = json.loads(str(value))
        except (json.JSONDecodeError, RecursionError):
            return MISSING, CellProblem(
                Text("不是有效的 GeoJSON 几何文本", "not a valid GeoJSON geometry text")
            )
        return geometry, None
    if kind == "const":
        if isinstance(value, float | int) and not isinstance(value, bool):
            return repr(float(value)), None
        return str(value), None
    return value, None
