"""Regenerates samples/ (facility records, hazard layers, broken files) from one compliant base.

Run from the repository root: ``python tools/make_samples.py``. Hazards are placed at exact
geodesic distances from the sample sites (pyproj.Geod), so the siting verdicts are known.
"""

import copy
import json
import sys
from pathlib import Path

import numpy as np
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from facility_check.geo.coords import wgs84_to_gcj02  # noqa: E402
from facility_check.uscc import check_character  # noqa: E402

GEOD = Geod(ellps="WGS84")


def uscc(first17):
    return first17 + check_character(first17)


def person(id, name, role, **kw):
    p = {
        "id": id,
        "name": name,
        "role": role,
        "employment": "full_time",
        "health_checks": {
            "pre_employment_date": kw.pop("pre", "2023-04-20"),
            "last_annual_date": kw.pop("annual", "2026-03-18"),
            "passed": True,
        },
        "criminal_record_check": {
            "checked": True,
            "check_date": kw.pop("crc", "2023-04-15"),
            "record_of_harming_children": False,
        },
        "labour_contract": True,
        "start_date": kw.pop("start", "2023-05-01"),
    }
    p.update(kw)
    return p


def carer(n, name):
    return person(
        f"S{n:02d}",
        name,
        "carer",
        education="senior_secondary",
        infant_care_experience=True,
        trainings=[
            {"kind": "infant_care", "completed_date": "2023-04-25"},
            {"kind": "mental_health", "completed_date": "2023-04-26"},
            {"kind": "safety", "completed_date": "2023-04-27"},
        ],
        certificates=[{"kind": "childcare_worker", "number": f"YY2021{n:04d}", "issued_date": "2021-06-30"}],
    )


