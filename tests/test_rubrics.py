"""Rubric packs: loading, every computed item with its boundary cases, the profile, the command."""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from facility_check.cli import app
from facility_check.record import Facility
from facility_check.rubrics import (
    Context,
    ProfileError,
    Record,
    RubricError,
    evaluate_item,
    load_profile,
    packs,
    parse,
    profile_json_schema,
)
from facility_check.rubrics.evaluate import ItemResult
from facility_check.rubrics.functions import window_start
from facility_check.rubrics.profile import Profile
from tests.helpers import ROOT, SAMPLES

PROFILE = SAMPLES / "profiles" / "heping.yaml"
SEEDS = Path("/work/shared/seeds")
SEED_FILES = {
    "liaoning": "002_c75771964a9a5f53.txt",
    "guangxi": "001_64b84d7d7af71a12.txt",
    "beijing": "000_82742724ada3d850.txt",
    "mentougou": "004_32c63dc5d030bfc6.txt",
}
HAZARDS = [
    str(SAMPLES / "hazards" / "heping-hazards.geojson"),
    str(SAMPLES / "hazards" / "heping-gcj02.geojson"),
]


def sample_records() -> list[dict[str, Any]]:
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((SAMPLES / "facilities").glob("*.json"))
    ]


def sample_profile() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    return data


def context(
    profile: dict[str, Any] | None = None,
    records: list[dict[str, Any]] | None = None,
    reference: date | None = None,
) -> Context:
    p = Profile.model_validate(profile if profile is not None else sample_profile())
    recs = tuple(
        Record(Facility.model_validate(r), f"{r['facility_id']}.json") for r in records or sample_records()
    )
    return Context(recs, p, None, reference or p.reference_date)


def item(pack: str, item_id: str, ctx: Context) -> ItemResult:
    matches = [i for i in packs()[pack].items if i.id == item_id]
    assert len(matches) == 1, item_id
    return evaluate_item(matches[0], ctx)


