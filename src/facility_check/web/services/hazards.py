"""Hazard layers in the store: the file kept under the data directory, its CRS and SHA-256."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ... import pipeline
from ...catalogue import Catalogue
from ...pipeline import HazardLoad, InputError
from ...problems import Problem, Text
from ...siting import HazardError, load_layers
from ..db.models import HazardLayer
from ..db.session import Store
from .facilities import now, safe_filename

CRS_NAMES = ("WGS84", "CGCS2000", "GCJ02", "BD09")


@dataclass(frozen=True)
class StoredLayer:
    id: int
    name: str
    path: Path
    crs: str
    sha256: str
    features: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "crs": self.crs,
            "sha256": self.sha256,
            "features": self.features,
        }


def _declare_crs(data: bytes, crs: str | None, source: str) -> bytes:
    """Apply the ``crs`` given with an upload: a FeatureCollection that declares none gets it;
    one that declares another is refused (the file wins nothing silently)."""
    if crs is None:
        return data
    if crs not in CRS_NAMES:
        raise InputError(
            [
                Problem(
                    source,
                    "$.coordinate_system",
                    "hazard.crs",
                    Text(
                        f"未知坐标系 {crs!r}（应为 WGS84/CGCS2000/GCJ02/BD09）",
                        f"unknown coordinate system {crs!r}",
                    ),
                )
            ]
        )
    try:
        doc = json.loads(data)
    except ValueError:
        return data  # GeoJSON Lines, or not JSON: the loader reports it
    if not isinstance(doc, dict):
        return data
    declared = doc.get("coordinate_system")
    if declared is None:
        doc["coordinate_system"] = crs
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if declared != crs:
        raise InputError(
            [
                Problem(
                    source,
                    "$.coordinate_system",
                    "hazard.crs_conflict",
                    Text(
                        f"文件声明的坐标系为 {declared!r}，与上传时指定的 {crs!r} 不一致",
                        f"the file declares {declared!r}, the upload says {crs!r}",
                    ),
                )
            ]
        )
    return data


def add_layer(
    store: Store, hazards_dir: Path, data: bytes, filename: str | None, crs: str | None, who: str
) -> StoredLayer:
    """Check a layer with the core loader (every feature usable) and keep it."""
    name = safe_filename(filename, "hazards.geojson")
    data = _declare_crs(data, crs, name)
    digest = hashlib.sha256(data).hexdigest()
    folder = hazards_dir / digest[:16]
    path = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = folder / (name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    try:
        layers = load_layers([str(path)])
    except HazardError as exc:
        _remove(path)
        raise InputError(_named(exc.problems, path, name)) from None
    if layers.rejected:
        _remove(path)
        raise InputError(_named(layers.rejected, path, name))
    system = layers.names[0].rsplit("(", 1)[-1].rstrip(")") if layers.names else (crs or "WGS84")
    with store.write() as session:
        known = session.scalar(select(HazardLayer).where(HazardLayer.sha256 == digest))
        if known is None:
            known = HazardLayer(
                name=name,
                path=str(path.relative_to(hazards_dir.parent)),
                crs=system,
                sha256=digest,
                features=len(layers),
                saved_by=who,
                saved_at=now(),
            )
            session.add(known)
            session.flush()
        return StoredLayer(
            known.id, known.name, hazards_dir.parent / known.path, known.crs, known.sha256, known.features
        )


def _named(problems: list[Problem], path: Path, name: str) -> list[Problem]:
    """Problems named by the uploaded file, never by where the server keeps it."""
    return [replace(p, source=name) if p.source == str(path) else p for p in problems]


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    if not any(path.parent.iterdir()):
        path.parent.rmdir()


def layers(store: Store, data_dir: Path) -> list[StoredLayer]:
    with store.read() as session:
        return [
            StoredLayer(x.id, x.name, data_dir / x.path, x.crs, x.sha256, x.features)
            for x in session.scalars(select(HazardLayer).order_by(HazardLayer.id))
        ]


class HazardCache:
    """The loaded index of the stored layers, rebuilt only when the set of layers changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._value: HazardLoad | None = None

    def get(self, stored: list[StoredLayer], catalogue: Catalogue) -> HazardLoad | None:
        key = (id(catalogue), *(x.sha256 for x in stored))
        with self._lock:
            if key != self._key:
                self._value = pipeline.hazard_index(
                    [str(x.path) for x in stored], catalogue, allow_rejected=True
                )
                self._key = key
            return self._value
