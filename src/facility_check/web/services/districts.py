"""The district section over the stored facilities and layers (``district.compute``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from ...catalogue import Catalogue
from ...district import DistrictResult, FacilityRow, compute
from ...engine import Options
from ...loading import LoadItem, iter_bytes
from ...pipeline import HazardLoad
from ...render.district import DISTRICT_REPORTERS, DistrictHtml
from ..db.session import Store
from .facilities import StoredRecord
from .memo import Memo


def _items(records: list[StoredRecord]) -> Iterator[LoadItem]:
    for r in records:
        yield from iter_bytes(r.text.encode("utf-8"), r.source, sniff_jsonl=False)


def result(
    store: Store,
    records: list[StoredRecord],
    catalogue: Catalogue,
    hazards: HazardLoad | None,
    layer_names: dict[str, str] | None = None,
) -> DistrictResult:
    """As ``facility-check district <exported records> --hazards <layers>`` computes it, for the
    latest ``records`` of ``store`` (computed once for the same versions: ``memo``).

    ``layer_names`` maps where a layer is kept to its uploaded name: a problem of a layer is
    reported under that name, as the CLI reports it under the name it was given."""
    index = hazards.index if hazards is not None else None
    names = layer_names or {}

    def computed() -> DistrictResult:
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

    # the section of the same versions is computed once (pages, downloads and the API share it)
    key = (tuple((r.id, r.version, r.source) for r in records), tuple(sorted(names.items())))
    return _SECTIONS.get((store, catalogue, index), key, computed)


_SECTIONS: Memo[DistrictResult] = Memo(limit=4)


def render(result: DistrictResult, fmt: str, lang: str) -> str | bytes:
    return DISTRICT_REPORTERS[fmt]().render(result, lang)


def html_body(result: DistrictResult, lang: str, records: list[StoredRecord] | None = None) -> str:
    """The body of ``district --format html`` (the same renderer, embedded in a page); with the
    stored ``records``, each facility it names links to its page."""
    pages = {r.facility_id: f"/facilities/{r.id}" for r in records or []}
    return DistrictHtml().body(result, lang, link=pages.get)


_TOWNSHIP = re.compile(r"(?:区|县|旗|市)([^\s\d省市区县旗]{1,10}?(?:街道|镇|乡))")
UNNAMED = {"zh": "地址中未注明街道/乡镇", "en": "no 街道/乡镇 in the address"}


@dataclass(frozen=True)
class Township:
    name: str
    facilities: list[tuple[int | None, FacilityRow]]  # store id (for the link), the district's row

    @property
    def with_findings(self) -> int:
        return sum(
            1
            for _, r in self.facilities
            if r.setup_unmet or r.management_unmet or r.design == "noncompliant" or r.siting == "noncompliant"
        )


def township_of(address: str | None) -> str | None:
    """The 街道/乡镇 named in an address, after the county-level part (``…区XX街道…``)."""
    if not address:
        return None
    found = _TOWNSHIP.search(address)
    return found.group(1) if found else None


def townships(result: DistrictResult, records: list[StoredRecord], lang: str) -> list[Township]:
    """The district's facilities grouped by 街道/乡镇 (from each record's address), with counts."""
    by_id: dict[str, tuple[int, str | None]] = {}
    for r in records:
        data = json.loads(r.text)
        address = data.get("address") if isinstance(data, dict) else None
        by_id[r.facility_id] = (r.id, address if isinstance(address, str) else None)
    groups: dict[str, list[tuple[int | None, FacilityRow]]] = {}
    for row in sorted(result.rows, key=lambda x: x.facility_id):
        pk, address = by_id.get(row.facility_id, (None, None))
        groups.setdefault(township_of(address) or UNNAMED[lang], []).append((pk, row))
    return [Township(name, rows) for name, rows in sorted(groups.items())]


def article_index(
    result: DistrictResult, records: list[StoredRecord]
) -> list[tuple[str, list[tuple[int | None, str]]]]:
    """For every article not met somewhere: the facilities (store id, facility id) where it is not met."""
    ids = {r.facility_id: r.id for r in records}
    out: dict[str, list[tuple[int | None, str]]] = {}
    for row in sorted(result.rows, key=lambda x: x.facility_id):
        for code in (*row.setup_unmet, *row.management_unmet):
            out.setdefault(code, []).append((ids.get(row.facility_id), row.facility_id))
    return sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0]))


DOWNLOADS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "html": ("html", "text/html; charset=utf-8"),
    "json": ("json", "application/json"),
}
