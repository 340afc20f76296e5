"""Regenerate the README's map screenshots (docs/map-*.png) from the samples.

Needs Playwright (``pip install playwright``) and Debian's chromium (``apt-get install chromium
fonts-noto-cjk``); no browser is downloaded. Run from the repository root:

    PYTHONPATH=src python tools/make_map_screenshots.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
HAZARDS = [
    "--hazards",
    "samples/hazards/heping-hazards.geojson",
    "--hazards",
    "samples/hazards/heping-gcj02.geojson",
]
CHROMIUM = "/usr/bin/chromium"

OPEN = """([role, key, id, zoom]) => {
  let target;
  fcLayer.eachLayer(l => { const p = l.feature.properties; if (p.role === role && p[key] === id) target = l; });
  const at = target.getLatLng ? target.getLatLng() : target.getBounds().getCenter();
  if (zoom) fcMap.setView(at, zoom);
  target.openPopup(at);
}"""

SHOTS = [
    # (file, map arguments, popup to open or None)
    ("map-overview.png", ["samples/facilities", *HAZARDS], ("facility", "facility_id", "HP-002", 0)),
    ("map-crossing.png", ["samples/facilities", *HAZARDS], ("hazard", "hazard_id", "PL-110-01", 17)),
    ("map-public.png", ["samples/facilities", "--public"], None),
]


def main() -> None:
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, args, popup in SHOTS:
            page_file = Path(tmp) / f"{name}.html"
            subprocess.run(
                [sys.executable, "-m", "facility_check", "map", *args, "--out", str(page_file)],
                cwd=ROOT,
                check=True,
            )
            page = browser.new_page(viewport={"width": 1100, "height": 720})
            page.goto(page_file.as_uri())
            page.wait_for_selector("body[data-ready='1']")
            if popup:
                page.evaluate(OPEN, list(popup))
            page.wait_for_timeout(400)
            page.screenshot(path=str(docs / name))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
