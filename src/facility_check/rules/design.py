"""Predicates of the building design rules: JGJ 39, GB 50016 5.4.4, GB 50223 6.0.8.

A list that is given but empty (``"guard_rails": []``) means the inspector recorded that there is
none (a single-storey building has no stair): the rule is then not applicable. A list that is
absent means unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..record import ClassType, DoorType, Facility, Room, RoomType, SeismicCategory
from ..validate import LIFE_ROOM_TYPES
from .base import Check, Context, Params, met, not_applicable, unknown, unmet
from .setup import CLASS_ZH

DOOR_ZH = {
    DoorType.hinged: "平开门",
    DoorType.revolving: "旋转门",
    DoorType.spring: "弹簧门",
    DoorType.sliding: "推拉门",
    DoorType.folding: "折叠门",
}
NURSERY_TYPES = {ClassType.infant, ClassType.toddler, ClassType.older, ClassType.mixed}
ROOM_ZH = {
    RoomType.sleeping: "睡眠区",
    RoomType.activity: "活动区",
    RoomType.sleeping_activity: "睡眠活动合用区",
    RoomType.milk_preparation: "配乳区",
    RoomType.food_preparation: "配餐区",
    RoomType.cleaning: "清洁区",
    RoomType.toilet: "卫生间",
    RoomType.washroom: "盥洗室",
    RoomType.storage: "储藏区",
    RoomType.feeding: "喂奶室",
}


def _life_rooms(f: Facility) -> list[tuple[int, Room]]:
    return [(i, r) for i, r in enumerate(f.rooms or []) if r.type in LIFE_ROOM_TYPES]


def _classes_by_id(f: Facility) -> dict[str | None, Any]:
    """Each class by its id (the first class of an id, as a search in order finds)."""
    by_id: dict[str | None, Any] = {}
    for c in f.classes or []:
        by_id.setdefault(c.id, c)
    return by_id


def not_below_ground(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Life rooms are not in a basement or semi-basement."""
    rooms = _life_rooms(f)
    if f.rooms is None or not rooms:
        yield unknown("未提供生活用房信息", "no life rooms given", "$.rooms")
        return
    for i, r in rooms:
        path = f"$.rooms[{i}]"
        if r.floor is None:
            yield unknown(f"房间 {r.id} 楼层未知", f"room {r.id}: floor not given", f"{path}.floor")
        elif r.floor < 0 or r.semi_basement:
            where = "半地下室" if r.semi_basement else f"地下 {-r.floor} 层"
            yield unmet(
                f"生活用房 {r.id} 位于{where}；生活用房不得设在地下室或半地下室",
                f"life room {r.id} is below ground; life rooms must not be in a basement or semi-basement",
                f"{path}.floor",
                f"{path}.semi_basement",
                measured=r.floor,
                required=">= 1, not semi-basement",
            )
        else:
            yield met(
                f"生活用房 {r.id} 位于地上 {r.floor} 层",
                f"life room {r.id} above ground (floor {r.floor})",
                f"{path}.floor",
                measured=r.floor,
            )


