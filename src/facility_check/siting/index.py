"""The index: all hazards of the given layers, indexed once, queried for any number of facilities.

1. Each hazard's requirement is computed once per distinct (kind, properties) — the properties
   that matter are few (voltage, pressure class, a recorded distance) — not per pair.
2. Hazards are indexed per band of reach, so each hazard is fetched only within its own reach
   (most need 150–200 m; a few record distances of several hundred metres would otherwise widen
   the search for all of them). The index is built from the hazards' envelopes alone
   (``HazardLayers.bounds``: a prepared layer's geometries are not parsed to build it): a band's
   hazards are sorted by 0.005° cell and taken in clusters of ``CLUSTER`` neighbours, and a shapely
   ``STRtree`` holds the clusters' envelopes — a sixteenth of the objects of a tree over the
   hazards, built in a fraction of the time. Facilities are queried all at once, by their
   envelopes widened by a degree threshold that is a superset of the band's distance (the
   longitude degree is the shortest at the northernmost facility); the clusters found are opened
   and their members' envelopes compared in numpy, exactly as a tree over the hazards' envelopes
   compares them (closed intervals). Each envelope is widened poleward by the bow of the hazard's
   segments (``bow_deg``): a long segment is measured as a straight line of the local projection,
   which leaves its vertices' envelope. Only envelopes are compared: the measuring keeps the
   pairs truly within reach.
3. The facilities' geometries are converted to WGS-84 in bulk (``facility_geometries``), grouped
   by cell in numpy, and their candidates measured cell by cell (``measure``), all pairs of a cell
   in one vectorised call. Which pairs are within reporting range and which of them pass is
   decided over all pairs at once; a finding (with its sentence) is built only for pairs within
   reporting range — and, when the caller keeps only failures (``district``), only for those.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import shapely
from shapely import STRtree

from ..catalogue import Catalogue
from ..collector import paused
from ..problems import Problem, Text
from ..record import Facility
from ..report import SitingFinding, SitingResult
from ..resources import siting_rules
from .layers import Hazard, HazardError, HazardLayers
from .measure import (
    CELL_DEG,
    cell_centre,
    crossings,
    facility_geometries,
    facility_geometry,
    finding,
    is_small,
    project,
    unproject,
)
from .requirements import Requirement, requirement
from .store import GeometryStore, WkbStore

# hazards per cluster of the index (see the module's docstring): 8–32 measured alike on a million
# hazards; fewer make the tree larger, more open more members per cluster found
CLUSTER = 16
_CELLS_PER_DEGREE = 200  # the cells the hazards are sorted by: 0.005°, about 500 m


class _Band(NamedTuple):
    """The hazards of one band of reach, indexed by clusters of neighbours (module docstring)."""

    reach: float  # metres: the largest reach of its hazards
    order: np.ndarray  # its hazard numbers, cluster by cluster
    starts: np.ndarray  # the position in ``order`` of each cluster's first member
    sizes: np.ndarray  # each cluster's number of members
    west: np.ndarray  # the members' envelopes, in ``order``
    south: np.ndarray
    east: np.ndarray
    north: np.ndarray
    tree: STRtree  # the clusters' envelopes

    @classmethod
    def of(cls, reach: float, members: np.ndarray, bounds: tuple[np.ndarray, ...], bow: np.ndarray) -> _Band:
        """The band of hazards ``members``: their envelopes (``bounds``) widened by ``bow``."""
        west, south, east, north = (side[members] for side in bounds)
        south -= bow[members]
        north += bow[members]
        cell_x = ((west + east) * (_CELLS_PER_DEGREE / 2)).astype(np.int64)
        cell_y = ((south + north) * (_CELLS_PER_DEGREE / 2)).astype(np.int64)
        order = np.argsort(cell_y * (1 << 32) + cell_x, kind="stable")  # rows of cells, west to east
        west, south, east, north = west[order], south[order], east[order], north[order]
        starts = np.arange(0, len(order), CLUSTER)
        sizes = np.diff(np.append(starts, len(order)))
        boxes = shapely.box(
            np.minimum.reduceat(west, starts),
            np.minimum.reduceat(south, starts),
            np.maximum.reduceat(east, starts),
            np.maximum.reduceat(north, starts),
        )
        return cls(reach, members[order], starts, sizes, west, south, east, north, STRtree(boxes))

    def query(
        self, west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(query position, hazard number) of every hazard whose envelope meets a query box's."""
        q, cluster = self.tree.query(shapely.box(west, south, east, north))
        counts = self.sizes[cluster]
        q = np.repeat(q, counts)
        before = np.cumsum(counts) - counts
        at = np.repeat(self.starts[cluster] - before, counts) + np.arange(int(counts.sum()))
        # GEOS's test of two envelopes (Envelope::intersects): closed intervals
        meets = (
            (self.west[at] <= east[q])
            & (self.east[at] >= west[q])
            & (self.south[at] <= north[q])
            & (self.north[at] >= south[q])
        )
        return q[meets], self.order[at[meets]]


