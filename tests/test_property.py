"""Arbitrary JSON and arbitrary bytes: always a clean exit 0, 1 or 2 — never an uncaught exception."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from facility_check.cli import app
from tests.helpers import base_record

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)

KEYS = sorted(base_record())
# records that look like ours: real keys with arbitrary values, so validation goes past the first error
RECORDISH = st.fixed_dictionaries(
    {
        "schema_version": st.just("1.0"),
        "facility_id": st.text(min_size=1, max_size=8),
        "name": st.text(min_size=1, max_size=8),
    },
    optional={k: JSON for k in KEYS if k not in ("schema_version", "facility_id", "name")},
)

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _run(tmp_path: Path, data: bytes, command: str = "validate") -> int:
    path = tmp_path / "input.json"
    path.write_bytes(data)
    result = CliRunner().invoke(app, [command, str(path), "--as-of", "2026-11-24"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return int(result.exit_code)


@SETTINGS
@given(value=JSON)
def test_arbitrary_json_validate(tmp_path: Path, value: object) -> None:
    assert _run(tmp_path, json.dumps(value).encode()) in (0, 2)


@SETTINGS
@given(value=RECORDISH)
def test_record_like_json_check(tmp_path: Path, value: dict[str, object]) -> None:
    assert _run(tmp_path, json.dumps(value, ensure_ascii=False).encode(), "check") in (0, 1, 2)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    assert _run(tmp_path, data) in (0, 2)


@SETTINGS
@given(patch=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=3))
def test_sample_with_arbitrary_sections(tmp_path: Path, patch: dict[str, object]) -> None:
    record = base_record() | patch
    assert _run(tmp_path, json.dumps(record, ensure_ascii=False).encode(), "check") in (0, 1, 2)


@SETTINGS
@given(value=RECORDISH)
def test_fast_path_agrees_with_the_published_schema(value: dict[str, object]) -> None:
    """A record the strict models accept must be valid under schemas/facility.schema.json."""
    from facility_check.validate import _strict, schema_problems

    if _strict(value) is not None:
        assert schema_problems("x", value) == []


@SETTINGS
@given(patch=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=3))
def test_fast_path_agrees_on_near_samples(patch: dict[str, object]) -> None:
    from facility_check.validate import _strict, schema_problems

    record = base_record() | patch
    if _strict(record) is not None:
        assert schema_problems("x", record) == []
