"""The published JSON Schema and the pydantic models agree."""

from __future__ import annotations

import json

import jsonschema
from typer.testing import CliRunner

from facility_check.cli import app
from facility_check.record import facility_json_schema
from tests.helpers import ROOT, base_record


def test_committed_schema_is_generated_from_the_models() -> None:
    committed = json.loads((ROOT / "schemas" / "facility.schema.json").read_text(encoding="utf-8"))
    assert committed == facility_json_schema(), "regenerate with: python tools/make_schema.py"


def test_schema_is_valid_2020_12_and_accepts_the_samples() -> None:
    schema = facility_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(base_record())


def test_schema_command_prints_it() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == facility_json_schema()
    for name in ("hazards", "overlay", "catalogue"):
        out = CliRunner().invoke(app, ["schema", name])
        assert out.exit_code == 0 and json.loads(out.stdout)["$schema"].endswith("2020-12/schema")
