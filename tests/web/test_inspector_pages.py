"""The inspector's pages over TestClient: search, checklist, record, notice, re-inspection, history."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from .conftest import csrf_of


def _ids(client: TestClient) -> dict[str, int]:
    return {f["facility_id"]: f["id"] for f in client.get("/api/facilities").json()}


def test_search_by_name_uscc_division_and_verdict(demo_client: TestClient) -> None:
    listed = demo_client.get("/api/facilities").json()
    first = json.loads(demo_client.get(f"/api/facilities/{listed[0]['id']}").text)
    page = demo_client.get("/inspect", params={"q": first["name"]}).text
    assert first["facility_id"] in page
    others = [f["facility_id"] for f in listed[1:] if f["name"] != first["name"]]
    assert not any(f"<td>{o}</td>" in page for o in others)
    if first.get("uscc"):
        assert first["facility_id"] in demo_client.get("/inspect", params={"q": first["uscc"]}).text
    compliant = demo_client.get("/inspect", params={"verdict": "compliant"}).text
    findings = demo_client.get("/inspect", params={"verdict": "findings"}).text
    for f in listed:
        assert (f"<td>{f['facility_id']}</td>" in compliant) != (f"<td>{f['facility_id']}</td>" in findings)


def test_checklist_saves_an_inspection_prints_it_and_issues_the_notice(demo_client: TestClient) -> None:
    pk = _ids(demo_client)["HP-002"]
    page = demo_client.get(f"/facilities/{pk}/inspect").text
    assert 'name="status-MGT-24"' in page and 'name="note-MGT-24"' in page
    assert page.index("row-SET-11") < page.index("row-MGT-4") < page.index("row-MGT-24")
    token = csrf_of(demo_client, f"/facilities/{pk}/inspect")
    form = {
        "csrf_token": token,
        "date": "2026-11-20",
        "inspector": "张检查",
        "status-MGT-24": "met",
        "note-MGT-24": "现场查看",
    }
    assert (
        demo_client.post(f"/facilities/{pk}/inspect", data={**form, "csrf_token": "forged"}).status_code
        == 403
    )
    r = demo_client.post(f"/facilities/{pk}/inspect", data=form, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    record = demo_client.get(url).text
    assert '<link rel="stylesheet" href="/print.css" media="print">' in record
    assert "现场核查（张检查，2026-11-20）：符合；备注：现场查看" in record
    assert "<style" not in record and "<script>" not in record
    stored = demo_client.get(f"/api/facilities/{pk}/inspections").json()[0]
    assert stored["answers"] == {"MGT-24": {"note": "现场查看", "status": "met"}}
    notice = demo_client.get(url + "/notice").text
    assert "整改通知书" in notice and "<style" not in notice
    assert demo_client.get("/print.css").headers["content-type"].startswith("text/css")
    # a second visit: the re-inspection compares with the first; the history shows the change
    form2 = {**form, "date": "2026-12-20", "status-MGT-24": "unmet", "note-MGT-24": ""}
    url2 = demo_client.post(f"/facilities/{pk}/inspect", data=form2, follow_redirects=False).headers[
        "location"
    ]
    assert demo_client.get(url2 + "/reinspection").status_code == 200
    assert demo_client.get(url + "/reinspection").status_code == 404  # the first has nothing before it
    history = demo_client.get(f"/facilities/{pk}/history").text
    assert "<svg" in history and "<polyline" in history
    assert "MGT-24：符合 → 不符合" in history
    assert history.index("2026-12-20") < history.rindex("2026-11-20")


def test_a_wrong_checklist_is_refused_with_located_problems(demo_client: TestClient) -> None:
    pk = _ids(demo_client)["HP-001"]
    token = csrf_of(demo_client, f"/facilities/{pk}/inspect")
    before = len(demo_client.get(f"/api/facilities/{pk}/inspections").json())
    r = demo_client.post(
        f"/facilities/{pk}/inspect", data={"csrf_token": token, "date": "2026-02-30", "inspector": "x"}
    )
    assert r.status_code == 422 and "$.date" in r.text
    assert len(demo_client.get(f"/api/facilities/{pk}/inspections").json()) == before


def test_sign_off_needs_csrf_and_freezes_the_inspection(demo_client: TestClient) -> None:
    pk = _ids(demo_client)["HP-003"]
    token = csrf_of(demo_client, f"/facilities/{pk}/inspect")
    url = demo_client.post(
        f"/facilities/{pk}/inspect",
        data={"csrf_token": token, "date": "2026-11-01", "inspector": "王"},
        follow_redirects=False,
    ).headers["location"]
    assert demo_client.post(url + "/sign-off", data={"csrf_token": "x"}).status_code == 403
    assert demo_client.post(url + "/sign-off", data={"csrf_token": token}).status_code == 200
    page = demo_client.get(url).text
    assert "已签发" in page and "/sign-off" not in page


def test_a_photo_is_kept_with_the_inspection_and_downloadable(demo_client: TestClient) -> None:
    pk = _ids(demo_client)["HP-004"]
    token = csrf_of(demo_client, f"/facilities/{pk}/inspect")
    photo = b"\xff\xd8\xff\xe0 a photo"
    url = demo_client.post(
        f"/facilities/{pk}/inspect",
        data={"csrf_token": token, "date": "2026-11-02", "inspector": "王"},
        files={"evidence": ("../现场/厨房.jpg", photo, "image/jpeg")},
        follow_redirects=False,
    ).headers["location"]
    stored = demo_client.get(f"/api/facilities/{pk}/inspections").json()[0]
    assert [e["name"] for e in stored["evidence"]] == ["厨房.jpg"]
    assert f"{url}/evidence/{stored['evidence'][0]['id']}" in demo_client.get(url).text
    got = demo_client.get(f"{url}/evidence/{stored['evidence'][0]['id']}")
    assert got.content == photo and got.headers["content-type"] == "application/octet-stream"
    assert demo_client.get(f"{url}/evidence/999").status_code == 404
