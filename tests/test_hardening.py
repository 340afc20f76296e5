"""Regression tests of issue 15: inputs that crashed or silently misled, and output injection.

Each test names the defect it guards; each failed before the fix (a traceback, exit 1 read as
"findings", or a silent "compliant").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from facility_check.cli import app
from tests.helpers import ROOT, base_record

HAZARDS = ["--hazards", "samples/hazards/heping-hazards.geojson"]
COMPLIANT = "samples/facilities/hp-001-compliant.json"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def overlay(path: Path, body: str) -> str:
    path.write_text("overlay: 1\nname: test\n" + body, encoding="utf-8")
    return str(path)


# ----------------------------------------------------------------------------------------------
# 1. Integers longer than 4,300 digits
# ----------------------------------------------------------------------------------------------

HUGE = "9" * 5000


def test_huge_integer_in_a_record_file_is_a_located_input_error(tmp_path: Path) -> None:
    text = json.dumps(base_record(), ensure_ascii=False).replace(
        '"filed_capacity": 50', f'"filed_capacity": {HUGE}'
    )
    assert HUGE in text
    path = tmp_path / "huge.json"
    path.write_text(text, encoding="utf-8")
    for command in ("validate", "check"):
        code, out, _ = invoke(command, str(path), "--format", "json", "--lang", "en")
        assert code == 2
        problem = json.loads(out)["records"][0]["problems"][0] if command == "validate" else None
        if problem is not None:
            assert problem["code"] == "json.number"
            assert problem["line"] == 1 and problem["column"] > 1
            assert "4300 digits" in problem["message"]


@pytest.mark.parametrize("lines", [1, 2])
def test_huge_integer_on_stdin_is_an_input_error(lines: int) -> None:
    text = "\n".join(f'{{"a": {HUGE}}}' for _ in range(lines))
    code, out, _ = invoke("validate", "-", "--lang", "en", stdin=text.encode())
    assert code == 2
    assert "more than 4300 digits" in out


def test_huge_integer_in_a_json_lines_file_rejects_that_line_only(tmp_path: Path) -> None:
    good = json.dumps(base_record(), ensure_ascii=False)
    path = tmp_path / "two.jsonl"
    path.write_text(good + "\n" + f'{{"a": {HUGE}}}\n', encoding="utf-8")
    code, out, _ = invoke("validate", str(path), "--format", "json")
    assert code == 2
    records = json.loads(out)["records"]
    assert [r["valid"] for r in records] == [True, False]
    assert records[1]["problems"][0]["line"] == 2


def test_huge_integer_in_a_hazard_layer_is_an_input_error(tmp_path: Path) -> None:
    layer = json.loads((ROOT / "samples/hazards/heping-hazards.geojson").read_text(encoding="utf-8"))
    text = json.dumps(layer).replace('"FeatureCollection"', '"FeatureCollection", "x": ' + HUGE, 1)
    path = tmp_path / "layer.geojson"
    path.write_text(text, encoding="utf-8")
    code, _, err = invoke("check", COMPLIANT, "--hazards", str(path), "--lang", "en")
    assert code == 2
    assert "4300 digits" in err


# ----------------------------------------------------------------------------------------------
# 2. Non-finite numbers
# ----------------------------------------------------------------------------------------------


def test_1e400_area_is_rejected_not_read_as_infinity(tmp_path: Path) -> None:
    text = json.dumps(base_record(), ensure_ascii=False).replace('"area_m2": 32.0', '"area_m2": 1e400', 1)
    assert "1e400" in text
    path = tmp_path / "inf.json"
    path.write_text(text, encoding="utf-8")
    code, out, _ = invoke("validate", str(path), "--format", "json", "--lang", "en")
    assert code == 2
    problem = json.loads(out)["records"][0]["problems"][0]
    assert problem["code"] == "json.number"
    assert "infinity" in problem["message"]


def test_models_refuse_nan_and_infinity_from_python() -> None:
    from pydantic import ValidationError

    from facility_check.record import Facility

    data = base_record()
    data["rooms"][0]["area_m2"] = float("inf")
    with pytest.raises(ValidationError):
        Facility.model_validate(data)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
@pytest.mark.parametrize("command", ["check", "siting"])
def test_non_finite_siting_distance_in_an_overlay_is_refused(
    tmp_path: Path, value: str, command: str
) -> None:
    path = overlay(tmp_path / "o.yaml", f"siting:\n  fuel_station: {{value: {value}, source: x}}\n")
    code, out, err = invoke(command, COMPLIANT, *HAZARDS, "--overlay", path, "--lang", "en")
    assert code == 2, out
    assert "$.siting.fuel_station.value" in err
    assert "not a finite number" in err


def test_non_finite_parameter_in_an_overlay_is_refused(tmp_path: Path) -> None:
    path = overlay(tmp_path / "o.yaml", "parameters:\n  SET-20:\n    mixed_ratio: {value: .nan, source: x}\n")
    code, _, err = invoke("check", COMPLIANT, "--overlay", path, "--lang", "en")
    assert code == 2
    assert "$.parameters.SET-20.mixed_ratio.value" in err


def test_siting_distance_beyond_100_km_is_refused(tmp_path: Path) -> None:
    path = overlay(tmp_path / "o.yaml", "siting:\n  fuel_station: {value: 1.0e+300, source: x}\n")
    code, _, err = invoke("siting", COMPLIANT, *HAZARDS, "--overlay", path, "--lang", "en")
    assert code == 2
    assert "at most 100000 m" in err


# ----------------------------------------------------------------------------------------------
# 3. YAML bombs and deep nesting in overlays
# ----------------------------------------------------------------------------------------------


def test_billion_laughs_overlay_is_refused_at_its_first_alias(tmp_path: Path) -> None:
    lines = ["x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    path = tmp_path / "laughs.yaml"
    text = "overlay: 1\nname: laughs\n" + "\n".join(lines) + "\narticles: [*a9]\n"  # 9**10 nodes
    path.write_text(text, encoding="utf-8")
    assert len(path.read_bytes()) < 1024
    code, _, err = invoke("check", COMPLIANT, "--overlay", str(path), "--lang", "en")
    assert code == 2
    assert "aliases" in err and "not allowed" in err
    assert f"{path}:4:" in err  # the first alias, line 4


def test_deeply_nested_overlay_is_a_located_yaml_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("overlay: 1\nname: deep\nauthority: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, _, err = invoke("check", COMPLIANT, "--overlay", str(path), "--lang", "en")
    assert code == 2
    assert "deeper than the limit of 32" in err
    assert f"{path}:3:" in err  # line 3, with its column


def test_huge_integer_in_an_overlay_is_an_input_error(tmp_path: Path) -> None:
    path = overlay(tmp_path / "o.yaml", f"siting:\n  fuel_station: {{value: {HUGE}, source: x}}\n")
    code, _, err = invoke("check", COMPLIANT, "--overlay", path, "--lang", "en")
    assert code == 2
    assert "unreadable number" in err


# ----------------------------------------------------------------------------------------------
# 4. Geometry of records (the hazard-layer side belongs to siting)
# ----------------------------------------------------------------------------------------------


def _mixed_dimensions() -> dict[str, Any]:
    data = base_record()
    data["location"]["site_boundary"]["coordinates"][0][1].append(10.0)
    return data


@pytest.mark.parametrize("command", ["validate", "check"])
def test_boundary_mixing_2_and_3_number_positions_is_a_located_error(tmp_path: Path, command: str) -> None:
    path = write(tmp_path / "mixed.json", _mixed_dimensions())
    code, out, err = invoke(command, path, "--lang", "en")
    assert code == 2
    assert "$.location.site_boundary.coordinates[0][1]" in out + err
    assert "mixed coordinate dimensions" in out + err


def test_one_mixed_boundary_does_not_abort_a_district(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    write(folder / "a.json", base_record())
    bad = _mixed_dimensions()
    bad["facility_id"] = "HP-999"
    write(folder / "b.json", bad)
    code, out, _ = invoke("district", str(folder), *HAZARDS, "--format", "json")
    assert code == 2  # incomplete
    result = json.loads(out)
    assert result["evaluated"] == 1
    assert result["rejected"][0]["errors"][0]["code"] == "geometry.dimension"


def test_boundary_position_out_of_range_is_an_error(tmp_path: Path) -> None:
    data = base_record()
    ring = data["location"]["site_boundary"]["coordinates"][0]
    ring[2] = [523.3964406, 41.7890801]
    code, out, _ = invoke("validate", write(tmp_path / "r.json", data), "--format", "json")
    assert code == 2
    problem = json.loads(out)["records"][0]["problems"][0]
    assert problem["code"] == "geometry.range"
    assert problem["path"] == "$.location.site_boundary.coordinates[0][2]"


def _swapped_in_xinjiang() -> dict[str, Any]:
    """A site in Urumqi written [lat, lon]: both numbers in range, the point outside China."""
    data = base_record()
    data["location"]["longitude"], data["location"]["latitude"] = 43.8, 87.6
    del data["location"]["site_boundary"]
    return data


def test_swapped_coordinates_are_warned_by_check_siting_and_district(tmp_path: Path) -> None:
    path = write(tmp_path / "xj.json", _swapped_in_xinjiang())
    _, out, _ = invoke("check", path, *HAZARDS, "--lang", "en")
    assert "look swapped" in out
    _, _, err = invoke("siting", path, *HAZARDS, "--lang", "en")
    assert "look swapped" in err
    folder = tmp_path / "d"
    folder.mkdir()
    write(folder / "xj.json", _swapped_in_xinjiang())
    _, out, err = invoke("district", str(folder), *HAZARDS, "--format", "json", "--lang", "en")
    assert "look swapped" in err
    assert json.loads(out)["record_warnings"][0]["code"] == "location.swapped"


def test_swapped_boundary_without_a_point_is_warned(tmp_path: Path) -> None:
    data = base_record()
    loc = data["location"]
    del loc["longitude"], loc["latitude"]
    loc["site_boundary"]["coordinates"] = [[[43.8, 87.6], [43.801, 87.6], [43.801, 87.601], [43.8, 87.6]]]
    _, out, _ = invoke("validate", write(tmp_path / "b.json", data), "--format", "json")
    codes = [p["code"] for p in json.loads(out)["records"][0]["problems"]]
    assert "location.swapped" in codes


# ----------------------------------------------------------------------------------------------
# 6. Overlay parameter values are checked against the parameter they override
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "value", "words"),
    [
        ("SET-20", "mixed_ratio", "many", "must be a number"),
        ("SET-20", "mixed_ratio", "0", "greater than 0"),
        ("SET-20", "mixed_ratio", "6.5", "whole number"),
        ("SET-20", "ratios", "{infant: 3, toddler: 5}", "exactly the keys"),
        ("SET-20", "ratios", "{infant: 3, toddler: 5, older: -7}", "older: "),
        ("SET-19", "class_limits", "[10, 15]", "must be a mapping"),
        ("SET-11", "lease_years_min", "true", "must be a number"),
        ("SET-11", "warn_remaining_days", "10000000000", "at most 36500"),
        ("MGT-37", "min_share", "1.5", "at most 1"),
        ("MGT-26", "food_licence", "yes please", "true or false"),
        ("MGT-31", "plans", "[fire, flood]", '"flood" is not one'),
        ("SET-19", "age_ranges_months", "{infant: [6], toddler: [12, 24], older: [24, 36]}", "2 items"),
        ("DES-JGJ39-3.2.2", "per_child_m2", "-1", "greater than 0"),
    ],
)
def test_overlay_parameter_value_is_type_and_range_checked(
    tmp_path: Path, code: str, name: str, value: str, words: str
) -> None:
    path = overlay(
        tmp_path / "o.yaml", f"parameters:\n  {code}:\n    {name}: {{value: {value}, source: x}}\n"
    )
    rc, _, err = invoke("check", COMPLIANT, "--overlay", path, "--lang", "en")
    assert rc == 2, err
    assert f"$.parameters.{code}.{name}.value" in err
    assert words in err


def test_overlay_parameter_values_that_fit_are_accepted(tmp_path: Path) -> None:
    body = (
        "parameters:\n"
        "  SET-20:\n    mixed_ratio: {value: 6, source: x}\n"
        "  MGT-31:\n    plans: {value: [fire, stampede], source: x}\n"
        "  DES-JGJ39-3.2.2:\n    per_child_m2: {value: 2.5, source: x}\n"
    )
    rc, out, err = invoke(
        "explain", "SET-20", "--overlay", overlay(tmp_path / "o.yaml", body), "--format", "json"
    )
    assert rc == 0, err
    assert json.loads(out)["parameters"]["mixed_ratio"]["value"] == 6


# ----------------------------------------------------------------------------------------------
# 5. Output injection: spreadsheet formulas, HTML in Markdown, control characters
# ----------------------------------------------------------------------------------------------

HOSTILE_NAME = "=cmd|' /C calc'!A0<script>alert(1)</script>\u202e"
HOSTILE_FILE = "a\x1b[2J\x07.json"  # a file name reaches every report as the record's source


def _hostile_district(tmp_path: Path, name: str = HOSTILE_NAME) -> str:
    folder = tmp_path / "hostile"
    folder.mkdir()
    data = base_record()
    data["name"] = name
    write(folder / HOSTILE_FILE, data)
    return str(folder)


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_cells_starting_a_formula_are_written_as_text(tmp_path: Path, start: str) -> None:
    import csv
    import io

    folder = _hostile_district(tmp_path, start + "1+1 托育")
    code, out, _ = invoke("district", folder, "--format", "csv")
    assert code in (0, 1)
    rows = list(csv.reader(io.StringIO(out)))
    names = [row[1] for row in rows[1:] if len(row) > 1]
    assert names[0] == "'" + start + "1+1 托育"
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_xlsx_cells_are_never_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "d.xlsx"
    invoke("district", _hostile_district(tmp_path), "--format", "xlsx", "--out", str(target))
    workbook = load_workbook(target)
    cells = [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    cell = workbook["facilities"]["B2"]
    # the exact name, stored as text: a string cell is never evaluated
    assert cell.data_type == "s" and isinstance(cell.value, str) and cell.value.startswith("=cmd")


def test_csv_tables_written_with_out_are_guarded_too(tmp_path: Path) -> None:
    target = tmp_path / "d.csv"
    invoke("district", _hostile_district(tmp_path), "--format", "csv", "--out", str(target))
    assert ",'=cmd" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["check", "district"])
def test_markdown_escapes_html_from_names(tmp_path: Path, command: str) -> None:
    folder = _hostile_district(tmp_path)
    _, out, _ = invoke(command, folder, "--format", "markdown")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "--format", "markdown"],
        ["check", "--format", "html"],
        ["self-check"],
        ["district"],
        ["district", "--format", "csv"],
        ["district", "--format", "markdown"],
        ["district", "--format", "json"],
        ["siting", *HAZARDS],
        ["siting", *HAZARDS, "--format", "svg"],
        ["validate"],
    ],
)
def test_control_characters_never_reach_the_terminal(tmp_path: Path, args: list[str]) -> None:
    folder = _hostile_district(tmp_path)
    _, out, err = invoke(args[0], folder, *args[1:])
    for stream in (out, err):
        assert not any(ch in stream for ch in "\x1b\x07\u202e"), args
    assert "\\u001b" in out + err or "\\u202e" in out + err


@pytest.mark.parametrize("name", ["阳光托育\n选址安全: 符合", "阳光\x1b[2J托育", "阳光\x00托育"])
def test_control_characters_in_a_name_are_a_validation_error(tmp_path: Path, name: str) -> None:
    data = base_record()
    data["name"] = name
    code, out, _ = invoke("check", write(tmp_path / "r.json", data), "--format", "json", "--lang", "en")
    assert code == 2
    problem = json.loads(out)["records"][0]["problems"][0]
    assert problem["path"] == "$.name"
    assert "control characters" in problem["message"]


def test_neutralise_keeps_json_valid_and_meaning_intact() -> None:
    from facility_check.render.base import dump_json, neutralise

    value = {"name": "a\x7f\x85\u202eb", "n": 1}
    text = neutralise(dump_json(value))
    assert not any(ch in text for ch in "\x7f\x85\u202e")
    assert json.loads(text) == value


# ----------------------------------------------------------------------------------------------
# 7. Nothing skipped silently
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [("blank.jsonl", "\n\n   \n"), ("empty.json", "")])
def test_blank_json_lines_and_empty_json_agree(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, out, _ = invoke("validate", str(path), "--format", "json", "--lang", "en")
    assert code == 2
    assert json.loads(out)["records"][0]["problems"][0]["code"] == "json.empty"


def _odd_directory(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "a.json", base_record())
    (folder / "broken.json").symlink_to(folder / "nowhere.json")
    (folder / "loop.json").symlink_to(folder / "loop.json")
    (folder / "dir.json").mkdir()
    (folder / "sub").mkdir()
    write(folder / "sub" / "b.json", base_record())
    (folder / "linkdir").symlink_to(folder / "sub")
    (folder / "README.md").write_text("not a record", encoding="utf-8")
    return folder


EXPECTED_ODD = {
    "broken.json": "input.link",
    "dir.json": "input.subdirectory",
    "linkdir": "input.subdirectory",
    "loop.json": "input.link",
    "sub": "input.subdirectory",
}


def test_directory_entries_that_cannot_be_read_are_listed_with_the_reason(tmp_path: Path) -> None:
    folder = _odd_directory(tmp_path)
    code, out, _ = invoke("validate", str(folder), "--format", "json", "--lang", "en")
    assert code == 2
    records = json.loads(out)["records"]
    listed = {Path(r["source"]).name: r["problems"][0]["code"] for r in records if not r["valid"]}
    assert listed == EXPECTED_ODD
    assert [Path(r["source"]).name for r in records if r["valid"]] == ["a.json"]
    loop = next(r for r in records if r["source"].endswith("loop.json"))
    assert "loops" in loop["problems"][0]["message"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_district_lists_unreadable_directory_entries_as_rejected(tmp_path: Path, workers: str) -> None:
    folder = _odd_directory(tmp_path)
    code, out, _ = invoke("district", str(folder), "--format", "json", "--workers", workers)
    assert code == 2
    result = json.loads(out)
    assert {Path(r["source"]).name: r["errors"][0]["code"] for r in result["rejected"]} == EXPECTED_ODD
    assert result["section"]["complete"] is False


def test_help_says_subdirectories_are_not_read() -> None:
    import typer

    group = typer.main.get_command(app)
    for command in ("validate", "check", "district"):
        inputs = group.commands[command].params[0]
        assert "不递归读取子目录" in inputs.help and "not recursively" in inputs.help


def test_district_csv_on_stdout_carries_the_incomplete_marker(tmp_path: Path) -> None:
    folder = _odd_directory(tmp_path)
    code, out, _ = invoke("district", str(folder), "--format", "csv", "--lang", "en")
    assert code == 2
    assert out.splitlines()[-1].startswith("!! INCOMPLETE result")
    _, complete, _ = invoke("district", "samples/facilities", "--format", "csv", *HAZARDS)
    assert "INCOMPLETE" not in complete and "不完整" not in complete


LOCAL_ARTICLE = """articles:
  - document: setup
    code: SET-L1
    chapter: 地方
    title: 本地保育人员配比
    title_en: Local ratio
    requirement: x
    binds: facility
    counts: true
    kind: automatic
    predicate: carer_ratio
    text_status: confirmed
    parameters:
      ratios: {value: RATIOS, source: x}
    examples:
      compliant: {set: {"$.classes[2].enrolled": 14, "$.classes[2].carers": 2}}
      noncompliant: {set: {"$.classes[2].enrolled": 15, "$.classes[2].carers": 2}}
