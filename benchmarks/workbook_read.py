"""Reading a 10,000-facility roster workbook vs the same records as JSON Lines (not a timed test).

    python benchmarks/workbook_read.py              # 10,000 facilities, median of 3 runs
    python benchmarks/workbook_read.py --facilities 1000 --runs 1

The records are the provincial benchmark's (benchmarks/generate.py, seed 2026), written once to
``benchmarks/data/workbook-<n>.jsonl`` and, by the tool's own writer, to
``benchmarks/data/workbook-<n>.xlsx`` (the roster form: every sheet keyed by 机构编号).

Measured, each as wall time and CPU time of this process, median of ``--runs``:

* the raw cell read of every sheet by each candidate engine: python-calamine (``to_python``)
  and openpyxl ``read_only`` (``iter_rows(values_only=True)``) — the measurement behind the
  choice of reader;
* load: records as the loader yields them (``loading.iter_sources``), JSON Lines vs workbook;
* load + validate: what every command does first (``pipeline.validated``).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from facility_check import pipeline  # noqa: E402
from facility_check.loading import RawRecord, iter_sources  # noqa: E402
from facility_check.workbook.writer import write  # noqa: E402


def prepare(n: int) -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    jsonl, xlsx = DATA / f"workbook-{n}.jsonl", DATA / f"workbook-{n}.xlsx"
    if not (jsonl.exists() and xlsx.exists()):
        from generate import facilities

        records = facilities(n, 2026)
        jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        started = time.perf_counter()
        xlsx.write_bytes(write(records, roster=True))
        print(f"wrote {xlsx.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return jsonl, xlsx


def measure(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def calamine_cells(path: Path) -> int:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    return sum(
        sum(len(row) for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False))
        for name in book.sheet_names
    )


def openpyxl_cells(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    try:
        return sum(len(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def load(path: Path) -> int:
    return sum(1 for item in iter_sources([str(path)]) if isinstance(item, RawRecord))


def load_validate(path: Path) -> int:
    records = pipeline.validated([str(path)], None)
    assert all(v.ok for v in records), [p for v in records for p in v.problems][:3]
    return len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facilities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--engine-runs", type=int, default=1, help="runs of the raw engine comparison (0: skip it)"
    )
    args = parser.parse_args()
    jsonl, xlsx = prepare(args.facilities)
    print(f"{args.facilities} facilities: {jsonl.stat().st_size / 2**20:.1f} MiB JSON Lines, "
          f"{xlsx.stat().st_size / 2**20:.1f} MiB workbook")  # fmt: skip
    assert load(jsonl) == load(xlsx) == args.facilities
    rows = []
    for label, fn, runs in (
        ("raw cells: python-calamine", lambda: calamine_cells(xlsx), args.engine_runs),
        ("raw cells: openpyxl read_only", lambda: openpyxl_cells(xlsx), args.engine_runs),
        ("load: JSON Lines", lambda: load(jsonl), args.runs),
        ("load: workbook", lambda: load(xlsx), args.runs),
        ("load + validate: JSON Lines", lambda: load_validate(jsonl), args.runs),
        ("load + validate: workbook", lambda: load_validate(xlsx), args.runs),
    ):
        if runs == 0:
            continue
        wall, cpu = measure(fn, runs)
        rows.append((label, wall, cpu))
        print(f"{label:32s} wall {wall:7.2f} s   cpu {cpu:7.2f} s", flush=True)
    by = {label: (wall, cpu) for label, wall, cpu in rows}
    for stage in ("load", "load + validate") if args.runs else ():
        w = by[f"{stage}: workbook"][0] / by[f"{stage}: JSON Lines"][0]
        c = by[f"{stage}: workbook"][1] / by[f"{stage}: JSON Lines"][1]
        print(f"{stage}: workbook / JSON = {w:.2f}x wall, {c:.2f}x cpu (target <= 3x)")


if __name__ == "__main__":
    main()
