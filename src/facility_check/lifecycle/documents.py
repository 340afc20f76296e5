"""Reading an earlier document (a `check --format json` report or a rectification notice)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema

from ..loading import _Reject, decode, parse_json
from ..pipeline import InputError
from ..problems import Problem, Text
from ..resources import load_schema

MAX_EARLIER_BYTES = 64 * 1024 * 1024


def problem(source: str, path: str, code: str, zh: str, en: str, **kw: Any) -> Problem:
    return Problem(source=source, path=path, code=code, message=Text(zh, en), **kw)


def read_json_file(name: str) -> Any:
    """Read one JSON document strictly (same rules as records: no duplicate keys, no NaN)."""
    path = Path(name)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_EARLIER_BYTES + 1)
    except OSError as exc:
        raise InputError(
            [
                problem(
                    name,
                    "$",
                    "file.unreadable",
                    f"无法读取文件：{exc.strerror}",
                    f"cannot read: {exc.strerror}",
                )
            ]
        ) from None
    return read_json_bytes(data, name)


def read_json_bytes(data: bytes, source: str) -> Any:
    if len(data) > MAX_EARLIER_BYTES:
        raise InputError(
            [
                problem(
                    source,
                    "$",
                    "limit.size",
                    f"文件超过 {MAX_EARLIER_BYTES // (1024 * 1024)} MiB 上限",
                    f"file is larger than {MAX_EARLIER_BYTES // (1024 * 1024)} MiB",
                )
            ]
        )
    try:
        text, _warnings = decode(data, source)
        return parse_json(text, source)
    except _Reject as exc:
        raise InputError([exc.problem]) from None


def _json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def validate_against(value: Any, schema_file: str, source: str, what: Text) -> None:
    """Validate against a published schema; every error located by JSON path."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_file))
    errors = sorted(validator.iter_errors(value), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        raise InputError(
            [
                problem(
                    source,
                    _json_path(e.absolute_path),
                    "schema." + str(e.validator),
                    f"不是有效的{what.zh}：{e.message}（见 schemas/{schema_file}）",
                    f"not a valid {what.en}: {e.message} (see schemas/{schema_file})",
                )
                for e in errors[:20]
            ]
        )
