"""Exact scores, and the worked example of shared/standards/scoring.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from facility_check.catalogue import load
from facility_check.district import compute
from facility_check.engine import Options
from facility_check.loading import RawRecord
from facility_check.scoring import facility_score, mean, round_half_up
from facility_check.siting import SitingIndex, load_layers
from tests.helpers import ROOT, apply_case, base_record

HAZARDS = [str(ROOT / "samples/hazards/heping-hazards.geojson")]


def test_facility_score_is_exact_and_floored() -> None:
    assert facility_score(3) == Decimal("4.7")
    assert str(facility_score(3)) == "4.7"
    assert facility_score(0) == Decimal(5)
    assert facility_score(50) == Decimal(0)  # never below 0
    assert [str(facility_score(n)) for n in range(1, 12)] == [f"{5 - n / 10:.1f}" for n in range(1, 12)]
    with pytest.raises(ValueError):
        facility_score(-1)


def test_mean_and_rounding() -> None:
    assert mean([]) is None  # an empty district has no average, never 5
    assert mean([Decimal("5.0"), Decimal("4.7"), Decimal("4.9")]) == Fraction(73, 15)
    assert round_half_up(Fraction(73, 15)) == Decimal("4.87")
    assert round_half_up(Fraction(29, 3)) == Decimal("9.67")
    assert round_half_up(Decimal("4.865")) == Decimal("4.87")  # half-up, not banker's
    assert round_half_up(Decimal("4.875")) == Decimal("4.88")
    assert round_half_up(Decimal("4.8")) == Decimal("4.80")


def _worked_example() -> list[RawRecord]:
    """A: setup 0 / management 2 unmet; B: setup 3 unmet incl. a fuel station at 38 m; C: setup 1 / management 4, infant rooms upstairs."""
    a = apply_case(
        base_record(),
        {
            "patch": {"facility_id": "A"},
            "set": {"$.operations.outdoor_minutes_per_day": 90, "$.operations.monitoring.retention_days": 60},
        },
    )
    b = apply_case(
        base_record(),
        {
            "take": {"location": "samples/facilities/hp-002-typical-problems.json"},
            "patch": {
                "facility_id": "B",
                "premises": {"lease_start": "2024-05-01", "lease_end": "2026-12-31"},
                "outdoor": {"protection_present": False},
            },
        },
    )
    c = apply_case(
        base_record(),
        {
            "patch": {"facility_id": "C"},
            "set": {
                "$.rooms[0].floor": 2,
                "$.rooms[1].floor": 2,
                "$.systems.parents_committee.in_place": False,
                "$.systems.daily_routine.in_place": False,
                "$.systems.activity_plan.in_place": False,
                "$.systems.morning_noon_checks.in_place": False,
            },
        },
    )
    return [RawRecord(f"example#{r['facility_id']}", r) for r in (a, b, c)]


def test_worked_example_of_scoring_md() -> None:
    cat = load()
    result = compute(
        _worked_example(),
        cat,
        Options(as_of=date(2026, 10, 15)),
        siting_index=SitingIndex(load_layers(HAZARDS), cat),
        today=date(2026, 11, 24),
    )
    rows = {r.facility_id: r for r in result.rows}
    assert (len(rows["A"].setup_unmet), len(rows["A"].management_unmet)) == (0, 2)
    assert (len(rows["B"].setup_unmet), len(rows["B"].management_unmet)) == (3, 0)
    assert (len(rows["C"].setup_unmet), len(rows["C"].management_unmet)) == (1, 4)
    assert rows["B"].siting == "noncompliant" and rows["C"].design == "noncompliant"
    assert result.siting == 0  # B
    assert result.design == 0  # C
    assert result.setup == Fraction(146, 30)  # (5.0 + 4.7 + 4.9) / 3
    assert result.rounded("setup") == Decimal("4.87")
    assert result.rounded("management") == Decimal("4.80")
    assert result.rounded("total") == Decimal("9.67")  # 9.6667: sum of the unrounded items, then rounded
    assert result.complete and result.exit_code() == 1
    section = result.to_dict("zh")["section"]
    assert section == {
        "siting": 0.0,
        "design": 0.0,
        "setup": 4.87,
        "management": 4.8,
        "total": 9.67,
        "complete": True,
    }
    assert result.to_dict("zh")["cost_siting"] == ["B"] and result.to_dict("zh")["cost_design"] == ["C"]


def test_full_marks_district() -> None:
    cat = load()
    record = apply_case(base_record(), {})
    result = compute(
        [RawRecord("one", record)],
        cat,
        Options(),
        siting_index=SitingIndex(load_layers(HAZARDS), cat),
        today=date(2026, 11, 24),
    )
    assert result.rounded("total") == Decimal("15.00") and result.exit_code() == 0


def test_empty_district_has_no_score() -> None:
    result = compute([], load(), Options(), today=date(2026, 11, 24))
    d = result.to_dict("en")
    assert (
        d["section"]["setup"] is None and d["section"]["total"] is None and d["section"]["complete"] is False
    )
    assert d["given"] == 0 and result.exit_code() == 2
    assert any("empty district" in r for r in d["reasons"]["setup"])


def test_rejected_record_marks_incomplete_and_keeps_denominator_honest() -> None:
    bad = RawRecord(
        "bad.json", {"schema_version": "1.0", "facility_id": "X", "name": "坏记录", "classes": "none"}
    )
    good = RawRecord("good.json", base_record())
    result = compute([good, bad], load(), Options(), today=date(2026, 11, 24))
    assert result.given == 2 and result.evaluated == 1 and not result.complete
    assert result.exit_code() == 2
    assert result.rejected[0].source == "bad.json" and result.rejected[0].problems[0].path == "$.classes"
    result.allow_incomplete = True
    assert result.exit_code() == 1  # siting unknown without layers: not full marks


def test_duplicate_ids_are_rejected_naming_both_sources() -> None:
    one, two = RawRecord("a.json", base_record()), RawRecord("b.json", base_record())
    result = compute([one, two], load(), Options(), today=date(2026, 11, 24))
    assert result.evaluated == 0 and len(result.rejected) == 2
    messages = [p.message.en for x in result.rejected for p in x.problems]
    assert any("b.json" in m for m in messages) and any("a.json" in m for m in messages)


def test_unknown_item_without_hazard_layers() -> None:
    result = compute([RawRecord("a", base_record())], load(), Options(), today=date(2026, 11, 24))
    d = result.to_dict("en")
    assert d["section"]["siting"] is None and d["section"]["total"] is None
    assert d["reasons"]["siting"]
