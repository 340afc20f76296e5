"""The district's pages over TestClient: uploads with a result per file, downloads, 街道 groups."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from facility_check.web.services.districts import township_of

from .conftest import SAMPLES, csrf_of
from .test_api import cli

RECORDS = sorted((SAMPLES / "facilities").glob("*.json"))


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_upload_gives_a_result_per_file_and_the_section_equals_the_cli(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = csrf_of(client, "/district")
    zipped = _zip({f"records/{p.name}": p.read_bytes() for p in RECORDS[2:]} | {"notes.txt": b"x"})
    files = [("files", (p.name, p.read_bytes())) for p in RECORDS[:2]]
    files += [("files", ("broken.json", b'{"facility_id": ')), ("files", ("more.zip", zipped))]
    r = client.post("/district/records", data={"csrf_token": token}, files=files)
    assert r.status_code == 422  # some files were rejected
    page = r.text
    for p in RECORDS:
        assert p.name in page
    assert page.count('<tr class="ok">') == len(RECORDS)
    assert page.count('<tr class="bad">') == 2 and "broken.json" in page and "more.zip/notes.txt" in page
    section = client.get("/district/section.json")
    _, out = cli(["district", *[str(p) for p in RECORDS], "--format", "json"], tmp_path, monkeypatch)
    assert json.loads(section.text)["section"]["total"] == json.loads(out)["section"]["total"]
    assert json.loads(section.text)["evaluated"] == len(RECORDS)
    for fmt in ("xlsx", "csv", "html"):
        got = client.get(f"/district/section.{fmt}")
        assert got.status_code == 200 and got.headers["content-disposition"].endswith(f'district.{fmt}"')
    assert client.get("/district/section.exe").status_code == 404


def test_a_zip_with_an_unsafe_path_or_a_bomb_is_refused_whole(client: TestClient) -> None:
    token = csrf_of(client, "/district")
    unsafe = _zip({"../escape.json": RECORDS[0].read_bytes()})
    bomb = _zip({"big.json": b" " * (50 * 1024 * 1024)})
    r = client.post(
        "/district/records",
        data={"csrf_token": token},
        files=[("files", ("unsafe.zip", unsafe)), ("files", ("bomb.zip", bomb))],
    )
    assert r.status_code == 422 and r.text.count('<tr class="bad">') == 2
    assert client.get("/api/facilities").json() == []


def test_upload_needs_csrf(client: TestClient) -> None:
    r = client.post("/district/records", data={"csrf_token": "x"}, files=[("files", ("a.json", b"{}"))])
    assert r.status_code == 403


def test_facilities_by_township_link_down_to_the_article(demo_client: TestClient) -> None:
    page = demo_client.get("/district/facilities").text
    listed = demo_client.get("/api/facilities").json()
    assert f">{len(listed)}</td>" in page  # every facility counted in its group
    assert "/inspect#row-" in page


def test_township_is_read_after_the_county() -> None:
    assert township_of("北京市门头沟区大峪街道新桥大街 1 号") == "大峪街道"
    assert township_of("北京市门头沟区永定镇某小区") == "永定镇"
    assert township_of("辽宁省沈阳市和平区南京南街 128 号") is None


def test_hazard_layers_upload_with_a_result_per_file(client: TestClient) -> None:
    token = csrf_of(client, "/district")
    layer = SAMPLES / "hazards" / "heping-hazards.geojson"
    files = [
        ("layers", (layer.name, layer.read_bytes())),
        ("layers", ("broken.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')),
    ]
    r = client.post("/district/records", data={"csrf_token": token}, files=files)
    assert r.status_code == 422
    table = r.text[r.text.index('class="list layer-uploads"') :]
    assert table.count('<tr class="ok">') == 1 and table.count('<tr class="bad">') == 1
    assert "broken.geojson" in table and "$.features[0]" in table
    assert [x["name"] for x in client.get("/api/hazard-layers").json()] == [layer.name]
