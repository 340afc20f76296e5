"""The provider's pages over TestClient: the generated form, drafts, versions, self-check."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from facility_check.render.facility import html_report
from facility_check.web.services import checking, facilities

from .conftest import SAMPLES, csrf_of


def post_form(
    client: TestClient, url: str, fields: dict[str, str | list[str]], action: str = "draft"
) -> object:
    token = csrf_of(client)
    return client.post(url, data={**fields, "csrf_token": token, "action": action}, follow_redirects=False)


def test_home_page_says_what_the_tool_does_in_chinese_and_switches_to_english(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and '<html lang="zh-CN">' in r.text
    assert "托育机构合规工作台" in r.text and "新建机构记录" in r.text
    en = client.get("/?lang=en")
    assert "Childcare facility workbench" in en.text and '<html lang="en">' in en.text
    assert "fc_lang=en" in en.headers["set-cookie"]
    assert "Childcare facility workbench" in client.get("/").text  # the cookie keeps the choice


def test_the_form_is_generated_from_the_record_schema(client: TestClient) -> None:
    html = client.get("/facilities/new").text
    # enumerations are selects with Chinese option names
    assert re.search(r'<select id="f-operator_type" name="operator_type">', html)
    assert '<option value="community">社区托育点</option>' in html
    # dates are date inputs; booleans are yes/no/unknown selects; numbers keep the schema's bounds
    assert 'type="date" id="f-inspection.inspection_date" name="inspection.inspection_date"' in html
    assert '<select id="f-building.high_rise" name="building.high_rise">' in html
    assert (
        'id="f-building.fire_resistance_grade" name="building.fire_resistance_grade" value="" step="1" min="1" max="4"'
        in html
    )
    # lists are add-row tables with a row template
    assert 'id="f-rooms"' in html and 'name="rooms[__i0__].area_m2"' in html
    assert 'name="staff[__i0__].certificates[__i1__].kind"' in html  # a list inside a list row
    # labels: the schema's Chinese titles (the same names as the workbooks and the reports)
    assert '<label for="f-facility_id">机构编号' in html
    assert '<label for="f-filing.cancellation_filed">已注销备案</label>' in html
    # nothing inline: the CSP allows no inline script or style
    assert "<script>" not in html and "style=" not in html and "onclick" not in html


def test_record_from_form_leaves_out_empty_fields_and_keeps_types() -> None:
    from facility_check.web.services.forms import record_from_form

    data = record_from_form(
        {
            "schema_version": ["ignored"],
            "facility_id": ["HP-9"],
            "name": [""],
            "building.high_rise": ["false"],
            "building.fire_resistance_grade": ["2"],
            "outdoor.area_m2": ["120.5"],
            "rooms[3].id": ["R2"],
            "rooms[0].id": ["R1"],
            "rooms[0].area_m2": ["abc"],
            "rooms[1].id": [""],
            "service_types": ["full_day", "hourly"],
            "inspection.evidence_refs": ["E-1\n\nE-2 "],
            "unknown_field": ["x"],
        }
    )
    assert data == {
        "schema_version": "1.0",
        "facility_id": "HP-9",
        "building": {"high_rise": False, "fire_resistance_grade": 2},
        "outdoor": {"area_m2": 120.5},
        "rooms": [
            {"id": "R1", "area_m2": "abc"},
            {"id": "R2"},
        ],  # a bad number stays, for validation to locate
        "service_types": ["full_day", "hourly"],
        "inspection": {"evidence_refs": ["E-1", "E-2"]},
    }


def test_an_incomplete_draft_is_kept_and_shown_again(client: TestClient) -> None:
    r = post_form(client, "/facilities/new", {"name": "半成品托育园", "outdoor.area_m2": "abc"})
    assert r.status_code == 303  # type: ignore[attr-defined]
    location = r.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/facilities/\d+/edit\?draft=saved", location)
    page = client.get(location).text
    assert 'value="半成品托育园"' in page
    assert "草稿已保存" in page
    listed = client.get("/api/facilities").json()
    assert listed[0]["has_draft"] and listed[0]["version"] is None
    assert client.get("/api/district").json()["evaluated"] == 0  # drafts are not facilities of the district


def test_saving_an_invalid_record_keeps_it_as_a_draft_with_422(client: TestClient) -> None:
    r = post_form(client, "/facilities/new", {"name": "无编号托育园"}, action="save")
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "已保存为草稿" in r.text and "facility_id" in r.text  # type: ignore[attr-defined]
    assert client.get("/api/facilities").json()[0]["version"] is None


def test_saving_a_valid_record_makes_a_version_and_clears_the_draft(client: TestClient) -> None:
    r = post_form(client, "/facilities/new", {"facility_id": "HP-50", "name": "甲托育园"})
    pk = int(r.headers["location"].split("/")[2])  # type: ignore[attr-defined]
    r = post_form(
        client,
        f"/facilities/{pk}/edit",
        {"facility_id": "HP-50", "name": "甲托育园", "saved_by": "张三"},
        action="save",
    )
    assert r.status_code == 303 and r.headers["location"] == f"/facilities/{pk}?saved=1"  # type: ignore[attr-defined]
    listed = client.get("/api/facilities").json()
    assert listed == [
        {**listed[0], "id": pk, "facility_id": "HP-50", "version": 1, "saved_by": "张三", "has_draft": False}
    ]


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/facilities/new")
    r = client.post("/facilities/new", data={"name": "x", "action": "draft"})
    assert r.status_code == 403
    r = client.post("/facilities/new", data={"name": "x", "action": "draft", "csrf_token": "forged"})
    assert r.status_code == 403
    assert client.get("/api/facilities").json() == []


def test_self_check_panel_follows_the_form(client: TestClient) -> None:
    token = csrf_of(client)
    empty = client.post("/facilities/self-check", data={"csrf_token": token}).text
    assert "尚未填写机构编号或名称" in empty
    practices = ("daily_routine", "morning_noon_checks", "disinfection", "pick_up", "safety_management")
    fields = {"csrf_token": token, "facility_id": "HP-1", "name": "乙"}
    fields.update({f"systems.{p}.in_place": "true" for p in practices})
    filled = client.post("/facilities/self-check", data=fields).text
    assert "尚未填写机构编号或名称" not in filled

    def management(html: str) -> str:
        m = re.search(r'data-score="management">([^<]+)<', html)
        assert m
        return m.group(1)

    assert management(filled) != management(empty)
    # every to-do fact links to its field
    assert 'class="fieldlink" href="#f-premises' in filled
    bad = client.post("/facilities/self-check", data={**fields, "outdoor.area_m2": "-3"}).text
    assert 'data-field="f-outdoor.area_m2"' in bad and 'class="error"' in bad
    # the rest of the record is still checked, the field in error counted as unknown
    assert "有错误的栏目暂不计入下面的自查" in bad and management(bad) == management(filled)


def test_a_draft_with_errors_is_still_self_checked_without_the_fields_in_error(app: object) -> None:
    data = {
        "schema_version": "1.0",
        "facility_id": "A-1",
        "name": "丙",
        "rooms": [{"id": "R1", "type": "activity", "area_m2": 60}],  # a life room lacks class and floor
        "outdoor": {"area_m2": -3},
    }
    result = checking.check_draft(data, app.state.catalogue, None, "zh")  # type: ignore[attr-defined]
    assert result.partial and result.selfcheck is not None
    assert {p.path for p in result.problems} == {
        "$.outdoor.area_m2",
        "$.rooms[0].class_id",
        "$.rooms[0].floor",
    }
    assert {p.anchor for p in result.problems} == {
        "f-outdoor.area_m2",
        "f-rooms[0].class_id",
        "f-rooms[0].floor",
    }
    assert data["outdoor"] == {"area_m2": -3}  # the form's data is not changed


def test_draft_check_is_the_self_check_reporter_of_the_same_record(app: object) -> None:
    data = json.loads((SAMPLES / "facilities" / "hp-006-self-check-gcj02.json").read_text(encoding="utf-8"))
    result = checking.check_draft(data, app.state.catalogue, None, "zh")  # type: ignore[attr-defined]
    assert result.selfcheck is not None and not result.placeholder
    assert result.selfcheck["facility_id"] == "HP-006"
    assert [i["code"] for i in result.selfcheck["todo"]][:1] == ["SET-12"]


def test_import_a_json_file_into_a_draft(client: TestClient) -> None:
    token = csrf_of(client)
    sample = SAMPLES / "facilities" / "hp-003-staff-and-rooms.json"
    r = client.post(
        "/facilities/import",
        data={"csrf_token": token},
        files={"file": (sample.name, sample.read_bytes(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert 'value="HP-003"' in page and 'name="staff[0].role"' in page
    bad = client.post(
        "/facilities/import",
        data={"csrf_token": token},
        files={"file": ("x.json", b"{oops", "application/json")},
    )
    assert bad.status_code == 422 and "x.json" in bad.text


def test_facility_page_embeds_the_report_renderer_html(demo_client: TestClient, demo_app: object) -> None:
    r = demo_client.get("/facilities/2")
    assert r.status_code == 200
    assert r.headers["link"] == '</api/facilities/2/check>; rel="alternate"; type="application/json"'
    record = facilities.latest(demo_app.state.store, 2)  # type: ignore[attr-defined]
    assert record is not None
    loaded = demo_app.state.hazard_cache.get(  # type: ignore[attr-defined]
        __import__("facility_check.web.services.hazards", fromlist=["layers"]).layers(
            demo_app.state.store,  # type: ignore[attr-defined]
            demo_app.state.settings.data_dir,  # type: ignore[attr-defined]
        ),
        demo_app.state.catalogue,  # type: ignore[attr-defined]
    )
    reports = checking.reports_of(record, demo_app.state.catalogue, loaded.index)  # type: ignore[attr-defined]
    assert html_report(reports[0], "zh") in r.text  # the renderer's HTML, not a second rendering
    assert "heping-hazards.geojson" in r.text


def test_download_json_and_the_workbook(demo_client: TestClient) -> None:
    from facility_check.loading import RawRecord, iter_bytes

    r = demo_client.get("/facilities/1/record.json")
    assert r.status_code == 200 and 'filename="HP-001.json"' in r.headers["content-disposition"]
    record = json.loads(r.text)
    assert record["facility_id"] == "HP-001"
    xlsx = demo_client.get("/facilities/1/record.xlsx")
    assert xlsx.status_code == 200 and 'filename="' in xlsx.headers["content-disposition"]
    # the workbook reads back as the same record (the round trip the workbook tests keep)
    (item,) = list(iter_bytes(xlsx.content, "HP-001.xlsx"))
    assert isinstance(item, RawRecord) and item.data == record


def test_a_form_cannot_take_the_facility_id_of_another_facility(client: TestClient) -> None:
    data = (SAMPLES / "facilities" / "hp-001-compliant.json").read_bytes()
    client.post("/api/facilities", content=data, headers={"content-type": "application/json"})
    r = post_form(client, "/facilities/new", {"facility_id": "HP-001", "name": "冒名托育园"}, action="save")
    assert r.status_code == 409  # type: ignore[attr-defined]
    assert "已属于另一家机构" in r.text  # type: ignore[attr-defined]
    listed = {f["id"]: f for f in client.get("/api/facilities").json()}
    assert listed[1]["version"] == 1 and client.get("/api/facilities/1").json()["name"] != "冒名托育园"
    assert listed[2]["has_draft"] and listed[2]["version"] is None  # kept as a draft, not lost


def test_pages_and_problems_in_english(client: TestClient) -> None:
    r = client.post(
        "/api/facilities?lang=en",
        content=b'{"schema_version": "1.0"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    messages = " ".join(p["message"] for rec in r.json()["records"] for p in rec["problems"])
    assert "facility_id" in messages and not re.search(r"[\u4e00-\u9fff]", messages)
    assert "New facility record" in client.get("/facilities/new?lang=en").text


def test_district_page_embeds_the_district_renderer_html(demo_client: TestClient, demo_app: object) -> None:
    from facility_check.web.services import districts, hazards

    r = demo_client.get("/district")
    assert r.status_code == 200
    store, settings = demo_app.state.store, demo_app.state.settings  # type: ignore[attr-defined]
    stored = hazards.layers(store, settings.data_dir)
    loaded = demo_app.state.hazard_cache.get(stored, demo_app.state.catalogue)  # type: ignore[attr-defined]
    records = facilities.all_latest(store)
    result = districts.result(
        store,
        records,
        demo_app.state.catalogue,  # type: ignore[attr-defined]
        loaded,
        {str(x.path): x.name for x in stored},
    )
    assert districts.html_body(result, "zh", records) in r.text
    assert "heping-gcj02.geojson" in r.text and "GCJ02" in r.text
    # every facility the section names links to its page: in the list of those that cost an
    # item, and in the facilities' table; the CLI's HTML has no such links
    for record in records:
        assert f'<a href="/facilities/{record.id}">{record.facility_id}</a>' in r.text
    assert f'<td><a href="/facilities/{records[0].id}">' in r.text
    assert "<a href" not in districts.html_body(result, "zh")
    opened = demo_client.get(f"/facilities/{records[0].id}")
    assert opened.status_code == 200 and records[0].facility_id in opened.text


def test_a_hazard_layer_uploaded_on_the_district_page_counts(client: TestClient) -> None:
    assert client.get("/api/district").json()["hazard_layers"] == []
    token = csrf_of(client, "/district")
    layer = SAMPLES / "hazards" / "heping-hazards.geojson"
    r = client.post(
        "/hazard-layers",
        data={"csrf_token": token, "crs": ""},
        files={"file": (layer.name, layer.read_bytes(), "application/geo+json")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/district?layer=added"
    assert [x["name"] for x in client.get("/api/hazard-layers").json()] == [layer.name]
    assert client.get("/api/district").json()["hazard_layers"] == ["heping-hazards.geojson (WGS84)"]
    bad = client.post(
        "/hazard-layers",
        data={"csrf_token": token},
        files={"file": ("broken.geojson", b"{", "application/geo+json")},
    )
    assert bad.status_code == 422 and "broken.geojson" in bad.text and "未保存" in bad.text
