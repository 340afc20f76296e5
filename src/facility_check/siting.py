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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import shapely
import yaml
from pyproj import CRS, Transformer
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .catalogue import Catalogue
from .geo.coords import geometry_to_wgs84, to_wgs84
from .loading import LoadFailure, decode, parse_json
from .problems import Problem, Severity, Text
from .record import Facility
from .report import SitingFinding, SitingResult
from .resources import data_dir, load_schema

CELL_DEG = 0.1
MAX_LAYER_BYTES = 512 * 1024 * 1024


class HazardError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message.en for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Hazard:
    id: str
    kind: str
    name: str | None
    layer: str
    properties: dict[str, Any]


@dataclass
class HazardLayers:
    """Every usable hazard, its WGS-84 geometry, and every feature that could not be used."""

    hazards: list[Hazard] = field(default_factory=list)
    geometries: list[BaseGeometry] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == Severity.error]


@cache
def siting_rules() -> dict[str, Any]:
    with (data_dir("standards") / "siting.yaml").open(encoding="utf-8") as f:
        rules: dict[str, Any] = yaml.safe_load(f)
    return rules


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


def _close_rings(geometry: dict[str, Any]) -> bool:
    """Close unclosed polygon rings in place (a certain repair); True when something changed."""
    changed = False
    if geometry["type"] not in ("Polygon", "MultiPolygon"):
        return False
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for rings in polygons:
        for ring in rings:
            if isinstance(ring, list) and len(ring) >= 3 and ring[0] != ring[-1]:
                ring.append(list(ring[0]))
                changed = True
    return changed


def _coordinates_in_range(coords: Any) -> bool:
    if isinstance(coords, list) and coords and isinstance(coords[0], int | float):
        lon, lat = coords[0], coords[1]
        return -180 <= lon <= 180 and -90 <= lat <= 90
    return all(_coordinates_in_range(c) for c in coords) if isinstance(coords, list) else False


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
    raw = p.read_bytes()
    if len(raw) > MAX_LAYER_BYTES:
        raise HazardError(
            [
                Problem(
                    source,
                    "$",
                    "limit.size",
                    Text("危险源图层超过 512 MiB", "hazard layer larger than 512 MiB"),
                )
            ]
        )
    from .loading import _Reject

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
        raise HazardError(
            [
                Problem(
                    source,
                    "$",
                    "hazard.not_collection",
                    Text(
                        "危险源图层应为 GeoJSON FeatureCollection",
                        "a hazard layer must be a GeoJSON FeatureCollection",
                    ),
                )
            ]
        )
    system = data.get("coordinate_system", "WGS84")
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
    seen: set[str] = set()
    kinds = siting_rules()["kinds"]
    start = len(layers.geometries)
    raw_geoms: list[BaseGeometry] = []
    for index, feature in enumerate(data["features"]):
        fid_raw = feature.get("id") if isinstance(feature, dict) else None
        if fid_raw is None and isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            fid_raw = feature["properties"].get("id")
        fid = None if fid_raw is None else str(fid_raw)
        errors = sorted(feature_validator.iter_errors(feature), key=lambda e: e.json_path)
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
            continue
        if fid is None:
            layers.problems.append(_feature_problem(source, index, fid, "缺少 id", "has no id"))
            continue
        if fid in seen:
            layers.problems.append(_feature_problem(source, index, fid, "id 重复", "duplicate id"))
            continue
        props = feature["properties"]
        kind = props["kind"]
        if kind == "power_line" and "voltage_kv" not in props:
            layers.problems.append(
                _feature_problem(
                    source, index, fid, "架空电力线缺少电压等级 voltage_kv", "power line without voltage_kv"
                )
            )
            continue
        geometry = feature["geometry"]
        if not _coordinates_in_range(geometry["coordinates"]):
            layers.problems.append(
                _feature_problem(
                    source,
                    index,
                    fid,
                    "坐标超出经纬度范围或格式错误",
                    "coordinates out of range or malformed",
                )
            )
            continue
        repaired = _close_rings(geometry)
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            layers.problems.append(
                _feature_problem(
                    source, index, fid, f"几何无法解析：{exc}", f"geometry cannot be read: {exc}"
                )
            )
            continue
        if geom.is_empty:
            layers.problems.append(_feature_problem(source, index, fid, "几何为空", "empty geometry"))
            continue
        if not shapely.is_valid(geom):
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
            continue
        if repaired:
            layers.problems.append(
                _feature_problem(
                    source,
                    index,
                    fid,
                    "多边形环未闭合，已按首点闭合",
                    "unclosed polygon ring closed at its first position",
                    Severity.warning,
                )
            )
        if kind not in kinds:  # guarded by the schema; kept for overlays that remove kinds
            continue
        seen.add(fid)
        raw_geoms.append(geom)
        layers.hazards.append(Hazard(fid, kind, props.get("name"), layer_name, dict(props)))
    if raw_geoms:
        converted = geometry_to_wgs84(system, np.array(raw_geoms, dtype=object))
        layers.geometries.extend(list(converted))
    assert len(layers.geometries) - start == len(raw_geoms)


