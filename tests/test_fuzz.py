"""Fuzz suite: hostile mutations of the samples through the real CLI.

Records, overlays, hazard layers and whole districts are mutated (types, ranges, missing parts,
huge and non-finite numbers, deep nesting, control and formula characters, odd encodings, broken
bytes) and run through the CLI. Every run must:

* raise no uncaught exception and exit 0, 1 or 2 only, with the right meaning (2 = input error,
  located; 0/1 = a report whose findings decide between them);
* give scores within their range, exactly as the rule computes them (decimal arithmetic);
* give the same bytes when repeated.

Profiles (``FACILITY_CHECK_FUZZ``): ``ci`` (default, about 300 inputs, derandomised, part of
``pytest``) and ``long`` (>= 100,000 inputs; see README, "Reliability")::

    FACILITY_CHECK_FUZZ=long python -m pytest tests/test_fuzz.py -q -p no:cacheprovider

``FACILITY_CHECK_FUZZ_SHARE=0.05`` runs a twentieth of it (new random inputs each time), so the
long profile can be run in parts on a busy machine.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from facility_check.cli import app
from tests.helpers import ROOT

PROFILE = os.environ.get("FACILITY_CHECK_FUZZ", "ci")
# examples per test: (ci, long); the long profile adds up to more than 100,000 inputs
EXAMPLES = {
    "record_check": (120, 60_000),
    "record_render": (40, 15_000),
    "overlay": (60, 15_000),
    "layer": (50, 10_000),
    "district": (12, 1_500),  # each example holds 2-4 records
}
_common = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("ci", derandomize=True, **_common)  # type: ignore[arg-type]
settings.register_profile("long", **_common)  # type: ignore[arg-type]
settings.load_profile("long" if PROFILE == "long" else "ci")


# A share of the long profile, to run it in parts (each part draws new random inputs)
SHARE = float(os.environ.get("FACILITY_CHECK_FUZZ_SHARE", "1"))


def examples(name: str) -> int:
    ci, long = EXAMPLES[name]
    return max(1, round(long * SHARE)) if PROFILE == "long" else ci


SAMPLES = sorted((ROOT / "samples" / "facilities").glob("*.json"))
SAMPLE_DATA = [json.loads(p.read_text(encoding="utf-8")) for p in SAMPLES]
OVERLAY_DATA = yaml.safe_load((ROOT / "samples/overlays/shenyang-local.yaml").read_text(encoding="utf-8"))
LAYER = ROOT / "samples/hazards/heping-hazards.geojson"
LAYER_DATA = json.loads(LAYER.read_text(encoding="utf-8"))
COMPLIANT = str(ROOT / "samples/facilities/hp-001-compliant.json")
HAZARDS = ["--hazards", str(LAYER)]
CONTROL = "\x00\x07\x1b\u202e"


@pytest.fixture(scope="module", autouse=True)
def _fast_cli() -> Iterator[None]:
    """Build the click command once (typer rebuilds it on every invoke: 40% of a run)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(typer.testing, "_get_command", functools.cache(typer.main.get_command))
        mp.chdir(ROOT)
        yield