def compliant():
    return {
        "schema_version": "1.0",
        "facility_id": "HP-001",
        "name": "沈阳市和平区阳光宝贝托育中心",
        "uscc": uscc("52210102MJY20231A"),
        "division_code": "210102",
        "address": "辽宁省沈阳市和平区南京南街 128 号",
        "operator_type": "independent",
        "service_types": ["full_day", "half_day"],
        "status": "operating",
        "registration": {
            "authority": "沈阳市和平区民政局",
            "number": "和民证字第 2023017 号",
            "registered_date": "2023-04-10",
            "business_scope": "托育服务（3 岁以下婴幼儿全日托、半日托）",
        },
        "filing": {
            "filed": True,
            "filed_date": "2023-05-10",
            "authority": "沈阳市和平区卫生健康局",
            "receipt_number": "和卫托备〔2023〕012 号",
            "filed_capacity": 50,
            "filed_name": "沈阳市和平区阳光宝贝托育中心",
            "filed_address": "辽宁省沈阳市和平区南京南街 128 号",
            "filed_director": "刘静",
        },
        "documents": {
            "business_licence": {"present": True, "number": "民证 2023017", "issued_date": "2023-04-10"},
            "premises_proof": {"present": True, "evidence_ref": "租赁合同 HP-001-L"},
            "hygiene_evaluation": {
                "present": True,
                "issued_date": "2023-04-28",
                "result": "合格",
                "number": "和妇保评〔2023〕31 号",
            },
            "fire_safety_pass": {
                "present": True,
                "issued_date": "2023-04-30",
                "number": "沈和消安检字〔2023〕第 0212 号",
            },
            "food_licence": {
                "present": True,
                "number": "JY32101020123456",
                "issued_date": "2023-05-05",
                "valid_until": "2028-05-04",
            },
            "commitment_letter": {"present": True},
            "floor_plan": {"present": True, "evidence_ref": "平面图 HP-001-P01"},
            "security_proof": {"present": True, "evidence_ref": "技防设施验收 HP-001-S2"},
        },
        "premises": {
            "tenure": "leased",
            "lease_start": "2023-03-01",
            "lease_end": "2029-02-28",
            "materials_test": {
                "test_date": "2023-04-18",
                "passed": True,
                "evidence_ref": "GB/T 18883 检测报告 2023-0418",
            },
            "maintenance_last_date": "2026-08-20",
        },
        "location": {
            "crs": "WGS84",
            "longitude": 123.3962,
            "latitude": 41.7889,
            "site_boundary": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [123.39595, 41.78872],
                        [123.39650, 41.78872],
                        [123.39650, 41.78910],
                        [123.39595, 41.78910],
                        [123.39595, 41.78872],
                    ]
                ],
            },
        },
        "building": {
            "standalone": True,
            "storeys_above_ground": 2,
            "fire_resistance_grade": 2,
            "seismic_category": "乙",
            "high_rise": False,
            "independent_exits": True,
            "independent_stairs": True,
            "dense_urban_rebuild": False,
            "completed_year": 2012,
        },
        "rooms": [
            {
                "id": "R101",
                "type": "sleeping",
                "class_id": "C1",
                "floor": 1,
                "area_m2": 32.0,
                "winter_sunlight_hours": 3.5,
            },
            {
                "id": "R102",
                "type": "activity",
                "class_id": "C1",
                "floor": 1,
                "area_m2": 18.0,
                "winter_sunlight_hours": 3.5,
            },
            {"id": "R103", "type": "milk_preparation", "class_id": "C1", "floor": 1, "area_m2": 6.5},
            {"id": "R104", "type": "cleaning", "class_id": "C1", "floor": 1, "area_m2": 6.0},
            {"id": "R105", "type": "storage", "class_id": "C1", "floor": 1, "area_m2": 4.0},
            {
                "id": "R111",
                "type": "sleeping_activity",
                "class_id": "C2",
                "floor": 1,
                "area_m2": 56.0,
                "winter_sunlight_hours": 3.2,
            },
            {"id": "R112", "type": "food_preparation", "class_id": "C2", "floor": 1, "area_m2": 6.0},
            {"id": "R113", "type": "cleaning", "class_id": "C2", "floor": 1, "area_m2": 6.0},
            {"id": "R114", "type": "toilet", "class_id": "C2", "floor": 1, "area_m2": 8.5},
            {"id": "R115", "type": "storage", "class_id": "C2", "floor": 1, "area_m2": 4.0},
            {
                "id": "R201",
                "type": "activity",
                "class_id": "C3",
                "floor": 2,
                "area_m2": 72.0,
                "winter_sunlight_hours": 4.0,
            },
            {
                "id": "R202",
                "type": "sleeping",
                "class_id": "C3",
                "floor": 2,
                "area_m2": 62.0,
                "winter_sunlight_hours": 4.0,
            },
            {"id": "R203", "type": "toilet", "class_id": "C3", "floor": 2, "area_m2": 12.0},
            {"id": "R204", "type": "washroom", "class_id": "C3", "floor": 2, "area_m2": 8.0},
            {"id": "R120", "type": "health_observation", "floor": 1, "area_m2": 8.0, "beds": 1},
            {"id": "R121", "type": "kitchen", "floor": 1, "area_m2": 30.0},
            {"id": "R208", "type": "storage", "class_id": "C3", "floor": 2, "area_m2": 9.0},
        ],
        "outdoor": {
            "area_m2": 160.0,
            "uses_public_space": False,
            "equipment_present": True,
            "protection_present": True,
        },
        "safety": {
            "guard_rails": [
                {"location": "二层外廊", "height_m": 1.30, "bar_spacing_m": 0.08, "vertical_bars": True}
            ],
            "windows": [
                {
                    "room_id": r,
                    "sill_height_m": 0.60,
                    "guard_height_m": 0.95,
                    "inward_opening_below_1_8m": False,
                    "fly_screens": True,
                }
                for r in ("R102", "R201")
            ],
            "doors": [
                {
                    "room_id": r,
                    "type": "hinged",
                    "opens_in_escape_direction": True,
                    "has_threshold": False,
                    "safety_glass_below_1_2m": True,
                }
                for r in ("R101", "R102", "R111", "R201", "R202")
            ],
            "stairs": [
                {
                    "id": "ST1",
                    "well_width_m": 0.10,
                    "baluster_spacing_m": 0.08,
                    "riser_m": 0.13,
                    "tread_m": 0.26,
                    "child_handrail_height_m": 0.60,
                    "handrails_both_sides": True,
                    "winding_steps": False,
                }
            ],
            "anti_pinch_doors": True,
            "corner_protection": True,
            "security_equipment": True,
        },
        "classes": [
            {
                "id": "C1",
                "type": "infant",
                "min_age_months": 6,
                "max_age_months": 12,
                "enrolled": 8,
                "carers": 3,
            },
            {
                "id": "C2",
                "type": "toddler",
                "min_age_months": 12,
                "max_age_months": 24,
                "enrolled": 12,
                "carers": 3,
            },
            {
                "id": "C3",
                "type": "older",
                "min_age_months": 24,
                "max_age_months": 36,
                "enrolled": 18,
                "carers": 3,
            },
        ],
        "staff": [
            person(
                "S00",
                "刘静",
                "director",
                education="bachelor",
                management_years=6,
                infant_care_experience=True,
                trainings=[
                    {
                        "kind": "director",
                        "completed_date": "2023-03-20",
                        "certificate_number": "LN-TY-FZR-2023-0088",
                    },
                    {"kind": "safety", "completed_date": "2023-04-27"},
                ],
                certificates=[{"kind": "teacher", "number": "20122100142000123"}],
            ),
            *[
                carer(i, n)
                for i, n in enumerate(
                    ["王丽", "张敏", "李娜", "赵雪", "孙悦", "周婷", "吴倩", "郑爽", "陈晨"], start=1
                )
            ],
            person(
                "S10",
                "何芳",
                "health",
                employment="part_time",
                education="junior_college",
                trainings=[
                    {
                        "kind": "health_care",
                        "completed_date": "2023-04-12",
                        "certificate_number": "SY-FB-2023-311",
                    },
                    {"kind": "first_aid", "completed_date": "2023-04-27"},
                ],
            ),
            person(
                "S11",
                "马强",
                "security",
                education="senior_secondary",
                security_company_licensed=True,
                on_duty=True,
                trainings=[{"kind": "safety", "completed_date": "2023-04-27"}],
                certificates=[{"kind": "security_guard", "number": "辽公保 2019-210102-0345"}],
            ),
            person(
                "S12",
                "高红",
                "cook",
                education="junior_secondary",
                trainings=[{"kind": "safety", "completed_date": "2023-04-27"}],
                certificates=[{"kind": "cook_health", "number": "JK-2026-0311", "valid_until": "2027-03-10"}],
            ),
        ],
        "meals": {
            "serves_meals": True,
            "weekly_menus": True,
            "special_diet_records": True,
            "sample_retention": True,
            "drinking_water_safe": True,
        },
        "children": {
            "admission_records_complete": 38,
            "agreements_signed": 38,
            "vaccination_checked": 38,
            "entry_health_check_passed": 38,
            "returned_after_3_months_unchecked": 0,
        },
        "systems": {
            k: {"in_place": True}
            for k in [
                "children_register",
                "parents_committee",
                "daily_routine",
                "activity_plan",
                "daily_care_records",
                "health_care",
                "morning_noon_checks",
                "domestic_violence_reporting",
                "disinfection",
                "sick_isolation",
                "safety_management",
                "pick_up",
                "annual_work_plan",
            ]
        }
        | {
            "parent_contact": {"in_place": True, "last_date": "2026-09-12"},
            "emergency_drills": {
                "in_place": True,
                "last_date": "2026-09-01",
                "evidence_ref": "演练记录 2026-09",
            },
            "safety_training": {"in_place": True, "last_date": "2026-06-15"},
            "fire_equipment_maintenance": {"in_place": True, "last_date": "2026-05-20"},
            "abuse_prevention": {"in_place": True, "evidence_ref": "师德与法治教育记录 2026"},
        },
        "operations": {
            "outdoor_minutes_per_day": 120,
            "emergency_plans": [
                "natural_disaster",
                "infectious_disease",
                "food_poisoning",
                "stampede",
                "fire",
                "violence",
            ],
            "fire_safety_manager": "刘静",
            "public_disclosure": ["fees", "care", "meals", "health", "safety"],
            "substantiated_maltreatment_incidents": 0,
            "last_annual_report_year": 2025,
            "monitoring": {
                "hours_per_day": 24,
                "covers_all_child_areas": True,
                "retention_days": 90,
                "alarm_connected": True,
            },
        },
        "attestations": {
            "age_appropriate_furnishings": {
                "attested": True,
                "by": "和平区卫健局 检查员 韩冬",
                "evidence_ref": "现场照片 HP-001-P03",
            },
            "responsive_stimulation": {
                "attested": True,
                "by": "和平区卫健局 检查员 韩冬",
                "evidence_ref": "观察记录 HP-001-O1",
            },
            "safe_premises_and_storage": {
                "attested": True,
                "by": "和平区卫健局 检查员 韩冬",
                "evidence_ref": "现场照片 HP-001-P07",
            },
            "site_environment": {
                "attested": True,
                "by": "和平区卫健局 检查员 韩冬",
                "evidence_ref": "现场踏勘记录 HP-001-S1",
            },
        },
        "incidents": {"safety_accidents": 0, "satisfaction_percent": 96.5},
        "inspection": {
            "inspection_date": "2026-10-15",
            "inspector": "韩冬（和平区卫生健康局）",
            "evidence_refs": ["HP-001-P03", "HP-001-P07", "HP-001-O1", "HP-001-S1"],
        },
    }


