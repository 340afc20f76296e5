"""The built wheel carries standards/ and schemas/ and works in a clean virtual environment."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    [built] = out.glob("facility_check-*.whl")
    return built


def test_wheel_ships_the_catalogue_and_schemas(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("setup-standard.yaml", "management-norms.yaml", "design-codes.yaml", "siting.yaml"):
        assert f"facility_check/_data/standards/{name}" in names
    for name in (
        "facility.schema.json",
        "hazards.schema.json",
        "overlay.schema.json",
        "catalogue.schema.json",
    ):
        assert f"facility_check/_data/schemas/{name}" in names
    for name in ("notice.html", "facility_report.html", "print.css"):
        assert f"facility_check/templates/{name}" in names


def test_wheel_installs_and_runs_in_a_clean_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, clear=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    exe = bindir / "facility-check"
    # run from elsewhere, so nothing can be read from the source tree
    sample = ROOT / "samples" / "facilities" / "hp-001-compliant.json"
    ok = subprocess.run(
        [str(exe), "validate", str(sample)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [str(exe), "validate", str(ROOT / "samples/broken/many-errors.json")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert bad.returncode == 2 and "$.uscc" in bad.stdout
    check = subprocess.run(
        [
            str(exe),
            "check",
            str(sample),
            "--hazards",
            str(ROOT / "samples/hazards/heping-hazards.geojson"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert check.returncode == 0, check.stderr
    # the inspection loop from the installed wheel: a printable notice, then a re-inspection
    notice = subprocess.run(
        [
            str(exe),
            "notice",
            str(ROOT / "samples/facilities/hp-002-typical-problems.json"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert notice.returncode == 1, notice.stderr
    (tmp_path / "notice.json").write_text(notice.stdout, encoding="utf-8")
    again = subprocess.run(
        [
            str(exe),
            "check",
            str(ROOT / "samples/facilities/hp-002-typical-problems.json"),
            "--since",
            "notice.json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert again.returncode == 1 and "仍未整改（7）" in again.stdout, again.stderr
    printed = subprocess.run(
        [
            str(exe),
            "notice",
            str(ROOT / "samples/facilities/hp-002-typical-problems.json"),
            "--format",
            "html",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert "被检查单位负责人（签字）" in printed.stdout, printed.stderr
    where = subprocess.run(
        [str(python), "-c", "import facility_check.resources as r; print(r.data_dir('standards'))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
        timeout=900,
    )
    assert "site-packages" in where.stdout
    # the map inlines Leaflet read from the installed package
    page = tmp_path / "map.html"
    drawn = subprocess.run(
        [str(exe), "map", str(ROOT / "samples" / "facilities"), "--public", "--out", str(page)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert drawn.returncode == 0, drawn.stderr
    assert "window.L" in page.read_text(encoding="utf-8")
    # the workbench comes with every install: its application builds and migrates its store
    app = subprocess.run(
        [
            str(python),
            "-c",
            "import sys; from facility_check.web import WebSettings, create_app;"
            "app = create_app(WebSettings.create(sys.argv[1]));"
            "print(sorted(p for p in app.openapi()['paths'] if p in ('/api/district', '/api/facilities')))",
            str(tmp_path / "wb"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=900,
    )
    assert app.stdout.strip() == "['/api/district', '/api/facilities']", app.stderr


def test_wheel_ships_leaflet_for_the_offline_map(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    leaflet = "facility_check/web/static/vendor/leaflet"
    for name in ("leaflet.js", "leaflet.css", "LICENSE", "images/layers.png", "images/marker-icon.png"):
        assert f"{leaflet}/{name}" in names


def test_wheel_ships_the_workbench_and_its_demo(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "facility_check/web/templates/form.html",
        "facility_check/web/static/app.js",
        "facility_check/web/static/vendor/htmx/htmx.min.js",
        "facility_check/web/static/vendor/htmx/LICENSE",
        "facility_check/web/form_labels.yaml",
        "facility_check/web/db/migrations/env.py",
        "facility_check/web/db/migrations/versions/0001_initial.py",
        "facility_check/web/db/migrations/versions/0002_inspections.py",
        "facility_check/_data/samples/facilities/hp-001-compliant.json",
        "facility_check/_data/samples/hazards/heping-hazards.geojson",
    ):
        assert name in names, name
