"""Renderers of catalogue entries (``explain``, ``standards``) — from the same entries the checker uses."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import yaml

from ..catalogue import Article, Catalogue
from ..rules import REGISTRY
from .base import dump_json, fact_with_hint

KIND_ZH = {
    "automatic": "自动检查（依据记录中的事实）",
    "attestation": "检查员现场核查并记录佐证",
    "not_checked": "不逐机构检查",
}
BINDS_ZH = {"facility": "托育机构", "government": "政府部门", "none": "无（原则或说明性条款）"}
STATUS_ZH = {
    "confirmed": "已核对：见于两份以上独立转载的官方文本",
    "probable": "仅见于一份二手来源或带条号的转述，待核对官方文本",
    "recalled": "凭记忆，未见任何来源，待核对官方文本",
}
STATUS_EN = {
    "confirmed": "confirmed: seen in two or more independent copies of the official text",
    "probable": "one secondary source or a paraphrase giving the number; awaits the official text",
    "recalled": "from memory, no source found; awaits the official text",
}


def article_dict(a: Article, catalogue: Catalogue, lang: str) -> dict[str, Any]:
    disabled = catalogue.overlay.disabled.get(a.code) if catalogue.overlay else None
    out: dict[str, Any] = {
        "code": a.code,
        "aliases": list(a.aliases),
        "standard": a.document.id,
        "document": a.document.title,
        "chapter": a.chapter,
        "citation": a.citation()(lang),
        "title": a.title if lang == "zh" else a.title_en,
        "requirement": a.requirement if lang == "zh" or not a.requirement_en else a.requirement_en,
        "binds": a.binds,
        "counts": a.counts and a.document.scored,
        "kind": a.kind,
        "text_status": a.text_status,
        "facts": list(a.facts),
        "parameters": {
            name: {
                "value": p.value,
                "unit": p.unit,
                "source": p.source,
                "basis": p.basis,
                "basis_label": p.basis_label(lang),
                "overlay": p.overlay,
            }
            for name, p in sorted(a.parameters.items())
        },
    }
    if a.article is not None:
        out["article"] = a.article
    if a.clause is not None:
        out.update(clause=a.clause, mandatory=a.mandatory, strength=a.strength)
    if a.rationale:
        out["rationale"] = a.rationale
    if a.note:
        out["note"] = a.note
    if a.evidence:
        out["evidence"] = a.evidence
    if a.predicate:
        out["predicate"] = a.predicate
        doc = inspect.getdoc(REGISTRY[a.predicate])
        if doc:
            out["check"] = doc
    if a.examples is not None:
        out["examples"] = dict(a.examples)
    if disabled is not None:
        out["disabled"] = disabled
    if a.origin != "national":
        out["origin"] = a.origin
    return out


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=True, default_flow_style=False).rstrip()


def explain_text(a: Article, catalogue: Catalogue, lang: str) -> str:
    d = article_dict(a, catalogue, lang)
    zh = lang == "zh"
    lines = [f"{a.code} {d['title']}", f"  {'依据' if zh else 'Basis'}: {d['citation']}"]
    if a.aliases:
        lines.append(f"  {'别名' if zh else 'Aliases'}: {', '.join(a.aliases)}")
    lines.append(f"  {'章节' if zh else 'Chapter'}: {a.chapter}")
    lines.append(f"  {'要求' if zh else 'Requirement'}: {d['requirement']}")
    if a.rationale:
        lines.append(f"  {'为什么' if zh else 'Why'}: {a.rationale}")
    lines.append(f"  {'约束对象' if zh else 'Binds'}: {BINDS_ZH[a.binds] if zh else a.binds}")
    counts = d["counts"]
    lines.append(
        f"  {'计入扣分' if zh else 'Counts for the 0.1 deduction'}: {('是' if counts else '否') if zh else ('yes' if counts else 'no')}"
    )
    if a.clause is not None:
        strength = (
            ("强制性条文" if a.mandatory else ("应" if a.strength == "shall" else "宜（建议，不影响得分）"))
            if zh
            else ("mandatory" if a.mandatory else a.strength)
        )
        lines.append(f"  {'条文性质' if zh else 'Strength'}: {strength}")
    lines.append(f"  {'检查方式' if zh else 'Kind'}: {KIND_ZH[a.kind] if zh else a.kind}")
    lines.append(
        f"  {'文本可信度' if zh else 'Text status'}: {a.text_status}（{STATUS_ZH[a.text_status]}）"
        if zh
        else f"  Text status: {STATUS_EN[a.text_status]}"
    )
    if a.evidence:
        lines.append(f"  {'文本核对' if zh else 'Evidence'}: {a.evidence}")
    if "check" in d:
        lines.append(f"  {'判定' if zh else 'Check'}: {d['check'].splitlines()[0]}")
    if a.facts:
        facts = "；".join(fact_with_hint(x, lang) for x in a.facts) if zh else ", ".join(a.facts)
        lines.append(f"  {'所需事实' if zh else 'Facts'}: {facts}")
    if a.parameters:
        lines.append(f"  {'参数' if zh else 'Parameters'}:")
        for name, p in sorted(a.parameters.items()):
            unit = f" {p.unit}" if p.unit else ""
            origin = f" [{'地方规则' if zh else 'overlay'}: {p.overlay}]" if p.overlay else ""
            lines.append(f"    {name} = {p.value!r}{unit} — [{p.basis_label(lang)}] {p.source}{origin}")
    if a.note:
        lines.append(f"  {'说明' if zh else 'Note'}: {a.note}")
    if "disabled" in d:
        lines.append(f"  {'已被地方规则停用' if zh else 'Disabled by overlay'}: {d['disabled']}")
    if a.examples is not None:
        for key, title in (
            ("compliant", "符合的示例" if zh else "Compliant example"),
            ("noncompliant", "不符合的示例" if zh else "Non-compliant example"),
        ):
            snippet = a.examples[key]
            lines.append(
                f"  {title}"
                + (
                    "（在完全符合的示例记录上修改）:"
                    if zh
                    else " (changes to the fully compliant sample record):"
                )
            )
            body = (
                _yaml(snippet) if snippet else ("（示例记录本身）" if zh else "(the sample record as it is)")
            )
            lines.extend("    " + line for line in body.splitlines())
    return "\n".join(lines) + "\n"


class CatalogueReporter(ABC):
    name: ClassVar[str]

    @abstractmethod
    def explain(self, article: Article, catalogue: Catalogue, lang: str) -> str: ...

    @abstractmethod
    def listing(self, articles: Sequence[Article], catalogue: Catalogue, lang: str) -> str: ...


class CatalogueText(CatalogueReporter):
    name = "text"

    def explain(self, article: Article, catalogue: Catalogue, lang: str) -> str:
        return explain_text(article, catalogue, lang)

    def listing(self, articles: Sequence[Article], catalogue: Catalogue, lang: str) -> str:
        lines: list[str] = []
        current = None
        disabled = catalogue.overlay.disabled if catalogue.overlay else {}
        for a in articles:
            if a.document.id != current:
                current = a.document.id
                lines.append(f"《{a.document.title}》" if lang == "zh" else a.document.title_en)
            counts = a.counts and a.document.scored
            flag = ("计分" if counts else "    ") if lang == "zh" else ("counts" if counts else "      ")
            off = (" [停用]" if lang == "zh" else " [disabled]") if a.code in disabled else ""
            lines.append(
                f"  {a.code:<22} {flag} {a.kind:<11} {a.text_status:<9} {a.title if lang == 'zh' else a.title_en}{off}"
            )
        return "\n".join(lines) + "\n"


class CatalogueJson(CatalogueReporter):
    name = "json"

    def explain(self, article: Article, catalogue: Catalogue, lang: str) -> str:
        return dump_json(article_dict(article, catalogue, lang))

    def listing(self, articles: Sequence[Article], catalogue: Catalogue, lang: str) -> str:
        overlay = None
        if catalogue.overlay:
            overlay = {"name": catalogue.overlay.name, "sha256": catalogue.overlay.sha256}
        return dump_json(
            {"overlay": overlay, "articles": [article_dict(a, catalogue, lang) for a in articles]}
        )


CATALOGUE_REPORTERS: dict[str, type[CatalogueReporter]] = {
    cls.name: cls for cls in (CatalogueText, CatalogueJson)
}
