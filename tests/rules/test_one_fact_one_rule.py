"""Articles that speak of the same obligation agree on every record (the digest's one-fact-one-rule).

Each scenario changes only the facts of one shared obligation in the compliant sample; the articles
that share it must then reach the same status, so a facility can never be "not applicable" under
one and "unmet" under the other.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.helpers import BASE_AS_OF, apply_case, base_record, find, run_record

GUARD = 11  # $.staff[11] is the security guard of the sample

OPERATORS = ["independent", "employer", "community", "kindergarten_class", None]
GUARDS: dict[str, dict[str, Any]] = {
    "on-duty": {},
    "off-duty": {f"$.staff[{GUARD}].on_duty": False},
    "on-duty-not-stated": {f"$.staff[{GUARD}].on_duty": None},
    "no-guard": {f"$.staff[{GUARD}].role": "admin"},
}


@pytest.mark.parametrize(
    ("operator", "guard"), list(itertools.product(OPERATORS, GUARDS)), ids=lambda v: str(v)
)
def test_guard_on_duty_same_verdict_under_set21_and_mgt29(operator: str | None, guard: str) -> None:
    record = apply_case(base_record(), {"patch": {"operator_type": operator}, "set": GUARDS[guard]})
    report = run_record(record, as_of=BASE_AS_OF)
    set21, mgt29 = find(report, "SET-21"), find(report, "MGT-29")
    assert set21.status == mgt29.status, (operator, guard, set21.summary().en, mgt29.summary().en)
    if operator not in (None, "independent"):
        assert str(set21.status) == "met"  # the host's security applies


MEALS: dict[str, dict[str, Any]] = {
    "serves": {"meals": {"serves_meals": True}},
    "no-meals": {"meals": {"serves_meals": False}},
    "not-stated": {"meals": {"serves_meals": None}},
}
LICENCES: dict[str, dict[str, Any]] = {
    "valid": {},
    "valid-through-today": {"$.documents.food_licence.valid_until": "2026-10-15"},
    "expired-yesterday": {"$.documents.food_licence.valid_until": "2026-10-14"},
    "missing": {"$.documents.food_licence.present": False},
    "not-recorded": {"$.documents.food_licence": None},
}


@pytest.mark.parametrize(("meals", "licence"), list(itertools.product(MEALS, LICENCES)))
def test_food_licence_same_verdict_under_mgt4_and_mgt26(meals: str, licence: str) -> None:
    record = apply_case(base_record(), {"patch": MEALS[meals], "set": LICENCES[licence]})
    report = run_record(record, as_of=BASE_AS_OF)
    mgt4, mgt26 = find(report, "MGT-4"), find(report, "MGT-26")
    # MGT-26 also covers drinking water, which the sample has: the licence decides both
    expected = {"met", "not_applicable"}
    assert (str(mgt4.status) in expected) == (str(mgt26.status) in expected), (meals, licence)
    assert (mgt4.status == "unknown") == (mgt26.status == "unknown"), (meals, licence)


@pytest.mark.parametrize("role", ["health", "admin"])
def test_health_staff_same_verdict_under_set18_and_set21(role: str) -> None:
    record = apply_case(base_record(), {"set": {"$.staff[10].role": role}})
    report = run_record(record, as_of=BASE_AS_OF)
    assert find(report, "SET-18").status == find(report, "SET-21").status
