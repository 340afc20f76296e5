"""Validation of facility records: the published JSON Schema, then what a schema cannot say.

Every problem of a record is reported at once, each with its JSON path, what was expected and
what was found, in Chinese and English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match
from pydantic import ValidationError as PydanticValidationError

from . import uscc
from .loading import LoadFailure, LoadItem, RawRecord, depth_exceeded, too_deep
from .problems import Problem, Severity, Text, describe, sorted_problems
from .record import NO_CONTROL_PATTERN, Facility, RoomType
from .resources import load_schema

# A generous bounding box of China's territory (lon, lat); outside it is a warning, not an error.
CHINA_LON = (73.4, 135.1)
CHINA_LAT = (3.8, 53.6)

LIFE_ROOM_TYPES = {RoomType.sleeping, RoomType.activity, RoomType.sleeping_activity}

_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}
_TYPE_ZH = {
    "object": "对象",
    "array": "数组",
    "string": "字符串",
    "boolean": "布尔值",
    "integer": "整数",
    "number": "数值",
    "null": "null",
}


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


@dataclass
class ValidatedRecord:
    """A record after validation: the facility when usable, and every problem found."""

    source: str
    facility: Facility | None
    problems: list[Problem] = field(default_factory=list)
    data: Any = None

    @property
    def ok(self) -> bool:
        return self.facility is not None and not any(p.severity == Severity.error for p in self.problems)

    @property
    def facility_id(self) -> str | None:
        if self.facility is not None:
            return self.facility.facility_id
        if isinstance(self.data, dict) and isinstance(self.data.get("facility_id"), str):
            return str(self.data["facility_id"])
        return None


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = load_schema("facility.schema.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return validator


# ----------------------------------------------------------------------------------------------
# Schema errors, translated
# ----------------------------------------------------------------------------------------------


def _is_null_branch(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Replace an anyOf error by the errors of the branch that was meant."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches = error.validator_value if isinstance(error.validator_value, list) else []
        by_branch: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            index = sub.relative_schema_path[0] if sub.relative_schema_path else -1
            if isinstance(index, int) and 0 <= index < len(branches) and _is_null_branch(branches[index]):
                continue
            by_branch.setdefault(int(index) if isinstance(index, int) else -1, []).append(sub)
        if len(by_branch) == 1:
            for sub in next(iter(by_branch.values())):
                yield from _leaf_errors(sub)
            return
        if by_branch:
            chosen = best_match(e for subs in by_branch.values() for e in subs)
            if chosen is not None and chosen.validator not in ("type", "const", "anyOf"):
                yield from _leaf_errors(chosen)
                return
    yield error


def _schema_problem(source: str, error: ValidationError) -> Problem:
    path = error.json_path
    kind = str(error.validator)
    found: Any = error.instance
    expected: str | None = None
    found_text: str | None = describe(found)
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else str(error.message)
        path = f"{path}.{missing}" if path != "$" else f"$.{missing}"
        zh, en = f"缺少必填字段 {missing!r}", f"required field {missing!r} is missing"
        expected, found_text = missing, None
    elif kind == "additionalProperties":
        allowed = (
            set((error.schema.get("properties") or {}).keys()) if isinstance(error.schema, dict) else set()
        )
        extras = sorted(k for k in (found or {}) if k not in allowed)
        extra = extras[0] if extras else "?"
        path = f"{path}.{extra}"
        hint = _closest(extra, allowed)
        zh = f"未知字段 {extra!r}（不在记录格式中，可能是拼写错误）" + (
            f"；是否应为 {hint!r}？" if hint else ""
        )
        en = f"unknown field {extra!r} (not part of the record format; a typo?)" + (
            f" Did you mean {hint!r}?" if hint else ""
        )
        expected, found_text = hint, extra
    elif kind == "type":
        want = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        expected = " | ".join(str(w) for w in want)
        got = json_type(found)
        zh = f"类型错误：应为{'或'.join(_TYPE_ZH.get(str(w), str(w)) for w in want)}，实际为{_TYPE_ZH.get(got, got)} {describe(found)}"
        en = f"wrong type: expected {expected}, found {got} {describe(found)}"
    elif kind in ("enum", "const"):
        value: Any = error.validator_value
        options: list[Any] = list(value) if kind == "enum" else [value]
        expected = " | ".join(describe(o) for o in options)
        zh, en = f"取值无效：应为 {expected} 之一", f"invalid value: expected one of {expected}"
    elif kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kind]
        expected = f"{sign} {error.validator_value}"
        if (
            kind.endswith("inimum")
            and error.validator_value == 0
            and isinstance(found, int | float)
            and found < 0
        ):
            zh, en = "不能为负数", "must not be negative"
        else:
            zh, en = f"数值超出范围：应 {expected}", f"value out of range: expected {expected}"
    elif kind in ("minLength", "maxLength", "minItems", "maxItems"):
        sign = ">=" if kind.startswith("min") else "<="
        unit_zh = "个字符" if "Length" in kind else "项"
        unit_en = "characters" if "Length" in kind else "items"
        expected = f"{sign} {error.validator_value} {unit_en}"
        zh = f"长度不符：应{'不少于' if sign == '>=' else '不多于'} {error.validator_value} {unit_zh}"
        en = f"wrong length: expected {expected}"
    elif kind == "pattern":
        expected = str(error.validator_value)
        field_name = path.rsplit(".", 1)[-1]
        if expected == NO_CONTROL_PATTERN:
            expected = None
            zh = f"不能包含控制字符（换行、制表符、ESC 等），实际为 {describe(found)}"
            en = f"must not contain control characters (line breaks, tabs, ESC …), found {describe(found)}"
        elif field_name == "uscc":
            zh = "统一社会信用代码格式错误：应为 18 位数字或大写字母（不含 I、O、S、V、Z）"
            en = "malformed 统一社会信用代码: expected 18 digits or capital letters (no I, O, S, V, Z)"
        elif field_name == "division_code":
            zh, en = "行政区划代码应为 6 位数字", "行政区划代码 (division code) must be 6 digits"
        else:
            zh, en = f"格式不符：应匹配 {expected}", f"wrong format: expected to match {expected}"
    elif kind == "format":
        expected = str(error.validator_value)
        if expected == "date":
            expected = "YYYY-MM-DD"
            zh = f"不是有效日期：应为存在的日期，格式 YYYY-MM-DD，实际为 {describe(found)}"
            en = f"not a valid date: expected an existing date as YYYY-MM-DD, found {describe(found)}"
        else:
            zh, en = f"格式不符：应为 {expected}", f"wrong format: expected {expected}"
    else:
        zh, en = f"不符合记录格式：{error.message}", f"does not match the record format: {error.message}"
    return Problem(
        source=source,
        path=path,
        code=f"schema.{kind}",
        message=Text(zh, en),
        expected=expected,
        found=found_text,
    )


def _closest(word: str, options: Iterable[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.75)
    return matches[0] if matches else None


def schema_problems(source: str, data: Any) -> list[Problem]:
    problems: list[Problem] = []
    for error in _validator().iter_errors(data):
        for leaf in _leaf_errors(error):
            problems.append(_schema_problem(source, leaf))
    # one problem per (path, code) — anyOf branches can repeat the same leaf
    unique = {(p.path, p.code, p.message.en): p for p in problems}
    return list(unique.values())


# ----------------------------------------------------------------------------------------------
# Semantic checks
# ----------------------------------------------------------------------------------------------


def _err(source: str, path: str, code: str, zh: str, en: str, **kw: Any) -> Problem:
    return Problem(source=source, path=path, code=code, message=Text(zh, en), **kw)


def _walk_dates(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Yield (path, ISO date) of every event date (keys ``date`` or ``*_date``)."""
    if isinstance(value, dict):
        for key in sorted(value):
            child = value[key]
            child_path = f"{path}.{key}"
            if (key == "date" or key.endswith("_date")) and isinstance(child, str):
                yield child_path, child
            else:
                yield from _walk_dates(child, child_path)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk_dates(child, f"{path}[{index}]")


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _iso(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


_DATE_VALUE = re.compile(r'"(?:date|[A-Za-z0-9_]*_date)"\s*:\s*"(\d{4}-\d{2}-\d{2})"')
# every date _DATE_VALUE finds, and a few more (keys such as "update"); starting with a plain
# string, it is searched for several times faster
_DATE_CANDIDATE = re.compile(r'date"\s*:\s*"(\d{4}-\d{2}-\d{2})"')


def _dates_need_walk(data: Any, text: str | None, today: date) -> bool:
    """Whether any event date could be wrong: one regex over the text instead of a walk."""
    if text is None:
        return True
    inspection = _iso(_get(data, "inspection", "inspection_date"))
    limit = (min(today, inspection) if inspection is not None else today).isoformat()
    if max(_DATE_CANDIDATE.findall(text), default="") <= limit:
        return False  # no candidate is late, so none of the dates _DATE_VALUE finds is
    return any(iso > limit for iso in _DATE_VALUE.findall(text))


def raw_problems(source: str, data: Any, today: date, text: str | None = None) -> list[Problem]:
    """Checks that read the raw data, so they run even when the schema found other errors."""
    out: list[Problem] = []
    if not isinstance(data, dict):
        return out
    code = data.get("uscc")
    if (
        isinstance(code, str)
        and len(code) == 18
        and all(ch in uscc.ALPHABET for ch in code)
        and not uscc.is_valid(code)
    ):
        want = uscc.check_character(code[:17])
        out.append(
            _err(
                source,
                "$.uscc",
                "uscc.check_digit",
                f"统一社会信用代码校验位错误：按 GB 32100 第 18 位应为 {want!r}，实际为 {code[17]!r}",
                f"统一社会信用代码 check digit is wrong: by GB 32100 the 18th character should be {want!r}, not {code[17]!r}",
                expected=want,
                found=code[17],
            )
        )
    inspection_date = _iso(_get(data, "inspection", "inspection_date"))
    for path, iso in _walk_dates(data, "$") if _dates_need_walk(data, text, today) else ():
        when = _iso(iso)
        if when is None:
            continue  # malformed dates are the schema's business
        if when > today:
            out.append(
                _err(
                    source,
                    path,
                    "date.future",
                    f"日期 {iso} 晚于参考日期 {today.isoformat()}：已发生事件的日期不能在将来",
                    f"date {iso} is after the reference date {today.isoformat()}: an event date cannot be in the future",
                    expected=f"<= {today.isoformat()}",
                    found=iso,
                )
            )
        elif (
            inspection_date is not None and when > inspection_date and path != "$.inspection.inspection_date"
        ):
            out.append(
                _err(
                    source,
                    path,
                    "date.after_inspection",
                    f"日期 {iso} 晚于检查日期 {inspection_date.isoformat()}：记录应反映检查当日的情况",
                    f"date {iso} is after the inspection date {inspection_date.isoformat()}: "
                    "the record describes the day of inspection",
                    severity=Severity.warning,  # an inconsistency to flag, not a reason to drop the facility
                    expected=f"<= {inspection_date.isoformat()}",
                    found=iso,
                )
            )
    start, end = _iso(_get(data, "premises", "lease_start")), _iso(_get(data, "premises", "lease_end"))
    if start is not None and end is not None and end <= start:
        out.append(
            _err(
                source,
                "$.premises.lease_end",
                "lease.order",
                "租赁结束日期不晚于开始日期",
                "lease_end is not after lease_start",
                expected=f"> {start.isoformat()}",
                found=end.isoformat(),
            )
        )
    out.extend(_coordinate_problems(source, _get(data, "location")))
    return out


_CHINA = "(73–135, 4–54)"  # China's extent as (longitude, latitude), the notation of the sentences


def _coordinate_problems(source: str, loc: Any) -> Iterator[Problem]:
    if not isinstance(loc, dict):
        return
    lon, lat = loc.get("longitude"), loc.get("latitude")
    if lon is None and lat is None:  # no point: judge the boundary by its first position
        lon, lat = _first_position(loc.get("site_boundary"))
    numeric = (int, float)
    if (
        not isinstance(lon, numeric)
        or not isinstance(lat, numeric)
        or isinstance(lon, bool)
        or isinstance(lat, bool)
    ):
        return
    if _in_china(lon, lat):
        return
    if _in_china(lat, lon):
        yield _err(
            source,
            "$.location",
            "location.swapped",
            f"经纬度疑似填反：(经度, 纬度) = ({lon}, {lat}) 不在中国境内 {_CHINA}，交换后 ({lat}, {lon}) 在境内",
            f"longitude and latitude look swapped: (longitude, latitude) = ({lon}, {lat}) is outside China "
            f"{_CHINA}, ({lat}, {lon}) is inside",
            severity=Severity.warning,
            expected=_CHINA,
            found=f"({lon}, {lat})",
        )
    else:
        yield _err(
            source,
            "$.location",
            "location.outside_china",
            f"坐标 (经度, 纬度) = ({lon}, {lat}) 不在中国境内 {_CHINA}，请核对",
            f"coordinates (longitude, latitude) = ({lon}, {lat}) are outside China {_CHINA}; please check them",
            severity=Severity.warning,
            expected=_CHINA,
            found=f"({lon}, {lat})",
        )


def _first_position(geometry: Any) -> tuple[Any, Any]:
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    if isinstance(coords, list) and len(coords) >= 2:
        return coords[0], coords[1]
    return None, None


def semantic_problems(source: str, facility: Facility) -> list[Problem]:
    """Checks that need the parsed record (references between parts of it, geometry)."""
    out: list[Problem] = []
    out.extend(_location_problems(source, facility))
    out.extend(_reference_problems(source, facility))
    return out


def _location_problems(source: str, facility: Facility) -> Iterator[Problem]:
    loc = facility.location
    if loc is None:
        return
    if (loc.longitude is None) != (loc.latitude is None):
        missing = "latitude" if loc.latitude is None else "longitude"
        yield _err(
            source,
            f"$.location.{missing}",
            "location.incomplete",
            "经度和纬度须同时填写",
            "longitude and latitude must be given together",
            expected="both",
        )
    if loc.site_boundary is not None:
        yield from _boundary_problems(source, loc.site_boundary.model_dump())


def _in_china(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


def _boundary_problems(source: str, geometry: dict[str, Any]) -> Iterator[Problem]:
    import shapely
    from shapely.geometry import shape

    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    dimension = len(polygons[0][0][0])
    for p_index, rings in enumerate(polygons):
        for r_index, ring in enumerate(rings):
            prefix = "$.location.site_boundary.coordinates"
            path = (
                f"{prefix}[{r_index}]" if geometry["type"] == "Polygon" else f"{prefix}[{p_index}][{r_index}]"
            )
            for v_index, position in enumerate(ring):
                problem = _position_problem(source, f"{path}[{v_index}]", position, dimension)
                if problem is not None:
                    yield problem
                    return
            if ring[0][:2] != ring[-1][:2]:
                yield _err(
                    source,
                    path,
                    "geometry.ring_open",
                    "多边形的环未闭合：首尾坐标应相同",
                    "polygon ring is not closed: first and last positions must be equal",
                )
                return
    try:
        geom = shape(geometry)
        reason = None if shapely.is_valid(geom) else str(shapely.is_valid_reason(geom))
    except (ValueError, shapely.errors.GEOSException) as exc:  # never a traceback for a bad boundary
        reason = str(exc)
    if reason is not None:
        yield _err(
            source,
            "$.location.site_boundary",
            "geometry.invalid",
            f"场地边界多边形无效（{reason}），请修正后再测距",
            f"site boundary polygon is invalid ({reason}); correct it before distances are measured",
            found=reason,
        )


def _position_problem(source: str, path: str, position: list[float], dimension: int) -> Problem | None:
    """A boundary position: the same number of coordinates as the first, longitude and latitude in range."""
    if len(position) != dimension:
        return _err(
            source,
            path,
            "geometry.dimension",
            f"坐标维数不一致：边界第一个坐标有 {dimension} 个数，此处有 {len(position)} 个；"
            "同一几何中的坐标须同为 [经度, 纬度] 或同为 [经度, 纬度, 高程]",
            f"mixed coordinate dimensions: the boundary's first position has {dimension} numbers, this one "
            f"{len(position)}; all positions of a geometry must be [lon, lat] or all [lon, lat, height]",
            expected=str(dimension),
            found=str(len(position)),
        )
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return _err(
            source,
            path,
            "geometry.range",
            f"坐标超出范围：经度应在 -180…180、纬度应在 -90…90 之间，实际为 [{lon}, {lat}]",
            f"position out of range: longitude must be within -180…180 and latitude within -90…90, "
            f"found [{lon}, {lat}]",
            found=f"[{lon}, {lat}]",
        )
    return None


def _reference_problems(source: str, facility: Facility) -> Iterator[Problem]:
    """Ids unique; rooms, windows and doors refer to what exists."""
    class_ids: set[str] = set()
    for index, cls in enumerate(facility.classes or []):
        if cls.id in class_ids:
            yield _err(
                source,
                f"$.classes[{index}].id",
                "ref.duplicate",
                f"班级 id {cls.id!r} 重复",
                f"duplicate class id {cls.id!r}",
            )
        class_ids.add(cls.id)
        if (
            cls.min_age_months is not None
            and cls.max_age_months is not None
            and cls.min_age_months > cls.max_age_months
        ):
            yield _err(
                source,
                f"$.classes[{index}].max_age_months",
                "class.age_range",
                "最大月龄小于最小月龄",
                "max_age_months is below min_age_months",
                expected=f">= {cls.min_age_months}",
                found=str(cls.max_age_months),
            )
    for index, cls in enumerate(facility.classes or []):
        for other in cls.shares_unit_with or []:
            if other not in class_ids:
                yield _err(
                    source,
                    f"$.classes[{index}].shares_unit_with",
                    "ref.unknown_class",
                    f"引用了不存在的班级 {other!r}",
                    f"refers to class {other!r}, which is not in $.classes",
                    found=other,
                )
    room_ids: set[str] = set()
    for index, room in enumerate(facility.rooms or []):
        path = f"$.rooms[{index}]"
        if room.id in room_ids:
            yield _err(
                source,
                f"{path}.id",
                "ref.duplicate",
                f"房间 id {room.id!r} 重复",
                f"duplicate room id {room.id!r}",
            )
        room_ids.add(room.id)
        if room.type in LIFE_ROOM_TYPES:
            if room.class_id is None:
                yield _err(
                    source,
                    f"{path}.class_id",
                    "room.no_class",
                    f"生活用房 {room.id!r} 未注明所属班级（class_id）",
                    f"life room {room.id!r} has no class_id",
                    expected="class_id",
                )
            if room.floor is None:
                yield _err(
                    source,
                    f"{path}.floor",
                    "room.no_floor",
                    f"生活用房 {room.id!r} 未注明所在楼层（floor）",
                    f"life room {room.id!r} has no floor",
                    expected="floor",
                )
        if room.class_id is not None and room.class_id not in class_ids:
            yield _err(
                source,
                f"{path}.class_id",
                "ref.unknown_class",
                f"房间所属班级 {room.class_id!r} 不在 classes 中",
                f"room refers to class {room.class_id!r}, which is not in $.classes",
                found=room.class_id,
            )
        if room.floor == 0:
            yield _err(
                source,
                f"{path}.floor",
                "room.floor_zero",
                "楼层编号中没有 0：首层为 1，地下一层为 -1",
                "there is no floor 0: the ground floor is 1, the first basement -1",
                expected="1, 2, … or -1, -2, …",
                found="0",
            )
    safety = facility.safety
    if safety is not None:
        for key in ("windows", "doors"):
            for index, item in enumerate(getattr(safety, key) or []):
                if item.room_id not in room_ids:
                    yield _err(
                        source,
                        f"$.safety.{key}[{index}].room_id",
                        "ref.unknown_room",
                        f"引用了不存在的房间 {item.room_id!r}",
                        f"refers to room {item.room_id!r}, which is not in $.rooms",
                        found=item.room_id,
                    )
    staff_ids: set[str] = set()
    for index, person in enumerate(facility.staff or []):
        if person.id in staff_ids:
            yield _err(
                source,
                f"$.staff[{index}].id",
                "ref.duplicate",
                f"人员 id {person.id!r} 重复",
                f"duplicate staff id {person.id!r}",
            )
        staff_ids.add(person.id)


# ----------------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------------


def _strict(data: Any, text: str | bytes | None = None) -> Facility | None:
    """The fast path: pydantic in strict JSON mode (at least as strict as the published schema)."""
    try:
        return Facility.model_validate_json(
            text if text is not None else json.dumps(data, ensure_ascii=False), strict=True
        )
    except (PydanticValidationError, TypeError, ValueError):
        return None


def validate_raw(raw: RawRecord, today: date) -> ValidatedRecord:
    """Validate one record; every problem is reported at once.

    A record the strict models accept is valid under the schema too (a property test keeps the two
    in agreement); any other record goes through the JSON Schema, whose errors are located and
    translated. A record the schema accepts but strict mode refuses (``8.0`` for an integer) is
    read leniently.
    """
    problems = list(raw.warnings)
    facility = _strict(raw.data, raw.text if raw.utf8 is None else raw.utf8)
    if facility is None and depth_exceeded(raw.data):
        return ValidatedRecord(raw.source, None, [*problems, too_deep(raw.source)], raw.data)
    problems.extend(raw_problems(raw.source, raw.data, today, raw.text))
    if facility is None:
        errors = schema_problems(raw.source, raw.data)
        if errors:
            return ValidatedRecord(raw.source, None, sorted_problems(problems + errors), raw.data)
        try:
            facility = Facility.model_validate(raw.data)
        except PydanticValidationError as exc:  # the schema should have caught it; never a traceback
            for item in exc.errors():
                path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"])
                problems.append(
                    _err(
                        raw.source,
                        path,
                        "model." + item["type"],
                        f"不符合记录格式：{item['msg']}",
                        item["msg"],
                    )
                )
            return ValidatedRecord(raw.source, None, sorted_problems(problems), raw.data)
    problems.extend(semantic_problems(raw.source, facility))
    usable = not any(p.severity == Severity.error for p in problems)
    return ValidatedRecord(raw.source, facility if usable else None, sorted_problems(problems), raw.data)


def validate_items(items: Iterable[LoadItem], today: date) -> Iterator[ValidatedRecord]:
    for item in items:
        if isinstance(item, LoadFailure):
            yield ValidatedRecord(item.source, None, sorted_problems(item.problems))
        elif item.locate is not None:  # a workbook record: problems located by sheet and cell
            result = validate_raw(item, today)
            result.problems = item.locate(result.problems)
            yield result
        else:
            yield validate_raw(item, today)
