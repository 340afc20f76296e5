"""The district's row path (``district.evaluate_row``) keeps exactly what the full report gives.

A district run reduces each facility to a row in the pass that runs the plan, without building the
full report; these tests hold that row equal to ``row_from_report(evaluate(...))`` over the bundled
samples, every per-article case (each status of each article), generated district records, with
and without hazard layers, a reference date and an overlay.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
import yaml

from facility_check.catalogue import Catalogue, load
from facility_check.district import FacilityRow, _index_free, evaluate_row
from facility_check.engine import Options, evaluate
from facility_check.loading import RawRecord
from facility_check.report import FacilityReport
from facility_check.rules.base import Status
from facility_check.siting import SitingIndex, load_layers
from facility_check.validate import validate_raw
from tests.helpers import BASE_AS_OF, ROOT, SAMPLES, apply_case, base_record

HAZARDS = [str(SAMPLES / "hazards/heping-hazards.geojson")]
OVERLAY = str(SAMPLES / "overlays/shenyang-local.yaml")
TODAY = date(2026, 11, 24)


def row_from_report(r: FacilityReport) -> FacilityRow:
    """The oracle: the district row read off the full report, as the district built it before
    ``evaluate_row`` took it in one pass."""
    # unmet and unknown codes per scored standard, in catalogue order (one pass)
    codes: dict[tuple[str, Status], list[str]] = {
        (std, status): [] for std in ("setup", "management") for status in (Status.unmet, Status.unknown)
    }
    for x in r.ordered_articles():
        if x.counts:
            found = codes.get((x.article.document.id, x.status))
            if found is not None:
                found.append(x.code)
    missing = sorted(
        {
            _index_free(path)
            for x in (*r.articles, *r.design.findings)
            if x.status == Status.unknown and (x.counts or x.article.strength == "shall")
            for c in x.checks
            if c.status == Status.unknown
            for path in c.paths
        }
    )
    siting = r.siting
    return FacilityRow(
        facility_id=r.facility_id,
        name=r.name,
        source=r.source,
        setup=r.scores["setup"].score,
        management=r.scores["management"].score,
        setup_unmet=tuple(codes["setup", Status.unmet]),
        setup_unknown=tuple(codes["setup", Status.unknown]),
        management_unmet=tuple(codes["management", Status.unmet]),
        management_unknown=tuple(codes["management", Status.unknown]),
        siting=siting.verdict if siting else None,
        siting_failures=tuple(f.message for f in siting.findings if not f.passed) if siting else (),
        siting_reason=siting.reason if siting and siting.verdict == "unknown" else None,
        design=r.design.verdict,
        design_failures=tuple((x.code, x.summary()) for x in r.design.failed),
        design_missing=r.design.missing_facts,
        missing_facts=tuple(missing),
    )


def _records() -> list[tuple[str, dict[str, Any]]]:
    out = [
        (p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(SAMPLES.glob("facilities/*.json"))
    ]
    for path in sorted((ROOT / "tests/rules/cases").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.extend((f"{path.stem}-{case['name']}", apply_case(base_record(), case)) for case in data["cases"])
    return out


def _generated(n: int) -> list[tuple[str, dict[str, Any]]]:
    """District records as the benchmark makes them (``benchmarks/generate.py``), a few facts removed."""
    bases = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("facilities/*.json"))]
    out = []
    for i in range(n):
        record = copy.deepcopy(bases[i % len(bases)])
        record["facility_id"] = f"GEN-{i:04d}"
        drop = ("systems", "operations", "attestations", "documents", "staff", "rooms", "classes")[i % 7]
        if i % 3 == 0:
            record.pop(drop, None)
        out.append((record["facility_id"], record))
    return out


def _assert_same_rows(
    records: list[tuple[str, dict[str, Any]]], catalogue: Catalogue, options: Options, hazards: bool
) -> None:
    index = SitingIndex(load_layers(HAZARDS), catalogue) if hazards else None
    rows = []
    for name, data in records:
        validated = validate_raw(RawRecord(name, data), TODAY)
        if validated.facility is None or not validated.ok:
            continue
        siting = index.evaluate(validated.facility) if index is not None else None
        full = row_from_report(evaluate(validated.facility, catalogue, options, source=name, siting=siting))
        row = evaluate_row(validated.facility, catalogue, options, source=name, siting=siting)
        assert row == full, name
        rows.append(row)
    assert len(rows) > len(records) // 2
    # the records exercise every part of a row
    for part in ("setup_unmet", "setup_unknown", "management_unmet", "management_unknown"):
        assert any(getattr(r, part) for r in rows), part
    for part in ("design_failures", "design_missing", "missing_facts"):
        assert any(getattr(r, part) for r in rows), part
    if hazards:
        assert {r.siting for r in rows} >= {"compliant", "noncompliant"}


@pytest.mark.parametrize("as_of", [None, BASE_AS_OF], ids=["record-date", "as-of"])
def test_rows_of_samples_and_article_cases(as_of: date | None) -> None:
    _assert_same_rows(_records(), load(), Options(as_of=as_of), hazards=False)


def test_rows_with_hazard_layers_and_an_overlay() -> None:
    records = _records()
    _assert_same_rows(records, load(OVERLAY), Options(), hazards=True)
    _assert_same_rows(records, load(), Options(assume_unknown_met=True), hazards=True)


def test_rows_of_generated_district_records() -> None:
    _assert_same_rows(_generated(70), load(), Options(), hazards=True)
