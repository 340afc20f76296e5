"""The JSON API over TestClient: what a program (or a district's script) relies on."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from facility_check.cli import app as cli_app

from .conftest import SAMPLES, make_app

HAZARDS = sorted((SAMPLES / "hazards").glob("*.geojson"))


def cli(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli_app, args)
    return result.exit_code, result.stdout


def sample(name: str) -> bytes:
    return (SAMPLES / "facilities" / name).read_bytes()


def test_post_record_stores_a_version_and_lists_it(client: TestClient) -> None:
    r = client.post(
        "/api/facilities",
        content=sample("hp-001-compliant.json"),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 201
    assert r.json() == {"id": 1, "facility_id": "HP-001", "version": 1}
    listed = client.get("/api/facilities").json()
    assert [(f["facility_id"], f["version"], f["saved_by"]) for f in listed] == [("HP-001", 1, "api")]
    stored = client.get("/api/facilities/1")
    assert stored.status_code == 200
    assert stored.json() == json.loads(sample("hp-001-compliant.json"))


def test_posting_the_same_facility_again_keeps_every_version_with_who_and_when(client: TestClient) -> None:
    data = json.loads(sample("hp-001-compliant.json"))
    client.post("/api/facilities", json=data, headers={"X-Facility-Check-User": quote("王老师")})
    data["name"] = "改名后的托育中心"
    r = client.post("/api/facilities", json=data, headers={"X-Facility-Check-User": quote("李老师")})
    assert r.status_code == 201 and r.json()["version"] == 2 and r.json()["id"] == 1
    versions = client.get("/api/facilities/1/versions").json()
    assert [(v["version"], v["saved_by"]) for v in versions] == [(1, "王老师"), (2, "李老师")]
    assert all(v["saved_at"].endswith("Z") for v in versions)
    assert client.get("/api/facilities/1").json()["name"] == "改名后的托育中心"


def test_invalid_record_is_422_with_the_validate_document_and_nothing_is_stored(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = SAMPLES / "broken" / "many-errors.json"
    r = client.post(
        "/api/facilities", files={"file": ("many-errors.json", broken.read_bytes(), "application/json")}
    )
    assert r.status_code == 422
    shutil.copy(broken, tmp_path / "many-errors.json")
    code, out = cli(["validate", "many-errors.json", "--format", "json"], tmp_path, monkeypatch)
    assert code == 2
    assert r.text == out  # the same located problems as the CLI, byte for byte
    paths = [p["path"] for rec in r.json()["records"] for p in rec["problems"]]
    assert "$.classes[0].enrolled" in paths
    assert client.get("/api/facilities").json() == []


def test_a_file_with_one_bad_record_among_good_ones_stores_none(client: TestClient) -> None:
    good = json.loads(sample("hp-001-compliant.json"))
    bad = dict(good, facility_id="HP-X", area_m2="big")
    r = client.post(
        "/api/facilities", files={"file": ("two.json", json.dumps([good, bad]).encode(), "application/json")}
    )
    assert r.status_code == 422
    assert client.get("/api/facilities").json() == []


def test_not_json_is_a_located_422(client: TestClient) -> None:
    r = client.post("/api/facilities", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    problem = r.json()["records"][0]["problems"][0]
    assert problem["code"] == "json.syntax" and problem["source"] == "request.json"


def test_unknown_facility_is_404(client: TestClient) -> None:
    assert client.get("/api/facilities/99").status_code == 404
    assert client.get("/api/facilities/99/check").status_code == 404
    assert client.get("/api/facilities/abc").status_code == 422


def _export(demo_client: TestClient, folder: Path) -> list[str]:
    names = []
    for f in demo_client.get("/api/facilities").json():
        text = demo_client.get(f"/api/facilities/{f['id']}").text
        name = f"{f['facility_id']}.json"
        (folder / name).write_text(text, encoding="utf-8")
        names.append(name)
    for layer in HAZARDS:
        shutil.copy(layer, folder / layer.name)
    return sorted(names)


def _hazard_args() -> list[str]:
    return [a for layer in HAZARDS for a in ("--hazards", layer.name)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_is_the_cli_check_json_with_the_stored_layers(
    demo_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    _export(demo_client, tmp_path)
    for f in demo_client.get("/api/facilities").json()[:3]:
        api = demo_client.get(f"/api/facilities/{f['id']}/check", params={"lang": lang})
        assert api.status_code == 200 and api.headers["content-type"] == "application/json"
        _, out = cli(
            ["check", f"{f['facility_id']}.json", *_hazard_args(), "--format", "json", "--lang", lang],
            tmp_path,
            monkeypatch,
        )
        assert api.text == out


def test_stored_records_check_like_the_original_sample_files(
    demo_client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Storing a record (canonical JSON) does not change its verdicts: the report equals the
    one of the original sample file but for the source name."""
    f = demo_client.get("/api/facilities").json()[1]
    api = demo_client.get(f"/api/facilities/{f['id']}/check").json()
    shutil.copy(SAMPLES / "facilities" / "hp-002-typical-problems.json", tmp_path / "HP-002.json")
    for layer in HAZARDS:
        shutil.copy(layer, tmp_path / layer.name)
    _, out = cli(["check", "HP-002.json", *_hazard_args(), "--format", "json"], tmp_path, monkeypatch)
    assert api == json.loads(out)


