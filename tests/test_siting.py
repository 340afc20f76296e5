"""Siting: true metres in any coordinate system, verdicts, and hazard layers that cannot be used."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from geopy.distance import geodesic
from pyproj import Geod
from shapely.geometry import shape
from typer.testing import CliRunner

from facility_check.catalogue import load
from facility_check.cli import app
from facility_check.geo.coords import (
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_to_wgs84,
    group_starts,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from facility_check.record import Facility
from facility_check.siting import HazardError, SitingIndex, facility_geometry, load_layers, project
from facility_check.siting.measure import facility_geometries
from tests.helpers import ROOT, base_record

GEOD = Geod(ellps="WGS84")

# published pairs (eviltransform's test suite): WGS-84 lat, lon → GCJ-02 lat, lon
GCJ_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(geodesic((lat1, lon1), (lat2, lon2)).m)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), GCJ_PAIRS)
def test_gcj02_reference_pairs(wlat: float, wlon: float, glat: float, glon: float) -> None:
    f_lon, f_lat = wgs84_to_gcj02(np.array([wlon]), np.array([wlat]))
    assert metres(f_lat[0], f_lon[0], glat, glon) < 0.01
    i_lon, i_lat = gcj02_to_wgs84(np.array([glon]), np.array([glat]))
    assert metres(i_lat[0], i_lon[0], wlat, wlon) < 0.01  # the inverse is well under 1 m


def test_bd09_reference_pair() -> None:
    # gcoord's test: GCJ-02 (123, 45) → BD-09 (123.00636499, 45.00636899)
    lon, lat = gcj02_to_bd09(np.array([123.0]), np.array([45.0]))
    assert metres(lat[0], lon[0], 45.00636899, 123.00636499) < 0.01


def test_round_trips_across_china() -> None:
    rng = random.Random(7)
    lon = np.array([rng.uniform(75, 134) for _ in range(2000)])
    lat = np.array([rng.uniform(18, 53) for _ in range(2000)])
    for forward, inverse in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        back_lon, back_lat = inverse(*forward(lon, lat))
        worst = max(metres(a, b, c, d) for a, b, c, d in zip(lat, lon, back_lat, back_lon, strict=True))
        assert worst < 0.01


def test_offsets_are_real() -> None:
    lon, lat = wgs84_to_gcj02(np.array([123.3962]), np.array([41.7889]))
    assert (
        100 < metres(41.7889, 123.3962, lat[0], lon[0]) < 1000
    )  # a GCJ-02 layer read as WGS-84 would be off by this much


def test_projected_distances_match_geodesic_truth() -> None:
    """Point-to-point within 0.5 m of geopy's geodesic up to 5 km, from the north-east to the south-west."""
    from facility_check.siting import _cell_centre

    rng = random.Random(42)
    worst = 0.0
    for _ in range(400):
        lon, lat = rng.uniform(97.0, 134.0), rng.uniform(18.5, 53.0)
        az, dist = rng.uniform(0, 360), rng.uniform(1, 5000)
        lon2, lat2, _ = GEOD.fwd(lon, lat, az, dist)
        lon0, lat0 = _cell_centre(lon, lat)
        import shapely

        a, b = project(
            np.array([shapely.Point(lon, lat), shapely.Point(lon2, lat2)], dtype=object), lon0, lat0
        )
        worst = max(worst, abs(a.distance(b) - metres(lat, lon, lat2, lon2)))
    assert worst < 0.5, worst


def _layer(
    tmp_path: Path, features: list[dict[str, Any]], system: str = "WGS84", name: str = "layer.geojson"
) -> str:
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "coordinate_system": system, "features": features}),
        encoding="utf-8",
    )
    return str(path)


def _convert(system: str, lon: float, lat: float) -> tuple[float, float]:
    if system == "GCJ02":
        a, b = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    elif system == "BD09":
        a, b = wgs84_to_bd09(np.array([lon]), np.array([lat]))
    else:
        return lon, lat
    return float(a[0]), float(b[0])


SYSTEMS = ["WGS84", "CGCS2000", "GCJ02", "BD09"]