def square(lon, lat, half_m=20.0):
    """A closed square ring of side 2*half_m metres centred at (lon, lat)."""
    corners = []
    for az in (225, 315, 45, 135):
        x, y, _ = GEOD.fwd(lon, lat, az, half_m * 2**0.5)
        corners.append([round(x, 7), round(y, 7)])
    return [*corners, corners[0]]


def offset(lon, lat, az, dist):
    x, y, _ = GEOD.fwd(lon, lat, az, dist)
    return [round(x, 7), round(y, 7)]


def boundary(lon, lat, half_m=20.0):
    return {"type": "Polygon", "coordinates": [square(lon, lat, half_m)]}


def variant(base, **changes):
    out = copy.deepcopy(base)
    for key, value in changes.items():
        out[key] = value
    return out


def at(record, lon, lat, half_m=20.0, crs="WGS84"):
    record["location"] = {
        "crs": crs,
        "longitude": lon,
        "latitude": lat,
        "site_boundary": boundary(lon, lat, half_m),
    }
    return record


# sites (WGS-84), Heping district of Shenyang
SITES = {
    "HP-001": (123.3962, 41.7889),
    "HP-002": (123.4105, 41.7803),
    "HP-003": (123.3851, 41.7766),
    "HP-004": (123.4230, 41.7702),
    "HP-005": (123.4012, 41.7651),
    "HP-006": (123.3790, 41.7930),
}
HALF = 20.0  # every sample site is a 40 m x 40 m square