def test_district_is_the_cli_district_json(
    demo_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _export(demo_client, tmp_path)
    api = demo_client.get("/api/district")
    assert api.status_code == 200
    _, out = cli(["district", *names, *_hazard_args(), "--format", "json"], tmp_path, monkeypatch)
    assert api.text == out
    assert api.json()["evaluated"] == 6


def test_empty_store_district_has_no_score(client: TestClient) -> None:
    body = client.get("/api/district").json()
    assert body["evaluated"] == 0


def test_hazard_layer_upload_keeps_file_crs_and_sha256(client: TestClient, app: FastAPI) -> None:
    layer = SAMPLES / "hazards" / "heping-gcj02.geojson"
    data = layer.read_bytes()
    r = client.post("/api/hazard-layers", files={"file": (layer.name, data, "application/geo+json")})
    assert r.status_code == 201
    body = r.json()
    assert (
        body["crs"] == "GCJ02" and body["sha256"] == hashlib.sha256(data).hexdigest() and body["features"] > 0
    )
    stored = list(app.state.settings.hazards_dir.rglob(layer.name))
    assert len(stored) == 1 and stored[0].read_bytes() == data
    assert client.get("/api/hazard-layers").json() == [body]


def test_hazard_layer_crs_is_declared_or_must_agree(client: TestClient) -> None:
    doc = json.loads((SAMPLES / "hazards" / "heping-hazards.geojson").read_text(encoding="utf-8"))
    doc.pop("coordinate_system", None)
    r = client.post(
        "/api/hazard-layers",
        files={"file": ("plain.geojson", json.dumps(doc).encode(), "application/json")},
        data={"crs": "CGCS2000"},
    )
    assert r.status_code == 201 and r.json()["crs"] == "CGCS2000"
    gcj = (SAMPLES / "hazards" / "heping-gcj02.geojson").read_bytes()
    r = client.post(
        "/api/hazard-layers", files={"file": ("gcj.geojson", gcj, "application/json")}, data={"crs": "BD09"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "hazard.crs_conflict"


def test_a_layer_with_an_unusable_feature_is_refused_and_not_kept(client: TestClient, app: FastAPI) -> None:
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "X1",
                "properties": {"kind": "volcano"},
                "geometry": {"type": "Point", "coordinates": [123.4, 41.8]},
            }
        ],
    }
    r = client.post(
        "/api/hazard-layers", files={"file": ("bad.geojson", json.dumps(doc).encode(), "application/json")}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["source"] == "bad.geojson"
    assert client.get("/api/hazard-layers").json() == []
    assert not list(app.state.settings.hazards_dir.rglob("bad.geojson"))


def test_uploaded_file_names_cannot_escape_the_data_directory(
    client: TestClient, app: FastAPI, tmp_path: Path
) -> None:
    data = (SAMPLES / "hazards" / "heping-hazards.geojson").read_bytes()
    r = client.post("/api/hazard-layers", files={"file": ("../../../evil.geojson", data, "application/json")})
    assert r.status_code == 201
    assert r.json()["name"] == "evil.geojson"
    hazards_dir = app.state.settings.hazards_dir
    assert [p.relative_to(hazards_dir).parts[-1] for p in hazards_dir.rglob("*.geojson")] == ["evil.geojson"]
    assert not (tmp_path / "evil.geojson").exists()


def test_upload_over_the_limit_is_413(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, upload_mb=1)) as c:
        r = c.post(
            "/api/facilities", content=b" " * (3 * 1024 * 1024), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        assert "MB" in r.text


def test_a_zip_bomb_workbook_is_refused_before_parsing(client: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    r = client.post(
        "/api/facilities", files={"file": ("book.xlsx", buffer.getvalue(), "application/octet-stream")}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "upload.zip_bomb"


def test_a_workbook_naming_a_path_outside_itself_is_refused(client: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("../../etc/passwd", b"x" * 100)
    r = client.post(
        "/api/facilities", files={"file": ("book.xlsx", buffer.getvalue(), "application/octet-stream")}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "upload.zip_path"


def test_openapi_is_published_and_lists_the_api(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    for path in (
        "/api/facilities",
        "/api/facilities/{facility_pk}",
        "/api/facilities/{facility_pk}/check",
        "/api/hazard-layers",
        "/api/district",
    ):
        assert path in spec["paths"]
    assert not any(p.startswith("/facilities") for p in spec["paths"])  # pages are not API
    assert client.get("/docs").status_code == 404  # no CDN-backed docs page


def test_security_headers_on_every_response(client: TestClient) -> None:
    for url in ("/", "/api/facilities", "/static/app.css", "/api/facilities/5"):
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_no_stack_trace_in_a_response(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from facility_check.web.services import facilities

    def boom(*_: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(facilities, "listing", boom)
    with TestClient(make_app(tmp_path), raise_server_exceptions=False) as c:
        for url, kind in (("/api/facilities", "application/json"), ("/", "text/html")):
            r = c.get(url)
            assert r.status_code == 500
            assert r.headers["content-type"].startswith(kind)
            assert (
                "Traceback" not in r.text
                and "secret internal detail" not in r.text
                and "RuntimeError" not in r.text
            )


def test_the_store_is_migrated_and_reopens(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path)) as c:
        c.post(
            "/api/facilities",
            content=sample("hp-001-compliant.json"),
            headers={"content-type": "application/json"},
        )
    app = make_app(tmp_path)  # a second start runs the migrations again: nothing lost
    with TestClient(app) as c:
        assert [f["facility_id"] for f in c.get("/api/facilities").json()] == ["HP-001"]
    from sqlalchemy import text

    with app.state.store.read() as session:
        assert session.execute(text("select version_num from alembic_version")).scalar() == "0002"
        assert session.execute(text("pragma journal_mode")).scalar() == "wal"


class TestToken:
    TOKEN = "s3cret-token"

    @pytest.fixture
    def secured(self, tmp_path: Path) -> TestClient:
        return TestClient(make_app(tmp_path, token=self.TOKEN))

    def test_api_needs_the_bearer_token(self, secured: TestClient) -> None:
        assert secured.get("/api/facilities").status_code == 401
        assert secured.get("/api/facilities", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert secured.get("/api/openapi.json").status_code == 401
        ok = secured.get("/api/facilities", headers={"Authorization": f"Bearer {self.TOKEN}"})
        assert ok.status_code == 200

    def test_pages_show_the_login_form_with_401_then_a_cookie_opens_them(self, secured: TestClient) -> None:
        r = secured.get("/facilities/new")
        assert r.status_code == 401 and 'name="token"' in r.text
        csrf = secured.cookies.get("fc_csrf")
        assert csrf
        bad = secured.post("/login", data={"token": "nope", "csrf_token": csrf})
        assert bad.status_code == 401
        good = secured.post("/login", data={"token": self.TOKEN, "csrf_token": csrf}, follow_redirects=False)
        assert good.status_code == 303
        cookie = good.headers["set-cookie"]
        assert "fc_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert self.TOKEN not in cookie  # the cookie holds a derived value, not the token
        assert secured.get("/facilities/new").status_code == 200

    def test_static_files_and_login_stay_reachable(self, secured: TestClient) -> None:
        assert secured.get("/static/app.css").status_code == 200
        assert secured.get("/login").status_code == 200
