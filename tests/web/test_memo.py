"""The workbench evaluates each stored version once: the district section and the list of
facilities to inspect are kept until a record, the layers or the day change."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from facility_check import district
from facility_check.web.services import checking, memo
from facility_check.web.services.memo import Memo

from .conftest import SAMPLES


def _post(client: TestClient, data: dict[str, Any]) -> None:
    r = client.post("/api/facilities", json=data)
    assert r.status_code == 201, r.text


def _sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / "facilities" / name).read_text(encoding="utf-8"))
    return loaded


def test_the_memo_computes_once_per_key_and_forgets_when_what_it_used_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def compute(value: str) -> Any:
        return lambda: calls.append(value) or value

    cache: Memo[str] = Memo(limit=2)
    first, second = object(), object()
    assert cache.get((first,), "a", compute("a1")) == "a1"
    assert cache.get((first,), "a", compute("a2")) == "a1"  # kept
    assert cache.get((second,), "a", compute("a3")) == "a3"  # another index: computed again
    assert cache.get((first,), "a", compute("a4")) == "a4"  # and the first one's were forgotten
    cache.get((first,), "b", compute("b"))
    cache.get((first,), "c", compute("c"))  # over the limit: emptied, then kept
    assert cache.get((first,), "c", compute("c2")) == "c"
    monkeypatch.setattr(memo, "_today", lambda: date(2099, 1, 1))
    assert cache.get((first,), "c", compute("c3")) == "c3"  # another day: records are dated by it
    assert calls == ["a1", "a3", "a4", "b", "c", "c3"]


def test_inspect_evaluates_each_version_once_and_follows_a_new_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluated: list[str] = []
    original = checking.reports_of

    def counted(record: Any, *args: Any) -> Any:
        evaluated.append(f"{record.facility_id} v{record.version}")
        return original(record, *args)

    monkeypatch.setattr(checking, "reports_of", counted)
    data = _sample("hp-002-typical-problems.json")
    _post(client, data)
    _post(client, _sample("hp-001-compliant.json"))
    first = client.get("/inspect?q=HP-002")
    assert first.status_code == 200 and "HP-002" in first.text
    again = client.get("/inspect")
    assert again.status_code == 200 and "HP-001" in again.text
    assert sorted(evaluated) == ["HP-001 v1", "HP-002 v1"]  # each version evaluated once
    data["name"] = "改名后的托育中心"
    _post(client, data)
    renamed = client.get("/inspect?q=改名后")
    assert "改名后的托育中心" in renamed.text
    assert sorted(evaluated) == ["HP-001 v1", "HP-002 v1", "HP-002 v2"]


def test_the_district_section_is_computed_once_until_a_record_or_a_layer_changes(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[int] = []
    original = district.compute

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr("facility_check.web.services.districts.compute", counted)
    _post(client, _sample("hp-002-typical-problems.json"))
    page = client.get("/district")
    api = client.get("/api/district").json()
    download = client.get("/district/section.csv")
    assert page.status_code == download.status_code == 200
    assert api["evaluated"] == 1 and api["section"]["siting"] is None
    assert len(runs) == 1  # the page, the API and the download share one computation
    _post(client, _sample("hp-001-compliant.json"))
    assert client.get("/api/district").json()["evaluated"] == 2
    layer = SAMPLES.parent / "samples" / "hazards" / "heping-hazards.geojson"
    r = client.post(
        "/api/hazard-layers", files={"file": (layer.name, layer.read_bytes(), "application/geo+json")}
    )
    assert r.status_code == 201
    with_layer = client.get("/api/district").json()
    assert with_layer["hazard_layers"] and with_layer["section"]["siting"] is not None
    assert len(runs) == 3