def nursery_floors(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Nursery life rooms on the ground floor; only 托大班 on the 2nd, at most ``second_floor_max_children``."""
    limit = int(p["second_floor_max_children"])
    class_of = _classes_by_id(f)
    rooms = [
        (i, r)
        for i, r in _life_rooms(f)
        if (c := class_of.get(r.class_id)) is not None and c.type in NURSERY_TYPES
    ]
    if f.rooms is None or not rooms:
        yield unknown("未提供托育班级的生活用房", "no life rooms of nursery classes given", "$.rooms")
        return
    second_floor_classes: set[str] = set()
    for i, r in rooms:
        cls = class_of[r.class_id]
        path = f"$.rooms[{i}].floor"
        name = CLASS_ZH[cls.type]
        if r.floor is None:
            yield unknown(f"房间 {r.id} 楼层未知", f"room {r.id}: floor not given", path)
        elif r.floor == 1 or r.floor < 1:  # below ground is rule 4.1.3's business
            yield met(
                f"{name} {cls.id} 的 {r.id} 在首层",
                f"{cls.type} class {cls.id}: {r.id} on the ground floor",
                path,
                measured=r.floor,
            )
        elif r.floor == 2 and cls.type == ClassType.older:
            second_floor_classes.add(cls.id)
            yield met(
                f"托大班 {cls.id} 的 {r.id} 在二层（允许）",
                f"older class {cls.id}: {r.id} on the 2nd floor (allowed)",
                path,
                measured=r.floor,
            )
        else:
            allowed = "首层（托大班可在二层）"
            yield unmet(
                f"{name} {cls.id} 的生活用房 {r.id} 在 {r.floor} 层；托儿所生活用房应在{allowed}",
                f"{cls.type} class {cls.id} has life room {r.id} on floor {r.floor}; nursery life rooms belong on the "
                "ground floor (only 托大班 may be on the 2nd)",
                path,
                f"$.classes[{[c.id for c in f.classes or []].index(cls.id)}].type",
                measured=r.floor,
                required="1 (托大班: <= 2)",
            )
    if second_floor_classes:
        enrolled = [c.enrolled for c in f.classes or [] if c.id in second_floor_classes]
        if any(e is None for e in enrolled):
            yield unknown(
                "二层托大班人数未知",
                "enrolment of the 2nd-floor classes unknown",
                "$.classes",
                required=f"<= {limit}",
            )
        else:
            total = sum(e for e in enrolled if e is not None)
            if total > limit:
                yield unmet(
                    f"二层托大班共 {total} 人，超过 {limit} 人",
                    f"{total} children on the 2nd floor, over {limit}",
                    "$.classes",
                    measured=total,
                    required=f"<= {limit}",
                )
            else:
                yield met(
                    f"二层托大班共 {total} 人（≤{limit}）",
                    f"{total} children on the 2nd floor (<= {limit})",
                    "$.classes",
                    measured=total,
                    required=f"<= {limit}",
                )


def kindergarten_floors(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Kindergarten life rooms on the ``max_floor``-th floor or lower."""
    top = int(p["max_floor"])
    class_of = _classes_by_id(f)
    rooms = [
        (i, r)
        for i, r in _life_rooms(f)
        if (c := class_of.get(r.class_id)) is not None and c.type == ClassType.kindergarten
    ]
    kindergarten = [c for c in f.classes or [] if c.type == ClassType.kindergarten]
    if f.classes is None:
        yield unknown("未提供班级信息", "no classes given", "$.classes")
        return
    if not kindergarten:
        yield not_applicable("没有幼儿园班级", "no kindergarten classes", "$.classes")
        return
    if not rooms:
        yield unknown(
            "有幼儿园班级，但未提供其生活用房", "kindergarten classes without their life rooms", "$.rooms"
        )
        return
    for i, r in rooms:
        path = f"$.rooms[{i}].floor"
        if r.floor is None:
            yield unknown(f"房间 {r.id} 楼层未知", f"room {r.id}: floor not given", path)
        elif r.floor > top:
            yield unmet(
                f"幼儿园生活用房 {r.id} 在 {r.floor} 层，应在 {top} 层及以下",
                f"kindergarten life room {r.id} on floor {r.floor}, above {top}",
                path,
                measured=r.floor,
                required=f"<= {top}",
            )
        else:
            yield met(
                f"幼儿园生活用房 {r.id} 在 {r.floor} 层",
                f"kindergarten life room {r.id} on floor {r.floor}",
                path,
                measured=r.floor,
                required=f"<= {top}",
            )


def _each(
    items: list[Any] | None, base: str, none_zh: str, none_en: str
) -> Iterator[tuple[str, Any]] | Check:
    if items is None:
        return unknown(f"未提供{none_zh}", f"no {none_en} given", base)
    if not items:
        return not_applicable(f"记录为没有{none_zh}", f"recorded as having no {none_en}", base)
    return ((f"{base}[{i}]", item) for i, item in enumerate(items))


def guard_rails(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Guard rails: net height ≥ ``min_height_m``, vertical bars with clear spacing ≤ ``max_spacing_m``."""
    h_min, gap_max = float(p["min_height_m"]), float(p["max_spacing_m"])
    items = _each(
        f.safety.guard_rails if f.safety else None, "$.safety.guard_rails", "临空处防护栏杆", "guard rails"
    )
    if isinstance(items, Check):
        yield items
        return
    for path, rail in items:
        if rail.height_m is None:
            yield unknown(
                f"{rail.location} 栏杆高度未测",
                f"{rail.location}: rail height not measured",
                f"{path}.height_m",
                required=f">= {h_min}",
            )
        elif rail.height_m < h_min:
            yield unmet(
                f"{rail.location} 栏杆净高 {rail.height_m:.2f} m，低于 {h_min:.2f} m；请加高",
                f"{rail.location}: rail {rail.height_m:.2f} m high, below {h_min:.2f} m; raise it",
                f"{path}.height_m",
                measured=rail.height_m,
                required=f">= {h_min}",
            )
        else:
            yield met(
                f"{rail.location} 栏杆净高 {rail.height_m:.2f} m",
                f"{rail.location}: rail {rail.height_m:.2f} m",
                f"{path}.height_m",
                measured=rail.height_m,
                required=f">= {h_min}",
            )
        if rail.bar_spacing_m is None:
            yield unknown(
                f"{rail.location} 栏杆净距未测",
                f"{rail.location}: bar spacing not measured",
                f"{path}.bar_spacing_m",
                required=f"<= {gap_max}",
            )
        elif rail.bar_spacing_m > gap_max:
            yield unmet(
                f"{rail.location} 栏杆净距 {rail.bar_spacing_m:.3f} m，大于 {gap_max} m",
                f"{rail.location}: bars {rail.bar_spacing_m:.3f} m apart, over {gap_max} m",
                f"{path}.bar_spacing_m",
                measured=rail.bar_spacing_m,
                required=f"<= {gap_max}",
            )
        else:
            yield met(
                f"{rail.location} 栏杆净距 {rail.bar_spacing_m:.3f} m",
                f"{rail.location}: bar spacing {rail.bar_spacing_m:.3f} m",
                f"{path}.bar_spacing_m",
                measured=rail.bar_spacing_m,
                required=f"<= {gap_max}",
            )
        if rail.vertical_bars is None:
            yield unknown(
                f"{rail.location} 栏杆是否为防攀爬的垂直杆件未说明",
                f"{rail.location}: whether the rail has (non-climbable) vertical bars is not stated",
                f"{path}.vertical_bars",
                required=True,
            )
        elif rail.vertical_bars is False:
            yield unmet(
                f"{rail.location} 栏杆不是垂直杆件（易攀爬）",
                f"{rail.location}: rail bars are not vertical (climbable)",
                f"{path}.vertical_bars",
                measured=False,
                required=True,
            )


def window_guards(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Low sills guarded to ``guard_height_m``; no inward-opening sashes below 1.80 m."""
    sill_min = float(p["guard_height_m"])
    items = _each(f.safety.windows if f.safety else None, "$.safety.windows", "窗户信息", "windows")
    if isinstance(items, Check):
        yield items
        return
    for path, w in items:
        if w.sill_height_m is None:
            yield unknown(
                f"{w.room_id} 窗台高度未测", f"{w.room_id}: sill height not measured", f"{path}.sill_height_m"
            )
        elif w.sill_height_m < sill_min:
            if w.guard_height_m is None:
                yield unknown(
                    f"{w.room_id} 窗台低于 {sill_min} m，防护高度未测",
                    f"{w.room_id}: low sill, guard height not measured",
                    f"{path}.guard_height_m",
                    required=f">= {sill_min}",
                )
            elif w.guard_height_m < sill_min:
                yield unmet(
                    f"{w.room_id} 窗台 {w.sill_height_m} m，防护高度 {w.guard_height_m} m，低于 {sill_min} m",
                    f"{w.room_id}: sill {w.sill_height_m} m with a guard of {w.guard_height_m} m, below {sill_min} m",
                    f"{path}.guard_height_m",
                    measured=w.guard_height_m,
                    required=f">= {sill_min}",
                )
            else:
                yield met(
                    f"{w.room_id} 低窗台已设 {w.guard_height_m} m 防护",
                    f"{w.room_id}: low sill guarded to {w.guard_height_m} m",
                    f"{path}.guard_height_m",
                    measured=w.guard_height_m,
                )
        else:
            yield met(
                f"{w.room_id} 窗台 {w.sill_height_m} m",
                f"{w.room_id}: sill {w.sill_height_m} m",
                f"{path}.sill_height_m",
                measured=w.sill_height_m,
            )
        if w.inward_opening_below_1_8m is None:
            yield unknown(
                f"{w.room_id} 是否有 1.80 m 以下内开窗扇未知",
                f"{w.room_id}: inward sashes below 1.80 m not stated",
                f"{path}.inward_opening_below_1_8m",
            )
        elif w.inward_opening_below_1_8m:
            yield unmet(
                f"{w.room_id} 1.80 m 以下设内开窗扇",
                f"{w.room_id} has inward-opening sashes below 1.80 m",
                f"{path}.inward_opening_below_1_8m",
                measured=True,
                required=False,
            )


def doors(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Children's doors: no forbidden types, open in the escape direction, no threshold, safety glass."""
    forbidden = {str(t) for t in p["forbidden_types"]}
    items = _each(f.safety.doors if f.safety else None, "$.safety.doors", "门的信息", "doors")
    if isinstance(items, Check):
        yield items
        return
    for path, d in items:
        if d.type is None:
            yield unknown(f"{d.room_id} 门的类型未知", f"{d.room_id}: door type not given", f"{path}.type")
        elif str(d.type) in forbidden:
            yield unmet(
                f"{d.room_id} 使用了{DOOR_ZH.get(d.type, str(d.type))}；幼儿用房不应设旋转门、弹簧门、推拉门",
                f"{d.room_id} has a {d.type} door, which children's rooms must not have",
                f"{path}.type",
                measured=str(d.type),
                required=f"not {sorted(forbidden)}",
            )
        else:
            yield met(
                f"{d.room_id} 为{DOOR_ZH.get(d.type, str(d.type))}",
                f"{d.room_id}: {d.type} door",
                f"{path}.type",
            )
        for key, want, zh, en in (
            ("opens_in_escape_direction", True, "向疏散方向开启", "opens in the escape direction"),
            ("has_threshold", False, "不设门槛", "has no threshold"),
            ("safety_glass_below_1_2m", True, "1.20 m 以下使用安全玻璃", "safety glass below 1.20 m"),
        ):
            value = getattr(d, key)
            if value is None:
                yield unknown(
                    f"{d.room_id} 门是否{zh}未知",
                    f"{d.room_id}: whether the door {en} is not stated",
                    f"{path}.{key}",
                )
            elif value != want:
                yield unmet(
                    f"{d.room_id} 门未做到{zh}",
                    f"{d.room_id}: the door does not meet '{en}'",
                    f"{path}.{key}",
                    measured=value,
                    required=want,
                )


def stair_wells(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Stair wells wider than ``well_max_m`` protected against climbing; balusters ≤ ``baluster_max_m``."""
    well_max, gap_max = float(p["well_max_m"]), float(p["baluster_max_m"])
    items = _each(f.safety.stairs if f.safety else None, "$.safety.stairs", "楼梯信息", "stairs")
    if isinstance(items, Check):
        yield items
        return
    for path, s in items:
        if s.well_width_m is None:
            yield unknown(
                f"楼梯 {s.id} 梯井宽度未测", f"stair {s.id}: well width not measured", f"{path}.well_width_m"
            )
        elif s.well_width_m > well_max:
            if s.anti_climb is None:
                yield unknown(
                    f"楼梯 {s.id} 梯井 {s.well_width_m} m，防攀滑措施未知",
                    f"stair {s.id}: well {s.well_width_m} m, anti-climb unknown",
                    f"{path}.anti_climb",
                )
            elif not s.anti_climb:
                yield unmet(
                    f"楼梯 {s.id} 梯井净宽 {s.well_width_m} m 大于 {well_max} m，未设防攀滑措施",
                    f"stair {s.id}: well {s.well_width_m} m wider than {well_max} m without anti-climb protection",
                    f"{path}.anti_climb",
                    f"{path}.well_width_m",
                    measured=s.well_width_m,
                    required=f"<= {well_max} or anti-climb",
                )
            else:
                yield met(
                    f"楼梯 {s.id} 梯井已设防攀滑措施", f"stair {s.id}: well protected", f"{path}.anti_climb"
                )
        else:
            yield met(
                f"楼梯 {s.id} 梯井 {s.well_width_m} m",
                f"stair {s.id}: well {s.well_width_m} m",
                f"{path}.well_width_m",
                measured=s.well_width_m,
            )
        if s.baluster_spacing_m is None:
            yield unknown(
                f"楼梯 {s.id} 栏杆净距未测",
                f"stair {s.id}: baluster spacing not measured",
                f"{path}.baluster_spacing_m",
            )
        elif s.baluster_spacing_m > gap_max:
            yield unmet(
                f"楼梯 {s.id} 栏杆净距 {s.baluster_spacing_m} m，大于 {gap_max} m",
                f"stair {s.id}: balusters {s.baluster_spacing_m} m apart, over {gap_max} m",
                f"{path}.baluster_spacing_m",
                measured=s.baluster_spacing_m,
                required=f"<= {gap_max}",
            )
        else:
            yield met(
                f"楼梯 {s.id} 栏杆净距 {s.baluster_spacing_m} m",
                f"stair {s.id}: baluster spacing {s.baluster_spacing_m} m",
                f"{path}.baluster_spacing_m",
                measured=s.baluster_spacing_m,
            )


def stair_steps(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Children's stairs: no winding or spiral steps."""
    items = _each(f.safety.stairs if f.safety else None, "$.safety.stairs", "楼梯信息", "stairs")
    if isinstance(items, Check):
        yield items
        return
    for path, s in items:
        if s.winding_steps is None:
            yield unknown(
                f"楼梯 {s.id} 是否为扇形/螺旋踏步未知",
                f"stair {s.id}: winding steps not stated",
                f"{path}.winding_steps",
            )
        elif s.winding_steps:
            yield unmet(
                f"楼梯 {s.id} 采用扇形或螺旋形踏步",
                f"stair {s.id} has winding or spiral steps",
                f"{path}.winding_steps",
                measured=True,
                required=False,
            )
        else:
            yield met(
                f"楼梯 {s.id} 无扇形/螺旋踏步", f"stair {s.id}: straight steps", f"{path}.winding_steps"
            )


def stair_dimensions(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Recommended: riser ≤ ``riser_max_m``, tread ≥ ``tread_min_m``, child handrail at ``child_handrail_height_m``."""
    riser_max, tread_min = float(p["riser_max_m"]), float(p["tread_min_m"])
    rail, tolerance = float(p["child_handrail_height_m"]), float(p["child_handrail_tolerance_m"])
    items = _each(f.safety.stairs if f.safety else None, "$.safety.stairs", "楼梯信息", "stairs")
    if isinstance(items, Check):
        yield items
        return
    for path, s in items:
        for key, label_zh, label_en, value, good, want in (
            (
                "riser_m",
                "踏步高度",
                "riser",
                s.riser_m,
                s.riser_m is not None and s.riser_m <= riser_max,
                f"<= {riser_max:g}",
            ),
            (
                "tread_m",
                "踏步宽度",
                "tread",
                s.tread_m,
                s.tread_m is not None and s.tread_m >= tread_min,
                f">= {tread_min:g}",
            ),
            (
                "child_handrail_height_m",
                "幼儿扶手高度",
                "child handrail height",
                s.child_handrail_height_m,
                s.child_handrail_height_m is not None
                and round(abs(s.child_handrail_height_m - rail), 6) <= tolerance,
                f"{rail:g} ± {tolerance:g}",
            ),
        ):
            if value is None:
                yield unknown(
                    f"楼梯 {s.id} {label_zh}未测",
                    f"stair {s.id}: {label_en} not measured",
                    f"{path}.{key}",
                    required=want,
                )
            elif not good:
                yield unmet(
                    f"楼梯 {s.id} {label_zh} {value:g} m，宜 {want} m",
                    f"stair {s.id}: {label_en} {value:g} m, recommended {want} m",
                    f"{path}.{key}",
                    measured=value,
                    required=want,
                )
            else:
                yield met(
                    f"楼梯 {s.id} {label_zh} {value:g} m",
                    f"stair {s.id}: {label_en} {value:g} m",
                    f"{path}.{key}",
                    measured=value,
                    required=want,
                )


def stair_handrails(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Children's stairs have child-height handrails on both sides of every flight."""
    items = _each(f.safety.stairs if f.safety else None, "$.safety.stairs", "楼梯信息", "stairs")
    if isinstance(items, Check):
        yield items
        return
    for path, s in items:
        if s.handrails_both_sides is None:
            yield unknown(
                f"楼梯 {s.id} 是否两侧均设幼儿扶手未说明",
                f"stair {s.id}: child handrails on both sides not stated",
                f"{path}.handrails_both_sides",
                required=True,
            )
        elif not s.handrails_both_sides:
            yield unmet(
                f"楼梯 {s.id} 未在梯段两侧设幼儿扶手",
                f"stair {s.id} lacks child handrails on both sides",
                f"{path}.handrails_both_sides",
                measured=False,
                required=True,
            )
        else:
            yield met(
                f"楼梯 {s.id} 两侧均设幼儿扶手",
                f"stair {s.id}: child handrails on both sides",
                f"{path}.handrails_both_sides",
                measured=True,
            )


def _children_room_windows(f: Facility) -> Iterator[tuple[str, Any, Room | None]]:
    rooms = {r.id: r for r in f.rooms or []}
    for i, w in enumerate(f.safety.windows or [] if f.safety else []):
        yield f"$.safety.windows[{i}]", w, rooms.get(w.room_id)


def window_screens(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Opening sashes of the windows of children's rooms have fly screens."""
    items = _each(f.safety.windows if f.safety else None, "$.safety.windows", "窗户信息", "windows")
    if isinstance(items, Check):
        yield items
        return
    for path, w in items:
        if w.fly_screens is None:
            yield unknown(
                f"{w.room_id} 开启扇是否设纱窗未说明",
                f"{w.room_id}: fly screens not stated",
                f"{path}.fly_screens",
                required=True,
            )
        elif not w.fly_screens:
            yield unmet(
                f"{w.room_id} 外窗开启扇未设纱窗",
                f"{w.room_id}: opening sashes without fly screens",
                f"{path}.fly_screens",
                measured=False,
                required=True,
            )
        else:
            yield met(f"{w.room_id} 开启扇设纱窗", f"{w.room_id}: fly screens fitted", f"{path}.fly_screens")


def window_sills(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Recommended: window sills of activity rooms at most ``max_sill_m`` above the floor."""
    top = float(p["max_sill_m"])
    if f.safety is None or f.safety.windows is None:
        yield unknown("未提供窗户信息", "no windows given", "$.safety.windows")
        return
    types = {RoomType.activity, RoomType.sleeping_activity}
    found = False
    for path, w, room in _children_room_windows(f):
        if room is None or room.type not in types:
            continue
        found = True
        if w.sill_height_m is None:
            yield unknown(
                f"{w.room_id} 窗台高度未测", f"{w.room_id}: sill height not measured", f"{path}.sill_height_m"
            )
        elif w.sill_height_m > top:
            yield unmet(
                f"活动室 {w.room_id} 窗台 {w.sill_height_m:g} m，宜不高于 {top:g} m",
                f"activity room {w.room_id}: sill {w.sill_height_m:g} m, recommended at most {top:g} m",
                f"{path}.sill_height_m",
                measured=w.sill_height_m,
                required=f"<= {top:g}",
            )
        else:
            yield met(
                f"活动室 {w.room_id} 窗台 {w.sill_height_m:g} m",
                f"activity room {w.room_id}: sill {w.sill_height_m:g} m",
                f"{path}.sill_height_m",
                measured=w.sill_height_m,
                required=f"<= {top:g}",
            )
    if not found:
        activity = [i for i, r in enumerate(f.rooms or []) if r.type in types]
        if activity:
            yield unknown(
                "未记录活动室的窗户", "the windows of the activity rooms are not recorded", "$.safety.windows"
            )
        elif f.rooms is None:
            yield unknown("未提供房间信息", "no rooms given", "$.rooms")
        else:
            yield not_applicable("没有活动室", "no activity rooms", "$.rooms")


_AREA_TABLES: dict[int, tuple[Any, dict[str, list[tuple[str, float]]]]] = {}


def _area_tables(areas: Any) -> dict[str, list[tuple[str, float]]]:
    """The parameter ``areas_m2`` as class type → sorted (room type, minimum m²), worked out once
    per catalogue (kept beside the parameter so its id cannot be reused while cached)."""
    cached = _AREA_TABLES.get(id(areas))
    if cached is not None and cached[0] is areas:
        return cached[1]
    tables = {str(k): sorted((str(rk), float(rv)) for rk, rv in v.items()) for k, v in areas.items()}
    if len(_AREA_TABLES) > 8:  # catalogues are few (one per overlay); never let this grow
        _AREA_TABLES.clear()
    _AREA_TABLES[id(areas)] = (areas, tables)
    return tables


def room_areas(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Minimum usable areas of each class's living unit (tables 4.2.3 / 4.2.3A)."""
    tables = _area_tables(p["areas_m2"])
    if not f.classes:
        yield unknown("未提供班级信息", "no classes given", "$.classes")
        return
    if not any(str(c.type) in tables for c in f.classes):
        yield not_applicable("没有托育班级（幼儿园班按幼儿园规定）", "no nursery classes", "$.classes")
        return
    if f.rooms is None:
        yield unknown("未提供房间信息", "no rooms given", "$.rooms")
        return
    for ci, cls in enumerate(f.classes):
        table = tables.get(str(cls.type))
        if table is None:
            continue
        rooms = [(i, r) for i, r in enumerate(f.rooms) if r.class_id == cls.id]
        name = CLASS_ZH[cls.type]
        minimum_of = dict(table)
        combined_min = minimum_of.get("combined")
        has_combined = any(r.type == RoomType.sleeping_activity for _, r in rooms)
        for room_type, minimum in table:
            if room_type == "combined":
                continue
            if has_combined and room_type in ("sleeping", "activity"):
                continue
            yield _area_check(cls.id, name, rooms, {room_type}, minimum, room_type, ci)
        if has_combined:
            need = (
                combined_min
                if combined_min is not None
                else minimum_of.get("sleeping", 0) + minimum_of.get("activity", 0)
            )
            yield _area_check(
                cls.id,
                name,
                rooms,
                {"sleeping_activity", "sleeping", "activity"},
                need,
                "sleeping_activity",
                ci,
            )


_ROOM_ZH_BY_VALUE = {str(t): zh for t, zh in ROOM_ZH.items()}


def _area_check(
    class_id: str,
    name: str,
    rooms: list[tuple[int, Room]],
    types: set[str],
    minimum: float,
    label: str,
    ci: int,
) -> Check:
    paths: list[str] = []
    areas: list[float] = []  # as given, a missing area as 0
    area_missing = False
    for i, r in rooms:  # one pass: this check runs for every room type of every class
        if str(r.type) in types:
            paths.append(f"$.rooms[{i}].area_m2")
            areas.append(r.area_m2 or 0)
            area_missing = area_missing or r.area_m2 is None
    label_zh = _ROOM_ZH_BY_VALUE.get(label)
    if label_zh is None:
        label_zh = ROOM_ZH.get(RoomType(label), label)
    if label == "storage" and name == CLASS_ZH[ClassType.older]:
        label_zh = "衣帽储藏间"  # the kindergarten unit's room (table 4.3.3)
    least = f"{minimum:g}"
    if not paths:
        return unmet(
            f"{name} {class_id} 缺少{label_zh}（应 ≥ {least} m²）",
            f"class {class_id} has no {label} area (>= {least} m² required)",
            f"$.classes[{ci}]",
            "$.rooms",
            measured=0,
            required=f">= {least}",
        )
    if area_missing:
        return unknown(
            f"{name} {class_id} 的{label_zh}面积未知",
            f"class {class_id}: {label} area not given",
            *paths,
            required=f">= {least}",
        )
    area = round(sum(areas), 2)
    shown = f"{area:g}"
    if area < minimum:
        return unmet(
            f"{name} {class_id} 的{label_zh}使用面积 {shown} m²，小于 {least} m²",
            f"class {class_id}: {label} area {shown} m² is below {least} m²",
            *paths,
            measured=area,
            required=f">= {least}",
        )
    return met(
        f"{name} {class_id} 的{label_zh} {shown} m²（≥ {least}）",
        f"class {class_id}: {label} {shown} m² (>= {least})",
        *paths,
        measured=area,
        required=f">= {least}",
    )


def outdoor_per_child(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Outdoor play area per child ≥ ``per_child_m2`` (``dense_urban_per_child_m2`` for dense urban rebuilds)."""
    total = f.enrolled_total()
    area = f.outdoor.area_m2 if f.outdoor else None
    dense = f.building.dense_urban_rebuild if f.building else None
    per_child = float(p["dense_urban_per_child_m2"] if dense else p["per_child_m2"])
    if total is None or area is None:
        yield unknown(
            "室外场地面积或在托人数未知",
            "outdoor area or enrolment not given",
            "$.outdoor.area_m2",
            "$.classes",
            required=f">= {per_child:g} m²/child",
        )
        return
    if total == 0:
        yield not_applicable("没有在托婴幼儿", "no children enrolled", "$.classes")
        return
    needed = round(per_child * total, 2)
    measured = round(area / total, 2)
    paths = ("$.outdoor.area_m2", "$.classes", "$.building.dense_urban_rebuild")
    if area < needed:
        yield unmet(
            f"室外场地 {area:g} m²，人均 {measured:g} m²，{total} 人应不少于 {needed:g} m²（{per_child:g} m²/人）",
            f"outdoor area {area:g} m² = {measured:g} m² per child; {total} children need {needed:g} m² ({per_child:g} m² each)",
            *paths,
            measured=measured,
            required=f">= {per_child:g}",
        )
    else:
        yield met(
            f"室外场地人均 {measured:g} m²（≥ {per_child:g}）",
            f"outdoor area {measured:g} m² per child (>= {per_child:g})",
            *paths,
            measured=measured,
            required=f">= {per_child:g}",
        )


def winter_sunlight(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Activity rooms and bedrooms get ≥ ``min_hours`` of winter-solstice sunlight."""
    minimum = float(p["min_hours"])
    rooms = _life_rooms(f)
    if not rooms:
        yield unknown("未提供生活用房", "no life rooms given", "$.rooms")
        return
    least = f"{minimum:g}"
    for i, r in rooms:
        path = f"$.rooms[{i}].winter_sunlight_hours"
        if r.winter_sunlight_hours is None:
            yield unknown(
                f"{r.id} 冬至日日照时数未知",
                f"{r.id}: winter-solstice sunlight not given",
                path,
                required=f">= {least}",
            )
            continue
        hours = f"{r.winter_sunlight_hours:g}"
        if r.winter_sunlight_hours < minimum:
            yield unmet(
                f"{r.id} 冬至日满窗日照 {hours} 小时，少于 {least} 小时",
                f"{r.id} gets {hours} h of winter-solstice sun, less than {least}",
                path,
                measured=r.winter_sunlight_hours,
                required=f">= {least}",
            )
        else:
            yield met(
                f"{r.id} 冬至日日照 {hours} 小时",
                f"{r.id}: {hours} h",
                path,
                measured=r.winter_sunlight_hours,
                required=f">= {least}",
            )


def design_class_sizes(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Design class sizes and at most ``max_classes`` nursery classes."""
    limits = {str(k): int(v) for k, v in p["class_limits"].items()}
    classes = [(i, c) for i, c in enumerate(f.classes or []) if c.type in NURSERY_TYPES]
    if not classes:
        yield unknown("未提供托育班级", "no nursery classes given", "$.classes")
        return
    max_classes = int(p["max_classes"])
    if len(classes) > max_classes:
        yield unmet(
            f"托育班级 {len(classes)} 个，超过 {max_classes} 个",
            f"{len(classes)} nursery classes, over {max_classes}",
            "$.classes",
            measured=len(classes),
            required=f"<= {max_classes}",
        )
    else:
        yield met(
            f"托育班级 {len(classes)} 个",
            f"{len(classes)} nursery classes",
            "$.classes",
            measured=len(classes),
            required=f"<= {max_classes}",
        )
    for i, c in classes:
        limit = limits.get(str(c.type))
        if limit is None:
            continue
        if c.enrolled is None:
            yield unknown(
                f"班级 {c.id} 人数未知", f"class {c.id}: enrolment not given", f"$.classes[{i}].enrolled"
            )
        elif c.enrolled > limit:
            yield unmet(
                f"{CLASS_ZH[c.type]} {c.id} {c.enrolled} 人，设计班额 {limit} 人",
                f"class {c.id}: {c.enrolled} children, design size {limit}",
                f"$.classes[{i}].enrolled",
                measured=c.enrolled,
                required=f"<= {limit}",
            )
        else:
            yield met(
                f"班级 {c.id} {c.enrolled} 人",
                f"class {c.id}: {c.enrolled}",
                f"$.classes[{i}].enrolled",
                measured=c.enrolled,
                required=f"<= {limit}",
            )


def fire_storeys(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Storeys (standalone) or floors (inside another building) within the limit of the fire-resistance grade."""
    b = f.building
    limits = {int(k): int(v) for k, v in p["max_floor_by_grade"].items()}
    if b is None or b.standalone is None or b.fire_resistance_grade is None:
        missing = (
            "$.building.standalone"
            if b is None or b.standalone is None
            else "$.building.fire_resistance_grade"
        )
        yield unknown("建筑是否独立或耐火等级未知", "standalone or fire-resistance grade not given", missing)
        return
    top = limits[b.fire_resistance_grade]
    if b.standalone:
        if b.storeys_above_ground is None:
            yield unknown(
                "建筑层数未知",
                "number of storeys not given",
                "$.building.storeys_above_ground",
                required=f"<= {top}",
            )
        elif b.storeys_above_ground > top:
            yield unmet(
                f"耐火等级{b.fire_resistance_grade}级的独立建筑 {b.storeys_above_ground} 层，不应超过 {top} 层",
                f"grade {b.fire_resistance_grade} standalone building of {b.storeys_above_ground} storeys; at most {top}",
                "$.building.storeys_above_ground",
                "$.building.fire_resistance_grade",
                measured=b.storeys_above_ground,
                required=f"<= {top}",
            )
        else:
            yield met(
                f"独立建筑 {b.storeys_above_ground} 层（耐火等级{b.fire_resistance_grade}级，≤ {top}）",
                f"standalone, {b.storeys_above_ground} storeys (grade {b.fire_resistance_grade}, <= {top})",
                "$.building.storeys_above_ground",
                measured=b.storeys_above_ground,
                required=f"<= {top}",
            )
        return
    child_rooms = [
        (i, r) for i, r in enumerate(f.rooms or []) if r.class_id is not None or r.type in LIFE_ROOM_TYPES
    ]
    if not child_rooms:
        yield unknown("未提供儿童用房楼层", "floors of the children's rooms not given", "$.rooms")
        return
    for i, r in child_rooms:
        path = f"$.rooms[{i}].floor"
        if r.floor is None:
            yield unknown(f"{r.id} 楼层未知", f"{r.id}: floor not given", path)
        elif r.floor > top:
            yield unmet(
                f"设在其他建筑内（耐火等级{b.fire_resistance_grade}级），儿童用房 {r.id} 在 {r.floor} 层，应在 {top} 层及以下",
                f"inside another building of grade {b.fire_resistance_grade}: children's room {r.id} on floor {r.floor}, must be on floor {top} or lower",
                path,
                "$.building.fire_resistance_grade",
                measured=r.floor,
                required=f"<= {top}",
            )
        else:
            yield met(
                f"{r.id} 在 {r.floor} 层（≤ {top}）",
                f"{r.id} on floor {r.floor} (<= {top})",
                path,
                measured=r.floor,
                required=f"<= {top}",
            )
    if b.high_rise is None:
        yield unknown(
            "未说明所在建筑是否为高层建筑",
            "not stated whether the building is high-rise",
            "$.building.high_rise",
        )
    elif b.high_rise:
        for key, zh, en in (
            ("independent_exits", "独立的安全出口", "its own exits"),
            ("independent_stairs", "独立的疏散楼梯", "its own evacuation stairs"),
        ):
            value = getattr(b, key)
            if value is None:
                yield unknown(
                    f"高层建筑内，是否设{zh}未知",
                    f"in a high-rise: {en} not stated",
                    f"$.building.{key}",
                    required=True,
                )
            elif not value:
                yield unmet(
                    f"设在高层建筑内，应设置{zh}",
                    f"inside a high-rise building it must have {en}",
                    f"$.building.{key}",
                    "$.building.high_rise",
                    measured=False,
                    required=True,
                )
            else:
                yield met(f"高层建筑内设有{zh}", f"{en} present in the high-rise", f"$.building.{key}")


def own_exits_low_rise(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Recommended: inside a low or multi-storey building, own exits and stairs."""
    b = f.building
    if b is None or b.standalone is None:
        yield unknown("建筑是否独立未知", "standalone not given", "$.building.standalone")
        return
    if not b.standalone and b.high_rise is None:
        yield unknown(
            "未说明所在建筑是否为高层建筑",
            "not stated whether the building is high-rise",
            "$.building.high_rise",
        )
        return
    if b.standalone or b.high_rise:
        yield not_applicable(
            "独立建筑或高层建筑（另有强制规定）",
            "standalone or high-rise (mandatory rule applies)",
            "$.building.standalone",
        )
        return
    for key, zh, en in (
        ("independent_exits", "独立的安全出口", "own exits"),
        ("independent_stairs", "独立的疏散楼梯", "own stairs"),
    ):
        value = getattr(b, key)
        if value is None:
            yield unknown(f"是否设{zh}未知", f"{en} not stated", f"$.building.{key}")
        elif not value:
            yield unmet(
                f"宜设置{zh}", f"{en} recommended", f"$.building.{key}", measured=False, required=True
            )
        else:
            yield met(f"设有{zh}", f"{en} present", f"$.building.{key}")


def seismic_category(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Seismic fortification category at least 乙 (重点设防类)."""
    order = [SeismicCategory.A, SeismicCategory.B, SeismicCategory.C, SeismicCategory.D]
    minimum = SeismicCategory(p["min_category"])
    cat = f.building.seismic_category if f.building else None
    path = "$.building.seismic_category"
    if cat is None:
        yield unknown(
            "抗震设防类别未知", "seismic fortification category not given", path, required=f">= {minimum}"
        )
    elif order.index(cat) > order.index(minimum):
        yield unmet(
            f"抗震设防类别为{cat}类，托幼建筑应不低于{minimum}类（重点设防类）",
            f"seismic category {cat}; nursery buildings need at least {minimum} (key fortification)",
            path,
            measured=str(cat),
            required=f">= {minimum}",
        )
    else:
        yield met(
            f"抗震设防类别{cat}类",
            f"seismic category {cat}",
            path,
            measured=str(cat),
            required=f">= {minimum}",
        )


PREDICATES = {
    "not_below_ground": not_below_ground,
    "nursery_floors": nursery_floors,
    "kindergarten_floors": kindergarten_floors,
    "guard_rails": guard_rails,
    "window_guards": window_guards,
    "doors": doors,
    "stair_wells": stair_wells,
    "stair_steps": stair_steps,
    "stair_dimensions": stair_dimensions,
    "room_areas": room_areas,
    "stair_handrails": stair_handrails,
    "window_screens": window_screens,
    "window_sills": window_sills,
    "outdoor_per_child": outdoor_per_child,
    "winter_sunlight": winter_sunlight,
    "design_class_sizes": design_class_sizes,
    "fire_storeys": fire_storeys,
    "own_exits_low_rise": own_exits_low_rise,
    "seismic_category": seismic_category,
}
