"""``/map`` over TestClient: self-only CSP (no inline script), links to facilities, downloads."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from .conftest import csrf_of


def test_map_page_has_data_blocks_and_no_inline_script(demo_client: TestClient) -> None:
    r = demo_client.get("/map")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
    for attrs, _body in scripts:
        assert 'src="' in attrs or 'type="application/json"' in attrs, attrs
    data = json.loads(
        re.search(r'<script id="fc-data" type="application/json">(.*?)</script>', r.text, re.S)[1]
    )  # type: ignore[index]
    facilities = [f for f in data["features"] if f["properties"].get("role") == "facility"]
    assert facilities and data["coordinate_system"] == "WGS84"
    link = facilities[0]["properties"]["popup"]["link"]["href"]
    assert link.startswith("/open/facilities/")
    opened = demo_client.get(link, follow_redirects=False)
    assert opened.status_code == 303 and re.fullmatch(r"/facilities/\d+", opened.headers["location"])
    assert any(f["properties"].get("role") == "hazard" for f in data["features"])
    assert demo_client.get("/map.js").headers["content-type"].startswith("text/javascript")
    assert demo_client.get("/map.css").status_code == 200


def test_map_downloads_are_self_contained(demo_client: TestClient) -> None:
    working = demo_client.get("/map/download.html")
    public = demo_client.get("/map/public.html")
    for r in (working, public):
        assert r.status_code == 200 and "示意图" in r.text
        assert not re.search(r"<script[^>]+src=", r.text) and "<link" not in r.text
    assert "HP-00" not in public.text.split('id="fc-data"')[1].split("</script>")[0]


def test_outline_upload_is_checked_and_drawn(demo_client: TestClient) -> None:
    token = csrf_of(demo_client, "/map")
    bad = demo_client.post("/map/outline", data={"csrf_token": token}, files={"file": ("o.geojson", b"{}")})
    assert bad.status_code == 422
    outline = {
        "type": "Polygon",
        "coordinates": [
            [[123.38, 41.77], [123.46, 41.77], [123.46, 41.83], [123.38, 41.83], [123.38, 41.77]]
        ],
    }
    ok = demo_client.post(
        "/map/outline",
        data={"csrf_token": token},
        files={"file": ("o.geojson", json.dumps(outline).encode())},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = demo_client.get("/map").text
    block = re.search(r'<script id="fc-data" type="application/json">(.*?)</script>', page, re.S)
    assert block is not None
    assert any(f["properties"].get("role") == "outline" for f in json.loads(block[1])["features"])
