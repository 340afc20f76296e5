"""Maps: the GeoJSON behind them, the offline HTML page, the public map's privacy, the CLI."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import shape
from typer.testing import CliRunner

from facility_check import pipeline
from facility_check.cli import app
from facility_check.engine import Options
from facility_check.geo.coords import to_wgs84
from facility_check.loading import RawRecord
from facility_check.render.map import facility_map, leaflet_assets, map_html, public_map
from facility_check.validate import validate_raw
from tests.browser import launched
from tests.helpers import ROOT, base_record

HAZARD_FILES = ["samples/hazards/heping-hazards.geojson", "samples/hazards/heping-gcj02.geojson"]
HAZARDS = [arg for f in HAZARD_FILES for arg in ("--hazards", f)]
FACILITIES = "samples/facilities"
GEOD = Geod(ellps="WGS84")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def geojson(*args: str) -> dict[str, Any]:
    code, out, err = invoke("map", *args, "--format", "geojson")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def by_role(collection: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [f for f in collection["features"] if f["properties"]["role"] == role]


def facility(collection: dict[str, Any], fid: str) -> dict[str, Any]:
    [f] = [f for f in by_role(collection, "facility") if f["properties"]["facility_id"] == fid]
    return f


def hazard(collection: dict[str, Any], hid: str, role: str = "hazard") -> dict[str, Any]:
    [f] = [f for f in by_role(collection, role) if f["properties"]["hazard_id"] == hid]
    return f


# ----------------------------------------------------------------------------------------------
# The working map's GeoJSON
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_map() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        return geojson(FACILITIES, *HAZARDS)


def test_facilities_are_coloured_by_their_verdict(sample_map: dict[str, Any]) -> None:
    verdicts = {
        f["properties"]["facility_id"]: f["properties"]["verdict"] for f in by_role(sample_map, "facility")
    }
    # HP-001 meets everything; HP-002 is 38 m from a fuel station; HP-004 is crossed by a 110 kV line
    assert verdicts["HP-001"] == "compliant"
    assert verdicts["HP-002"] == "noncompliant"
    assert verdicts["HP-004"] == "noncompliant"
    assert set(verdicts) == {f"HP-00{i}" for i in range(1, 7)}
    assert facility(sample_map, "HP-002")["properties"]["siting_failed"] == ["FS-01"]


def test_an_unknown_only_facility_is_incomplete_not_compliant(tmp_path: Path) -> None:
    record = base_record()
    del record["staff"][0]["health_checks"]  # a fact missing: unknown, nothing unmet
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    [feature] = by_role(geojson(str(path)), "facility")
    assert feature["properties"]["unknown"] > 0 and feature["properties"]["unmet"] == 0
    assert feature["properties"]["verdict"] == "incomplete"


def test_required_distance_buffers_are_true_metres(sample_map: dict[str, Any]) -> None:
    for hid, required in (("FS-01", 50.0), ("PL-110-01", 12.5), ("WT-01", 100.0)):
        source = shape(hazard(sample_map, hid)["geometry"])
        buffer = shape(hazard(sample_map, hid, "required_distance")["geometry"])
        assert hazard(sample_map, hid, "required_distance")["properties"]["required_m"] == required
        # every vertex of the buffer lies at the required distance from the hazard, measured
        # geodesically to a dense sampling of the hazard's outline (independent of any projection)
        outline = source.boundary if source.geom_type == "Polygon" else source
        samples = (
            shapely.get_coordinates(shapely.segmentize(outline, 2e-6))
            if outline.length
            else shapely.get_coordinates(source)
        )
        for lon, lat in list(buffer.exterior.coords)[::7]:
            _, _, metres = GEOD.inv(
                np.full(len(samples), lon), np.full(len(samples), lat), samples[:, 0], samples[:, 1]
            )
            assert abs(float(np.min(metres)) - required) < 0.3, (hid, float(np.min(metres)))


def test_a_point_hazard_buffer_centres_on_the_hazard(sample_map: dict[str, Any]) -> None:
    point = shape(hazard(sample_map, "FS-01")["geometry"])
    ring = shape(hazard(sample_map, "FS-01", "required_distance")["geometry"]).exterior.coords
    distances = [GEOD.inv(point.x, point.y, lon, lat)[2] for lon, lat in ring]
    assert max(distances) - min(distances) < 0.05
    assert abs(np.mean(distances) - 50.0) < 0.05


def test_crossing_power_line_is_flagged(sample_map: dict[str, Any]) -> None:
    line = hazard(sample_map, "PL-110-01")["properties"]
    assert line["crossing"] is True and line["crosses_facilities"] == ["HP-004"]
    assert hazard(sample_map, "GP-01")["properties"]["crossing"] is False
    assert [
        f["properties"]["hazard_id"] for f in by_role(sample_map, "hazard") if f["properties"]["crossing"]
    ] == ["PL-110-01"]


def test_hazard_popup_has_id_kind_and_required_distance(sample_map: dict[str, Any]) -> None:
    popup = hazard(sample_map, "FS-01")["properties"]["popup"]
    rows = dict(popup["rows"])
    assert rows["编号"] == "FS-01" and rows["类型"] == "加油站" and rows["要求距离"] == "50 m"
    venue = dict(hazard(sample_map, "MK-01")["properties"]["popup"]["rows"])
    assert venue["要求距离"] == "不得与场地毗邻"


def test_coordinates_are_wgs84_with_the_source_datum_stated(sample_map: dict[str, Any]) -> None:
    assert sample_map["coordinate_system"] == "WGS84"
    assert sample_map["source_coordinate_systems"] == ["GCJ02", "WGS84"]
    record = json.loads((ROOT / FACILITIES / "hp-006-self-check-gcj02.json").read_text(encoding="utf-8"))
    lon, lat = to_wgs84(
        "GCJ02", np.array([record["location"]["longitude"]]), np.array([record["location"]["latitude"]])
    )
    feature = facility(sample_map, "HP-006")
    assert feature["properties"]["source_crs"] == "GCJ02"
    got = feature["geometry"]["coordinates"]
    # the GCJ-02 offset is hundreds of metres: being within a few centimetres proves the conversion
    assert GEOD.inv(got[0], got[1], float(lon[0]), float(lat[0]))[2] < 0.05
    assert GEOD.inv(got[0], got[1], record["location"]["longitude"], record["location"]["latitude"])[2] > 100
    assert hazard(sample_map, "WT-01")["properties"]["source_crs"] == "GCJ02"


def test_facility_links_only_with_a_base_url(sample_map: dict[str, Any]) -> None:
    assert all(
        "url" not in f["properties"] and "link" not in f["properties"]["popup"]
        for f in by_role(sample_map, "facility")
    )
    linked = geojson(FACILITIES, "--base-url", "http://127.0.0.1:8000/")
    assert facility(linked, "HP-001")["properties"]["url"] == "http://127.0.0.1:8000/facilities/HP-001"
    relative = facility_map([_facility(base_record())], link_base="")
    [feature] = by_role(relative, "facility")
    assert feature["properties"]["popup"]["link"]["href"] == "/facilities/HP-001"


def test_facility_without_coordinates_is_listed_not_dropped(tmp_path: Path) -> None:
    record = base_record()
    del record["location"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    code, out, err = invoke("map", str(path), "--format", "geojson")
    assert code == 0
    data = json.loads(out)
    assert by_role(data, "facility") == []
    assert data["unplaced"] == [{"facility_id": "HP-001", "name": record["name"]}]
    assert "没有坐标" in err and record["name"] in err


def test_only_hazards_near_the_facilities_are_drawn(tmp_path: Path) -> None:
    far = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "FAR",
                "geometry": {"type": "Point", "coordinates": [116.4, 39.9]},
                "properties": {"kind": "fuel_station"},
            },
            {
                "type": "Feature",
                "id": "NEAR",
                "geometry": {"type": "Point", "coordinates": [123.412, 41.781]},
                "properties": {"kind": "fuel_station"},
            },
        ],
    }
    layer = tmp_path / "h.geojson"
    layer.write_text(json.dumps(far), encoding="utf-8")
    data = geojson(FACILITIES, "--hazards", str(layer))
    assert [f["properties"]["hazard_id"] for f in by_role(data, "hazard")] == ["NEAR"]


# ----------------------------------------------------------------------------------------------
# The HTML page
# ----------------------------------------------------------------------------------------------


class _Urls(HTMLParser):
    """Every URL the page could fetch: src/href attributes, and url(...) in styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value:
                self.urls.append(value)
            if name == "style" and value:
                self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", data)
            self.urls += re.findall(r"@import\s+['\"]([^'\"]+)", data)