@pytest.mark.parametrize("facility_crs", SYSTEMS)
@pytest.mark.parametrize("layer_crs", SYSTEMS)
def test_38m_fails_and_51m_passes_in_any_coordinate_system(
    tmp_path: Path, facility_crs: str, layer_crs: str
) -> None:
    lon, lat = 123.4105, 41.7803
    record = base_record()
    flon, flat = _convert(facility_crs, lon, lat)
    record["location"] = {"crs": facility_crs, "longitude": flon, "latitude": flat}
    facility = Facility.model_validate(record)
    features = []
    for fid, dist in (("NEAR", 38.0), ("FAR", 51.0)):
        hlon, hlat, _ = GEOD.fwd(lon, lat, 90 if fid == "NEAR" else 200, dist)
        features.append(
            {
                "type": "Feature",
                "id": fid,
                "geometry": {"type": "Point", "coordinates": list(_convert(layer_crs, hlon, hlat))},
                "properties": {"kind": "fuel_station"},
            }
        )
    index = SitingIndex(load_layers([_layer(tmp_path, features, layer_crs)]), load())
    result = index.evaluate(facility)
    found = {f.hazard_id: f for f in result.findings}
    assert result.verdict == "noncompliant" and result.measured_from == "point"
    assert not found["NEAR"].passed and abs(found["NEAR"].distance_m - 38.0) < 0.5
    assert found["FAR"].passed and abs(found["FAR"].distance_m - 51.0) < 0.5
    assert found["NEAR"].required_m == 50 and "GB 50156" in found["NEAR"].source
    assert "SET-12" in found["NEAR"].article_codes


def test_sample_district_verdicts() -> None:
    cat = load()
    index = SitingIndex(
        load_layers(
            [
                str(ROOT / "samples/hazards/heping-hazards.geojson"),
                str(ROOT / "samples/hazards/heping-gcj02.geojson"),
            ]
        ),
        cat,
    )
    facilities = [
        Facility.model_validate(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted((ROOT / "samples/facilities").glob("*.json"))
    ]
    results = {f.facility_id: r for f, r in zip(facilities, index.evaluate_many(facilities), strict=True)}
    assert {k: v.verdict for k, v in results.items()} == {
        "HP-001": "compliant",
        "HP-002": "noncompliant",
        "HP-003": "compliant",
        "HP-004": "noncompliant",
        "HP-005": "compliant",
        "HP-006": "noncompliant",
    }
    fs02 = results["HP-001"].findings[0]
    assert (fs02.hazard_id, round(fs02.distance_m, 1), fs02.passed, fs02.measured_from) == (
        "FS-02",
        51.0,
        True,
        "site_boundary",
    )
    line = results["HP-004"].findings[0]
    assert line.crossing and line.distance_m == 0 and not line.passed
    waste = {f.hazard_id: f for f in results["HP-006"].findings}
    assert (
        round(waste["WT-01"].distance_m, 1) == 80.0 and not waste["WT-01"].passed
    )  # a GCJ-02 layer, a GCJ-02 facility
    assert waste["MK-01"].passed  # a market 30 m away is not adjacent


def test_record_distance_wins_and_is_reported(tmp_path: Path) -> None:
    record = base_record()
    lon, lat = 123.3962, 41.7889
    record["location"] = {"crs": "WGS84", "longitude": lon, "latitude": lat}
    hlon, hlat, _ = GEOD.fwd(lon, lat, 0, 150.0)
    layer = _layer(
        tmp_path,
        [
            {
                "type": "Feature",
                "id": "P1",
                "geometry": {"type": "Point", "coordinates": [hlon, hlat]},
                "properties": {
                    "kind": "pollution_source",
                    "required_distance_m": 300,
                    "required_distance_source": "环评批复 卫生防护距离 300 m",
                },
            }
        ],
    )
    result = SitingIndex(load_layers([layer]), load()).evaluate(Facility.model_validate(record))
    [f] = result.findings
    assert not f.passed and f.required_m == 300 and f.required_from_record and "环评" in f.source


def test_small_nursery_uses_graded_fuel_station_distance(tmp_path: Path) -> None:
    record = base_record()  # 38 children + 13 staff: a 一类保护物
    lon, lat = 123.3962, 41.7889
    record["location"] = {"crs": "WGS84", "longitude": lon, "latitude": lat}
    hlon, hlat, _ = GEOD.fwd(lon, lat, 0, 30.0)
    layer = _layer(
        tmp_path,
        [
            {
                "type": "Feature",
                "id": "G3",
                "geometry": {"type": "Point", "coordinates": [hlon, hlat]},
                "properties": {"kind": "fuel_station", "station_grade": 3},
            }
        ],
    )
    [f] = SitingIndex(load_layers([layer]), load()).evaluate(Facility.model_validate(record)).findings
    assert f.passed and f.required_m == 16


def test_no_location_is_unknown(tmp_path: Path) -> None:
    record = base_record()
    record.pop("location")
    layer = _layer(tmp_path, [])
    result = SitingIndex(load_layers([layer]), load()).evaluate(Facility.model_validate(record))
    assert result.verdict == "unknown" and result.reason is not None


def test_low_voltage_line_is_not_a_corridor(tmp_path: Path) -> None:
    record = base_record()
    lon, lat = 123.3962, 41.7889
    line = [[lon - 0.01, lat], [lon + 0.01, lat]]
    layer = _layer(
        tmp_path,
        [
            {
                "type": "Feature",
                "id": "L10",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"kind": "power_line", "voltage_kv": 10},
            }
        ],
    )
    result = SitingIndex(load_layers([layer]), load()).evaluate(Facility.model_validate(record))
    assert result.verdict == "compliant" and not result.findings


