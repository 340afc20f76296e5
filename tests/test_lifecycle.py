"""The inspection loop with real dates: changes since an earlier check, rectification notices and
their deadlines, re-inspection against a notice, filing readiness and expiry clocks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from facility_check.cli import app
from facility_check.lifecycle.changes import Change, classify
from facility_check.lifecycle.notice import Period
from tests.helpers import ROOT, base_record, merge_patch

HP1 = "samples/facilities/hp-001-compliant.json"
HP2 = "samples/facilities/hp-002-typical-problems.json"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> tuple[int, Any]:
    code, out, err = invoke(*args, "--format", "json")
    assert out, err
    return code, json.loads(out)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def article(report: dict[str, Any], code: str) -> dict[str, Any]:
    for a in report["articles"] + report["design"]["findings"]:
        if a["code"] == code:
            return a
    raise KeyError(code)


# --------------------------------------------------------------------------------------------
# check --since
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "now", "change"),
    [
        ("met", "unmet", Change.new),
        ("not_applicable", "unknown", Change.new),
        (None, "unmet", Change.new),
        ("unmet", "met", Change.fixed),
        ("unknown", "not_applicable", Change.fixed),
        ("unmet", "unknown", Change.still),
        ("unknown", "unknown", Change.still),
        ("met", "not_applicable", Change.ok),
    ],
)
def test_change_classification(before: str | None, now: str, change: Change) -> None:
    assert classify(before, now) == change


@pytest.fixture(scope="module")
def hp1_checks(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """HP-001 as inspected (2026-10-15) and the same record checked five years later."""
    folder = tmp_path_factory.mktemp("hp1")
    result = CliRunner().invoke(app, ["check", str(ROOT / HP1), "--format", "json"])
    first = folder / "2026.json"
    first.write_text(result.stdout, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(ROOT / HP1), "--format", "json", "--as-of", "2031-06-01"])
    later = folder / "2031.json"
    later.write_text(result.stdout, encoding="utf-8")
    return str(first), str(later)


def test_years_later_certificates_and_health_checks_expire_as_new(hp1_checks: tuple[str, str]) -> None:
    first, _ = hp1_checks
    code, report = run_json("check", HP1, "--as-of", "2031-06-01", "--since", first)
    assert code == 1
    # the food licence ran out on 2028-05-04, the staff health checks of 2026-03-18 after a year
    assert article(report, "MGT-4")["change"] == "new"
    assert article(report, "MGT-4")["earlier_status"] == "met"
    assert "2028-05-04" in json.dumps(article(report, "MGT-4")["evidence"], ensure_ascii=False)
    assert article(report, "MGT-28")["change"] == "new"
    assert article(report, "SET-11")["change"] == "new"  # the lease ended 2029-02-28
    assert article(report, "SET-12")["change"] == "still"  # no hazard layers either time
    assert article(report, "SET-19")["change"] == "ok"
    since = report["since"]
    assert since["earlier_as_of"] == "2026-10-15"
    assert since["scores"]["management"] == {"before": 5, "now": 4.3, "change": -0.7}
    assert since["scores"]["setup"] == {"before": 4.9, "now": 4.7, "change": -0.2}
    assert "MGT-28" in since["new"] and since["fixed"] == []


def test_checking_the_original_against_the_later_report_shows_them_fixed(hp1_checks: tuple[str, str]) -> None:
    _, later = hp1_checks
    code, report = run_json("check", HP1, "--since", later)
    assert code == 1  # SET-12 stays unknown without hazard layers
    for c in ("MGT-4", "MGT-28", "SET-11", "SET-14"):
        assert article(report, c)["change"] == "fixed", c
    assert report["since"]["new"] == []
    assert report["since"]["scores"]["management"]["change"] == 0.7


def test_text_and_markdown_show_new_fixed_still_first(hp1_checks: tuple[str, str]) -> None:
    first, _ = hp1_checks
    _, text, _ = invoke("check", HP1, "--as-of", "2031-06-01", "--since", first)
    new, fixed, still = text.index("新增（9）"), text.index("已整改（0）"), text.index("仍未整改（1）")
    assert new < fixed < still < text.index("《托育机构设置标准（试行）》")
    assert "管理规范：5.0 → 4.3（-0.7）" in text
    _, md, _ = invoke("check", HP1, "--as-of", "2031-06-01", "--since", first, "--format", "markdown")
    assert md.index("### 新增（9）") < md.index("## 《托育机构设置标准（试行）》")
    _, html, _ = invoke("check", HP1, "--as-of", "2031-06-01", "--since", first, "--format", "html")
    assert html.index("新增（9）") < html.index("《托育机构设置标准（试行）》</h2>")


def test_another_facilitys_report_is_refused(hp1_checks: tuple[str, str]) -> None:
    first, _ = hp1_checks
    code, out, err = invoke("check", HP2, "--since", first)
    assert code == 2 and out == ""
    assert "HP-001" in err and "HP-002" in err and "另一机构" in err
    code, _, err = invoke("check", HP2, "--since", first, "--lang", "en")
    assert code == 2 and "another facility" in err


def test_a_multi_report_document_is_matched_by_facility(tmp_path: Path) -> None:
    _, both = run_json("check", HP1, HP2)
    earlier = write(tmp_path, "both.json", json.dumps(both, ensure_ascii=False))
    code, report = run_json("check", HP2, "--since", earlier)
    assert code == 1
    assert report["since"]["new"] == [] and report["since"]["fixed"] == []
    assert article(report, "SET-19")["change"] == "still"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"a": 1}', "不是较早的检查报告"),
        ("[1, 2", "JSON"),
        (
            '{"facility_id": "HP-001", "name": "x", "as_of": "2026-10-15", "articles": [{"code": "SET-11", "status": "fine"}], "scores": {}}',
            "$.reports[0].articles[0].status",
        ),
    ],
)
def test_a_broken_earlier_document_is_a_located_input_error(tmp_path: Path, content: str, words: str) -> None:
    earlier = write(tmp_path, "earlier.json", content)
    code, out, err = invoke("check", HP1, "--since", earlier)
    assert code == 2 and out == ""
    assert words in err and "Traceback" not in err


# --------------------------------------------------------------------------------------------
# Notices and deadlines
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "period", "deadline"),
    [
        (date(2024, 1, 31), Period(days=30), date(2024, 3, 1)),  # leap year: February has 29 days
        (date(2023, 1, 31), Period(days=30), date(2023, 3, 2)),
        (date(2024, 2, 28), Period(days=1), date(2024, 2, 29)),
        (date(2026, 12, 15), Period(days=30), date(2027, 1, 14)),  # across the year end
        (date(2024, 1, 31), Period(months=1), date(2024, 2, 29)),  # month end, leap year
        (date(2023, 1, 31), Period(months=1), date(2023, 2, 28)),
        (date(2024, 2, 29), Period(months=12), date(2025, 2, 28)),
        (date(2026, 8, 31), Period(months=1), date(2026, 9, 30)),
        (date(2026, 10, 20), Period(days=0), date(2026, 10, 20)),
    ],
)
def test_deadlines_land_on_the_right_calendar_day(start: date, period: Period, deadline: date) -> None:
    assert period.apply(start) == deadline


def test_notice_lists_every_unmet_or_unknown_item_with_basis_and_deadline() -> None:
    code, notice = run_json("notice", HP2, "--deadline-days", "30")
    assert code == 1
    assert notice["kind"] == "facility-check/rectification-notice"
    assert notice["reference_date"] == "2026-10-20"
    codes = [i["code"] for i in notice["items"]]
    # counted articles in the standards' order, then the binding design clause, and SET-12 (siting)
    assert codes == ["SET-11", "SET-12", "SET-19", "SET-20", "MGT-18", "MGT-32", "DES-JGJ39-1.0.3"]
    by_code = {i["code"]: i for i in notice["items"]}
    assert by_code["SET-12"]["kind"] == "siting" and by_code["SET-12"]["status"] == "unknown"
    assert by_code["DES-JGJ39-1.0.3"]["kind"] == "design"
    assert by_code["SET-19"]["basis"] == "《托育机构设置标准（试行）》第十九条"
    assert "减少 1 人" in by_code["SET-19"]["actions"][0]
    assert {i["deadline"] for i in notice["items"]} == {"2026-11-19"}


def test_notice_deadlines_from_yaml_per_article(tmp_path: Path) -> None:
    deadlines = write(
        tmp_path,
        "d.yaml",
        "deadlines: 1\ndefault: {days: 15}\narticles:\n  SET-19: {months: 1}\n  mgt-32: {days: 60}\n",
    )
    code, notice = run_json("notice", HP2, "--deadlines", deadlines, "--as-of", "2024-01-31")
    assert code == 1
    by_code = {i["code"]: i for i in notice["items"]}
    assert by_code["SET-19"]["deadline"] == "2024-02-29"  # 31 January + 1 month, leap year
    assert by_code["MGT-32"]["deadline"] == "2024-03-31"  # 60 days: 29 + 31
    assert by_code["SET-11"]["deadline"] == "2024-02-15"
    assert by_code["SET-19"]["deadline_rule"] == "自检查日期起 1 个月"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("deadlines: 1\narticles:\n  SET-99: {days: 10}\n", "SET-99"),
        ("deadlines: 1\ndefault: {days: -1}\n", "$.default.days"),
        ("deadlines: 1\ndefault: {weeks: 2}\n", "$.default"),
        ("deadlines: [\n", "YAML"),
        ("deadlines: 1\ndefault: !!python/object/apply:os.system ['echo hi']\n", "YAML"),
    ],
)
def test_bad_deadline_files_are_located_errors(tmp_path: Path, text: str, words: str) -> None:
    deadlines = write(tmp_path, "d.yaml", text)
    code, out, err = invoke("notice", HP2, "--deadlines", deadlines, "--format", "json")
    assert code == 2 and out == ""
    assert words in err and "Traceback" not in err


def test_deadline_days_and_file_together_are_a_usage_error(tmp_path: Path) -> None:
    deadlines = write(tmp_path, "d.yaml", "deadlines: 1\n")
    code, _, err = invoke("notice", HP2, "--deadlines", deadlines, "--deadline-days", "5")
    assert code == 2 and "只能选一个" in err


def test_notice_needs_a_reference_date(tmp_path: Path) -> None:
    record = merge_patch(base_record(), {"inspection": None})
    path = write(tmp_path, "r.json", json.dumps(record, ensure_ascii=False))
    code, _, err = invoke("notice", path, "--format", "json")
    assert code == 2 and "inspection.inspection_date" in err


@pytest.fixture()
def hp2_notice(tmp_path: Path) -> tuple[str, Path]:
    code, out, _ = invoke("notice", HP2, "--format", "json", "--deadline-days", "30")
    assert code == 1
    return write(tmp_path, "notice.json", out), tmp_path


def _hp2_with_class_split(tmp_path: Path, inspection_date: str) -> str:
    record = json.loads((ROOT / HP2).read_text(encoding="utf-8"))
    record["classes"][1]["enrolled"] = 18  # SET-19 and DES-JGJ39-1.0.3 fixed; SET-20 too (1:5 → 4 carers)
    record["classes"][1]["carers"] = 4
    record["inspection"]["inspection_date"] = inspection_date
    return write(tmp_path, f"hp2-{inspection_date}.json", json.dumps(record, ensure_ascii=False))


def test_reinspection_by_the_deadline(hp2_notice: tuple[str, Path]) -> None:
    notice, folder = hp2_notice
    record = _hp2_with_class_split(folder, "2026-11-10")
    code, report = run_json("check", record, "--since", notice)
    assert code == 1
    outcomes = {d["code"]: d["outcome"] for d in report["since"]["deadlines"]}
    assert outcomes["SET-19"] == "met_by_deadline"
    assert outcomes["DES-JGJ39-1.0.3"] == "met_by_deadline"
    assert outcomes["MGT-32"] == "open"
    assert report["since"]["overdue"] == []
    assert article(report, "SET-19")["change"] == "fixed"
    assert article(report, "MGT-32")["change"] == "still"
    assert article(report, "MGT-4")["change"] == "ok"  # not in the notice: it was in order
    assert report["since"]["scores"]["setup"] == {"before": 4.6, "now": 4.8, "change": 0.2}


def test_reinspection_after_the_deadline_reports_overdue_items(hp2_notice: tuple[str, Path]) -> None:
    notice, folder = hp2_notice
    record = _hp2_with_class_split(folder, "2026-12-20")
    # --as-of: the re-inspection date may lie after today's date on the machine running the tests
    _, report = run_json("check", record, "--since", notice, "--as-of", "2026-12-20")
    deadlines = {d["code"]: d for d in report["since"]["deadlines"]}
    assert deadlines["SET-19"]["outcome"] == "met_after_deadline"
    assert deadlines["MGT-32"]["outcome"] == "overdue"
    assert deadlines["MGT-32"]["days_overdue"] == 31  # 2026-11-19 → 2026-12-20
    assert set(report["since"]["overdue"]) == {"SET-11", "SET-12", "MGT-18", "MGT-32"}
    _, text, _ = invoke("check", record, "--since", notice, "--as-of", "2026-12-20")
    assert "逾期未整改" in text and "逾期天数 31" in text


def test_a_reinspection_notice_carries_the_comparison(hp2_notice: tuple[str, Path]) -> None:
    notice, folder = hp2_notice
    record = _hp2_with_class_split(folder, "2026-12-20")
    code, second = run_json("notice", record, "--since", notice, "--as-of", "2026-12-20")
    assert code == 1
    assert [i["code"] for i in second["items"]] == ["SET-11", "SET-12", "MGT-18", "MGT-32"]
    assert {i["deadline"] for i in second["items"]} == {"2027-01-19"}
    assert second["since"]["notice_id"] == "HP-002-20261020"
    # and the second notice is itself a valid earlier document
    path = write(folder, "notice2.json", json.dumps(second, ensure_ascii=False))
    code, report = run_json("check", record, "--since", path, "--as-of", "2026-12-20")
    assert code == 1 and report["since"]["earlier_kind"] == "notice"


def test_notice_html_is_laid_out_for_printing() -> None:
    code, html, _ = invoke("notice", HP2, "--format", "html")
    assert code == 1
    assert "@page { size: A4" in html
    for words in (
        "托育机构限期整改通知书",
        "检查人员（签字）",
        "被检查单位负责人（签字）",
        "（检查机关盖章）",
    ):
        assert words in html
    assert html.index("检查人员（签字）") < html.index('<section class="annex">')
    _, md, _ = invoke("notice", HP2, "--format", "md")
    assert md.startswith("# 托育机构限期整改通知书") and "| 7 | DES-JGJ39-1.0.3" in md


def test_check_html_is_an_a4_inspection_record() -> None:
    _, html, _ = invoke("check", HP2, "--format", "html")
    assert "@page { size: A4" in html and ".annex { break-before: page" in html
    sign = html.index("被检查单位负责人（签字）")
    assert html.index("《托育机构管理规范（试行）》</h2>") < sign < html.index('<section class="annex">')


# --------------------------------------------------------------------------------------------
# Filing readiness and clocks
# --------------------------------------------------------------------------------------------


def _ready_record() -> dict[str, Any]:
    return merge_patch(
        base_record(),
        {
            "building": {"completed_year": 2010},
            "documents": {
                "floor_plan": {"present": True},
                "security_proof": {"present": True, "evidence_ref": "技防验收 2023-07"},
            },
        },
    )


def test_filing_ready_record_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, "r.json", json.dumps(_ready_record(), ensure_ascii=False))
    code, result = run_json("self-check", path, "--filing")
    assert code == 0, result
    assert result["ready"] is True
    status = {m["key"]: m["status"] for m in result["materials"]}
    assert status["structural_safety_report"] == "not_required"  # 16 years old in 2026
    assert status["food_licence"] == "present"
    assert result["warning_days"] == 60
    days = [c["days_left"] for c in result["clocks"]]
    assert days == sorted(days)  # most urgent first
    # the clocks include health checks, the lease, drills and maintenance, with their dates
    first = result["clocks"][0]
    assert first["expires"] == "2027-03-10" and first["days_left"] == 146  # the cook's health certificate


def test_filing_missing_expiring_and_expired(tmp_path: Path) -> None:
    record = merge_patch(
        _ready_record(),
        {
            "building": {"completed_year": 1998},  # 28 years: a structural report is needed
            "documents": {
                "floor_plan": None,
                "food_licence": {"valid_until": "2026-11-30"},  # 46 days after 2026-10-15
                "fire_safety_pass": {"valid_until": "2026-10-14"},  # the day before
            },
        },
    )
    path = write(tmp_path, "r.json", json.dumps(record, ensure_ascii=False))
    code, result = run_json("self-check", path, "--filing")
    assert code == 1
    by_key = {m["key"]: m for m in result["materials"]}
    assert by_key["floor_plan"]["status"] == "missing"
    assert by_key["structural_safety_report"]["status"] == "missing"
    assert by_key["food_licence"] == by_key["food_licence"] | {
        "status": "expiring",
        "valid_until": "2026-11-30",
        "days_left": 46,
    }
    assert by_key["fire_safety_pass"]["status"] == "expired" and by_key["fire_safety_pass"]["days_left"] == -1
    assert (
        result["clocks"][0]["subject"] == "消防安全检查合格证明" and result["clocks"][0]["state"] == "expired"
    )
    _, text, _ = invoke("self-check", path, "--filing")
    assert "平面图 — 缺少" in text and "已过期" in text


def test_short_lease_and_failed_hygiene_are_not_ready(tmp_path: Path) -> None:
    record = merge_patch(
        _ready_record(),
        {"premises": {"lease_end": "2025-02-28"}, "documents": {"hygiene_evaluation": {"result": "不合格"}}},
    )
    path = write(tmp_path, "r.json", json.dumps(record, ensure_ascii=False))
    code, result = run_json("self-check", path, "--filing")
    assert code == 1
    by_key = {m["key"]: m for m in result["materials"]}
    assert by_key["premises_proof"]["status"] == "missing" and "不足 3 年" in by_key["premises_proof"]["note"]
    assert by_key["hygiene_evaluation"]["status"] == "missing"


def test_warning_window_is_a_catalogue_parameter(tmp_path: Path) -> None:
    record = merge_patch(_ready_record(), {"documents": {"food_licence": {"valid_until": "2027-01-31"}}})
    path = write(tmp_path, "r.json", json.dumps(record, ensure_ascii=False))
    _, result = run_json("self-check", path, "--filing")
    assert {m["key"]: m["status"] for m in result["materials"]}["food_licence"] == "present"  # 108 days
    overlay = write(
        tmp_path,
        "o.yaml",
        "overlay: 1\nname: 提前提醒\nparameters:\n  MGT-4:\n    expiry_warning_days: {value: 120, source: 地方规则}\n",
    )
    code, result = run_json("self-check", path, "--filing", "--overlay", overlay)
    assert code == 0  # expiring is a warning, not a blocker
    assert result["warning_days"] == 120
    assert {m["key"]: m["status"] for m in result["materials"]}["food_licence"] == "expiring"


# --------------------------------------------------------------------------------------------
# district --since
# --------------------------------------------------------------------------------------------


def test_district_since_reports_item_and_facility_changes(tmp_path: Path) -> None:
    _, out, _ = invoke("district", "samples/facilities", "--format", "json", "--as-of", "2026-10-20")
    earlier = write(tmp_path, "d.json", out)
    _, result = run_json("district", "samples/facilities", "--as-of", "2031-06-01", "--since", earlier)
    since = result["since"]
    assert since["section"]["setup"]["before"] == json.loads(out)["section_exact"]["setup"]
    assert since["section"]["management"]["now"] == result["section_exact"]["management"]
    assert since["section"]["management"]["change"].startswith("-")
    hp1 = next(f for f in since["facilities"] if f["facility_id"] == "HP-001")
    assert hp1["before"]["management"] == 5.0 and hp1["now"]["management"] == 4.3
    assert "MGT-28" in hp1["new"] and hp1["still"] == ["SET-12"]
    _, text, _ = invoke("district", "samples/facilities", "--as-of", "2031-06-01", "--since", earlier)
    assert "与较早的辖区报告比较" in text and "HP-001" in text


def test_district_since_refuses_a_facility_report(tmp_path: Path) -> None:
    _, out, _ = invoke("check", HP1, "--format", "json")
    earlier = write(tmp_path, "c.json", out)
    code, _, err = invoke("district", "samples/facilities", "--since", earlier)
    assert code == 2 and "district --format json" in err


@pytest.mark.parametrize(
    "name",
    [
        "notice.schema.json",
        "deadlines.schema.json",
        "check-report.schema.json",
        "district-report.schema.json",
    ],
)
def test_published_lifecycle_schemas_are_valid(name: str) -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(
        json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    )


def test_notice_json_validates_against_its_published_schema() -> None:
    import jsonschema

    _, notice = run_json("notice", HP2)
    schema = json.loads((ROOT / "schemas" / "notice.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(notice)


def test_reinspection_against_a_notice_needs_a_date(hp2_notice: tuple[str, Path]) -> None:
    notice, folder = hp2_notice
    record = json.loads((ROOT / HP2).read_text(encoding="utf-8"))
    del record["inspection"]
    path = write(folder, "undated.json", json.dumps(record, ensure_ascii=False))
    code, out, err = invoke("check", path, "--since", notice)
    assert code == 2 and out == "" and "inspection.inspection_date" in err


def test_print_stylesheet_is_the_one_the_reports_embed() -> None:
    from facility_check.render.lifecycle import print_stylesheet

    css = print_stylesheet()
    assert "@page { size: A4" in css
    _, html, _ = invoke("check", HP2, "--format", "html")
    assert css.strip() in html


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["notice", HP2, "--format", "json"], "notice-hp-002.json"),
        (["notice", HP2, "--format", "md"], "notice-hp-002.md"),
        (["notice", HP2, "--format", "html"], "notice-hp-002.html"),
        (["self-check", "samples/facilities/hp-003-staff-and-rooms.json", "--filing"], "filing-hp-003.txt"),
        (
            ["self-check", "samples/facilities/hp-003-staff-and-rooms.json", "--filing", "--lang", "en"],
            "filing-hp-003.en.txt",
        ),
    ],
)
def test_lifecycle_outputs_golden(args: list[str], name: str, request: pytest.FixtureRequest) -> None:
    from tests.test_cli import golden

    code, out, _ = invoke(*args)
    assert code == 1
    golden(name, out, request)
    assert invoke(*args)[1] == out  # same input, same bytes


def test_district_since_is_in_the_workbook_and_beside_the_csv(tmp_path: Path) -> None:
    """A district working in Excel gets the comparison too: the ``changes`` sheet of the workbook,
    and ``NAME-changes.csv`` beside ``--format csv --out NAME.csv``."""
    from openpyxl import load_workbook

    _, out, _ = invoke("district", "samples/facilities", "--format", "json", "--as-of", "2026-10-20")
    earlier = write(tmp_path, "d.json", out)
    book = tmp_path / "district.xlsx"
    args = ("district", "samples/facilities", "--as-of", "2031-06-01", "--since", earlier)
    code, _, err = invoke(*args, "--format", "xlsx", "--out", str(book))
    assert code in (0, 1), err
    wb = load_workbook(book)
    assert wb.sheetnames == ["section", "facilities", "unmet_articles", "changes"]
    rows = [[c for c in row if c is not None] for row in wb["changes"].iter_rows(values_only=True)]
    assert rows[0][0] == "与较早的辖区报告比较" and earlier in rows[0][1]
    assert [r[0] for r in rows[2:7]][2:] == ["设置标准", "管理规范", "合计"] and rows[2][0].startswith("选址")
    hp1 = next(r for r in rows if r and r[0] == "HP-001")
    assert "MGT-28" in " ".join(hp1) and "SET-12" in " ".join(hp1)
    _, json_out = run_json(*args)
    setup = json_out["since"]["section"]["setup"]
    from fractions import Fraction

    from facility_check.scoring import round_half_up

    shown = [round_half_up(Fraction(setup[k])) for k in ("before", "now", "change")]
    assert rows[4][1:] == [float(shown[0]), float(shown[1]), str(shown[2])]  # the change stays signed text
    stem = tmp_path / "district"
    code, _, err = invoke(*args, "--format", "csv", "--out", f"{stem}.csv")
    assert code in (0, 1), err
    changes = (tmp_path / "district-changes.csv").read_text(encoding="utf-8")
    assert "HP-001" in changes and "MGT-28" in changes
    # without --since there is no changes sheet
    invoke("district", "samples/facilities", "--format", "xlsx", "--out", str(book))
    assert "changes" not in load_workbook(book).sheetnames
