"""Hazard layers: GeoJSON (a FeatureCollection or GeoJSON Lines) read into columns.

Every feature is validated (an inline structural check; the JSON Schema only words the error of a
feature that fails it); every coordinate is converted to WGS-84 (``geo.coords``); a feature that
cannot be used is reported with file, feature index and id. Hazards are kept as columns (ids in
one UTF-8 buffer, kinds in numpy, each distinct property set once) with one shapely geometry each:
no per-hazard Python object besides the geometry.

Prepared layers (``hazards prepare``, see ``prepared``) are accepted wherever a layer is.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import orjson
import shapely
import shapely.errors
from shapely.geometry import shape

from ..collector import paused
from ..geo.coords import bounds_outside_china, geometry_to_wgs84, to_wgs84
from ..loading import decode, parse_json
from ..problems import Problem, Severity, Text
from ..resources import load_schema, siting_rules
from .store import WkbStore

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


def _empty_bytes() -> np.ndarray:
    return np.empty(0, dtype=np.uint8)


def _no_offsets() -> np.ndarray:
    return np.zeros(1, dtype=np.int64)


@dataclass(frozen=True)
class Strings:
    """Strings as one UTF-8 buffer and offsets (string ``i`` is ``data[offsets[i]:offsets[i + 1]]``).

    A million ids as Python ``str`` would cost ~60 MB, and a forked worker that read a third of
    them would copy most of those pages (reading an object writes its reference count); here
    the ids are two arrays, and only the strings asked for are decoded.
    """

    data: np.ndarray = field(default_factory=_empty_bytes)  # uint8
    offsets: np.ndarray = field(default_factory=_no_offsets)  # int64, len(self) + 1

    @classmethod
    def of(cls, values: Iterable[str]) -> Strings:
        encoded = [v.encode() for v in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return str(self.data[int(self.offsets[i]) : int(self.offsets[i + 1])].tobytes(), "utf-8")

    def take(self, numbers: np.ndarray) -> list[str]:
        """The strings at ``numbers``, in that order."""
        numbers = np.asarray(numbers, dtype=np.int64)
        view = memoryview(self.data.data)
        return [
            str(view[a:b], "utf-8")
            for a, b in zip(self.offsets[numbers].tolist(), self.offsets[numbers + 1].tolist(), strict=True)
        ]

    def tolist(self) -> list[str]:
        return self.take(np.arange(len(self)))

    def concat(self, other: Strings) -> Strings:
        if not len(self):
            return other
        return Strings(
            np.concatenate([self.data, other.data]),
            np.concatenate([self.offsets[:-1], other.offsets + self.offsets[-1]]),
        )


def _no_property_sets() -> np.ndarray:
    return np.empty(0, dtype=np.int32)


@dataclass
class HazardLayers:
    """Every usable hazard as columns (a million Python objects would not fit), its WGS-84
    geometry, and every feature that could not be used.

    Properties are kept once per distinct set (``property_sets``); ``property_set`` gives each
    hazard's set number, -1 for a hazard without properties.
    """

    names: list[str] = field(default_factory=list)  # layer names
    problems: list[Problem] = field(default_factory=list)
    ids: Strings = field(default_factory=Strings)
    kinds: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))  # index into kind_list
    layer: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int16))
    property_set: np.ndarray = field(default_factory=_no_property_sets)  # int32, -1: no properties
    property_sets: list[dict[str, Any]] = field(default_factory=list)
    # each hazard's envelope (west, south, east, north; WGS-84 degrees), one array per side: what
    # the index is built from (``index``), so that a prepared layer's geometries need not be parsed
    bounds: tuple[np.ndarray, ...] = field(default_factory=lambda: tuple(np.empty(0) for _ in range(4)))
    # a prepared layer's geometries as the WKB it was read from (see ``store.WkbStore``): parsed
    # only when asked for (``take``, ``geometries``)
    wkb: WkbStore = field(default_factory=WkbStore)
    kind_list: tuple[str, ...] = ()
    # the geometries that exist as objects (a GeoJSON layer's), by the number of their first hazard
    _parts: list[tuple[int, np.ndarray]] = field(default_factory=list)
    _all: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def add_geometries(self, start: int, geoms: np.ndarray) -> None:
        """Hazards ``start`` … as geometry objects (their envelopes: ``add_bounds``)."""
        self._parts.append((start, geoms))
        self._all = None

    def add_bounds(self, west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray) -> None:
        self.bounds = tuple(
            np.concatenate([mine, np.asarray(theirs, dtype=np.float64)])
            for mine, theirs in zip(self.bounds, (west, south, east, north), strict=True)
        )

    @property
    def geometries(self) -> np.ndarray:
        """Every hazard's WGS-84 geometry, in hazard order (a prepared layer's WKB parsed on the
        first call: commands that only measure use ``take``)."""
        if self._all is None or len(self._all) != len(self):
            out = np.empty(len(self), dtype=object)
            for start, geoms in self._parts:
                out[start : start + len(geoms)] = geoms
            for start, offsets in zip(self.wkb.starts, self.wkb.offsets, strict=True):
                out[start : start + len(offsets) - 1] = self.wkb.take(
                    np.arange(start, start + len(offsets) - 1)
                )
            self._all = out
        return self._all

    def take(self, numbers: np.ndarray) -> np.ndarray:
        """The geometries of hazards ``numbers``: parsed anew from a prepared layer's WKB (only
        these), else the objects themselves."""
        if self._all is None and self.wkb.covers(len(self)):
            return self.wkb.take(numbers)
        taken: np.ndarray = self.geometries[numbers]
        return taken

    def hazard(self, i: int) -> Hazard:
        return self.hazards_at(np.array([i], dtype=np.int64))[0]

    def hazards_at(self, numbers: np.ndarray) -> list[Hazard]:
        """``hazard(i)`` for each of ``numbers``, the columns read in bulk."""
        names, kind_list, sets = self.names, self.kind_list, self.property_sets
        out = []
        for hazard_id, kind, layer, k in zip(
            self.ids.take(numbers),
            self.kinds[numbers].tolist(),
            self.layer[numbers].tolist(),
            self.property_set[numbers].tolist(),
            strict=True,
        ):
            props = sets[k] if k >= 0 else {}
            out.append(Hazard(hazard_id, kind_list[kind], props.get("name"), names[layer], props))
        return out

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
    if type(props) is not dict or type(geom) is not dict:
        return False
    kind, geometry_type = props.get("kind"), geom.get("type")
    # a list or an object is not hashable: test the type before membership
    if type(kind) is not str or kind not in kinds:
        return False
    if type(geometry_type) is not str or geometry_type not in _GEOMETRY_TYPES:
        return False
    if type(geom.get("coordinates")) is not list:
        return False
    fid = feature.get("id", props.get("id"))
    if fid is not None and (type(fid) is bool or not isinstance(fid, str | int)):
        return False
    for key, value in props.items():
        if key in _ENUMS and (type(value) not in (str, int) or value not in _ENUMS[key]):
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
    from ..loading import _Reject

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
        if key in _ENUMS and (type(value) not in (str, int) or value not in _ENUMS[key]):
            return False
        if key in ("voltage_kv", "required_distance_m") and (type(value) not in _NUMT or value < 0):
            return False
        if key in ("name", "required_distance_source") and type(value) is not str:
            return False
    return not ("voltage_kv" in props and props["voltage_kv"] == 0)


_EMPTY = ("几何为空", "empty geometry")


def _shape_problem(gtype: str, coords: list[Any]) -> tuple[str, str] | None:
    """Too few positions for the type (GEOS would raise), or none at all (an empty geometry)."""
    if gtype == "Point":
        return None
    if not coords:
        return _EMPTY
    lines = [coords] if gtype == "LineString" else coords if gtype == "MultiLineString" else []
    if any(len(line) < 2 for line in lines):
        return ("线至少需要两个坐标点", "a line needs at least two positions")
    polygons = [coords] if gtype == "Polygon" else coords if gtype == "MultiPolygon" else []
    if any(not polygon for polygon in polygons):
        return _EMPTY
    for polygon in polygons:
        for ring in polygon:
            closes = len(ring) >= 3 and ring[0] != ring[-1]  # an unclosed ring gains its first position
            if len(ring) + closes < 4:
                return (
                    "多边形的环至少需要四个坐标点（首尾相同）",
                    "a polygon ring needs at least four positions (the first repeated last)",
                )
    return None


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
    shape_problem = _shape_problem(gtype, coords)
    if shape_problem is not None:
        layers.problems.append(_feature_problem(source, index, fid, *shape_problem))
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
    from .prepared import is_prepared, load_prepared

    if is_prepared(p):
        load_prepared(path, layers)
        return
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
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
            geoms[k] = None
    present = np.array([g is not None for g in geoms], dtype=bool) if n else np.zeros(0, dtype=bool)
    valid = np.zeros(n, dtype=bool)
    in_range = np.zeros(n, dtype=bool)
    empty = np.zeros(n, dtype=bool)
    if present.any():
        empty[present] = shapely.is_empty(geoms[present])
        valid[present] = shapely.is_valid(geoms[present]) & ~empty[present]
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
        elif empty[k]:
            layers.problems.append(_feature_problem(source, index, fid, *_EMPTY))
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
    bounds = shapely.bounds(geoms[kept]).reshape(-1, 4)
    _warn_outside_china(col, bounds, kept, source, layers)
    layers.add_geometries(len(layers), geoms[kept])
    layers.add_bounds(*bounds.T)
    layers.ids = layers.ids.concat(Strings.of([col.ids[k] for k in kept.tolist()]))
    layers.kinds = np.concatenate([layers.kinds, np.frombuffer(col.kinds, dtype=np.int8)[kept]])
    layers.layer = np.concatenate([layers.layer, np.full(len(kept), col.layer, dtype=np.int16)])
    property_set = np.full(n, -1, dtype=np.int32)
    # equal property sets (a voltage, a pressure class) are kept once, as a prepared layer keeps them
    known: dict[bytes, int] = {}
    for old, props in col.properties.items():
        if not keep[old]:
            continue
        try:
            key: bytes | None = orjson.dumps(props, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: kept on its own
            key = None
        found = known.get(key) if key is not None else None
        if found is None:
            found = len(layers.property_sets)
            layers.property_sets.append(props)
            if key is not None:
                known[key] = found
        property_set[old] = found
    layers.property_set = np.concatenate([layers.property_set, property_set[kept]])


def _warn_outside_china(
    col: _Columns, bounds: np.ndarray, kept: np.ndarray, source: str, layers: HazardLayers
) -> None:
    """One warning per layer for usable features wholly outside China (often [lat, lon] positions);
    ``bounds``: the envelopes of the features ``kept``."""
    if not len(kept):
        return
    outside, swapped = bounds_outside_china(bounds)
    if not outside.any():
        return
    first = int(np.flatnonzero(outside)[0])
    k = int(kept[first])
    count = int(outside.sum())
    zh = f"本图层有 {count} 个要素位于中国范围以外（此为第一个）"
    en = f"{count} feature{'s' if count > 1 else ''} of this layer lie outside China's extent (this is the first)"
    if swapped[first]:
        zh += "；其坐标似乎写成了 [纬度, 经度]，GeoJSON 坐标顺序应为 [经度, 纬度]"
        en += "; its coordinates look written [lat, lon]: GeoJSON positions are [lon, lat]"
    problem = _feature_problem(source, col.feature_index[k], col.ids[k], zh, en, Severity.warning)
    layers.problems.append(
        Problem(problem.source, problem.path, "hazard.outside_china", problem.message, Severity.warning)
    )


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
    with paused():
        for path in paths:
            load_layer(path, layers)
    return layers
