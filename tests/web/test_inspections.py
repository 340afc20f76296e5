"""Inspections: on-site answers decide their articles; the stored report is `check` with them."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from facility_check import catalogue as catalogue_module
from facility_check.lifecycle import apply_answers, parse_answers
from facility_check.pipeline import InputError
from facility_check.render.facility import FACILITY_REPORTERS
from facility_check.web.services import inspections

from .conftest import SAMPLES


def _store(client: TestClient, name: str = "hp-002-typical-problems.json") -> int:
    r = client.post(
        "/api/facilities",
        content=(SAMPLES / "facilities" / name).read_bytes(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 201
    return int(r.json()["id"])


def _statuses(report: dict) -> dict[str, str]:
    return {a["code"]: a["status"] for a in report["articles"]}


def test_an_answer_overrides_the_record_and_the_score_follows(client: TestClient) -> None:
    pk = _store(client)
    before = json.loads(client.get(f"/api/facilities/{pk}/check").text)
    status = _statuses(before)
    unmet = sorted(c for c, s in status.items() if s in ("unmet", "unknown") and c.startswith("MGT"))[0]
    body = {
        "date": "2026-11-20",
        "inspector": "张检查",
        "answers": {unmet: {"status": "met", "note": "已整改"}},
    }
    r = client.post(f"/api/facilities/{pk}/inspections", json=body)
    assert r.status_code == 201, r.text
    stored = r.json()
    assert stored["record_version"] == 1 and stored["date"] == "2026-11-20" and not stored["signed_off"]
    after = _statuses(stored["report"])
    assert after[unmet] == "met"
    evidence = next(a for a in stored["report"]["articles"] if a["code"] == unmet)["evidence"]
    assert "现场核查（张检查，2026-11-20）：符合；备注：已整改" in evidence[-1]["message"]
    # one deduction fewer in management: +0.1, computed by scoring.py
    details_before = before["score_details"]["management"]
    details_after = stored["report"]["score_details"]["management"]
    assert (
        details_after["unmet"] + details_after["unknown"]
        == details_before["unmet"] + details_before["unknown"] - 1
    )


def test_the_stored_report_equals_check_as_of_the_visit_with_the_answers(client: TestClient) -> None:
    pk = _store(client)
    record = client.get(f"/api/facilities/{pk}").text
    catalogue = client.app.state.catalogue  # type: ignore[attr-defined]
    answers_raw = {
        "MGT-24": {"status": "unmet", "note": "消毒记录缺失"},
        "SET-12": {"status": "not_applicable"},
    }
    r = client.post(
        f"/api/facilities/{pk}/inspections",
        json={"date": "2026-11-21", "inspector": "李四", "answers": answers_raw},
    )
    assert r.status_code == 201, r.text
    reports = inspections.evaluate(
        record,
        "HP-002.json",
        catalogue,
        None,
        date(2026, 11, 21),
        "李四",
        parse_answers(answers_raw, catalogue),
    )
    expected = json.loads(FACILITY_REPORTERS["json"]().render(reports, [], "zh"))
    assert r.json()["report"] == expected
    assert _statuses(expected)["MGT-24"] == "unmet" and _statuses(expected)["SET-12"] == "not_applicable"


def test_bad_answers_are_refused_located_and_nothing_is_stored(client: TestClient) -> None:
    pk = _store(client)
    r = client.post(
        f"/api/facilities/{pk}/inspections",
        json={
            "date": "2026-13-01",
            "inspector": "",
            "answers": {"NOPE-1": {"status": "met"}, "MGT-24": {"status": "ok"}},
        },
    )
    assert r.status_code == 422
    paths = sorted(e["path"] for e in r.json()["errors"])
    assert paths == ["$.answers.MGT-24.status", "$.answers.NOPE-1", "$.date", "$.inspector"]
    assert client.get(f"/api/facilities/{pk}/inspections").json() == []


def test_inspections_are_listed_newest_first_and_sign_off_freezes_them(client: TestClient) -> None:
    pk = _store(client)
    for day in ("2026-10-01", "2026-11-01", "2026-09-01"):
        assert (
            client.post(
                f"/api/facilities/{pk}/inspections", json={"date": day, "inspector": "王"}
            ).status_code
            == 201
        )
    listed = client.get(f"/api/facilities/{pk}/inspections").json()
    assert [i["date"] for i in listed] == ["2026-11-01", "2026-10-01", "2026-09-01"]
    first = listed[0]["id"]
    signed = client.post(f"/api/inspections/{first}/sign-off").json()
    assert signed["signed_off"] and signed["signed_off_at"].endswith("Z")
    store = client.app.state.store  # type: ignore[attr-defined]
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with pytest.raises(inspections.SignedOff):
        inspections.add_evidence(store, settings.data_dir, first, "photo.jpg", b"\xff\xd8data")
    inspections.add_evidence(store, settings.data_dir, listed[1]["id"], "../../etc/现场.jpg", b"\xff\xd8data")
    evidence = inspections.get(store, listed[1]["id"]).evidence  # type: ignore[union-attr]
    assert evidence[0]["name"] == "现场.jpg"
    stored = list((settings.data_dir / "evidence").iterdir())
    assert [p.name for p in stored] == [evidence[0]["sha256"] + ".jpg"]


def test_unknown_facility_is_404(client: TestClient) -> None:
    assert client.post("/api/facilities/99/inspections", json={}).status_code == 404
    assert client.get("/api/facilities/99/inspections").status_code == 404


def test_parse_answers_refuses_an_article_not_checked_per_facility() -> None:
    catalogue = catalogue_module.load()
    unchecked = next(a.code for a in catalogue.active() if not a.checked)
    with pytest.raises(InputError) as exc:
        parse_answers({unchecked: {"status": "met"}}, catalogue)
    assert exc.value.problems[0].path == f"$.answers.{unchecked}"


def test_apply_answers_without_answers_changes_no_verdict_only_who_and_when() -> None:
    catalogue = catalogue_module.load()
    from facility_check import pipeline
    from facility_check.engine import Options
    from facility_check.loading import iter_bytes

    data = (SAMPLES / "facilities" / "hp-001-compliant.json").read_bytes()
    reports = pipeline.evaluate_records(
        pipeline.validate_loaded(iter_bytes(data, "hp-001.json"), None), catalogue, Options(), None
    )
    visit = apply_answers(reports[0], {}, inspector="x", when="2026-01-01")
    assert visit.articles == reports[0].articles and visit.scores == reports[0].scores
    assert (visit.facility_meta["inspector"], visit.facility_meta["inspection_date"]) == ("x", "2026-01-01")


def test_design_clauses_take_no_on_site_answer() -> None:
    catalogue = catalogue_module.load()
    design = next(a.code for a in catalogue.active() if a.document.id == "design" and a.checked)
    with pytest.raises(InputError) as exc:
        parse_answers({design: {"status": "met"}}, catalogue)
    assert exc.value.problems[0].path == f"$.answers.{design}"


def test_evidence_over_the_api_until_sign_off(client: TestClient) -> None:
    pk = _store(client)
    first = client.post(
        f"/api/facilities/{pk}/inspections", json={"date": "2026-11-01", "inspector": "王"}
    ).json()
    url = f"/api/inspections/{first['id']}/evidence"
    r = client.post(url, files={"file": ("扫描件.pdf", b"%PDF-1.4 scan")})
    assert r.status_code == 201 and [e["name"] for e in r.json()["evidence"]] == ["扫描件.pdf"]
    client.post(f"/api/inspections/{first['id']}/sign-off")
    assert client.post(url, files={"file": ("late.pdf", b"%PDF")}).status_code == 409
    assert client.post("/api/inspections/999/evidence", files={"file": ("x.pdf", b"%PDF")}).status_code == 404