def page_urls(html: str) -> list[str]:
    parser = _Urls()
    parser.feed(html)
    return parser.urls


def remote(urls: list[str]) -> list[str]:
    return [u for u in urls if re.match(r"^\s*(https?:)?//", u, re.IGNORECASE)]


def write_map(tmp_path: Path, name: str, *args: str) -> tuple[Path, str]:
    out = tmp_path / name
    code, _, err = invoke("map", *args, "--out", str(out))
    assert code == 0, err
    return out, out.read_text(encoding="utf-8")


def test_page_inlines_leaflet_and_references_nothing_remote(tmp_path: Path) -> None:
    _, html = write_map(tmp_path, "map.html", FACILITIES, *HAZARDS)
    assert "<script src" not in html and "<link" not in html
    assert "window.L" in html and ".leaflet-container" in html  # the library itself, inlined
    assert "sourceMappingURL" not in html
    urls = page_urls(html)
    assert remote(urls) == []
    assert all(u.startswith(("data:", "#")) for u in urls), urls
    assert "示意图" in html and "数据日期" in html and "2026-11-10" in html
    assert re.search(r"<title>[^<]*示意图[^<]*数据日期 2026-11-10[^<]*</title>", html)


def test_tile_template_is_the_only_remote_reference(tmp_path: Path) -> None:
    template = "https://tiles.district.example/{z}/{x}/{y}.png"
    _, html = write_map(tmp_path, "map.html", FACILITIES, "--tiles", template)
    assert remote(page_urls(html)) == []
    # beyond Leaflet's own source (comments, the SVG namespace), the template is the only URL
    leaflet_js, leaflet_css = leaflet_assets()
    assert leaflet_js in html and leaflet_css in html
    ours = html.replace(leaflet_js, "").replace(leaflet_css, "")
    found = set(re.findall(r"https?://[^\"'\s)<>\\]+", ours))
    assert found == {template}, found