def facilities():
    base = compliant()
    at(base, *SITES["HP-001"], HALF)
    out = {"hp-001-compliant.json": base}

    # HP-002: typical management problems; a fuel station 38 m away
    f = copy.deepcopy(base)
    f.update(
        facility_id="HP-002",
        name="沈阳市和平区小星星托育园",
        uscc=uscc("91210102MA0TX0021"),
        address="辽宁省沈阳市和平区太原南街 56 号",
    )
    f["filing"].update(
        filed_name=f["name"],
        filed_address=f["address"],
        receipt_number="和卫托备〔2024〕003 号",
        filed_date="2024-06-03",
    )
    f["premises"].update(lease_start="2024-05-01", lease_end="2026-12-31")  # SET-11: under 3 years
    f["classes"] = [
        {
            "id": "C1",
            "type": "toddler",
            "min_age_months": 12,
            "max_age_months": 24,
            "enrolled": 12,
            "carers": 3,
        },
        {
            "id": "C2",
            "type": "mixed",
            "min_age_months": 18,
            "max_age_months": 36,
            "enrolled": 19,
            "carers": 3,
        },  # SET-19 (19 > 18), SET-20 (1:5 needs 4)
    ]
    f["rooms"] = [
        r | {"class_id": {"C2": "C1", "C3": "C2"}.get(r.get("class_id"), r.get("class_id"))}
        for r in base["rooms"]
        if r.get("class_id") in ("C2", "C3") or r["type"] in ("health_observation", "kitchen")
    ]
    for r in f["rooms"]:
        if r.get("class_id") == "C2":
            r["floor"] = 1
    f["rooms"] += [
        {"id": "R205", "type": "food_preparation", "class_id": "C2", "floor": 1, "area_m2": 6.0},
        {"id": "R206", "type": "cleaning", "class_id": "C2", "floor": 1, "area_m2": 6.0},
        {"id": "R207", "type": "storage", "class_id": "C2", "floor": 1, "area_m2": 4.0},
    ]
    f["building"].update(storeys_above_ground=1)
    f["safety"].update(
        guard_rails=[],
        stairs=[],
        windows=[
            {"room_id": "R111", "sill_height_m": 0.9, "inward_opening_below_1_8m": False, "fly_screens": True}
        ],
        doors=[
            {
                "room_id": r,
                "type": "hinged",
                "opens_in_escape_direction": True,
                "has_threshold": False,
                "safety_glass_below_1_2m": True,
            }
            for r in ("R111", "R201", "R202")
        ],
    )
    f["outdoor"]["area_m2"] = 120.0
    f["staff"] = f["staff"][:7] + f["staff"][10:]
    f["children"] = {k: (31 if k != "returned_after_3_months_unchecked" else 0) for k in base["children"]}
    f["filing"]["filed_capacity"] = 40
    f["operations"].update(outdoor_minutes_per_day=90)  # MGT-18
    f["operations"]["monitoring"].update(retention_days=60)  # MGT-32
    f["inspection"] = {
        "inspection_date": "2026-10-20",
        "inspector": "韩冬（和平区卫生健康局）",
        "evidence_refs": ["HP-002-P01"],
    }
    at(f, *SITES["HP-002"], HALF)
    out["hp-002-typical-problems.json"] = f

    # HP-003: staffing and document problems; infant rooms on the 2nd floor
    f = copy.deepcopy(base)
    f.update(
        facility_id="HP-003",
        name="沈阳市和平区爱心托育中心",
        uscc=uscc("52210102MJY30031C"),
        address="辽宁省沈阳市和平区北五马路 9 号",
    )
    f["filing"].update(filed_name=f["name"], filed_address=f["address"], filed_director="周红")
    f["staff"][0].update(name="周红", education="senior_secondary")  # SET-18: director without 大专
    f["documents"]["fire_safety_pass"] = {"present": False}  # MGT-4
    f["documents"]["food_licence"] = {"present": False}  # MGT-4 (meals served)
    f["staff"][3]["health_checks"]["last_annual_date"] = "2025-06-30"  # MGT-28: over a year before inspection
    f["systems"]["emergency_drills"] = {"in_place": True, "last_date": "2025-08-15"}  # MGT-31
    f["staff"] = [s for s in f["staff"] if s["role"] != "security"]  # SET-21 (independent, no guard), MGT-29
    for r in f["rooms"]:
        if r.get("class_id") == "C1":
            r["floor"] = 2  # DES-JGJ39-4.1.3A: infant rooms on the 2nd floor
    f["inspection"] = {
        "inspection_date": "2026-10-22",
        "inspector": "韩冬（和平区卫生健康局）",
        "evidence_refs": ["HP-003-P01"],
    }
    at(f, *SITES["HP-003"], HALF)
    out["hp-003-staff-and-rooms.json"] = f

    # HP-004: a kindergarten with a 托班; a 110 kV line crosses its site
    f = copy.deepcopy(base)
    f.update(
        facility_id="HP-004",
        name="沈阳市和平区第三幼儿园（托班）",
        uscc=uscc("12210102MB0K00042"),
        operator_type="kindergarten_class",
        address="辽宁省沈阳市和平区长白西路 18 号",
    )
    f["registration"].update(
        authority="沈阳市和平区教育局", business_scope="学前教育；托育服务（2–3 岁托班）"
    )
    f["filing"].update(filed_name=f["name"], filed_address=f["address"], filed_capacity=200)
    f["classes"] = [
        {
            "id": "T1",
            "type": "older",
            "min_age_months": 24,
            "max_age_months": 36,
            "enrolled": 20,
            "carers": 3,
        },
        {"id": "K1", "type": "kindergarten", "enrolled": 30, "carers": 2},
        {"id": "K2", "type": "kindergarten", "enrolled": 30, "carers": 2},
    ]
    f["rooms"] = [
        {
            "id": "T101",
            "type": "activity",
            "class_id": "T1",
            "floor": 1,
            "area_m2": 72.0,
            "winter_sunlight_hours": 3.5,
        },
        {
            "id": "T102",
            "type": "sleeping",
            "class_id": "T1",
            "floor": 1,
            "area_m2": 60.0,
            "winter_sunlight_hours": 3.5,
        },
        {"id": "T103", "type": "toilet", "class_id": "T1", "floor": 1, "area_m2": 12.0},
        {"id": "T104", "type": "washroom", "class_id": "T1", "floor": 1, "area_m2": 8.0},
        {
            "id": "K201",
            "type": "activity",
            "class_id": "K1",
            "floor": 2,
            "area_m2": 70.0,
            "winter_sunlight_hours": 3.2,
        },
        {
            "id": "K301",
            "type": "activity",
            "class_id": "K2",
            "floor": 3,
            "area_m2": 70.0,
            "winter_sunlight_hours": 3.4,
        },
        {"id": "R120", "type": "health_observation", "floor": 1, "area_m2": 10.0, "beds": 1},
        {"id": "R121", "type": "kitchen", "floor": 1, "area_m2": 40.0},
        {"id": "T105", "type": "storage", "class_id": "T1", "floor": 1, "area_m2": 9.0},
    ]
    f["building"].update(storeys_above_ground=3)
    f["safety"]["windows"] = [
        {
            "room_id": "T101",
            "sill_height_m": 0.6,
            "guard_height_m": 0.95,
            "inward_opening_below_1_8m": False,
            "fly_screens": True,
        }
    ]
    f["safety"]["doors"] = [
        {
            "room_id": r,
            "type": "hinged",
            "opens_in_escape_direction": True,
            "has_threshold": False,
            "safety_glass_below_1_2m": True,
        }
        for r in ("T101", "T102", "K201", "K301")
    ]
    f["outdoor"]["area_m2"] = 600.0
    f["children"] = {k: (80 if k != "returned_after_3_months_unchecked" else 0) for k in base["children"]}
    f["staff"] = (
        f["staff"][:4]
        + f["staff"][10:]
        + [carer(20, "钱多"), carer(21, "冯佳"), carer(22, "韩梅"), carer(23, "曹颖")]
    )
    f["inspection"] = {
        "inspection_date": "2026-10-28",
        "inspector": "韩冬（和平区卫生健康局）",
        "evidence_refs": ["HP-004-P01"],
    }
    at(f, *SITES["HP-004"], HALF)
    out["hp-004-kindergarten-tuoban.json"] = f

    # HP-005: employer-run, inside an office building of fire-resistance grade 3, children on the 3rd floor, 1.10 m rails
    f = copy.deepcopy(base)
    f.update(
        facility_id="HP-005",
        name="沈阳某集团职工子女托育室",
        uscc=uscc("91210102MA0EMP051"),
        operator_type="employer",
        address="辽宁省沈阳市和平区三好街 77 号 3 层",
    )
    f["filing"].update(filed_name=f["name"], filed_address=f["address"])
    f["premises"] = {
        "tenure": "free_use",
        "materials_test": {"test_date": "2024-01-10", "passed": True},
        "maintenance_last_date": "2026-07-01",
    }
    f["building"] = {
        "standalone": False,
        "storeys_above_ground": 5,
        "fire_resistance_grade": 3,
        "seismic_category": "丙",
        "high_rise": False,
        "independent_exits": False,
        "independent_stairs": True,
    }
    f["classes"] = [
        {"id": "C3", "type": "older", "min_age_months": 24, "max_age_months": 36, "enrolled": 14, "carers": 2}
    ]
    f["rooms"] = [dict(r, floor=3) for r in base["rooms"] if r.get("class_id") == "C3"] + [
        {"id": "R320", "type": "health_observation", "floor": 3, "area_m2": 6.5, "beds": 1}
    ]
    f["safety"]["guard_rails"] = [
        {"location": "三层内天井", "height_m": 1.10, "bar_spacing_m": 0.11, "vertical_bars": True}
    ]  # built to the 2016 edition
    f["safety"]["windows"] = [
        {"room_id": "R201", "sill_height_m": 0.9, "inward_opening_below_1_8m": False, "fly_screens": True}
    ]
    f["safety"]["doors"] = [
        {
            "room_id": r,
            "type": "hinged",
            "opens_in_escape_direction": True,
            "has_threshold": False,
            "safety_glass_below_1_2m": True,
        }
        for r in ("R201", "R202")
    ]
    f["outdoor"] = {
        "area_m2": 0,
        "uses_public_space": True,
        "equipment_present": True,
        "protection_present": True,
    }
    f["meals"] = {"serves_meals": False}
    f["documents"].pop("food_licence")
    f["staff"] = [f["staff"][0], *f["staff"][7:9], f["staff"][10], f["staff"][11]]
    f["children"] = {k: (14 if k != "returned_after_3_months_unchecked" else 0) for k in base["children"]}
    f["filing"]["filed_capacity"] = 20
    f["inspection"] = {
        "inspection_date": "2026-11-02",
        "inspector": "韩冬（和平区卫生健康局）",
        "evidence_refs": ["HP-005-P01"],
    }
    at(f, *SITES["HP-005"], HALF)
    out["hp-005-employer-combined-building.json"] = f

    # HP-006: a sparse record as a provider submits it before registration, located in GCJ-02
    lon, lat = SITES["HP-006"]
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    f = {
        "schema_version": "1.0",
        "facility_id": "HP-006",
        "name": "沈阳市和平区彩虹屋托育（筹）",
        "division_code": "210102",
        "address": "辽宁省沈阳市和平区集贤街 3 号",
        "operator_type": "community",
        "service_types": ["full_day", "hourly"],
        "status": "operating",
        "location": {
            "crs": "GCJ02",
            "longitude": round(float(glon[0]), 7),
            "latitude": round(float(glat[0]), 7),
        },
        "premises": {"tenure": "leased", "lease_start": "2026-09-01", "lease_end": "2031-08-31"},
        "classes": [
            {
                "id": "A",
                "type": "toddler",
                "min_age_months": 12,
                "max_age_months": 24,
                "enrolled": 10,
                "carers": 2,
            }
        ],
        "operations": {"outdoor_minutes_per_day": 120},
        "inspection": {"inspection_date": "2026-11-10"},
    }
    out["hp-006-self-check-gcj02.json"] = f
    return out