def run(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run the CLI twice; no uncaught exception, exit 0/1/2, the same bytes both times."""
    outcomes = []
    for _ in range(2):
        result = CliRunner().invoke(app, args, input=stdin)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        outcomes.append((result.exit_code, result.stdout_bytes, result.stderr_bytes))
    assert outcomes[0] == outcomes[1], "output differs on repeat"
    code, out, err = outcomes[0]
    assert code in (0, 1, 2), code
    event(f"{args[0]}: exit {code}")  # shown by --hypothesis-show-statistics
    text_out, text_err = out.decode("utf-8"), err.decode("utf-8")
    for stream in (text_out, text_err):
        assert not any(ch in stream for ch in CONTROL), "a control character reached the output"
        assert "Traceback" not in stream
    return code, text_out, text_err


# ----------------------------------------------------------------------------------------------
# Hostile values and mutations
# ----------------------------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    " ",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "阳光\x1b[2J托育",
    "a\nb",
    "\u202eevil",
    "\x00",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "x" * 600,
    "WGS84",
    "GCJ02",
    "NaN",
]
ODD_NUMBERS = [0, -1, 1, 2**31, 2**63, 10**30, -(10**30), 1e308, -1e308, 5e-324, -0.0, 0.5, 1e-9, 180.0, 90.1]


def _nested(depth: int) -> Any:
    value: Any = 1
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


hostile: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from(ODD_NUMBERS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=20),
    st.dates().map(lambda d: d.isoformat()),
    st.lists(st.integers(-1000, 1000) | st.sampled_from(ODD_STRINGS), max_size=4),
    st.dictionaries(st.sampled_from(["id", "type", "x", "area_m2"]), st.integers(-5, 5), max_size=3),
    st.integers(min_value=2, max_value=120).map(_nested),
)

# literals only raw JSON text can hold: non-finite, overflowing and overlong numbers
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E-400", "9" * 5000, "-0", "1.0e+308"]
_NUMBER_VALUE = re.compile(r'(?<=": )-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?')


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON value, depth first."""
    out: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            out.append((node, key))
            stack.append(child)
    return out


HOSTILE_ACTIONS = ["replace", "replace", "replace", "delete", "add", "tweak", "wrap"]
GENTLE_ACTIONS = ["delete", "tweak", "tweak"]  # mostly still valid: facts missing or numbers changed


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_changes: int = 4, gentle: bool = False) -> Any:
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=max_changes))):
        slots = _slots(data)
        if not slots:
            break
        parent, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(GENTLE_ACTIONS if gentle else HOSTILE_ACTIONS))
        if action == "replace":
            parent[key] = draw(hostile)
        elif action == "delete":
            del parent[key]
        elif action == "add":
            if isinstance(parent, dict):
                parent[draw(st.sampled_from(["extra", "x_date", "date", "id", "type", "coordinates"]))] = (
                    draw(hostile)
                )
            else:
                parent.append(draw(hostile))
        elif action == "tweak" and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
            factors = [0, 0.5, 1.5, 2] if gentle else [-1, 0, 2, 10, 1000, 1e6, 0.5]
            parent[key] = type(parent[key])(parent[key] * draw(st.sampled_from(factors)))
        elif action == "wrap":
            parent[key] = [parent[key]] if draw(st.booleans()) else {"value": parent[key]}
    return data


@st.composite
def encoded(draw: st.DrawFn, data: Any, gentle: bool = False) -> bytes:
    """JSON text of ``data``, perhaps with raw number literals, an odd encoding or broken bytes."""
    text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    if gentle:
        return text.encode("utf-8")
    if draw(st.integers(0, 3)) == 0:
        numbers = list(_NUMBER_VALUE.finditer(text))
        if numbers:
            match = draw(st.sampled_from(numbers))
            text = text[: match.start()] + draw(st.sampled_from(RAW_NUMBERS)) + text[match.end() :]
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "utf-32", "gb18030", "latin-1"]))
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    damage = draw(st.integers(0, 9))
    if damage == 0 and raw:
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif damage == 1 and raw:
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
    return raw


# ----------------------------------------------------------------------------------------------
# Oracles
# ----------------------------------------------------------------------------------------------


def assert_input_error(code: int, out: str, err: str) -> None:
    """Exit 2: every rejected record (or the overlay / layer) is named with a located problem."""
    assert code == 2
    try:
        doc = json.loads(out) if out.strip() else None
    except json.JSONDecodeError:
        doc = None
    located = "::$" in err
    if isinstance(doc, dict):
        records = doc.get("records", []) + doc.get("rejected", [])
        for record in records:
            problems = record.get("problems") or record.get("errors") or []
            located = located or any(p["path"].startswith("$") and p["message"] for p in problems)
    assert located, (out[:500], err[:500])


def assert_report(report: dict[str, Any]) -> bool:
    """Scores exact and within 0..5; returns whether the facility has something to fix."""
    for std in ("setup", "management"):
        details = report["score_details"][std]
        counted = [a for a in report["articles"] if a["counts"] and a["standard"] == std]
        unmet = sum(1 for a in counted if a["status"] == "unmet")
        unknown = sum(1 for a in counted if a["status"] == "unknown")
        assert (details["unmet"], details["unknown"]) == (unmet, unknown)
        expected = max(Decimal(0), Decimal(5) - Decimal("0.1") * (unmet + unknown))
        assert Decimal(str(details["score"])) == expected
        assert Decimal(0) <= expected <= Decimal(5)
        assert Decimal(str(report["scores"][std])) == expected
    siting = report["siting"]
    return bool(
        not report["compliant"]
        or report["design"]["verdict"] != "compliant"
        or (siting is not None and siting["verdict"] != "compliant")
    )