def test_bad_tile_template_is_a_usage_error(tmp_path: Path) -> None:
    for bad in ("https://tiles.example/static.png", "javascript:alert(1)//{z}/{x}/{y}"):
        code, _, err = invoke("map", FACILITIES, "--tiles", bad, "--out", str(tmp_path / "m.html"))
        assert code == 2 and "--tiles" in err
    assert not (tmp_path / "m.html").exists()


def test_same_input_same_bytes_and_the_date_comes_from_the_data(tmp_path: Path) -> None:
    _, first = write_map(tmp_path, "a.html", FACILITIES, *HAZARDS)
    _, second = write_map(tmp_path, "b.html", FACILITIES, *HAZARDS)
    assert first == second
    # the latest inspection date of the records, not today's
    assert "数据日期 2026-11-10" in first
    _, dated = write_map(tmp_path, "c.html", FACILITIES, "--as-of", "2026-11-20")
    assert "数据日期 2026-11-20" in dated


def test_text_from_records_cannot_break_out_of_the_page() -> None:
    record = base_record()
    record["name"] = "</script><script>alert(1)</script>"
    html = map_html(facility_map([_facility(record)]))
    assert "<script>alert(1)" not in html
    data = re.search(r'<script id="fc-data" type="application/json">(.*?)</script>', html, re.S)
    assert data is not None
    [feature] = by_role(json.loads(data.group(1)), "facility")
    assert feature["properties"]["name"] == record["name"]


