"""Siting: distances from hazards, in true metres, whatever coordinate system each came in.

Pipeline:

1. Hazard layers (GeoJSON) are validated feature by feature; every coordinate is converted to
   WGS-84 (``geo.coords``). A feature that cannot be used is reported with file, index and id.
2. All hazards go into one shapely ``STRtree`` in degrees. Facilities are queried all at once with
   ``predicate="dwithin"`` and a degree threshold that is a superset of the largest required
   distance (the longitude degree is the shortest at the northernmost facility).
3. Candidates are measured exactly in a local azimuthal-equidistant projection (pyproj) centred on
   a 0.1° cell shared by nearby facilities: within ~10 km of the centre the projection's distance
   error is below a millimetre per kilometre, well inside the 0.5 m accuracy target.
4. Each (facility, hazard) pair gets its required distance (the hazard record's own, else the
   default for its kind, possibly changed by an overlay) and passes or fails.
"""

from __future__ import annotations

import gc
import itertools
import math
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .catalogue import Catalogue
from .geo.coords import geometry_to_wgs84, to_wgs84
from .loading import decode, parse_json
from .problems import Problem, Severity, Text
from .record import Facility
from .report import SitingFinding, SitingResult
from .resources import load_schema, siting_rules

CELL_DEG = 0.1
MAX_LAYER_BYTES = 512 * 1024 * 1024


class HazardError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message.en for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Hazard:
    """One hazard, built on demand from the columns (only for the few that reach a report)."""

    id: str
    kind: str
    name: str | None
    layer: str
    properties: dict[str, Any]


@dataclass
class HazardLayers:
    """Every usable hazard as columns (a million Python objects would not fit), its WGS-84
    geometry, and every feature that could not be used."""

    names: list[str] = field(default_factory=list)  # layer names
    problems: list[Problem] = field(default_factory=list)
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=str))
    kinds: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))  # index into kind_list
    layer: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int16))
    properties: dict[int, dict[str, Any]] = field(default_factory=dict)  # only hazards that have any
    geometries: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    kind_list: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)

    def hazard(self, i: int) -> Hazard:
        props = self.properties.get(i, {})
        return Hazard(
            str(self.ids[i]),
            self.kind_list[int(self.kinds[i])],
            props.get("name"),
            self.names[int(self.layer[i])],
            props,
        )

    @property
    def hazards(self) -> list[Hazard]:
        return [self.hazard(i) for i in range(len(self))]

    @property
    def rejected(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.error]


@dataclass
class _Columns:
    """What one layer yields while it is read: flat buffers, not per-feature objects."""

    layer: int
    ids: list[str] = field(default_factory=list)
    kinds: array[int] = field(default_factory=lambda: array("b"))
    properties: dict[int, dict[str, Any]] = field(default_factory=dict)
    # per geometry group: x, y, per-geometry vertex counts (lines and rings), hazard numbers
    px: array[float] = field(default_factory=lambda: array("d"))
    py: array[float] = field(default_factory=lambda: array("d"))
    p_at: array[int] = field(default_factory=lambda: array("q"))
    lx: array[float] = field(default_factory=lambda: array("d"))
    ly: array[float] = field(default_factory=lambda: array("d"))
    l_count: array[int] = field(default_factory=lambda: array("q"))
    l_at: array[int] = field(default_factory=lambda: array("q"))
    rx: array[float] = field(default_factory=lambda: array("d"))
    ry: array[float] = field(default_factory=lambda: array("d"))
    r_count: array[int] = field(default_factory=lambda: array("q"))
    r_at: array[int] = field(default_factory=lambda: array("q"))
    others: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    feature_index: array[int] = field(
        default_factory=lambda: array("q")
    )  # position in the file, for messages

    def add(self, fid: str, kind_code: int, props: dict[str, Any], feature_index: int) -> int:
        k = len(self.ids)
        self.ids.append(fid)
        self.kinds.append(kind_code)
        self.feature_index.append(feature_index)
        if props:
            self.properties[k] = props
        return k


# ----------------------------------------------------------------------------------------------
# Loading hazard layers
# ----------------------------------------------------------------------------------------------


def _feature_problem(
    source: str, index: int, fid: str | None, zh: str, en: str, severity: Severity = Severity.error
) -> Problem:
    ident = f" (id {fid})" if fid is not None else ""
    return Problem(
        source=source,
        path=f"$.features[{index}]",
        code="hazard.feature",
        message=Text(f"第 {index + 1} 个要素{ident}：{zh}", f"feature {index + 1}{ident}: {en}"),
        severity=severity,
    )


