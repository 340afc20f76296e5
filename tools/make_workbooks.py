"""Regenerates samples/workbooks/ from the JSON samples (run from the repository root).

* ``<sample>.xlsx``: each record of samples/facilities/ in the single-facility form;
* ``heping-roster.xlsx``: all of them in the roster form (every sheet keyed by 机构编号);
* ``hp-003-rosters.xlsx``: HP-003's form with the staff sheet replaced by the kind of 教职工花名册
  providers keep (title row, their own headers, certificates and classes as words) and a
  幼儿花名册 from which class sizes and ages are computed (the 班级 sheet leaves them blank);
* ``heping-ledger.xlsx``: a district 台账 with the headers districts use.

Names, birth dates and phone numbers are invented. Deterministic: same samples, same bytes.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from facility_check.render.district import _fixed_zip_times  # noqa: E402
from facility_check.workbook.writer import put_text, write  # noqa: E402

OUT = ROOT / "samples" / "workbooks"
SAMPLES = sorted((ROOT / "samples" / "facilities").glob("*.json"))

ROLE = {
    "director": "园长",
    "carer": "保育员",
    "health": "保健医",
    "security": "保安",
    "cook": "厨师",
    "admin": "会计",
}
EDUCATION = {
    "junior_secondary": "初中",
    "senior_secondary": "中专",
    "junior_college": "大专",
    "bachelor": "本科",
    "postgraduate": "硕士",
}
CERTIFICATE = {
    "childcare_worker": "育婴员（四级）",
    "nursery_nurse": "保育师",
    "teacher": "幼儿教师资格证",
    "health_care_training": "卫生保健培训合格证",
    "security_guard": "保安员证",
    "cook_health": "食品从业人员健康证",
    "other": "其他",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "静丽娜敏燕霞芳红梅玲婷雪琳佳欣怡晨宇轩涵"


def _save(wb, path: Path) -> None:
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_fixed_zip_times(buffer.getvalue()))


def _reopen(data: bytes):
    return load_workbook(io.BytesIO(data))


def _row(ws, row: int, values: list) -> None:
    for column, value in enumerate(values, start=1):
        if value is None:
            continue
        if isinstance(value, str):
            put_text(ws, row, column, value)
        else:
            ws.cell(row=row, column=column, value=value)
            if isinstance(value, date):
                ws.cell(row=row, column=column).number_format = "yyyy-mm-dd"


def _title(ws, text: str, columns: int) -> None:
    put_text(ws, 1, 1, text)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)


def rosters(record: dict) -> bytes:
    """HP-003 as a provider keeps it: the form, with their own staff and children rosters."""
    record = json.loads(json.dumps(record))
    staff = record["staff"]
    classes = record["classes"]
    for person in staff:
        person.pop("certificates", None)  # from the roster's 资格证书 column
    for item in classes:
        for key in ("enrolled", "min_age_months", "max_age_months", "carers"):
            item.pop(key, None)  # computed from the rosters
    wb = _reopen(write([record], roster=False))
    original = json.loads(SAMPLES[2].read_text(encoding="utf-8"))
    index = wb.sheetnames.index("工作人员")
    del wb["工作人员"]
    ws = wb.create_sheet("工作人员", index)
    headers = [
        "序号", "工号", "姓名", "性别", "出生日期", "岗位", "学历", "资格证书", "证书编号",
        "入职日期", "入职体检日期", "体检日期", "健康证到期日", "所在班级", "联系电话",
    ]  # fmt: skip
    _title(ws, f"{record['name']}教职工花名册", len(headers))
    _row(ws, 2, headers)
    carers = [p for p in original["staff"] if p["role"] == "carer"]
    class_of = {p["id"]: classes[i % len(classes)]["id"] for i, p in enumerate(carers)}
    for n, person in enumerate(original["staff"], start=1):
        hc = person.get("health_checks") or {}
        certs = person.get("certificates") or []
        last = hc.get("last_annual_date")
        _row(
            ws,
            n + 2,
            [
                n,
                person["id"],
                person.get("name"),
                "女" if n % 4 else "男",
                date(1980 + n, 1 + n % 12, 1 + n),
                ROLE[person["role"]],
                EDUCATION.get(person.get("education", "")),
                "、".join(CERTIFICATE[c["kind"]] for c in certs)
                if person.get("certificates") is not None
                else None,
                certs[0].get("number") if len(certs) == 1 else None,
                date.fromisoformat(person["start_date"]) if person.get("start_date") else None,
                date.fromisoformat(hc["pre_employment_date"]) if hc.get("pre_employment_date") else None,
                date.fromisoformat(last) if last else None,
                date.fromisoformat(last) + timedelta(days=364) if last else None,
                class_of.get(person["id"]),
                f"138{n:08d}",
            ],
        )
    ws.freeze_panes = "A3"
    kids = wb.create_sheet("幼儿花名册")
    headers = ["序号", "幼儿姓名", "性别", "出生日期", "入托日期", "班级", "家长姓名", "联系电话"]
    _title(kids, f"{record['name']}在托幼儿花名册", len(headers))
    _row(kids, 2, headers)
    inspection = date.fromisoformat(original["inspection"]["inspection_date"])
    row = 3
    for item in original["classes"]:
        low, high, count = item["min_age_months"], item["max_age_months"], item["enrolled"]
        for k in range(count):
            months = low + round((high - low) * k / max(count - 1, 1))
            birth = _months_before(inspection, months) - timedelta(days=3)
            name = SURNAMES[row % len(SURNAMES)] + GIVEN[(row * 7) % len(GIVEN)]
            _row(
                kids,
                row,
                [
                    row - 2,
                    name,
                    "男" if row % 2 else "女",
                    birth,
                    date(2026, 9, 1),
                    item["id"],
                    name[0] + "先生",
                    f"139{row:08d}",
                ],
            )
            row += 1
    kids.freeze_panes = "A3"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def ledger(records: list[dict]) -> bytes:
    """A district 台账: one row a facility, the headers districts use, a title row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "机构台账"
    headers = [
        "序号", "机构编号", "机构名称", "统一社会信用代码", "区划代码", "所属区域", "地址", "机构类型", "机构性质",
        "备案情况", "托位数", "在托人数", "普惠托位", "联系人", "联系电话",
    ]  # fmt: skip
    _title(ws, "沈阳市和平区托育机构台账（2026 年 11 月）", len(headers))
    _row(ws, 2, headers)
    kinds = {
        "independent": "独立设置",
        "employer": "单位办",
        "community": "社区",
        "kindergarten_class": "幼儿园",
    }
    for n, r in enumerate(records, start=1):
        filing = r.get("filing") or {}
        enrolled = sum(c.get("enrolled", 0) for c in r.get("classes") or [])
        _row(
            ws,
            n + 2,
            [
                n,
                r["facility_id"],
                r["name"],
                r.get("uscc"),
                r.get("division_code"),
                "和平区",
                r.get("address"),
                kinds.get(r.get("operator_type", ""), "其他"),
                "民办",
                "已备案" if filing.get("filed") else ("未备案" if filing.get("filed") is False else None),
                filing.get("filed_capacity"),
                enrolled or None,
                10 if n % 2 else 0,
                "联系人" + str(n),
                f"024-2{n:07d}",
            ],
        )
    ws.freeze_panes = "A3"
    wb.properties.creator = "facility-check samples"
    from datetime import datetime

    wb.properties.created = wb.properties.modified = datetime(2019, 10, 8)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    records = [json.loads(p.read_text(encoding="utf-8")) for p in SAMPLES]
    for path, record in zip(SAMPLES, records, strict=True):
        (OUT / f"{path.stem}.xlsx").write_bytes(write([record], roster=False))
    (OUT / "heping-roster.xlsx").write_bytes(write(records, roster=True))
    (OUT / "hp-003-rosters.xlsx").write_bytes(rosters(records[2]))
    (OUT / "heping-ledger.xlsx").write_bytes(ledger(records))


if __name__ == "__main__":
    main()
