"""End to end in a real browser (Playwright driving Debian's chromium): the provider's journey.

The provider opens a new form, fills it in, sees the self-check change as fields change, follows
a self-check item to its field, saves a draft, reloads and finds the draft. Screenshots are kept
under ``artifacts/`` (not committed) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser import shot

from .conftest import LiveServer


def score(page: object, which: str) -> str:
    return str(page.locator(f'#selfcheck td.score[data-score="{which}"]').inner_text())  # type: ignore[attr-defined]


def test_provider_fills_the_form_sees_the_self_check_change_saves_and_finds_the_draft(
    page: object, server: LiveServer
) -> None:
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    page.get_by_role("link", name="新建机构记录").first.click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/facilities/new$"))  # type: ignore[attr-defined]

    # the panel checks the empty form at once: a placeholder, and every fact unknown
    panel = page.locator("#selfcheck")  # type: ignore[attr-defined]
    expect(panel.locator(".todo")).to_be_visible()
    expect(panel).to_contain_text("尚未填写机构编号或名称")
    before = score(page, "management")
    count_before = panel.locator("ol.todo > li").count()

    page.fill("#f-facility_id", "HP-777")  # type: ignore[attr-defined]
    page.fill("#f-name", "沈阳市和平区向日葵托育园")  # type: ignore[attr-defined]
    page.select_option("#f-operator_type", "independent")  # type: ignore[attr-defined]
    expect(panel).not_to_contain_text("尚未填写机构编号或名称")

    # management practices: in place, with a date → fewer unknowns, a higher score
    page.locator("#s-systems > summary").click()  # type: ignore[attr-defined]
    for practice in ("daily_routine", "morning_noon_checks", "disinfection", "pick_up", "safety_management"):
        page.select_option(f"#f-systems\\.{practice}\\.in_place", "true")  # type: ignore[attr-defined]
    expect(panel.locator('td.score[data-score="management"]')).not_to_have_text(before)
    after = score(page, "management")
    assert float(after.split("/")[0]) > float(before.split("/")[0])
    assert panel.locator("ol.todo > li").count() < count_before

    # a list: add a room row
    page.locator("#s-rooms > summary").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("添加一行：房间")).click()  # type: ignore[attr-defined]
    page.fill("#f-rooms\\[0\\]\\.id", "R1")  # type: ignore[attr-defined]
    page.select_option("#f-rooms\\[0\\]\\.type", "office")  # type: ignore[attr-defined]
    page.fill("#f-rooms\\[0\\]\\.area_m2", "-5")  # type: ignore[attr-defined]
    # a value the record refuses is shown, located, with a link to its field
    problem = panel.locator('ul.problems a.fieldlink[data-field="f-rooms[0].area_m2"]')
    expect(problem).to_be_visible()
    page.fill("#f-rooms\\[0\\]\\.area_m2", "60")  # type: ignore[attr-defined]
    expect(problem).to_have_count(0)
    shot(page, "01-form-filled")

    # follow a self-check item to its field: its section opens and the field gets focus
    link = panel.locator('a.fieldlink[data-field^="f-premises"]').first
    link.click()
    expect(page.locator("#s-premises")).to_have_attribute("open", "")  # type: ignore[attr-defined]
    focused = page.evaluate("document.activeElement && document.activeElement.id")  # type: ignore[attr-defined]
    assert str(focused).startswith("f-premises")
    shot(page, "02-field-link")

    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    final = score(page, "management")
    page.fill("#saved-by", "张园长")  # type: ignore[attr-defined]
    page.get_by_role("button", name="保存草稿").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/facilities/\d+/edit\?draft=saved$"))  # type: ignore[attr-defined]
    expect(page.get_by_role("status")).to_contain_text("草稿已保存")  # type: ignore[attr-defined]

    page.reload()  # type: ignore[attr-defined]
    expect(page.locator("#f-facility_id")).to_have_value("HP-777")  # type: ignore[attr-defined]
    expect(page.locator("#f-name")).to_have_value("沈阳市和平区向日葵托育园")  # type: ignore[attr-defined]
    expect(page.locator("#f-systems\\.disinfection\\.in_place")).to_have_value("true")  # type: ignore[attr-defined]
    expect(page.locator("#f-rooms\\[0\\]\\.area_m2")).to_have_value("60")  # type: ignore[attr-defined]
    expect(page.locator("p.meta")).to_contain_text("张园长")  # type: ignore[attr-defined]
    expect(panel.locator('td.score[data-score="management"]')).to_have_text(final)
    shot(page, "03-draft-reloaded")

    # the home page lists the draft
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    expect(page.locator("table.list")).to_contain_text("HP-777")  # type: ignore[attr-defined]
    expect(page.locator("table.list")).to_contain_text("有未保存的草稿")  # type: ignore[attr-defined]


def test_english_switch_and_a_saved_version_shows_the_report(page: object, server: LiveServer) -> None:
    sample = Path(__file__).resolve().parents[2] / "samples" / "facilities" / "hp-002-typical-problems.json"
    page.goto(server.url + "/facilities/new")  # type: ignore[attr-defined]
    page.get_by_role("link", name="English").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="New facility record")).to_be_visible()  # type: ignore[attr-defined]
    page.locator("details.tools > summary").click()  # type: ignore[attr-defined]
    page.set_input_files("form.import input[type=file]", str(sample))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Import as draft").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/edit\?draft=imported$"))  # type: ignore[attr-defined]
    expect(page.locator("#f-facility_id")).to_have_value("HP-002")  # type: ignore[attr-defined]
    expect(page.locator("#selfcheck ol.todo")).to_be_visible()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Check and save as a version").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r".*/facilities/\d+\?saved=1$"))  # type: ignore[attr-defined]
    report = page.locator("article.report")  # type: ignore[attr-defined]
    expect(report).to_contain_text("SET-11")
    expect(report.locator("td.unmet").first).to_be_visible()
    shot(page, "04-report-en")