def assert_check(code: int, out: str, err: str) -> None:
    """Exit 2 with located problems, or reports whose findings decide between exit 0 and 1."""
    if code == 2:
        assert_input_error(code, out, err)
        return
    doc = json.loads(out)
    reports = doc.get("reports", [doc])
    assert reports
    findings = [assert_report(report) for report in reports]
    assert code == (1 if any(findings) else 0)


# ----------------------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------------------


@st.composite
def record_input(draw: st.DrawFn) -> bytes:
    base = draw(st.sampled_from(SAMPLE_DATA))
    gentle = draw(st.booleans())  # half mostly still valid, to exercise evaluation and rendering
    return draw(encoded(draw(mutated(base, gentle=gentle)), gentle=gentle))


@settings(max_examples=examples("record_check"))
@given(raw=record_input(), hazards=st.booleans())
def test_fuzz_check_records(raw: bytes, hazards: bool) -> None:
    code, out, err = run(["check", "-", "--format", "json", *(HAZARDS if hazards else [])], raw)
    assert_check(code, out, err)


@settings(max_examples=examples("record_render"))
@given(
    raw=record_input(),
    command=st.sampled_from(
        [
            ["check", "-", "--format", "text"],
            ["check", "-", "--format", "markdown"],
            ["check", "-", "--format", "html"],
            ["self-check", "-"],
            ["validate", "-", "--format", "json"],
            ["validate", "-"],
            ["siting", "-", *HAZARDS, "--format", "json"],
        ]
    ),
    lang=st.sampled_from(["zh", "en"]),
)
def test_fuzz_every_command_and_format(raw: bytes, command: list[str], lang: str) -> None:
    code, out, err = run([*command, "--lang", lang], raw)
    if command[0] == "validate":
        assert code in (0, 2)
        if "json" in command:
            records = json.loads(out)["records"]
            assert (code == 0) == all(r["valid"] for r in records)
    elif code == 2:
        assert out.strip() or err.strip()


# ----------------------------------------------------------------------------------------------
# Overlays
# ----------------------------------------------------------------------------------------------

_SETUP = yaml.safe_load((ROOT / "standards/setup-standard.yaml").read_text(encoding="utf-8"))
LOCAL_ARTICLES = [  # national entries turned into local ones (a new code), to mutate their parameters
    {**entry, "document": "setup", "code": f"SET-L{index}"}
    for index, entry in enumerate(_SETUP["articles"])
    if entry.get("predicate") and entry.get("parameters")
]

RAW_YAML = [
    ".nan",
    ".inf",
    "-.inf",
    "9" * 5000,
    "1e400",
    "*nowhere",
    "!!python/object:os.system x",
    "[" * 300,
]