def facility_entry(profile: dict[str, Any], fid: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(f for f in profile["facilities"] if f["facility_id"] == fid)
    return entry


# --------------------------------------------------------------------------------------------
# Packs as data
# --------------------------------------------------------------------------------------------


def test_four_packs_ship_with_their_items_and_points() -> None:
    all_packs = packs()
    assert sorted(all_packs) == ["beijing", "guangxi", "liaoning", "mentougou"]
    assert [len(all_packs[k].items) for k in ("liaoning", "guangxi", "beijing", "mentougou")] == [
        31,
        33,
        34,
        5,
    ]
    for name in ("liaoning", "guangxi", "beijing"):
        assert sum(i.points or 0 for i in all_packs[name].items) == 100
    liaoning = {s.id: s.points for s in all_packs["liaoning"].sections}
    assert liaoning == {"（一）": 25, "（二）": 24, "（三）": 16, "（四）": 10, "（五）": 10, "（六）": 15}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are outside the repository")
@pytest.mark.parametrize("name", sorted(SEED_FILES))
def test_item_wording_is_the_rubrics_own(name: str) -> None:
    seed = re.sub(r"\s+", "", (SEEDS / SEED_FILES[name]).read_text(encoding="utf-8"))
    for it in packs()[name].items:
        assert re.sub(r"\s+", "", it.text) in seed, it.id
        for part in it.parts:
            if name in ("liaoning", "guangxi"):  # their rules are quoted; Beijing's form splits a sentence
                assert re.sub(r"\s+", "", part.text) in re.sub(r"\s+", "", it.text), (it.id, part.text)


def test_required_items_are_computed() -> None:
    computed = {name: {i.id for i in p.items if i.computed} for name, p in packs().items()}
    assert {"（三）5", "（五）2", "（五）5", "（六）1", "（六）2", "（六）3", "（六）4"} <= computed[
        "liaoning"
    ]
    assert {"1", "3", "21", "22", "26", "30", "33"} <= computed["guangxi"]
    assert {"17", "29"} <= computed["beijing"]
    assert computed["mentougou"] == {"M1", "M2", "M3", "M4", "M5"}
    beijing = {i.id: i for i in packs()["beijing"].items}
    assert beijing["28"].data and beijing["34"].data  # the data part of 28 and 34


def _pack_with(part: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "id": "t",
        "title": "t",
        "title_en": "t",
        "kind": "scored",
        "source": {"document": "d", "file": "f"},
        "sections": [
            {
                "id": "1",
                "title": "s",
                "items": [
                    {
                        "id": "1",
                        "number": "1",
                        "title": "x",
                        "points": 2,
                        "text": "x",
                        "scoring": "award",
                        "parts": [part],
                    }
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("compute", "words"),
    [
        ({"function": "no_such_function"}, "unknown function"),
        ({"function": "satisfaction_at_least", "params": {}}, "needs parameter 'percent'"),
        (
            {"function": "satisfaction_at_least", "params": {"percent": 90, "pct": 1}},
            "unknown parameter 'pct'",
        ),
        ({"function": "satisfaction_at_least", "params": {"percent": "ninety"}}, "should be number"),
        ({"function": "no_incidents", "params": {"kinds": ["fire"], "window_years": 2}}, "should be kinds"),
        ({"function": "district_section", "params": {"item": "setup"}}, "does not fit scoring award"),
    ],
)
def test_a_broken_computation_is_refused_at_load_with_its_path(compute: dict[str, Any], words: str) -> None:
    with pytest.raises(RubricError) as err:
        parse(_pack_with({"text": "r", "award": 2, "compute": compute}), "t.yaml")
    problem = err.value.problems[0]
    assert problem.path == "$.sections[0].items[0].parts[0].compute"
    assert words in problem.message.en


def test_pack_schema_errors_are_located_and_awards_must_add_up() -> None:
    bad = _pack_with(
        {"text": "r", "award": 2, "compute": {"function": "satisfaction_at_least", "params": {"percent": 90}}}
    )
    bad["sections"][0]["items"][0]["scoring"] = "guess"
    with pytest.raises(RubricError) as err:
        parse(bad, "t.yaml")
    assert err.value.problems[0].path == "$.sections[0].items[0].scoring"
    uneven = _pack_with(
        {"text": "r", "award": 1, "compute": {"function": "satisfaction_at_least", "params": {"percent": 90}}}
    )
    with pytest.raises(RubricError, match="awards do not add up"):
        parse(uneven, "t.yaml")


# --------------------------------------------------------------------------------------------
# Liaoning
# --------------------------------------------------------------------------------------------


def test_liaoning_3_5_above_the_provincial_average_keeps_its_points() -> None:
    r = item("liaoning", "（三）5", context())
    assert (r.status, r.score) == ("computed", 4)
    assert r.value()["places"] == 195 and r.value()["places_per_1000_exact"] == "3"
    assert r.value()["enrolled"] == 151 and r.value()["enrolment_rate_exact"] == "151/13"
    assert "HP-004:$.classes[0].enrolled = 20" in r.evidence()  # kindergarten classes are not counted
    assert "profile:$.facilities[3].places = 20" in r.evidence()
    assert "HP-001:$.filing.filed_capacity = 50" in r.evidence()


def test_liaoning_3_5_exactly_at_the_average_is_not_above() -> None:
    profile = sample_profile()
    profile["averages"]["places_per_1000"]["value"] = 3  # 195 / 65000 × 1000 = 3 exactly
    r = item("liaoning", "（三）5", context(profile))
    assert (r.status, r.score) == ("computed", 2)
    profile["averages"]["enrolment_rate_percent"]["value"] = 10
    profile["population"]["infants_under_3"]["value"] = 1510  # 151 / 1510 = 10 % exactly
    r = item("liaoning", "（三）5", context(profile))
    assert (r.status, r.score) == ("computed", 0)


def test_liaoning_3_5_names_the_missing_profile_field() -> None:
    profile = sample_profile()
    del profile["population"]["residents"]
    r = item("liaoning", "（三）5", context(profile))
    assert r.status == "needs_data" and r.score is None
    assert r.missing == ["profile:$.population.residents"]
    assert r.score_range == (Fraction(2), Fraction(4))  # enrolment is known to be above


def test_liaoning_5_2_filing_rate_below_100_deducts_and_lists_the_unfiled() -> None:
    r = item("liaoning", "（五）2", context())
    # the rubric's other rule (制度不完备) is for a reviewer: only the range is known
    assert (r.status, r.score, r.score_range) == ("manual", None, (Fraction(0), Fraction(1)))
    assert r.value()["unfiled"] == ["沈阳市和平区彩虹屋托育（筹）"]
    assert r.value()["filing_rate_exact"] == "250/3"
    profile = sample_profile()
    profile["market_registry"][5]["filed"] = True
    r = item("liaoning", "（五）2", context(profile))
    assert (r.status, r.score_range) == ("manual", (Fraction(1), Fraction(2)))
    assert r.value()["filing_rate_percent"] == "100.00"


def test_liaoning_5_2_without_the_registry_needs_data() -> None:
    profile = sample_profile()
    del profile["market_registry"]
    r = item("liaoning", "（五）2", context(profile))
    assert r.status == "needs_data" and r.missing == ["profile:$.market_registry"]


def test_a_registered_business_without_record_or_filing_status_is_named() -> None:
    profile = sample_profile()
    profile["market_registry"].append({"name": "某托育有限公司"})
    r = item("liaoning", "（五）2", context(profile))
    assert r.status == "needs_data" and r.missing == ["profile:$.market_registry[6].filed"]


@pytest.mark.parametrize(
    ("satisfied", "score"),
    [(90, 2), (89, 1)],  # exactly 90 % keeps the point
)
def test_liaoning_5_5_satisfaction_boundary(satisfied: int, score: int) -> None:
    profile = sample_profile()
    profile["survey"].update(respondents=100, satisfied=satisfied)
    r = item("liaoning", "（五）5", context(profile))
    assert (r.status, r.score) == ("computed", score)


@pytest.mark.parametrize(
    ("accident", "score"),
    [("2024-11-15", 0), ("2024-11-14", 2), ("2026-11-15", 0), ("2026-11-16", 2)],
)
def test_liaoning_5_5_accident_window(accident: str, score: int) -> None:
    """Exactly 2 years before the reference date counts; 2 years and 1 day does not; later ones neither."""
    profile = sample_profile()
    profile["incidents"].append(
        {
            "date": date.fromisoformat(accident),
            "kind": "safety_accident",
            "description": "摔伤",
            "facility_id": "HP-002",
        }
    )
    r = item("liaoning", "（五）5", context(profile))
    assert (r.status, r.score) == ("computed", score)


def test_liaoning_5_5_an_accident_sets_zero_even_without_a_survey() -> None:
    profile = sample_profile()
    del profile["survey"]
    assert item("liaoning", "（五）5", context(profile)).status == "needs_data"
    profile["incidents"].append({"date": date(2026, 1, 5), "kind": "safety_accident", "description": "烫伤"})
    r = item("liaoning", "（五）5", context(profile))
    assert (r.status, r.score) == ("computed", 0)


def test_an_undated_accident_in_a_record_needs_a_dated_profile_entry() -> None:
    records = sample_records()
    records[1]["incidents"]["safety_accidents"] = 1
    r = item("liaoning", "（五）5", context(records=records))
    assert r.status == "needs_data"
    assert "HP-002:$.incidents.safety_accidents = 1" in r.missing[0]
    profile = sample_profile()
    profile["incidents"].append(
        {"date": date(2023, 5, 1), "kind": "safety_accident", "description": "摔伤", "facility_id": "HP-002"}
    )
    r = item("liaoning", "（五）5", context(profile, records))
    assert (r.status, r.score) == ("computed", 2)  # dated, and outside the window


def test_no_reference_date_is_named() -> None:
    profile = sample_profile()
    del profile["reference_date"]
    r = item("liaoning", "（五）3", context(profile))
    assert r.status == "needs_data" and r.missing == ["profile:$.reference_date | --as-of"]


def test_window_start_on_29_february() -> None:
    assert window_start(date(2028, 2, 29), 2) == date(2026, 2, 28)
    assert window_start(date(2026, 11, 15), 2) == date(2024, 11, 15)


def test_liaoning_6_without_records_evaluated_needs_data() -> None:
    r = item("liaoning", "（六）3", context())  # no district section in this context
    assert r.status == "needs_data"


def test_liaoning_6_reuses_the_district_section_exactly() -> None:
    runner = CliRunner()
    hazards = [a for h in HAZARDS for a in ("--hazards", h)]
    district = runner.invoke(app, ["district", str(SAMPLES / "facilities"), *hazards, "--format", "json"])
    rubric = runner.invoke(
        app,
        [
            "rubric",
            "liaoning",
            str(SAMPLES / "facilities"),
            "--profile",
            str(PROFILE),
            *hazards,
            "--format",
            "json",
        ],
    )
    section = json.loads(district.stdout)["section_exact"]
    items = {i["id"]: i for i in json.loads(rubric.stdout)["items"]}
    for rubric_id, name in (
        ("（六）1", "siting"),
        ("（六）2", "design"),
        ("（六）3", "setup"),
        ("（六）4", "management"),
    ):
        assert items[rubric_id]["status"] == "computed"
        assert items[rubric_id]["score_exact"] == section[name]
    without = runner.invoke(
        app,
        ["rubric", "liaoning", str(SAMPLES / "facilities"), "--profile", str(PROFILE), "--format", "json"],
    )
    siting = next(i for i in json.loads(without.stdout)["items"] if i["id"] == "（六）1")
    assert siting["status"] == "needs_data" and "--hazards" in siting["missing"][0]


# --------------------------------------------------------------------------------------------
# Guangxi
# --------------------------------------------------------------------------------------------


def test_guangxi_1_and_22_strictly_above_the_average() -> None:
    assert item("guangxi", "1", context()).score == 8
    assert item("guangxi", "22", context()).score == 2
    profile = sample_profile()
    profile["averages"]["places_per_1000"]["value"] = "3.00"
    assert item("guangxi", "1", context(profile)).score == 0


def test_guangxi_3_filing_rate_against_the_regional_average() -> None:
    r = item("guangxi", "3", context())  # 83.33 % < 85 %: the 5 points are lost, 为民办实事 is manual
    assert (r.status, r.score_range) == ("manual", (Fraction(0), Fraction(3)))
    profile = sample_profile()
    profile["averages"]["filing_rate_percent"]["value"] = "83.333"
    r = item("guangxi", "3", context(profile))
    assert r.score_range == (Fraction(5), Fraction(8))


def test_guangxi_21_needs_two_programme_facilities_filed_and_operating() -> None:
    r = item("guangxi", "21", context())  # HP-004 yes, HP-006 not filed (registry)
    assert (r.status, r.score) == ("computed", 0) and r.value()["facilities"] == ["HP-004"]
    profile = sample_profile()
    facility_entry(profile, "HP-001")["special_programme"] = {"year": 2026}
    r = item("guangxi", "21", context(profile))
    assert (r.status, r.score) == ("computed", 2)
    profile = sample_profile()
    del profile["market_registry"][5]["filed"]
    r = item("guangxi", "21", context(profile))
    assert r.status == "needs_data" and r.missing == [
        "HP-006:$.filing.filed | profile:$.market_registry[5].filed"
    ]


def test_guangxi_26_two_provincial_model_facilities() -> None:
    r = item("guangxi", "26", context())
    assert r.score_range == (Fraction(0), Fraction(2)) and r.value()["facilities"] == ["HP-001"]
    profile = sample_profile()
    facility_entry(profile, "HP-003")["model_titles"].append(
        {"level": "provincial", "title": "辽宁省示范性托育机构", "year": 2026}
    )
    assert item("guangxi", "26", context(profile)).score_range == (Fraction(2), Fraction(4))


def test_guangxi_30_every_facility_visited_this_year() -> None:
    r = item("guangxi", "30", context())
    assert r.value()["not_visited"] == ["HP-006"] and r.score_range == (Fraction(0), Fraction(1))
    profile = sample_profile()
    profile["visits"].append({"facility_id": "HP-006", "date": date(2026, 1, 1)})
    assert item("guangxi", "30", context(profile)).score_range == (Fraction(1), Fraction(2))
    profile["visits"] = [
        v for v in profile["visits"] if v["facility_id"] != "HP-005" or v["date"].year != 2026
    ]
    r = item("guangxi", "30", context(profile))  # HP-005's only other visit is in 2025
    assert r.value()["not_visited"] == ["HP-005"]


@pytest.mark.parametrize(("when", "score"), [("2024-11-15", 0), ("2024-11-14", 2)])
def test_guangxi_33_two_years_without_petitions(when: str, score: int) -> None:
    profile = sample_profile()
    profile["incidents"][0]["date"] = date.fromisoformat(when)
    r = item("guangxi", "33", context(profile))
    assert (r.status, r.score) == ("computed", score)


# --------------------------------------------------------------------------------------------
# Beijing
# --------------------------------------------------------------------------------------------


def test_beijing_17_both_above_the_city_average() -> None:
    assert item("beijing", "17", context()).score == 4
    profile = sample_profile()
    profile["averages"]["places_per_1000"]["value"] = 3
    r = item("beijing", "17", context(profile))
    assert (r.status, r.score) == ("computed", 0)


def test_beijing_29_every_facility_filed() -> None:
    r = item("beijing", "29", context())
    assert (r.status, r.score) == ("computed", 0)
    profile = sample_profile()
    profile["market_registry"][5]["filed"] = True
    r = item("beijing", "29", context(profile))
    assert (r.status, r.score_range) == ("manual", (Fraction(0), Fraction(3)))


def test_beijing_28_and_34_give_the_data_to_the_reviewer() -> None:
    r = item("beijing", "34", context())
    assert r.status == "manual" and r.score is None
    assert r.value()["satisfaction_exact"] == "9525/103" and r.value()["incidents_in_window"] == 0
    assert item("beijing", "28", context()).value()["filing_rate_percent"] == "83.33"


# --------------------------------------------------------------------------------------------
# Mentougou
# --------------------------------------------------------------------------------------------


def test_mentougou_total_places_target_boundary() -> None:
    profile = sample_profile()
    facility_entry(profile, "HP-001")["places"] = 50 + 1055 - 195  # exactly 1055
    assert item("mentougou", "M1", context(profile)).passed is True
    facility_entry(profile, "HP-001")["places"] = 50 + 1054 - 195
    assert item("mentougou", "M1", context(profile)).passed is False


def test_mentougou_puhui_share_exactly_60_percent() -> None:
    profile = sample_profile()
    facility_entry(profile, "HP-002")["puhui_places"] = 32  # 85 + 32 = 117 = 60 % of 195
    r = item("mentougou", "M2", context(profile))
    assert r.passed is True and r.value()["share_exact"] == "60"
    facility_entry(profile, "HP-002")["puhui_places"] = 31
    assert item("mentougou", "M2", context(profile)).passed is False


def test_mentougou_a_subdistrict_with_19_places_is_listed() -> None:
    profile = sample_profile()
    profile["subdistricts"] = profile["subdistricts"][:5]
    facility_entry(profile, "HP-006")["places"] = 19
    r = item("mentougou", "M3", context(profile))
    assert r.passed is False
    assert r.value()["below"] == [{"code": "210102005", "name": "集贤街道", "places": 19}]
    facility_entry(profile, "HP-006")["places"] = 20
    assert item("mentougou", "M3", context(profile)).passed is True


def test_mentougou_puhui_coverage_of_subdistricts() -> None:
    r = item("mentougou", "M4", context())
    assert r.passed is False and r.value()["uncovered"] == ["太原街街道", "浑河湾街道"]
    profile = sample_profile()
    # 20 subdistricts, 17 covered: exactly 85 %
    profile["subdistricts"] = [
        {"code": f"2101020{n:02d}", "name": f"S{n}", "kind": "街道"} for n in range(20)
    ]
    records = []
    profile["facilities"] = []
    for n in range(20):
        rec = copy.deepcopy(sample_records()[0])
        rec["facility_id"] = f"X-{n}"
        records.append(rec)
        profile["facilities"].append(
            {"facility_id": f"X-{n}", "subdistrict": f"2101020{n:02d}", "puhui_places": 5 if n < 17 else 0}
        )
    r = item("mentougou", "M4", context(profile, records))
    assert r.passed is True and r.value()["coverage_exact"] == "85"
    profile["facilities"][16]["puhui_places"] = 0
    assert item("mentougou", "M4", context(profile, records)).passed is False


def test_mentougou_certified_carers_exactly_90_percent() -> None:
    record = sample_records()[0]  # 9 carers, all with 育婴员 certificates
    carers = [s for s in record["staff"] if s["role"] == "carer"]
    assert len(carers) == 9
    extra = copy.deepcopy(carers[0])
    extra["id"] = "S-X"
    extra["certificates"] = []
    record["staff"].append(extra)  # 9 of 10 = 90 %
    profile = sample_profile()
    r = item("mentougou", "M5", context(profile, [record]))
    assert r.passed is True and r.value()["rate_exact"] == "90"
    record["staff"][1]["certificates"][0]["valid_until"] = "2026-11-14"  # expired the day before
    r = item("mentougou", "M5", context(profile, [record]))
    assert r.passed is False and r.value()["certified"] == 8


def test_mentougou_missing_staff_is_named() -> None:
    r = item("mentougou", "M5", context())
    assert r.status == "needs_data" and r.missing == ["HP-006:$.staff"]


# --------------------------------------------------------------------------------------------
# Profile
# --------------------------------------------------------------------------------------------


def test_committed_profile_schema_is_generated_from_the_models() -> None:
    committed = json.loads((ROOT / "schemas" / "profile.schema.json").read_text(encoding="utf-8"))
    assert committed == profile_json_schema()
    jsonschema.Draft202012Validator.check_schema(committed)
    sample = json.loads(json.dumps(sample_profile(), default=str))
    jsonschema.Draft202012Validator(committed).validate(sample)


def test_rubric_schema_accepts_the_shipped_packs() -> None:
    schema = json.loads((ROOT / "schemas" / "rubric.schema.json").read_text(encoding="utf-8"))
    for path in sorted((ROOT / "rubrics").glob("*.yaml")):
        jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p["population"]["residents"].update(value=-1), "$.population.residents.value"),
        (lambda p: p["facilities"][3].update(puhui_places=30), "$.facilities[3]"),  # more than its 20 places
        (lambda p: p["facilities"][0].update(subdistrict="999999999"), "$"),
        (lambda p: p.update(surveys={}), "$.surveys"),
    ],
)
def test_a_bad_profile_is_located(tmp_path: Path, change: Any, path: str) -> None:
    profile = sample_profile()
    change(profile)
    target = tmp_path / "p.yaml"
    target.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(str(target))
    assert err.value.problems[0].path == path
    result = CliRunner().invoke(
        app, ["rubric", "liaoning", str(SAMPLES / "facilities"), "--profile", str(target)]
    )
    assert result.exit_code == 2 and path in result.stderr


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def test_rubric_list() -> None:
    result = CliRunner().invoke(app, ["rubric", "--list", "--format", "json"])
    assert result.exit_code == 0
    listing = {x["id"]: x for x in json.loads(result.stdout)}
    assert listing["liaoning"]["items"] == 31 and listing["mentougou"]["computed_items"] == 5


def test_rubric_json_items_have_the_published_keys() -> None:
    result = CliRunner().invoke(
        app, ["rubric", "guangxi", str(SAMPLES / "facilities"), "--profile", str(PROFILE), "--format", "json"]
    )
    assert result.exit_code == 1  # items not met
    data = json.loads(result.stdout)
    assert data["rubric"]["id"] == "guangxi"
    for it in data["items"]:
        assert {"id", "title", "points", "score", "status", "value", "basis", "evidence"} <= set(it)
        assert it["status"] in ("computed", "needs_data", "manual")
        if it["status"] != "computed":
            assert it["score"] is None
    assert data["dashboard"]["places"] == 195 and data["dashboard"]["filing_rate_percent"] == "83.33"


def test_unknown_rubric_and_missing_profile_are_usage_errors() -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["rubric", "hunan", str(SAMPLES / "facilities"), "--profile", str(PROFILE)])
    assert unknown.exit_code == 2 and "liaoning" in unknown.stderr
    no_profile = runner.invoke(app, ["rubric", "liaoning", str(SAMPLES / "facilities")])
    assert no_profile.exit_code == 2 and "--profile" in no_profile.stderr


