"""Per-article cases: ``tests/rules/cases/<CODE>.yaml``, one parametrised test (``pytest -k SET-19``).

Each case changes the fully compliant sample record (``take`` a section of another sample, a JSON
Merge ``patch``, ``set`` JSON paths), names the status the article must get, and optionally words its
message must contain and JSON paths its deciding evidence must name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import BASE_AS_OF, ROOT, apply_case, base_record, find, run_record

CASES_DIR = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["code"] == path.stem, f"{path.name} must hold the cases of {path.stem}"
        for case in data["cases"]:
            params.append(pytest.param(data["code"], case, id=f"{data['code']}-{case['name']}"))
    return params


@pytest.mark.parametrize(("code", "case"), _cases())
def test_article_case(code: str, case: dict[str, Any]) -> None:
    record = apply_case(base_record(), case)
    as_of = (
        BASE_AS_OF
        if "as_of" not in case
        else (None if case["as_of"] is None else date.fromisoformat(str(case["as_of"])))
    )
    hazards = [str(ROOT / h) for h in case.get("hazards", [])]
    report = run_record(record, as_of=as_of, hazards=hazards or None)
    result = find(report, code)
    messages = " | ".join(c.message.zh + " / " + c.message.en for c in result.checks)
    assert str(result.status) == case["expect"], f"{code} {case['name']}: got {result.status}: {messages}"
    wanted = case.get("message", [])
    for words in [wanted] if isinstance(wanted, str) else wanted:
        assert words in messages, f"{words!r} not in {messages!r}"
    deciding = [c for c in result.checks if c.status == result.status]
    paths = {p for c in deciding for p in c.paths}
    for path in case.get("paths", []):
        assert path in paths, f"{path} not among the evidence paths {sorted(paths)}"
