"""Problems found in input: located (file, JSON path), bilingual, never a traceback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class Text(NamedTuple):
    """A user-facing sentence in Chinese and English.

    Immutable; a named tuple rather than a frozen dataclass because a district run builds millions
    of them, and a frozen dataclass costs three times as much to create.
    """

    zh: str
    en: str

    def __call__(self, lang: Lang | str) -> str:
        return self.en if str(lang) == "en" else self.zh

    def to_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input, located as precisely as the input allows."""

    source: str
    path: str  # JSON path, "$" for the whole document
    code: str  # stable machine-readable kind, e.g. "json.syntax", "schema.type"
    message: Text
    severity: Severity = Severity.error
    expected: str | None = None
    found: str | None = None
    line: int | None = None
    column: int | None = None
    # in a workbook: the sheet, the cell ("D7", or "7" for a whole row) and the field's Chinese title
    sheet: str | None = None
    cell: str | None = None
    field_title: str | None = None

    def location(self, lang: Lang | str = "zh") -> str:
        if self.sheet is not None:
            return self.cell_location(lang)
        loc = self.source
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return f"{loc}::{self.path}"

    def cell_location(self, lang: Lang | str = "zh") -> str:
        """``文件 › 工作表 › 单元格（字段中文名）``; in English the JSON path stands for the title."""
        file = self.source.rsplit("#", 1)[0] if self.cell is not None else self.source
        loc = f"{file} › {self.sheet}"
        if self.cell is not None:
            loc += (
                f" › {self.cell}"
                if not self.cell.isdigit()
                else (f" › 第 {self.cell} 行" if str(lang) != "en" else f" › row {self.cell}")
            )
        if str(lang) == "en":
            return loc + (f" ({self.path})" if self.path != "$" else "")
        return loc + (f"（{self.field_title}）" if self.field_title else "")

    def sort_key(self) -> tuple[Any, ...]:
        return (self.source, self.line or 0, self.path, self.code, self.message.en)

    def to_dict(self, lang: Lang | str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "path": self.path,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message(lang),
        }
        for key in ("expected", "found", "line", "column", "sheet", "cell", "field_title"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=Problem.sort_key)


def describe(value: Any, limit: int = 60) -> str:
    """A short rendering of a found value for messages."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
