"""Where the catalogue (``standards/``), the schemas (``schemas/``) and the rubric packs (``rubrics/``) are.

In an installed wheel they ship as ``facility_check/_data/{standards,schemas,rubrics}``; in a source
checkout they are read from the top of the repository. The same files either way.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml


@cache
def data_dir(name: str) -> Path:
    packaged = Path(__file__).parent / "_data" / name
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / name
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(f"facility-check data folder {name!r} is missing from the installation")


@cache
def load_schema(filename: str) -> dict[str, Any]:
    with (data_dir("schemas") / filename).open(encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


# The bundled YAML (catalogue, siting rules) is read with PyYAML's safe loader in C (libyaml, in
# the PyPI wheels), ~8x faster than the pure-Python one; both construct only plain data. User
# files keep the Python parser: its event stream meets deep nesting first, with our message.
BUNDLED_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def siting_rules() -> dict[str, Any]:
    """``standards/siting.yaml``: hazard kinds, default distances and their sources."""
    with (data_dir("standards") / "siting.yaml").open(encoding="utf-8") as f:
        rules: dict[str, Any] = yaml.load(f, Loader=BUNDLED_YAML_LOADER)  # noqa: S506 - a safe loader
    return rules
