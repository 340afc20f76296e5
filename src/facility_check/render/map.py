"""Maps of facilities and hazards: a GeoJSON FeatureCollection and a self-contained HTML page.

Two maps come from the same records:

* the **working map** (``facility_map``): every located facility coloured by its verdict, the
  hazards of the layers with their required-distance buffers, lines that cross a facility's site
  highlighted; a facility popup with its facts, verdict and failing siting findings;
* the **public map** (``public_map``, the 电子地图 of filed facilities): only filed facilities that
  are operating, only public facts (name, address, 机构性质, places, filing date), never a
  verdict, finding, child or staff member, and no hazards.

Every coordinate on the map is WGS-84; the datums of the sources are stated. Buffers are computed
in metres in a local azimuthal-equidistant projection centred on each hazard (as siting measures),
then returned to WGS-84. The HTML page inlines Leaflet (vendored under
``web/static/vendor/leaflet``, read as package data, never imported) and makes no network
request, unless an office gives its own tile server (``tiles``). Output is deterministic: no clock
is read; the data date is given or taken from the records.

This module imports nothing from the web layer; the web workbench calls these functions::

    records = pipeline.validate_loaded(items, as_of)           # or stored records
    reports = pipeline.evaluate_records(records, catalogue, Options(as_of=as_of), index)
    facilities = [v.facility for v in pipeline.usable(records)]
    collection = facility_map(facilities, reports, index, link_base="", as_of=as_of,
                              outline=read_outline(upload_bytes, filename))   # outline optional
    map_geojson(collection)              # /map data (application/geo+json)
    map_fragment(collection, tiles=...)  # embedded in the /map page, after Leaflet and MAP_CSS
    map_html(public_map(facilities, as_of=as_of))  # the public download, self-contained
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..geo.coords import geometry_to_wgs84, to_wgs84
from ..problems import Problem, Text
from ..record import Facility, OperatorType
from ..report import FacilityReport
from ..resources import siting_rules
from ..rules.base import Status
from ..scoring import to_number
from ..siting import Requirement, SitingIndex, facility_geometry, project, requirement
from ..siting.measure import cell_centre, unproject
from .base import dump_json, esc

MAX_MAP_HAZARDS = 5000
"""Above this many hazards in the map's extent only those near a facility are drawn (said on the map)."""
EXTENT_MARGIN_M = 1000.0
"""Hazards within this distance of the facilities' bounding box are drawn."""
PRECISION_DEG = 1e-7  # about 1 cm: coordinates are rounded to it, so output is small and stable
_DECIMALS = 7
SAFE_LINK_BASE = re.compile(r"^(https?://[^\s\"'<>]+|/[^\s\"'<>]*)$", re.IGNORECASE)
"""What a facility link (or a tile template) may start with: a web address or a path on the same site."""

VERDICT_COLOURS = {
    "noncompliant": "#c62828",
    "incomplete": "#ef8f00",
    "compliant": "#2e7d32",
    "filed": "#1565c0",
    "not_evaluated": "#757575",
}

_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "托育机构分布示意图",
        "title.public": "已备案托育机构分布示意图",
        "schematic": "示意图",
        "schematic.note": "示意图，不作为测绘或定界依据",
        "data_date": "数据日期",
        "data_date.none": "数据日期：未提供（请用 --as-of 指定）",
        "crs": "坐标：WGS-84",
        "crs.sources": "源数据坐标系",
        "converted": "已转换为 WGS-84",
        "facility_id": "机构编号",
        "address": "地址",
        "operator_type": "机构性质",
        "places": "托位数（备案收托规模）",
        "filed_date": "备案日期",
        "enrolled": "在托人数",
        "verdict": "检查结论",
        "setup": "设置标准得分",
        "management": "管理规范得分",
        "design": "建筑设计",
        "siting": "选址安全",
        "counts": "不符合 / 未知条款",
        "as_of": "参考日期",
        "siting.failed": "选址不符合",
        "open": "打开机构页面",
        "hazard": "危险源",
        "hazard_id": "编号",
        "kind": "类型",
        "name": "名称",
        "required": "要求距离",
        "required.small": "规模 ≤ 200 人的机构",
        "required.none": "不要求距离（不构成危险源）",
        "required.adjoin": "不得与场地毗邻",
        "required.source": "依据",
        "crossing": "穿越机构场地",
        "fails": "距离不足的机构",
        "layer": "图层",
        "legend": "图例",
        "legend.noncompliant": "机构：不符合",
        "legend.incomplete": "机构：事实不全（有未知项）",
        "legend.compliant": "机构：符合",
        "legend.filed": "已备案托育机构",
        "legend.hazard": "危险源",
        "legend.hazard_failed": "危险源（有机构距离不足）",
        "legend.buffer": "要求距离范围",
        "legend.crossing": "穿越场地的线路/管道",
        "legend.site": "场地边界",
        "legend.not_evaluated": "机构：未评估",
        "legend.outline": "辖区边界",
        "unplaced": "未能标注（记录无坐标）",
        "limited": "危险源过多，仅显示机构附近（要求距离 + 100 m 以内）的危险源",
        "shown": "图中机构 {n} 个",
        "verdict.noncompliant": "不符合",
        "verdict.incomplete": "事实不全",
        "verdict.compliant": "符合",
        "verdict.unknown": "无法判断",
        "verdict.not_checked": "未检查",
        "cursor": "WGS-84 经度 {lon}，纬度 {lat}",
        "m": "m",
    },
    "en": {
        "title": "Childcare facilities",
        "title.public": "Filed childcare facilities",
        "schematic": "schematic map",
        "schematic.note": "schematic: not a survey or boundary document",
        "data_date": "data as of",
        "data_date.none": "data date: not given (use --as-of)",
        "crs": "coordinates: WGS-84",
        "crs.sources": "source coordinate systems",
        "converted": "converted to WGS-84",
        "facility_id": "Facility id",
        "address": "Address",
        "operator_type": "Type",
        "places": "Places (filed capacity)",
        "filed_date": "Filed on",
        "enrolled": "Children enrolled",
        "verdict": "Verdict",
        "setup": "Setup standard score",
        "management": "Management norms score",
        "design": "Building design",
        "siting": "Siting",
        "counts": "Unmet / unknown articles",
        "as_of": "Reference date",
        "siting.failed": "Siting failures",
        "open": "Open the facility page",
        "hazard": "Hazard",
        "hazard_id": "Id",
        "kind": "Kind",
        "name": "Name",
        "required": "Required distance",
        "required.small": "facilities of at most 200 people",
        "required.none": "no distance required (not a hazard)",
        "required.adjoin": "must not adjoin the site",
        "required.source": "Basis",
        "crossing": "Crosses a facility site",
        "fails": "Facilities too close",
        "layer": "Layer",
        "legend": "Legend",
        "legend.noncompliant": "facility: noncompliant",
        "legend.incomplete": "facility: facts missing (unknowns)",
        "legend.compliant": "facility: compliant",
        "legend.filed": "filed childcare facility",
        "legend.hazard": "hazard",
        "legend.hazard_failed": "hazard too close to a facility",
        "legend.buffer": "required distance",
        "legend.crossing": "line or pipeline crossing a site",
        "legend.site": "site boundary",
        "legend.not_evaluated": "facility: not evaluated",
        "legend.outline": "district boundary",
        "unplaced": "not placed (no coordinates in the record)",
        "limited": "too many hazards: only those near a facility (required distance + 100 m) are shown",
        "shown": "{n} facilities on the map",
        "verdict.noncompliant": "noncompliant",
        "verdict.incomplete": "facts missing",
        "verdict.compliant": "compliant",
        "verdict.unknown": "unknown",
        "verdict.not_checked": "not checked",
        "cursor": "WGS-84 lon {lon}, lat {lat}",
        "m": "m",
    },
}

