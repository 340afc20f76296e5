"""The provincial benchmark: `facility-check district` on a synthetic Liaoning (not a timed test).

    python benchmarks/run.py                  # 10,000 facilities x 1,000,000 hazards, 3 runs
    python benchmarks/run.py --quick          # 1,000 x 100,000
    python benchmarks/run.py --case 50000x3000000 --runs 1 --no-stages   # the national measurement
    python benchmarks/run.py --grid           # the growth curve (1k..50k facilities, 100k..3M hazards)

Every figure is the median of ``--runs`` runs, in wall seconds and CPU seconds (user + system, all
processes): the machine may be shared, and CPU seconds are what a quiet machine would need. The
load average is printed before each run.

Reports, for the case:
* end to end: the real CLI in a subprocess, GeoJSON Lines layer and prepared layer, default workers
  and one worker — wall and CPU seconds, then, in a second run, the peak memory (PSS summed over
  the process and its workers, sampled every 50 ms: sampling slows large processes, so it is
  never done in the timed run);
* stages, in a fresh process each: load + validate, hazards (GeoJSON Lines and prepared), siting
  (index + measure, as ``district`` runs it), design, articles, aggregation;
* the bare join, in a fresh process on the same data: the same WGS-84 geometries, one projection
  for the province, one STRtree, ``query(predicate="dwithin")`` at the largest reach, exact distances
  — and the ratio siting / bare join.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT / "src"))

TODAY = date(2026, 11, 24)


def data(facilities: int, hazards: int) -> tuple[Path, Path, Path]:
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
    prepared = h.with_suffix(".parquet")
    if not prepared.exists() or prepared.stat().st_mtime < h.stat().st_mtime or not _has_bbox(prepared):
        subprocess.run(
            [sys.executable, "-m", "facility_check", "hazards", "prepare", str(h), "--out", str(prepared)],
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
    return f, h, prepared


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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> float:
    return os.getloadavg()[0]


def end_to_end(
    facilities: Path, hazards: Path, workers: int | None = None, src: Path = ROOT / "src"
) -> dict[str, float]:
    """Wall and CPU seconds of one run (no sampling: reading /proc/PID/smaps_rollup of large
    processes every 50 ms slowed them by ~25 %), then the peak memory of another run, sampled."""
    timed = _end_to_end(facilities, hazards, workers, src, sample=False)
    sampled = _end_to_end(facilities, hazards, workers, src, sample=True)
    return {**timed, "peak_mib": sampled["peak_mib"]}


def _has_bbox(prepared: Path) -> bool:
    """Whether a prepared layer has the bbox column (files prepared before it are made again)."""
    import pyarrow.parquet as pq

    return "bbox" in pq.read_schema(prepared).names


def _end_to_end(
    facilities: Path, hazards: Path, workers: int | None, src: Path, *, sample: bool
) -> dict[str, float]:
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
    load = _load()
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(src)})
    peak = 0
    stop = threading.Event()

    def sample_pss() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _pss_kib(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample_pss)
    if sample:
        sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    if sample:
        sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(err.decode())
    return {"wall_s": wall, "cpu_s": _children_cpu() - cpu0, "peak_mib": peak / 1024, "load_before": load}


def _timed(out: dict[str, dict[str, float]], name: str, fn: Callable[[], Any]) -> Any:
    """Time one stage with the cyclic collector paused, as `district` runs its chunks
    (collector.paused): otherwise the stages, which hold every record at once, would mostly
    measure the collector rescanning them."""
    from facility_check.collector import paused

    wall, cpu = time.perf_counter(), time.process_time()
    with paused():
        result = fn()
    out[name] = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}
    return result


def siting_stage(facilities: Path, prepared: Path) -> dict[str, dict[str, float]]:
    """Run in a fresh process (``--child siting``): the siting stage alone, as ``district`` runs it."""
    from facility_check.catalogue import load
    from facility_check.loading import iter_sources
    from facility_check.siting import SitingIndex, load_layers
    from facility_check.validate import validate_items

    out: dict[str, dict[str, float]] = {}
    cat = load()
    records = list(validate_items(iter_sources([str(facilities)]), TODAY))
    usable = [v.facility for v in records if v.facility is not None]
    layers = _timed(out, "hazards: prepared layer", lambda: load_layers([str(prepared)]))
    index = _timed(out, "siting: index", lambda: SitingIndex(layers, cat))
    _timed(out, "siting: measure", lambda: index.evaluate_many(usable, only_failed=True))
    out["siting (index + measure)"] = {
        k: out["siting: index"][k] + out["siting: measure"][k] for k in ("wall_s", "cpu_s")
    }
    return out


def stages(facilities: Path, hazards: Path, prepared: Path) -> dict[str, dict[str, float]]:
    """Run in a fresh process (``--child stages``)."""
    from facility_check.catalogue import load
    from facility_check.district import aggregate, evaluate_row
    from facility_check.engine import Options, _plan, _run, design_verdict, standard_scores
    from facility_check.loading import iter_sources
    from facility_check.report import DesignResult, FacilityReport
    from facility_check.rules.base import Context
    from facility_check.siting import SitingIndex, load_layers
    from facility_check.validate import validate_items

    out: dict[str, dict[str, float]] = {}
    cat = _timed(out, "catalogue", load)
    # first, as `district` loads it: in a process already holding 10,000 records and a GeoJSON
    # layer, Arrow's first read measured 1–3 s more (allocator and page faults, not the loader)
    layers = _timed(out, "hazards: prepared layer", lambda: load_layers([str(prepared)]))
    records = _timed(
        out, "load + validate", lambda: list(validate_items(iter_sources([str(facilities)]), TODAY))
    )
    usable = [v.facility for v in records if v.facility is not None]
    plan = _plan(cat)
    _timed(out, "hazards: GeoJSON Lines layer", lambda: load_layers([str(hazards)]))
    index = _timed(out, "siting: index", lambda: SitingIndex(layers, cat))
    sitings = _timed(out, "siting: measure", lambda: index.evaluate_many(usable, only_failed=True))
    out["siting (index + measure)"] = {
        k: out["siting: index"][k] + out["siting: measure"][k] for k in ("wall_s", "cpu_s")
    }

    def design() -> list[Any]:
        # as engine.evaluate runs them
        return [
            _run(plan.design, f, Context(as_of=f.inspection.inspection_date if f.inspection else None))
            for f in usable
        ]

    designs = _timed(out, "design", design)

    def articles() -> list[FacilityReport]:
        reports = []
        for f, design, siting in zip(usable, designs, sitings, strict=True):
            ctx = Context(
                as_of=f.inspection.inspection_date if f.inspection else None,
                related={r.code: r.status for r in design},
                related_evidence={r.code: r.checks for r in design},
                siting_verdict=siting.verdict,
                siting_summary=siting.summary(),
            )
            results = _run(plan.scored, f, ctx)
            reports.append(
                FacilityReport(
                    f.facility_id,
                    f.name,
                    "bench",
                    ctx.as_of,
                    "inspection",
                    results,
                    standard_scores(results),
                    DesignResult(design_verdict(design), tuple(design[i] for i in plan.design_by_code)),
                    siting,
                    None,
                )
            )
        return reports

    _timed(out, "articles (setup + management)", articles)
    # what `district` runs instead of the full reports: design, articles and the row in one pass
    rows = _timed(
        out,
        "district rows (design + articles + row, one pass)",
        lambda: [
            evaluate_row(f, cat, Options(), source="bench", siting=siting)
            for f, siting in zip(usable, sitings, strict=True)
        ],
    )
    _timed(
        out,
        "aggregation",
        lambda: aggregate(rows, len(records), [], cat, Options(), index, [], False),
    )
    return out


def bare_join(facilities: Path, prepared: Path) -> dict[str, Any]:
    """Run in a fresh process (``--child join``): a plain STRtree distance join on the same data."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    from facility_check.catalogue import load
    from facility_check.loading import iter_sources
    from facility_check.siting import SitingIndex, facility_geometry, load_layers
    from facility_check.validate import validate_items

    records = list(validate_items(iter_sources([str(facilities)]), TODAY))
    usable = [v.facility for v in records if v.facility is not None]
    layers = load_layers([str(prepared)])
    reach = float(SitingIndex(layers, load()).reach_m.max())
    facility_geoms = np.array([facility_geometry(f)[0] for f in usable], dtype=object)
    facility_geoms = facility_geoms[facility_geoms != None]  # noqa: E711 - numpy elementwise
    out: dict[str, Any] = {}

    def join() -> int:
        to_m = Transformer.from_crs(
            "EPSG:4326", "+proj=tmerc +lon_0=122.3 +k=1 +x_0=500000 +ellps=WGS84 +units=m", always_xy=True
        )

        def project(geoms: np.ndarray) -> np.ndarray:
            return shapely.transform(geoms, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))

        hazards_m = project(layers.geometries)
        facilities_m = project(facility_geoms)
        tree = shapely.STRtree(hazards_m)
        a, b = tree.query(facilities_m, predicate="dwithin", distance=reach)
        shapely.distance(facilities_m[a], hazards_m[b])
        return len(a)

    out["pairs"] = _timed(out, "bare join", join)
    return out