def feature(fid, kind, geometry, **props):
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {"kind": kind, **props}}


def edge(site, side):
    lon, lat = SITES[site]
    return offset(lon, lat, {"N": 0, "E": 90, "S": 180, "W": 270}[side], HALF)


def hazards():
    feats = []
    # 38 m east of HP-002's east edge: fails the 50 m rule
    e = edge("HP-002", "E")
    feats.append(
        feature(
            "FS-01",
            "fuel_station",
            {"type": "Point", "coordinates": offset(*e, 90, 38.0)},
            name="中石油太原街加油站",
        )
    )
    # 51 m north of HP-001's north edge: passes
    n = edge("HP-001", "N")
    feats.append(
        feature(
            "FS-02",
            "fuel_station",
            {"type": "Point", "coordinates": offset(*n, 0, 51.0)},
            name="中石化南京街加油站",
        )
    )
    # a 110 kV line crossing HP-004's site west to east
    lon, lat = SITES["HP-004"]
    feats.append(
        feature(
            "PL-110-01",
            "power_line",
            {"type": "LineString", "coordinates": [offset(lon, lat, 270, 400), offset(lon, lat, 90, 400)]},
            name="110 kV 长白线",
            voltage_kv=110,
        )
    )
    # a medium-pressure gas pipeline 20 m south of HP-005: passes its 1.5 m distance, must not cross
    s = edge("HP-005", "S")
    start = offset(*s, 180, 20.0)
    feats.append(
        feature(
            "GP-01",
            "gas_pipeline",
            {"type": "LineString", "coordinates": [offset(*start, 270, 300), offset(*start, 90, 300)]},
            name="三好街中压燃气管",
            pressure_class="medium_a",
        )
    )
    return {
        "type": "FeatureCollection",
        "name": "沈阳市和平区危险源（WGS-84）",
        "coordinate_system": "WGS84",
        "features": feats,
    }


