"""Hazard layers that crash or mislead (issue 15 item 4, layer side) and prepared layers (issue 13)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from facility_check.catalogue import load
from facility_check.cli import app
from facility_check.record import Facility
from facility_check.siting import HazardError, SitingIndex, load_layers
from tests.helpers import ROOT, base_record

SAMPLE_LAYER = ROOT / "samples/hazards/heping-hazards.geojson"
SAMPLE_GCJ = ROOT / "samples/hazards/heping-gcj02.geojson"
LON, LAT = 123.3962, 41.7889  # the base record's location (WGS-84)


def _feature(fid: str, gtype: str, coords: Any, kind: str = "fuel_station", **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": gtype, "coordinates": coords},
        "properties": {"kind": kind, **props},
    }


def _layer(tmp_path: Path, features: list[dict[str, Any]], name: str = "layer.geojson") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def _point_record(lon: float = LON, lat: float = LAT) -> dict[str, Any]:
    record = base_record()
    record["location"] = {"crs": "WGS84", "longitude": lon, "latitude": lat}
    return record


# ---------------------------------------------------------------------------------------------
# Geometry problems: located, never a traceback
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gtype", "coords"),
    [
        ("LineString", [[LON, LAT]]),
        ("MultiLineString", [[[LON, LAT], [LON + 0.01, LAT]], [[LON, LAT]]]),
    ],
)
def test_a_line_with_one_position_is_rejected_with_index_and_id(
    tmp_path: Path, gtype: str, coords: Any
) -> None:
    features = [
        _feature("OK", "Point", [LON + 0.05, LAT]),
        _feature("L1", gtype, coords, kind="power_line", voltage_kv=110),
    ]
    layers = load_layers([_layer(tmp_path, features)])
    [problem] = layers.rejected
    assert problem.path == "$.features[1]"
    assert "(id L1)" in problem.message.en and "at least two positions" in problem.message.en
    assert "至少需要两个坐标点" in problem.message.zh
    assert [h.id for h in layers.hazards] == ["OK"]


def test_a_line_with_one_position_exits_2_in_siting_not_a_traceback(tmp_path: Path) -> None:
    layer = _layer(tmp_path, [_feature("L1", "LineString", [[LON, LAT]], kind="power_line", voltage_kv=110)])
    record = tmp_path / "r.json"
    record.write_text(json.dumps(_point_record(), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["siting", str(record), "--hazards", layer, "--lang", "en"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "feature 1 (id L1)" in result.output


def test_a_polygon_ring_of_three_positions_is_rejected(tmp_path: Path) -> None:
    ring = [[LON, LAT], [LON + 0.001, LAT], [LON, LAT]]
    layers = load_layers([_layer(tmp_path, [_feature("P1", "Polygon", [ring], kind="crowded_venue")])])
    [problem] = layers.rejected
    assert "(id P1)" in problem.message.en and "at least four positions" in problem.message.en


@pytest.mark.parametrize(
    ("gtype", "coords"),
    [("MultiPoint", []), ("LineString", []), ("Polygon", []), ("MultiPolygon", []), ("MultiLineString", [])],
)
def test_empty_geometries_are_reported_as_empty(tmp_path: Path, gtype: str, coords: Any) -> None:
    layers = load_layers([_layer(tmp_path, [_feature("E1", gtype, coords)])])
    [problem] = layers.rejected
    assert "empty geometry" in problem.message.en and "out of range" not in problem.message.en
    assert "几何为空" in problem.message.zh


# ---------------------------------------------------------------------------------------------
# A point site on a line crosses it
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("on", ["vertex", "segment"])
def test_a_point_site_exactly_on_a_power_line_crosses_it(tmp_path: Path, on: str) -> None:
    lon, lat = LON, LAT
    if on == "vertex":
        line = [[lon - 0.01, lat - 0.004], [lon, lat], [lon + 0.013, lat + 0.002]]
    else:  # the site is the midpoint of a sloping segment (not exactly representable on it)
        line = [[lon - 0.01, lat - 0.004], [lon + 0.01, lat + 0.004]]
    layer = _layer(tmp_path, [_feature("PL", "LineString", line, kind="power_line", voltage_kv=110)])
    result = SitingIndex(load_layers([layer]), load()).evaluate(Facility.model_validate(_point_record()))
    [finding] = result.findings
    assert finding.crossing and not finding.passed and result.verdict == "noncompliant"
    assert finding.distance_m < 0.1  # the geodesic segment passes 7 cm from the lon/lat midpoint
    assert "crosses the site" in finding.message.en


def test_a_point_site_a_metre_from_a_line_does_not_cross_it(tmp_path: Path) -> None:
    dlat = 1.0 / 111_000
    line = [[LON - 0.01, LAT + dlat], [LON + 0.01, LAT + dlat]]
    layer = _layer(tmp_path, [_feature("PL", "LineString", line, kind="power_line", voltage_kv=110)])
    result = SitingIndex(load_layers([layer]), load()).evaluate(Facility.model_validate(_point_record()))
    [finding] = result.findings
    assert not finding.crossing and 0.9 < finding.distance_m < 1.1 and not finding.passed


# ---------------------------------------------------------------------------------------------
# Coordinates outside China or written [lat, lon]
# ---------------------------------------------------------------------------------------------


def test_swapped_coordinates_in_a_layer_give_a_warning(tmp_path: Path) -> None:
    # [lat, lon] of a station in Urumqi, Xinjiang: (43.8, 87.6) is a valid lon/lat, near the North Pole
    features = [_feature("S1", "Point", [43.8, 87.6]), _feature("S2", "Point", [LON + 0.01, LAT])]
    layers = load_layers([_layer(tmp_path, features)])
    assert not layers.rejected and len(layers) == 2  # a warning, not a rejection
    [warning] = [p for p in layers.problems if p.code == "hazard.outside_china"]
    assert warning.severity == "warning" and warning.path == "$.features[0]"
    assert "(id S1)" in warning.message.en and "[lat, lon]" in warning.message.en
    assert "纬度" in warning.message.zh


def test_a_layer_outside_china_gives_one_warning_with_the_count(tmp_path: Path) -> None:
    features = [_feature(f"X{i}", "Point", [10.0 + i * 0.01, 50.0]) for i in range(25)]
    layers = load_layers([_layer(tmp_path, features)])
    [warning] = [p for p in layers.problems if p.code == "hazard.outside_china"]
    assert "25 features" in warning.message.en and "(id X0)" in warning.message.en
    assert "[lat, lon]" not in warning.message.en  # swapped, they would not be in China either


def test_the_sample_layers_give_no_china_warning() -> None:
    layers = load_layers([str(SAMPLE_LAYER), str(SAMPLE_GCJ)])
    assert not [p for p in layers.problems if p.code == "hazard.outside_china"]


# ---------------------------------------------------------------------------------------------
# Prepared layers
# ---------------------------------------------------------------------------------------------


def _prepare(tmp_path: Path, *layers: str, extra: tuple[str, ...] = ()) -> tuple[Path, Any]:
    out = tmp_path / "prepared.parquet"
    result = CliRunner().invoke(
        app, ["hazards", "prepare", *layers, "--out", str(out), *extra, "--lang", "en"]
    )
    return out, result


def _records(tmp_path: Path) -> str:
    path = tmp_path / "records.jsonl"
    lines = []
    for f in sorted((ROOT / "samples/facilities").glob("*.json")):
        lines.append(json.dumps(json.loads(f.read_text(encoding="utf-8")), ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_prepared_layer_gives_the_same_bytes_as_its_sources(tmp_path: Path) -> None:
    sources = (str(SAMPLE_LAYER), str(SAMPLE_GCJ))
    prepared, result = _prepare(tmp_path, *sources)
    assert result.exit_code == 0, result.output
    assert prepared.read_bytes()[:4] == b"PAR1"
    records = _records(tmp_path)
    for command, fmt in (("district", "json"), ("siting", "json"), ("check", "json"), ("siting", "geojson")):
        direct = CliRunner().invoke(
            app, [command, records, "--hazards", sources[0], "--hazards", sources[1], "--format", fmt]
        )
        via = CliRunner().invoke(app, [command, records, "--hazards", str(prepared), "--format", fmt])
        assert direct.exit_code == via.exit_code
        assert direct.stdout == via.stdout, command


def test_prepared_layer_is_geoparquet_with_source_hashes(tmp_path: Path) -> None:
    import hashlib

    import pyarrow.parquet as pq

    prepared, result = _prepare(tmp_path, str(SAMPLE_LAYER))
    assert result.exit_code == 0
    meta = pq.read_schema(prepared).metadata
    geo = json.loads(meta[b"geo"])
    assert geo["primary_column"] == "geometry" and geo["columns"]["geometry"]["encoding"] == "WKB"
    ours = json.loads(meta[b"facility_check"])
    [source] = ours["sources"]
    assert source["sha256"] == hashlib.sha256(SAMPLE_LAYER.read_bytes()).hexdigest()
    table = pq.read_table(prepared)
    assert table.num_rows == len(load_layers([str(SAMPLE_LAYER)]))


def test_a_stale_prepared_layer_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "layer.geojson"
    source.write_bytes(SAMPLE_LAYER.read_bytes())
    prepared, result = _prepare(tmp_path, str(source))
    assert result.exit_code == 0
    assert len(load_layers([str(prepared)])) > 0
    data = json.loads(source.read_text(encoding="utf-8"))
    data["features"][0]["geometry"]["coordinates"][0] += 0.001  # same size, different content
    text = json.dumps(data, ensure_ascii=False)
    source.write_text(text, encoding="utf-8")
    with pytest.raises(HazardError) as caught:
        load_layers([str(prepared)])
    assert "stale" in caught.value.problems[0].message.en
    records = _records(tmp_path)
    cli = CliRunner().invoke(app, ["district", records, "--hazards", str(prepared), "--lang", "en"])
    assert cli.exit_code == 2 and "stale prepared layer" in cli.output


def test_a_touched_but_unchanged_source_is_still_current(tmp_path: Path) -> None:
    source = tmp_path / "layer.geojson"
    source.write_bytes(SAMPLE_LAYER.read_bytes())
    prepared, _ = _prepare(tmp_path, str(source))
    st = source.stat()
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))  # copied: new time, same bytes
    assert len(load_layers([str(prepared)])) > 0


def test_a_moved_source_gives_a_warning_not_a_refusal(tmp_path: Path) -> None:
    source = tmp_path / "layer.geojson"
    source.write_bytes(SAMPLE_LAYER.read_bytes())
    prepared, _ = _prepare(tmp_path, str(source))
    source.unlink()
    layers = load_layers([str(prepared)])
    assert len(layers) > 0 and not layers.rejected
    assert any(
        p.code == "hazard.prepared.source_missing" and p.severity == "warning" for p in layers.problems
    )


def test_prepare_refuses_rejected_features_unless_allowed(tmp_path: Path) -> None:
    features = [_feature("OK", "Point", [LON, LAT]), _feature("BAD", "LineString", [[LON, LAT]])]
    layer = _layer(tmp_path, features)
    prepared, result = _prepare(tmp_path, layer)
    assert result.exit_code == 2 and not prepared.exists() and "(id BAD)" in result.output
    prepared, result = _prepare(tmp_path, layer, extra=("--allow-incomplete",))
    assert result.exit_code == 0
    layers = load_layers([str(prepared)])  # the rejection travels with the file and is reported again
    assert [h.id for h in layers.hazards] == ["OK"]
    assert [p.path for p in layers.rejected] == ["$.features[1]"]


def test_a_parquet_file_that_is_not_a_prepared_layer_is_refused(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), path)
    with pytest.raises(HazardError) as caught:
        load_layers([str(path)])
    assert "not a facility-check prepared layer" in caught.value.problems[0].message.en


def test_hazards_alone_prints_its_help() -> None:
    result = CliRunner().invoke(app, ["hazards"])
    assert result.exit_code == 0 and "prepare" in result.output


def test_list_or_object_values_are_rejected_features_not_crashes(tmp_path: Path) -> None:
    """Found by the fuzz suite: a kind, a property or a geometry type that is a list or an object
    made the layer loader raise ``TypeError: unhashable type`` (exit 1 with a traceback)."""
    from facility_check.siting import load_layers

    layer = tmp_path / "odd.geojson"
    features = [
        {
            "type": "Feature",
            "id": "a",
            "properties": {"kind": ["fuel_station"]},
            "geometry": {"type": "Point", "coordinates": [123.4, 41.8]},
        },
        {
            "type": "Feature",
            "id": "b",
            "properties": {"kind": "power_line", "voltage_kv": {}},
            "geometry": {"type": "LineString", "coordinates": [[123.4, 41.8], [123.5, 41.8]]},
        },
        {
            "type": "Feature",
            "id": "c",
            "properties": {"kind": "fuel_station"},
            "geometry": {"type": ["Point"], "coordinates": [123.4, 41.8]},
        },
        {
            "type": "Feature",
            "id": "d",
            "properties": {"kind": "fuel_station", "station_grade": [1]},
            "geometry": {"type": "Point", "coordinates": [123.4, 41.8]},
        },
    ]
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    loaded = load_layers([str(layer)])
    assert [p.path for p in loaded.rejected] == [f"$.features[{i}]" for i in range(4)]
    assert len(loaded) == 0


# ---------------------------------------------------------------------------------------------
# Columns without per-hazard Python objects (issue 13, memory)
# ---------------------------------------------------------------------------------------------


def test_ids_are_stored_as_one_buffer_and_read_back_exactly() -> None:
    from facility_check.siting.layers import Strings

    values = ["A-1", "", "危险源-7", "x" * 300, "emoji-😀"]
    strings = Strings.of(values)
    assert len(strings) == 5 and strings.tolist() == values
    assert [strings[i] for i in range(5)] == values
    assert strings.take(np.array([4, 0, 4, 2])) == ["emoji-😀", "A-1", "emoji-😀", "危险源-7"]
    joined = Strings.of(["B"]).concat(strings)
    assert joined.tolist() == ["B", *values] and Strings().concat(strings).tolist() == values


def test_equal_property_sets_are_kept_once_and_read_per_hazard(tmp_path: Path) -> None:
    features = [
        _feature("L1", "LineString", [[LON, LAT], [LON + 0.01, LAT]], "power_line", voltage_kv=220),
        _feature(
            "L2", "LineString", [[LON, LAT + 0.01], [LON + 0.01, LAT + 0.01]], "power_line", voltage_kv=220
        ),
        _feature(
            "L3", "LineString", [[LON, LAT + 0.02], [LON + 0.01, LAT + 0.02]], "power_line", voltage_kv=220.0
        ),
        _feature("F1", "Point", [LON, LAT], name="加油站"),
        _feature("F2", "Point", [LON + 0.001, LAT]),
    ]
    layers = load_layers([_layer(tmp_path, features)])
    assert len(layers.property_sets) == 3  # 220 and 220.0 are written differently: kept apart
    assert layers.property_set.tolist() == [0, 0, 1, 2, -1]
    assert [h.properties for h in layers.hazards] == [
        {"voltage_kv": 220},
        {"voltage_kv": 220},
        {"voltage_kv": 220.0},
        {"name": "加油站"},
        {},
    ]
    assert layers.hazard(3).name == "加油站" and layers.hazard(4).name is None


def test_a_prepared_layer_gives_the_same_columns_as_its_source(tmp_path: Path) -> None:
    features = [
        _feature("L1", "LineString", [[LON, LAT], [LON + 0.01, LAT]], "power_line", voltage_kv=220),
        _feature(
            "L2", "LineString", [[LON, LAT + 0.01], [LON + 0.01, LAT + 0.01]], "power_line", voltage_kv=220
        ),
        _feature("危-3", "Point", [LON, LAT], name="加油站"),
        _feature("F4", "Point", [LON + 0.001, LAT]),
    ]
    source = _layer(tmp_path, features)
    prepared, result = _prepare(tmp_path, source)
    assert result.exit_code == 0, result.output
    a, b = load_layers([source]), load_layers([str(prepared)])
    assert a.ids.tolist() == b.ids.tolist() == ["L1", "L2", "危-3", "F4"]
    assert a.hazards == b.hazards
    assert b.property_set.tolist() == [0, 0, 1, -1]
    # two prepared layers: the second's property sets are numbered after the first's
    both = load_layers([str(prepared), str(prepared)])
    assert both.hazards == b.hazards + b.hazards and len(both.property_sets) == 4


_STORE_WKT = [
    "POINT (123.1 41.2)",
    "POINT Z (123.1 41.2 15)",
    "LINESTRING (123 41, 123.01 41.01, 123.02 41)",
    "LINESTRING Z (123 41 1, 123.01 41.01 2)",
    "POLYGON ((123 41, 123.01 41, 123.01 41.01, 123 41))",
    "POLYGON ((123 41, 123.1 41, 123.1 41.1, 123 41.1, 123 41), (123.02 41.02, 123.03 41.02, 123.03 41.03, 123.02 41.02))",
    "POLYGON Z ((123 41 5, 123.01 41 5, 123.01 41.01 6, 123 41 5))",
    "MULTIPOINT ((123 41), (123.01 41.01))",
    "MULTILINESTRING ((123 41, 123.01 41), (123.02 41, 123.03 41.01, 123.04 41))",
    "MULTIPOLYGON (((123 41, 123.1 41, 123.1 41.1, 123 41), (123.05 41.01, 123.06 41.01, 123.06 41.02, 123.05 41.01)), "
    "((124 41, 124.01 41, 124.01 41.01, 124 41)))",
    "MULTIPOLYGON Z (((123 41 1, 123.1 41 1, 123.1 41.1 2, 123 41 1)))",
]


def test_the_geometry_store_rebuilds_each_geometry_coordinate_for_coordinate() -> None:
    import shapely

    from facility_check.siting.store import GeometryStore

    geoms = np.array(shapely.from_wkt(_STORE_WKT * 3), dtype=object)
    store = GeometryStore(geoms)
    for numbers in (np.arange(len(geoms)), np.array([5, 0, 9, 9, 27, 3, 32]), np.array([], dtype=np.int64)):
        rebuilt = store.take(numbers)
        assert len(rebuilt) == len(numbers)
        assert all(shapely.equals_identical(rebuilt, geoms[numbers]))
        assert shapely.to_wkb(rebuilt).tolist() == shapely.to_wkb(geoms[numbers]).tolist()
        assert all(a is not b for a, b in zip(rebuilt, geoms[numbers], strict=True))  # new objects
    assert len(GeometryStore(np.empty(0, dtype=object)).take(np.array([], dtype=np.int64))) == 0


def test_a_prepared_layer_shares_its_own_wkb_with_the_workers(tmp_path: Path) -> None:
    """A prepared layer keeps the WKB its geometries were parsed from: sharing the index before
    forking builds nothing, and each geometry taken from it is the layer's own, coordinate for
    coordinate. Mixed with a GeoJSON layer, the coordinate store is built as before."""
    import shapely

    from facility_check.siting.store import GeometryStore, WkbStore

    features = [_feature(f"W{i}", "Point", [LON + i * 0.001, LAT]) for i in range(5)]
    prepared, result = _prepare(tmp_path, _layer(tmp_path, features + _geometry_features()))
    assert result.exit_code == 0, result.output
    twice = load_layers([str(prepared), str(prepared)])
    index = SitingIndex(twice, load(None))
    index.share()
    assert isinstance(index.store, WkbStore)
    numbers = np.array([len(twice) - 1, 0, 3, 3, len(twice) // 2, 1], dtype=np.int64)
    rebuilt = index.store.take(numbers)
    assert shapely.to_wkb(rebuilt).tolist() == shapely.to_wkb(twice.geometries[numbers]).tolist()
    assert all(shapely.equals_identical(rebuilt, twice.geometries[numbers]))
    assert len(index.store.take(np.array([], dtype=np.int64))) == 0
    mixed = SitingIndex(load_layers([str(prepared), _layer(tmp_path, features, "other.geojson")]), load(None))
    mixed.share()
    assert isinstance(mixed.store, GeometryStore)
    first = SitingIndex(load_layers([_layer(tmp_path, features, "other.geojson"), str(prepared)]), load(None))
    first.share()
    assert isinstance(first.store, GeometryStore)


def _geometry_features() -> list[dict[str, Any]]:
    """Every geometry type a layer may hold, as pollution sources."""
    import shapely

    return [
        {
            "type": "Feature",
            "id": f"G{i}",
            "properties": {"kind": "pollution_source"},
            "geometry": shapely.geometry.mapping(g),
        }
        for i, g in enumerate(shapely.from_wkt(_STORE_WKT))
    ]


def test_siting_measures_rebuilt_geometries_as_the_originals(tmp_path: Path) -> None:
    """Polygons with holes and multi-geometries, measured through the store, give the distances
    measured on the layer's own geometries."""
    import shapely

    from facility_check.siting import project

    features = [
        _feature(
            "P1",
            "Polygon",
            [
                [
                    [LON - 0.01, LAT - 0.01],
                    [LON + 0.01, LAT - 0.01],
                    [LON + 0.01, LAT + 0.01],
                    [LON - 0.01, LAT + 0.01],
                    [LON - 0.01, LAT - 0.01],
                ],
                [
                    [LON - 0.001, LAT - 0.001],
                    [LON + 0.001, LAT - 0.001],
                    [LON + 0.001, LAT + 0.001],
                    [LON - 0.001, LAT + 0.001],
                    [LON - 0.001, LAT - 0.001],
                ],
            ],
        ),
        _feature(
            "M1",
            "MultiLineString",
            [
                [[LON + 0.001, LAT], [LON + 0.002, LAT + 0.001]],
                [[LON, LAT + 0.0012], [LON + 0.001, LAT + 0.0013]],
            ],
            "power_line",
            voltage_kv=110,
        ),
        _feature("Z1", "Point", [LON + 0.0015, LAT, 30.0]),
    ]
    layers = load_layers([_layer(tmp_path, features)])
    index = SitingIndex(layers, load(None))
    facility = Facility.model_validate(_point_record())
    read = index.evaluate(facility)
    assert index.store is None
    index.share()  # as district does before forking workers
    assert index.store is not None
    result = index.evaluate(facility)
    assert result == read
    assert sorted(f.hazard_id for f in result.findings) == ["M1", "P1", "Z1"]
    point = project(shapely.points(LON, LAT), LON, LAT)
    for f in result.findings:
        own = layers.geometries[f.hazard_index]
        assert shapely.equals_identical(index.store.take(np.array([f.hazard_index]))[0], own)
        assert f.distance_m == pytest.approx(float(shapely.distance(project(own, LON, LAT), point)), abs=1.0)


def test_hazards_are_grouped_by_requirement_as_numpy_unique_groups_them() -> None:
    """The index groups hazards by (kind, property set) through a table instead of a sort: the
    same groups and numbering as ``np.unique``, with few or many distinct keys."""
    from facility_check.siting.index import _factorize

    rng = np.random.default_rng(7)
    for bound, high, n in ((1, 1, 10), (60, 60, 1000), (5000, 3000, 50_000), (10**9, 10**9, 1000), (9, 9, 0)):
        key = rng.integers(0, high, n)
        distinct, inverse = _factorize(key, bound)
        expected, expected_inverse = np.unique(key, return_inverse=True)
        assert distinct.tolist() == expected.tolist()
        assert inverse.tolist() == expected_inverse.reshape(-1).tolist()