"""


@pytest.mark.parametrize(
    ("ratios", "words"),
    [
        ("many", "must be a mapping"),
        ("{infant: .nan}", "not a finite number"),
        ("{infant: x}", "must be a number"),
    ],
)
def test_local_article_parameters_are_checked_against_the_predicate(
    tmp_path: Path, ratios: str, words: str
) -> None:
    path = overlay(tmp_path / "o.yaml", LOCAL_ARTICLE.replace("RATIOS", ratios))
    code, _, err = invoke("check", COMPLIANT, "--overlay", path, "--lang", "en")
    assert code == 2  # before: AttributeError inside the predicate, exit 1
    assert "$.articles[0]" in err and words in err


def test_local_article_with_fitting_parameters_is_evaluated(tmp_path: Path) -> None:
    path = overlay(tmp_path / "o.yaml", LOCAL_ARTICLE.replace("RATIOS", "{infant: 3, toddler: 5, older: 7}"))
    code, out, err = invoke("check", COMPLIANT, "--overlay", path, "--format", "json")
    assert code in (0, 1), err
    assert "SET-L1" in {a["code"] for a in json.loads(out)["articles"]}


@pytest.mark.parametrize("fmt", ["markdown", "html", "text", "json"])
def test_reports_written_with_out_hold_no_control_characters(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "report.out"
    invoke("check", _hostile_district(tmp_path), "--format", fmt, "--out", str(target))
    text = target.read_text(encoding="utf-8")
    assert text and not any(ch in text for ch in "\x1b\x07\u202e")
