"""The provincial benchmark: `facility-check district` on a synthetic Liaoning (not a timed test).

    python benchmarks/run.py                # 10,000 facilities x 1,000,000 hazards, plus the scaling grid
    python benchmarks/run.py --quick        # 1,000 x 100,000 only

Reports, for the main case:
* end to end: the real CLI in a subprocess — wall time and peak memory (PSS summed over the
  process and its workers, sampled every 50 ms);
* stages, in one process: load + validate, articles (the two standards), design, siting,
  aggregation;
* the siting stage against a plain shapely STRtree distance join over the same geometries
  (one projection for the province, `query(predicate="dwithin")` at the largest distance, then
  exact distances), measured in the same run;
* the scaling grid 1k/10k facilities x 100k/1M hazards (end to end).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT / "src"))

from facility_check.catalogue import load  # noqa: E402
from facility_check.district import aggregate, row_from_report  # noqa: E402
from facility_check.engine import SCORED_STANDARDS, Options, _score, design_verdict, run_article  # noqa: E402  # noqa: E402
from facility_check.loading import iter_sources  # noqa: E402
from facility_check.report import DesignResult, FacilityReport  # noqa: E402
from facility_check.rules.base import Context  # noqa: E402
from facility_check.siting import SitingIndex, facility_geometry, load_layers  # noqa: E402
from facility_check.validate import validate_items  # noqa: E402

TODAY = date(2026, 11, 24)


def data(facilities: int, hazards: int) -> tuple[Path, Path]:
    f, h = DATA / f"facilities-{facilities}.jsonl", DATA / f"hazards-{hazards}.geojsonl"
    if not (f.exists() and h.exists()):
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "generate.py"),
                "--facilities",
                str(facilities),
                "--hazards",
                str(hazards),
            ],
            check=True,
        )
    return f, h


def _pss_kib(pid: int) -> int:
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                pids.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def end_to_end(facilities: Path, hazards: Path, workers: int | None = None) -> dict[str, float]:
    cmd = [
        sys.executable,
        "-m",
        "facility_check",
        "district",
        str(facilities),
        "--hazards",
        str(hazards),
        "--format",
        "json",
        "--out",
        os.devnull,
    ]
    if workers:
        cmd += ["--workers", str(workers)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _pss_kib(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(err.decode())
    return {"seconds": time.perf_counter() - start, "peak_mib": peak / 1024}


def stages(facilities: Path, hazards: Path) -> dict[str, float]:
    cat = load()
    options = Options()
    out: dict[str, float] = {}
    t = time.perf_counter()
    records = list(validate_items(iter_sources([str(facilities)]), TODAY))
    out["load + validate"] = time.perf_counter() - t
    usable = [v.facility for v in records if v.facility is not None]
    active = list(cat.active())
    design_articles = [a for a in active if a.document.id == "design"]
    scored_articles = [a for a in active if a.document.id in SCORED_STANDARDS]

    t = time.perf_counter()
    layers = load_layers([str(hazards)])
    out["hazards: load layer"] = time.perf_counter() - t
    t = time.perf_counter()
    index = SitingIndex(layers, cat)
    sitings = index.evaluate_many(usable)
    out["siting (index + measure)"] = time.perf_counter() - t

    t = time.perf_counter()
    designs = [
        tuple(
            run_article(a, f, Context(as_of=f.inspection.inspection_date if f.inspection else None))
            for a in design_articles
        )
        for f in usable
    ]
    out["design"] = time.perf_counter() - t

    t = time.perf_counter()
    reports = []
    for f, design, siting in zip(usable, designs, sitings, strict=True):
        ctx = Context(
            as_of=f.inspection.inspection_date if f.inspection else None,
            related={r.code: r.status for r in design},
            related_evidence={r.code: r.checks for r in design},
            siting_verdict=siting.verdict,
            siting_summary=siting.summary(),
        )
        articles = tuple(run_article(a, f, ctx) for a in scored_articles)
        reports.append(
            FacilityReport(
                f.facility_id,
                f.name,
                "bench",
                ctx.as_of,
                "inspection",
                articles,
                {std: _score(std, articles) for std in SCORED_STANDARDS},
                DesignResult(design_verdict(design), tuple(sorted(design, key=lambda r: r.code))),
                siting,
                None,
            )
        )
    out["articles (setup + management)"] = time.perf_counter() - t

    t = time.perf_counter()
    rows = [row_from_report(r) for r in reports]
    aggregate(rows, len(records), [], cat, options, index, [], False)
    out["aggregation"] = time.perf_counter() - t

    # the baseline: a plain STRtree distance join over the same geometries
    t = time.perf_counter()
    to_m = Transformer.from_crs(
        "EPSG:4326", "+proj=tmerc +lon_0=122.3 +k=1 +x_0=500000 +ellps=WGS84 +units=m", always_xy=True
    )

    def project(geoms: np.ndarray) -> np.ndarray:
        return shapely.transform(geoms, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))

    hazards_m = project(layers.geometries)
    facilities_m = project(np.array([facility_geometry(f)[0] for f in usable], dtype=object))
    tree = shapely.STRtree(hazards_m)
    a, b = tree.query(facilities_m, predicate="dwithin", distance=float(index.reach_m.max()))
    shapely.distance(facilities_m[a], hazards_m[b])
    out["baseline: plain STRtree distance join"] = time.perf_counter() - t
    out["pairs (baseline)"] = float(len(a))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    big = (1_000, 100_000) if args.quick else (10_000, 1_000_000)
    f, h = data(*big)
    results: dict[str, object] = {"case": {"facilities": big[0], "hazards": big[1]}, "cpus": os.cpu_count()}
    results["end_to_end"] = end_to_end(f, h)
    results["end_to_end_1_worker"] = end_to_end(f, h, workers=1)
    gc.collect()
    results["stages_seconds"] = stages(f, h)
    if not args.quick:
        grid = {}
        for nf in (1_000, 10_000):
            for nh in (100_000, 1_000_000):
                grid[f"{nf} x {nh}"] = end_to_end(*data(nf, nh))
        results["scaling"] = grid
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