def timeline(facilities: Path, prepared: Path) -> dict[str, Any]:
    """Run in a fresh process (``--child timeline``): what the wall time of one `district` run is
    made of. The CLI runs in this process with its phases marked (wall seconds since the start,
    CPU seconds of this process): imports, layer, index, sharing, the first and the last unit
    back from the workers, the report written; and the workers' CPU seconds."""
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    marks: dict[str, dict[str, float]] = {}

    def mark(name: str) -> None:
        marks[name] = {
            "wall_s": time.perf_counter() - start_wall,
            "parent_cpu_s": time.process_time() - start_cpu,
        }

    from facility_check import cli, district, pipeline
    from facility_check.siting import index as siting_index

    mark("imports")

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def marked(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            mark(label)
            return result

        setattr(owner, name, marked)

    wrap(pipeline, "load_layers", "hazard layer loaded")
    wrap(siting_index.SitingIndex, "__init__", "index built")
    wrap(siting_index.SitingIndex, "share", "shared with the workers (fork follows)")
    merge = district._merge

    def merged(parts: Any, *args: Any, **kwargs: Any) -> Any:
        def each() -> Any:
            for n, part in enumerate(parts):
                if n == 0:
                    mark("first unit back")
                yield part
            mark("last unit back")

        return merge(each(), *args, **kwargs)

    district._merge = merged
    cli._FAST_EXIT = True  # as the installed command runs: the heap is left to the exit
    argv = ["district", str(facilities), "--hazards", str(prepared), "--format", "json"]
    with contextlib.suppress(SystemExit):
        cli.app([*argv, "--out", os.devnull], standalone_mode=False)
    mark("report written")
    children = os.times()
    return {
        "marks": {k: _round(v) for k, v in marks.items()},
        "workers_cpu_s": round(children.children_user + children.children_system, 2),
    }


def _child(kind: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _siting_ratio(f: Path, prepared: Path, runs: int) -> dict[str, Any]:
    siting_runs, join_runs = [], []
    for _ in range(runs):
        load = _load()
        siting_runs.append(_child("siting", str(f), str(prepared)))
        siting_runs[-1]["load average before"] = load
        load = _load()
        join_runs.append(_child("join", str(f), str(prepared)))
        join_runs[-1]["load average before"] = load
    siting, join = _median(siting_runs), _median(join_runs)
    return {
        "siting stage (fresh process)": _round(siting),
        "bare STRtree join (fresh process)": _round(join),
        "siting / bare join": {
            k: round(siting["siting (index + measure)"][k] / join["bare join"][k], 2)
            for k in ("wall_s", "cpu_s")
        },
        "per run (cpu_s): siting, join": [
            [round(a["siting (index + measure)"]["cpu_s"], 2), round(b["bare join"]["cpu_s"], 2)]
            for a, b in zip(siting_runs, join_runs, strict=True)
        ],
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Key by key, the median of numbers (nested one level), over the runs; for an end-to-end
    run, also each run's wall seconds."""
    out: dict[str, Any] = {}
    if len(runs) > 1 and "wall_s" in runs[0]:
        out["each run, wall_s"] = [round(r["wall_s"], 2) for r in runs]
    for key, value in runs[0].items():
        if isinstance(value, dict):
            out[key] = {k: statistics.median(r[key][k] for r in runs) for k in value}
        else:
            out[key] = statistics.median(r[key] for r in runs)
    return out


def _round(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 2)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 x 100,000")
    parser.add_argument("--case", default="10000x1000000", help="FACILITIESxHAZARDS")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-stages", action="store_true")
    parser.add_argument(
        "--siting-only", action="store_true", help="only the siting stage against the bare join"
    )
    parser.add_argument("--no-geojson", action="store_true", help="end to end with the prepared layer only")
    parser.add_argument(
        "--grid",
        help="the growth curve, one run each: comma-separated FACILITIESxHAZARDS "
        "(e.g. 1000x100000,10000x100000,1000x1000000,10000x1000000,50000x3000000)",
    )
    parser.add_argument(
        "--compare-src",
        type=Path,
        help="also run end to end with the code in this src/ directory (e.g. an older checkout)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *paths = args.child
        children = {"stages": stages, "siting": siting_stage, "join": bare_join, "timeline": timeline}
        result = children[kind](*map(Path, paths))
        print(json.dumps(result))
        return
    if args.grid:
        grid = {}
        for case in args.grid.split(","):
            nf, nh = (int(x) for x in case.split("x"))
            f, _, prepared = data(nf, nh)
            grid[f"{nf} x {nh}"] = {"load average before": _load(), **_round(end_to_end(f, prepared))}
            print(f"{nf} x {nh}", grid[f"{nf} x {nh}"], file=sys.stderr)
        print(json.dumps({"cpus": os.cpu_count(), "grid (prepared layer, default workers)": grid}, indent=2))
        return
    nf, nh = (1_000, 100_000) if args.quick else tuple(int(x) for x in args.case.split("x"))
    f, h, prepared = data(nf, nh)
    results: dict[str, Any] = {
        "case": {"facilities": nf, "hazards": nh},
        "cpus": os.cpu_count(),
        "runs": args.runs,
    }
    if args.siting_only:
        results.update(_siting_ratio(f, prepared, args.runs))
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    variants = [("prepared layer", prepared)] + ([] if args.no_geojson else [("GeoJSON Lines layer", h)])
    for label, layer in variants:
        # with --compare-src, the two codes' runs alternate (the machine drifts between runs)
        own: list[dict[str, float]] = []
        other: list[dict[str, float]] = []
        for _ in range(args.runs):
            own.append(end_to_end(f, layer))
            if args.compare_src:
                other.append(end_to_end(f, layer, src=args.compare_src))
        results[f"end to end, {label}"] = _round(_median(own))
        print(label, results[f"end to end, {label}"], file=sys.stderr)
        if other:
            results[f"end to end, {label}, code in {args.compare_src}"] = _round(_median(other))
            print(label, args.compare_src, _round(_median(other)), file=sys.stderr)
    load = _load()
    results["timeline of one run, prepared layer (fresh process)"] = {
        "load average before": load,
        **_child("timeline", str(f), str(prepared)),
    }
    results["end to end, prepared layer, 1 worker"] = _round(
        _median([end_to_end(f, prepared, workers=1) for _ in range(args.runs)])
    )
    if not args.no_stages:
        stage_runs, join_runs = [], []
        for _ in range(args.runs):
            load = _load()
            stage_runs.append(_child("stages", str(f), str(h), str(prepared)))
            join = _child("join", str(f), str(prepared))
            join["load average before"] = load
            join_runs.append(join)
        results["stages (fresh process)"] = _round(_median(stage_runs))
        join = _median(join_runs)
        results["bare STRtree join (fresh process)"] = _round(join)
        siting = results["stages (fresh process)"]["siting (index + measure)"]
        results["siting / bare join"] = {
            k: round(siting[k] / join["bare join"][k], 2) for k in ("wall_s", "cpu_s")
        }
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