_OPERATOR_TYPES: dict[str, dict[str, str]] = {
    "zh": {
        "independent": "独立设置的托育机构",
        "employer": "用人单位举办",
        "community": "社区托育点",
        "kindergarten_class": "幼儿园开设托班",
        "other": "其他",
    },
    "en": {
        "independent": "independent facility",
        "employer": "run by an employer",
        "community": "community childcare point",
        "kindergarten_class": "kindergarten class for under-3s",
        "other": "other",
    },
}


def _label(lang: str, key: str) -> str:
    return _LABELS.get(lang, _LABELS["zh"])[key]


def _operator(lang: str, value: OperatorType | None) -> str | None:
    return None if value is None else _OPERATOR_TYPES.get(lang, _OPERATOR_TYPES["zh"])[value.value]


# ----------------------------------------------------------------------------------------------
# Verdicts and dates
# ----------------------------------------------------------------------------------------------


def facility_verdict(report: FacilityReport) -> str:
    """``noncompliant`` (something unmet: an article, a design clause or siting), ``incomplete``
    (nothing unmet, but facts missing) or ``compliant``: the colour of the facility on the map."""
    counted = [r for r in report.articles if r.counts]
    siting = report.siting.verdict if report.siting is not None else None
    if (
        any(r.status == Status.unmet for r in counted)
        or report.design.verdict == "noncompliant"
        or siting == "noncompliant"
    ):
        return "noncompliant"
    if (
        any(r.status == Status.unknown for r in counted)
        or report.design.verdict != "compliant"
        or siting == "unknown"
    ):
        return "incomplete"
    return "compliant"


def is_publicly_filed(f: Facility) -> bool:
    """On the public map: filed (备案), the filing not cancelled, and not closed or closing."""
    filing = f.filing
    if filing is None or filing.filed is not True or filing.cancellation_filed is True:
        return False
    return f.status is None or f.status.value == "operating"


def data_date(facilities: Sequence[Facility], as_of: date | None = None) -> date | None:
    """The date of the data: ``as_of`` when given, else the latest inspection or filing date of the
    records (never today's date, so the same records give the same map)."""
    if as_of is not None:
        return as_of
    dates: list[date] = []
    for f in facilities:
        if f.inspection is not None and f.inspection.inspection_date is not None:
            dates.append(f.inspection.inspection_date)
        if f.filing is not None:
            dates.extend(d for d in (f.filing.filed_date, f.filing.change_refiled_date) if d is not None)
    return max(dates) if dates else None


# ----------------------------------------------------------------------------------------------
# Geometry helpers
# ----------------------------------------------------------------------------------------------