def test_english_page(tmp_path: Path) -> None:
    _, html = write_map(tmp_path, "en.html", FACILITIES, "--lang", "en")
    assert '<html lang="en">' in html
    assert "<title>Childcare facilities (schematic map, data as of 2026-11-10)</title>" in html


# ----------------------------------------------------------------------------------------------
# The public map
# ----------------------------------------------------------------------------------------------


def _private_strings(records: list[dict[str, Any]]) -> set[str]:
    """Everything about a record the public must not see: people, ids, numbers, evidence."""
    out: set[str] = set()
    for r in records:
        out.add(r["facility_id"])
        out.update(s[key] for s in r.get("staff") or [] for key in ("name", "id") if s.get(key))
        for key in ("filed_director", "receipt_number"):
            if (r.get("filing") or {}).get(key):
                out.add(r["filing"][key])
        if (r.get("inspection") or {}).get("inspector"):
            out.add(r["inspection"]["inspector"])
        if r.get("uscc"):
            out.add(r["uscc"])
        out.update(c["id"] for c in r.get("classes") or [])
    return {s for s in out if len(s) >= 2}


def test_public_map_shows_filed_facilities_and_public_facts_only(tmp_path: Path) -> None:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / FACILITIES).glob("*.json"))]
    out = tmp_path / "public.html"
    code, _, err = invoke("map", FACILITIES, "--public", "--out", str(out))
    assert code == 0
    html = out.read_text(encoding="utf-8")
    filed = [r for r in records if (r.get("filing") or {}).get("filed") is True]
    unfiled = [r for r in records if r not in filed]
    assert filed and unfiled
    for r in filed:
        assert r["name"] in html and r["address"] in html and r["filing"]["filed_date"] in html
    for r in unfiled:
        assert r["name"] not in html
    assert f"{len(unfiled)} 个机构未显示" in err
    data = re.search(r'<script id="fc-data" type="application/json">(.*?)</script>', html, re.S)
    config = re.search(r'<script id="fc-config" type="application/json">(.*?)</script>', html, re.S)
    assert data is not None and config is not None
    ours = data.group(1) + config.group(1)
    private = _private_strings(records)
    # names and numbers nowhere in the file; short ids (class "C1") not in the map's data
    assert sorted(s for s in private if len(s) >= 4 and s in html) == []
    assert sorted(s for s in private if s in ours) == []
    # no verdicts, findings, article codes, scores or hazards
    assert not re.search(r"\b(SET|MGT|DES)-[0-9A-Z]", html)
    words = (
        "不符合",
        "符合",
        "得分",
        "危险源",
        "noncompliant",
        "compliant",
        "hazard",
        "score",
        "unmet",
        "facility_id",
    )
    assert [w for w in words if w in ours] == []
    data_json = json.loads(data.group(1))
    assert {f["properties"]["role"] for f in data_json["features"]} == {"facility"}
    allowed = {
        "role",
        "name",
        "address",
        "operator_type",
        "places",
        "filed_date",
        "source_crs",
        "verdict",
        "popup",
    }
    for f in data_json["features"]:
        assert set(f["properties"]) <= allowed
        assert f["properties"]["verdict"] == "filed"
    assert "已备案" in html and "示意图" in html


