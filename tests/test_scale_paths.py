"""The paths that large inputs take: GeoJSON Lines layers, JSON Lines split into units, parallel workers."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import pytest

from facility_check import district, loading
from facility_check.catalogue import load
from facility_check.engine import Options
from facility_check.loading import iter_unit, plan_units
from facility_check.siting import SitingIndex, load_layers
from tests.helpers import ROOT, base_record

HAZARDS = ROOT / "samples/hazards/heping-hazards.geojson"


def _jsonl(tmp_path: Path, n: int, broken_at: set[int]) -> Path:
    lines = []
    for i in range(n):
        if i in broken_at:
            lines.append("{not json")
            continue
        record = base_record()
        record["facility_id"] = f"F-{i:04d}"
        lines.append(json.dumps(record, ensure_ascii=False))
    path = tmp_path / "district.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_units_cover_every_line_once_with_true_line_numbers(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, 40, broken_at={0, 17, 39})
    units = plan_units([str(path)], chunk_bytes=20_000)
    assert len(units) > 3
    items = [item for unit in units for item in iter_unit(unit)]
    assert len(items) == 40
    failures = [i.source for i in items if isinstance(i, loading.LoadFailure)]
    assert failures == [f"{path}#1", f"{path}#18", f"{path}#40"]
    assert [i.line for i in items if isinstance(i, loading.RawRecord)][:2] == [2, 3]


def test_split_units_read_the_same_records_with_the_same_line_numbers(tmp_path: Path) -> None:
    """The last units of a parallel district are split smaller (``district._tapered``): each piece
    starts on a line, and the pieces read exactly the lines of the whole, blank and broken ones
    included, with their line numbers; the last line may lack its newline."""
    path = _jsonl(tmp_path, 23, broken_at={3, 22})
    path.write_bytes(
        path.read_bytes().replace(b"\n", b"\n\n", 1).rstrip(b"\n")
    )  # a blank line; no final newline
    whole = plan_units([str(path)], chunk_bytes=10**9)
    assert len(whole) == 1 and whole[0].end is None  # a small file is one whole-file unit: kept whole
    assert loading.split_unit(whole[0], 4) == whole
    units = plan_units([str(path)], chunk_bytes=30_000)
    assert len(units) > 1
    for unit in units:
        expected = [(i.source, getattr(i, "line", None)) for i in iter_unit(unit)]
        for parts in (2, 3, 4, 50):
            pieces = loading.split_unit(unit, parts)
            assert 1 < len(pieces) <= parts
            assert pieces[0].start == unit.start and pieces[-1].end == unit.end
            assert all(a.end == b.start for a, b in itertools.pairwise(pieces))
            got = [(i.source, getattr(i, "line", None)) for piece in pieces for i in iter_unit(piece)]
            assert got == expected
    everything = [i.source for unit in units for i in iter_unit(unit)]
    assert everything[-1] == f"{path}#24" and f"{path}#5" in everything  # line 2 is blank


def test_parallel_result_is_identical_to_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _jsonl(tmp_path, 60, broken_at={5, 44})
    monkeypatch.setattr(district, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(district, "UNIT_BYTES", 30_000)
    cat = load()
    index = SitingIndex(load_layers([str(HAZARDS)]), cat)
    kwargs = {"siting_index": index, "today": date(2026, 11, 24), "allow_incomplete": True}
    one = district.compute_inputs([str(path)], cat, Options(), workers=1, **kwargs)
    two = district.compute_inputs([str(path)], cat, Options(), workers=2, **kwargs)
    assert json.dumps(one.to_dict("zh"), sort_keys=True) == json.dumps(two.to_dict("zh"), sort_keys=True)
    assert (two.given, two.evaluated, len(two.rejected)) == (60, 58, 2)
    assert sorted(r.source for r in two.rejected) == sorted([f"{path}#6", f"{path}#45"])


def test_geojson_lines_layer_with_header_and_a_bad_line(tmp_path: Path) -> None:
    collection = json.loads(HAZARDS.read_text(encoding="utf-8"))
    header = {
        "type": "FeatureCollection",
        "name": "test",
        "coordinate_system": collection["coordinate_system"],
        "features": [],
    }
    lines = (
        [json.dumps(header, ensure_ascii=False)]
        + [json.dumps(f, ensure_ascii=False) for f in collection["features"]]
        + ["{oops"]
    )
    path = tmp_path / "layer.geojsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from_lines = load_layers([str(path)])
    from_collection = load_layers([str(HAZARDS)])
    assert [h.id for h in from_lines.hazards] == [h.id for h in from_collection.hazards]
    assert all(
        a.equals_exact(b, 1e-12)
        for a, b in zip(from_lines.geometries, from_collection.geometries, strict=True)
    )
    [bad] = from_lines.rejected
    assert "not valid JSON" in bad.message.en


def test_gcj02_geojson_lines_layer(tmp_path: Path) -> None:
    collection = json.loads((ROOT / "samples/hazards/heping-gcj02.geojson").read_text(encoding="utf-8"))
    header = {"type": "FeatureCollection", "coordinate_system": "GCJ02", "features": []}
    path = tmp_path / "gcj.geojsonl"
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in [header, *collection["features"]]) + "\n",
        encoding="utf-8",
    )
    a = load_layers([str(path)]).geometries
    b = load_layers([str(ROOT / "samples/hazards/heping-gcj02.geojson")]).geometries
    assert all(x.equals_exact(y, 1e-12) for x, y in zip(a, b, strict=True))


def test_district_chunks_run_with_the_collector_paused_and_restore_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulk work pauses the cyclic collector (collector.py) and always gives it back as it was:
    a district run must not leave the caller's process without garbage collection."""
    import gc

    seen: list[bool] = []
    real = district._process_chunk

    def spy(*args: object, **kwargs: object) -> bool:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(district, "_process_chunk", spy)
    path = _jsonl(tmp_path, 5, broken_at={2})
    assert gc.isenabled()
    result = district.compute_inputs([str(path)], load(), Options(), today=date(2026, 11, 24), workers=1)
    assert seen and not any(seen)  # every chunk ran with the collector paused
    assert gc.isenabled()
    assert result.evaluated == 4 and len(result.rejected) == 1
    gc.disable()
    try:
        district.compute_inputs([str(path)], load(), Options(), today=date(2026, 11, 24), workers=1)
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()