def test_rejected_records_make_the_result_incomplete(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"schema_version": "1.0"}', encoding="utf-8")
    (tmp_path / "ok.json").write_text(
        (SAMPLES / "facilities" / "hp-001-compliant.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    args = ["rubric", "mentougou", str(tmp_path), "--profile", str(PROFILE), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["records"]["rejected"]
    assert CliRunner().invoke(app, [*args, "--allow-incomplete"]).exit_code == 1


def test_html_has_inline_svg_charts_and_no_network() -> None:
    result = CliRunner().invoke(
        app,
        ["rubric", "liaoning", str(SAMPLES / "facilities"), "--profile", str(PROFILE), "--format", "html"],
    )
    html = result.stdout
    assert html.count("<svg") == 2 and "浑河湾街道" in html
    assert "<script" not in html and "src=" not in html and "href=" not in html


def test_xlsx_is_the_filled_form_and_deterministic(tmp_path: Path) -> None:
    args = ["rubric", "liaoning", str(SAMPLES / "facilities"), "--profile", str(PROFILE), "--format", "xlsx"]
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    CliRunner().invoke(app, [*args, "--out", str(first)])
    CliRunner().invoke(app, [*args, "--out", str(second)])
    assert first.read_bytes() == second.read_bytes()
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(first.read_bytes()))
    assert wb.sheetnames == ["自评表", "镇街", "佐证"]
    rows = [[c.value for c in row] for row in wb["自评表"].iter_rows()]
    headings = [r[0] for r in rows if r[0] and r[1] is None and str(r[0]).startswith("（")]
    assert headings == [
        "（一）党政责任（25分）",
        "（二）政策支持（24分）",
        "（三）服务供给（16分）",
        "（四）创新融合（10分）",
        "（五）监管服务（10分）",
        "（六）服务质量（15分）",
    ]
    row = next(r for r in rows if r[0] == "（三）5")
    assert row[3] == 4 and row[4] == 4 and "千人口托位数 3.00" in row[6]
    assert zipfile.ZipFile(first).namelist()  # a valid archive
    assert any("chart" in n for n in zipfile.ZipFile(first).namelist())


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_every_format_is_deterministic(fmt: str) -> None:
    args = ["rubric", "mentougou", str(SAMPLES / "facilities"), "--profile", str(PROFILE), "--format", fmt]
    a, b = CliRunner().invoke(app, args), CliRunner().invoke(app, args)
    assert a.stdout == b.stdout and a.stdout


def test_schema_command_prints_the_rubric_and_profile_schemas() -> None:
    for name in ("rubric", "profile"):
        out = CliRunner().invoke(app, ["schema", name])
        assert out.exit_code == 0 and json.loads(out.stdout)["$schema"].endswith("2020-12/schema")


def test_markdown_keeps_one_line_per_evidence_row_and_the_missing_fields() -> None:
    out = (
        CliRunner()
        .invoke(
            app,
            [
                "rubric",
                "mentougou",
                str(SAMPLES / "facilities"),
                "--profile",
                str(PROFILE),
                "--format",
                "markdown",
            ],
        )
        .stdout
    )
    m1 = next(line for line in out.splitlines() if line.startswith("| M1 |"))
    assert "HP-001:$.filing.filed_capacity = 50<br>HP-002:$.filing.filed_capacity = 40" in m1
    m5 = next(line for line in out.splitlines() if line.startswith("| M5 |"))
    assert m5.endswith("| HP-006:$.staff |")


@pytest.mark.parametrize("name", ["liaoning", "guangxi", "beijing", "mentougou"])
def test_an_items_figures_never_overwrite_each_other(name: str) -> None:
    ctx = context()
    for it in packs()[name].items:
        r = evaluate_item(it, ctx)
        assert len(r.value()) == sum(len(o.value) for o in r.outcomes), it.id


def test_html_is_balanced_and_its_charts_are_valid_svg() -> None:
    from html.parser import HTMLParser
    from xml.etree import ElementTree

    html = (
        CliRunner()
        .invoke(
            app,
            ["rubric", "guangxi", str(SAMPLES / "facilities"), "--profile", str(PROFILE), "--format", "html"],
        )
        .stdout
    )
    void = {"meta", "br"}

    class Balance(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
            self.stack.pop()

    parser = Balance()
    parser.feed(html)
    assert parser.stack == []
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        bars = root.findall("{http://www.w3.org/2000/svg}rect")
        assert bars  # one bar per 镇街 with a value (the 普惠 series drawn over the places)


def test_an_unusable_hazard_feature_makes_the_result_incomplete(tmp_path: Path) -> None:
    layer = json.loads((SAMPLES / "hazards" / "heping-hazards.geojson").read_text(encoding="utf-8"))
    layer["features"].append(
        {"type": "Feature", "id": "BAD", "geometry": None, "properties": {"kind": "fuel_station"}}
    )
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(layer, ensure_ascii=False), encoding="utf-8")
    args = [
        "rubric",
        "liaoning",
        str(SAMPLES / "facilities"),
        "--profile",
        str(PROFILE),
        "--hazards",
        str(bad),
    ]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 2
    assert any("BAD" in x or "features[" in x for x in json.loads(result.stdout)["records"]["rejected"])


def test_english_output_labels() -> None:
    out = (
        CliRunner()
        .invoke(
            app,
            ["rubric", "liaoning", str(SAMPLES / "facilities"), "--profile", str(PROFILE), "--lang", "en"],
        )
        .stdout
    )
    assert "Items: 6 computed, 1 need data, 24 for a reviewer" in out
    assert "195 places ÷ 65000 residents × 1000 = 3" in out
