"""The core sequence shared by the CLI and the web: bytes in, validated records and reports out."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from facility_check import pipeline
from facility_check.cli import app
from facility_check.engine import Options
from facility_check.loading import LoadFailure, RawRecord, iter_bytes
from facility_check.render.facility import FACILITY_REPORTERS

from .helpers import SAMPLES

SAMPLE = SAMPLES / "facilities" / "hp-002-typical-problems.json"
LAYERS = [
    str(SAMPLES / "hazards" / "heping-hazards.geojson"),
    str(SAMPLES / "hazards" / "heping-gcj02.geojson"),
]


def test_upload_bytes_are_named_by_their_file_name() -> None:
    items = list(iter_bytes(SAMPLE.read_bytes(), "园所记录.json"))
    assert [type(i) for i in items] == [RawRecord]
    records = pipeline.validate_loaded(items, None)
    assert records[0].ok and records[0].source == "园所记录.json"


def test_uploaded_json_lines_and_arrays_are_split_into_records() -> None:
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    line = json.dumps(record, ensure_ascii=False)
    jsonl = f"{line}\n\n{line}\n".encode()
    assert [i.source for i in iter_bytes(jsonl, "ledger.jsonl")] == ["ledger.jsonl#1", "ledger.jsonl#3"]
    array = json.dumps([record, record], ensure_ascii=False).encode()
    assert [i.source for i in iter_bytes(array, "all.json")] == ["all.json#1", "all.json#2"]


def test_broken_upload_is_a_located_failure_not_an_exception() -> None:
    (failure,) = list(iter_bytes(b'{"facility_id": 1,,}', "bad.json"))
    assert isinstance(failure, LoadFailure)
    assert failure.problems[0].source == "bad.json"
    assert failure.problems[0].line == 1


def test_bad_overlay_raises_input_error_with_located_problems(tmp_path) -> None:  # type: ignore[no-untyped-def]
    overlay = tmp_path / "local.yaml"
    overlay.write_text("parameters:\n  NOPE-1: {x: 1}\n", encoding="utf-8")
    with pytest.raises(pipeline.InputError) as info:
        pipeline.catalogue(str(overlay))
    assert info.value.problems and all(p.source.endswith("local.yaml") for p in info.value.problems)


def test_rejected_hazard_feature_is_an_input_error_unless_allowed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    layer = tmp_path / "bad.geojson"
    layer.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": "x1",
                        "properties": {"kind": "volcano"},
                        "geometry": {"type": "Point", "coordinates": [123.4, 41.8]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    catalogue = pipeline.catalogue()
    with pytest.raises(pipeline.InputError) as info:
        pipeline.hazard_index([str(layer)], catalogue)
    (problem,) = info.value.problems
    assert (problem.source, problem.path) == (str(layer), "$.features[0]")
    assert "id x1" in problem.message.zh
    loaded = pipeline.hazard_index([str(layer)], catalogue, allow_rejected=True)
    assert loaded is not None and loaded.notices


def test_pipeline_report_is_what_check_prints() -> None:
    as_of = date(2026, 10, 15)
    catalogue = pipeline.catalogue()
    loaded = pipeline.hazard_index(LAYERS, catalogue)
    assert loaded is not None
    records = pipeline.validate_loaded(iter_bytes(SAMPLE.read_bytes(), str(SAMPLE)), as_of)
    reports = pipeline.evaluate_records(records, catalogue, Options(as_of=as_of), loaded.index)
    rendered = FACILITY_REPORTERS["json"]().render(reports, [], "zh")
    args = ["check", str(SAMPLE), "--format", "json", "--as-of", "2026-10-15"]
    for layer in LAYERS:
        args += ["--hazards", layer]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.stdout == rendered
