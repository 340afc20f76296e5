"""The validator: every kind of bad input gets a located, readable problem — never a traceback."""

from __future__ import annotations

import codecs
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from facility_check import loading
from facility_check.loading import iter_sources
from facility_check.uscc import check_character, is_valid
from facility_check.validate import ValidatedRecord, validate_items
from tests.helpers import SAMPLES, base_record

TODAY = date(2026, 11, 24)


def run(*names: str) -> list[ValidatedRecord]:
    return list(validate_items(iter_sources(list(names)), TODAY))


def write(tmp_path: Path, name: str, content: bytes | str) -> str:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


def codes(v: ValidatedRecord) -> set[str]:
    return {p.code for p in v.problems}


def test_samples_are_valid() -> None:
    records = run(str(SAMPLES / "facilities"))
    assert len(records) == 6 and all(v.ok for v in records), [
        p.message.en for v in records for p in v.problems
    ]


def test_every_problem_of_a_file_at_once() -> None:
    [v] = run(str(SAMPLES / "broken" / "many-errors.json"))
    assert not v.ok
    by_path = {p.path: p for p in v.problems}
    assert by_path["$.uscc"].code == "uscc.check_digit"
    assert by_path["$.enroled"].code == "schema.additionalProperties"
    assert by_path["$.outdoor.area_m2"].message.zh == "不能为负数"
    assert by_path["$.staff[2].health_checks.last_annual_date"].code == "schema.format"
    assert "2023-02-30" in by_path["$.staff[2].health_checks.last_annual_date"].message.zh
    assert by_path["$.classes[0].enrolled"].code == "schema.type"
    assert by_path["$.systems.emergency_drills.last_date"].code == "date.future"
    assert by_path["$.location.latitude"].code == "schema.maximum"
    assert by_path["$.location"].code == "location.swapped"


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        ("invalid-json.json", "json.syntax", 5),
        ("empty.json", "json.empty", None),
        ("duplicate-key.json", "json.duplicate_key", 1),
        ("nan.json", "json.constant", None),
    ],
)
def test_broken_samples(name: str, code: str, line: int | None) -> None:
    [v] = run(str(SAMPLES / "broken" / name))
    assert not v.ok and [p.code for p in v.problems] == [code]
    assert v.problems[0].line == line
    assert v.problems[0].message.zh and v.problems[0].message.en


def test_gbk_file_is_read_and_named() -> None:
    [v] = run(str(SAMPLES / "broken" / "gbk-encoded.json"))
    assert v.ok and v.facility is not None and "GBK" in v.facility.name
    assert codes(v) == {"encoding.gbk"}


def test_bom_and_utf16(tmp_path: Path) -> None:
    text = json.dumps(base_record(), ensure_ascii=False)
    [with_bom] = run(write(tmp_path, "bom.json", codecs.BOM_UTF8 + text.encode("utf-8")))
    assert with_bom.ok and not with_bom.problems
    [utf16] = run(write(tmp_path, "u16.json", codecs.BOM_UTF16_LE + text.encode("utf-16-le")))
    assert utf16.ok and codes(utf16) == {"encoding.utf16"}


def test_undecodable_bytes(tmp_path: Path) -> None:
    [v] = run(write(tmp_path, "bin.json", b"\xff\xfe\xfd\x80\x81" * 3 + b"\x00"))
    assert not v.ok


def test_infinity_and_deep_nesting(tmp_path: Path) -> None:
    [v] = run(write(tmp_path, "inf.json", '{"a": Infinity}'))
    assert codes(v) == {"json.constant"}
    [deep] = run(write(tmp_path, "deep.json", "[" * 100 + "]" * 100))
    assert codes(deep) == {"limit.depth"}
    [deeper] = run(write(tmp_path, "deeper.json", "[" * 100_000 + "]" * 100_000))
    assert codes(deeper) == {"limit.depth"}


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "MAX_DOCUMENT_BYTES", 1000)
    [v] = run(write(tmp_path, "big.json", json.dumps(base_record())))
    assert codes(v) == {"limit.size"}


