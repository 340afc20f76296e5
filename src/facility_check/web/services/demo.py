"""``serve --demo``: the bundled sample district (records and hazard layers) in a fresh store."""

from __future__ import annotations

from pathlib import Path

from ...resources import data_dir
from ..db.session import Store
from . import facilities, hazards

DEMO_USER = "demo"


class DemoMissing(FileNotFoundError):
    """The samples are not part of this installation."""


def samples() -> Path:
    try:
        return data_dir("samples")
    except FileNotFoundError:
        raise DemoMissing("samples") from None


def load(store: Store, hazards_dir: Path) -> tuple[int, int]:
    """Load every sample record and hazard layer; returns (records, layers)."""
    root = samples()
    records = layers = 0
    for path in sorted((root / "facilities").glob("*.json")):
        records += len(facilities.submit(store, path.read_bytes(), path.name, DEMO_USER))
    for path in sorted((root / "hazards").glob("*.geojson*")):
        hazards.add_layer(store, hazards_dir, path.read_bytes(), path.name, None, DEMO_USER)
        layers += 1
    return records, layers