def hazards_gcj02():
    """A layer as exported from a web map (GCJ-02)."""
    feats = []
    # HP-006 has only a location point: distances are measured from it
    # waste-transfer station: a 30 m square whose east side lies 80 m west of HP-006 (fails 100 m)
    centre = offset(*SITES["HP-006"], 270, 80.0 + 15.0)
    ring = square(*centre, 15.0)
    feats.append(
        feature(
            "WT-01", "pollution_source", {"type": "Polygon", "coordinates": [ring]}, name="集贤街垃圾转运站"
        )
    )
    # a market 30 m north of HP-006 (not adjacent: passes)
    centre = offset(*SITES["HP-006"], 0, 30.0 + 25.0)
    feats.append(
        feature(
            "MK-01",
            "crowded_venue",
            {"type": "Polygon", "coordinates": [square(*centre, 25.0)]},
            name="集贤农贸市场",
        )
    )

    def to_gcj(geom):
        def conv(pt):
            g = wgs84_to_gcj02(np.array([pt[0]]), np.array([pt[1]]))
            return [round(float(g[0][0]), 7), round(float(g[1][0]), 7)]

        if geom["type"] == "Polygon":
            return {"type": "Polygon", "coordinates": [[conv(p) for p in r] for r in geom["coordinates"]]}
        return geom

    for f in feats:
        f["geometry"] = to_gcj(f["geometry"])
    return {
        "type": "FeatureCollection",
        "name": "沈阳市和平区危险源（高德导出，GCJ-02）",
        "coordinate_system": "GCJ02",
        "features": feats,
    }


