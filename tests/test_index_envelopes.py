"""The index built from envelopes (issue 13): the same candidates as a tree over the hazards,
prepared layers read without parsing their geometries, and findings in one order."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely import STRtree
from typer.testing import CliRunner

from facility_check.catalogue import load
from facility_check.cli import app
from facility_check.record import Facility
from facility_check.scoring import mean
from facility_check.siting import SitingIndex, load_layers
from facility_check.siting import index as index_module
from tests.helpers import base_record

LON, LAT = 123.3962, 41.7889


def _feature(fid: str, geometry: Any, kind: str = "pollution_source", **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": shapely.geometry.mapping(geometry),
        "properties": {"kind": kind, **props},
    }


def _random_layer(tmp_path: Path, n: int, seed: int) -> str:
    """Points, lines and polygons of every size, clustered and scattered, some sharing a position
    or an envelope edge exactly, with requirements in several bands of reach."""
    rng = np.random.default_rng(seed)
    features = []
    for i in range(n):
        x = LON + rng.choice([rng.uniform(-0.05, 0.05), rng.normal(0, 0.003)])
        y = LAT + rng.choice([rng.uniform(-0.05, 0.05), rng.normal(0, 0.003)])
        if i % 7 == 0:  # exactly on the previous one's coordinates
            x, y = round(x, 3), round(y, 3)
        shape = i % 3
        if shape == 0:
            geom: Any = shapely.Point(x, y)
        elif shape == 1:
            length = rng.choice([0.0005, 0.01, 0.08])
            geom = shapely.LineString([(x, y), (x + length, y + rng.uniform(-length, length))])
        else:
            size = rng.choice([0.0002, 0.004, 0.03])
            geom = shapely.box(x, y, x + size, y + size)
        props: dict[str, Any] = {}
        if i % 5 == 0:
            props["required_distance_m"] = float(rng.choice([40, 300, 800, 3000]))
        features.append(_feature(f"H{i}", geom, **props))
    path = tmp_path / f"random-{seed}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def _facility_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    points = [shapely.Point(LON + rng.uniform(-0.06, 0.06), LAT + rng.uniform(-0.06, 0.06)) for _ in range(n)]
    sites = [shapely.box(p.x, p.y, p.x + 0.001, p.y + 0.0007) for p in points[: n // 4]]
    return np.array(points[n // 4 :] + sites, dtype=object)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_clustered_index_finds_exactly_what_a_tree_over_the_hazards_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Every band's candidates are the pairs a shapely STRtree over the hazards' envelopes (widened
    by their segments' bow) returns for the same query boxes: no pair lost at a cluster's edge,
    none added; and they include every pair a tree over the geometries themselves returns."""
    monkeypatch.setattr(index_module, "CLUSTER", 5)  # many clusters, even for a small layer
    layers = load_layers([_random_layer(tmp_path, 600, seed)])
    index = SitingIndex(layers, load(None))
    assert len(index.bands) > 1
    geoms = _facility_boxes(np.random.default_rng(seed), 200)
    found_f, found_h = index.candidates(geoms)
    assert np.all(np.diff(found_f) >= 0)  # by facility
    xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
    metres_per_degree = 111_000.0 * np.cos(np.radians(float(np.max(np.abs(ymax))) + 0.5))
    expected, unwidened = set(), set()
    west, south, east, north = layers.bounds
    bow = index_module.bow_deg(east - west)
    envelopes = shapely.box(west, south - bow, east, north + bow)
    assert bow.max() > 0
    for band in index.bands:
        members = np.sort(band.order)
        deg = band.reach / metres_per_degree * 1.01 + 1e-6
        boxes = shapely.box(xmin - deg, ymin - deg, xmax + deg, ymax + deg)
        q, h = STRtree(envelopes[members]).query(boxes)
        expected |= set(zip(q.tolist(), members[h].tolist(), strict=True))
        q, h = STRtree(layers.geometries[members]).query(boxes)
        unwidened |= set(zip(q.tolist(), members[h].tolist(), strict=True))
    got = list(zip(found_f.tolist(), found_h.tolist(), strict=True))
    assert len(got) == len(set(got))  # each pair once
    assert set(got) == expected
    assert unwidened <= expected and len(unwidened) > 200


