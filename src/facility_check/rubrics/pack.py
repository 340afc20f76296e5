"""Rubric packs: ``rubrics/*.yaml`` loaded, validated against ``schemas/rubric.schema.json``.

Besides the schema, the loader checks what a schema cannot: each computation names a registered
function with exactly its declared parameters; item ids are unique; deductions and awards fit the
item's points; section and pack totals add up. A broken pack is a ``RubricError`` naming the file,
the JSON path and the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..problems import Problem, Text
from ..resources import data_dir, load_schema
from .functions import REGISTRY, check_params

MAX_PACK_BYTES = 1024 * 1024


class RubricError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message.en for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Compute:
    function: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Part:
    text: str
    compute: Compute | None = None
    manual: str | None = None
    deduct: Decimal | None = None
    zero: bool = False
    award: Decimal | None = None


@dataclass(frozen=True)
class Item:
    id: str
    number: str
    title: str
    text: str
    scoring: str
    section: str
    points: Decimal | None = None
    parts: tuple[Part, ...] = ()
    data: tuple[Compute, ...] = ()
    evidence: str | None = None
    note: str | None = None

    @property
    def computed(self) -> bool:
        return any(p.compute is not None for p in self.parts)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    points: Decimal | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    title_en: str
    kind: str
    source: Mapping[str, str]
    sections: tuple[Section, ...]
    total_points: Decimal | None = None
    note: str | None = None
    path: str = ""
    items: tuple[Item, ...] = field(default=())


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _problem(source: str, path: str, zh: str, en: str) -> Problem:
    return Problem(source, path, "rubric.invalid", Text(zh, en))


def _json_path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def parse(data: Any, source: str) -> Rubric:
    """Build a pack from loaded YAML, or raise ``RubricError`` with every problem found."""
    validator = jsonschema.Draft202012Validator(load_schema("rubric.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise RubricError(
            [
                _problem(
                    source,
                    _json_path(e.absolute_path),
                    f"不符合评分细则格式：{e.message}",
                    f"does not fit the rubric schema: {e.message}",
                )
                for e in errors
            ]
        )
    problems: list[Problem] = []
    sections: list[Section] = []
    seen: set[str] = set()
    scored = data["kind"] == "scored"
    for si, s in enumerate(data["sections"]):
        items: list[Item] = []
        for ii, it in enumerate(s["items"]):
            where = f"$.sections[{si}].items[{ii}]"
            if it["id"] in seen:
                problems.append(
                    _problem(
                        source,
                        f"{where}.id",
                        f"条目编号 {it['id']!r} 重复",
                        f"item id {it['id']!r} appears twice",
                    )
                )
            seen.add(it["id"])
            parts: list[Part] = []
            for pi, p in enumerate(it.get("parts", [])):
                comp = None
                if "compute" in p:
                    comp = Compute(p["compute"]["function"], dict(p["compute"].get("params", {})))
                    for msg in check_params(comp.function, comp.params):
                        problems.append(
                            _problem(source, f"{where}.parts[{pi}].compute", f"计算函数参数错误：{msg}", msg)
                        )
                    reg = REGISTRY.get(comp.function)
                    if reg is not None and reg.direct != (it["scoring"] == "direct"):
                        problems.append(
                            _problem(
                                source,
                                f"{where}.parts[{pi}].compute",
                                f"{comp.function} 与计分方式 {it['scoring']} 不匹配",
                                f"{comp.function} does not fit scoring {it['scoring']}",
                            )
                        )
                parts.append(
                    Part(
                        p["text"],
                        comp,
                        p.get("manual"),
                        _dec(p.get("deduct")),
                        bool(p.get("zero", False)),
                        _dec(p.get("award")),
                    )
                )
            data_computes = []
            for di, c in enumerate(it.get("data", [])):
                comp = Compute(c["function"], dict(c.get("params", {})))
                for msg in check_params(comp.function, comp.params):
                    problems.append(_problem(source, f"{where}.data[{di}]", f"计算函数参数错误：{msg}", msg))
                data_computes.append(comp)
            item = Item(
                it["id"],
                it["number"],
                it["title"],
                it["text"],
                it["scoring"],
                s["id"],
                _dec(it.get("points")),
                tuple(parts),
                tuple(data_computes),
                it.get("evidence"),
                it.get("note"),
            )
            problems.extend(_item_problems(item, where, source, scored))
            items.append(item)
        points = _dec(s.get("points"))
        if points is not None and scored and sum((i.points or Decimal(0)) for i in items) != points:
            problems.append(
                _problem(
                    source,
                    f"$.sections[{si}].points",
                    f"{s['title']} 各项分值之和不等于 {points}",
                    f"items of {s['title']} do not add up to {points}",
                )
            )
        sections.append(Section(s["id"], s["title"], points, tuple(items)))
    total = _dec(data.get("total_points"))
    all_items = tuple(i for s in sections for i in s.items)
    if total is not None and sum((i.points or Decimal(0)) for i in all_items) != total:
        problems.append(
            _problem(
                source,
                "$.total_points",
                f"各项分值之和不等于 {total}",
                f"item points do not add up to {total}",
            )
        )
    if problems:
        raise RubricError(problems)
    return Rubric(
        data["id"],
        data["title"],
        data["title_en"],
        data["kind"],
        dict(data["source"]),
        tuple(sections),
        total,
        data.get("note"),
        source,
        all_items,
    )


def _item_problems(item: Item, where: str, source: str, scored: bool) -> list[Problem]:
    out = []
    points = item.points or Decimal(0)
    if scored and item.scoring == "target":
        out.append(
            _problem(
                source,
                f"{where}.scoring",
                "计分类细则不能有 target 条目",
                "a scored pack cannot have target items",
            )
        )
    if not scored and item.scoring != "target":
        out.append(
            _problem(
                source,
                f"{where}.scoring",
                "目标类方案只能有 target 条目",
                "a targets pack has target items only",
            )
        )
    if item.scoring == "deduct":
        for i, p in enumerate(item.parts):
            if p.deduct is None and not p.zero:
                out.append(
                    _problem(
                        source,
                        f"{where}.parts[{i}]",
                        "扣分制条目的每条规则需 deduct 或 zero",
                        "each rule of a deduct item needs deduct or zero",
                    )
                )
            if p.deduct is not None and p.deduct > points:
                out.append(
                    _problem(
                        source, f"{where}.parts[{i}].deduct", "扣分超过分值", "deduction exceeds the points"
                    )
                )
    if item.scoring == "award":
        awards = [p.award for p in item.parts]
        if any(a is None for a in awards):
            out.append(
                _problem(
                    source, where, "得分制条目的每条规则需 award", "each rule of an award item needs award"
                )
            )
        elif sum(a for a in awards if a is not None) != points:
            out.append(
                _problem(
                    source,
                    f"{where}.points",
                    "各规则得分之和不等于分值",
                    "awards do not add up to the points",
                )
            )
    if item.scoring in ("direct", "all", "target") and any(p.compute is None for p in item.parts):
        out.append(
            _problem(
                source,
                f"{where}.parts",
                f"{item.scoring} 条目的规则都须可计算",
                f"every rule of a {item.scoring} item must be computed",
            )
        )
    if item.scoring == "direct" and len(item.parts) != 1:
        out.append(
            _problem(
                source, f"{where}.parts", "direct 条目只能有一条规则", "a direct item has exactly one rule"
            )
        )
    return out


def load_file(path: Path) -> Rubric:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(
            [_problem(source, "$", f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}")]
        ) from None
    if len(raw) > MAX_PACK_BYTES:
        raise RubricError([_problem(source, "$", "文件过大", "file too large")])
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RubricError(
            [_problem(source, "$", f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}")]
        ) from None
    return parse(data, path.name)


@cache
def packs() -> dict[str, Rubric]:
    """The shipped packs by id, in file-name order."""
    out: dict[str, Rubric] = {}
    for path in sorted(data_dir("rubrics").glob("*.yaml")):
        pack = load_file(path)
        out[pack.id] = pack
    return out
