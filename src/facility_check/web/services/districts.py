"""The district section over the stored facilities and layers (``district.compute``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from ...catalogue import Catalogue
from ...district import DistrictResult, compute
from ...engine import Options
from ...loading import LoadItem, iter_bytes
from ...pipeline import HazardLoad
from ...render.district import DISTRICT_REPORTERS, DistrictHtml
from .facilities import StoredRecord


def _items(records: list[StoredRecord]) -> Iterator[LoadItem]:
    for r in records:
        yield from iter_bytes(r.text.encode("utf-8"), r.source, sniff_jsonl=False)


def result(
    records: list[StoredRecord],
    catalogue: Catalogue,
    hazards: HazardLoad | None,
    layer_names: dict[str, str] | None = None,
) -> DistrictResult:
    """As ``facility-check district <exported records> --hazards <layers>`` computes it.

    ``layer_names`` maps where a layer is kept to its uploaded name: a problem of a layer is
    reported under that name, as the CLI reports it under the name it was given."""
    index = hazards.index if hazards is not None else None
    names = layer_names or {}
    problems = (
        [replace(p, source=names.get(p.source, p.source)) for p in index.layers.problems] if index else []
    )
    return compute(
        _items(records),
        catalogue,
        Options(as_of=None),
        siting_index=index,
        hazard_problems=problems,
        allow_incomplete=False,
        today=date.today(),
    )


def render(result: DistrictResult, fmt: str, lang: str) -> str | bytes:
    return DISTRICT_REPORTERS[fmt]().render(result, lang)


def html_body(result: DistrictResult, lang: str) -> str:
    """The body of ``district --format html`` (the same renderer, embedded in a page)."""
    return DistrictHtml().body(result, lang)
