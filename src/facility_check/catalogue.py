"""The article catalogue: ``standards/*.yaml`` loaded, validated and (optionally) overlaid.

Articles are data; predicates are code (``rules.REGISTRY``). A broken catalogue or overlay is a
``CatalogueError`` naming the file, the entry and what is wrong — never a half-loaded catalogue.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from .problems import Problem, Text
from .resources import BUNDLED_YAML_LOADER, data_dir, load_schema, siting_rules

CATALOGUE_FILES = ("setup-standard.yaml", "management-norms.yaml", "design-codes.yaml")
MAX_OVERLAY_BYTES = 1024 * 1024
MAX_YAML_DEPTH = 32  # as for records (loading.MAX_DEPTH); the catalogue needs 6

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 11 → 十一, 38 → 三十八 (1–199, enough for article numbers)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else chinese_number(rest))
    if 10 <= rest < 20:
        tail = "一" + tail
    return _CN_DIGITS[n // 100] + "百" + tail


class CatalogueError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message.en for p in problems))
        self.problems = problems


BASIS_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "standard": ("本条文", "this article or clause"),
        "regulation": ("其他法规/规章", "another law or regulation"),
        "recommended_standard": ("推荐性标准", "a recommended standard"),
        "local_rule": ("地方规则", "a local rule"),
        "project_default": ("项目约定，非任何文本", "project default, not in any text"),
        "record_field": ("记录字段（非要求）", "record field read (not a requirement)"),
    }
)


@dataclass(frozen=True)
class Parameter:
    value: Any
    source: str
    unit: str | None = None
    overlay: str | None = None  # name of the overlay that set it
    basis: str = "standard"  # one of BASIS_LABELS: where the value comes from

    def basis_label(self, lang: str) -> str:
        zh, en = BASIS_LABELS.get(self.basis, (self.basis, self.basis))
        return zh if lang == "zh" else en


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    code_prefix: str
    title: str
    title_en: str
    issued_by: str
    scored: bool


_DOCUMENT_ORDER = {"setup": 0, "management": 1, "design": 2}


@dataclass(frozen=True)
class Article:
    code: str
    document: DocumentInfo
    chapter: str
    title: str
    title_en: str
    requirement: str
    binds: str
    counts: bool
    kind: str
    text_status: str
    aliases: tuple[str, ...] = ()
    article: int | None = None
    clause: str | None = None
    standard_ref: str | None = None
    requirement_en: str | None = None
    rationale: str | None = None
    note: str | None = None
    predicate: str | None = None
    mandatory: bool = False
    strength: str = "shall"
    facts: tuple[str, ...] = ()
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    examples: Mapping[str, Any] | None = None
    origin: str = "national"  # or the overlay name that added it
    evidence: str | None = None  # what a search of public copies found for this text

    @property
    def checked(self) -> bool:
        return self.kind != "not_checked" and self.binds == "facility"

    def params(self) -> Mapping[str, Any]:
        cached: Mapping[str, Any] | None = self.__dict__.get("_params")
        if cached is None:
            cached = MappingProxyType({name: p.value for name, p in self.parameters.items()})
            object.__setattr__(self, "_params", cached)  # frozen: computed once, never changes
        return cached

    def citation(self) -> Text:
        if self.article is not None:
            return Text(
                f"《{self.document.title}》第{chinese_number(self.article)}条",
                f"{self.document.title_en}, art. {self.article}",
            )
        ref = self.standard_ref or self.document.title
        mark_zh = "（强制性条文）" if self.mandatory else ""
        mark_en = " (mandatory)" if self.mandatory else ""
        return Text(f"{ref} 第 {self.clause} 条{mark_zh}", f"{ref} clause {self.clause}{mark_en}")

    def sort_key(self) -> tuple[Any, ...]:
        cached: tuple[Any, ...] | None = self.__dict__.get("_sort_key")
        if cached is None:
            cached = (_DOCUMENT_ORDER.get(self.document.id, 9), self.article or 0, self.code)
            object.__setattr__(self, "_sort_key", cached)  # frozen: computed once, never changes
        return cached


@dataclass(frozen=True)
class OverlayInfo:
    name: str
    path: str
    sha256: str
    authority: str | None = None
    disabled: Mapping[str, str] = field(default_factory=dict)  # code → reason
    siting: Mapping[str, Parameter] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    documents: Mapping[str, DocumentInfo]
    articles: tuple[Article, ...]
    overlay: OverlayInfo | None = None

    def __post_init__(self) -> None:
        index: dict[str, Article] = {}
        for a in self.articles:
            index[a.code] = a
        for a in self.articles:
            for alias in a.aliases:
                index.setdefault(alias, a)
        object.__setattr__(self, "_index", MappingProxyType(index))

    def get(self, code: str) -> Article | None:
        index: Mapping[str, Article] = getattr(self, "_index")  # noqa: B009 - set in __post_init__
        return index.get(code) or index.get(code.upper())

    def of(self, document: str) -> Iterator[Article]:
        return (a for a in self.articles if a.document.id == document)

    def active(self) -> Iterator[Article]:
        disabled = self.overlay.disabled if self.overlay else {}
        return (a for a in self.articles if a.code not in disabled)


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------


def _problem(source: str, path: str, zh: str, en: str) -> Problem:
    return Problem(source=source, path=path, code="catalogue", message=Text(zh, en))


def _schema_errors(data: Any, schema: dict[str, Any], source: str) -> list[Problem]:
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    out: list[Problem] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: e.json_path):
        entry = _entry_name(data, list(error.absolute_path))
        where = f" ({entry})" if entry else ""
        out.append(
            _problem(
                source,
                error.json_path,
                f"条目不符合格式{where}：{error.message}",
                f"invalid entry{where}: {error.message}",
            )
        )
    return out


def _entry_name(data: Any, path: list[Any]) -> str | None:
    if len(path) >= 2 and path[0] == "articles" and isinstance(path[1], int):
        try:
            return str(data["articles"][path[1]].get("code"))
        except (KeyError, IndexError, AttributeError, TypeError):
            return None
    return None


def _safe_load(path: Path, source: str, *, bundled: bool = False) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(
            [_problem(source, "$", f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}")]
        ) from None
    if len(raw) > MAX_OVERLAY_BYTES * 4:
        raise CatalogueError([_problem(source, "$", "文件过大", "file too large")])
    try:
        text = raw.decode("utf-8-sig")
        loader = BUNDLED_YAML_LOADER if bundled else yaml.SafeLoader
        _scan_yaml(text, source, loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader (libyaml's when present)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise CatalogueError(
            [_problem(source, "$", f"YAML 无法解析{where}：{exc}", f"YAML cannot be parsed{where}: {exc}")]
        ) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
        raise CatalogueError(
            [
                _problem(
                    source,
                    "$",
                    "YAML 中有无法读取的数值（例如超过 4300 位的整数）",
                    f"YAML holds an unreadable number: {exc}",
                )
            ]
        ) from None
    bad = _non_finite(data, "$")
    if bad is not None:
        where, value = bad
        raise CatalogueError(
            [
                _problem(
                    source,
                    where,
                    f"数值 {value} 不是有限数：请填写有限的数值",
                    f"{value} is not a finite number: give a finite number",
                )
            ]
        )
    return data


def _located(source: str, mark: Any, zh: str, en: str) -> CatalogueError:
    return CatalogueError(
        [
            Problem(
                source=source,
                path="$",
                code="catalogue",
                message=Text(zh, en),
                line=mark.line + 1,
                column=mark.column + 1,
            )
        ]
    )


def _scan_yaml(text: str, source: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> None:
    """Refuse aliases and deep nesting from the event stream, before any tree is built.

    A few nested aliases expand to billions of nodes ("billion laughs"), and thousands of nested
    brackets exhaust the recursion of the tree builder; the event parser is iterative and meets
    both at their first event, which also gives their line and column.
    """
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise _located(
                source,
                event.start_mark,
                f"不允许使用 YAML 别名（*{event.anchor}）：请直接写出取值",
                f"YAML aliases (*{event.anchor}) are not allowed: write the value out",
            )
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _located(
                    source,
                    event.start_mark,
                    f"嵌套层数超过上限 {MAX_YAML_DEPTH}",
                    f"nesting is deeper than the limit of {MAX_YAML_DEPTH}",
                )
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _non_finite(value: Any, path: str) -> tuple[str, str] | None:
    """The path of the first NaN or infinity (YAML's .nan, .inf), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path, str(value)
    if isinstance(value, dict):
        for key, child in value.items():
            found = _non_finite(child, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _non_finite(child, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _article(entry: Mapping[str, Any], doc: DocumentInfo, origin: str = "national") -> Article:
    default_basis = "standard" if origin == "national" else "local_rule"
    params = {
        name: Parameter(
            value=p["value"],
            source=str(p["source"]),
            unit=p.get("unit"),
            basis=str(p.get("basis", default_basis)),
        )
        for name, p in (entry.get("parameters") or {}).items()
    }
    return Article(
        code=str(entry["code"]),
        document=doc,
        chapter=str(entry["chapter"]),
        title=str(entry["title"]),
        title_en=str(entry["title_en"]),
        requirement=str(entry["requirement"]),
        binds=str(entry["binds"]),
        counts=bool(entry["counts"]),
        kind=str(entry["kind"]),
        text_status=str(entry["text_status"]),
        aliases=tuple(entry.get("aliases") or ()),
        article=entry.get("article"),
        clause=entry.get("clause"),
        standard_ref=entry.get("standard_ref"),
        requirement_en=entry.get("requirement_en"),
        rationale=entry.get("rationale"),
        note=entry.get("note"),
        predicate=entry.get("predicate"),
        mandatory=bool(entry.get("mandatory", False)),
        strength=str(entry.get("strength", "shall")),
        facts=tuple(entry.get("facts") or ()),
        parameters=MappingProxyType(params),
        examples=entry.get("examples"),
        origin=origin,
        evidence=entry.get("evidence"),
    )


def _check_integrity(articles: list[Article], source: str) -> list[Problem]:
    from .rules import REGISTRY

    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for a in articles:
        for name in (a.code, *a.aliases):
            if name in seen:
                problems.append(
                    _problem(
                        source,
                        a.code,
                        f"代码 {name} 重复（已用于 {seen[name]}）",
                        f"code {name} is used twice (already by {seen[name]})",
                    )
                )
            seen[name] = a.code
        if a.predicate is not None and a.predicate not in REGISTRY:
            problems.append(
                _problem(
                    source,
                    a.code,
                    f"{a.code} 引用了未注册的判定函数 {a.predicate!r}",
                    f"{a.code} names unregistered predicate {a.predicate!r}",
                )
            )
        for name, p in a.parameters.items():
            if name == "design_rules":
                for code in p.value:
                    if code not in {x.code for x in articles}:
                        problems.append(
                            _problem(
                                source,
                                a.code,
                                f"{a.code} 引用了不存在的条目 {code}",
                                f"{a.code} points to unknown entry {code}",
                            )
                        )
    return problems


@cache
def load_base() -> Catalogue:
    """The national catalogue shipped with the package (validated)."""
    schema = load_schema("catalogue.schema.json")
    documents: dict[str, DocumentInfo] = {}
    articles: list[Article] = []
    problems: list[Problem] = []
    for filename in CATALOGUE_FILES:
        path = data_dir("standards") / filename
        source = f"standards/{filename}"
        data = _safe_load(path, source, bundled=True)
        errors = _schema_errors(data, schema, source)
        if errors:
            problems.extend(errors)
            continue
        d = data["document"]
        doc = DocumentInfo(
            d["id"], d["code_prefix"], d["title"], d["title_en"], d["issued_by"], bool(d["scored"])
        )
        documents[doc.id] = doc
        for entry in data["articles"]:
            if not str(entry["code"]).startswith(doc.code_prefix + "-"):
                problems.append(
                    _problem(
                        source,
                        entry["code"],
                        f"{entry['code']} 不以 {doc.code_prefix}- 开头",
                        f"{entry['code']} does not start with {doc.code_prefix}-",
                    )
                )
            articles.append(_article(entry, doc))
    problems.extend(_check_integrity(articles, "standards/"))
    if problems:
        raise CatalogueError(problems)
    return Catalogue(MappingProxyType(documents), tuple(sorted(articles, key=Article.sort_key)))


def load(overlay_path: str | None = None) -> Catalogue:
    base = load_base()
    if overlay_path is None:
        return base
    return apply_overlay(base, Path(overlay_path))


# Upper bounds of overlay numbers by unit: beyond them a value is a typo, and date arithmetic or
# geometry would overflow. A unit not listed here is bounded by MAX_OVERLAY_NUMBER.
MAX_BY_UNIT: Mapping[str, float] = MappingProxyType(
    {"day": 36_500, "year": 100, "month": 1_200, "minute": 1_440, "hour": 24, "m": 100_000}
)
MAX_OVERLAY_NUMBER = 1_000_000
COUNT_UNITS = frozenset({"child", "class", "floor", "day", "year", "month", "minute", "children per carer"})
MAX_SITING_M = 100_000


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    from .problems import describe

    return describe(value)


def _number_problem(new: Any, unit: str | None, positive: bool, name: str) -> tuple[str, str] | None:
    if not _is_number(new):
        return f"应为数值，实际为 {_describe(new)}", f"must be a number, found {_describe(new)}"
    if not math.isfinite(new):
        return "应为有限的数值", "must be a finite number"
    if unit in COUNT_UNITS and new != int(new):
        return f"应为整数（单位：{unit}），实际为 {new}", f"must be a whole number ({unit}), found {new}"
    if positive and new <= 0:
        return f"应大于 0，实际为 {new}", f"must be greater than 0, found {new}"
    if new < 0:
        return f"不能为负数，实际为 {new}", f"must not be negative, found {new}"
    high = 1.0 if name.endswith("_share") else MAX_BY_UNIT.get(unit or "", MAX_OVERLAY_NUMBER)
    if new > high:
        return f"应不大于 {high:g}，实际为 {new}", f"must be at most {high:g}, found {new}"
    return None


def _value_problem(name: str, old: Any, new: Any, unit: str | None) -> tuple[str, str] | None:
    """Why an overlay value cannot replace the default ``old``, or None when it can.

    The default fixes the type and shape: a number stays a finite number of the same sign (a whole
    number for counts and days), a mapping keeps exactly its keys, a list of names may only drop
    names, never invent them (a predicate looks each name up), a text stays a text. A parameter
    without a default (``mixed_ratio``) takes a positive number.
    """
    if old is None:
        return _number_problem(new, unit, True, name)
    if isinstance(old, bool):
        ok = isinstance(new, bool)
        return (
            None
            if ok
            else (
                f"应为 true 或 false，实际为 {_describe(new)}",
                f"must be true or false, found {_describe(new)}",
            )
        )
    if _is_number(old):
        return _number_problem(new, unit, old > 0 or unit == "children per carer", name)
    if isinstance(old, str):
        ok = isinstance(new, str) and bool(new)
        return (
            None
            if ok
            else (
                f"应为非空文本，实际为 {_describe(new)}",
                f"must be a non-empty text, found {_describe(new)}",
            )
        )
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return f"应为映射，实际为 {_describe(new)}", f"must be a mapping, found {_describe(new)}"
        if set(new) != set(old):
            keys = ", ".join(str(k) for k in old)
            return f"应恰好包含键 {keys}", f"must have exactly the keys {keys}"
        for key, value in old.items():
            problem = _value_problem(name, value, new[key], unit)
            if problem is not None:
                return f"{key}: {problem[0]}", f"{key}: {problem[1]}"
        return None
    if isinstance(old, list):
        if not isinstance(new, list):
            return f"应为列表，实际为 {_describe(new)}", f"must be a list, found {_describe(new)}"
        if name == "design_rules":  # codes: the integrity check resolves them
            ok = all(isinstance(x, str) for x in new)
            return None if ok else ("应为条目代码的列表", "must be a list of article codes")
        if old and all(isinstance(x, list) for x in old):  # e.g. [min, max] ranges
            if len(new) != len(old):
                return f"应有 {len(old)} 项", f"must have {len(old)} items"
            for item_old, item_new in zip(old, new, strict=True):
                problem = _value_problem(name, item_old, item_new, unit)
                if problem is not None:
                    return problem
            return None
        if all(isinstance(x, str) for x in old):
            unknown = [x for x in new if not isinstance(x, str) or x not in old]
            if unknown:
                allowed = ", ".join(old)
                return (
                    f"只能取 {allowed} 中的项，{_describe(unknown[0])} 不在其中",
                    f"may only hold items of {allowed}; {_describe(unknown[0])} is not one",
                )
            return None
        if all(_is_number(x) for x in old):  # e.g. an age range [min, max]: same length
            if len(new) != len(old):
                return f"应有 {len(old)} 项", f"must have {len(old)} items"
            for item in new:
                problem = _number_problem(item, unit, False, name)
                if problem is not None:
                    return problem
            return None
    return (
        None
        if type(old) is type(new)
        else (
            f"类型应与默认值相同（{type(old).__name__}）",
            f"must have the type of the default ({type(old).__name__})",
        )
    )


def _kind_problem(old: Any, new: Any, unit: str | None, name: str) -> tuple[str, str] | None:
    """Looser than ``_value_problem``, for a local article's own values: the kind of the national
    default (and of its items) and the range of numbers, but any keys and any names."""
    if old is None or _is_number(old):
        return _number_problem(new, unit, old is None or old > 0, name)
    if isinstance(old, bool | str):
        return _value_problem(name, old, new, unit)
    if isinstance(old, dict | list):
        if type(new) is not type(old):
            kind_zh, kind_en = ("映射", "mapping") if isinstance(old, dict) else ("列表", "list")
            return f"应为{kind_zh}，实际为 {_describe(new)}", f"must be a {kind_en}, found {_describe(new)}"
        olds = list(old.values()) if isinstance(old, dict) else old
        news = list(new.values()) if isinstance(new, dict) else new
        for item in news if olds else ():
            problem = _kind_problem(olds[0], item, unit, name)
            if problem is not None:
                return problem
    return None


def _local_parameter_problems(local: Article, base: Catalogue, source: str, path: str) -> list[Problem]:
    """A local article's parameters against those of the national article using the same predicate:
    the same names (a predicate reads them), values of the same kind, finite numbers in range."""
    template = next((a for a in base.articles if a.predicate == local.predicate and a.parameters), None)
    if template is None:
        return []
    out: list[Problem] = []
    for pname in sorted(set(local.parameters) - set(template.parameters)):
        known = ", ".join(sorted(template.parameters))
        out.append(
            _problem(
                source,
                f"{path}.{pname}",
                f"判定函数 {local.predicate} 没有参数 {pname!r}（可用：{known}）",
                f"predicate {local.predicate} has no parameter {pname!r} (known: {known})",
            )
        )
    for pname, default in sorted(template.parameters.items()):
        given = local.parameters.get(pname)
        if given is None:
            if default.value is not None:
                out.append(
                    _problem(
                        source,
                        f"{path}.{pname}",
                        f"缺少判定函数 {local.predicate} 所需的参数 {pname!r}",
                        f"parameter {pname!r}, which predicate {local.predicate} reads, is missing",
                    )
                )
            continue
        wrong = _kind_problem(default.value, given.value, default.unit, pname)
        if wrong is not None:
            out.append(
                _problem(
                    source,
                    f"{path}.{pname}.value",
                    f"{local.code}.{pname} 的取值无效：{wrong[0]}",
                    f"{local.code}.{pname}: invalid value: {wrong[1]}",
                )
            )
    return out


def apply_overlay(base: Catalogue, path: Path) -> Catalogue:
    source = str(path)
    if not path.is_file():
        raise CatalogueError([_problem(source, "$", "覆盖规则文件不存在", "overlay file does not exist")])
    raw = path.read_bytes()
    if len(raw) > MAX_OVERLAY_BYTES:
        raise CatalogueError(
            [_problem(source, "$", "覆盖规则文件超过 1 MiB", "overlay file is larger than 1 MiB")]
        )
    data = _safe_load(path, source)
    if not isinstance(data, dict):
        raise CatalogueError(
            [_problem(source, "$", "覆盖规则应为 YAML 映射", "an overlay must be a YAML mapping")]
        )
    errors = _schema_errors(data, load_schema("overlay.schema.json"), source)
    if errors:
        raise CatalogueError(errors)
    name = str(data["name"])
    problems: list[Problem] = []
    articles = {a.code: a for a in base.articles}

    def resolve(code: str, path: str) -> Article | None:
        found = base.get(code)
        if found is None:
            problems.append(_problem(source, path, f"未知的条目代码 {code}", f"unknown article code {code}"))
        return found

    for code, changes in (data.get("parameters") or {}).items():
        article = resolve(code, f"$.parameters.{code}")
        if article is None:
            continue
        params = dict(articles[article.code].parameters)
        for pname, change in changes.items():
            if pname not in params:
                known = ", ".join(sorted(params)) or "无/none"
                problems.append(
                    _problem(
                        source,
                        f"$.parameters.{code}.{pname}",
                        f"{article.code} 没有参数 {pname!r}（可用：{known}）",
                        f"{article.code} has no parameter {pname!r} (known: {known})",
                    )
                )
                continue
            old = params[pname]
            wrong = _value_problem(pname, old.value, change["value"], old.unit)
            if wrong is not None:
                problems.append(
                    _problem(
                        source,
                        f"$.parameters.{code}.{pname}.value",
                        f"{article.code}.{pname} 的取值无效：{wrong[0]}",
                        f"{article.code}.{pname}: invalid value: {wrong[1]}",
                    )
                )
                continue
            params[pname] = Parameter(
                change["value"], str(change["source"]), old.unit, overlay=name, basis="local_rule"
            )
        articles[article.code] = replace(articles[article.code], parameters=MappingProxyType(params))

    disabled: dict[str, str] = {}
    for index, item in enumerate(data.get("disable") or []):
        article = resolve(item["code"], f"$.disable[{index}].code")
        if article is not None:
            disabled[article.code] = str(item["reason"])

    for code, status in (data.get("text_status") or {}).items():
        article = resolve(code, f"$.text_status.{code}")
        if article is not None:
            articles[article.code] = replace(articles[article.code], text_status=status)

    schema = load_schema("catalogue.schema.json")
    article_schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/article"}
    for index, entry in enumerate(data.get("articles") or []):
        entry = dict(entry)
        doc_id = entry.pop("document")
        doc = base.documents.get(doc_id)
        if doc is None:
            problems.append(
                _problem(
                    source,
                    f"$.articles[{index}].document",
                    f"未知的文件 {doc_id!r}",
                    f"unknown document {doc_id!r}",
                )
            )
            continue
        for p in _schema_errors(entry, article_schema, source):
            problems.append(replace(p, path=f"$.articles[{index}]" + p.path[1:]))
        if problems:
            continue
        if entry["code"] in articles or base.get(entry["code"]) is not None:
            problems.append(
                _problem(
                    source,
                    f"$.articles[{index}].code",
                    f"代码 {entry['code']} 已存在",
                    f"code {entry['code']} already exists",
                )
            )
            continue
        local = _article(entry, doc, origin=name)
        unfit = _local_parameter_problems(local, base, source, f"$.articles[{index}].parameters")
        if unfit:
            problems.extend(unfit)
            continue
        articles[entry["code"]] = local

    known_kinds = set(siting_rules()["kinds"])
    for kind in sorted(set(data.get("siting") or {}) - known_kinds):
        problems.append(
            _problem(
                source,
                f"$.siting.{kind}",
                f"未知的危险源类型 {kind!r}（可用：{', '.join(sorted(known_kinds))}）",
                f"unknown hazard kind {kind!r} (known: {', '.join(sorted(known_kinds))})",
            )
        )
    for kind, change in sorted((data.get("siting") or {}).items()):
        if _is_number(change["value"]) and change["value"] > MAX_SITING_M:
            problems.append(
                _problem(
                    source,
                    f"$.siting.{kind}.value",
                    f"选址距离应不大于 {MAX_SITING_M} m，实际为 {change['value']}",
                    f"a siting distance must be at most {MAX_SITING_M} m, found {change['value']}",
                )
            )
    siting = {
        kind: Parameter(change["value"], str(change["source"]), "m", overlay=name, basis="local_rule")
        for kind, change in (data.get("siting") or {}).items()
    }
    problems.extend(_check_integrity(list(articles.values()), source))
    if problems:
        raise CatalogueError(problems)
    info = OverlayInfo(
        name=name,
        path=source,
        sha256=hashlib.sha256(raw).hexdigest(),
        authority=data.get("authority"),
        disabled=MappingProxyType(disabled),
        siting=MappingProxyType(siting),
    )
    return Catalogue(base.documents, tuple(sorted(articles.values(), key=Article.sort_key)), info)