def _ring_closed(source: str, index: int, fid: str | None) -> Problem:
    return _feature_problem(
        source,
        index,
        fid,
        "多边形环未闭合，已按首点闭合",
        "unclosed polygon ring closed at its first position",
        Severity.warning,
    )


def _duplicate_id(source: str, index: int, fid: str | None) -> Problem:
    return _feature_problem(source, index, fid, "id 重复", "duplicate id")


def _no_voltage(source: str, index: int, fid: str | None) -> Problem:
    return _feature_problem(
        source, index, fid, "架空电力线缺少电压等级 voltage_kv", "power line without voltage_kv"
    )


LINE_SUFFIXES = (".geojsonl", ".geojsons", ".geojsonseq", ".ndjson", ".jsonl")
_GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
_ENUMS: dict[str, frozenset[Any]] = {
    "pressure_class": frozenset({"sub_high_a", "sub_high_b", "medium_a", "medium_b", "low"}),
    "station_grade": frozenset({1, 2, 3}),
    "vapour_recovery": frozenset({"none", "stage1", "stage1_2"}),
}
_NUMBER = (int, float)


def _quick_ok(feature: Any, kinds: Mapping[str, int] | set[str]) -> bool:
    """A cheap structural check; a feature that fails it gets the full JSON Schema diagnosis."""
    if type(feature) is not dict or feature.get("type") != "Feature":
        return False
    props, geom = feature.get("properties"), feature.get("geometry")
    if type(props) is not dict or props.get("kind") not in kinds or type(geom) is not dict:
        return False
    if geom.get("type") not in _GEOMETRY_TYPES or type(geom.get("coordinates")) is not list:
        return False
    fid = feature.get("id", props.get("id"))
    if fid is not None and (type(fid) is bool or not isinstance(fid, str | int)):
        return False
    for key, value in props.items():
        if key in _ENUMS and (type(value) is bool or value not in _ENUMS[key]):
            return False
        if key == "voltage_kv" and (type(value) is bool or not isinstance(value, _NUMBER) or value <= 0):
            return False
        if key == "required_distance_m" and (
            type(value) is bool or not isinstance(value, _NUMBER) or value < 0
        ):
            return False
        if key in ("name", "required_distance_source") and type(value) is not str:
            return False
    return True


def _iter_features(path: Path, source: str, layers: HazardLayers) -> tuple[str, str | None, Iterator[Any]]:
    """(coordinate system, layer name, features) of a FeatureCollection or a GeoJSON Lines file."""
    from .loading import _Reject

    def reject(zh: str, en: str, path_: str = "$") -> HazardError:
        return HazardError([Problem(source, path_, "hazard.layer", Text(zh, en))])

    if path.suffix.lower() in LINE_SUFFIXES:
        stream = path.open("rb")
        first = stream.readline()
        header: Any = None
        try:
            text, warnings = decode(first, source)
            header = parse_json(text, source) if text.strip() else None
        except _Reject as exc:
            stream.close()
            raise HazardError([exc.problem]) from None
        layers.problems.extend(warnings)
        system = "WGS84"
        name = None
        pending: list[Any] = []
        if isinstance(header, dict) and header.get("type") == "FeatureCollection":
            system = header.get("coordinate_system", "WGS84")
            name = header.get("name")
        elif header is not None:
            pending.append(header)

        def lines() -> Iterator[Any]:
            with stream:
                yield from pending
                for number, raw in enumerate(stream, start=2):
                    if not raw.strip():
                        continue
                    try:
                        yield orjson.loads(raw)
                    except orjson.JSONDecodeError as exc:
                        yield _BadLine(number, str(exc))

        return system, name, lines()
    raw = path.read_bytes()
    if len(raw) > MAX_LAYER_BYTES:
        raise reject(
            "危险源图层超过 512 MiB；大图层请使用 GeoJSON Lines",
            "hazard layer larger than 512 MiB; use GeoJSON Lines",
        )
    try:
        text, warnings = decode(raw, source)
        data = parse_json(text, source)
    except _Reject as exc:
        raise HazardError([exc.problem]) from None
    layers.problems.extend(warnings)
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise reject(
            "危险源图层应为 GeoJSON FeatureCollection", "a hazard layer must be a GeoJSON FeatureCollection"
        )
    return str(data.get("coordinate_system", "WGS84")), data.get("name"), iter(data["features"])


@dataclass(frozen=True)
class _BadLine:
    line: int
    error: str


def _close_ring(ring: list[Any]) -> bool:
    if len(ring) >= 3 and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
        return True
    return False


