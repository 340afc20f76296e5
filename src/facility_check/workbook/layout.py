"""The shape of a workbook, derived from the record models (never written by hand).

A record becomes one sheet of single facts (机构: every scalar reachable through objects, named by
its chain of Chinese titles, e.g. ``备案·已备案``) and one sheet per list of objects (班级, 工作人员,
房间, 防护栏杆, 窗, 门, 楼梯, and 培训/证书 keyed by 人员编号). Adding a field to the models adds
a row or a column; nothing here names a field.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache, cached_property
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..record import Facility, MultiPolygon, Point, Polygon

FACTS_SHEET = "机构"
GUIDE_SHEET = "说明"
KEY_TITLE = "机构编号"  # the first column of every sheet of a roster workbook
EMPTY_MARK = "（无）"  # a row saying "this list is known to be empty"
SEP = "·"

_GEOMETRY = (Point, Polygon, MultiPolygon)

Kind = Literal["str", "int", "float", "bool", "date", "enum", "enum_list", "str_list", "geometry", "const"]


@dataclass(frozen=True)
class Leaf:
    """One cell's worth of a record: a scalar, a list of scalars, or a geometry as text."""

    keys: tuple[str, ...]  # path within the row object (or the record, for the facts sheet)
    title: str  # header / 项目 label: the chain of Chinese titles
    kind: Kind
    description: str = ""
    required: bool = False
    enum: type[StrEnum] | None = None
    const: str | None = None

    @cached_property
    def dotted(self) -> str:
        return ".".join(self.keys)


@dataclass(frozen=True)
class ListSheet:
    """A list of objects in the record, one row per item."""

    name: str  # the sheet name
    keys: tuple[str, ...]  # path of the list in its owner (the record, or a parent row)
    leaves: tuple[Leaf, ...]
    parent: ListSheet | None = None  # staff for 培训 / 证书: rows are keyed by the parent's id
    sub_sheets: tuple[ListSheet, ...] = field(default=())

    @property
    def id_leaf(self) -> Leaf | None:
        return next((leaf for leaf in self.leaves if leaf.keys == ("id",)), None)


@dataclass(frozen=True)
class Layout:
    facts: tuple[Leaf, ...]
    lists: tuple[ListSheet, ...]  # every list sheet, parents before their sub-sheets

    def facts_by_title(self) -> dict[str, Leaf]:
        return {leaf.title: leaf for leaf in self.facts}


def _strip(annotation: Any) -> tuple[Any, bool]:
    """Remove Optional and Annotated; returns the inner type and whether None was allowed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
                continue
            return tuple(_strip(a)[0] for a in args), optional
        return annotation, optional


def _leaf_kind(annotation: Any) -> tuple[Kind, type[StrEnum] | None, str | None] | None:
    """The kind of a scalar-like annotation; None for an object or a list of objects."""
    if isinstance(annotation, tuple):  # a union of models: only geometries occur
        if all(a in _GEOMETRY for a in annotation):
            return "geometry", None, None
        raise TypeError(f"unsupported union {annotation!r}")
    if annotation in _GEOMETRY:
        return "geometry", None, None
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "const", None, str(typing.get_args(annotation)[0])
    if origin is list:
        inner, _ = _strip(typing.get_args(annotation)[0])
        if isinstance(inner, type) and issubclass(inner, StrEnum):
            return "enum_list", inner, None
        if inner is str:
            return "str_list", None, None
        return None
    if isinstance(annotation, type):
        if issubclass(annotation, StrEnum):
            return "enum", annotation, None
        if issubclass(annotation, BaseModel):
            return None
        if annotation is bool:
            return "bool", None, None
        if annotation is int:
            return "int", None, None
        if annotation is float:
            return "float", None, None
        if annotation is date:
            return "date", None, None
        if annotation is str:
            return "str", None, None
    raise TypeError(f"unsupported field type {annotation!r}")


def _title(info: FieldInfo, name: str) -> str:
    return info.title or name


def _walk(
    model: type[BaseModel], keys: tuple[str, ...], titles: tuple[str, ...]
) -> tuple[list[Leaf], list[tuple[tuple[str, ...], str, type[BaseModel]]]]:
    """Leaves of an object (through nested objects) and the lists of objects found on the way."""
    leaves: list[Leaf] = []
    lists: list[tuple[tuple[str, ...], str, type[BaseModel]]] = []
    for name, info in model.model_fields.items():
        annotation, _ = _strip(info.annotation)
        title = _title(info, name)
        kind = _leaf_kind(annotation)
        if kind is not None:
            leaves.append(
                Leaf(
                    keys=(*keys, name),
                    title=SEP.join((*titles, title)),
                    kind=kind[0],
                    description=info.description or "",
                    required=info.is_required(),
                    enum=kind[1],
                    const=kind[2],
                )
            )
        elif typing.get_origin(annotation) is list:
            inner, _ = _strip(typing.get_args(annotation)[0])
            lists.append(((*keys, name), title, inner))
        else:
            sub_leaves, sub_lists = _walk(annotation, (*keys, name), (*titles, title))
            leaves.extend(sub_leaves)
            lists.extend(sub_lists)
    return leaves, lists


def _list_sheet(
    keys: tuple[str, ...], title: str, model: type[BaseModel], parent: ListSheet | None
) -> ListSheet:
    leaves, nested = _walk(model, (), ())
    sheet = ListSheet(name=title, keys=keys, leaves=tuple(leaves), parent=parent)
    subs = tuple(_list_sheet(k, t, m, sheet) for k, t, m in nested)
    object.__setattr__(sheet, "sub_sheets", subs)
    return sheet


@cache
def layout() -> Layout:
    facts, lists = _walk(Facility, (), ())
    sheets: list[ListSheet] = []
    for keys, title, model in lists:
        sheet = _list_sheet(keys, title, model, None)
        sheets.append(sheet)
        sheets.extend(sheet.sub_sheets)
    names = [s.name for s in sheets] + [FACTS_SHEET, GUIDE_SHEET]
    assert len(set(names)) == len(names), "sheet names must be unique"
    titles = [leaf.title for leaf in facts]
    assert len(set(titles)) == len(titles), "fact titles must be unique"
    return Layout(tuple(facts), tuple(sheets))
