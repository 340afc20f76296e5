"""Checking stored records and form drafts: the core's pipeline, the renderer registries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ... import pipeline
from ...catalogue import Catalogue
from ...engine import Options
from ...loading import iter_bytes
from ...render.facility import FACILITY_REPORTERS, SELFCHECK_REPORTERS, html_report
from ...report import FacilityReport
from ...siting import SitingIndex
from ...validate import ValidatedRecord
from . import forms
from .facilities import StoredRecord, canonical

DRAFT_ID = "DRAFT"


def reports_of(record: StoredRecord, catalogue: Catalogue, index: SitingIndex | None) -> list[FacilityReport]:
    """The stored record, re-validated and evaluated exactly as ``facility-check check`` does."""
    records = pipeline.validate_loaded(iter_bytes(record.text.encode("utf-8"), record.source), None)
    return pipeline.evaluate_records(records, catalogue, Options(as_of=None), index)


def check_json(record: StoredRecord, catalogue: Catalogue, index: SitingIndex | None, lang: str) -> str:
    """Byte for byte what ``facility-check check <record> --hazards <layers> --format json`` prints."""
    return FACILITY_REPORTERS["json"]().render(reports_of(record, catalogue, index), [], lang)


def report_html(record: StoredRecord, catalogue: Catalogue, index: SitingIndex | None, lang: str) -> str:
    """The report renderer's own HTML (the body of ``check --format html``)."""
    return "\n".join(html_report(r, lang) for r in reports_of(record, catalogue, index))


@dataclass
class ProblemView:
    path: str
    message: str
    severity: str
    anchor: str | None


@dataclass
class DraftCheck:
    """The self-check of a form as it stands: validation problems (located by field) and, when
    the record can be evaluated, the provider's to-do list with each fact linked to its field."""

    problems: list[ProblemView] = field(default_factory=list)
    selfcheck: dict[str, Any] | None = None
    placeholder: bool = False  # id or name missing: checked under a placeholder
    anchors: dict[str, str | None] = field(default_factory=dict)


def check_draft(
    data: dict[str, Any], catalogue: Catalogue, index: SitingIndex | None, lang: str
) -> DraftCheck:
    result = DraftCheck()
    candidate = dict(data)
    if not candidate.get("facility_id") or not candidate.get("name"):
        result.placeholder = True
        candidate.setdefault("facility_id", DRAFT_ID)
        candidate.setdefault("name", "草稿" if lang == "zh" else "draft")
    records: list[ValidatedRecord] = pipeline.validate_loaded(
        iter_bytes(canonical(candidate).encode("utf-8"), "form"), None
    )
    for v in records:
        for p in v.problems:
            result.problems.append(
                ProblemView(p.path, p.message(lang), str(p.severity), forms.anchor(p.path))
            )
    reports = pipeline.evaluate_records(records, catalogue, Options(as_of=None), index)
    if reports:
        result.selfcheck = json.loads(SELFCHECK_REPORTERS["json"]().render(reports, [], lang))
        for item in result.selfcheck.get("todo", []):
            for fact in item.get("facts", []):
                result.anchors[fact] = forms.anchor(fact)
    return result