def test_a_prepared_layer_is_indexed_from_its_bbox_without_parsing_geometries(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    source = _random_layer(tmp_path, 300, 7)
    out = tmp_path / "prepared.parquet"
    made = CliRunner().invoke(app, ["hazards", "prepare", source, "--out", str(out)])
    assert made.exit_code == 0, made.output
    geo = json.loads(pq.read_schema(out).metadata[b"geo"])
    assert geo["columns"]["geometry"]["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    prepared = load_layers([str(out)])
    index = SitingIndex(prepared, load(None))
    assert prepared._all is None  # nothing parsed to build the index
    direct = load_layers([source])
    for mine, theirs in zip(prepared.bounds, direct.bounds, strict=True):
        assert mine.tobytes() == theirs.tobytes()  # the exact envelopes
    rng = np.random.default_rng(7)
    records = []
    for i in range(60):
        record = base_record()
        record["facility_id"] = f"F{i}"
        record["location"] = {
            "crs": "WGS84",
            "longitude": LON + rng.uniform(-0.04, 0.04),
            "latitude": LAT + rng.uniform(-0.04, 0.04),
        }
        records.append(Facility.model_validate(record))
    via_prepared = index.evaluate_many(records)
    assert prepared._all is None  # measuring parsed only the candidates
    assert via_prepared == SitingIndex(direct, load(None)).evaluate_many(records)
    assert any(r.verdict == "noncompliant" for r in via_prepared)
    # the geometries themselves, when asked for, are the source's
    assert shapely.to_wkb(prepared.geometries).tolist() == shapely.to_wkb(direct.geometries).tolist()


def test_a_prepared_layer_written_without_bbox_still_loads(tmp_path: Path) -> None:
    """A file prepared before the bbox column existed: the envelopes come from its geometries."""
    import pyarrow.parquet as pq

    source = _random_layer(tmp_path, 120, 8)
    out = tmp_path / "prepared.parquet"
    assert CliRunner().invoke(app, ["hazards", "prepare", source, "--out", str(out)]).exit_code == 0
    table = pq.read_table(out)
    older = tmp_path / "older.parquet"
    pq.write_table(table.drop_columns(["bbox"]).replace_schema_metadata(table.schema.metadata), older)
    before, now = load_layers([str(older)]), load_layers([source])
    for mine, theirs in zip(before.bounds, now.bounds, strict=True):
        assert mine.tobytes() == theirs.tobytes()


def test_findings_at_equal_distance_with_equal_ids_keep_the_hazards_order(tmp_path: Path) -> None:
    """Two layers with a hazard of the same id at the same place: the findings are listed in hazard
    order (the first layer's first), however the index found them."""
    point = shapely.Point(LON + 0.0005, LAT)
    paths = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.geojson"
        feature = _feature("同一编号", point, "fuel_station")
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
        paths.append(str(path))
    record = base_record()
    record["location"] = {"crs": "WGS84", "longitude": LON, "latitude": LAT}
    facility = Facility.model_validate(record)
    for order in (paths, paths[::-1]):
        result = SitingIndex(load_layers(order), load(None)).evaluate(facility)
        assert [f.hazard_index for f in result.findings] == [0, 1]
        assert [f.layer.split()[0] for f in result.findings] == [Path(p).name for p in order]


def test_the_mean_is_exact_for_many_scores() -> None:
    scores = [Decimal("5") - Decimal("0.1") * (i % 51) for i in range(30_001)] + [Decimal("0.0")]
    assert mean(scores) == sum((Fraction(s) for s in scores), Fraction(0)) / len(scores)
    assert mean([Decimal("4.9"), Decimal("4.8"), Decimal("5")]) == Fraction(147, 30)
    assert mean([]) is None


@pytest.mark.parametrize(("seed", "lat"), [(11, LAT), (12, 52.9), (13, 18.3)])
def test_pairs_left_unmeasured_could_not_have_been_within_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, lat: float
) -> None:
    """The envelope bound (``_may_reach``) only spares measurements: every result is the one
    measuring every candidate gives, in the north and the south of China, for points and sites,
    with record distances from 40 m to 3 km."""
    shift = lat - LAT
    layer = json.loads(Path(_random_layer(tmp_path, 900, seed)).read_text(encoding="utf-8"))
    for feature in layer["features"]:
        g = shapely.affinity.translate(shapely.geometry.shape(feature["geometry"]), yoff=shift)
        feature["geometry"] = shapely.geometry.mapping(g)
    path = tmp_path / "shifted.geojson"
    path.write_text(json.dumps(layer), encoding="utf-8")
    rng = np.random.default_rng(seed)
    facilities = []
    for i in range(150):
        record = base_record()
        record["facility_id"] = f"F{i}"
        lon, la = LON + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.05, 0.05)
        if i % 3:
            record["location"] = {"crs": "WGS84", "longitude": lon, "latitude": la}
        else:
            ring = [[lon, la], [lon + 0.002, la], [lon + 0.002, la + 0.0015], [lon, la + 0.0015], [lon, la]]
            record["location"] = {"crs": "WGS84", "site_boundary": {"type": "Polygon", "coordinates": [ring]}}
        facilities.append(Facility.model_validate(record))
    index = SitingIndex(load_layers([str(path)]), load(None))
    spared = []
    original = SitingIndex._may_reach

    def counted(self: SitingIndex, *args: Any) -> np.ndarray:
        near: np.ndarray = original(self, *args)
        spared.append(int((~near).sum()))
        return near

    monkeypatch.setattr(SitingIndex, "_may_reach", counted)
    bounded = index.evaluate_many(facilities)
    monkeypatch.setattr(
        SitingIndex, "_may_reach", lambda self, geoms, f, h, reach: np.ones(len(f), dtype=bool)
    )
    assert bounded == index.evaluate_many(facilities)
    assert sum(spared) > 100  # the bound did spare measurements
    assert sum(len(r.findings) for r in bounded) > 100