def _positions_ok(coords: Any, depth: int) -> bool:
    """Coordinates nested ``depth`` levels above positions, each position 2–3 numbers."""
    if depth == 0:
        return (
            type(coords) is list
            and 2 <= len(coords) <= 3
            and all(isinstance(c, _NUMBER) and type(c) is not bool for c in coords)
        )
    return type(coords) is list and all(_positions_ok(c, depth - 1) for c in coords)


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


_NUMT = frozenset({int, float})
_ID_TYPES = frozenset({str, int})


def _position(p: Any) -> bool:
    return type(p) is list and 1 < len(p) < 4 and type(p[0]) in _NUMT and type(p[1]) in _NUMT


def _props_ok(props: dict[str, Any]) -> bool:
    for key, value in props.items():
        if key in _ENUMS and (type(value) is bool or value not in _ENUMS[key]):
            return False
        if key in ("voltage_kv", "required_distance_m") and (type(value) not in _NUMT or value < 0):
            return False
        if key in ("name", "required_distance_source") and type(value) is not str:
            return False
    return not ("voltage_kv" in props and props["voltage_kv"] == 0)


def _slow_feature(
    feature: Any,
    index: int,
    source: str,
    kinds: dict[str, int],
    validator: Any,
    seen: set[str],
    layers: HazardLayers,
    columns: _Columns,
) -> None:
    """Everything the inline check did not accept: diagnosed with the JSON Schema, or built as is."""
    if isinstance(feature, _BadLine):
        layers.problems.append(
            _feature_problem(
                source,
                index,
                None,
                f"第 {feature.line} 行不是有效 JSON：{feature.error}",
                f"line {feature.line} is not valid JSON: {feature.error}",
            )
        )
        return
    fid_raw = feature.get("id") if isinstance(feature, dict) else None
    if fid_raw is None and isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        fid_raw = feature["properties"].get("id")
    fid = None if fid_raw is None else str(fid_raw)
    if not _quick_ok(feature, kinds):
        errors = sorted(validator.iter_errors(feature), key=lambda e: e.json_path)
        if errors:
            e = errors[0]
            layers.problems.append(
                _feature_problem(
                    source,
                    index,
                    fid,
                    f"格式错误 {e.json_path}：{e.message}",
                    f"invalid at {e.json_path}: {e.message}",
                )
            )
            return
    if fid is None:
        layers.problems.append(_feature_problem(source, index, fid, "缺少 id", "has no id"))
        return
    if fid in seen:
        layers.problems.append(_duplicate_id(source, index, fid))
        return
    props = feature["properties"]
    if props["kind"] == "power_line" and "voltage_kv" not in props:
        layers.problems.append(_no_voltage(source, index, fid))
        return
    geometry = feature["geometry"]
    gtype, coords = geometry["type"], geometry["coordinates"]
    if not _positions_ok(coords, _DEPTH[gtype]):
        layers.problems.append(_feature_problem(source, index, fid, "坐标格式错误", "malformed coordinates"))
        return
    repaired = False
    if gtype == "Polygon":
        closed = [_close_ring(r) for r in coords]  # close every ring: no short-circuit
        repaired = any(closed)
    elif gtype == "MultiPolygon":
        closed = [_close_ring(r) for poly in coords for r in poly]
        repaired = any(closed)
    if repaired:
        layers.problems.append(_ring_closed(source, index, fid))
    seen.add(fid)
    special = {k: v for k, v in props.items() if k != "kind" and k != "id"}
    k = columns.add(fid, kinds[props["kind"]], special, index)
    columns.others.append((k, geometry))