@st.composite
def overlay_text(draw: st.DrawFn) -> str:
    gentle = draw(st.booleans())
    data = draw(mutated(OVERLAY_DATA, max_changes=3, gentle=gentle))
    if draw(st.booleans()) and isinstance(data, dict):  # a change of a real parameter of a real article
        code, name, value = draw(
            st.sampled_from(
                [
                    ("SET-20", "ratios", {"infant": 3, "toddler": 5, "older": 7}),
                    ("SET-20", "mixed_ratio", 6),
                    ("SET-19", "class_limits", {"infant": 10, "toddler": 15, "older": 20, "mixed": 18}),
                    ("SET-11", "lease_years_min", 3),
                    ("MGT-32", "retention_days_min", 90),
                    ("MGT-31", "plans", ["fire", "stampede"]),
                    ("DES-JGJ39-4.2.3", "areas_m2", {"infant": {"sleeping": 30}}),
                    ("DES-GB50016-5.4.4", "max_floor_by_grade", {"1": 3, "2": 3, "3": 2, "4": 1}),
                ]
            )
        )
        change = draw(mutated({"v": value}, gentle=gentle))
        params = data.setdefault("parameters", {}) if isinstance(data.get("parameters"), dict) else {}
        params.setdefault(code, {})
        if isinstance(params[code], dict):
            params[code][name] = {
                "value": change.get("v") if isinstance(change, dict) else change,
                "source": "x",
            }
    if isinstance(data, dict) and draw(st.integers(0, 3)) == 0:  # a local article, its parameters mutated
        article = copy.deepcopy(draw(st.sampled_from(LOCAL_ARTICLES)))
        article["parameters"] = draw(mutated(article["parameters"], max_changes=2, gentle=gentle))
        data["articles"] = [article]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if not gentle and draw(st.integers(0, 3)) == 0:
        values = list(re.finditer(r"(?<=value: ).+$", text, re.M))
        if values:
            match = draw(st.sampled_from(values))
            text = text[: match.start()] + draw(st.sampled_from(RAW_YAML)) + text[match.end() :]
    if not gentle and draw(st.integers(0, 9)) == 0:
        text = "x: &a [1, 2]\ny: [*a, *a]\n" + text
    return text


@settings(max_examples=examples("overlay"))
@given(text=overlay_text(), fmt=st.sampled_from(["json", "json", "text"]))
def test_fuzz_overlays(text: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "overlay.yaml"
        path.write_text(text, encoding="utf-8")
        code, out, err = run(["check", COMPLIANT, *HAZARDS, "--overlay", str(path), "--format", fmt])
        if code == 2:
            assert str(path) in err, err[:500]  # the overlay is named, with a location
        elif fmt == "json":
            assert_check(code, out, err)


# ----------------------------------------------------------------------------------------------
# Hazard layers
# ----------------------------------------------------------------------------------------------


@st.composite
def layer_bytes(draw: st.DrawFn) -> bytes:
    data = draw(mutated(LAYER_DATA, max_changes=3))
    return draw(encoded(data))


@settings(max_examples=examples("layer"))
@given(raw=layer_bytes(), command=st.sampled_from(["siting", "check"]))
def test_fuzz_hazard_layers(raw: bytes, command: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.geojson"
        path.write_bytes(raw)
        code, out, err = run([command, COMPLIANT, "--hazards", str(path), "--format", "json"])
        if code == 2:
            assert str(path) in err or "<" in err, err[:500]
        elif command == "check":
            assert_check(code, out, err)


# ----------------------------------------------------------------------------------------------
# Districts
# ----------------------------------------------------------------------------------------------

ITEM_POINTS = {"siting": 2.5, "design": 2.5, "setup": 5, "management": 5, "total": 15}


@settings(max_examples=examples("district"))
@given(
    records=st.lists(record_input(), min_size=2, max_size=4),
    jsonl=st.booleans(),
    allow=st.booleans(),
    hazards=st.booleans(),
)
def test_fuzz_districts(records: list[bytes], jsonl: bool, allow: bool, hazards: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if jsonl:  # one JSON Lines file: each record on its own line
            lines = [r.decode("utf-8", "replace").replace("\n", " ").replace("\r", " ") for r in records]
            (Path(folder) / "all.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            for index, raw in enumerate(records):
                (Path(folder) / f"r{index}.json").write_bytes(raw)
        args = ["district", folder, "--format", "json", *(HAZARDS if hazards else [])]
        code, out, _ = run([*args, "--allow-incomplete"] if allow else args)
    result = json.loads(out)
    section, exact = result["section"], result["section_exact"]
    for name, points in ITEM_POINTS.items():
        if exact[name] is not None:
            assert Fraction(0) <= Fraction(exact[name]) <= Fraction(points)
    if all(exact[n] is not None for n in ITEM_POINTS):
        assert Fraction(exact["total"]) == sum(Fraction(exact[n]) for n in ITEM_POINTS if n != "total")
    if result["evaluated"] == 0 or (not section["complete"] and not allow):
        assert code == 2
    else:
        assert code == (0 if exact["total"] is not None and Fraction(exact["total"]) == 15 else 1)
    assert result["given"] == result["evaluated"] + len(result["rejected"])
