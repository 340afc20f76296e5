"""The CLI as users run it: exit codes, every output format against golden files, determinism."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facility_check.cli import app
from tests.helpers import ROOT

GOLDEN = Path(__file__).parent / "golden"
HAZARDS = [
    "--hazards",
    "samples/hazards/heping-hazards.geojson",
    "--hazards",
    "samples/hazards/heping-gcj02.geojson",
]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def golden(name: str, text: str, request: pytest.FixtureRequest) -> None:
    path = GOLDEN / name
    if request.config.getoption("--update-golden"):
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {name}: run pytest --update-golden"
    assert text == path.read_text(encoding="utf-8"), f"output differs from tests/golden/{name}"


CHECK = ["check", "samples/facilities/hp-002-typical-problems.json", *HAZARDS]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_check_formats_golden(fmt: str, request: pytest.FixtureRequest) -> None:
    code, out, _ = invoke(*CHECK, "--format", fmt)
    assert code == 1
    golden(f"check-hp-002.{ {'text': 'txt', 'markdown': 'md'}.get(fmt, fmt) }", out, request)


def test_check_english_golden(request: pytest.FixtureRequest) -> None:
    code, out, _ = invoke(*CHECK, "--lang", "en")
    assert code == 1
    golden("check-hp-002.en.txt", out, request)


def test_check_json_contract() -> None:
    code, out, _ = invoke(*CHECK, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["facility_id"] == "HP-002"
    assert report["scores"] == {"setup": 4.6, "management": 4.8}
    for a in report["articles"]:
        assert {"code", "standard", "article", "status", "counts", "title", "evidence"} <= set(a)
        assert a["standard"] in ("setup", "management") and isinstance(a["article"], int)
        assert a["status"] in ("met", "unmet", "unknown", "not_applicable")
    by_code = {a["code"]: a for a in report["articles"]}
    assert by_code["SET-19"]["status"] == "unmet"
    assert any(
        e["status"] == "unmet" and e["paths"] == ["$.classes[1].enrolled"] and e["measured"] == 19
        for e in by_code["SET-19"]["evidence"]
    )
    assert by_code["SET-1"]["counts"] is False
    assert report["siting"]["verdict"] == "noncompliant"
    [fs01] = [f for f in report["siting"]["findings"] if f["hazard_id"] == "FS-01"]
    assert fs01 == fs01 | {"distance_m": 38.0, "required_m": 50.0, "pass": False, "kind": "fuel_station"}
    assert report["design"]["verdict"] == "noncompliant"


def test_check_is_deterministic() -> None:
    first = invoke(*CHECK, "--format", "json")[1]
    assert first == invoke(*CHECK, "--format", "json")[1]


def test_check_exit_codes() -> None:
    assert invoke("check", "samples/facilities/hp-001-compliant.json", *HAZARDS)[0] == 0
    assert (
        invoke("check", "samples/facilities/hp-001-compliant.json")[0] == 1
    )  # SET-12 unknown without layers
    code, out, _ = invoke("check", "samples/broken/invalid-json.json")
    assert code == 2 and "invalid-json.json:5:1" in out
    assert invoke("check", "samples/facilities/hp-001-compliant.json", "--as-of", "2023-02-30")[0] == 2
    assert invoke("check", "samples/facilities/hp-001-compliant.json", "--format", "pdf")[0] == 2
    assert invoke("check", "samples/facilities/hp-001-compliant.json", "--overlay", "nope.yaml")[0] == 2


def test_assume_unknown_met_is_labelled() -> None:
    code, out, _ = invoke(
        "check", "samples/facilities/hp-006-self-check-gcj02.json", "--assume-unknown-met", "--format", "json"
    )
    report = json.loads(out)
    assert code == 1  # the best case is shown, but the findings remain
    assert report["scores_assume_unknown_met"] is True
    assert report["scores"]["management"] == 5 and report["score_details"]["management"]["score"] < 2
    text = invoke("check", "samples/facilities/hp-006-self-check-gcj02.json", "--assume-unknown-met")[1]
    assert "假定未知项均符合" in text


def test_an_earlier_as_of_does_not_reject_records() -> None:
    code, out, _ = invoke(
        "check", "samples/facilities/hp-001-compliant.json", "--as-of", "2024-01-01", "--format", "json"
    )
    report = json.loads(out)
    assert code == 1 and report["facility_id"] == "HP-001" and report["as_of"] == "2024-01-01"


def test_as_of_overrides_the_inspection_date() -> None:
    later = json.loads(
        invoke(
            "check", "samples/facilities/hp-001-compliant.json", "--as-of", "2027-12-31", "--format", "json"
        )[1]
    )
    by_code = {a["code"]: a["status"] for a in later["articles"]}
    assert later["as_of"] == "2027-12-31" and by_code["MGT-31"] == "unmet" and by_code["MGT-28"] == "unmet"


def test_self_check_golden(request: pytest.FixtureRequest) -> None:
    code, out, _ = invoke("self-check", "samples/facilities/hp-003-staff-and-rooms.json", *HAZARDS)
    assert code == 1
    golden("self-check-hp-003.txt", out, request)
    code, out, _ = invoke(
        "self-check", "samples/facilities/hp-006-self-check-gcj02.json", *HAZARDS, "--format", "json"
    )
    todo = json.loads(out)["todo"]
    assert todo[0]["kind"] == "fix" and todo[0]["code"] == "SET-12" and "WT-01" in todo[0]["actions"][0]
    supply = [t["code"] for t in todo if t["kind"] == "supply"]
    assert supply.index("SET-13") < supply.index("MGT-4") < supply.index("MGT-10")  # the standards' order
    assert [t["priority"] for t in todo] == sorted(t["priority"] for t in todo)
    assert any(t["kind"] == "supply" and "$.staff" in t["facts"] for t in todo)


def test_validate_golden(request: pytest.FixtureRequest) -> None:
    code, out, _ = invoke("validate", "samples/broken", "--as-of", "2026-11-24")
    assert code == 2
    golden("validate-broken.txt", out, request)
    code, out, _ = invoke(
        "validate", "samples/broken", "--as-of", "2026-11-24", "--format", "json", "--lang", "en"
    )
    golden("validate-broken.json", out, request)


def test_validate_stdin_and_ok() -> None:
    data = (ROOT / "samples/facilities/hp-001-compliant.json").read_bytes()
    assert invoke("validate", "-", stdin=data)[0] == 0
    assert invoke("validate", "-", stdin=b"{")[0] == 2
    two = (
        json.dumps(json.loads(data), ensure_ascii=False).encode()
        + b"\n"
        + json.dumps(json.loads(data), ensure_ascii=False).encode()
    )
    code, out, _ = invoke("validate", "-", stdin=two)
    assert code == 0 and "<stdin>#2" in out


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "csv"])
def test_district_formats_golden(fmt: str, request: pytest.FixtureRequest) -> None:
    code, out, _ = invoke("district", "samples/facilities", *HAZARDS, "--format", fmt)
    assert code == 1
    golden(f"district.{ {'text': 'txt', 'markdown': 'md'}.get(fmt, fmt) }", out, request)


def test_district_json_contract() -> None:
    d = json.loads(invoke("district", "samples/facilities", *HAZARDS, "--format", "json")[1])
    assert d["section"] == {
        "siting": 0.0,
        "design": 0.0,
        "setup": 4.68,
        "management": 4.33,
        "total": 9.02,
        "complete": True,
    }
    assert d["section_exact"]["setup"] == "281/60"
    assert (d["given"], d["evaluated"], d["rejected"]) == (6, 6, [])
    assert {f["facility_id"]: (f["setup"], f["management"]) for f in d["facilities"]}["HP-002"] == (4.6, 4.8)
    assert d["cost_siting"] == ["HP-002", "HP-004", "HP-006"] and d["cost_design"] == [
        "HP-002",
        "HP-003",
        "HP-005",
    ]
    assert d["unmet_articles"][0] == {"code": "SET-12", "title": "选址安全", "facilities": 4}


def test_district_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "d.xlsx"
    code, _, _ = invoke("district", "samples/facilities", *HAZARDS, "--format", "xlsx", "--out", str(out))
    assert code == 1
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["section", "facilities", "unmet_articles"]
    assert wb["facilities"].max_row == 7 and wb["section"]["C6"].value == 9.02
    first = out.read_bytes()
    invoke("district", "samples/facilities", *HAZARDS, "--format", "xlsx", "--out", str(out))
    assert out.read_bytes() == first  # same input, same bytes
    zipfile.ZipFile(io.BytesIO(first)).testzip()


def test_district_csv_out_writes_three_tables(tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    invoke("district", "samples/facilities", *HAZARDS, "--format", "csv", "--out", str(out))
    assert (
        out.is_file()
        and (tmp_path / "d-section.csv").is_file()
        and (tmp_path / "d-unmet_articles.csv").is_file()
    )


def test_district_incomplete_exits_2_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(
        (ROOT / "samples/facilities/hp-001-compliant.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    code, out, err = invoke("district", str(tmp_path), *HAZARDS, "--format", "json")
    d = json.loads(out)
    assert code == 2 and d["section"]["complete"] is False and d["rejected"][0]["source"].endswith("bad.json")
    assert "--allow-incomplete" in err
    assert invoke("district", str(tmp_path), *HAZARDS, "--allow-incomplete")[0] == 0


def test_district_empty(tmp_path: Path) -> None:
    code, out, err = invoke("district", str(tmp_path), "--format", "json")
    assert code == 2 and json.loads(out)["section"]["total"] is None and err


@pytest.mark.parametrize("fmt", ["text", "json", "geojson", "svg"])
def test_siting_formats_golden(fmt: str, request: pytest.FixtureRequest) -> None:
    code, out, _ = invoke(
        "siting",
        "samples/facilities/hp-002-typical-problems.json",
        "samples/facilities/hp-004-kindergarten-tuoban.json",
        *HAZARDS,
        "--format",
        fmt,
    )
    assert code == 1
    golden(f"siting.{ {'text': 'txt'}.get(fmt, fmt) }", out, request)


def test_siting_rejects_bad_layers(tmp_path: Path) -> None:
    layer = tmp_path / "bad.geojson"
    layer.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": "X",
                        "geometry": {"type": "Point", "coordinates": [1, 2]},
                        "properties": {"kind": "volcano"},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    code, _, err = invoke("siting", "samples/facilities/hp-001-compliant.json", "--hazards", str(layer))
    assert code == 2 and "bad.geojson::$.features[0]" in err


@pytest.mark.parametrize(
    ("code_", "fmt"), [("SET-19", "text"), ("SET-19", "json"), ("DES-JGJ39-4.1.9", "text")]
)
def test_explain_golden(code_: str, fmt: str, request: pytest.FixtureRequest) -> None:
    code, out, _ = invoke("explain", code_, "--format", fmt)
    assert code == 0
    golden(f"explain-{code_}.{ {'text': 'txt'}.get(fmt, fmt) }", out, request)


def test_explain_unknown_code_suggests() -> None:
    code, _, err = invoke("explain", "SET-91")
    assert code == 2 and "SET-" in err
    assert invoke("explain", "set-19")[0] == 0


def test_standards_lists_every_article() -> None:
    code, out, _ = invoke("standards", "--format", "json")
    articles = json.loads(out)["articles"]
    assert code == 0 and len([a for a in articles if a["standard"] == "setup"]) == 22
    assert len([a for a in articles if a["standard"] == "management"]) == 43
    assert invoke("standards")[0] == 0


def test_overlay_named_in_the_report() -> None:
    out = invoke(
        "check",
        "samples/facilities/hp-001-compliant.json",
        "--overlay",
        "samples/overlays/shenyang-local.yaml",
        "--format",
        "json",
    )[1]
    overlay = json.loads(out)["overlay"]
    assert overlay["name"].startswith("沈阳市和平区") and len(overlay["sha256"]) == 64


def test_version_and_module_entry_point() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "facility_check", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.startswith("facility-check ")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["check"], "用法错误：缺少参数"),
        (["check", "x.json", "--format", "pdf"], "--format 的取值无效"),
        (["check", "x.json", "--lang", "en", "--frmat", "json"], "usage error: No such option: --frmat"),
        (["nosuch"], "用法错误"),
    ],
)
def test_usage_errors_are_localised_and_exit_2(args: list[str], words: str) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "facility_check", *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["check-hp-002.html", "district.html", "notice-hp-002.html"])
def test_html_is_well_formed(name: str) -> None:
    from html.parser import HTMLParser

    void = {"meta", "br", "hr", "img", "input", "link", "col"}

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
    parser.feed((GOLDEN / name).read_text(encoding="utf-8"))
    assert parser.stack == []


@pytest.mark.parametrize("to_file", [True, False])
def test_the_program_exits_fast_with_its_whole_output_and_exit_code(tmp_path: Path, to_file: bool) -> None:
    """As a program, `facility-check` leaves a district's index to the process's exit (os._exit,
    no teardown): the report must still be complete, byte for byte, with the right exit code."""
    import subprocess
    import sys

    args = ["district", "samples/facilities", "--hazards", "samples/hazards/heping-hazards.geojson"]
    args += ["--format", "json", "--as-of", "2026-06-01"]
    code, expected, _ = invoke(*args)
    out = tmp_path / "district.json"
    result = subprocess.run(
        [sys.executable, "-m", "facility_check", *args, *(["--out", str(out)] if to_file else [])],
        capture_output=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == code == 1
    written = out.read_text(encoding="utf-8") if to_file else result.stdout.decode("utf-8")
    assert written == expected and written.endswith("}\n")


@pytest.mark.parametrize(("lang", "words"), [("zh", "内部错误（程序缺陷"), ("en", "internal error (a bug")])
def test_a_bug_exits_70_never_1_which_means_findings(lang: str, words: str) -> None:
    """A crash inside the program must not read as "findings" (exit 1) to a script: it says it
    is a bug, keeps the traceback for the report, and exits 70."""
    import subprocess
    import sys

    program = (
        "import sys\n"
        "from facility_check import cli, pipeline\n"
        "def boom(*args, **kwargs):\n"
        "    raise RuntimeError('boom')\n"
        "pipeline.catalogue = boom\n"
        f"sys.argv = ['facility-check', 'check', 'samples/facilities/hp-001-compliant.json', '--lang', '{lang}']\n"
        "cli.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 70, result.stderr
    assert words in result.stderr and "RuntimeError: boom" in result.stderr and "Traceback" in result.stderr
    assert result.stdout == ""