def test_public_map_leaves_out_cancelled_and_closed_facilities() -> None:
    cancelled = base_record()
    cancelled["filing"]["cancellation_filed"] = True
    closed = base_record()
    closed["status"] = "closed"
    closed["name"] = "已停办托育园"
    collection = public_map([_facility(cancelled), _facility(closed), _facility(base_record())])
    assert [f["properties"]["name"] for f in collection["features"]] == [base_record()["name"]]


def test_public_map_refuses_hazards_and_links(tmp_path: Path) -> None:
    code, _, err = invoke("map", FACILITIES, "--public", *HAZARDS, "--out", str(tmp_path / "p.html"))
    assert code == 2 and "--public" in err
    code, _, _ = invoke(
        "map", FACILITIES, "--public", "--base-url", "http://x", "--out", str(tmp_path / "p.html")
    )
    assert code == 2
    code, _, _ = invoke(
        "map",
        FACILITIES,
        "--public",
        "--overlay",
        "samples/overlays/shenyang-local.yaml",
        "--out",
        str(tmp_path / "p.html"),
    )
    assert code == 2
    assert not (tmp_path / "p.html").exists()


def test_rejected_record_is_reported_and_the_map_still_drawn(tmp_path: Path) -> None:
    out = tmp_path / "m.html"
    code, _, err = invoke("map", FACILITIES, "samples/broken/many-errors.json", "--out", str(out))
    assert code == 2
    assert "many-errors.json" in err
    assert out.is_file() and "沈阳市和平区阳光宝贝托育中心" in out.read_text(encoding="utf-8")


def _facility(record: dict[str, Any]) -> Any:
    validated = validate_raw(RawRecord("<test>", record), date(2026, 11, 28))
    assert validated.facility is not None, validated.problems
    return validated.facility


def test_core_functions_match_the_cli(tmp_path: Path) -> None:
    """What the web workbench calls gives the same bytes as the command."""
    from facility_check.render.map import map_geojson

    catalogue = pipeline.catalogue()
    loaded = pipeline.hazard_index(HAZARD_FILES, catalogue)
    assert loaded is not None
    records = pipeline.validated([FACILITIES], None)
    reports = pipeline.evaluate_records(records, catalogue, Options(), loaded.index)
    facilities = [v.facility for v in pipeline.usable(records) if v.facility is not None]
    collection = facility_map(facilities, reports, loaded.index)
    code, out, _ = invoke("map", FACILITIES, *HAZARDS, "--format", "geojson")
    assert code == 0 and map_geojson(collection) == out


# ----------------------------------------------------------------------------------------------
# In a real browser: no request leaves the file, everything is drawn, popups open
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Any:
    with launched() as b:
        yield b


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    return page, requests, errors


def test_browser_makes_no_network_request(browser: Any, tmp_path: Path) -> None:
    path, _ = write_map(tmp_path, "map.html", FACILITIES, *HAZARDS)
    page, requests, errors = _open(browser, path)
    page.wait_for_timeout(300)
    assert errors == []
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    # every feature became a layer: 6 facilities, 5 sites, 6 hazards, 5 buffers
    assert page.evaluate("fcLayer.getLayers().length") == 22
    assert page.locator(".leaflet-control-scale-line").inner_text().strip().endswith("m")
    assert "示意图" in page.locator(".fc-title").inner_text()
    page.screenshot(path=str(tmp_path / "map.png"))
    page.close()


def test_browser_popups(browser: Any, tmp_path: Path) -> None:
    path, _ = write_map(tmp_path, "map.html", FACILITIES, *HAZARDS, "--base-url", "http://127.0.0.1:9")
    page, requests, _ = _open(browser, path)
    page.evaluate(
        """() => { fcLayer.eachLayer(l => { const p = l.feature.properties;
             if (p.role === "facility" && p.facility_id === "HP-002") { fcMap.setView(l.getLatLng(), 18); l.openPopup(); } }); }"""
    )
    popup = page.locator(".leaflet-popup-content")
    text = popup.inner_text()
    assert "沈阳市和平区小星星托育园" in text and "不符合" in text and "FS-01" in text
    assert popup.locator("a").get_attribute("href") == "http://127.0.0.1:9/facilities/HP-002"
    page.screenshot(path=str(tmp_path / "popup.png"))
    page.evaluate(
        """() => { fcLayer.eachLayer(l => { const p = l.feature.properties;
             if (p.role === "hazard" && p.hazard_id === "PL-110-01") { l.openPopup(); } }); }"""
    )
    text = page.locator(".leaflet-popup-content", has_text="PL-110-01").inner_text()
    assert "PL-110-01" in text and "架空电力线路" in text and "12.5 m" in text and "HP-004" in text
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    page.close()


