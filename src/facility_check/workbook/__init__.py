"""Excel workbooks: blank forms, records and rosters written and read, users' own rosters and
ledgers imported; every value located by sheet and cell."""

from __future__ import annotations

from .reader import WORKBOOK_SUFFIXES, is_workbook_name, looks_like_workbook, read_workbook, refused_problem

__all__ = ["WORKBOOK_SUFFIXES", "is_workbook_name", "looks_like_workbook", "read_workbook", "refused_problem"]
