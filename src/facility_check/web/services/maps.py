"""The workbench's map: the stored facilities with their verdicts and the stored hazard layers
(``render.map.facility_map``), the public map (``public_map``) and the district outline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ... import pipeline
from ...catalogue import Catalogue
from ...engine import Options
from ...loading import iter_bytes
from ...pipeline import HazardLoad
from ...record import Facility
from ...render.map import facility_map, public_map, read_outline
from ...report import FacilityReport
from ..db.session import Store
from .facilities import StoredRecord, all_latest

OUTLINE = Path("outline") / "outline.geojson"
LINK_BASE = "/open"  # a facility's popup links to /open/facilities/<facility id>


def _evaluated(
    records: list[StoredRecord], catalogue: Catalogue, hazards: HazardLoad | None
) -> tuple[list[Facility], list[FacilityReport]]:
    validated = [
        v
        for r in records
        for v in pipeline.validate_loaded(
            iter_bytes(r.text.encode("utf-8"), r.source, sniff_jsonl=False), None
        )
    ]
    good = pipeline.usable(validated)
    index = hazards.index if hazards is not None else None
    reports = pipeline.evaluate_records(good, catalogue, Options(as_of=None), index)
    return [v.facility for v in good if v.facility is not None], reports


def outline(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / OUTLINE
    return read_outline(path.read_bytes(), "outline.geojson") if path.exists() else []


def save_outline(data_dir: Path, data: bytes, filename: str) -> int:
    """Check the outline (``read_outline`` raises located problems) and keep it; returns its parts."""
    features = read_outline(data, filename)
    target = data_dir / OUTLINE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return len(features)


def working(
    store: Store, data_dir: Path, catalogue: Catalogue, hazards: HazardLoad | None, lang: str, *, links: bool
) -> dict[str, Any]:
    facilities, reports = _evaluated(all_latest(store), catalogue, hazards)
    index = hazards.index if hazards is not None else None
    return facility_map(
        facilities,
        reports,
        index,
        lang=lang,
        link_base=LINK_BASE if links else None,
        outline=outline(data_dir),
    )


def public(store: Store, data_dir: Path, lang: str) -> dict[str, Any]:
    validated = [
        v
        for r in all_latest(store)
        for v in pipeline.validate_loaded(
            iter_bytes(r.text.encode("utf-8"), r.source, sniff_jsonl=False), None
        )
    ]
    facilities = [v.facility for v in pipeline.usable(validated) if v.facility is not None]
    return public_map(facilities, lang=lang, outline=outline(data_dir))
