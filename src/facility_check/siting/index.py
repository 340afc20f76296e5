"""The index: all hazards of the given layers, indexed once, queried for any number of facilities.

1. Each hazard's requirement is computed once per distinct (kind, properties) — the properties
   that matter are few (voltage, pressure class, a recorded distance) — not per pair.
2. Hazards go into one shapely ``STRtree`` per band of reach, in degrees, so each hazard is fetched
   only within its own reach (most need 150–200 m; a few record distances of several hundred
   metres would otherwise widen the search for all of them). Facilities are queried all at once
   with ``predicate="dwithin"`` and a degree threshold that is a superset of the band's distance
   (the longitude degree is the shortest at the northernmost facility).
3. Candidates are measured cell by cell (``measure``), all pairs of a cell in one vectorised call;
   a finding (with its sentence) is built only for pairs within reporting range — and, when the
   caller keeps only failures (``district``), only for those.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from ..catalogue import Catalogue
from ..problems import Problem, Text
from ..record import Facility
from ..report import SitingFinding, SitingResult
from ..resources import siting_rules
from .layers import Hazard, HazardError, HazardLayers
from .measure import cell_centre, crossings, facility_geometry, finding, is_small, project, unproject
from .requirements import Requirement, requirement

_BAND_EDGES = (0.0, 150.0, 250.0, 500.0, 1000.0, 2000.0, 5000.0, math.inf)


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
        self._requirements: list[tuple[Requirement | None, Requirement | None]] = []
        self.req_id = self._requirement_ids(layers)
        large = np.array([r[0].distance_m if r[0] else np.nan for r in self._requirements] or [0.0])
        small = np.array([r[1].distance_m if r[1] else np.nan for r in self._requirements] or [0.0])
        self._required_m = {False: large, True: small}
        reach = np.fmax(large, small)[self.req_id] if len(self.req_id) else np.zeros(0)
        self.reach_m = np.nan_to_num(reach, nan=0.0) + self.margin_m
        self.trees: list[tuple[float, np.ndarray, STRtree]] = []
        for low, high in itertools.pairwise(_BAND_EDGES):
            members = np.flatnonzero((self.reach_m > low) & (self.reach_m <= high))
            if len(members):
                band = float(self.reach_m[members].max())
                self.trees.append((band, members, STRtree(self.geoms[members])))
        self.layer_names = tuple(layers.names)

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
        # hazards without properties share their kind's requirement; the others are looked up one by one
        without = np.ones(len(layers), dtype=bool)
        without[list(layers.properties)] = False
        by_kind = np.zeros(max(len(layers.kind_list), 1), dtype=np.int32)
        for code in np.unique(layers.kinds[without]).tolist():
            by_kind[code] = rid_of(layers.kind_list[code], {})
        req_id: np.ndarray = by_kind[layers.kinds]
        kind_list, kinds = layers.kind_list, layers.kinds
        shared: dict[tuple[int, int], int] = {}  # (kind, id of a properties dict shared by features)
        for i, props in layers.properties.items():  # any order: only the row numbers depend on it
            key = (int(kinds[i]), id(props))
            rid = shared.get(key)
            if rid is None:
                rid = shared[key] = rid_of(kind_list[key[0]], props)
            req_id[i] = rid
        return req_id

    def evaluate(self, facility: Facility) -> SitingResult:
        return self.evaluate_many([facility])[0]

    def candidates(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(facility position, hazard number) of every pair within reach, by facility then band."""
        if not self.trees or not len(geoms):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        lat_max = float(np.max(np.abs(shapely.bounds(geoms)[:, 3])))
        # longitude degrees are the shortest at the northernmost facility: a degree threshold
        # from them covers `reach` metres in every direction
        metres_per_degree = 111_000.0 * max(math.cos(math.radians(min(lat_max + 0.5, 89.0))), 0.01)
        fs, hs = [], []
        for reach, members, tree in self.trees:
            deg = reach / metres_per_degree * 1.01 + 1e-6
            q_in, q_tree = tree.query(geoms, predicate="dwithin", distance=deg)
            fs.append(q_in)
            hs.append(members[q_tree])
        f, h = np.concatenate(fs), np.concatenate(hs)
        order = np.argsort(f, kind="stable")
        return f[order], h[order]

    def evaluate_many(
        self, facilities: Sequence[Facility], *, only_failed: bool = False
    ) -> list[SitingResult]:
        """Siting results in input order. ``only_failed``: passed findings are left out (the verdict
        and the failures are the same; for callers that keep nothing else)."""
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
        geoms = np.array([located[i][0] for i in idx], dtype=object)
        pair_f, pair_h = self.candidates(geoms)  # pair_f: positions in idx
        starts = np.searchsorted(pair_f, np.arange(len(idx) + 1))
        # group by cell so that one projection serves nearby facilities
        cells: dict[tuple[float, float], list[int]] = {}
        centroids = shapely.get_coordinates(shapely.centroid(geoms)) if len(geoms) else np.empty((0, 2))
        for n, (x, y) in enumerate(centroids.tolist()):
            cells.setdefault(cell_centre(x, y), []).append(n)
        for (lon0, lat0), members in sorted(cells.items()):
            projected_f = project(geoms[members], lon0, lat0)
            spans = [(starts[n], starts[n + 1]) for n in members]
            cell_pairs = np.concatenate([np.arange(a, b) for a, b in spans]) if spans else np.empty(0, int)
            if len(cell_pairs):
                wanted, inverse = np.unique(pair_h[cell_pairs], return_inverse=True)
                projected_h = project(self.geoms[wanted], lon0, lat0)
            found: list[list[SitingFinding]] = [[] for _ in members]
            if len(cell_pairs):
                self._measure_cell(
                    facilities,
                    idx,
                    located,
                    members,
                    spans,
                    projected_f,
                    projected_h[inverse],
                    pair_h[cell_pairs],
                    found,
                    only_failed,
                )
            for k, n in enumerate(members):
                i = idx[n]
                results[i] = self._result(found[k], located[i][1])
        return [r for r in results if r is not None]

    def _measure_cell(
        self,
        facilities: Sequence[Facility],
        idx: list[int],
        located: list[tuple[BaseGeometry | None, str | None]],
        members: list[int],
        spans: list[tuple[int, int]],
        projected_f: np.ndarray,
        hazards_m: np.ndarray,
        hazard_numbers: np.ndarray,
        found: list[list[SitingFinding]],
        only_failed: bool,
    ) -> None:
        """Every pair of one cell measured at once; findings appended per member facility."""
        counts = [b - a for a, b in spans]
        owner = np.repeat(np.arange(len(members)), counts)  # member position of each pair
        small = np.array([is_small(facilities[idx[n]]) for n in members], dtype=bool)
        where = np.array([located[idx[n]][1] or "point" for n in members], dtype=object)
        rids = self.req_id[hazard_numbers]
        required = np.where(small[owner], self._required_m[True][rids], self._required_m[False][rids])
        distances = np.asarray(shapely.distance(projected_f[owner], hazards_m), dtype=np.float64)
        # not a hazard for this facility (NaN: e.g. a line under 35 kV), or out of reporting range
        keep = np.flatnonzero(~np.isnan(required) & (distances <= required + self.margin_m))
        if not len(keep):
            return
        crossing_k = crossings(projected_f[owner[keep]], hazards_m[keep], distances[keep], where[owner[keep]])
        for n, k in enumerate(keep.tolist()):
            m = int(owner[k])
            req = self._requirements[int(rids[k])][1 if small[m] else 0]
            assert req is not None
            distance = float(distances[k])
            crossing = bool(crossing_k[n])
            if req.distance_m == 0:
                passed = distance > 0
            else:
                passed = distance >= req.distance_m and not (crossing and req.must_not_cross)
            if passed and only_failed:
                continue
            number = int(hazard_numbers[k])
            found[m].append(
                finding(self.layers.hazard(number), number, distance, crossing, req, passed, str(where[m]))
            )

    def _result(self, findings: list[SitingFinding], measured_from: str | None) -> SitingResult:
        findings.sort(key=lambda f: (f.passed, f.distance_m, f.hazard_id))
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
            hazard_wgs = self.geoms[f.hazard_index]
            hazard_m = project(hazard_wgs, lon0, lat0)
            buffer_m = hazard_m.buffer(f.required_m, quad_segs=32) if f.required_m > 0 else hazard_m
            hazards.append((f, hazard_wgs, unproject(buffer_m, lon0, lat0), hazard_m, buffer_m))
        return SitingDrawing(facility.facility_id, facility.name, result, geom, facility_m, tuple(hazards))