def load_layers(paths: Iterable[str]) -> HazardLayers:
    layers = HazardLayers()
    for path in paths:
        load_layer(path, layers)
    return layers


def layer_failures(layers: HazardLayers) -> list[LoadFailure]:
    return [LoadFailure(p.source, [p]) for p in layers.rejected]


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


def max_requirement(hazard: Hazard, overrides: dict[str, tuple[float, str]]) -> float:
    req = requirement(hazard, None, overrides)
    return 0.0 if req is None else req.distance_m


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
        self.geoms = np.array(layers.geometries, dtype=object)
        self.reach_m = (
            np.array([max_requirement(h, self.overrides) for h in layers.hazards], dtype=np.float64)
            + self.margin_m
        )
        self.tree = STRtree(self.geoms) if len(self.geoms) else None
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
        if self.tree is not None and idx:
            geoms = np.array([located[i][0] for i in idx], dtype=object)
            lat_max = max(abs(float(shapely.bounds(g)[3])) for g in geoms)
            reach = float(self.reach_m.max())
            # a degree threshold that covers `reach` metres in every direction (longitude degrees are shortest)
            deg = (
                reach / (111_000.0 * max(math.cos(math.radians(min(lat_max + 0.5, 89.0))), 0.01)) * 1.01
                + 1e-6
            )
            q_in, q_tree = self.tree.query(geoms, predicate="dwithin", distance=deg)
            for a, b in zip(q_in.tolist(), q_tree.tolist(), strict=True):
                pairs[idx[a]].append(b)
        # group by cell so that one projection serves nearby facilities
        cells: dict[tuple[float, float], list[int]] = {}
        for i in idx:
            g = located[i][0]
            assert g is not None
            c = g.centroid
            cells.setdefault(_cell_centre(c.x, c.y), []).append(i)
        for (lon0, lat0), members in sorted(cells.items()):
            wanted = sorted({h for i in members for h in pairs[i]})
            projected_h = (
                dict(zip(wanted, project(self.geoms[wanted], lon0, lat0), strict=True)) if wanted else {}
            )
            projected_f = project(np.array([located[i][0] for i in members], dtype=object), lon0, lat0)
            for i, fgeom in zip(members, projected_f, strict=True):
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

        by_id = {(h.layer, h.id): i for i, h in enumerate(self.layers.hazards)}
        facility_m = project(geom, lon0, lat0)
        hazards = []
        for f in result.findings:
            i = by_id[(f.layer, f.hazard_id)]
            hazard_wgs = self.geoms[i]
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
        findings: list[SitingFinding] = []
        if candidates:
            hgeoms = np.array([projected[h] for h in candidates], dtype=object)
            distances = shapely.distance(fgeom, hgeoms)
            crossings = shapely.intersects(fgeom, hgeoms)
        for n, h in enumerate(candidates):
            hazard = self.layers.hazards[h]
            req = requirement(hazard, users, self.overrides)
            if req is None:
                continue
            distance = float(distances[n])
            crossing = bool(crossings[n])
            if distance > req.distance_m + self.margin_m:
                continue
            if req.distance_m == 0:
                passed = distance > 0
            else:
                passed = distance >= req.distance_m and not (crossing and req.must_not_cross)
            findings.append(self._finding(hazard, distance, crossing, req, passed, measured_from or "point"))
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
        )