def test_browser_public_map_and_tiles(browser: Any, tmp_path: Path) -> None:
    path, _ = write_map(tmp_path, "public.html", FACILITIES, "--public")
    page, requests, errors = _open(browser, path)
    assert errors == [] and [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert page.evaluate("fcLayer.getLayers().length") == 5
    page.close()
    # with an office's tile server, tiles are the only requests that leave the file
    path, _ = write_map(tmp_path, "tiles.html", FACILITIES, "--tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png")
    page, requests, _ = _open(browser, path)
    page.wait_for_timeout(300)
    outside = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert outside and all(re.match(r"^http://127\.0\.0\.1:9/\d+/\d+/\d+\.png$", u) for u in outside)
    page.close()


# ----------------------------------------------------------------------------------------------
# District outline
# ----------------------------------------------------------------------------------------------

OUTLINE = {
    "type": "FeatureCollection",
    "coordinate_system": "GCJ02",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "和平区（示意边界）"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[123.37, 41.752], [123.44, 41.752], [123.445, 41.8], [123.375, 41.805], [123.37, 41.752]]
                ],
            },
        }
    ],
}


def test_outline_is_drawn_in_wgs84(tmp_path: Path) -> None:
    path = tmp_path / "outline.geojson"
    path.write_text(json.dumps(OUTLINE, ensure_ascii=False), encoding="utf-8")
    data = geojson(FACILITIES, "--public", "--outline", str(path))
    [outline] = by_role(data, "outline")
    assert outline["properties"]["name"] == "和平区（示意边界）"
    assert "GCJ02" in data["source_coordinate_systems"]
    first = outline["geometry"]["coordinates"][0][0]
    lon, lat = to_wgs84("GCJ02", np.array([123.37]), np.array([41.752]))
    assert GEOD.inv(first[0], first[1], float(lon[0]), float(lat[0]))[2] < 0.05


@pytest.mark.parametrize(
    ("geometry", "path"),
    [
        ({"type": "Point", "coordinates": [123.4, 41.7]}, "$.features[0].geometry"),
        (  # a bow tie: self-intersecting
            {
                "type": "Polygon",
                "coordinates": [[[123.3, 41.7], [123.4, 41.8], [123.4, 41.7], [123.3, 41.8], [123.3, 41.7]]],
            },
            "$.features[0].geometry",
        ),
        (
            {"type": "Polygon", "coordinates": [[[1230, 41.7], [123.4, 41.8], [123.4, 41.7], [1230, 41.7]]]},
            "$.features[0].geometry",
        ),
    ],
)
def test_unusable_outline_is_a_located_error(tmp_path: Path, geometry: dict[str, Any], path: str) -> None:
    layer = tmp_path / "outline.geojson"
    layer.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": geometry}],
            }
        ),
        encoding="utf-8",
    )
    code, _, err = invoke("map", FACILITIES, "--outline", str(layer), "--out", str(tmp_path / "m.html"))
    assert code == 2 and str(layer) in err and path in err
    assert not (tmp_path / "m.html").exists()


def test_missing_outline_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(
        "map", FACILITIES, "--outline", str(tmp_path / "none.geojson"), "--out", str(tmp_path / "m.html")
    )
    assert code == 2 and "none.geojson" in err


