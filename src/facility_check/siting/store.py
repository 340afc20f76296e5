"""Hazard geometries as flat arrays, rebuilt on demand.

A forked worker that reads the parent's shapely geometries (``geoms[wanted]`` increfs each one)
copies the pages that hold them: ~115 MB per worker for a million hazards. Before it forks
workers (``SitingIndex.share``), the index keeps the geometries a second time as shapely ragged arrays (``to_ragged_array``: coordinates and offsets
in numpy, one group per geometry type and dimension), and a worker rebuilds the few it measures
from slices of them (``from_ragged_array``): the same coordinates, so the same geometries,
without touching the parent's objects.

A prepared layer holds its geometries as flat bytes only: the WKB column it was read from.
``WkbStore`` keeps those buffers; ``take`` parses the few WKB geometries asked for (the parent
parses none to build the index, see ``HazardLayers.bounds``), so sharing costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

# geometry types that shapely's ragged arrays hold (not GeometryCollection, LinearRing)
_RAGGED = frozenset({0, 1, 3, 4, 5, 6})


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenated ranges ``starts[i] .. starts[i] + counts[i]``."""
    total = int(counts.sum())
    before = np.cumsum(counts) - counts
    return np.repeat(starts - before, counts) + np.arange(total, dtype=np.int64)


def _offsets(index: np.ndarray, n: int) -> np.ndarray:
    """Offsets from the (ascending) owner of each item: owner ``i`` has items ``[o[i], o[i + 1])``."""
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(index, minlength=n), out=offsets[1:])
    return offsets


def _ragged(
    geoms: np.ndarray, type_id: int, include_z: bool
) -> tuple[shapely.GeometryType, np.ndarray, tuple[np.ndarray, ...]]:
    """``shapely.to_ragged_array(geoms, include_z=include_z)`` for geometries of one type; points,
    lines and polygons without holes (the common hazards) read straight from their coordinates,
    which is what ``to_ragged_array`` returns for them, at half its cost."""
    n = len(geoms)
    if type_id == 0:
        return shapely.GeometryType.POINT, shapely.get_coordinates(geoms, include_z=include_z), ()
    if type_id == 1 or (type_id == 3 and not shapely.get_num_interior_rings(geoms).any()):
        coords, index = shapely.get_coordinates(geoms, include_z=include_z, return_index=True)
        offsets = _offsets(index, n)
        if type_id == 1:
            return shapely.GeometryType.LINESTRING, coords, (offsets,)
        return shapely.GeometryType.POLYGON, coords, (offsets, np.arange(n + 1, dtype=np.int64))
    geometry_type, coords, offsets = shapely.to_ragged_array(geoms, include_z=include_z)
    return geometry_type, coords, offsets


class GeometryStore:
    """The geometries of ``geoms`` as ragged arrays; ``take`` rebuilds any of them."""

    def __init__(self, geoms: np.ndarray) -> None:
        n = len(geoms)
        self.group = np.zeros(n, dtype=np.int8)
        self.position = np.zeros(n, dtype=np.int64)
        # per group: (geometry type, coordinates, offsets innermost first) or the geometries themselves
        self.groups: list[tuple[shapely.GeometryType, np.ndarray, tuple[np.ndarray, ...]] | np.ndarray] = []
        if not n:
            return
        key = shapely.get_type_id(geoms).astype(np.int64) * 2 + shapely.has_z(geoms)
        for g, k in enumerate(np.unique(key).tolist()):
            members = np.flatnonzero(key == k)
            self.group[members] = g
            self.position[members] = np.arange(len(members))
            if k // 2 in _RAGGED:
                self.groups.append(_ragged(geoms[members], k // 2, bool(k % 2)))
            else:  # pragma: no cover - layers hold only the types above
                self.groups.append(geoms[members])

    def take(self, numbers: np.ndarray) -> np.ndarray:
        """New geometries equal (coordinate for coordinate) to ``geoms[numbers]``."""
        out = np.empty(len(numbers), dtype=object)
        group = self.group[numbers]
        position = self.position[numbers]
        for g in np.unique(group).tolist():
            where = np.flatnonzero(group == g)
            out[where] = self._take(g, position[where])
        return out

    def _take(self, g: int, positions: np.ndarray) -> np.ndarray:
        stored = self.groups[g]
        if isinstance(stored, np.ndarray):  # pragma: no cover - see __init__
            kept: np.ndarray = stored[positions]
            return kept
        geometry_type, coords, offsets = stored
        index = positions
        sliced: list[np.ndarray] = []
        for level in reversed(offsets):  # outermost first: geometries → parts → rings → coordinates
            starts, ends = level[index], level[index + 1]
            counts = ends - starts
            sliced.append(np.concatenate([[0], np.cumsum(counts)]).astype(level.dtype))
            index = _ranges(starts, counts)
        return np.asarray(
            shapely.from_ragged_array(geometry_type, coords[index], tuple(reversed(sliced)) or None),
            dtype=object,
        )


@dataclass
class WkbStore:
    """WKB geometries kept as the byte buffers and offsets of the columns they were read from
    (one chunk per Parquet row group); ``take`` parses those asked for."""

    starts: list[int] = field(default_factory=list)  # number of the first geometry of each chunk
    offsets: list[np.ndarray] = field(default_factory=list)  # per chunk: n + 1 byte offsets
    data: list[np.ndarray] = field(default_factory=list)  # per chunk: the bytes (uint8)

    def add(self, start: int, offsets: np.ndarray, data: np.ndarray) -> None:
        """Append a chunk holding geometries ``start .. start + len(offsets) - 2``."""
        self.starts.append(start)
        self.offsets.append(offsets)
        self.data.append(data)

    def covers(self, n: int) -> bool:
        """Whether the chunks hold geometries ``0 .. n - 1``, each once, in order."""
        expected = 0
        for start, offsets in zip(self.starts, self.offsets, strict=True):
            if start != expected:
                return False
            expected += len(offsets) - 1
        return expected == n

    def take(self, numbers: np.ndarray) -> np.ndarray:
        """New geometries parsed from the WKB of ``numbers``."""
        blobs = np.empty(len(numbers), dtype=object)
        chunk = np.searchsorted(np.asarray(self.starts, dtype=np.int64), numbers, side="right") - 1
        for c in np.unique(chunk).tolist():
            where = np.flatnonzero(chunk == c)
            at = numbers[where] - self.starts[c]
            offsets, data = self.offsets[c], memoryview(self.data[c])
            blobs[where] = [
                data[a:b].tobytes()
                for a, b in zip(offsets[at].tolist(), offsets[at + 1].tolist(), strict=True)
            ]
        return np.asarray(shapely.from_wkb(blobs), dtype=object).reshape(-1)