def broken(base):
    out = {}
    out["invalid-json.json"] = (
        '{\n  "schema_version": "1.0",\n  "facility_id": "HP-901",\n  "name": "语法错误示例",\n}\n'
    )
    out["empty.json"] = ""
    out["duplicate-key.json"] = (
        '{"schema_version": "1.0", "facility_id": "HP-903", "name": "重复键示例", "name": "又一个名称"}\n'
    )
    out["nan.json"] = (
        '{"schema_version": "1.0", "facility_id": "HP-904", "name": "NaN 示例", "outdoor": {"area_m2": NaN}}\n'
    )
    f = copy.deepcopy(base)
    f.update(facility_id="HP-905", name="多处错误示例托育中心")
    f["uscc"] = f["uscc"][:17] + ("0" if f["uscc"][17] != "0" else "1")  # wrong check digit
    f["enroled"] = 30  # typo of a field name
    f["outdoor"]["area_m2"] = -50  # negative area
    f["staff"][2]["health_checks"]["last_annual_date"] = "2023-02-30"  # impossible date
    f["classes"][0]["enrolled"] = "八"  # wrong type
    f["location"] = {
        "crs": "WGS84",
        "longitude": 41.7889,
        "latitude": 123.3962,
    }  # swapped (and latitude out of range)
    f["systems"]["emergency_drills"]["last_date"] = "2030-01-01"  # in the future
    out["many-errors.json"] = json.dumps(f, ensure_ascii=False, indent=2) + "\n"
    g = copy.deepcopy(base)
    g.update(facility_id="HP-906", name="坐标填反示例托育中心")
    g["location"] = {"crs": "WGS84", "longitude": 41.7889, "latitude": 85.3962}
    out["outside-china.json"] = json.dumps(g, ensure_ascii=False, indent=2) + "\n"
    return out


def main():
    fac_dir = ROOT / "samples" / "facilities"
    haz_dir = ROOT / "samples" / "hazards"
    bad_dir = ROOT / "samples" / "broken"
    for d in (fac_dir, haz_dir, bad_dir):
        d.mkdir(parents=True, exist_ok=True)
    records = facilities()
    for name, record in records.items():
        (fac_dir / name).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (haz_dir / "heping-hazards.geojson").write_text(
        json.dumps(hazards(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (haz_dir / "heping-gcj02.geojson").write_text(
        json.dumps(hazards_gcj02(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for name, text in broken(records["hp-001-compliant.json"]).items():
        (bad_dir / name).write_text(text, encoding="utf-8")
    gbk = copy.deepcopy(records["hp-001-compliant.json"])
    gbk.update(facility_id="HP-907", name="沈阳市和平区GBK编码示例托育中心")
    (bad_dir / "gbk-encoded.json").write_bytes(json.dumps(gbk, ensure_ascii=False, indent=2).encode("gbk"))


if __name__ == "__main__":
    main()