def load_layer(path: str, layers: HazardLayers) -> None:
    source = path
    p = Path(path)
    if not p.is_file():
        raise HazardError(
            [
                Problem(
                    source,
                    "$",
                    "hazard.missing",
                    Text("危险源图层文件不存在", "hazard layer file does not exist"),
                )
            ]
        )
    system, _, features = _iter_features(p, source, layers)
    if system not in ("WGS84", "CGCS2000", "GCJ02", "BD09"):
        raise HazardError(
            [
                Problem(
                    source,
                    "$.coordinate_system",
                    "hazard.crs",
                    Text(
                        f"未知坐标系 {system!r}（应为 WGS84/CGCS2000/GCJ02/BD09）",
                        f"unknown coordinate system {system!r}",
                    ),
                )
            ]
        )
    layer_name = f"{p.name} ({system})"
    layers.names.append(layer_name)
    schema = load_schema("hazards.schema.json")
    feature_validator = jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/feature"})
    kinds = {k: i for i, k in enumerate(layers.kind_list)}
    seen: set[str] = set()
    col = _Columns(len(layers.names) - 1)
    numt = _NUMT
    for index, feature in enumerate(features):
        # the common case, checked inline: a Feature with an id, a known kind and plain coordinates
        try:
            props = feature["properties"]
            geometry = feature["geometry"]
            kind = props["kind"]
            gtype = geometry["type"]
            coords = geometry["coordinates"]
            fid_raw = feature.get("id")
            if fid_raw is None:
                fid_raw = props.get("id")
            fast = (
                feature.get("type") == "Feature"
                and kind in kinds
                and (len(props) == 1 or _props_ok(props))
                and type(fid_raw) in _ID_TYPES
                and (
                    (
                        gtype == "Point"
                        and type(coords) is list
                        and 1 < len(coords) < 4
                        and type(coords[0]) in numt
                        and type(coords[1]) in numt
                    )
                    or (
                        gtype == "LineString"
                        and type(coords) is list
                        and len(coords) > 1
                        and all(map(_position, coords))
                    )
                    or (
                        gtype == "Polygon"
                        and type(coords) is list
                        and len(coords) == 1
                        and type(coords[0]) is list
                        and len(coords[0]) > 3
                        and all(map(_position, coords[0]))
                    )
                )
            )
        except (KeyError, TypeError, AttributeError):
            fast = False
        if not fast:
            _slow_feature(feature, index, source, kinds, feature_validator, seen, layers, col)
            continue
        fid = str(fid_raw)
        if fid in seen:
            layers.problems.append(_duplicate_id(source, index, fid))
            continue
        if kind == "power_line" and "voltage_kv" not in props:
            layers.problems.append(_no_voltage(source, index, fid))
            continue
        seen.add(fid)
        special = {k: v for k, v in props.items() if k != "kind" and k != "id"} if len(props) > 1 else None
        k = col.add(fid, kinds[kind], special or {}, index)
        if gtype == "Point":
            col.px.append(coords[0])
            col.py.append(coords[1])
            col.p_at.append(k)
            continue
        if gtype == "LineString":
            xs, ys, counts, at = col.lx, col.ly, col.l_count, col.l_at
            ring = coords
        else:
            xs, ys, counts, at = col.rx, col.ry, col.r_count, col.r_at
            ring = coords[0]
            if ring[0] != ring[-1]:
                _close_ring(ring)
                layers.problems.append(_ring_closed(source, index, fid))
        for position in ring:
            xs.append(position[0])
            ys.append(position[1])
        counts.append(len(ring))
        at.append(k)
    _build(col, system, source, layers)


