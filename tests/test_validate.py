"""The validator: every kind of bad input gets a located, readable problem — never a traceback."""

from __future__ import annotations

import codecs
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ----------------------------------------------------------------------------------------------
# The fast reading of a record (orjson) is used only where it agrees with the exact one
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        '{"premises": {"area_m2": 1, "area_m2": 2}}',  # nested
        '{"rooms": [{"id": "a"}, {"id": "b", "id": "c"}]}',  # in an array's object
        '{"name" : "08:00", "a": "x:y", "name" : "z"}',  # colons in values, space before the colon
        '{"name": "", "name": "\\u003a"}',  # an escaped colon makes up for the lost key's colon
        '{"name": "\\u003A", "x": 1, "name": 2}',
        '{"n": 18446744073709551616, "n": 1}',  # with a number orjson cannot hold as an integer
    ],
)
def test_duplicate_keys_are_found_in_every_position(tmp_path: Path, line: str) -> None:
    valid = json.dumps(base_record(), ensure_ascii=False)
    [good, bad] = run(write(tmp_path, "dup.jsonl", f"{valid}\n{line}\n"))
    assert good.ok
    assert [(p.code, p.line) for p in bad.problems] == [("json.duplicate_key", 2)]
    assert bad.problems[0].column is not None


def test_a_key_repeated_with_an_escape_is_a_duplicate(tmp_path: Path) -> None:
    [v] = run(write(tmp_path, "dup.jsonl", '{"name": "x", "n\\u0061me": "y"}\n'))
    assert [(p.code, p.found) for p in v.problems] == [("json.duplicate_key", "name")]


@pytest.mark.parametrize(
    "number", [18446744073709551616, -9223372036854775809, 10**40, 2**64 - 1, -(2**63), 10**18]
)
def test_integers_beyond_64_bits_stay_integers(number: int) -> None:
    value = loading.parse_json(f'{{"n": {number}, "m": [{number}]}}', "s")
    assert value == {"n": number, "m": [number]}
    assert type(value["n"]) is int and type(value["m"][0]) is int


@pytest.mark.parametrize(
    ("literal", "code"),
    [
        ("1e400", "json.number"),
        ("-1E+400", "json.number"),
        ("NaN", "json.constant"),
        ("-Infinity", "json.constant"),
    ],
)
def test_non_finite_numbers_are_refused_in_json_lines(tmp_path: Path, literal: str, code: str) -> None:
    [v] = run(
        write(tmp_path, "n.jsonl", f'{{"schema_version": "1.0", "premises": {{"area_m2": {literal}}}}}\n')
    )
    assert [(p.code, p.source) for p in v.problems] == [(code, v.source)] and v.source.endswith("n.jsonl#1")


_KEYS = st.sampled_from(["a", "b", "名", ":", "a:b", '"', "\\", "date"])
_NUMBER = st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?", fullmatch=True)
# a JSON value as text, objects as lists of pairs so that keys can repeat
_TREE: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=8)
    | _NUMBER.map(lambda literal: ("number", literal)),
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(st.tuples(_KEYS | st.text(max_size=3), children), max_size=4).map(lambda p: ("object", p))
    ),
    max_leaves=20,
)


def _to_text(tree: Any, escape_colons: bool, ascii_only: bool, space: str) -> str:
    def string(s: str) -> str:
        text = json.dumps(s, ensure_ascii=ascii_only)
        return text.replace(":", "\\u003a") if escape_colons else text

    if isinstance(tree, tuple) and tree[0] == "number":
        return str(tree[1])
    if isinstance(tree, tuple):
        members = (
            f"{string(k)}{space}:{space}{_to_text(v, escape_colons, ascii_only, space)}" for k, v in tree[1]
        )
        return "{" + f",{space}".join(members) + "}"
    if isinstance(tree, list):
        return "[" + f",{space}".join(_to_text(v, escape_colons, ascii_only, space) for v in tree) + "]"
    if isinstance(tree, str):
        return string(tree)
    return json.dumps(tree)


@settings(max_examples=400, deadline=None)
@given(
    tree=_TREE,
    escape_colons=st.booleans(),
    ascii_only=st.booleans(),
    space=st.sampled_from(["", " ", "\n\t "]),
)
def test_fast_reading_agrees_with_the_exact_reading(
    tree: Any, escape_colons: bool, ascii_only: bool, space: str
) -> None:
    text = _to_text(tree, escape_colons, ascii_only, space)
    fast = loading._fast_parse(text)
    try:
        exact = loading._exact_parse(text, "s", 0)
    except loading._Reject:  # a duplicate key, a number out of range …: the fast reading must step aside
        assert fast is loading._UNSURE
        return
    if fast is not loading._UNSURE:
        assert repr(fast) == repr(exact)  # the same values of the same types, keys in the same order


_DATE_KEYS = st.sampled_from(
    ["date", "last_date", "update", "x-y_date", "dates", "名_date", "inspection_date"]
)
_DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)
_DATED: st.SearchStrategy[Any] = st.recursive(
    _DATES | st.integers(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_DATE_KEYS, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    data=st.dictionaries(_DATE_KEYS | st.just("inspection"), _DATED, max_size=5),
    separators=st.sampled_from([(", ", ": "), (",", ":"), (" , ", " : ")]),
)
def test_late_dates_are_looked_for_exactly_as_before(
    data: dict[str, Any], separators: tuple[str, str]
) -> None:
    """The quick search for late dates decides as the exact pattern does (the walk then locates them)."""
    from facility_check import validate

    text = json.dumps(data, ensure_ascii=False, separators=separators)
    inspection = validate._iso(validate._get(data, "inspection", "inspection_date"))
    limit = (min(TODAY, inspection) if inspection is not None else TODAY).isoformat()
    before = any(iso > limit for iso in validate._DATE_VALUE.findall(text))
    assert validate._dates_need_walk(data, text, TODAY) == before


def test_the_fast_reading_is_used_and_can_be_done_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert loading._ORJSON_USABLE  # the installed orjson refuses what the exact reading refuses
    text = json.dumps(base_record(), ensure_ascii=False)
    assert loading._fast_parse(text) == base_record()
    name = write(tmp_path, "r.jsonl", f'{text}\n{{"a": 1, "a": 2}}\n')
    with_orjson = [(v.ok, v.problems, v.data) for v in run(name)]
    monkeypatch.setattr(loading, "_ORJSON_USABLE", False)
    assert loading._fast_parse(text) is loading._UNSURE
    assert [(v.ok, v.problems, v.data) for v in run(name)] == with_orjson