def test_facilities_without_reports_are_marked_not_evaluated() -> None:
    collection = facility_map([_facility(base_record())])
    [feature] = by_role(collection, "facility")
    assert feature["properties"]["verdict"] == "not_evaluated"
    assert "机构：未评估" in map_html(collection)


def test_fragment_for_a_page_that_serves_leaflet_itself(browser: Any, tmp_path: Path) -> None:
    """The workbench's /map: Leaflet from the package's static files, the same fragment."""
    from facility_check.render.map import MAP_CSS, map_fragment

    static = ROOT / "src" / "facility_check" / "web" / "static" / "vendor" / "leaflet"
    collection = facility_map([_facility(base_record())], link_base="")
    fragment = map_fragment(collection)
    leaflet_js, _ = leaflet_assets()
    assert leaflet_js not in fragment and 'id="fc-map"' in fragment
    page_file = tmp_path / "host.html"
    page_file.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<link rel="stylesheet" href="{(static / "leaflet.css").as_uri()}">'
        f'<script src="{(static / "leaflet.js").as_uri()}"></script>'
        f"<style>{MAP_CSS} #fc-map {{ height: 600px; }}</style></head><body>{fragment}</body></html>",
        encoding="utf-8",
    )
    page, requests, errors = _open(browser, page_file)
    assert errors == []
    assert page.evaluate("fcLayer.getLayers().length") == 2  # the facility and its site
    assert all(u.startswith(("file://", "data:")) for u in requests)
    page.close()


def test_bad_base_url_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(
        "map", FACILITIES, "--base-url", "javascript:alert(1)", "--out", str(tmp_path / "m.html")
    )
    assert code == 2 and "--base-url" in err
    with pytest.raises(ValueError, match="link_base"):
        facility_map([_facility(base_record())], link_base="javascript:alert(1)")


def test_markup_in_records_stays_text_in_the_browser(browser: Any, tmp_path: Path) -> None:
    record = base_record()
    record["name"] = '<img src="x" onerror="window.pwned=1">托育'
    record["address"] = "<b>bold</b>"
    path = tmp_path / "markup.html"
    path.write_text(map_html(facility_map([_facility(record)])), encoding="utf-8")
    page, _, errors = _open(browser, path)
    page.evaluate(
        """() => fcLayer.eachLayer(l => { if (l.feature.properties.role === "facility") l.openPopup(); })"""
    )
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.querySelectorAll('img, .leaflet-popup-content b').length") == 0
    assert record["name"] in page.locator(".fc-label").inner_text()
    assert record["address"] in page.locator(".leaflet-popup-content").inner_text()
    assert errors == []
    page.close()


def test_too_many_hazards_draws_only_those_near_a_facility(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import facility_check.render.map as map_module

    # a fuel station amid the facilities but hundreds of metres from each of them
    middle = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "MID",
                "geometry": {"type": "Point", "coordinates": [123.405, 41.775]},
                "properties": {"kind": "fuel_station"},
            }
        ],
    }
    layer = tmp_path / "middle.geojson"
    layer.write_text(json.dumps(middle), encoding="utf-8")
    everything = geojson(FACILITIES, *HAZARDS, "--hazards", str(layer))
    assert everything["hazards_limited"] is False
    assert "MID" in {f["properties"]["hazard_id"] for f in by_role(everything, "hazard")}
    monkeypatch.setattr(map_module, "MAX_MAP_HAZARDS", 2)
    limited = geojson(FACILITIES, *HAZARDS, "--hazards", str(layer))
    assert limited["hazards_limited"] is True
    drawn = {f["properties"]["hazard_id"] for f in by_role(limited, "hazard")}
    # the hazards some facility's siting reports (within required distance + 100 m), nothing else
    assert drawn == {"FS-01", "FS-02", "PL-110-01", "GP-01", "WT-01", "MK-01"}
    assert "仅显示机构附近" in map_html(limited)
