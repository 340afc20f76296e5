"""Checking stored records and form drafts: the core's pipeline, the renderer registries."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ... import pipeline
from ...catalogue import Catalogue
from ...engine import Options
from ...loading import iter_bytes
from ...problems import Severity
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
    partial: bool = False  # fields in error were left out of the self-check
    anchors: dict[str, str | None] = field(default_factory=dict)


def check_draft(
    data: dict[str, Any], catalogue: Catalogue, index: SitingIndex | None, lang: str
) -> DraftCheck:
    """Validate the form as it stands and list every problem; then self-check the record. When
    some fields are in error, the rest is still checked: the fields in error are left out (they
    count as unknown facts) and the panel says so."""
    result = DraftCheck()
    candidate = copy.deepcopy(data)
    if not candidate.get("facility_id") or not candidate.get("name"):
        result.placeholder = True
        candidate.setdefault("facility_id", DRAFT_ID)
        candidate.setdefault("name", "草稿" if lang == "zh" else "draft")
    records = _validate(candidate)
    _collect(result, records, lang)
    for _ in range(PRUNE_ROUNDS):
        errors = [p.path for v in records for p in v.problems if p.severity == Severity.error]
        if not errors or not all(_prune(candidate, path) for path in errors):
            break
        result.partial = True
        records = _validate(candidate)
        _collect(result, records, lang)
    reports = pipeline.evaluate_records(records, catalogue, Options(as_of=None), index)
    if reports:
        result.selfcheck = json.loads(SELFCHECK_REPORTERS["json"]().render(reports, [], lang))
        for item in result.selfcheck.get("todo", []):
            for fact in item.get("facts", []):
                result.anchors[fact] = forms.anchor(fact)
    return result


PRUNE_ROUNDS = 3
_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _collect(result: DraftCheck, records: list[ValidatedRecord], lang: str) -> None:
    seen = {(p.path, p.message) for p in result.problems}
    for v in records:
        for p in v.problems:
            view = ProblemView(p.path, p.message(lang), str(p.severity), forms.anchor(p.path))
            if (view.path, view.message) not in seen:
                seen.add((view.path, view.message))
                result.problems.append(view)


def _validate(candidate: dict[str, Any]) -> list[ValidatedRecord]:
    return pipeline.validate_loaded(iter_bytes(canonical(candidate).encode("utf-8"), "form"), None)


def _exists(record: Any, parts: list[str | int]) -> bool:
    node = record
    for key in parts:
        if isinstance(node, dict) and isinstance(key, str) and key in node:
            node = node[key]
            continue
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
            continue
        return False
    return True


def _prune(record: dict[str, Any], json_path: str) -> bool:
    """Remove what a JSON path (``$.rooms[0].area_m2``) names, or, when that is missing (a fact
    required with others), the nearest part of the record that holds it; False if nothing below
    the record itself can be removed (the whole record, its id, name or format version)."""
    parts: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(json_path)
    ]
    while parts and not _exists(record, parts):
        parts = parts[:-1]
    if not parts or parts in (["facility_id"], ["name"], ["schema_version"]):
        return False
    node: Any = record
    for key in parts[:-1]:
        node = node[key]
    last = parts[-1]
    if isinstance(node, dict) and isinstance(last, str) and last in node:
        del node[last]
        return True
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        node.pop(last)
        return True
    return False