@pytest.mark.parametrize(("half_span", "north_m"), [(0.5, 160.0), (0.1, 105.0), (1.0, 430.0)])
def test_a_long_east_west_segment_bowing_out_of_its_envelope_is_still_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, half_span: float, north_m: float
) -> None:
    """A segment is measured as a straight line of the local projection, which bows poleward out
    of its vertices' envelope (120 m for 83 km at 42° N): a facility just north of that envelope
    may be within reach, and the bound must not spare its measurement (found in review)."""
    line = shapely.LineString([(LON - half_span, LAT), (LON + half_span, LAT)])
    path = tmp_path / "pipeline.geojson"
    features = [
        _feature("P1", line, "gas_transmission_pipeline"),
        _feature("P2", line, "power_line", voltage_kv=220),
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    index = SitingIndex(load_layers([str(path)]), load(None))
    facilities = []
    for i, lon in enumerate(np.linspace(LON - half_span * 0.8, LON + half_span * 0.8, 9)):
        record = base_record()
        record["facility_id"] = f"F{i}"
        record["location"] = {"crs": "WGS84", "longitude": float(lon), "latitude": LAT + north_m / 111_000}
        facilities.append(Facility.model_validate(record))
    bounded = index.evaluate_many(facilities)
    monkeypatch.setattr(
        SitingIndex, "_may_reach", lambda self, geoms, f, h, reach: np.ones(len(f), dtype=bool)
    )
    assert bounded == index.evaluate_many(facilities)
    assert any(f.hazard_id == "P1" for r in bounded for f in r.findings)
