"""What people read in reports: facts by their Chinese field labels, means as “sum ÷ count”, no raw fractions."""

from __future__ import annotations

import inspect
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from pydantic import BaseModel

from facility_check import record
from facility_check.render.base import fact_label, fact_with_hint
from facility_check.render.district import decimal_text
from tests.test_cli import HAZARDS, invoke

RAW_FRACTION = re.compile(r"(?<![\d.$/-])\d+/\d+(?![\d/-])")  # 281/60, not dates or JSON paths
NOT_FACTS = {"schema_version", "facility_id", "coordinates", "crs", "id", "by", "number", "kind"}


def test_every_record_field_has_a_chinese_label() -> None:
    fields = {
        name
        for _, cls in inspect.getmembers(record, inspect.isclass)
        if issubclass(cls, BaseModel)
        for name in cls.model_fields
    }
    titled = {
        name
        for _, cls in inspect.getmembers(record, inspect.isclass)
        if issubclass(cls, BaseModel)
        for name, info in cls.model_fields.items()
        if info.title and re.search("[\u4e00-\u9fff]", info.title)
    }
    missing = sorted(fields - titled - NOT_FACTS)
    assert not missing, f"fields without a Chinese label: {missing}"


def test_fact_labels_name_the_item_of_a_list() -> None:
    assert (
        fact_label("$.staff[3].health_checks.last_annual_date", "zh")
        == "工作人员第4项 › 健康检查 › 最近年度体检日期"
    )
    assert (
        fact_label("$.staff[3].health_checks.last_annual_date", "en")
        == "staff #4 › health checks › last annual date"
    )
    assert fact_with_hint("$.premises.lease_end", "zh") == "场地 › 租赁到期日（$.premises.lease_end）"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(281, 60), "4.683333…"),
        (Fraction(27, 6), "4.5"),
        (Decimal("2.5"), "2.5"),
        (Fraction(0), "0"),
        (Fraction(1, 8), "0.125"),
    ],
)
def test_decimal_text_is_exact_or_marked_unfinished(value: Fraction | Decimal, text: str) -> None:
    assert decimal_text(value) == text


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_district_shows_sum_over_count_and_no_raw_fraction(fmt: str) -> None:
    out = invoke("district", "samples/facilities", *HAZARDS, "--format", fmt)[1]
    assert "28.1 ÷ 6 = 4.683333…" in out  # the setup item: six facility scores summing to 28.1
    assert "26.0 ÷ 6 = 4.333333…" in out
    assert not RAW_FRACTION.findall(out), RAW_FRACTION.findall(out)


def test_district_names_missing_facts_by_label_with_the_path_beside() -> None:
    out = invoke("district", "samples/facilities", *HAZARDS)[1]
    assert "膳食 › 饮用水安全（$.meals.drinking_water_safe）  ×2" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_check_report_names_facts_by_their_labels(fmt: str) -> None:
    out = invoke("check", "samples/facilities/hp-002-typical-problems.json", *HAZARDS, "--format", fmt)[1]
    assert "场地 › 租赁到期日" in out
    assert "班级第2项 › 在托人数" in out
    if fmt == "text":  # never a bare JSON path where a fact is named
        assert not [line for line in out.splitlines() if line.strip().startswith("事实: $")]


def test_html_report_shows_each_parameters_source() -> None:
    out = invoke("check", "samples/facilities/hp-002-typical-problems.json", *HAZARDS, "--format", "html")[1]
    assert "<summary>参数及来源</summary>" in out
    assert "[其他法规/规章] 《托儿所幼儿园卫生保健管理办法》（卫生部 教育部令第76号）第十二条" in out
    assert "[项目约定，非任何文本] 项目约定，非原文：“经常演练”" in out


def test_self_check_names_facts_by_their_labels() -> None:
    out = invoke("self-check", "samples/facilities/hp-003-staff-and-rooms.json")[1]
    assert "事实: $" not in out