def test_array_and_json_lines(tmp_path: Path) -> None:
    a, b = base_record(), base_record()
    b["facility_id"] = "HP-XYZ"
    b["outdoor"]["area_m2"] = -1
    records = run(write(tmp_path, "arr.json", json.dumps([a, b], ensure_ascii=False)))
    assert [v.source.rsplit("#", 1)[1] for v in records] == ["1", "2"]
    assert [v.ok for v in records] == [True, False]
    lines = (
        json.dumps(a, ensure_ascii=False) + "\n\n" + "{broken\n" + json.dumps(b, ensure_ascii=False) + "\n"
    )
    records = run(write(tmp_path, "many.jsonl", lines))
    assert [(v.source.rsplit("#", 1)[1], v.ok) for v in records] == [("1", True), ("3", False), ("4", False)]
    assert records[1].problems[0].line == 3


def test_empty_array_and_missing_file(tmp_path: Path) -> None:
    [v] = run(write(tmp_path, "none.json", "[]"))
    assert codes(v) == {"json.empty_array"}
    [missing] = run(str(tmp_path / "nope.json"))
    assert codes(missing) == {"input.missing"}


def test_top_level_typo_is_refused_with_a_hint() -> None:
    record = base_record()
    record["ficility_id"] = record.pop("facility_id")
    v = next(iter(validate_items([loading.RawRecord("x", record)], TODAY)))
    messages = {p.path: p.message.en for p in v.problems}
    assert "$.facility_id" in messages and "required" in messages["$.facility_id"]
    assert "Did you mean 'facility_id'" in messages["$.ficility_id"]


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"schema_version": "2.0"}, "$.schema_version", "schema.const"),
        ({"division_code": "21010"}, "$.division_code", "schema.pattern"),
        ({"uscc": "52210102MJY20231AO"}, "$.uscc", "schema.pattern"),
        (
            {"location": {"crs": "EPSG:4326", "longitude": 123.4, "latitude": 41.8}},
            "$.location.crs",
            "schema.enum",
        ),
        (
            {"premises": {"tenure": "leased", "lease_start": "2026-01-01", "lease_end": "2025-01-01"}},
            "$.premises.lease_end",
            "lease.order",
        ),
        (
            {"classes": [{"id": "C1", "type": "infant", "min_age_months": 12, "max_age_months": 6}]},
            "$.classes[0].max_age_months",
            "class.age_range",
        ),
    ],
)
def test_field_rules(change: dict[str, Any], path: str, code: str) -> None:
    record = base_record()
    record.update(change)
    if "classes" in change:
        record.pop("rooms")
        record["safety"].pop("windows")
        record["safety"].pop("doors")
    v = next(iter(validate_items([loading.RawRecord("x", record)], TODAY)))
    assert (path, code) in {(p.path, p.code) for p in v.problems}, [(p.path, p.code) for p in v.problems]


def test_life_room_without_class_or_floor_is_located() -> None:
    record = base_record()
    record["rooms"][3] = {"id": "R104", "type": "sleeping"}
    v = next(iter(validate_items([loading.RawRecord("x", record)], TODAY)))
    found = {(p.path, p.code) for p in v.problems}
    assert ("$.rooms[3].class_id", "room.no_class") in found and (
        "$.rooms[3].floor",
        "room.no_floor",
    ) in found


def test_event_date_after_inspection() -> None:
    record = base_record()
    record["premises"]["maintenance_last_date"] = "2026-10-20"
    v = next(iter(validate_items([loading.RawRecord("x", record)], TODAY)))
    assert ("$.premises.maintenance_last_date", "date.after_inspection") in {
        (p.path, p.code) for p in v.problems
    }


def test_self_intersecting_site_boundary() -> None:
    record = base_record()
    record["location"]["site_boundary"] = {
        "type": "Polygon",
        "coordinates": [
            [[123.39, 41.78], [123.40, 41.79], [123.40, 41.78], [123.39, 41.79], [123.39, 41.78]]
        ],
    }
    v = next(iter(validate_items([loading.RawRecord("x", record)], TODAY)))
    assert "geometry.invalid" in codes(v)


def test_uscc_check_digit() -> None:
    assert check_character("91110000600037341") == "L"  # a code published with its check digit
    assert is_valid("91110000600037341L")
    assert not is_valid("91110000600037341M")
    assert not is_valid("91110000600037341")