def _build(col: _Columns, system: str, source: str, layers: HazardLayers) -> None:
    """Geometries for one layer's accepted features, built, converted and checked on whole arrays."""
    n = len(col.ids)
    geoms = np.full(n, None, dtype=object)
    if len(col.p_at):
        xy = np.column_stack([np.frombuffer(col.px), np.frombuffer(col.py)])
        geoms[np.frombuffer(col.p_at, dtype=np.int64)] = _geoms_from(xy, None, system, "point")
    for xs, ys, counts, at, kind in (
        (col.lx, col.ly, col.l_count, col.l_at, "line"),
        (col.rx, col.ry, col.r_count, col.r_at, "ring"),
    ):
        if len(at):
            xy = np.column_stack([np.frombuffer(xs), np.frombuffer(ys)])
            geoms[np.frombuffer(at, dtype=np.int64)] = _geoms_from(
                xy, np.frombuffer(counts, dtype=np.int64), system, kind
            )
    for k, geometry in col.others:
        try:
            geoms[k] = geometry_to_wgs84(
                system, shape({"type": geometry["type"], "coordinates": geometry["coordinates"]})
            )
        except (ValueError, TypeError, AttributeError, IndexError):
            geoms[k] = None
    present = np.array([g is not None for g in geoms], dtype=bool) if n else np.zeros(0, dtype=bool)
    valid = np.zeros(n, dtype=bool)
    in_range = np.zeros(n, dtype=bool)
    if present.any():
        valid[present] = shapely.is_valid(geoms[present]) & ~shapely.is_empty(geoms[present])
        bounds = shapely.bounds(geoms[present])
        in_range[present] = (
            (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
        )
    keep = present & valid & in_range
    for k in np.flatnonzero(~keep).tolist():
        fid, index, geom = col.ids[k], col.feature_index[k], geoms[k]
        if geom is None:
            layers.problems.append(
                _feature_problem(source, index, fid, "几何无法解析", "geometry cannot be read")
            )
        elif not in_range[k]:
            layers.problems.append(
                _feature_problem(source, index, fid, "坐标超出经纬度范围", "coordinates out of range")
            )
        else:
            reason = shapely.is_valid_reason(geom)
            layers.problems.append(
                _feature_problem(
                    source,
                    index,
                    fid,
                    f"几何无效（{reason}），无法确定如何修复，已拒绝",
                    f"invalid geometry ({reason}); no certain repair, rejected",
                )
            )
    kept = np.flatnonzero(keep)
    offset = len(layers.ids)
    renumber = {int(old): offset + new for new, old in enumerate(kept.tolist())}
    layers.ids = np.concatenate(
        [layers.ids, np.array(col.ids, dtype=str)[kept] if n else np.empty(0, dtype=str)]
    )
    layers.kinds = np.concatenate([layers.kinds, np.frombuffer(col.kinds, dtype=np.int8)[kept]])
    layers.layer = np.concatenate([layers.layer, np.full(len(kept), col.layer, dtype=np.int16)])
    layers.geometries = np.concatenate([layers.geometries, geoms[kept]])
    for old, props in col.properties.items():
        if old in renumber:
            layers.properties[renumber[old]] = props


def _geoms_from(xy: np.ndarray, counts: np.ndarray | None, system: str, kind: str) -> np.ndarray:
    """Points, linestrings or single-ring polygons from flat coordinates, converted to WGS-84."""
    out_of_range = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    lon, lat = xy[:, 0].copy(), xy[:, 1].copy()
    if system not in ("WGS84", "CGCS2000"):
        ok = ~out_of_range
        lon[ok], lat[ok] = to_wgs84(system, lon[ok], lat[ok])
    coords = np.column_stack([lon, lat])
    if counts is None:
        return np.asarray(shapely.points(coords), dtype=object)
    indices = np.repeat(np.arange(len(counts)), counts)
    if kind == "line":
        return np.asarray(shapely.linestrings(coords, indices=indices), dtype=object)
    return np.asarray(shapely.polygons(shapely.linearrings(coords, indices=indices)), dtype=object)


def load_layers(paths: Iterable[str]) -> HazardLayers:
    layers = HazardLayers(kind_list=tuple(siting_rules()["kinds"]))
    # A bulk load creates millions of acyclic dicts and lists; the cyclic collector would rescan
    # them again and again (superlinear time). Nothing here creates cycles, so pause it.
    enabled = gc.isenabled()
    gc.disable()
    try:
        for path in paths:
            load_layer(path, layers)
    finally:
        if enabled:
            gc.enable()
    return layers


# ----------------------------------------------------------------------------------------------
# Required distances
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    distance_m: float
    source: str
    from_record: bool
    must_not_cross: bool
    note: Text | None = None


def _band(table: dict[str, float], value: float) -> float | None:
    chosen = None
    for threshold, distance in sorted(((float(k), float(v)) for k, v in table.items())):
        if value >= threshold:
            chosen = distance
    return chosen


def requirement(
    hazard: Hazard, users: int | None, overrides: dict[str, tuple[float, str]]
) -> Requirement | None:
    """The distance a facility with ``users`` people must keep from ``hazard`` (None: not a hazard)."""
    rules = siting_rules()["kinds"][hazard.kind]
    props = hazard.properties
    must_not_cross = bool(rules.get("must_not_cross", False))
    if "required_distance_m" in props:
        src = props.get("required_distance_source") or "危险源记录给出的距离（如环评卫生防护距离）"
        return Requirement(
            float(props["required_distance_m"]),
            f"{src} [record]",
            True,
            must_not_cross or hazard.kind == "power_line",
        )
    if hazard.kind in overrides:
        value, src = overrides[hazard.kind]
        return Requirement(value, src, False, must_not_cross or hazard.kind == "power_line")
    default = float(rules["required_m"]["value"])
    source = str(rules["required_m"]["source"])
    if hazard.kind == "power_line":
        kv = float(props["voltage_kv"])
        if kv < float(rules["min_voltage_kv"]):
            return None
        half = _band(rules["half_corridor_m_by_voltage_kv"], kv)
        zone = _band(rules["protection_zone_m_by_voltage_kv"], kv)
        note = (
            Text(
                f"{kv:g} kV 线路，保护区 {zone:g} m（电力设施保护条例）",
                f"{kv:g} kV line, protection zone {zone:g} m",
            )
            if zone
            else None
        )
        return Requirement(
            float(half if half is not None else default), str(rules["source_note"]), False, True, note
        )
    if hazard.kind == "gas_pipeline" and props.get("pressure_class") in rules["by_pressure_m"]:
        pc = props["pressure_class"]
        return Requirement(
            float(rules["by_pressure_m"][pc]), f"GB 50028（{pc}）；JGJ 39 3.1.2 不得穿越场地", False, True
        )
    if (
        hazard.kind == "fuel_station"
        and users is not None
        and users <= int(rules["small_facility_users_max"])
    ):
        grade = props.get("station_grade")
        recovery = props.get("vapour_recovery", "none")
        if grade is not None:
            value = float(rules["small_facility_by_grade"][recovery][str(grade)])
            return Requirement(
                value, f"{rules['small_facility_source']}（{grade} 级站，{recovery}）", False, must_not_cross
            )
    return Requirement(default, source, False, must_not_cross)


# ----------------------------------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------------------------------


@cache
def _local_transformer(lon0: float, lat0: float) -> Transformer:
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project(geoms: Any, lon0: float, lat0: float) -> Any:
    """WGS-84 geometries → metres in an azimuthal-equidistant projection centred at (lon0, lat0)."""
    transformer = _local_transformer(lon0, lat0)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def _cell_centre(lon: float, lat: float) -> tuple[float, float]:
    return (
        round((math.floor(lon / CELL_DEG) + 0.5) * CELL_DEG, 6),
        round((math.floor(lat / CELL_DEG) + 0.5) * CELL_DEG, 6),
    )


def facility_geometry(f: Facility) -> tuple[BaseGeometry | None, str | None]:
    """The facility's WGS-84 geometry (site boundary if given, else point) and which it is."""
    loc = f.location
    if loc is None:
        return None, None
    system = str(loc.crs)
    if loc.site_boundary is not None:
        geom = shape(loc.site_boundary.model_dump())
        return geometry_to_wgs84(system, geom), "site_boundary"
    if loc.longitude is None or loc.latitude is None:
        return None, None
    lon, lat = to_wgs84(system, np.array([loc.longitude]), np.array([loc.latitude]))
    return shapely.Point(float(lon[0]), float(lat[0])), "point"


def _users(f: Facility) -> int | None:
    children = f.enrolled_total()
    if children is None:
        return None
    return children + len(f.staff or [])


def _kind_title(kind: str) -> str:
    return str(siting_rules()["kinds"][kind]["title"])


class SitingIndex:
    """All hazards of the given layers, indexed once, measured against any number of facilities."""

    def __init__(self, layers: HazardLayers, catalogue: Catalogue) -> None:
        self.layers = layers
        overlay_siting = catalogue.overlay.siting if catalogue.overlay else {}
        unknown = sorted(set(overlay_siting) - set(siting_rules()["kinds"]))
        if unknown:
            raise HazardError(
                [
                    Problem(
                        catalogue.overlay.path if catalogue.overlay else "",
                        "$.siting",
                        "overlay.siting",
                        Text(
                            f"未知的危险源类型：{', '.join(unknown)}",
                            f"unknown hazard kinds: {', '.join(unknown)}",
                        ),
                    )
                ]
            )
        self.overrides = {k: (float(p.value), f"{p.source} [{p.overlay}]") for k, p in overlay_siting.items()}
        self.margin_m = float(siting_rules()["report_margin_m"]["value"])
        self.geoms = layers.geometries
        # Requirements depend only on the hazard's kind and properties and on whether the facility is
        # small (<= 200 users, GB 50156): computed once per distinct (kind, properties), not per pair.
        self._requirements: list[tuple[Requirement | None, Requirement | None]] = []
        seen: dict[tuple[str, tuple[tuple[str, Any], ...]], int] = {}

        def rid_of(hazard: Hazard) -> int:
            key = (hazard.kind, tuple(sorted((k, v) for k, v in hazard.properties.items() if k != "name")))
            rid = seen.get(key)
            if rid is None:
                rid = seen[key] = len(self._requirements)
                self._requirements.append(
                    (requirement(hazard, None, self.overrides), requirement(hazard, 0, self.overrides))
                )
            return rid

        # hazards without properties share their kind's requirement; the others are looked up one by one
        without = np.ones(len(layers), dtype=bool)
        without[list(layers.properties)] = False
        by_kind = np.zeros(max(len(layers.kind_list), 1), dtype=np.int32)
        for code in np.unique(layers.kinds[without]).tolist():
            by_kind[code] = rid_of(Hazard("", layers.kind_list[code], None, "", {}))
        self.req_id = by_kind[layers.kinds] if len(layers) else np.empty(0, dtype=np.int32)
        for i in sorted(layers.properties):
            self.req_id[i] = rid_of(layers.hazard(i))
        large = np.array([r[0].distance_m if r[0] else np.nan for r in self._requirements] or [0.0])
        small = np.array([r[1].distance_m if r[1] else np.nan for r in self._requirements] or [0.0])
        self._required_m = {False: large, True: small}
        reach = np.fmax(large, small)[self.req_id] if len(self.req_id) else np.zeros(0)
        self.reach_m = np.nan_to_num(reach, nan=0.0) + self.margin_m
        # One STRtree per band of reach, so each hazard is fetched only within its own reach
        # (most need 150–200 m; a few record distances of several hundred metres would otherwise
        # widen the search for all of them).
        self.trees: list[tuple[float, np.ndarray, STRtree]] = []
        edges = [0.0, 150.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, math.inf]
        for low, high in itertools.pairwise(edges):
            members = np.flatnonzero((self.reach_m > low) & (self.reach_m <= high))
            if len(members):
                band = float(self.reach_m[members].max())
                self.trees.append((band, members, STRtree(self.geoms[members])))
        self.layer_names = tuple(layers.names)

    def evaluate(self, facility: Facility) -> SitingResult:
        return self.evaluate_many([facility])[0]

    def evaluate_many(self, facilities: Sequence[Facility]) -> list[SitingResult]:
        located = [facility_geometry(f) for f in facilities]
        results: list[SitingResult | None] = [None] * len(facilities)
        idx = [i for i, (g, _) in enumerate(located) if g is not None]
        for i, (g, _) in enumerate(located):
            if g is None:
                results[i] = SitingResult(
                    "unknown",
                    (),
                    self.layer_names,
                    None,
                    Text(
                        "记录没有可用的位置（location 经纬度或场地边界），无法测距",
                        "the record has no usable location (coordinates or site boundary)",
                    ),
                )
        pairs: dict[int, list[int]] = {i: [] for i in idx}
        if self.trees and idx:
            geoms = np.array([located[i][0] for i in idx], dtype=object)
            lat_max = max(abs(float(shapely.bounds(g)[3])) for g in geoms)
            # longitude degrees are the shortest at the northernmost facility: a degree threshold
            # from them covers `reach` metres in every direction
            metres_per_degree = 111_000.0 * max(math.cos(math.radians(min(lat_max + 0.5, 89.0))), 0.01)
            for reach, members, tree in self.trees:
                deg = reach / metres_per_degree * 1.01 + 1e-6
                q_in, q_tree = tree.query(geoms, predicate="dwithin", distance=deg)
                for a, b in zip(q_in.tolist(), members[q_tree].tolist(), strict=True):
                    pairs[idx[a]].append(b)
        # group by cell so that one projection serves nearby facilities
        cells: dict[tuple[float, float], list[int]] = {}
        for i in idx:
            g = located[i][0]
            assert g is not None
            c = g.centroid
            cells.setdefault(_cell_centre(c.x, c.y), []).append(i)
        for (lon0, lat0), cell_members in sorted(cells.items()):
            wanted = sorted({h for i in cell_members for h in pairs[i]})
            projected_h = (
                dict(zip(wanted, project(self.geoms[wanted], lon0, lat0), strict=True)) if wanted else {}
            )
            projected_f = project(np.array([located[i][0] for i in cell_members], dtype=object), lon0, lat0)
            for i, fgeom in zip(cell_members, projected_f, strict=True):
                results[i] = self._result(facilities[i], fgeom, located[i][1], pairs[i], projected_h)
        return [r for r in results if r is not None]

    def drawing(self, facility: Facility, result: SitingResult) -> Any:
        """The geometries behind a result, for the GeoJSON and SVG renderers."""
        from .render.siting import SitingDrawing

        geom, _ = facility_geometry(facility)
        if geom is None:
            return SitingDrawing(facility.facility_id, facility.name, result, None, None, ())
        c = geom.centroid
        lon0, lat0 = round(c.x, 6), round(c.y, 6)
        to_wgs = Transformer.from_crs(_local_transformer(lon0, lat0).target_crs, "EPSG:4326", always_xy=True)

        def back(g: BaseGeometry) -> BaseGeometry:
            def fn(coords: np.ndarray) -> np.ndarray:
                x, y = to_wgs.transform(coords[:, 0], coords[:, 1])
                return np.column_stack([x, y])

            return shapely.transform(g, fn)

        facility_m = project(geom, lon0, lat0)
        hazards = []
        for f in result.findings:
            hazard_wgs = self.geoms[f.hazard_index]
            hazard_m = project(hazard_wgs, lon0, lat0)
            buffer_m = hazard_m.buffer(f.required_m, quad_segs=32) if f.required_m > 0 else hazard_m
            hazards.append((f, hazard_wgs, back(buffer_m), hazard_m, buffer_m))
        return SitingDrawing(facility.facility_id, facility.name, result, geom, facility_m, tuple(hazards))

    def _result(
        self,
        facility: Facility,
        fgeom: BaseGeometry,
        measured_from: str | None,
        candidates: list[int],
        projected: dict[int, BaseGeometry],
    ) -> SitingResult:
        users = _users(facility)
        small = users is not None and users <= int(
            siting_rules()["kinds"]["fuel_station"]["small_facility_users_max"]
        )
        findings: list[SitingFinding] = []
        if candidates:
            cand = np.array(candidates, dtype=np.int64)
            rids = self.req_id[cand]
            required = self._required_m[small][rids]
            hgeoms = np.array([projected[h] for h in candidates], dtype=object)
            distances = shapely.distance(fgeom, hgeoms)
            # not a hazard for this facility (NaN: e.g. a line under 35 kV), or out of reporting range
            keep = np.flatnonzero(~np.isnan(required) & (distances <= required + self.margin_m))
            if len(keep):
                crossings = shapely.intersects(fgeom, hgeoms[keep])
            for n, k in enumerate(keep.tolist()):
                req = self._requirements[int(rids[k])][1 if small else 0]
                assert req is not None
                distance = float(distances[k])
                crossing = bool(crossings[n])
                if req.distance_m == 0:
                    passed = distance > 0
                else:
                    passed = distance >= req.distance_m and not (crossing and req.must_not_cross)
                number = candidates[k]
                findings.append(
                    self._finding(
                        self.layers.hazard(number),
                        number,
                        distance,
                        crossing,
                        req,
                        passed,
                        measured_from or "point",
                    )
                )
        findings.sort(key=lambda f: (f.passed, f.distance_m, f.hazard_id))
        verdict = "noncompliant" if any(not f.passed for f in findings) else "compliant"
        reason = None
        if verdict == "compliant":
            reason = Text(
                f"已检查的图层中，要求距离内没有危险源（已检查：{', '.join(self.layer_names)}）",
                f"no hazard within its required distance in the layers checked ({', '.join(self.layer_names)})",
            )
        return SitingResult(verdict, tuple(findings), self.layer_names, measured_from, reason)

    def _finding(
        self,
        hazard: Hazard,
        number: int,
        distance: float,
        crossing: bool,
        req: Requirement,
        passed: bool,
        measured_from: str,
    ) -> SitingFinding:
        title = _kind_title(hazard.kind)
        name = f"“{hazard.name}”" if hazard.name else ""
        where_zh = "场地边界" if measured_from == "site_boundary" else "定位点"
        where_en = "site boundary" if measured_from == "site_boundary" else "location point"
        d = round(distance, 1)
        # never let one-decimal rounding make a failing distance look equal to the requirement
        shown = f"{distance:.2f}" if (not passed and d >= req.distance_m) else f"{d:.1f}"
        record_zh = "（危险源记录给出的距离）" if req.from_record else ""
        record_en = " (distance given by the hazard record)" if req.from_record else ""
        if crossing and req.must_not_cross:
            zh = f"{title}{name} {hazard.id} 穿越场地（距{where_zh} 0.0 m）；不得穿越托育机构场地"
            en = f"{hazard.kind} {hazard.id} crosses the site; it must not cross a childcare site"
        elif req.distance_m == 0:
            zh = f"{title}{name} {hazard.id} 距{where_zh} {d:.1f} m" + (
                "，与场地毗邻，不符合" if not passed else "，不毗邻"
            )
            en = f"{hazard.kind} {hazard.id} is {d:.1f} m from the {where_en}" + (
                ", adjacent to the site" if not passed else ", not adjacent"
            )
        elif passed:
            zh = f"{title}{name} {hazard.id} 距{where_zh} {d:.1f} m，不小于要求的 {req.distance_m:g} m{record_zh}"
            en = f"{hazard.kind} {hazard.id} is {d:.1f} m from the {where_en}, at least the required {req.distance_m:g} m{record_en}"
        else:
            short = req.distance_m - distance
            short_text = f"{short:.1f}" if short >= 0.05 else f"{short:.2f}"
            zh = f"{title}{name} {hazard.id} 距{where_zh} {shown} m，小于要求的 {req.distance_m:g} m{record_zh}（差 {short_text} m）"
            en = f"{hazard.kind} {hazard.id} is {shown} m from the {where_en}, less than the required {req.distance_m:g} m{record_en} (short by {short_text} m)"
        if req.note is not None:
            zh += f"；{req.note.zh}"
            en += f"; {req.note.en}"
        return SitingFinding(
            hazard_id=hazard.id,
            kind=hazard.kind,
            name=hazard.name,
            layer=hazard.layer,
            distance_m=distance,
            required_m=req.distance_m,
            source=req.source,
            required_from_record=req.from_record,
            passed=passed,
            crossing=crossing,
            measured_from=measured_from,
            article_codes=tuple(siting_rules()["articles"]),
            message=Text(zh, en),
            hazard_index=number,
        )
