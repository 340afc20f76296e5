"""Bad workbooks: every problem located as 文件 › 工作表 › 单元格（字段中文名）, exit 2, never a traceback."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from facility_check.cli import app
from facility_check.loading import LoadFailure, RawRecord, iter_bytes, iter_source
from facility_check.problems import Severity
from facility_check.workbook import reader
from facility_check.workbook.layout import FACTS_SHEET
from facility_check.workbook.writer import write

from .workbook_helpers import ROOT, column_of, fact_row, form, sample, save


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _staff_cell(wb, title: str, person: int = 0) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    ws = wb["工作人员"]
    cell = ws.cell(2 + person, column_of(ws, title))
    return cell, cell.coordinate


def test_a_bad_date_is_located_by_sheet_cell_and_title(tmp_path: Path) -> None:
    wb = form(sample())
    cell, where = _staff_cell(wb, "健康检查·最近年度体检日期", 0)
    cell.value = "2026-02-30"
    path = save(wb, tmp_path / "园所.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert f"园所.xlsx › 工作人员 › {where}（健康检查·最近年度体检日期）: 错误: 不是有效日期" in out
    code, out, _ = invoke("validate", str(path), "--lang", "en", "--format", "json")
    problem = json.loads(out)["records"][0]["problems"][0]
    assert problem["sheet"] == "工作人员" and problem["cell"] == where
    assert problem["path"] == "$.staff[0].health_checks.last_annual_date"
    assert problem["field_title"] == "健康检查·最近年度体检日期"


def test_check_of_a_bad_workbook_exits_2_with_located_errors(tmp_path: Path) -> None:
    wb = form(sample())
    facts = wb[FACTS_SHEET]
    facts.cell(fact_row(facts, "机构名称"), 2).value = None
    path = save(wb, tmp_path / "x.xlsx")
    code, out, _ = invoke("check", str(path))
    assert code == 2
    assert f"x.xlsx › 机构 › B{fact_row(facts, '机构名称')}（机构名称）: 错误: 缺少必填字段 'name'" in out


def test_a_label_not_in_the_dropdown_names_the_choices(tmp_path: Path) -> None:
    wb = form(sample())
    classes = wb["班级"]
    cell = classes.cell(2, column_of(classes, "班级类型"))
    cell.value = "大班"
    path = save(wb, tmp_path / "x.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert (
        f"班级 › {cell.coordinate}（班级类型）: 错误: 取值无效：'大班' 不在下拉列表中；应为 乳儿班、托小班"
        in out
    )
    assert out.count(cell.coordinate) == 1  # not reported again as a missing field


def test_yes_no_numbers_as_text_and_serial_dates(tmp_path: Path) -> None:
    wb = form(sample())
    facts = wb[FACTS_SHEET]
    facts.cell(fact_row(facts, "备案·备案收托规模"), 2).value = " 50 "  # a number stored as text
    facts.cell(fact_row(facts, "备案·备案日期"), 2).value = 45056  # an Excel serial date: 2023-05-10
    facts.cell(fact_row(facts, "备案·已备案"), 2).value = "TRUE"
    facts.cell(fact_row(facts, "室外场地·室外场地面积（m²）"), 2).value = "160.5"
    facts.cell(fact_row(facts, "法人登记·登记日期"), 2).value = "2023年4月10日"
    facts.cell(fact_row(facts, "证照·营业执照·编号"), 2).value = 2023017  # a number typed into a text field
    path = save(wb, tmp_path / "x.xlsx")
    [item] = list(iter_source(str(path)))
    assert isinstance(item, RawRecord)
    assert item.data["filing"]["filed_capacity"] == 50
    assert item.data["filing"]["filed_date"] == "2023-05-10"
    assert item.data["filing"]["filed"] is True
    assert item.data["outdoor"]["area_m2"] == 160.5
    assert item.data["registration"]["registered_date"] == "2023-04-10"
    assert item.data["documents"]["business_licence"]["number"] == "2023017"
    assert invoke("validate", str(path))[0] == 0


def test_unreadable_values_are_errors_in_their_cells(tmp_path: Path) -> None:
    wb = form(sample())
    facts = wb[FACTS_SHEET]
    facts.cell(fact_row(facts, "备案·已备案"), 2).value = "也许"
    facts.cell(fact_row(facts, "备案·备案收托规模"), 2).value = "五十"
    cell, where = _staff_cell(wb, "无犯罪记录查询·查询日期", 1)
    cell.value = 1e9  # not an Excel date
    number, number_at = _staff_cell(wb, "姓名", 2)
    number.value = 12345678901234567890  # more digits than Excel keeps
    path = save(wb, tmp_path / "x.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert f"B{fact_row(facts, '备案·已备案')}（备案·已备案）: 错误: 应为 是 或 否，实际为 '也许'" in out
    assert (
        f"B{fact_row(facts, '备案·备案收托规模')}（备案·备案收托规模）: 错误: 类型错误：应为整数或null，实际为字符串"
        in out
        or (f"B{fact_row(facts, '备案·备案收托规模')}（备案·备案收托规模）: 错误: 类型错误" in out)
    )
    assert f"工作人员 › {where}（无犯罪记录查询·查询日期）: 错误: 不是有效日期" in out
    assert f"工作人员 › {number_at}（姓名）: 错误: 数字超过 15 位" in out


def test_merged_cells_are_filled_and_reported(tmp_path: Path) -> None:
    record = sample()
    wb = form(record)
    rooms = wb["房间"]
    column = column_of(rooms, "所属班级")
    rooms.cell(3, column).value = None  # R101..R105 all belong to C1: written once, merged
    rooms.merge_cells(start_row=2, end_row=6, start_column=column, end_column=column)
    path = save(wb, tmp_path / "x.xlsx")
    [item] = list(iter_source(str(path)))
    assert isinstance(item, RawRecord)
    assert [r.get("class_id") for r in item.data["rooms"][:5]] == ["C1"] * 5
    warnings = [p for p in item.warnings if p.code == "workbook.merged"]
    assert warnings and warnings[0].severity == Severity.warning and warnings[0].sheet == "房间"


def test_hidden_sheets_are_read_with_a_warning(tmp_path: Path) -> None:
    wb = form(sample())
    wb["楼梯"].sheet_state = "hidden"
    path = save(wb, tmp_path / "x.xlsx")
    [item] = list(iter_source(str(path)))
    assert isinstance(item, RawRecord) and item.data["safety"]["stairs"][0]["id"] == "ST1"
    code, out, _ = invoke("validate", str(path))
    assert code == 0 and "工作表“楼梯”是隐藏的：其中的数据同样已读取" in out


def test_a_formula_without_a_saved_result_is_an_error(tmp_path: Path) -> None:
    wb = form(sample())
    classes = wb["班级"]
    cell = classes.cell(2, column_of(classes, "在托人数"))
    cell.value = "=3+5"  # openpyxl saves no result, as a script or a web export would
    path = save(wb, tmp_path / "x.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert f"班级 › {cell.coordinate}（在托人数）: 错误: 公式没有保存计算结果" in out
    assert "有 1 个公式单元格" in out


def test_empty_trailing_rows_and_formatting_only_rows_are_ignored(tmp_path: Path) -> None:
    wb = form(sample())
    staff = wb["工作人员"]
    for row in range(staff.max_row + 1, staff.max_row + 50):
        staff.cell(row, 1).value = "   "  # spaces and formats only
        staff.cell(row, 3).number_format = "yyyy-mm-dd"
    path = save(wb, tmp_path / "x.xlsx")
    [item] = list(iter_source(str(path)))
    assert isinstance(item, RawRecord) and len(item.data["staff"]) == len(sample()["staff"])


def test_unknown_columns_and_items_are_errors_not_silently_dropped(tmp_path: Path) -> None:
    wb = form(sample())
    staff = wb["工作人员"]
    extra = staff.max_column + 1
    staff.cell(1, extra).value = "体检医院"
    staff.cell(2, extra).value = "和平区妇幼"
    facts = wb[FACTS_SHEET]
    facts.cell(facts.max_row + 1, 1).value = "园长电话"
    facts.cell(facts.max_row, 2).value = "123"
    path = save(wb, tmp_path / "x.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert f"工作人员 › {staff.cell(1, extra).coordinate}: 错误: 未识别的列 '体检医院'" in out
    assert f"机构 › A{facts.max_row}: 错误: 未知项目 '园长电话'" in out


def test_unknown_staff_in_training_and_unknown_facility_in_roster(tmp_path: Path) -> None:
    wb = form(sample(), roster=False)
    training = wb["培训"]
    training.cell(2, 1).value = "S99"
    path = save(wb, tmp_path / "x.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2 and "培训 › A2（人员编号）: 错误: 人员编号 'S99' 不在工作人员表中" in out
    roster = load_workbook(io.BytesIO(write([sample()], roster=True)))
    roster["班级"].cell(2, 1).value = "HP-404"
    path = save(roster, tmp_path / "r.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2 and "r.xlsx › 班级 › A2（机构编号）: 错误: 机构编号 'HP-404' 不在机构表中" in out


def test_duplicate_facility_ids_in_a_roster(tmp_path: Path) -> None:
    data = write([sample(), sample()], roster=True)
    code, out, _ = invoke("validate", str(_write(tmp_path / "r.xlsx", data)))
    assert code == 2 and "r.xlsx › 机构 › A3（机构编号）: 错误: 机构编号 'HP-001' 重复" in out


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("园所.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "这是旧版 Excel 文件（.xls）"),
        ("名单.csv", "姓名,岗位\n王丽,保育员\n".encode(), "CSV 文件不能作为机构记录"),
        ("园所.ods", b"PK\x03\x04 not really", "OpenDocument"),
        ("renamed.json", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "这是旧版 Excel 文件（.xls）"),
        ("broken.xlsx", b"PK\x03\x04 this is not a zip", "不是有效的 .xlsx 工作簿"),
        ("empty.xlsx", b"", "不是有效的 .xlsx 工作簿"),
    ],
)
def test_other_spreadsheet_formats_get_a_clear_message(
    name: str, content: bytes, message: str, tmp_path: Path
) -> None:
    path = _write(tmp_path / name, content)
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert message in out
    assert "Traceback" not in out


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    code, out, _ = invoke("validate", str(_write(tmp_path / "x.xlsx", buffer.getvalue())))
    assert code == 2 and "无法读取工作簿" in out


def test_size_limits_as_for_json(monkeypatch: pytest.MonkeyPatch) -> None:
    data = write([sample()], roster=False)
    monkeypatch.setattr(reader, "MAX_DOCUMENT_BYTES", len(data) - 1)
    [item] = list(reader.read_workbook(data, "big.xlsx"))
    assert isinstance(item, LoadFailure) and item.problems[0].code == "limit.size"
    monkeypatch.setattr(reader, "MAX_DOCUMENT_BYTES", 10**9)
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 1000)
    [item] = list(reader.read_workbook(data, "bomb.xlsx"))
    assert isinstance(item, LoadFailure) and "解压后超过" in item.problems[0].message.zh
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 10**9)
    monkeypatch.setattr(reader, "MAX_RECORDS_PER_DOCUMENT", 1)
    [item] = list(
        reader.read_workbook(write([sample(), sample("hp-002-typical-problems")], roster=True), "r.xlsx")
    )
    assert isinstance(item, LoadFailure) and item.problems[0].code == "limit.records"


def test_a_workbook_without_facilities(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "随便写点"
    code, out, _ = invoke("validate", str(save(wb, tmp_path / "x.xlsx")))
    assert code == 2 and "找不到机构" in out
    [item] = list(iter_bytes(write([], roster=True), "blank.xlsx"))
    assert isinstance(item, LoadFailure) and item.problems[-1].code == "workbook.empty"


def test_english_locations_name_the_json_path(tmp_path: Path) -> None:
    wb = form(sample())
    cell, where = _staff_cell(wb, "入职日期", 0)
    cell.value = "昨天"
    code, out, _ = invoke("validate", str(save(wb, tmp_path / "x.xlsx")), "--lang", "en")
    assert code == 2
    assert f"x.xlsx › 工作人员 › {where} ($.staff[0].start_date): error: not a valid date" in out


def test_a_time_is_not_a_date(tmp_path: Path) -> None:
    from datetime import time

    wb = form(sample())
    facts = wb[FACTS_SHEET]
    facts.cell(fact_row(facts, "检查·检查日期"), 2).value = time(9, 30)
    code, out, _ = invoke("validate", str(save(wb, tmp_path / "x.xlsx")))
    assert code == 2 and "单元格是时间，不是日期或数值" in out


def test_dates_as_date_cells_from_excel(tmp_path: Path) -> None:
    wb = form()
    facts = wb[FACTS_SHEET]
    facts.cell(fact_row(facts, "机构编号"), 2).value = "A1"
    facts.cell(fact_row(facts, "机构名称"), 2).value = "园"
    facts.cell(fact_row(facts, "检查·检查日期"), 2).value = date(2026, 3, 1)
    [item] = list(iter_source(str(save(wb, tmp_path / "x.xlsx"))))
    assert isinstance(item, RawRecord) and item.data["inspection"] == {"inspection_date": "2026-03-01"}
