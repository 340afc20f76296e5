"""End to end in a real browser (Playwright driving Debian's chromium): the inspector's and the
district's journeys. Screenshots go to ``artifacts/`` for a person to look at.

Inspector: finds a facility, records an on-site inspection, prints the record (PDF).
District: uploads the sample records and a hazard layer, reads the section (the same total as
``facility-check district`` on the same files) and opens a facility from the map.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, shot

from .conftest import SAMPLES, LiveServer

RECORDS = sorted((SAMPLES / "facilities").glob("*.json"))
LAYER = SAMPLES / "hazards" / "heping-hazards.geojson"


def test_district_uploads_reads_the_section_and_opens_a_facility_from_the_map(
    page: object, server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_api import cli

    pg: object = page
    pg.goto(server.url + "/district")  # type: ignore[attr-defined]
    pg.locator("summary", has_text="上传机构记录").click()  # type: ignore[attr-defined]
    pg.locator('input[name="files"]').set_input_files([str(p) for p in RECORDS])  # type: ignore[attr-defined]
    pg.get_by_role("button", name="上传机构记录").click()  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r".*/district/records$"))  # type: ignore[attr-defined]
    expect(pg.locator("table.uploads tr.ok")).to_have_count(len(RECORDS))  # type: ignore[attr-defined]
    pg.get_by_role("link", name="返回服务质量").click()  # type: ignore[attr-defined]
    pg.locator("summary", has_text="上传危险源图层").click()  # type: ignore[attr-defined]
    pg.locator('form[action="/hazard-layers"] input[name="file"]').set_input_files(str(LAYER))  # type: ignore[attr-defined]
    pg.locator('form[action="/hazard-layers"] button[type="submit"]').click()  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r".*/district\?layer=added$"))  # type: ignore[attr-defined]
    # the section: the same total as the CLI on the same files
    _, out = cli(
        ["district", *[str(p) for p in RECORDS], "--hazards", str(LAYER), "--format", "json"],
        tmp_path,
        monkeypatch,
    )
    expected = json.loads(out)["section"]["total"]
    served = json.loads(pg.request.get(server.url + "/district/section.json").text())  # type: ignore[attr-defined]
    assert served["section"]["total"] == expected and served["evaluated"] == len(RECORDS)
    expect(pg.locator("article.report")).to_contain_text(f"{expected:.2f}")  # type: ignore[attr-defined]
    shot(pg, "district-section")
    # the map: a facility opens its page
    pg.get_by_role("link", name="地图").first.click()  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r".*/map$"))  # type: ignore[attr-defined]
    markers = pg.locator('path.leaflet-interactive[stroke="#fff"]')  # type: ignore[attr-defined]
    expect(markers.first).to_be_visible()
    shot(pg, "district-map")
    markers.first.click(force=True)
    popup = pg.locator(".leaflet-popup-content")  # type: ignore[attr-defined]
    expect(popup).to_be_visible()
    pg.wait_for_timeout(500)  # type: ignore[attr-defined]  # let the popup's fade-in finish for the screenshot
    shot(pg, "district-map-popup")
    popup.locator("a").first.click()
    pg.wait_for_url(re.compile(r".*/facilities/\d+$"))  # type: ignore[attr-defined]
    expect(pg.locator("article.report").first).to_be_visible()  # type: ignore[attr-defined]


def test_inspector_records_an_inspection_and_prints_it(page: object, server: LiveServer) -> None:
    pg: object = page
    pg.goto(server.url + "/inspect")  # type: ignore[attr-defined]
    pg.locator("#q").fill("HP-002")  # type: ignore[attr-defined]
    pg.get_by_role("button", name="查找").click()  # type: ignore[attr-defined]
    rows = pg.locator("table.list tbody tr")  # type: ignore[attr-defined]
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name="开始现场检查").click()
    pg.wait_for_url(re.compile(r".*/facilities/\d+/inspect$"))  # type: ignore[attr-defined]
    pg.locator("#date").fill("2026-11-20")  # type: ignore[attr-defined]
    pg.locator("#inspector").fill("张检查")  # type: ignore[attr-defined]
    pg.locator('input[name="status-MGT-24"][value="met"]').check()  # type: ignore[attr-defined]
    pg.locator('textarea[name="note-MGT-24"]').fill("现场查看消毒记录，已整改")  # type: ignore[attr-defined]
    pg.locator("#row-MGT-24").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    shot(pg, "inspector-checklist")
    pg.get_by_role("button", name="保存检查").click()  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r".*/inspections/\d+$"))  # type: ignore[attr-defined]
    expect(pg.locator("article.report").first).to_contain_text("现场核查（张检查，2026-11-20）：符合")  # type: ignore[attr-defined]
    shot(pg, "inspector-record")
    pg.emulate_media(media="print")  # type: ignore[attr-defined]
    expect(pg.locator("header.top")).to_be_hidden()  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = pg.pdf(path=str(ARTIFACTS / "inspection-record.pdf"), format="A4")  # type: ignore[attr-defined]
    assert pdf[:4] == b"%PDF"
    shot(pg, "inspector-record-print")
    pg.emulate_media(media="screen")  # type: ignore[attr-defined]
    pg.get_by_role("link", name="整改通知书").click()  # type: ignore[attr-defined]
    expect(pg.locator("article.notice")).to_be_visible()  # type: ignore[attr-defined]
    shot(pg, "inspector-notice")
    # a re-inspection a month later: the history shows the change and the score over time
    pg.get_by_role("link", name="检查历史").click()  # type: ignore[attr-defined]
    pg.get_by_role("link", name="开始现场检查").click()  # type: ignore[attr-defined]
    pg.locator("#date").fill("2026-12-20")  # type: ignore[attr-defined]
    pg.locator("#inspector").fill("张检查")  # type: ignore[attr-defined]
    pg.locator('input[name="status-SET-11"][value="met"]').check()  # type: ignore[attr-defined]
    pg.get_by_role("button", name="保存检查").click()  # type: ignore[attr-defined]
    pg.wait_for_url(re.compile(r".*/inspections/\d+$"))  # type: ignore[attr-defined]
    pg.get_by_role("link", name="复查报告").click()  # type: ignore[attr-defined]
    expect(pg.locator("article.report").first).to_be_visible()  # type: ignore[attr-defined]
    shot(pg, "inspector-reinspection")
    pg.get_by_role("link", name="检查历史").click()  # type: ignore[attr-defined]
    expect(pg.locator("figure.chart svg circle")).to_have_count(4)  # type: ignore[attr-defined]
    expect(pg.locator("table.list")).to_contain_text("SET-11：不符合 → 符合")  # type: ignore[attr-defined]
    shot(pg, "inspector-history")
