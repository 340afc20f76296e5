"""Measuring: true metres between a facility and its candidate hazards, and the findings that say so.

Distances are measured in a local azimuthal-equidistant projection (pyproj) centred on a 0.1° cell
shared by nearby facilities: within ~10 km of the centre the projection's distance error is below a
millimetre per kilometre, well inside the 0.5 m accuracy target. A segment between two vertices is
read as the straight line *in that projection* — within a cell, practically the geodesic (the
shortest path on the ellipsoid), not the straight line in longitude/latitude that RFC 7946 assumes.

The transformers are PROJ pipelines built from a string (``Transformer.from_pipeline``, ~0.1 ms),
the same operation ``Transformer.from_crs`` would choose (bit-identical output, tested) at a
hundredth of its cost, and cached per cell centre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from pyproj.enums import TransformDirection
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..geo.coords import group_starts, to_wgs84
from ..problems import Text
from ..record import Facility
from ..report import SitingFinding
from ..resources import siting_rules

if TYPE_CHECKING:
    from .layers import Hazard
    from .requirements import Requirement

CELL_DEG = 0.1
# A point site this close to a hazard lies on it (crossing): the distance accuracy target. A point
# cannot lie exactly on a sloping segment in floating point, and a point on the straight line in
# longitude/latitude lies centimetres off the geodesic segment the measurement reads (7 cm at the
# midpoint of a 2 km segment at 42° N).
ON_LINE_M = 0.5


@cache
def _local_transformer(lon0: float, lat0: float) -> Transformer:
    """WGS-84 degrees → metres in an azimuthal-equidistant projection centred at (lon0, lat0)."""
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +x_0=0 +y_0=0 +ellps=WGS84"
    )


@cache
def _inverse_transformer(lon0: float, lat0: float) -> Transformer:
    """Metres in the local projection → WGS-84 degrees (for drawings)."""
    return Transformer.from_pipeline(
        f"+proj=pipeline +step +inv +proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +x_0=0 +y_0=0 +ellps=WGS84 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )


def project(geoms: Any, lon0: float, lat0: float) -> Any:
    """WGS-84 geometries → metres in an azimuthal-equidistant projection centred at (lon0, lat0)."""
    transformer = _local_transformer(lon0, lat0)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def unproject(geoms: Any, lon0: float, lat0: float) -> Any:
    """The inverse of ``project``."""
    transformer = _inverse_transformer(lon0, lat0)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1], direction=TransformDirection.FORWARD)
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def cell_centre(lon: float, lat: float) -> tuple[float, float]:
    return (
        round((math.floor(lon / CELL_DEG) + 0.5) * CELL_DEG, 6),
        round((math.floor(lat / CELL_DEG) + 0.5) * CELL_DEG, 6),
    )


def facility_geometry(f: Facility) -> tuple[BaseGeometry | None, str | None]:
    """The facility's WGS-84 geometry (site boundary if given, else point) and which it is."""
    geoms, where = facility_geometries([f])
    return geoms[0], where[0]


def facility_geometries(
    facilities: Sequence[Facility],
) -> tuple[npt.NDArray[np.object_], list[str | None]]:
    """``facility_geometry`` of every facility (None where it has no usable location), converted
    in bulk: all points of one coordinate system in one call, all site boundaries of one in another,
    each geometry iterated to its own tolerance (``to_wgs84``'s groups), so exactly the numbers the
    facility would get alone."""
    geoms = np.full(len(facilities), None, dtype=object)
    where: list[str | None] = [None] * len(facilities)
    points: dict[str, tuple[list[int], list[float], list[float]]] = {}
    boundaries: dict[str, tuple[list[int], list[BaseGeometry]]] = {}
    for i, f in enumerate(facilities):
        loc = f.location
        if loc is None:
            continue
        system = str(loc.crs)
        if loc.site_boundary is not None:
            b = loc.site_boundary
            at, shapes = boundaries.setdefault(system, ([], []))
            at.append(i)
            # `shape` reads only these two members (what model_dump() would copy)
            shapes.append(shape({"type": b.type, "coordinates": b.coordinates}))
            where[i] = "site_boundary"
        elif loc.longitude is not None and loc.latitude is not None:
            at, lons, lats = points.setdefault(system, ([], [], []))
            at.append(i)
            lons.append(loc.longitude)
            lats.append(loc.latitude)
            where[i] = "point"
    for system, (at, lons, lats) in points.items():
        lon, lat = to_wgs84(system, np.array(lons), np.array(lats), np.arange(len(at)))
        geoms[at] = shapely.points(lon, lat)
    for system, (at, shapes) in boundaries.items():
        arr = np.empty(len(shapes), dtype=object)
        arr[:] = shapes
        if system not in ("WGS84", "CGCS2000"):  # as geometry_to_wgs84: untouched
            # as shapely.transform(geom, fn) does for each geometry (include_z=False: 2-D results)
            coords, index = shapely.get_coordinates(arr, include_z=False, return_index=True)
            lon, lat = to_wgs84(system, coords[:, 0], coords[:, 1], group_starts(index))
            arr = shapely.set_coordinates(arr, np.column_stack([lon, lat]))
        geoms[at] = arr
    return geoms, where


def users(f: Facility) -> int | None:
    children = f.enrolled_total()
    if children is None:
        return None
    return children + len(f.staff or [])


def is_small(f: Facility) -> bool:
    """At most 200 people (children and staff): GB 50156's smaller distances from fuel stations."""
    n = users(f)
    return n is not None and n <= int(siting_rules()["kinds"]["fuel_station"]["small_facility_users_max"])


def crossings(
    facilities_m: np.ndarray, hazards_m: np.ndarray, distances: np.ndarray, is_point: np.ndarray
) -> np.ndarray:
    """Whether each hazard crosses (touches or overlaps) its facility's site, pair by pair.

    A point site (``is_point``) within ``ON_LINE_M`` of a hazard lies on it, as a site boundary
    that touches or overlaps it does.
    """
    crossing = np.asarray(shapely.intersects(facilities_m, hazards_m), dtype=bool)
    out: np.ndarray = crossing | (is_point & (distances <= ON_LINE_M))
    return out


def _kind_title(kind: str) -> str:
    return str(siting_rules()["kinds"][kind]["title"])


def finding(
    hazard: Hazard,
    number: int,
    distance: float,
    crossing: bool,
    req: Requirement,
    passed: bool,
    measured_from: str,
) -> SitingFinding:
    """One (facility, hazard) pair as the report shows it, with its sentence in both languages."""
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
        zh = f"{title}{name} {hazard.id} 穿越场地（距{where_zh} {d:.1f} m）；不得穿越托育机构场地"
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
