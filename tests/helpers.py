"""Helpers shared by the tests: the base record, merge patches, evaluation of one record."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from facility_check.catalogue import Catalogue, load
from facility_check.engine import Options, evaluate
from facility_check.loading import RawRecord
from facility_check.report import ArticleResult, FacilityReport
from facility_check.siting import SitingIndex, load_layers
from facility_check.validate import validate_raw

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
BASE_SAMPLE = SAMPLES / "facilities" / "hp-001-compliant.json"
BASE_AS_OF = date(2026, 10, 15)


def base_record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BASE_SAMPLE.read_text(encoding="utf-8"))
    return data


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def set_path(data: Any, path: str, value: Any) -> None:
    """Assign ``value`` at a JSON path like ``$.staff[2].health_checks.last_annual_date`` (None deletes)."""
    assert path.startswith("$"), path
    tokens: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _TOKEN.finditer(path)
    ]
    node = data
    for token in tokens[:-1]:
        node = node[token]
    last = tokens[-1]
    if value is None and isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and last == len(node):
        node.append(copy.deepcopy(value))  # index == length appends
    else:
        node[last] = copy.deepcopy(value)


def apply_case(record: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    """A case's changes: ``take`` sections of other samples, a merge ``patch``, then ``set`` paths."""
    out = copy.deepcopy(record)
    for key, sample in (case.get("take") or {}).items():
        other = json.loads((ROOT / sample).read_text(encoding="utf-8"))
        out[key] = other[key]
    out = merge_patch(out, case.get("patch") or {})
    for path, value in (case.get("set") or {}).items():
        set_path(out, path, value)
    return out


def run_record(
    data: dict[str, Any],
    *,
    as_of: date | None = None,
    hazards: list[str] | None = None,
    catalogue: Catalogue | None = None,
    assume_unknown_met: bool = False,
) -> FacilityReport:
    today = date(2026, 11, 24)  # as the CLI: an earlier --as-of does not make later dates "future"
    validated = validate_raw(RawRecord("case", data), max(today, as_of) if as_of else today)
    errors = [p for p in validated.problems if p.severity == "error"]
    assert validated.facility is not None and not errors, [
        f"{p.path}: {p.message.en}" for p in validated.problems
    ]
    cat = catalogue or load()
    siting = SitingIndex(load_layers(hazards), cat).evaluate(validated.facility) if hazards else None
    return evaluate(
        validated.facility,
        cat,
        Options(as_of=as_of, assume_unknown_met=assume_unknown_met),
        source="case",
        siting=siting,
    )


def find(report: FacilityReport, code: str) -> ArticleResult:
    for result in (*report.articles, *report.design.findings):
        if result.code == code:
            return result
    raise AssertionError(f"{code} not in the report")
