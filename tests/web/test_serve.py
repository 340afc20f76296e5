"""`facility-check serve`: the launcher's refusals, and a real start with --demo."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from facility_check.cli import app as cli_app
from facility_check.web.serve import ServeError, prepare

from .conftest import ROOT, free_port


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, list(args), env=env)
    return result.exit_code, result.stderr


def test_a_non_loopback_address_without_a_token_is_refused(tmp_path: Path) -> None:
    code, err = invoke(
        "serve", "--host", "0.0.0.0", "--data", str(tmp_path), env={"FACILITY_CHECK_TOKEN": ""}
    )
    assert code == 2
    assert "拒绝在非本机地址 0.0.0.0 上无令牌运行" in err and "--token" in err
    code, err = invoke(
        "serve",
        "--host",
        "192.168.1.20",
        "--lang",
        "en",
        "--data",
        str(tmp_path),
        env={"FACILITY_CHECK_TOKEN": ""},
    )
    assert code == 2 and "refusing to serve on the non-loopback address 192.168.1.20 without a token" in err
    assert not (tmp_path / "facility-check.sqlite3").exists()


def test_a_token_from_the_option_or_the_environment_allows_other_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kw = {"port": 8765, "data": str(tmp_path), "demo": False, "upload_mb": None}
    assert prepare(host="0.0.0.0", token="t0ken", **kw).token == "t0ken"  # type: ignore[arg-type]
    monkeypatch.setenv("FACILITY_CHECK_TOKEN", "from-env")
    assert prepare(host="::", token=None, **kw).token == "from-env"  # type: ignore[arg-type]
    monkeypatch.delenv("FACILITY_CHECK_TOKEN")
    assert prepare(host="127.0.0.1", token=None, **kw).token is None  # type: ignore[arg-type]
    assert prepare(host="::1", token=None, **kw).token is None  # type: ignore[arg-type]


def test_demo_needs_a_fresh_data_directory(tmp_path: Path) -> None:
    (tmp_path / "facility-check.sqlite3").write_bytes(b"")
    with pytest.raises(ServeError, match="fresh data directory"):
        prepare(host="127.0.0.1", port=8765, data=str(tmp_path), token=None, demo=True, upload_mb=None)


def test_a_broken_install_gives_a_reinstall_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "facility_check.web.serve", None)  # as if a package were missing
    code, err = invoke("serve")
    assert code == 2 and "请重新安装 facility-check" in err


def test_serve_demo_starts_prints_its_address_and_serves_the_sample_district(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "FACILITY_CHECK_TOKEN": ""}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "facility_check",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--data",
            str(tmp_path / "d"),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert proc.stderr is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            lines.append(line)
            if "工作台地址" in line:
                break
        assert re.search(rf"工作台地址：http://127\.0\.0\.1:{port}/", "".join(lines))
        assert "已载入示例：6 条机构记录，2 个危险源图层" in "".join(lines)
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/district", timeout=30)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["evaluated"] == 6
    finally:
        proc.terminate()
        proc.wait(timeout=30)
