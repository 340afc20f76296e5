"""The words of the workbooks, loaded from data: enumeration labels (labels.yaml) and the header
and value aliases of users' own sheets (aliases.yaml)."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .. import record

TRUE_WORD = "是"
FALSE_WORD = "否"
_TRUE = {"是", "true", "yes", "y", "对", "√", "✓", "有", "1"}
_FALSE = {"否", "false", "no", "n", "不", "×", "✗", "无", "没有", "0"}


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping")
    return data


@cache
def labels() -> dict[str, Any]:
    return _load("labels.yaml")


@cache
def aliases() -> dict[str, Any]:
    return _load("aliases.yaml")


@cache
def enum_labels(enum: type[StrEnum]) -> dict[str, str]:
    """code -> Chinese label, in the enumeration's order."""
    table: dict[str, str] = labels()["enums"][enum.__name__]
    return {member.value: table[member.value] for member in enum}


@cache
def _enum_lookup(name: str) -> dict[str, str]:
    enum = getattr(record, name)
    out: dict[str, str] = {}
    for code, label in enum_labels(enum).items():
        out[code.casefold()] = code
        out[label.casefold()] = code
    for alias, code in (aliases().get("enum_values", {}).get(name) or {}).items():
        out[str(alias).casefold()] = str(code)
    return out


def enum_code(enum: type[StrEnum], text: str) -> str | None:
    """The code a cell's text names: a label, the code itself or an alias; None if none."""
    return _enum_lookup(enum.__name__).get(text.strip().casefold())


@cache
def _bool_words() -> tuple[frozenset[str], frozenset[str]]:
    extra = aliases().get("boolean_values") or {}
    true = _TRUE | {str(w).casefold() for w in extra.get("true") or []}
    false = _FALSE | {str(w).casefold() for w in extra.get("false") or []}
    return frozenset(true), frozenset(false)


def parse_bool(text: str) -> bool | None:
    word = text.strip().casefold()
    true, false = _bool_words()
    if word in true:
        return True
    if word in false:
        return False
    return None


def sheet_aliases(kind: str) -> dict[str, Any]:
    """``{"names": [...], "columns": {header: target}}`` of a kind of users' sheet."""
    table: dict[str, Any] = aliases()["sheets"][kind]
    return table