def test_bad_features_are_reported_never_skipped(tmp_path: Path) -> None:
    point = {"type": "Point", "coordinates": [123.4, 41.8]}
    features = [
        {"type": "Feature", "id": "A", "geometry": point, "properties": {"kind": "volcano"}},
        {"type": "Feature", "geometry": point, "properties": {"kind": "fuel_station"}},
        {
            "type": "Feature",
            "id": "C",
            "geometry": {"type": "LineString", "coordinates": [[123.4, 41.8], [123.5, 41.8]]},
            "properties": {"kind": "power_line"},
        },
        {
            "type": "Feature",
            "id": "D",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[123.39, 41.78], [123.40, 41.79], [123.40, 41.78], [123.39, 41.79], [123.39, 41.78]]
                ],
            },
            "properties": {"kind": "pollution_source"},
        },
        {
            "type": "Feature",
            "id": "E",
            "geometry": {"type": "Point", "coordinates": [223.4, 41.8]},
            "properties": {"kind": "fuel_station"},
        },
        {
            "type": "Feature",
            "id": "F",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[123.39, 41.78], [123.40, 41.78], [123.40, 41.79], [123.39, 41.79]]],
            },
            "properties": {"kind": "crowded_venue"},
        },
        {"type": "Feature", "id": "F", "geometry": point, "properties": {"kind": "fuel_station"}},
    ]
    layers = load_layers([_layer(tmp_path, features)])
    rejected = {p.path: p.message.en for p in layers.rejected}
    assert set(rejected) == {
        "$.features[0]",
        "$.features[1]",
        "$.features[2]",
        "$.features[3]",
        "$.features[4]",
        "$.features[6]",
    }
    assert "volcano" in rejected["$.features[0]"] and "no id" in rejected["$.features[1]"]
    assert "voltage_kv" in rejected["$.features[2]"] and "Self-intersection" in rejected["$.features[3]"]
    assert "duplicate id" in rejected["$.features[6]"] and "(id F)" in rejected["$.features[6]"]
    assert [h.id for h in layers.hazards] == [
        "F"
    ]  # the unclosed ring was closed: a certain repair, reported as a warning
    assert any(p.severity == "warning" and "closed" in p.message.en for p in layers.problems)


def test_unreadable_layer_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(HazardError):
        load_layers([str(path)])
    with pytest.raises(HazardError):
        load_layers([str(tmp_path / "missing.geojson")])


def test_overlay_changes_a_siting_distance(tmp_path: Path) -> None:
    from facility_check.catalogue import apply_overlay, load_base

    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        "overlay: 1\nname: 本地\nsiting:\n  pollution_source: {value: 60, source: 地方规则 60 m}\n",
        encoding="utf-8",
    )
    record = Facility.model_validate(
        json.loads((ROOT / "samples/facilities/hp-006-self-check-gcj02.json").read_text(encoding="utf-8"))
    )
    layers = [str(ROOT / "samples/hazards/heping-gcj02.geojson")]
    national = {
        f.hazard_id: f for f in SitingIndex(load_layers(layers), load_base()).evaluate(record).findings
    }
    local = {
        f.hazard_id: f
        for f in SitingIndex(load_layers(layers), apply_overlay(load_base(), overlay))
        .evaluate(record)
        .findings
    }
    assert not national["WT-01"].passed and national["WT-01"].required_m == 100
    assert (
        local["WT-01"].passed
        and local["WT-01"].required_m == 60
        and "地方规则 60 m [本地]" in local["WT-01"].source
    )


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float64).tobytes()


