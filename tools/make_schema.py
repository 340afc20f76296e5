"""Regenerates schemas/facility.schema.json from the pydantic models (tests/test_schema.py checks it)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from facility_check.record import facility_json_schema  # noqa: E402

(ROOT / "schemas" / "facility.schema.json").write_text(
    json.dumps(facility_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
)
