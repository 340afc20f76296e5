"""A bounded load test on 127.0.0.1: 20 clients at once post records and read the district.

Nothing may be lost and no request may fail. Bounded in time by ``FACILITY_CHECK_LOAD_SECONDS``
(default 5 s, as in CI; the issue's minute: ``FACILITY_CHECK_LOAD_SECONDS=60 python -m pytest
tests/web/test_load.py``) and in count (``FACILITY_CHECK_LOAD_MAX`` posts per client, default
200). Throughput is printed, never asserted.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import httpx

from facility_check.web.services import demo

from .conftest import SAMPLES, LiveServer, make_app

CLIENTS = 20


def test_twenty_concurrent_clients_lose_nothing(tmp_path: Path, capsys: object) -> None:
    seconds = float(os.environ.get("FACILITY_CHECK_LOAD_SECONDS", "5"))
    most = int(os.environ.get("FACILITY_CHECK_LOAD_MAX", "200"))
    app = make_app(tmp_path)
    demo.load(app.state.store, app.state.settings.hazards_dir)
    base = json.loads((SAMPLES / "facilities" / "hp-002-typical-problems.json").read_text(encoding="utf-8"))
    posted: list[list[str]] = [[] for _ in range(CLIENTS)]
    failures: list[str] = []
    districts = [0] * CLIENTS

    def client(n: int, url: str, end: float) -> None:
        with httpx.Client(base_url=url, timeout=300) as http:
            for i in range(most):
                if time.monotonic() >= end:
                    return
                record = dict(base, facility_id=f"LOAD-{n:02d}-{i:04d}", name=f"压力测试机构 {n}-{i}")
                try:
                    r = http.post("/api/facilities", json=record)
                    if r.status_code != 201 or r.json()["facility_id"] != record["facility_id"]:
                        failures.append(f"post {record['facility_id']}: {r.status_code} {r.text[:200]}")
                        return
                    posted[n].append(record["facility_id"])
                    d = http.get("/api/district")
                    if d.status_code != 200 or d.json()["evaluated"] < 6:
                        failures.append(f"district: {d.status_code} {d.text[:200]}")
                        return
                    districts[n] += 1
                except httpx.HTTPError as exc:
                    failures.append(f"client {n}: {exc!r}")
                    return

    with LiveServer(app) as live:
        start = time.monotonic()
        threads = [
            threading.Thread(target=client, args=(n, live.url, start + seconds)) for n in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        with httpx.Client(base_url=live.url, timeout=300) as http:
            stored = {f["facility_id"]: f for f in http.get("/api/facilities").json()}
            final = http.get("/api/district").json()

    assert failures == []
    sent = [fid for ids in posted for fid in ids]
    assert len(sent) >= CLIENTS  # every client got at least one record through
    assert all(fid in stored and stored[fid]["version"] == 1 for fid in sent)  # nothing lost
    assert len(stored) == 6 + len(sent)  # nothing duplicated
    assert final["evaluated"] == 6 + len(sent)
    with capsys.disabled():  # type: ignore[attr-defined]
        print(
            f"\nload: {CLIENTS} clients, {elapsed:.1f} s, {len(sent)} records posted, "
            f"{sum(districts)} district reads, no error"
        )