@pytest.mark.parametrize("system", SYSTEMS)
def test_grouped_conversion_is_the_per_point_conversion_bit_for_bit(system: str) -> None:
    """Many points at once, each its own group: exactly the floats each gets alone (a grid over
    and around China's box, its edges, and outside points that GCJ-02 leaves unshifted)."""
    lon, lat = np.meshgrid(np.arange(60.0, 150.0, 1.37), np.arange(-5.0, 62.0, 0.93))
    lon = np.concatenate([lon.ravel(), [72.004, 137.8347, 72.003, 137.8348, -73.99, 2.35, 151.2]])
    lat = np.concatenate([lat.ravel(), [0.8293, 55.8271, 0.8292, 55.8272, 40.73, 48.86, -33.87]])
    bulk_lon, bulk_lat = to_wgs84(system, lon, lat, np.arange(len(lon)))
    alone = [to_wgs84(system, lon[i : i + 1], lat[i : i + 1]) for i in range(len(lon))]
    assert _bits(bulk_lon) == _bits(np.concatenate([a for a, _ in alone]))
    assert _bits(bulk_lat) == _bits(np.concatenate([b for _, b in alone]))
    if system == "GCJ02":
        outside = (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
        assert outside.sum() > 100
        assert _bits(bulk_lon[outside]) == _bits(lon[outside])
        assert _bits(bulk_lat[outside]) == _bits(lat[outside])


@pytest.mark.parametrize("system", ["GCJ02", "BD09"])
def test_grouped_conversion_is_the_per_geometry_conversion_bit_for_bit(system: str) -> None:
    """Groups of several vertices (one geometry each) stop iterating on their own residual, as a
    geometry converted alone does, however long the other groups need (empty groups allowed)."""
    rng = np.random.default_rng(13)
    lon, lat = rng.uniform(70.0, 140.0, 3000), rng.uniform(0.0, 57.0, 3000)
    index = np.sort(rng.integers(0, 400, len(lon)))
    starts = group_starts(index)
    assert _bits(starts) == _bits(np.flatnonzero(np.diff(index, prepend=-1)).astype(np.intp))
    with_empty = np.sort(np.concatenate([starts, starts[:5], [len(lon)]]))
    for groups in (starts, with_empty):
        bulk_lon, bulk_lat = to_wgs84(system, lon, lat, groups)
        for a, b in itertools.pairwise([*groups.tolist(), len(lon)]):
            one_lon, one_lat = to_wgs84(system, lon[a:b], lat[a:b])
            assert _bits(bulk_lon[a:b]) == _bits(one_lon) and _bits(bulk_lat[a:b]) == _bits(one_lat)
    # one group: the whole array converted as before (stopping on the largest residual)
    whole = to_wgs84(system, lon, lat, np.zeros(1, dtype=np.intp))
    assert _bits(whole[0]) == _bits(to_wgs84(system, lon, lat)[0])
    assert to_wgs84(system, lon[:0], lat[:0], np.zeros(0, dtype=np.intp))[0].shape == (0,)


def test_facility_geometries_in_bulk_are_each_facility_alone() -> None:
    """Points and site boundaries (Polygon, MultiPolygon, 3-D positions) in every system, converted
    in bulk: the same WKB as each facility's geometry converted on its own, scalar path."""
    rng = random.Random(5)
    facilities, expected = [], []
    for n in range(48):
        system = SYSTEMS[n % 4]
        lon, lat = rng.uniform(119.0, 125.0), rng.uniform(39.0, 43.0)
        if n % 12 == 11:
            lon, lat = rng.uniform(-10.0, 30.0), rng.uniform(40.0, 60.0)  # outside China
        record = base_record()
        ring = [
            [lon, lat],
            [lon + 0.001, lat],
            [lon + 0.001, lat + 0.0008],
            [lon, lat + 0.0008 * rng.random()],
        ]
        ring.append(ring[0])
        if n % 3 == 0:
            record["location"] = {"crs": system, "longitude": lon, "latitude": lat}
        elif n % 3 == 1:
            if n % 2:
                ring = [[x, y, 12.5] for x, y in ring]
            record["location"] = {"crs": system, "site_boundary": {"type": "Polygon", "coordinates": [ring]}}
        else:
            other = [[x + 0.01, y] for x, y in ring]
            boundary = {"type": "MultiPolygon", "coordinates": [[ring], [other]]}
            record["location"] = {"crs": system, "longitude": lon, "latitude": lat, "site_boundary": boundary}
        facility = Facility.model_validate(record)
        facilities.append(facility)
        loc = facility.location
        assert loc is not None
        if loc.site_boundary is not None:
            geom = geometry_to_wgs84(system, shape(loc.site_boundary.model_dump()))
            expected.append((shapely.to_wkb(geom), "site_boundary"))
        else:
            a, b = to_wgs84(system, np.array([lon]), np.array([lat]))
            expected.append((shapely.to_wkb(shapely.Point(float(a[0]), float(b[0]))), "point"))
    no_location = base_record()
    no_location.pop("location")
    facilities.append(Facility.model_validate(no_location))
    expected.append((None, None))
    geoms, where = facility_geometries(facilities)
    got = [(None if g is None else shapely.to_wkb(g), w) for g, w in zip(geoms, where, strict=True)]
    assert got == expected
    assert [facility_geometry(f)[1] for f in facilities] == where


def test_a_batch_gives_what_each_facility_gets_alone() -> None:
    """Facilities measured together (cells, pairs and conversions shared) or one at a time: the
    same results, passed findings included or left out; the collector's state is restored."""
    import gc

    index = SitingIndex(
        load_layers(
            [
                str(ROOT / "samples/hazards/heping-hazards.geojson"),
                str(ROOT / "samples/hazards/heping-gcj02.geojson"),
            ]
        ),
        load(),
    )
    facilities = [
        Facility.model_validate(json.loads(p.read_text(encoding="utf-8")))
        for p in sorted((ROOT / "samples/facilities").glob("*.json"))
    ]
    no_location = base_record()
    no_location.pop("location")
    facilities.insert(2, Facility.model_validate(no_location))
    for only_failed in (False, True):
        together = index.evaluate_many(facilities * 2, only_failed=only_failed)
        alone = [index.evaluate_many([f], only_failed=only_failed)[0] for f in facilities]
        assert together == alone * 2
        assert any(r.findings for r in alone)
        assert all(not f.passed for r in alone for f in r.findings) or not only_failed
    assert gc.isenabled()
    gc.disable()
    try:
        index.evaluate_many(facilities)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_forked_workers_measure_rebuilt_hazards_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before forking, district shares the index (a coordinate store the workers rebuild their
    hazards from, not the parent's geometry objects); the rows are those of one process."""
    from datetime import date

    from facility_check import district
    from facility_check.engine import Options

    lines = []
    for i in range(40):
        record = base_record()
        record["facility_id"] = f"F-{i:04d}"
        record["location"] = {"crs": "WGS84", "longitude": 123.404 + i * 0.0004, "latitude": 41.7803}
        lines.append(json.dumps(record, ensure_ascii=False))
    path = tmp_path / "district.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(district, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(district, "UNIT_BYTES", 20_000)
    cat = load()
    layer = str(ROOT / "samples/hazards/heping-hazards.geojson")
    kwargs: dict[str, Any] = {"today": date(2026, 11, 24), "allow_incomplete": True}
    alone = SitingIndex(load_layers([layer]), cat)
    one = district.compute_inputs([str(path)], cat, Options(), workers=1, siting_index=alone, **kwargs)
    assert alone.store is None
    shared = SitingIndex(load_layers([layer]), cat)
    two = district.compute_inputs([str(path)], cat, Options(), workers=2, siting_index=shared, **kwargs)
    assert shared.store is not None
    assert json.dumps(one.to_dict("zh"), sort_keys=True) == json.dumps(two.to_dict("zh"), sort_keys=True)
    assert any(r.siting == "noncompliant" for r in two.rows)
    # a prepared layer shares the WKB it was read from (store.WkbStore): the same rows again
    prepared = tmp_path / "prepared.parquet"
    made = CliRunner().invoke(app, ["hazards", "prepare", layer, "--out", str(prepared)])
    assert made.exit_code == 0, made.output
    from_prepared = SitingIndex(load_layers([str(prepared)]), cat)
    three = district.compute_inputs(
        [str(path)], cat, Options(), workers=2, siting_index=from_prepared, **kwargs
    )
    assert type(from_prepared.store).__name__ == "WkbStore"
    assert json.dumps(three.to_dict("zh"), sort_keys=True) == json.dumps(two.to_dict("zh"), sort_keys=True)
