"""Building workbooks for the tests: a sample written by the tool, then edited as a person would."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from facility_check.workbook.writer import write

ROOT = Path(__file__).resolve().parents[1]
FACILITIES = ROOT / "samples" / "facilities"
VALID_SAMPLES = sorted(FACILITIES.glob("*.json"))


def sample(name: str = "hp-001-compliant") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FACILITIES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def without_nulls(value: Any) -> Any:
    """A null and an absent key are the same fact (unknown); a workbook has one empty cell for both."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def form(record: dict[str, Any] | None = None, *, roster: bool = False) -> Workbook:
    records = [record] if record is not None else []
    return load_workbook(io.BytesIO(write(records, roster=roster)))


def column_of(ws: Worksheet, title: str, header_row: int = 1) -> int:
    for cell in ws[header_row]:
        if cell.value == title:
            return int(cell.column)
    raise KeyError(title)


def fact_row(ws: Worksheet, title: str) -> int:
    for row in ws.iter_rows(min_row=2, max_col=1):
        if row[0].value == title:
            return int(row[0].row)
    raise KeyError(title)


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path
