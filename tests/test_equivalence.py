"""Results do not change when the fast paths change: a generated province, district and siting output.

The golden files were written by the code without the performance work (issue 13): first by the
code it started from, then — after the fidelity fixes (issue 14) changed verdicts on purpose — by
main just before the performance branch was merged. Every optimisation must reproduce them byte
for byte (verdicts, scores, distances and messages). After an intended change of verdicts, rewrite
them from the code before the change of speed, not from the new code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facility_check import district
from facility_check.cli import app
from tests.helpers import ROOT

GOLDEN = ROOT / "tests" / "golden"
FACILITIES, HAZARDS, SEED = 300, 40_000, 7


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    gen = _generator()
    out = tmp_path_factory.mktemp("province")
    fpath, hpath = out / "facilities.jsonl", out / "hazards.geojsonl"
    with fpath.open("w", encoding="utf-8") as f:
        for record in gen.facilities(FACILITIES, SEED):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    with hpath.open("w", encoding="utf-8") as f:
        for feature in gen.hazards(HAZARDS, SEED):
            f.write(json.dumps(feature, ensure_ascii=False) + "\n")
    return fpath, hpath


def _compare(name: str, text: str, request: pytest.FixtureRequest) -> None:
    golden = GOLDEN / name
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def _facility_view(district_json: str) -> str:
    """The part of the district report a reader checks first: per facility scores and verdicts."""
    data = json.loads(district_json)
    keep = ("facility_id", "setup", "management", "siting", "design", "setup_unmet", "management_unmet")
    rows = [{k: row[k] for k in keep} for row in data["facilities"]]
    return json.dumps({"section": data["section_exact"], "facilities": rows}, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_district_on_a_generated_province_is_unchanged(
    province: tuple[Path, Path],
    workers: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fpath, hpath = province
    if workers == "2":  # force the forked path on this small input: several units, two workers
        monkeypatch.setattr(district, "PARALLEL_FROM_BYTES", 0)
        monkeypatch.setattr(district, "UNIT_BYTES", 400_000)
    out = tmp_path / "district.json"
    args = ["district", str(fpath), "--hazards", str(hpath), "--format", "json", "--lang", "en"]
    result = CliRunner().invoke(app, [*args, "--workers", workers, "--out", str(out)])
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8").replace(str(fpath), "FACILITIES").replace(str(hpath), "HAZARDS")
    data = json.loads(text)
    assert data["evaluated"] == FACILITIES
    assert any(r["siting"] == "noncompliant" for r in data["facilities"])  # the data exercises siting
    # the whole report, byte for byte, by digest (the file itself is large); the readable part in full
    _compare("equivalence-district.sha256", hashlib.sha256(text.encode()).hexdigest() + "\n", request)
    _compare("equivalence-district-facilities.json", _facility_view(text), request)


def test_siting_distances_on_a_generated_province_are_unchanged(
    province: tuple[Path, Path], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    fpath, hpath = province
    out = tmp_path / "siting.json"
    args = ["siting", str(fpath), "--hazards", str(hpath), "--format", "json", "--lang", "en"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    text = out.read_text(encoding="utf-8").replace(str(fpath), "FACILITIES").replace(str(hpath), "HAZARDS")
    _compare("equivalence-siting.sha256", hashlib.sha256(text.encode()).hexdigest() + "\n", request)


def test_check_reports_on_a_generated_province_are_unchanged(
    province: tuple[Path, Path], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    fpath, hpath = province
    out = tmp_path / "check.json"
    args = ["check", str(fpath), "--hazards", str(hpath), "--format", "json", "--lang", "zh"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8").replace(str(fpath), "FACILITIES").replace(str(hpath), "HAZARDS")
    assert '"status": "unmet"' in text
    _compare("equivalence-check.sha256", hashlib.sha256(text.encode()).hexdigest() + "\n", request)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"b": [1, {"a": []}], "a": {}, "中文": "托育 é \x1f \u2028", "n": None, "t": True},
        {"distance_m": [0.1, 1.5, 123.456789, 1e16, -0.0, 2**63 - 1], "nested": [[[]], {}]},
        {3: "int keys", 10: "sorted as numbers"},  # orjson refuses: the standard library writes it
        {"big": 2**70},  # beyond 64 bits: the standard library writes it
    ],
)
def test_json_output_is_the_standard_library_layout(value: object) -> None:
    """Every JSON report is written by the fast writer (orjson) in exactly the bytes the standard
    library's ``indent=2, sort_keys=True, ensure_ascii=False`` gives (floats of 1e-4 and above)."""
    from facility_check.render.base import dump_json

    assert dump_json(value) == json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
