"""``--columns mapping.yaml``: the user's own header spellings, added to aliases.yaml.

The file maps a header, as written in the sheet, to what it holds — the same targets as
aliases.yaml (a field such as ``health_checks.last_annual_date``, a workbook title such as
``健康检查·最近年度体检日期``, a derived input such as ``@class``, or ``@ignore``)::

    columns:
      所在班组: "@class"
      年检日期: health_checks.last_annual_date
      紧急联系人: "@ignore"

A target that means nothing is an error when the file is read, never a silently unused column.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..problems import Problem, Text
from .layout import layout

MAX_MAPPING_BYTES = 1024 * 1024
SPECIALS = {
    "@ignore",
    "@certificates",
    "@certificate_number",
    "@class",
    "@health_certificate_until",
    "@birth_date",
    "@admission_date",
    "@leave_date",
    "@facility",
    "@derived",
}

_active: dict[str, str] = {}


class MappingError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message.en for p in problems))
        self.problems = problems


def active() -> dict[str, str]:
    """The user's mapping in force: header (spaces removed) -> target."""
    return _active


def _targets() -> dict[str, str]:
    """Every accepted target spelling -> the canonical target (dotted field or @special)."""
    out = {s: s for s in SPECIALS}
    lay = layout()
    for leaf in lay.facts:
        out[leaf.dotted] = leaf.dotted
        out[leaf.title] = leaf.dotted
    for sheet in lay.lists:
        for leaf in sheet.leaves:
            out.setdefault(leaf.dotted, leaf.dotted)
            out.setdefault(leaf.title, leaf.dotted)
    return out


def _problem(source: str, zh: str, en: str, path: str = "$") -> Problem:
    return Problem(source=source, path=path, code="usage.columns", message=Text(zh, en))


def load(path: str) -> dict[str, str]:
    source = path
    file = Path(path)
    try:
        if file.stat().st_size > MAX_MAPPING_BYTES:
            raise MappingError(
                [_problem(source, "列名映射文件超过 1 MiB", "the mapping file is larger than 1 MiB")]
            )
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(
            [
                _problem(
                    source,
                    f"无法读取列名映射文件：{exc.strerror}",
                    f"cannot read the mapping: {exc.strerror}",
                )
            ]
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(
            [_problem(source, f"列名映射文件不是有效的 YAML：{exc}", f"the mapping is not valid YAML: {exc}")]
        ) from None
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not data:
        raise MappingError(
            [_problem(source, "列名映射应为“表头: 字段”的映射", "the mapping must map headers to fields")]
        )
    targets = _targets()
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for header, target in data.items():
        key = "".join(str(header).split())
        canonical = targets.get("".join(str(target).split())) if target is not None else None
        if canonical is None:
            problems.append(
                _problem(
                    source,
                    f"表头 {header!r} 映射到未知字段 {target!r}（应为记录字段、工作簿表头或 {', '.join(sorted(SPECIALS))}）",
                    f"header {header!r} maps to an unknown field {target!r}",
                    path=f"$.{header}",
                )
            )
        else:
            out[key] = canonical
    if problems:
        raise MappingError(problems)
    return out


def use(path: str | None) -> None:
    """Put a mapping in force for the rest of the run (None: none)."""
    _active.clear()
    if path is not None:
        _active.update(load(path))
