"""Chinese coordinate systems → WGS-84.

* WGS-84 and CGCS2000 agree within a metre and are treated as the same.
* GCJ-02 (Amap, Tencent) is WGS-84 with a published obfuscation offset of 300–700 m. No library
  implements its inverse, so it is done here: the forward formula (vectorised in numpy), then a
  fixed-point iteration until the residual is below 1e-10° (about 0.01 mm).
* BD-09 (Baidu) is a further rotation/offset of GCJ-02; its inverse is iterated the same way.

Outside China's bounding box GCJ-02 applies no offset, as its reference implementation does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

_A: Final = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE: Final = 0.00669342162296594323
_X_PI: Final = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG: Final = 1e-10
_MAX_ITERATIONS: Final = 30

SYSTEMS: Final = ("WGS84", "CGCS2000", "GCJ02", "BD09")


# China's bounding box as GCJ-02's reference implementation draws it (lon min, lat min, lon max, lat max)
CHINA_BBOX: Final = (72.004, 0.8293, 137.8347, 55.8271)


def _out_of_china(lon: Array, lat: Array) -> npt.NDArray[np.bool_]:
    return (lon < CHINA_BBOX[0]) | (lon > CHINA_BBOX[2]) | (lat < CHINA_BBOX[1]) | (lat > CHINA_BBOX[3])


def bounds_outside_china(bounds: Array) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """For ``(n, 4)`` bounds (minx, miny, maxx, maxy): which lie wholly outside China's box, and
    which of those would lie within it read as [lat, lon] (positions written the wrong way round)."""
    minx, miny, maxx, maxy = bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3]
    lon0, lat0, lon1, lat1 = CHINA_BBOX
    outside = (maxx < lon0) | (minx > lon1) | (maxy < lat0) | (miny > lat1)
    swapped_inside = (miny >= lon0) & (maxy <= lon1) & (minx >= lat0) & (maxx <= lat1)
    return outside, outside & swapped_inside


def _transform_lat(x: Array, y: Array) -> Array:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return np.asarray(ret, dtype=np.float64)


def _transform_lon(x: Array, y: Array) -> Array:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return np.asarray(ret, dtype=np.float64)


def wgs84_to_gcj02(lon: Array, lat: Array) -> tuple[Array, Array]:
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def gcj02_to_bd09(lon: Array, lat: Array) -> tuple[Array, Array]:
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(
    forward: Callable[[Array, Array], tuple[Array, Array]],
    lon: Array,
    lat: Array,
    starts: npt.NDArray[np.intp] | None = None,
) -> tuple[Array, Array]:
    """Solve forward(x) = target by fixed-point iteration (the offsets are smooth and small).

    The coordinates are iterated in groups (``starts``: the first position of each group,
    ascending; one group when None): a group stops when the residual of all its coordinates is
    below the tolerance, so each group gets exactly the numbers it would get converted alone.
    """
    target_lon = np.asarray(lon, dtype=np.float64)
    target_lat = np.asarray(lat, dtype=np.float64)
    x_lon, x_lat = target_lon.copy(), target_lat.copy()
    if starts is None:
        starts = np.zeros(1, dtype=np.intp)
    # the coordinates still iterated (ascending) and the sizes of their groups (empty ones dropped)
    sizes = np.diff(np.append(starts, len(target_lon)))
    sizes = sizes[sizes > 0]
    live = np.arange(len(target_lon))
    for _ in range(_MAX_ITERATIONS):
        if not len(live):
            break
        f_lon, f_lat = forward(x_lon[live], x_lat[live])
        d_lon, d_lat = f_lon - target_lon[live], f_lat - target_lat[live]
        x_lon[live] = x_lon[live] - d_lon
        x_lat[live] = x_lat[live] - d_lat
        offsets = np.cumsum(sizes) - sizes
        # a NaN residual is not below the tolerance: its group keeps iterating, as before
        done = (np.maximum.reduceat(np.abs(d_lon), offsets) < _TOLERANCE_DEG) & (
            np.maximum.reduceat(np.abs(d_lat), offsets) < _TOLERANCE_DEG
        )
        if done.all():
            break
        if done.any():
            live = live[np.repeat(~done, sizes)]
            sizes = sizes[~done]
    return x_lon, x_lat


def gcj02_to_wgs84(lon: Array, lat: Array, starts: npt.NDArray[np.intp] | None = None) -> tuple[Array, Array]:
    return _invert(wgs84_to_gcj02, lon, lat, starts)


def bd09_to_gcj02(lon: Array, lat: Array, starts: npt.NDArray[np.intp] | None = None) -> tuple[Array, Array]:
    return _invert(gcj02_to_bd09, lon, lat, starts)


def bd09_to_wgs84(lon: Array, lat: Array, starts: npt.NDArray[np.intp] | None = None) -> tuple[Array, Array]:
    g_lon, g_lat = bd09_to_gcj02(lon, lat, starts)
    return gcj02_to_wgs84(g_lon, g_lat, starts)


def wgs84_to_bd09(lon: Array, lat: Array) -> tuple[Array, Array]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def to_wgs84(
    system: str, lon: Array, lat: Array, starts: npt.NDArray[np.intp] | None = None
) -> tuple[Array, Array]:
    """Convert coordinates in ``system`` to WGS-84 (CGCS2000 is taken as WGS-84).

    ``starts``: the coordinates are independent groups (e.g. one geometry each) beginning at these
    ascending positions, each converted exactly as if alone (see ``_invert``); None: one group.
    """
    if system in ("WGS84", "CGCS2000"):
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    if system == "GCJ02":
        return gcj02_to_wgs84(lon, lat, starts)
    if system == "BD09":
        return bd09_to_wgs84(lon, lat, starts)
    raise ValueError(f"unknown coordinate system {system!r}")


def group_starts(index: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Where each run of equal values begins in ``index`` (e.g. ``get_coordinates(return_index=True)``)."""
    index = np.asarray(index)
    if not len(index):
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.concatenate(([True], index[1:] != index[:-1]))).astype(np.intp)


def geometry_to_wgs84(system: str, geom):  # type: ignore[no-untyped-def]
    """A shapely geometry (or array of them) with every vertex converted to WGS-84."""
    import shapely

    if system in ("WGS84", "CGCS2000"):
        return geom

    def convert(coords: Array) -> Array:
        lon, lat = to_wgs84(system, coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)
