"""Generate a synthetic province for the benchmark: facility records and a hazard layer over Liaoning.

    python benchmarks/generate.py --facilities 10000 --hazards 1000000 --out benchmarks/data

Writes ``facilities-<n>.jsonl`` (JSON Lines) and ``hazards-<m>.geojsonl`` (one GeoJSON Feature a
line). Deterministic for a given seed. Records are variations of the bundled samples: locations
around Liaoning's 14 city centres in all three coordinate systems, site boundaries for half of them,
random enrolments, staff and missing sections (so every status occurs).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from facility_check.geo.coords import wgs84_to_bd09, wgs84_to_gcj02  # noqa: E402

CITIES = {  # lon, lat, relative weight
    "沈阳": (123.43, 41.80, 8),
    "大连": (121.61, 38.91, 7),
    "鞍山": (122.99, 41.11, 3),
    "抚顺": (123.96, 41.88, 2),
    "本溪": (123.77, 41.29, 1),
    "丹东": (124.38, 40.13, 2),
    "锦州": (121.13, 41.10, 2),
    "营口": (122.24, 40.67, 2),
    "阜新": (121.67, 42.02, 1),
    "辽阳": (123.24, 41.27, 1),
    "盘锦": (122.07, 41.12, 1),
    "铁岭": (123.84, 42.29, 1),
    "朝阳": (120.45, 41.57, 1),
    "葫芦岛": (120.84, 40.71, 1),
}
BBOX = (118.8, 38.7, 125.8, 43.5)
SAMPLES = sorted((ROOT / "samples" / "facilities").glob("*.json"))


def _city(rng: random.Random, spread_deg: float = 0.08) -> tuple[float, float]:
    names = list(CITIES)
    lon, lat, _ = CITIES[rng.choices(names, weights=[CITIES[n][2] for n in names])[0]]
    r = abs(rng.gauss(0, spread_deg))
    a = rng.uniform(0, 2 * math.pi)
    return lon + r * math.cos(a) / math.cos(math.radians(lat)), lat + r * math.sin(a)


def _square(lon: float, lat: float, half_m: float) -> list[list[float]]:
    dlat = half_m / 111_320
    dlon = half_m / (111_320 * math.cos(math.radians(lat)))
    ring = [
        [lon - dlon, lat - dlat],
        [lon + dlon, lat - dlat],
        [lon + dlon, lat + dlat],
        [lon - dlon, lat + dlat],
    ]
    return [*ring, ring[0]]


def _convert(crs: str, points: list[list[float]]) -> list[list[float]]:
    arr = np.array(points)
    if crs == "GCJ02":
        lon, lat = wgs84_to_gcj02(arr[:, 0], arr[:, 1])
    elif crs == "BD09":
        lon, lat = wgs84_to_bd09(arr[:, 0], arr[:, 1])
    else:
        return [[round(x, 7), round(y, 7)] for x, y in points]
    return [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat, strict=True)]


def facilities(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    bases = [json.loads(p.read_text(encoding="utf-8")) for p in SAMPLES]
    out = []
    for i in range(n):
        f = copy.deepcopy(bases[i % len(bases)])
        f["facility_id"] = f"LN-{i:06d}"
        f["name"] = f"辽宁省示例托育机构 {i:06d}"
        f.pop("uscc", None)
        lon, lat = _city(rng)
        crs = rng.choice(["WGS84", "WGS84", "CGCS2000", "GCJ02", "BD09"])
        location: dict = {"crs": crs}
        [[plon, plat]] = _convert(crs, [[lon, lat]])
        location.update(longitude=plon, latitude=plat)
        if rng.random() < 0.5:
            location["site_boundary"] = {
                "type": "Polygon",
                "coordinates": [_convert(crs, _square(lon, lat, rng.uniform(10, 40)))],
            }
        f["location"] = location
        for c in f.get("classes") or []:
            if c.get("enrolled") is not None:
                c["enrolled"] = max(1, c["enrolled"] + rng.randint(-3, 3))
        if "children" in f:
            total = sum(c.get("enrolled") or 0 for c in f.get("classes") or [])
            for k in list(f["children"]):
                if k != "returned_after_3_months_unchecked":
                    f["children"][k] = total - (1 if rng.random() < 0.1 else 0)
        for key in ("systems", "operations", "attestations", "documents"):
            if key in f and rng.random() < 0.05:
                del f[key]
        if "operations" in f and rng.random() < 0.2:
            f["operations"]["outdoor_minutes_per_day"] = rng.choice([60, 90, 120, 150])
        out.append(f)
    return out


KINDS = [  # kind, geometry, weight, extra properties
    ("fuel_station", "Point", 30, {}),
    ("lpg_station", "Point", 4, {}),
    ("cng_station", "Point", 3, {}),
    ("lng_station", "Point", 2, {}),
    ("dangerous_goods_store", "Point", 11, {}),
    ("pollution_source", "Point", 10, {}),
    ("power_line", "LineString", 12, {"voltage_kv": [35, 66, 110, 220, 500]}),
    (
        "gas_pipeline",
        "LineString",
        9,
        {"pressure_class": ["sub_high_a", "sub_high_b", "medium_a", "medium_b", "low"]},
    ),
    ("oil_pipeline", "LineString", 2, {}),
    ("gas_transmission_pipeline", "LineString", 2, {}),
    ("pollution_source", "Polygon", 8, {}),
    ("crowded_venue", "Polygon", 5, {}),
    ("dangerous_goods_store", "Polygon", 2, {}),
]


def hazards(m: int, seed: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed + 1)
    weights = [k[2] for k in KINDS]
    for i in range(m):
        kind, gtype, _, extra = rng.choices(KINDS, weights=weights)[0]
        # a third around the cities (where the facilities are, ~16 km spread), the rest anywhere
        # in the province: pipelines, power lines, farms and stores follow the land, not the schools
        if rng.random() < 0.35:
            lon, lat = _city(rng, 0.15)
        else:
            lon, lat = rng.uniform(BBOX[0], BBOX[2]), rng.uniform(BBOX[1], BBOX[3])
        if gtype == "Point":
            coords: list = [round(lon, 7), round(lat, 7)]
        elif gtype == "LineString":
            pts = [[lon, lat]]
            heading = rng.uniform(0, 2 * math.pi)
            for _ in range(rng.randint(1, 6)):
                step = rng.uniform(50, 400) / 111_320
                heading += rng.gauss(0, 0.3)
                lon += step * math.cos(heading) / math.cos(math.radians(lat))
                lat += step * math.sin(heading)
                pts.append([lon, lat])
            coords = [[round(x, 7), round(y, 7)] for x, y in pts]
        else:
            coords = [[[round(x, 7), round(y, 7)] for x, y in _square(lon, lat, rng.uniform(10, 120))]]
        props: dict = {"kind": kind}
        for key, options in extra.items():
            props[key] = rng.choice(options)
        if kind == "pollution_source" and rng.random() < 0.2:
            props["required_distance_m"] = rng.choice([50, 100, 200, 300])
        yield {
            "type": "Feature",
            "id": f"H{i:07d}",
            "geometry": {"type": gtype, "coordinates": coords},
            "properties": props,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facilities", type=int, default=10_000)
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    fpath = args.out / f"facilities-{args.facilities}.jsonl"
    if not fpath.exists():
        with fpath.open("w", encoding="utf-8") as f:
            for record in facilities(args.facilities, args.seed):
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
    hpath = args.out / f"hazards-{args.hazards}.geojsonl"
    if not hpath.exists():
        with hpath.open("w", encoding="utf-8") as f:
            for feature in hazards(args.hazards, args.seed):
                f.write(json.dumps(feature, ensure_ascii=False) + "\n")
    print(fpath, hpath)


if __name__ == "__main__":
    main()
