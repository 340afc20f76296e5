"""The record form, generated from ``schemas/facility.schema.json``.

The schema gives the fields (types, enumerations, lists, dates); ``form_labels.yaml`` gives the
Chinese labels the schema lacks. The browser posts flat names (``rooms[0].area_m2``); they are
turned back into a record dict here and then validated by the core like any upload — the form's
own checks are never trusted. An empty field is a missing fact (unknown), never ``false``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ...resources import load_schema

_CJK = re.compile(r"[\u4e00-\u9fff]")
_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")
_INDEX = re.compile(r"\[\d+\]")
BASIC = "basic"


@dataclass
class Field:
    """One form field, or a group of them (``object``) or an add-row table (``list``)."""

    name: str
    kind: str  # text textarea integer number boolean date enum enum_list string_list json object list const
    label: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    required: bool = False
    options: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    const: str | None = None

    def label_in(self, lang: str) -> str:
        return self.label.get(lang) or self.label["en"]

    def help_in(self, lang: str) -> str:
        """The schema's description in ``lang`` when it says more than the label."""
        text = self.help.get(lang, "")
        return "" if text == self.label_in(lang) else text


@dataclass
class Section:
    key: str
    label: dict[str, str]
    fields: list[Field]

    def label_in(self, lang: str) -> str:
        return self.label.get(lang) or self.label["en"]


