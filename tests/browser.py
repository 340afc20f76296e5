"""One way for the tests to drive a real browser: Playwright with Debian's chromium (Playwright
cannot download its own browsers here). Screenshots go to ``artifacts/`` (not committed) for a
person to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "artifacts"


@contextmanager
def launched() -> Iterator[Any]:
    """A headless chromium. Without one, a developer's run skips the browser tests with the
    command that installs it; under CI (``.ci/run`` installs it) a missing browser is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, but CI must run the browser tests")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
