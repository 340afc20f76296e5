"""Users' own sheets: staff and children rosters and district ledgers, with the headers people write."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from facility_check import record
from facility_check.cli import app
from facility_check.loading import LoadFailure, RawRecord, iter_source
from facility_check.workbook import mapping
from facility_check.workbook.importer import class_type, months_between
from facility_check.workbook.layout import FACTS_SHEET
from facility_check.workbook.vocabulary import aliases, enum_labels, labels

from .workbook_helpers import ROOT, column_of, fact_row, form, sample, save


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(ROOT)
    yield
    mapping.use(None)


def _one(path: Path) -> RawRecord:
    items = list(iter_source(str(path)))
    records = [i for i in items if isinstance(i, RawRecord)]
    assert len(records) == 1, items
    return records[0]


def _rows(ws: Any, rows: list[list[Any]], start: int = 1) -> None:
    for r, values in enumerate(rows, start=start):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c).value = value


# ---------------------------------------------------------------------------------------------
# The vocabulary is data, and complete
# ---------------------------------------------------------------------------------------------


def test_every_enumeration_code_has_a_unique_label() -> None:
    for name in labels()["enums"]:
        enum = getattr(record, name)
        table = enum_labels(enum)
        assert set(table) == {m.value for m in enum}
        assert len(set(table.values())) == len(table), name


def test_alias_targets_are_fields_of_the_record() -> None:
    targets = mapping._targets()
    for kind, table in aliases()["sheets"].items():
        for header, target in table["columns"].items():
            assert target in targets or target in mapping.SPECIALS, (kind, header, target)
    for name, values in aliases()["enum_values"].items():
        codes = {m.value for m in getattr(record, name)}
        assert set(values.values()) <= codes, name


# ---------------------------------------------------------------------------------------------
# A provider's staff and children rosters
# ---------------------------------------------------------------------------------------------


def _provider_workbook(tmp_path: Path, staff_rows: list[list[Any]], children: list[list[Any]] | None) -> Path:
    base = sample("hp-006-self-check-gcj02")  # one class "A" (toddlers), inspection 2026-11-10
    base["classes"] = [{"id": "A", "type": "toddler"}]
    wb = form(base)
    index = wb.sheetnames.index("工作人员")
    del wb["工作人员"]
    ws = wb.create_sheet("教职工花名册", index)
    ws.merge_cells("A1:I1")
    ws["A1"] = "彩虹屋托育教职工花名册"
    _rows(ws, staff_rows, start=2)
    if children is not None:
        kids = wb.create_sheet("幼儿花名册")
        _rows(kids, children)
    return save(wb, tmp_path / "彩虹屋.xlsx")


STAFF_HEADER = ["序号", "姓名", "性别", "岗位", "学历", "资格证书", "证书编号", "体检日期", "所在班级"]


def test_staff_roster_headers_people_write(tmp_path: Path) -> None:
    path = _provider_workbook(
        tmp_path,
        [
            STAFF_HEADER,
            [1, "李静", "女", "园长", "本科", "幼儿教师资格证", "2012210014", date(2026, 3, 1), None],
            [2, "王丽", "女", "保育员", "大专", "育婴员（四级）", "YY001", "2026/3/18", "A"],
            [3, "赵敏", "女", "保育师", "中专", "保育师、育婴员", None, "2026.03.18", "A"],
            [4, "张军", "男", "保安", "高中", "无", None, None, None],
        ],
        None,
    )
    data = _one(path).data
    staff = data["staff"]
    assert [p["role"] for p in staff] == ["director", "carer", "carer", "security"]
    assert [p["education"] for p in staff] == [
        "bachelor",
        "junior_college",
        "senior_secondary",
        "senior_secondary",
    ]
    assert staff[1]["certificates"] == [{"kind": "childcare_worker", "number": "YY001"}]
    assert staff[2]["certificates"] == [{"kind": "nursery_nurse"}, {"kind": "childcare_worker"}]
    assert staff[3]["certificates"] == []  # 无: known to hold none
    assert staff[1]["health_checks"] == {"last_annual_date": "2026-03-18"}
    assert [p["id"] for p in staff] == ["S003", "S004", "S005", "S006"]  # no id column: by row
    # carers per class are counted from the roster, not typed
    assert data["classes"] == [{"id": "A", "type": "toddler", "carers": 2}]
    code, out, _ = invoke("validate", str(path))
    assert code == 0, out
    assert "花名册没有人员编号列：按行号编号" in out


def test_children_roster_gives_class_sizes_and_ages(tmp_path: Path) -> None:
    # inspection date of HP-006: 2026-11-10
    children = [
        ["序号", "幼儿姓名", "性别", "出生日期", "入托日期", "班级", "离园日期"],
        [1, "小明", "男", date(2025, 5, 10), date(2026, 9, 1), "A", None],  # 18 months
        [2, "小红", "女", date(2025, 1, 11), date(2026, 9, 1), "A", None],  # 21 months (day not yet reached)
        [3, "小刚", "男", date(2024, 12, 1), date(2026, 9, 1), "A", date(2026, 10, 31)],  # left: not counted
        [4, "小丽", "女", date(2024, 11, 15), date(2026, 12, 1), "A", None],  # not yet admitted
        [5, "乐乐", "男", date(2024, 6, 1), date(2026, 3, 1), "B", None],  # a class only the roster knows
        [6, "欢欢", "女", date(2024, 1, 1), date(2026, 3, 1), "B", None],
    ]
    path = _provider_workbook(tmp_path, [STAFF_HEADER], children)
    classes = _one(path).data["classes"]
    assert classes[0] == {
        "id": "A",
        "type": "toddler",
        "enrolled": 2,
        "min_age_months": 18,
        "max_age_months": 21,
    }
    assert classes[1] == {
        "id": "B",
        "type": "older",
        "enrolled": 2,
        "min_age_months": 29,
        "max_age_months": 34,
    }


def test_a_typed_count_that_disagrees_with_the_roster_is_reported(tmp_path: Path) -> None:
    base = sample("hp-006-self-check-gcj02")  # class A typed: enrolled 10
    wb = form(base)
    kids = wb.create_sheet("幼儿花名册")
    _rows(kids, [["姓名", "出生日期", "班级"], ["小明", date(2025, 5, 10), "A"]])
    path = save(wb, tmp_path / "x.xlsx")
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    cell = f"{load_workbook(path)['班级'].cell(2, column_of(load_workbook(path)['班级'], '在托人数')).coordinate}"
    assert f"班级 › {cell}（在托人数）: 错误: 在托人数 10 与幼儿花名册不一致（花名册 1 人）" in out


def test_children_roster_needs_the_inspection_date(tmp_path: Path) -> None:
    base = sample("hp-006-self-check-gcj02")
    del base["inspection"]
    wb = form(base)
    kids = wb.create_sheet("幼儿花名册")
    _rows(kids, [["姓名", "出生日期", "班级"], ["小明", date(2025, 5, 10), "A"]])
    code, out, _ = invoke("validate", str(save(wb, tmp_path / "x.xlsx")))
    assert code == 2 and "需要检查日期" in out


def test_bad_cells_in_rosters_are_located_under_their_own_headers(tmp_path: Path) -> None:
    path = _provider_workbook(
        tmp_path,
        [
            [*STAFF_HEADER, "健康证到期日"],
            [1, "王丽", "女", "保育员", "大专", "驾驶证", None, "2026-13-01", "Z", "明年"],
        ],
        None,
    )
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert "教职工花名册 › F3（资格证书）: 错误: 无法识别的证书 驾驶证" in out
    assert "教职工花名册 › H3（体检日期）: 错误: 不是有效日期" in out
    assert "教职工花名册 › I3（所在班级）: 错误: 班级 'Z' 不在班级表或幼儿花名册中" in out
    assert "教职工花名册 › J3（健康证到期日）: 错误: 不是有效日期" in out


def test_ambiguous_and_unmapped_columns(tmp_path: Path) -> None:
    path = _provider_workbook(
        tmp_path, [["姓名", "教职工姓名", "岗位", "紧急联系人"], ["王丽", "王丽", "保育员", "王父"]], None
    )
    code, out, _ = invoke("validate", str(path))
    assert code == 2
    assert "教职工花名册 › B2: 错误: 列 '教职工姓名' 与 A2 列表示同一项" in out
    assert "教职工花名册 › D2: 错误: 未识别的列 '紧急联系人'" in out


def test_columns_mapping_maps_the_rest(tmp_path: Path) -> None:
    path = _provider_workbook(
        tmp_path, [["姓名", "岗位", "年检日期", "紧急联系人"], ["王丽", "保育员", "2026-03-18", "王父"]], None
    )
    mapping_file = tmp_path / "columns.yaml"
    mapping_file.write_text(
        "columns:\n  年检日期: 健康检查·最近年度体检日期\n  紧急联系人: '@ignore'\n", encoding="utf-8"
    )
    code, out, _ = invoke("--columns", str(mapping_file), "validate", str(path))
    assert code == 0, out
    assert _one(path).data["staff"][0]["health_checks"] == {"last_annual_date": "2026-03-18"}
    out_json = tmp_path / "r.json"
    assert (
        invoke("convert", str(path), "--to", "json", "--out", str(out_json), "--columns", str(mapping_file))[
            0
        ]
        == 0
    )
    assert json.loads(out_json.read_text(encoding="utf-8"))["staff"][0]["role"] == "carer"
    # a mapping lasts for its own run only
    code, out, _ = invoke("validate", str(path))
    assert code == 2 and "未识别的列 '年检日期'" in out


def test_a_mapping_to_nothing_is_a_usage_error(tmp_path: Path) -> None:
    mapping_file = tmp_path / "columns.yaml"
    mapping_file.write_text("年检日期: 体检时间啊\n", encoding="utf-8")
    code, _, err = invoke(
        "--columns", str(mapping_file), "validate", "samples/workbooks/hp-001-compliant.xlsx"
    )
    assert code == 2 and "映射到未知字段 '体检时间啊'" in err
    mapping_file.write_text("a: [unclosed\n", encoding="utf-8")
    code, _, err = invoke(
        "convert",
        "samples/facilities/hp-001-compliant.json",
        "--to",
        "xlsx",
        "--out",
        str(tmp_path / "x.xlsx"),
        "--columns",
        str(mapping_file),
    )
    assert code == 2 and "不是有效的 YAML" in err


# ---------------------------------------------------------------------------------------------
# A district ledger
# ---------------------------------------------------------------------------------------------


def test_district_ledger_with_people_headers(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "机构台账"
    ws.merge_cells("A1:J1")
    ws["A1"] = "和平区托育机构台账"
    _rows(
        ws,
        [
            [
                "序号",
                "机构名称",
                "统一社会信用代码",
                "区划代码",
                "地址",
                "机构类型",
                "备案情况",
                "托位数",
                "在托人数",
                "普惠托位",
            ],
            [
                1,
                "阳光宝贝",
                "52210102MJY20231AA",
                "210102",
                "南京南街 128 号",
                "独立设置",
                "已备案",
                50,
                38,
                10,
            ],
            [2, "彩虹屋", None, 210102, "集贤街 3 号", "社区", "未备案", "30", None, None],
        ],
        start=2,
    )
    path = save(wb, tmp_path / "台账.xlsx")
    items = list(iter_source(str(path)))
    records = [i for i in items if isinstance(i, RawRecord)]
    assert records[0].data == {
        "schema_version": "1.0",
        "facility_id": "52210102MJY20231AA",  # no 机构编号 column: the USCC
        "name": "阳光宝贝",
        "uscc": "52210102MJY20231AA",
        "division_code": "210102",
        "address": "南京南街 128 号",
        "operator_type": "independent",
        "filing": {"filed": True, "filed_capacity": 50},
    }
    assert records[1].data["filing"] == {"filed": False, "filed_capacity": 30}
    assert records[1].data["division_code"] == "210102"  # a code typed as a number
    code, out, _ = invoke("validate", str(path))
    assert code == 2  # the second row has neither a 机构编号 nor a USCC
    assert (
        "台账.xlsx › 机构台账 › 4: 错误: 缺少必填字段 'facility_id'" in out
        or "缺少必填字段 'facility_id'" in out
    )
    assert "列 '在托人数' 未使用：在托人数由班级表或幼儿花名册计算" in out


def test_bundled_provider_and_district_samples(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "validate", "samples/workbooks/hp-003-rosters.xlsx", "samples/workbooks/heping-ledger.xlsx"
    )
    assert code == 0, out
    rosters = _one(ROOT / "samples" / "workbooks" / "hp-003-rosters.xlsx").data
    original = sample("hp-003-staff-and-rooms")
    for derived, typed in zip(rosters["classes"], original["classes"], strict=True):
        for key in ("enrolled", "min_age_months", "max_age_months", "type"):
            assert derived[key] == typed[key], key
    assert [p["role"] for p in rosters["staff"]] == [p["role"] for p in original["staff"]]
    code, out, _ = invoke("district", "samples/workbooks/heping-ledger.xlsx", "--format", "json")
    assert json.loads(out)["evaluated"] == 6


def test_months_and_class_types() -> None:
    assert months_between(date(2025, 5, 10), date(2026, 11, 10)) == 18
    assert months_between(date(2025, 5, 11), date(2026, 11, 10)) == 17
    assert class_type(6, 11) == "infant"
    assert class_type(12, 23) == "toddler"
    assert class_type(24, 35) == "older"
    assert class_type(10, 30) == "mixed"


def test_a_roster_alone_without_facilities_is_explained(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "教职工花名册"
    _rows(wb.active, [["姓名", "岗位", "学历"], ["王丽", "保育员", "大专"]])
    [item] = list(iter_source(str(save(wb, tmp_path / "x.xlsx"))))
    assert isinstance(item, LoadFailure) and "找不到机构" in item.problems[-1].message.zh


def test_the_form_with_its_own_headers_is_not_mistaken_for_a_roster() -> None:
    data = io.BytesIO((ROOT / "samples" / "workbooks" / "hp-001-compliant.xlsx").read_bytes())
    wb = load_workbook(data)
    assert wb[FACTS_SHEET].cell(fact_row(wb[FACTS_SHEET], "机构编号"), 2).value == "HP-001"