@cache
def _labels() -> dict[str, Any]:
    with (Path(__file__).resolve().parents[1] / "form_labels.yaml").open(encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


_CJK_TEXT = "\u3000-\u303f\uff00-\uffef\u4e00-\u9fff"
_BILINGUAL = re.compile(rf"^(.*[{_CJK_TEXT}][^/]*?)\s*/\s+([A-Za-z].*)$")


def _split_description(text: str) -> tuple[str, str]:
    """``"中文 / English"`` → both parts; a description in one language serves that one
    (Chinese when it has Chinese and does not start with a Latin letter)."""
    text = text.strip()
    chinese = bool(_CJK.search(text)) and not re.match(r"[A-Za-z]", text)
    m = _BILINGUAL.match(text)
    if m and chinese:
        return m.group(1).strip(), m.group(2).strip()
    return (text, "") if chinese else ("", text)


def _label(name: str, prop: Mapping[str, Any], target: Mapping[str, Any]) -> dict[str, str]:
    description = str(prop.get("description") or target.get("description") or "")
    title = str(prop.get("title") or name.replace("_", " ").capitalize())
    desc_zh, _ = _split_description(description)
    title_zh = title if _CJK.search(title) else ""
    english = name.replace("_", " ").capitalize()
    return {"zh": title_zh or desc_zh or title, "en": english if title_zh else title}


def _unwrap(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """The non-null alternative of an optional property, with its ``$defs`` name."""
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    if len(options) != 1:
        return {"type": "geometry"}, None
    target = options[0]
    ref = target.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return defs[name], name
    return target, None


def _field(name: str, prop: Mapping[str, Any], required: bool, defs: Mapping[str, Any]) -> Field:
    target, def_name = _unwrap(prop, defs)
    label = _label(name, prop, target)
    desc_zh, desc_en = _split_description(str(prop.get("description") or target.get("description") or ""))
    f = Field(name=name, kind="text", label=label, help={"zh": desc_zh, "en": desc_en}, required=required)
    kind = target.get("type")
    if "const" in target:
        f.kind, f.const = "const", str(target["const"])
    elif kind == "geometry" or def_name in ("Polygon", "MultiPolygon"):
        f.kind = "json"
    elif "enum" in target:
        f.kind = "enum"
        f.options = _options(def_name, target["enum"])
    elif kind == "object":
        f.kind = "object"
        f.children = _fields(target, defs)
    elif kind == "array":
        items, item_def = _unwrap(target["items"], defs)
        if "enum" in items:
            f.kind = "enum_list"
            f.options = _options(item_def, items["enum"])
        elif items.get("type") == "object":
            f.kind = "list"
            f.children = _fields(items, defs)
        else:
            f.kind = "string_list"
    elif kind == "boolean":
        f.kind = "boolean"
    elif kind in ("integer", "number"):
        f.kind = str(kind)
        f.minimum = target.get("minimum")
        f.maximum = target.get("maximum")
    elif target.get("format") == "date":
        f.kind = "date"
    elif int(target.get("maxLength", 0)) > 500:
        f.kind = "textarea"
    return f


def _options(def_name: str | None, values: list[Any]) -> list[tuple[str, dict[str, str]]]:
    names = _labels()["enums"].get(def_name or "", {})
    return [(str(v), {"zh": str(names.get(v, v)), "en": str(v).replace("_", " ")}) for v in values]


def _fields(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    props = schema.get("properties", {})
    ordered = sorted(props, key=lambda n: (n not in required, n != "id", n))
    return [_field(n, props[n], n in required, defs) for n in ordered]


@cache
def sections() -> tuple[Section, ...]:
    """The form: a first section of the record's scalar facts, then one per group or list."""
    schema = load_schema("facility.schema.json")
    fields = _fields(schema, schema.get("$defs", {}))
    labels = _labels()
    basic = [f for f in fields if f.kind not in ("object", "list")]
    groups = {f.name: f for f in fields if f.kind in ("object", "list")}
    out = [Section(BASIC, labels["section_titles"][BASIC], basic)]
    order = [k for k in labels["sections"] if k in groups] + sorted(
        k for k in groups if k not in labels["sections"]
    )
    for key in order:
        f = groups[key]
        out.append(Section(key, f.label, f.children if f.kind == "object" else [f]))
    return tuple(out)


@cache
def _by_path() -> dict[str, Field]:
    """Every field by its generic path (``rooms[].area_m2``), sections by their key."""
    out: dict[str, Field] = {}

    def walk(fields: Iterable[Field], prefix: str) -> None:
        for f in fields:
            path = f"{prefix}{f.name}"
            out[path] = f
            if f.kind == "object":
                walk(f.children, path + ".")
            elif f.kind == "list":
                walk(f.children, path + "[].")

    schema_fields = _fields(load_schema("facility.schema.json"), load_schema("facility.schema.json")["$defs"])
    walk(schema_fields, "")
    return out


def generic(path: str) -> str:
    return _INDEX.sub("[]", path)


def describe(json_path: str, lang: str) -> str:
    """A JSON path in words: the labels of its fields (``场地 › 室内空气/装修材料检测 › 合格``)."""
    parts = _parse_name(json_path.removeprefix("$").removeprefix(".").replace("][", "].["))
    if not parts:
        return json_path
    known = _by_path()
    words: list[str] = []
    done: list[str | int] = []
    for p in parts:
        done.append(p)
        if isinstance(p, int):
            words[-1:] = [f"{words[-1]} {p + 1}" if words else str(p + 1)]
            continue
        f = known.get(_generic_of(done))
        words.append(f.label_in(lang) if f else p)
    return " › ".join(words)


def anchor(json_path: str) -> str | None:
    """The id of the form element that holds a JSON path (``$.rooms[0].area_m2``), or of the
    nearest group that contains it; ``None`` for the record as a whole."""
    path = json_path.removeprefix("$").removeprefix(".")
    known = _by_path()
    while path:
        if generic(path) in known:
            return "f-" + path
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def _parse_name(name: str) -> list[str | int] | None:
    parts: list[str | int] = []
    for chunk in name.split("."):
        m = _TOKEN.fullmatch(chunk)
        if m is None:
            return None
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return parts


def _generic_of(parts: list[str | int]) -> str:
    out = ""
    for p in parts:
        out += "[]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _coerce(f: Field, values: list[str]) -> Any:
    """A posted value in the record's type; a value that does not convert is kept as text, so
    that validation reports it where it is."""
    if f.kind == "enum_list":
        return [v for v in values if v] or None
    value = values[-1].strip() if values else ""
    if f.kind == "textarea":
        value = values[-1] if values else ""
    if value == "":
        return None
    if f.kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    if f.kind == "integer":
        return int(value) if re.fullmatch(r"[+-]?\d+", value) else value
    if f.kind == "number":
        try:
            number = float(value)
        except ValueError:
            return value
        return (
            int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
        )
    if f.kind == "string_list":
        return [ln.strip() for ln in value.splitlines() if ln.strip()] or None
    if f.kind == "json":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def record_from_form(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """Turn posted fields into a record dict; empty fields are left out (unknown facts)."""
    known = _by_path()
    tree: dict[str, Any] = {}
    for name, values in sorted(form.items()):
        parts = _parse_name(name)
        if parts is None:
            continue
        f = known.get(_generic_of(parts))
        if f is None or f.kind in ("object", "list"):
            continue
        value = f.const if f.kind == "const" else _coerce(f, values)
        if value is None:
            continue
        node: Any = tree
        for key in parts[:-1]:
            child = node.get(key) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child
        node[parts[-1]] = value
    for f in known.values():  # the record format version is the form's, whatever was posted
        if f.kind == "const" and f.name in known and known[f.name] is f:
            tree[f.name] = f.const
    record: dict[str, Any] = _compact(tree)
    return record


def _compact(node: Any) -> Any:
    """Integer-keyed dicts (posted rows) become lists in index order; empty rows and groups go."""
    if isinstance(node, dict):
        items = {k: _compact(v) for k, v in node.items()}
        items = {k: v for k, v in items.items() if v not in (None, {}, [])}
        if items and all(isinstance(k, int) for k in items):
            return [items[k] for k in sorted(items)]
        if not items and node and all(isinstance(k, int) for k in node):
            return []
        return items
    return node


__all__ = ["Field", "Section", "anchor", "describe", "record_from_form", "sections"]