def bow_deg(width_deg: np.ndarray) -> np.ndarray:
    """How far (degrees of latitude) a geometry ``width_deg`` wide in longitude may lie outside its
    vertices' envelope as measured. A segment is measured as a straight line of the local
    projection, about the geodesic, which bows poleward of the line of latitude between its ends
    by up to Δλ² sin φ cos φ / 8 radians — at most Δλ² / 16, taken with a tenth more (1.7 m for a
    10 km east–west segment at 42° N, 120 m for an 83 km one, 12 km for 10° of longitude). The
    index and ``SitingIndex._may_reach`` widen envelopes by it (found in review: a facility beside
    a long pipeline drawn as one segment was otherwise missed)."""
    bow: np.ndarray = np.radians(width_deg)
    np.square(bow, out=bow)
    bow *= 1.1 / 16
    np.degrees(bow, out=bow)
    return bow


_BAND_EDGES = (0.0, 150.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, math.inf)


def _factorize(key: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for non-negative keys below ``bound``: through a
    table of ``bound`` entries when that is small (no sort of a million keys), else sorting."""
    if bound > 4 * len(key) + 1_000_000:
        distinct, inverse = np.unique(key, return_inverse=True)
        return distinct, inverse.reshape(-1)
    present = np.zeros(bound, dtype=bool)
    present[key] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), rank[key]


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
        self._requirements: list[tuple[Requirement | None, Requirement | None]] = []
        self.req_id = self._requirement_ids(layers)
        large = np.array([r[0].distance_m if r[0] else np.nan for r in self._requirements] or [0.0])
        small = np.array([r[1].distance_m if r[1] else np.nan for r in self._requirements] or [0.0])
        self._required_m = {False: large, True: small}
        self._must_not_cross = {
            False: np.array([bool(r[0] and r[0].must_not_cross) for r in self._requirements] or [False]),
            True: np.array([bool(r[1] and r[1].must_not_cross) for r in self._requirements] or [False]),
        }
        reach = np.fmax(large, small)[self.req_id] if len(self.req_id) else np.zeros(0)
        self.reach_m = np.nan_to_num(reach, nan=0.0) + self.margin_m
        self.bands: list[_Band] = []
        west, south, east, north = layers.bounds
        # a hazard without a finite envelope (none passes validation) could never be a candidate
        finite = np.isfinite(west) & np.isfinite(south) & np.isfinite(east) & np.isfinite(north)
        bow = bow_deg(east - west)  # each envelope is widened by the bow of its segments
        for low, high in itertools.pairwise(_BAND_EDGES):
            members = np.flatnonzero((self.reach_m > low) & (self.reach_m <= high) & finite)
            if len(members):
                self.bands.append(_Band.of(float(self.reach_m[members].max()), members, layers.bounds, bow))
        self.layer_names = tuple(layers.names)
        self.store: GeometryStore | WkbStore | None = None

    @property
    def geoms(self) -> np.ndarray:
        """Every hazard's geometry (``HazardLayers.geometries``: parsed on first use)."""
        return self.layers.geometries

    def share(self) -> None:
        """Before forking workers (``district``): keep the geometries also as flat arrays, from
        which the workers rebuild what they measure instead of reading ``self.geoms`` — reading
        the parent's geometry objects would copy their pages into every worker (see ``store``)."""
        if self.store is None:
            # a prepared layer's WKB is already flat: nothing to build (see ``store.WkbStore``)
            wkb = self.layers.wkb
            self.store = wkb if wkb.covers(len(self.layers)) else GeometryStore(self.geoms)

    def _hazard_geometries(self, pair_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(geometries, their hazard numbers) of every candidate hazard of ``pair_h``, once: when
        shared with workers, rebuilt from the store; else as the layers hold them (a prepared
        layer's parsed from its WKB, only these)."""
        numbers = np.unique(pair_h)
        if self.store is None:
            return self.layers.take(numbers), numbers
        return self.store.take(numbers), numbers

    def _requirement_ids(self, layers: HazardLayers) -> np.ndarray:
        """Each hazard's row in ``self._requirements`` (one row per distinct kind and properties)."""
        seen: dict[tuple[str, tuple[tuple[str, Any], ...]], int] = {}

        def rid_of(kind: str, props: dict[str, Any]) -> int:
            key = (kind, tuple(sorted((k, v) for k, v in props.items() if k != "name")))
            rid = seen.get(key)
            if rid is None:
                rid = seen[key] = len(self._requirements)
                hazard = Hazard("", kind, None, "", props)
                self._requirements.append(
                    (requirement(hazard, None, self.overrides), requirement(hazard, 0, self.overrides))
                )
            return rid

        if not len(layers):
            return np.empty(0, dtype=np.int32)
        # one lookup per distinct (kind, property set), found over the columns
        sets = len(layers.property_sets) + 1
        key = layers.kinds.astype(np.int64) * sets + (layers.property_set.astype(np.int64) + 1)
        distinct, inverse = _factorize(key, len(layers.kind_list) * sets)
        rows = np.array(
            [
                rid_of(layers.kind_list[k // sets], layers.property_sets[k % sets - 1] if k % sets else {})
                for k in distinct.tolist()
            ],
            dtype=np.int32,
        )
        req_id: np.ndarray = rows[inverse]
        return req_id

    def evaluate(self, facility: Facility) -> SitingResult:
        return self.evaluate_many([facility])[0]

    def candidates(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(facility position, hazard number) of every pair within reach, by facility then band."""
        if not self.bands or not len(geoms):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
        lat_max = float(np.max(np.abs(ymax)))
        # longitude degrees are the shortest at the northernmost facility: a degree threshold
        # from them covers `reach` metres in every direction
        metres_per_degree = 111_000.0 * max(math.cos(math.radians(min(lat_max + 0.5, 89.0))), 0.01)
        fs, hs = [], []
        for band in self.bands:
            deg = band.reach / metres_per_degree * 1.01 + 1e-6
            # envelopes only: every hazard whose envelope meets the facility's, widened by the
            # reach (a superset of those within it, as the degree threshold is); the measuring
            # keeps exactly the pairs within reach. Ten times faster than a `dwithin` predicate
            # (a distance per candidate), for about 40 % more candidates to measure.
            f, h = band.query(xmin - deg, ymin - deg, xmax + deg, ymax + deg)
            fs.append(f)
            hs.append(h)
        f, h = np.concatenate(fs), np.concatenate(hs)
        order = np.argsort(f, kind="stable")
        return f[order], h[order]

    def evaluate_many(
        self, facilities: Sequence[Facility], *, only_failed: bool = False
    ) -> list[SitingResult]:
        """Siting results in input order. ``only_failed``: passed findings are left out (the verdict
        and the failures are the same; for callers that keep nothing else).

        The cyclic collector is paused meanwhile (as ``district`` does around each chunk, see
        ``collector``): the findings are many small acyclic objects, and each automatic pass would
        rescan the caller's heap (thousands of validated records) for nothing.
        """
        with paused():
            return self._evaluate_many(facilities, only_failed)

    def _evaluate_many(self, facilities: Sequence[Facility], only_failed: bool) -> list[SitingResult]:
        all_geoms, all_where = facility_geometries(facilities)
        results: list[SitingResult | None] = [None] * len(facilities)
        idx = [i for i, w in enumerate(all_where) if w is not None]
        for i, w in enumerate(all_where):
            if w is None:
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
        geoms = all_geoms[idx]
        where = [all_where[i] for i in idx]
        found: list[list[SitingFinding]] = [[] for _ in idx]
        pair_f, pair_h = self.candidates(geoms)  # pair_f: positions in idx, ascending
        if len(pair_f):
            small = np.array([is_small(facilities[i]) for i in idx], dtype=bool)
            pair_small = small[pair_f]
            rids = self.req_id[pair_h]
            required = np.where(pair_small, self._required_m[True][rids], self._required_m[False][rids])
            near = self._may_reach(geoms, pair_f, pair_h, required + self.margin_m)
            pair_f, pair_h, pair_small, required = (
                pair_f[near],
                pair_h[near],
                pair_small[near],
                required[near],
            )
            kept, distances, crossing = self._measure(geoms, where, pair_f, pair_h, required)
            self._findings(
                found,
                where,
                pair_f[kept],
                pair_h[kept],
                pair_small[kept],
                required[kept],
                distances,
                crossing,
                only_failed,
            )
        for n, i in enumerate(idx):
            results[i] = self._result(found[n], where[n])
        return [r for r in results if r is not None]

    def _may_reach(
        self, geoms: np.ndarray, pair_f: np.ndarray, pair_h: np.ndarray, reach: np.ndarray
    ) -> np.ndarray:
        """Which candidate pairs could lie within their own reach (required distance + reporting
        margin; NaN: not a hazard for this facility): the others need not be projected and measured,
        as their measured distance would exceed it (a third of the candidates of a dense layer).

        A lower bound of the distance from the gap between the two envelopes, each widened by the
        bow of its segments (``bow_deg``): a degree of latitude is at least 110 km, a degree of
        longitude at least 111 km × cos of the pair's most poleward latitude, and the bound is
        taken at 99 %.
        """
        xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
        west, south, east, north = (side[pair_h] for side in self.layers.bounds)
        f_west, f_south, f_east, f_north = xmin[pair_f], ymin[pair_f], xmax[pair_f], ymax[pair_f]
        gap_x = np.maximum(np.maximum(west - f_east, f_west - east), 0.0)
        gap_y = np.maximum(np.maximum(south - f_north, f_south - north), 0.0)
        gap_y = np.maximum(gap_y - bow_deg(east - west) - bow_deg(f_east - f_west), 0.0)
        poleward = np.maximum.reduce([np.abs(south), np.abs(north), np.abs(f_south), np.abs(f_north)])
        lon_m = 111_000.0 * np.cos(np.radians(np.minimum(poleward + 0.01, 90.0)))
        bound = 0.99 * np.hypot(gap_x * lon_m, gap_y * 110_000.0)
        near: np.ndarray = bound <= reach  # NaN reach: False, as the measuring would decide
        return near

    def _measure(
        self,
        geoms: np.ndarray,
        where: list[str | None],
        pair_f: np.ndarray,
        pair_h: np.ndarray,
        required: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every candidate pair measured, one cell at a time (one projection serves the cell's
        facilities and their hazards): the pairs to report (ascending positions in ``pair_f``),
        their distances and whether the hazard crosses the site."""
        reach = required + self.margin_m  # NaN: not a hazard for this facility (e.g. a line under 35 kV)
        hazards, numbers = self._hazard_geometries(pair_h)
        centroids = shapely.get_coordinates(shapely.centroid(geoms))
        cell_x = np.floor(centroids[:, 0] / CELL_DEG)
        cell_y = np.floor(centroids[:, 1] / CELL_DEG)
        # cells in ascending (column, row) order; within a cell, facilities and pairs in order
        facility_order = np.lexsort((cell_y, cell_x))
        by_facility = np.searchsorted(pair_f, np.arange(len(geoms) + 1))
        new_cell = np.flatnonzero(
            (np.diff(cell_x[facility_order], prepend=np.nan) != 0)
            | (np.diff(cell_y[facility_order], prepend=np.nan) != 0)
        )
        cell_bounds = np.append(new_cell, len(geoms))
        is_point = np.array([w == "point" for w in where], dtype=bool)
        kept_parts, distance_parts, crossing_parts = [], [], []
        for a, b in itertools.pairwise(cell_bounds.tolist()):
            members = facility_order[a:b]
            first = int(members[0])
            lon0, lat0 = cell_centre(float(centroids[first, 0]), float(centroids[first, 1]))
            counts = by_facility[members + 1] - by_facility[members]
            if not counts.sum():
                continue
            owner = np.repeat(np.arange(len(members)), counts)  # member position of each pair
            cell_pairs = np.repeat(by_facility[members] - np.cumsum(counts) + counts, counts) + np.arange(
                int(counts.sum())
            )
            wanted, inverse = np.unique(pair_h[cell_pairs], return_inverse=True)
            chosen = hazards[np.searchsorted(numbers, wanted)]
            hazards_m = project(chosen, lon0, lat0)[inverse]
            facilities_m = project(geoms[members], lon0, lat0)[owner]
            distances = np.asarray(shapely.distance(facilities_m, hazards_m), dtype=np.float64)
            keep = np.flatnonzero(distances <= reach[cell_pairs])  # within reporting range
            if not len(keep):
                continue
            kept_parts.append(cell_pairs[keep])
            distance_parts.append(distances[keep])
            crossing_parts.append(
                crossings(
                    facilities_m[keep], hazards_m[keep], distances[keep], is_point[members[owner[keep]]]
                )
            )
        if not kept_parts:
            return np.empty(0, dtype=np.intp), np.empty(0), np.empty(0, dtype=bool)
        kept = np.concatenate(kept_parts)
        order = np.argsort(kept, kind="stable")
        return kept[order], np.concatenate(distance_parts)[order], np.concatenate(crossing_parts)[order]

    def _findings(
        self,
        found: list[list[SitingFinding]],
        where: list[str | None],
        pair_f: np.ndarray,
        pair_h: np.ndarray,
        pair_small: np.ndarray,
        required: np.ndarray,
        distances: np.ndarray,
        crossing: np.ndarray,
        only_failed: bool,
    ) -> None:
        """The findings of measured pairs (all, or the failures only), appended per facility."""
        rids = self.req_id[pair_h]
        side = pair_small.astype(np.intp)  # 1: the requirement for a small facility
        no_crossing = np.where(
            pair_small, self._must_not_cross[True][rids], self._must_not_cross[False][rids]
        )
        # a requirement of 0 m asks only that the hazard is not adjacent
        passed = np.where(required == 0, distances > 0, (distances >= required) & ~(crossing & no_crossing))
        report = np.flatnonzero(~passed) if only_failed else np.arange(len(pair_f))
        numbers = pair_h[report]
        for m, rid, s, number, distance, crosses, ok, hazard in zip(
            pair_f[report].tolist(),
            rids[report].tolist(),
            side[report].tolist(),
            numbers.tolist(),
            distances[report].tolist(),
            crossing[report].tolist(),
            passed[report].tolist(),
            self.layers.hazards_at(numbers),
            strict=True,
        ):
            req = self._requirements[rid][s]
            assert req is not None
            found[m].append(finding(hazard, number, distance, crosses, req, ok, str(where[m])))

    def _result(self, findings: list[SitingFinding], measured_from: str | None) -> SitingResult:
        # the hazard's number last: equal ids at equal distances keep one order, whatever the index
        findings.sort(key=lambda f: (f.passed, f.distance_m, f.hazard_id, f.hazard_index))
        verdict = "noncompliant" if any(not f.passed for f in findings) else "compliant"
        reason = None
        if verdict == "compliant":
            reason = Text(
                f"已检查的图层中，要求距离内没有危险源（已检查：{', '.join(self.layer_names)}）",
                f"no hazard within its required distance in the layers checked ({', '.join(self.layer_names)})",
            )
        return SitingResult(verdict, tuple(findings), self.layer_names, measured_from, reason)

    def drawing(self, facility: Facility, result: SitingResult) -> Any:
        """The geometries behind a result, for the GeoJSON and SVG renderers."""
        from ..render.siting import SitingDrawing

        geom, _ = facility_geometry(facility)
        if geom is None:
            return SitingDrawing(facility.facility_id, facility.name, result, None, None, ())
        c = geom.centroid
        lon0, lat0 = round(c.x, 6), round(c.y, 6)
        facility_m = project(geom, lon0, lat0)
        hazards = []
        for f in result.findings:
            hazard_wgs = self.layers.take(np.array([f.hazard_index]))[0]
            hazard_m = project(hazard_wgs, lon0, lat0)
            buffer_m = hazard_m.buffer(f.required_m, quad_segs=32) if f.required_m > 0 else hazard_m
            hazards.append((f, hazard_wgs, unproject(buffer_m, lon0, lat0), hazard_m, buffer_m))
        return SitingDrawing(facility.facility_id, facility.name, result, geom, facility_m, tuple(hazards))
