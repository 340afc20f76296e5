"""The article catalogue: ``standards/*.yaml`` loaded, validated and (optionally) overlaid.

Articles are data; predicates are code (``rules.REGISTRY``). A broken catalogue or overlay is a
``CatalogueError`` naming the file, the entry and what is wrong — never a half-loaded catalogue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml

from .problems import Problem, Text
from .resources import data_dir, load_schema, siting_rules

CATALOGUE_FILES = ("setup-standard.yaml", "management-norms.yaml", "design-codes.yaml")
MAX_OVERLAY_BYTES = 1024 * 1024

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
        order = {"setup": 0, "management": 1, "design": 2}
        return (order.get(self.document.id, 9), self.article or 0, self.code)


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


def _safe_load(path: Path, source: str) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(
            [_problem(source, "$", f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}")]
        ) from None
    if len(raw) > MAX_OVERLAY_BYTES * 4:
        raise CatalogueError([_problem(source, "$", "文件过大", "file too large")])
    try:
        return yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise CatalogueError(
            [_problem(source, "$", f"YAML 无法解析{where}：{exc}", f"YAML cannot be parsed{where}: {exc}")]
        ) from None


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
        data = _safe_load(path, source)
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


def _same_kind(old: Any, new: Any) -> bool:
    """An overlay value must have the kind of the default it replaces (numbers are one kind)."""
    if old is None or new is None:
        return True
    numbers = (int, float)
    if isinstance(old, numbers) and not isinstance(old, bool):
        return isinstance(new, numbers) and not isinstance(new, bool)
    return type(old) is type(new)


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
            if not _same_kind(old.value, change["value"]):
                problems.append(
                    _problem(
                        source,
                        f"$.parameters.{code}.{pname}",
                        f"{article.code}.{pname} 应为 {type(old.value).__name__} 类型",
                        f"{article.code}.{pname} must be a {type(old.value).__name__}",
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
        articles[entry["code"]] = _article(entry, doc, origin=name)

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
