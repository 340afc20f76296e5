"""Workbooks as records: blank forms, round trips, verdicts identical to JSON, no formula injection."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from facility_check.cli import app
from facility_check.loading import RawRecord, iter_bytes, iter_source
from facility_check.workbook.layout import EMPTY_MARK, FACTS_SHEET, GUIDE_SHEET, KEY_TITLE, layout
from facility_check.workbook.writer import write

from .workbook_helpers import ROOT, VALID_SAMPLES, column_of, fact_row, form, sample, save, without_nulls


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


# ---------------------------------------------------------------------------------------------
# The blank forms
# ---------------------------------------------------------------------------------------------


def test_template_has_the_guide_dropdowns_dates_and_a_frozen_header(tmp_path: Path) -> None:
    out = tmp_path / "园所.xlsx"
    code, _, _ = invoke("template", "--out", str(out))
    assert code == 0
    wb = load_workbook(out)
    lay = layout()
    assert wb.sheetnames == [GUIDE_SHEET, FACTS_SHEET, *[s.name for s in lay.lists]]
    facts = wb[FACTS_SHEET]
    assert [c.value for c in facts[1]] == ["项目", "值", "说明", "字段"]
    assert facts.freeze_panes == "B2"
    # an enumeration: a drop-down of its Chinese labels on its value cell
    row = fact_row(facts, "举办类型")
    lists = {str(dv.sqref): dv.formula1 for dv in facts.data_validations.dataValidation if dv.type == "list"}
    assert lists[f"B{row}"] == '"独立设置,用人单位举办,社区托育点,幼儿园托班,其他"'
    # yes/no questions and dates
    assert lists[f"B{fact_row(facts, '备案·已备案')}"] == '"是,否"'
    assert facts.cell(fact_row(facts, "备案·备案日期"), 2).number_format == "yyyy-mm-dd"
    assert "必填" in facts.cell(fact_row(facts, "机构名称"), 3).value
    staff = wb["工作人员"]
    assert staff.freeze_panes == "A2"
    role = column_of(staff, "岗位")
    letter = staff.cell(1, role).column_letter
    staff_lists = {str(dv.sqref): dv.formula1 for dv in staff.data_validations.dataValidation}
    assert staff_lists[f"{letter}2:{letter}201"].startswith('"机构负责人,保育人员')
    assert staff.column_dimensions[letter].width >= 8
    assert staff.cell(2, column_of(staff, "入职日期")).number_format == "yyyy-mm-dd"
    guide = "\n".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)
    assert "留空表示“未知”" in guide


def test_district_template_keys_every_sheet_by_facility_id(tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    assert invoke("template", "--district", "--out", str(out))[0] == 0
    wb = load_workbook(out)
    for name in wb.sheetnames[1:]:
        assert wb[name]["A1"].value == KEY_TITLE, name
    assert wb["培训"]["B1"].value == "人员编号"


def test_template_is_deterministic() -> None:
    assert write([], roster=False) == write([], roster=False)
    assert write([sample()], roster=True) == write([sample()], roster=True)


def test_every_field_title_is_chinese_and_from_the_schema() -> None:
    schema = json.loads((ROOT / "schemas" / "facility.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["staff"]["title"] == "工作人员"
    titles = [leaf.title for leaf in layout().facts] + [
        leaf.title for sheet in layout().lists for leaf in sheet.leaves
    ]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in title) or title.isupper() for title in titles)


# ---------------------------------------------------------------------------------------------
# Round trips and verdicts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.stem)
def test_round_trip_json_xlsx_json_through_the_cli(path: Path, tmp_path: Path) -> None:
    book, back = tmp_path / f"{path.stem}.xlsx", tmp_path / "back.json"
    assert invoke("convert", str(path), "--to", "xlsx", "--out", str(book))[0] == 0
    assert invoke("convert", str(book), "--to", "json", "--out", str(back))[0] == 0
    original = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(back.read_text(encoding="utf-8")) == without_nulls(original)


def test_a_directory_becomes_one_roster_and_back(tmp_path: Path) -> None:
    roster, back = tmp_path / "区.xlsx", tmp_path / "back"
    assert invoke("convert", "samples/facilities", "--to", "xlsx", "--out", str(roster))[0] == 0
    assert load_workbook(roster)[FACTS_SHEET]["A1"].value == KEY_TITLE
    assert invoke("convert", str(roster), "--to", "json", "--out", str(back))[0] == 0
    for path in VALID_SAMPLES:
        original = json.loads(path.read_text(encoding="utf-8"))
        again = json.loads((back / f"{original['facility_id']}.json").read_text(encoding="utf-8"))
        assert again == without_nulls(original)


def test_known_empty_lists_survive_as_none_rows() -> None:
    record = sample("hp-002-typical-problems")
    assert record["safety"]["stairs"] == []
    wb = load_workbook(io.BytesIO(write([record], roster=False)))
    assert wb["楼梯"]["A2"].value == EMPTY_MARK
    [item] = list(iter_bytes(write([record], roster=False), "x.xlsx"))
    assert isinstance(item, RawRecord)
    assert item.data["safety"]["stairs"] == [] and item.data["safety"]["guard_rails"] == []


def _verdicts(out: str) -> object:
    data = json.loads(out)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for path in VALID_SAMPLES:  # the only difference allowed is the file named as the source
        text = text.replace(f"samples/facilities/{path.name}", "SOURCE").replace(
            f"{path.stem}.xlsx", "SOURCE"
        )
    return json.loads(text)


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.stem)
def test_verdicts_from_a_workbook_equal_those_from_json(path: Path, tmp_path: Path) -> None:
    book = tmp_path / f"{path.stem}.xlsx"
    assert invoke("convert", str(path), "--to", "xlsx", "--out", str(book))[0] == 0
    from_json = invoke("check", f"samples/facilities/{path.name}", "--format", "json")
    from_book = invoke("check", str(book), "--format", "json")
    assert from_json[0] == from_book[0]
    assert _verdicts(from_json[1]) == _verdicts(from_book[1].replace(str(tmp_path) + "/", ""))


def test_district_from_a_roster_workbook_equals_district_from_json(tmp_path: Path) -> None:
    roster = tmp_path / "heping.xlsx"
    assert invoke("convert", "samples/facilities", "--to", "xlsx", "--out", str(roster))[0] == 0
    code_json, out_json, _ = invoke("district", "samples/facilities", "--format", "json")
    code_book, out_book, _ = invoke("district", str(roster), "--format", "json")
    assert code_json == code_book
    section_json, section_book = json.loads(out_json), json.loads(out_book)
    for section in (section_json, section_book):
        for row in section["facilities"]:
            row.pop("source")
    assert section_json == section_book
    assert section_book["evaluated"] == len(VALID_SAMPLES)


def test_directories_mix_json_and_workbooks(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(sample()), encoding="utf-8")
    (tmp_path / "b.xlsx").write_bytes(write([sample("hp-003-staff-and-rooms")], roster=False))
    items = list(iter_source(str(tmp_path)))
    assert [
        (i.source.rsplit("/", 1)[-1], i.data["facility_id"]) for i in items if isinstance(i, RawRecord)
    ] == [
        ("a.json", "HP-001"),
        ("b.xlsx", "HP-003"),
    ]
    code, out, _ = invoke("validate", str(tmp_path))
    assert code == 0 and "共 2 条记录：2 条有效" in out


def test_uploads_named_xlsx_are_read_as_workbooks() -> None:
    data = write([sample()], roster=False)
    [item] = list(iter_bytes(data, "上传.xlsx"))
    assert isinstance(item, RawRecord) and item.data == without_nulls(sample())
    # a workbook sent under a wrong name is still recognised by its content
    [again] = list(iter_bytes(data, "upload.json"))
    assert isinstance(again, RawRecord) and again.data["facility_id"] == "HP-001"


def test_bundled_workbook_samples_are_current_and_valid() -> None:
    for path in VALID_SAMPLES:
        assert (ROOT / "samples" / "workbooks" / f"{path.stem}.xlsx").read_bytes() == write(
            [json.loads(path.read_text(encoding="utf-8"))], roster=False
        ), f"run tools/make_workbooks.py ({path.stem})"
    code, out, _ = invoke("validate", "samples/workbooks")
    assert code == 0, out


# ---------------------------------------------------------------------------------------------
# Formula injection
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","点我")', "+86 24 1234", "-1+2", "@SUM(A1)"])
def test_text_beginning_like_a_formula_is_written_as_text(text: str, tmp_path: Path) -> None:
    record = sample()
    record["address"] = text
    record["staff"][0]["name"] = text
    data = write([record], roster=False)
    wb = load_workbook(io.BytesIO(data))
    cell = wb[FACTS_SHEET].cell(fact_row(wb[FACTS_SHEET], "地址"), 2)
    assert cell.data_type == "s" and cell.value == text and cell.quotePrefix
    staff = wb["工作人员"]
    assert staff.cell(2, column_of(staff, "姓名")).data_type == "s"
    [item] = list(iter_bytes(data, "x.xlsx"))
    assert isinstance(item, RawRecord)
    assert item.data["address"] == text and item.data["staff"][0]["name"] == text
    # and through the whole CLI
    src = tmp_path / "r.json"
    src.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert invoke("convert", str(src), "--to", "xlsx", "--out", str(tmp_path / "r.xlsx"))[0] == 0
    assert load_workbook(tmp_path / "r.xlsx")[FACTS_SHEET].cell(cell.row, 2).data_type == "s"


def test_edited_form_is_read(tmp_path: Path) -> None:
    """A person fills the blank form: labels from the drop-downs, dates, numbers."""
    wb = form()
    facts = wb[FACTS_SHEET]
    facts.cell(fact_row(facts, "机构编号"), 2, "HP-100")
    facts.cell(fact_row(facts, "机构名称"), 2, "测试托育园")
    facts.cell(fact_row(facts, "举办类型"), 2, "社区托育点")
    facts.cell(fact_row(facts, "服务类型"), 2, "全日托、计时托")
    facts.cell(fact_row(facts, "备案·已备案"), 2, "是")
    from datetime import date

    facts.cell(fact_row(facts, "检查·检查日期"), 2, date(2026, 10, 1))
    classes = wb["班级"]
    classes.cell(2, column_of(classes, "班级编号"), "1班")
    classes.cell(2, column_of(classes, "班级类型"), "托小班")
    classes.cell(2, column_of(classes, "在托人数"), 12)
    path = save(wb, tmp_path / "filled.xlsx")
    [item] = list(iter_source(str(path)))
    assert isinstance(item, RawRecord)
    assert item.data == {
        "schema_version": "1.0",
        "facility_id": "HP-100",
        "name": "测试托育园",
        "operator_type": "community",
        "service_types": ["full_day", "hourly"],
        "filing": {"filed": True},
        "inspection": {"inspection_date": "2026-10-01"},
        "classes": [{"id": "1班", "type": "toddler", "enrolled": 12}],
    }
    code, out, _ = invoke("validate", str(path))
    assert code == 0, out


def test_district_csv_and_xlsx_never_write_formulas(tmp_path: Path) -> None:
    from facility_check.render.base import spreadsheet_cell as csv_safe
    from facility_check.render.district import csv_text

    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)" and csv_safe("-0.5") == "-0.5" and csv_safe("4.9") == "4.9"
    assert csv_text([["+cmd|' /C calc'!A0", "5"]]) == "'+cmd|' /C calc'!A0,5\n"
    record = sample()
    record["name"] = '=HYPERLINK("http://x","点我")'
    (tmp_path / "r.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "d.xlsx"
    invoke("district", str(tmp_path / "r.json"), "--format", "xlsx", "--out", str(out))
    cells = [c for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row]
    named = [c for c in cells if c.value == record["name"]]
    assert named and all(c.data_type == "s" for c in named)
    assert not any(c.data_type == "f" for c in cells)
