"""The district command's dashboard (--profile / --dashboard): the rubric's dashboard, reused.

With the sample profile its figures are the rubric's for the same records; without a profile
only what the records give is shown and the rest is named as needing the profile.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facility_check.cli import app
from tests.helpers import ROOT

HAZARDS = [
    "--hazards",
    "samples/hazards/heping-hazards.geojson",
    "--hazards",
    "samples/hazards/heping-gcj02.geojson",
]
PROFILE = ["--profile", "samples/profiles/heping.yaml"]
DISTRICT = ["district", "samples/facilities", *HAZARDS]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def district_json(*extra: str) -> dict[str, object]:
    code, out, err = invoke(*DISTRICT, "--format", "json", *extra)
    assert code in (0, 1), err
    data: dict[str, object] = json.loads(out)
    return data


def test_with_profile_equals_the_rubric_dashboard() -> None:
    code, out, err = invoke(
        "rubric", "liaoning", "samples/facilities", *PROFILE, *HAZARDS, "--format", "json"
    )
    assert code in (0, 1), err
    rubric = json.loads(out)["dashboard"]
    dash = district_json(*PROFILE)["dashboard"]
    assert isinstance(dash, dict)
    assert {k: dash[k] for k in rubric} == rubric
    # the sample district's figures, by hand: 195 places ÷ 65,000 residents × 1000 = 3;
    # 5 filed of 6 registered = 250/3 % ≈ 83.33 %
    assert dash["places"] == 195 and dash["puhui_places"] == 85
    assert dash["places_per_1000_exact"] == "3" and dash["places_per_1000"] == "3.00"
    assert dash["filing_rate_exact"] == "250/3" and dash["filing_rate_percent"] == "83.33"
    assert dash["filed"] == 5 and dash["registered"] == 6
    assert dash["profile"] == "samples/profiles/heping.yaml"
    names = [r["name"] for r in dash["subdistricts"]]
    assert "南湖街道" in names and "未指定镇街" not in names
    assert sum(r["facilities"] for r in dash["subdistricts"]) == dash["facilities"] == 6


def test_without_profile_nothing_is_invented() -> None:
    dash = district_json("--dashboard")["dashboard"]
    assert isinstance(dash, dict)
    # no profile: no 镇街, no 普惠 places, no population, no registry
    assert [r["code"] for r in dash["subdistricts"]] == ["—"]
    assert dash["puhui_places"] is None and dash["subdistricts"][0]["puhui_places"] is None
    assert dash["places_per_1000"] is None and dash["filing_rate_percent"] is None
    assert dash["registered"] == 0 and dash["profile"] is None
    # a sample record has no filed capacity: the total is unknown, not a partial sum
    assert dash["places"] is None
    assert any("HP-006:$.filing.filed_capacity" in n for n in dash["notes"])
    for needed in ("$.population.residents", "$.market_registry", "puhui_places", "$.subdistricts"):
        assert any(needed in n for n in dash["notes"]), needed
    # what the records do give: facilities, filed ones (the records' own flag), findings
    assert dash["facilities"] == 6
    assert dash["filed"] == dash["subdistricts"][0]["filed"] == 5
    assert dash["filed_among_facilities_exact"] == "250/3"
    with_profile = district_json(*PROFILE)["dashboard"]
    assert isinstance(with_profile, dict)
    assert dash["with_findings"] == with_profile["with_findings"]


def test_no_dashboard_key_unless_asked() -> None:
    assert "dashboard" not in district_json()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_has_inline_svg_charts_and_no_network(lang: str) -> None:
    code, out, err = invoke(*DISTRICT, *PROFILE, "--format", "html", "--lang", lang)
    assert code in (0, 1), err
    assert out.count("<svg") == 2 and "<rect" in out
    assert "南湖街道" in out
    assert "<script" not in out.lower()
    # the SVG namespace name is an identifier, not a fetched address; nothing else may be a URL
    rest = out.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"https?://", rest)


def test_text_and_markdown_show_the_dashboard() -> None:
    _, out, _ = invoke(*DISTRICT, *PROFILE)
    assert "辖区概览" in out and "千人口托位数：3.00" in out and "备案率：83.33%（5/6）" in out
    _, out, _ = invoke(*DISTRICT, "--dashboard", "--format", "markdown", "--lang", "en")
    assert "## District dashboard" in out
    assert "filed among facilities in service: 5/6 = 83.33%" in out
    assert "profile: none (record figures only)" in out


def test_bad_profile_is_a_located_input_error() -> None:
    code, _, err = invoke(*DISTRICT, "--profile", "samples/profiles/does-not-exist.yaml")
    assert code == 2
    assert "does-not-exist.yaml" in err and "Traceback" not in err


def test_the_workbook_and_the_csv_carry_the_dashboard(tmp_path: Path) -> None:
    """Districts work in Excel: the dashboard is the ``dashboard`` sheet of the workbook and
    ``NAME-dashboard.csv`` beside ``--format csv --out NAME.csv``, with the same figures."""
    from openpyxl import load_workbook

    folder = tmp_path
    book = folder / "d.xlsx"
    code, _, err = invoke(*DISTRICT, *PROFILE, "--format", "xlsx", "--out", str(book))
    assert code in (0, 1), err
    wb = load_workbook(book)
    assert wb.sheetnames == ["section", "facilities", "unmet_articles", "dashboard"]
    rows = [[c for c in row if c is not None] for row in wb["dashboard"].iter_rows(values_only=True)]
    assert rows[0] == ["辖区概览"]
    total = next(r for r in rows if "合计" in r)
    assert 6 in total and 195 in total and 85 in total and 5 in total  # facilities, places, 普惠, filed
    lines = [r[0] for r in rows if len(r) == 1]
    assert "千人口托位数：3.00" in lines and "备案率：83.33%（5/6）" in lines
    assert any(x.startswith("辖区档案：samples/profiles/heping.yaml") for x in lines)
    code, _, err = invoke(*DISTRICT, "--dashboard", "--format", "csv", "--out", str(folder / "d.csv"))
    assert code in (0, 1), err
    csv_text = (folder / "d-dashboard.csv").read_text(encoding="utf-8")
    assert csv_text.startswith("辖区概览\n") and "合计" in csv_text
    invoke(*DISTRICT, "--format", "xlsx", "--out", str(book))
    assert "dashboard" not in load_workbook(book).sheetnames  # only when asked for