def _mapping(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry (2-D) with coordinates rounded to ``PRECISION_DEG`` (about 1 cm)."""
    kind = geom.geom_type
    if geom.is_empty:
        return {"type": kind, "coordinates": []}
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": [_mapping(g) for g in geom.geoms]}
    return {"type": kind, "coordinates": _coordinates(geom)}


def _coordinates(geom: BaseGeometry) -> Any:
    kind = geom.geom_type
    if kind.startswith("Multi"):
        return [_coordinates(g) for g in geom.geoms]
    if kind == "Polygon":
        return [_positions(geom.exterior), *(_positions(r) for r in geom.interiors)]
    positions = _positions(geom)
    return positions[0] if kind == "Point" else positions


def _positions(geom: BaseGeometry) -> list[list[float]]:
    xy = shapely.get_coordinates(geom)
    rounded: list[list[float]] = np.round(xy, _DECIMALS).tolist()
    return rounded


def _buffers_wgs84(geoms: Sequence[BaseGeometry], distances_m: Sequence[float]) -> list[BaseGeometry]:
    """Each geometry buffered by its distance in true metres: projected to an azimuthal-equidistant
    plane centred on the 0.1° cell of its centroid (as siting measures; the scale error is below
    10⁻⁵ within 50 km of the centre), buffered there, and returned to WGS-84."""
    out: list[BaseGeometry | None] = [None] * len(geoms)
    cells: dict[tuple[float, float], list[int]] = {}
    for i, g in enumerate(geoms):
        c = g.centroid
        cells.setdefault(cell_centre(c.x, c.y), []).append(i)
    for (lon0, lat0), members in sorted(cells.items()):
        metres = project(np.array([geoms[i] for i in members], dtype=object), lon0, lat0)
        buffered = shapely.buffer(metres, np.array([distances_m[i] for i in members]), quad_segs=16)
        for i, g in zip(members, unproject(buffered, lon0, lat0), strict=True):
            out[i] = g
    return [g for g in out if g is not None]


_LAYER_SYSTEM = re.compile(r"\((WGS84|CGCS2000|GCJ02|BD09)\)$")


def _layer_system(layer_name: str) -> str | None:
    m = _LAYER_SYSTEM.search(layer_name)
    return m.group(1) if m else None


# ----------------------------------------------------------------------------------------------
# Features
# ----------------------------------------------------------------------------------------------


def _rows(*pairs: tuple[str, Any]) -> list[list[str]]:
    return [[k, str(v)] for k, v in pairs if v is not None and v != ""]


def _place(f: Facility) -> tuple[BaseGeometry | None, BaseGeometry | None, str | None]:
    """(marker point, site boundary or None, source system) in WGS-84; (None, None, None) unplaced."""
    geom, measured = facility_geometry(f)
    if geom is None or f.location is None:
        return None, None, None
    loc = f.location
    system = str(loc.crs)
    if measured != "site_boundary":
        return geom, None, system
    if loc.longitude is not None and loc.latitude is not None:
        lon, lat = to_wgs84(system, np.array([loc.longitude]), np.array([loc.latitude]))
        return shapely.Point(float(lon[0]), float(lat[0])), geom, system
    return geom.representative_point(), geom, system


def _public_feature(f: Facility, point: BaseGeometry, system: str, lang: str) -> dict[str, Any]:
    filing = f.filing
    assert filing is not None
    address = f.address or filing.filed_address
    props: dict[str, Any] = {
        "role": "facility",
        "name": f.name,
        "address": address,
        "operator_type": f.operator_type.value if f.operator_type else None,
        "places": filing.filed_capacity,
        "filed_date": filing.filed_date.isoformat() if filing.filed_date else None,
        "source_crs": system,
        "verdict": "filed",
        "popup": {
            "title": f.name,
            "rows": _rows(
                (_label(lang, "address"), address),
                (_label(lang, "operator_type"), _operator(lang, f.operator_type)),
                (_label(lang, "places"), filing.filed_capacity),
                (_label(lang, "filed_date"), filing.filed_date.isoformat() if filing.filed_date else None),
            ),
        },
    }
    return {"type": "Feature", "geometry": _mapping(point), "properties": props}


def _score(report: FacilityReport, standard: str) -> str | None:
    s = report.scores.get(standard)
    if s is None:
        return None
    return f"{s.score}"


def _facility_feature(
    f: Facility,
    report: FacilityReport | None,
    point: BaseGeometry,
    system: str,
    lang: str,
    link_base: str | None,
) -> dict[str, Any]:
    verdict = facility_verdict(report) if report is not None else "not_evaluated"
    places = f.filing.filed_capacity if f.filing is not None else None
    filed_date = f.filing.filed_date if f.filing is not None else None
    props: dict[str, Any] = {
        "role": "facility",
        "facility_id": f.facility_id,
        "name": f.name,
        "address": f.address,
        "operator_type": f.operator_type.value if f.operator_type else None,
        "places": places,
        "filed": f.filing.filed if f.filing is not None else None,
        "filed_date": filed_date.isoformat() if filed_date else None,
        "source_crs": system,
        "verdict": verdict,
    }
    rows: list[list[str]] = _rows(
        (_label(lang, "facility_id"), f.facility_id),
        (_label(lang, "address"), f.address),
        (_label(lang, "operator_type"), _operator(lang, f.operator_type)),
        (_label(lang, "places"), places),
        (_label(lang, "enrolled"), f.enrolled_total()),
        (_label(lang, "filed_date"), filed_date.isoformat() if filed_date else None),
    )
    if report is not None:
        counted = [r for r in report.articles if r.counts]
        unmet = sum(1 for r in counted if r.status == Status.unmet)
        unknown = sum(1 for r in counted if r.status == Status.unknown)
        siting = report.siting.verdict if report.siting is not None else "not_checked"
        failed = [x for x in report.siting.findings if not x.passed] if report.siting is not None else []
        props.update(
            {
                "scores": {k: to_number(v.score) for k, v in sorted(report.scores.items())},
                "unmet": unmet,
                "unknown": unknown,
                "design": report.design.verdict,
                "siting": siting,
                "siting_failed": [x.hazard_id for x in failed],
                "as_of": report.as_of.isoformat() if report.as_of else None,
            }
        )
        rows += _rows(
            (_label(lang, "verdict"), _label(lang, f"verdict.{verdict}")),
            (_label(lang, "setup"), _score(report, "setup")),
            (_label(lang, "management"), _score(report, "management")),
            (_label(lang, "counts"), f"{unmet} / {unknown}"),
            (_label(lang, "design"), _label(lang, f"verdict.{report.design.verdict}")),
            (_label(lang, "siting"), _label(lang, f"verdict.{siting}")),
            *((_label(lang, "siting.failed"), x.message(lang)) for x in failed),
            (_label(lang, "as_of"), report.as_of.isoformat() if report.as_of else None),
        )
    popup: dict[str, Any] = {"title": f.name, "rows": rows}
    if link_base is not None:
        url = f"{link_base.rstrip('/')}/facilities/{quote(f.facility_id, safe='')}"
        props["url"] = url
        popup["link"] = {"href": url, "text": _label(lang, "open")}
    props["popup"] = popup
    return {"type": "Feature", "geometry": _mapping(point), "properties": props}


def _requirement_rows(lang: str, large: Requirement | None, small: Requirement | None) -> list[list[str]]:
    if large is None and small is None:
        return _rows((_label(lang, "required"), _label(lang, "required.none")))
    rows: list[list[str]] = []
    if large is not None:
        rows += _rows(
            (
                _label(lang, "required"),
                _label(lang, "required.adjoin") if large.distance_m == 0 else f"{large.distance_m:g} m",
            ),
            (_label(lang, "required.source"), large.source),
        )
    if small is not None and (large is None or small.distance_m != large.distance_m):
        rows += _rows(
            (
                (
                    f"{_label(lang, 'required')}（{_label(lang, 'required.small')}）"
                    if lang == "zh"
                    else f"{_label(lang, 'required')} ({_label(lang, 'required.small')})"
                ),
                f"{small.distance_m:g} m",
            ),
            (_label(lang, "required.source"), small.source),
        )
    return rows


def _hazard_features(
    index: SitingIndex,
    numbers: Sequence[int],
    reports: Sequence[FacilityReport],
    lang: str,
) -> list[dict[str, Any]]:
    """Each hazard, then its buffer (drawn beneath it), with the facilities it fails or crosses."""
    failed_for: dict[int, list[str]] = {}
    crossing_for: dict[int, list[str]] = {}
    for r in reports:
        if r.siting is None:
            continue
        for x in r.siting.findings:
            if not x.passed:
                failed_for.setdefault(x.hazard_index, []).append(r.facility_id)
            if x.crossing:
                crossing_for.setdefault(x.hazard_index, []).append(r.facility_id)
    features: list[dict[str, Any]] = []
    titles = {k: str(v["title"]) for k, v in siting_rules()["kinds"].items()}
    hazards = [index.layers.hazard(n) for n in numbers]
    needs = [(hazard, requirement(hazard, None, index.overrides)) for hazard in hazards]
    buffered = [(i, r.distance_m) for i, (_, r) in enumerate(needs) if r is not None and r.distance_m > 0]
    shapes = _buffers_wgs84([index.geoms[numbers[i]] for i, _ in buffered], [d for _, d in buffered])
    buffers = dict(zip([i for i, _ in buffered], shapes, strict=True))
    for i, (n, (hazard, large)) in enumerate(zip(numbers, needs, strict=True)):
        geom: BaseGeometry = index.geoms[n]
        small = requirement(hazard, 0, index.overrides)
        required = large.distance_m if large is not None else None
        kind = titles.get(hazard.kind, hazard.kind) if lang == "zh" else hazard.kind
        crossing = sorted(set(crossing_for.get(n, [])))
        failing = sorted(set(failed_for.get(n, [])))
        rows = _rows(
            (_label(lang, "hazard_id"), hazard.id),
            (_label(lang, "kind"), kind),
            (_label(lang, "name"), hazard.name),
        )
        rows += _requirement_rows(lang, large, small)
        sep = "、" if lang == "zh" else ", "
        if crossing:
            rows += _rows((_label(lang, "crossing"), sep.join(crossing)))
        if failing:
            rows += _rows((_label(lang, "fails"), sep.join(failing)))
        rows += _rows((_label(lang, "layer"), hazard.layer))
        common = {"hazard_id": hazard.id, "kind": hazard.kind, "required_m": required}
        if i in buffers:
            features.append(
                {
                    "type": "Feature",
                    "geometry": _mapping(buffers[i]),
                    "properties": {"role": "required_distance", **common, "failed": bool(failing)},
                }
            )
        features.append(
            {
                "type": "Feature",
                "geometry": _mapping(geom),
                "properties": {
                    "role": "hazard",
                    **common,
                    "name": hazard.name,
                    "layer": hazard.layer,
                    "source_crs": _layer_system(hazard.layer),
                    "crossing": bool(crossing),
                    "crosses_facilities": crossing,
                    "fails_facilities": failing,
                    "popup": {"title": f"{_label(lang, 'hazard')} {hazard.id}", "rows": rows},
                },
            }
        )
    return features


def _hazards_in_extent(index: SitingIndex, placed: Sequence[BaseGeometry]) -> tuple[list[int], bool]:
    """Hazard numbers to draw (load order) and whether the set was limited to those near facilities."""
    n = len(index.layers)
    if n == 0:
        return [], False
    if placed:
        minx, miny, maxx, maxy = shapely.total_bounds(np.array(placed, dtype=object))
        # metres -> degrees at the extent's latitude farthest from the equator (conservative)
        lat = min(max(abs(miny), abs(maxy)) + 0.5, 89.0)
        margin_lat = EXTENT_MARGIN_M / 111_000.0
        margin_lon = EXTENT_MARGIN_M / (111_000.0 * max(np.cos(np.radians(lat)), 0.01))
        box = shapely.box(minx - margin_lon, miny - margin_lat, maxx + margin_lon, maxy + margin_lat)
        numbers = sorted(int(i) for i in np.flatnonzero(shapely.intersects(index.geoms, box)))
    else:
        numbers = list(range(n))
    return numbers, len(numbers) > MAX_MAP_HAZARDS


def read_outline(data: bytes, source: str) -> list[dict[str, Any]]:
    """A district outline for the map: GeoJSON (a Polygon or MultiPolygon, a Feature of one, or a
    FeatureCollection of them; ``coordinate_system`` WGS84 / CGCS2000 / GCJ02 / BD09 as in hazard
    layers) → outline features in WGS-84. Anything unusable raises ``InputError``, located."""
    from ..loading import MAX_DOCUMENT_BYTES, _Reject, decode, parse_json
    from ..pipeline import InputError

    def problem(path: str, zh: str, en: str) -> Problem:
        return Problem(source=source, path=path, code="outline", message=Text(zh, en))

    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError([problem("$", "辖区边界文件超过 64 MiB", "outline file larger than 64 MiB")])
    try:
        text, _ = decode(data, source)
        doc = parse_json(text, source)
    except _Reject as exc:
        raise InputError([exc.problem]) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        items = [(f"$.features[{i}]", f) for i, f in enumerate(doc["features"])]
    elif kind == "Feature":
        items = [("$", doc)]
    elif kind in ("Polygon", "MultiPolygon"):
        items = [("$", {"type": "Feature", "geometry": doc, "properties": {}})]
    else:
        raise InputError(
            [
                problem(
                    "$",
                    "辖区边界应为 GeoJSON（FeatureCollection、Feature 或 Polygon/MultiPolygon）",
                    "an outline must be GeoJSON: a FeatureCollection, a Feature or a Polygon/MultiPolygon",
                )
            ]
        )
    system = doc.get("coordinate_system", "WGS84")
    if system not in ("WGS84", "CGCS2000", "GCJ02", "BD09"):
        raise InputError(
            [
                problem(
                    "$.coordinate_system",
                    f"未知坐标系 {system!r}（应为 WGS84/CGCS2000/GCJ02/BD09）",
                    f"unknown coordinate system {system!r} (expected WGS84/CGCS2000/GCJ02/BD09)",
                )
            ]
        )
    problems: list[Problem] = []
    features: list[dict[str, Any]] = []
    for path, feature in items:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(
                problem(
                    f"{path}.geometry",
                    "应为 Polygon 或 MultiPolygon 几何",
                    "expected a Polygon or MultiPolygon",
                )
            )
            continue
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError):
            problems.append(problem(f"{path}.geometry", "几何无法解析", "geometry cannot be read"))
            continue
        minx, miny, maxx, maxy = geom.bounds
        if geom.is_empty or not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            problems.append(
                problem(f"{path}.geometry", "坐标为空或超出经纬度范围", "empty or out-of-range coordinates")
            )
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            problems.append(
                problem(f"{path}.geometry", f"几何无效（{reason}）", f"invalid geometry ({reason})")
            )
            continue
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        name = props.get("name") if isinstance(props.get("name"), str) else None
        features.append(
            {
                "type": "Feature",
                "geometry": _mapping(geometry_to_wgs84(system, geom)),
                "properties": {"role": "outline", "name": name, "source_crs": system},
            }
        )
    if problems:
        raise InputError(problems)
    if not features:
        raise InputError([problem("$", "辖区边界文件没有多边形", "the outline file has no polygon")])
    return features


def facility_map(
    facilities: Sequence[Facility],
    reports: Sequence[FacilityReport] | None = None,
    siting_index: SitingIndex | None = None,
    *,
    lang: str = "zh",
    link_base: str | None = None,
    as_of: date | None = None,
    outline: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The working map as a GeoJSON FeatureCollection (WGS-84).

    ``reports`` (same order as ``facilities``, e.g. from ``pipeline.evaluate_records``) give the
    verdicts; ``siting_index`` the hazards. ``link_base`` (``""`` for a relative link) adds a link
    to ``{link_base}/facilities/{id}`` in each facility popup; ``outline`` (from ``read_outline``)
    draws the district's boundary. Foreign members describe the map:
    ``data_date``, ``source_coordinate_systems``, ``unplaced`` (facilities without coordinates),
    ``hazards_limited``.
    """
    if reports is not None and len(reports) != len(facilities):
        raise ValueError("reports must match facilities one to one")
    if link_base and not SAFE_LINK_BASE.match(link_base):
        raise ValueError("link_base must be an http(s) URL or a path starting with /")
    facility_features: list[dict[str, Any]] = []
    sites: list[dict[str, Any]] = []
    placed: list[BaseGeometry] = []
    unplaced: list[dict[str, str]] = []
    systems: set[str] = set()
    for i, f in enumerate(facilities):
        point, site, system = _place(f)
        if point is None or system is None:
            unplaced.append({"facility_id": f.facility_id, "name": f.name})
            continue
        systems.add(system)
        placed.append(site if site is not None else point)
        report = reports[i] if reports is not None else None
        facility_features.append(_facility_feature(f, report, point, system, lang, link_base))
        if site is not None:
            sites.append(
                {
                    "type": "Feature",
                    "geometry": _mapping(site),
                    "properties": {"role": "site", "facility_id": f.facility_id},
                }
            )
    hazard_features: list[dict[str, Any]] = []
    limited = False
    if siting_index is not None:
        numbers, limited = _hazards_in_extent(siting_index, placed)
        if limited:
            near = {x.hazard_index for r in reports or [] if r.siting for x in r.siting.findings}
            numbers = sorted(near)
        hazard_features = _hazard_features(siting_index, numbers, reports or [], lang)
        systems.update(s for s in map(_layer_system, siting_index.layer_names) if s)
    systems.update(f["properties"]["source_crs"] for f in outline)
    when = data_date(facilities, as_of)
    return {
        "type": "FeatureCollection",
        "coordinate_system": "WGS84",
        "source_coordinate_systems": sorted(systems),
        "public": False,
        "data_date": when.isoformat() if when else None,
        "title": _label(lang, "title"),
        "lang": lang,
        "hazards_limited": limited,
        "unplaced": unplaced,
        "features": [*outline, *hazard_features, *sites, *facility_features],
    }


def public_map(
    facilities: Sequence[Facility],
    *,
    lang: str = "zh",
    as_of: date | None = None,
    outline: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The public map (电子地图 of filed facilities) as a GeoJSON FeatureCollection (WGS-84).

    Only facilities for which ``is_publicly_filed`` holds, and only their public facts: name,
    address, 机构性质 (operator type), places (the filed capacity) and filing date. No facility id,
    verdict, finding, child, staff member or hazard.
    """
    shown = [f for f in facilities if is_publicly_filed(f)]
    features: list[dict[str, Any]] = []
    unplaced: list[dict[str, str]] = []
    systems: set[str] = set()
    for f in shown:
        point, _, system = _place(f)
        if point is None or system is None:
            unplaced.append({"name": f.name})
            continue
        systems.add(system)
        features.append(_public_feature(f, point, system, lang))
    systems.update(f["properties"]["source_crs"] for f in outline)
    when = data_date(shown, as_of)
    return {
        "type": "FeatureCollection",
        "coordinate_system": "WGS84",
        "source_coordinate_systems": sorted(systems),
        "public": True,
        "data_date": when.isoformat() if when else None,
        "title": _label(lang, "title.public"),
        "lang": lang,
        "unplaced": unplaced,
        "features": [*outline, *features],
    }


def map_geojson(collection: Mapping[str, Any]) -> str:
    """The collection as deterministic JSON text (for ``/map`` data or a download)."""
    return dump_json(collection)


# ----------------------------------------------------------------------------------------------
# The self-contained HTML page
# ----------------------------------------------------------------------------------------------

_LEAFLET = "web/static/vendor/leaflet"


def _leaflet_file(name: str) -> bytes:
    return resources.files("facility_check").joinpath(f"{_LEAFLET}/{name}").read_bytes()


@cache
def leaflet_assets() -> tuple[str, str]:
    """(JavaScript, CSS) of the vendored Leaflet, ready to inline: the source-map comment removed
    (a page must not ask for a file it cannot have), the CSS images as data: URIs, line ends LF."""
    js = _leaflet_file("leaflet.js").decode("utf-8").replace("\r\n", "\n")
    js = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)
    css = _leaflet_file("leaflet.css").decode("utf-8").replace("\r\n", "\n")

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode(_leaflet_file(f"images/{match.group(1)}")).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    return js, css


def _script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' appear literally."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_STANDALONE_CSS = """
html, body { height: 100%; margin: 0; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; }
#fc-map { position: absolute; inset: 0; }
"""

MAP_CSS = """
.fc-map.leaflet-container { background: #f3f1ec; font: inherit; }
.fc-panel { background: rgba(255,255,255,0.94); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 13px; line-height: 1.5; max-width: 26em; }
.fc-title { font-size: 16px; font-weight: bold; }
.fc-badge { display: inline-block; border: 2px solid #b00020; color: #b00020; font-weight: bold;
  padding: 0 6px; margin-right: 6px; border-radius: 3px; }
.fc-note { color: #555; font-size: 12px; }
.fc-legend div { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.fc-swatch { display: inline-block; width: 14px; height: 14px; flex: none; }
.fc-dot { border-radius: 50%; border: 1.5px solid #fff; box-shadow: 0 0 0 1px #555; width: 11px; height: 11px; }
.fc-popup h3 { margin: 0 0 4px; font-size: 14px; }
.fc-popup table { border-collapse: collapse; font-size: 12px; }
.fc-popup th { text-align: left; font-weight: normal; color: #555; padding: 1px 8px 1px 0; vertical-align: top; white-space: nowrap; }
.fc-popup td { padding: 1px 0; }
.fc-label { background: rgba(255,255,255,0.85); border: none; box-shadow: none; font-size: 12px; padding: 0 3px; }
.fc-unplaced { max-height: 8em; overflow: auto; }
"""

_PAGE_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("fc-data").textContent);
  var cfg = JSON.parse(document.getElementById("fc-config").textContent);
  var L_ = cfg.labels;
  var map = L.map("fc-map", { attributionControl: false, zoomSnap: 0.25 });
  if (cfg.tiles) { L.tileLayer(cfg.tiles, { maxZoom: 19 }).addTo(map); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function popup(p) {
    var box = el("div", "fc-popup");
    box.appendChild(el("h3", null, p.title));
    var table = el("table");
    p.rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", null, r[0]));
      tr.appendChild(el("td", null, r[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    if (p.link) {
      var a = el("a", null, p.link.text);
      a.setAttribute("href", p.link.href);
      box.appendChild(a);
    }
    return box;
  }
  var C = cfg.colours;
  function style(f) {
    var p = f.properties;
    if (p.role === "required_distance") {
      var c = p.failed ? C.noncompliant : C.buffer;
      return { color: c, weight: 1.5, dashArray: "6 4", fillColor: c, fillOpacity: 0.08 };
    }
    if (p.role === "outline") {
      return { color: "#37474f", weight: 2.5, dashArray: "10 5 2 5", fill: false };
    }
    if (p.role === "site") {
      return { color: "#37474f", weight: 1.5, fillColor: "#90a4ae", fillOpacity: 0.25 };
    }
    if (p.role === "hazard") {
      if (p.crossing) { return { color: C.crossing, weight: 6, opacity: 0.9, fillOpacity: 0.5 }; }
      var h = p.fails_facilities.length ? C.noncompliant : C.hazard;
      return { color: h, weight: 3, fillColor: h, fillOpacity: 0.45 };
    }
    return {};
  }
  function point(f, latlng) {
    var p = f.properties;
    if (p.role === "facility") {
      return L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: C[p.verdict] || C.filed, fillOpacity: 1 });
    }
    var h = p.fails_facilities && p.fails_facilities.length ? C.noncompliant : C.hazard;
    return L.circleMarker(latlng, { radius: 5, color: h, weight: 2, fillColor: "#fff", fillOpacity: 1 });
  }
  var facilities = data.features.filter(function (f) { return f.properties.role === "facility"; });
  var framed = data.features.filter(function (f) { return f.properties.role === "facility" || f.properties.role === "outline"; });
  var labelled = facilities.length <= cfg.labelLimit;
  var layer = L.geoJSON(data, {
    style: style,
    pointToLayer: point,
    onEachFeature: function (f, lyr) {
      var p = f.properties;
      if (p.popup) { lyr.bindPopup(function () { return popup(p.popup); }, {
        maxWidth: 360, autoPanPaddingTopLeft: L.point(10, 160), autoPanPaddingBottomRight: L.point(10, 10)
      }); }
      if (p.role === "facility") {
        lyr.bindTooltip(el("span", null, p.name), { permanent: labelled, direction: "right", offset: [8, 0], className: "fc-label" });
      }
    }
  }).addTo(map);
  var focus = L.geoJSON({ type: "FeatureCollection", features: framed });
  var bounds = framed.length ? focus.getBounds() : layer.getBounds();
  if (bounds.isValid()) {
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) { map.setView(bounds.getCenter(), 16); }
    else { map.fitBounds(bounds.pad(0.15)); }
  } else { map.setView([35, 105], 4); }

  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);

  var Info = L.Control.extend({
    onAdd: function () {
      var box = el("div", "fc-panel");
      var t = el("div", "fc-title");
      t.appendChild(el("span", "fc-badge", L_.schematic));
      t.appendChild(document.createTextNode(data.title));
      box.appendChild(t);
      box.appendChild(el("div", null, data.data_date ? L_.data_date + " " + data.data_date : L_.no_date));
      box.appendChild(el("div", null, L_.shown.replace("{n}", facilities.length)));
      box.appendChild(el("div", "fc-note", cfg.crs_note));
      box.appendChild(el("div", "fc-note", L_.schematic_note));
      if (data.hazards_limited) { box.appendChild(el("div", "fc-note", L_.limited)); }
      if (data.unplaced.length) {
        var u = el("div", "fc-note fc-unplaced", L_.unplaced + "（" + data.unplaced.length + "）：" +
          data.unplaced.map(function (x) { return x.name; }).join("、"));
        box.appendChild(u);
      }
      L.DomEvent.disableClickPropagation(box);
      return box;
    }
  });
  new Info({ position: "topright" }).addTo(map);

  var Legend = L.Control.extend({
    onAdd: function () {
      var box = el("div", "fc-panel fc-legend");
      box.appendChild(el("b", null, L_.legend));
      cfg.legend.forEach(function (item) {
        var row = el("div");
        var s = el("span", "fc-swatch");
        if (item.shape === "dot") { s.className += " fc-dot"; s.style.background = item.colour; }
        else if (item.shape === "ring") { s.className += " fc-dot"; s.style.background = "#fff"; s.style.boxShadow = "0 0 0 2px " + item.colour; }
        else if (item.shape === "dash") { s.style.border = "1.5px dashed " + item.colour; s.style.background = item.colour + "22"; }
        else if (item.shape === "outline") { s.style.border = "2px dashed " + item.colour; }
        else if (item.shape === "line") { s.style.height = "5px"; s.style.background = item.colour; }
        else { s.style.border = "1.5px solid " + item.colour; s.style.background = item.colour + "44"; }
        row.appendChild(s);
        row.appendChild(el("span", null, item.text));
        box.appendChild(row);
      });
      return box;
    }
  });
  new Legend({ position: "bottomright" }).addTo(map);

  var Cursor = L.Control.extend({
    onAdd: function () {
      var box = el("div", "fc-panel fc-note", cfg.crs_short);
      map.on("mousemove", function (e) {
        box.textContent = L_.cursor.replace("{lon}", e.latlng.lng.toFixed(6)).replace("{lat}", e.latlng.lat.toFixed(6));
      });
      return box;
    }
  });
  new Cursor({ position: "bottomleft" }).addTo(map);
  window.fcMap = map;
  window.fcLayer = layer;
  document.body.setAttribute("data-ready", "1");
})();
"""


def _crs_note(collection: Mapping[str, Any], lang: str) -> str:
    sources = list(collection.get("source_coordinate_systems", []))
    text = _label(lang, "crs")
    if not sources:
        return text
    named = [
        s
        if s in ("WGS84", "CGCS2000")
        else f"{s}（{_label(lang, 'converted')}）"
        if lang == "zh"
        else f"{s} ({_label(lang, 'converted')})"
        for s in sources
    ]
    if lang == "zh":
        return f"{text}（{_label(lang, 'crs.sources')}：{'、'.join(named)}）"
    return f"{text} ({_label(lang, 'crs.sources')}: {', '.join(named)})"


def _legend(collection: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    roles = {f["properties"]["role"] for f in collection["features"]}
    outline = (
        [{"shape": "outline", "colour": "#37474f", "text": _label(lang, "legend.outline")}]
        if "outline" in roles
        else []
    )
    if collection.get("public"):
        return [
            {"shape": "dot", "colour": VERDICT_COLOURS["filed"], "text": _label(lang, "legend.filed")},
            *outline,
        ]
    items = [
        {"shape": "dot", "colour": VERDICT_COLOURS[v], "text": _label(lang, f"legend.{v}")}
        for v in ("noncompliant", "incomplete", "compliant")
    ]
    if any(f["properties"].get("verdict") == "not_evaluated" for f in collection["features"]):
        items.append(
            {
                "shape": "dot",
                "colour": VERDICT_COLOURS["not_evaluated"],
                "text": _label(lang, "legend.not_evaluated"),
            }
        )
    items += outline
    if "site" in roles:
        items.append({"shape": "box", "colour": "#37474f", "text": _label(lang, "legend.site")})
    if "hazard" in roles:
        items += [
            {"shape": "ring", "colour": _HAZARD_COLOUR, "text": _label(lang, "legend.hazard")},
            {
                "shape": "ring",
                "colour": VERDICT_COLOURS["noncompliant"],
                "text": _label(lang, "legend.hazard_failed"),
            },
        ]
    if "required_distance" in roles:
        items.append({"shape": "dash", "colour": _BUFFER_COLOUR, "text": _label(lang, "legend.buffer")})
    if any(f["properties"].get("crossing") for f in collection["features"]):
        items.append({"shape": "line", "colour": _CROSSING_COLOUR, "text": _label(lang, "legend.crossing")})
    return items


_HAZARD_COLOUR = "#6a1b9a"
_BUFFER_COLOUR = "#8e24aa"
_CROSSING_COLOUR = "#d500f9"
LABEL_LIMIT = 30  # up to this many facilities carry a permanent name label


def _config(collection: Mapping[str, Any], tiles: str | None) -> dict[str, Any]:
    lang = str(collection.get("lang", "zh"))
    labels = {
        "schematic": _label(lang, "schematic"),
        "schematic_note": _label(lang, "schematic.note"),
        "data_date": _label(lang, "data_date"),
        "no_date": _label(lang, "data_date.none"),
        "legend": _label(lang, "legend"),
        "unplaced": _label(lang, "unplaced"),
        "cursor": _label(lang, "cursor"),
        "shown": _label(lang, "shown"),
    }
    colours = {"filed": VERDICT_COLOURS["filed"]}
    if not collection.get("public"):  # the public page carries no word or colour of a verdict or hazard
        labels["limited"] = _label(lang, "limited")
        colours = {
            **VERDICT_COLOURS,
            "hazard": _HAZARD_COLOUR,
            "buffer": _BUFFER_COLOUR,
            "crossing": _CROSSING_COLOUR,
        }
    return {
        "labels": labels,
        "tiles": tiles,
        "colours": colours,
        "legend": _legend(collection, lang),
        "crs_note": _crs_note(collection, lang),
        "crs_short": _label(lang, "crs"),
        "labelLimit": LABEL_LIMIT,
    }


def map_fragment(collection: Mapping[str, Any], *, tiles: str | None = None) -> str:
    """The map for a page that already loads Leaflet (its JS and CSS) and ``MAP_CSS``: the map
    element ``#fc-map`` (the host page gives it a height), the data and the drawing script.

    This is what the workbench's ``/map`` embeds (with Leaflet from its static files); ``map_html``
    wraps the same fragment into a self-contained page."""
    return (
        '<div id="fc-map" class="fc-map"></div>\n'
        f'<script id="fc-data" type="application/json">{_script_json(dict(collection))}</script>\n'
        f'<script id="fc-config" type="application/json">{_script_json(_config(collection, tiles))}</script>\n'
        f"<script>{_PAGE_JS}</script>\n"
    )


def map_data_fragment(collection: Mapping[str, Any], *, tiles: str | None = None) -> str:
    """``map_fragment`` without its inline script, for a page under a self-only CSP: the page
    loads the drawing script (``page_script()``) as a file after Leaflet."""
    return (
        '<div id="fc-map" class="fc-map"></div>\n'
        f'<script id="fc-data" type="application/json">{_script_json(dict(collection))}</script>\n'
        f'<script id="fc-config" type="application/json">{_script_json(_config(collection, tiles))}</script>\n'
    )


def page_script() -> str:
    """The drawing script of ``map_fragment``, to be served as a file."""
    return _PAGE_JS


def map_title(collection: Mapping[str, Any]) -> str:
    """The page title: the map's title, 示意图 and the data date."""
    lang = str(collection.get("lang", "zh"))
    title = str(collection.get("title", _label(lang, "title")))
    when = collection.get("data_date")
    if lang == "zh":  # the Chinese titles end in 示意图 already
        return f"{title}（{_label(lang, 'data_date')} {when}）" if when else title
    dated = f", {_label(lang, 'data_date')} {when}" if when else ""
    return f"{title} ({_label(lang, 'schematic')}{dated})"


def map_html(collection: Mapping[str, Any], *, tiles: str | None = None) -> str:
    """One self-contained HTML page drawing ``collection`` (from ``facility_map`` or
    ``public_map``) with the inlined Leaflet. No network request is made unless ``tiles`` (a tile
    URL template of an office's own tile server, ``{z}/{x}/{y}``) is given."""
    lang = str(collection.get("lang", "zh"))
    js, css = leaflet_assets()
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(map_title(collection))}</title>\n"
        f"<style>\n{css}</style>\n<style>{MAP_CSS}{_STANDALONE_CSS}</style>\n</head>\n<body>\n"
        f"<script>\n{js}</script>\n{map_fragment(collection, tiles=tiles)}</body>\n</html>\n"
    )


__all__ = [
    "LABEL_LIMIT",
    "MAP_CSS",
    "MAX_MAP_HAZARDS",
    "SAFE_LINK_BASE",
    "VERDICT_COLOURS",
    "data_date",
    "facility_map",
    "facility_verdict",
    "is_publicly_filed",
    "leaflet_assets",
    "map_data_fragment",
    "map_fragment",
    "map_geojson",
    "map_html",
    "map_title",
    "page_script",
    "public_map",
    "read_outline",
]
