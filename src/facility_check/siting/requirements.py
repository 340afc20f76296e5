"""Required distances: what a facility must keep from one hazard, and why (the source cited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..problems import Text
from ..resources import siting_rules

if TYPE_CHECKING:
    from .layers import Hazard


@dataclass(frozen=True)
class Requirement:
    distance_m: float
    source: str
    from_record: bool
    must_not_cross: bool
    note: Text | None = None


def _band(table: dict[str, float], value: float) -> float | None:
    chosen = None
    for threshold, distance in sorted(((float(k), float(v)) for k, v in table.items())):
        if value >= threshold:
            chosen = distance
    return chosen


def requirement(
    hazard: Hazard, users: int | None, overrides: dict[str, tuple[float, str]]
) -> Requirement | None:
    """The distance a facility with ``users`` people must keep from ``hazard`` (None: not a hazard)."""
    rules = siting_rules()["kinds"][hazard.kind]
    props = hazard.properties
    must_not_cross = bool(rules.get("must_not_cross", False))
    if "required_distance_m" in props:
        src = props.get("required_distance_source") or "危险源记录给出的距离（如环评卫生防护距离）"
        return Requirement(
            float(props["required_distance_m"]),
            f"{src} [record]",
            True,
            must_not_cross or hazard.kind == "power_line",
        )
    if hazard.kind in overrides:
        value, src = overrides[hazard.kind]
        return Requirement(value, src, False, must_not_cross or hazard.kind == "power_line")
    default = float(rules["required_m"]["value"])
    source = str(rules["required_m"]["source"])
    if hazard.kind == "power_line":
        kv = float(props["voltage_kv"])
        if kv < float(rules["min_voltage_kv"]):
            return None
        half = _band(rules["half_corridor_m_by_voltage_kv"], kv)
        zone = _band(rules["protection_zone_m_by_voltage_kv"], kv)
        note = (
            Text(
                f"{kv:g} kV 线路，保护区 {zone:g} m（电力设施保护条例）",
                f"{kv:g} kV line, protection zone {zone:g} m",
            )
            if zone
            else None
        )
        return Requirement(
            float(half if half is not None else default), str(rules["source_note"]), False, True, note
        )
    if hazard.kind == "gas_pipeline" and props.get("pressure_class") in rules["by_pressure_m"]:
        pc = props["pressure_class"]
        return Requirement(
            float(rules["by_pressure_m"][pc]), f"GB 50028（{pc}）；JGJ 39 3.1.2 不得穿越场地", False, True
        )
    if (
        hazard.kind == "fuel_station"
        and users is not None
        and users <= int(rules["small_facility_users_max"])
    ):
        grade = props.get("station_grade")
        recovery = props.get("vapour_recovery", "none")
        if grade is not None:
            value = float(rules["small_facility_by_grade"][recovery][str(grade)])
            return Requirement(
                value, f"{rules['small_facility_source']}（{grade} 级站，{recovery}）", False, must_not_cross
            )
    return Requirement(default, source, False, must_not_cross)
