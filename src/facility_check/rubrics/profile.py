"""The district profile: the figures a rubric needs that no facility record holds.

Population, the averages a rubric compares against, the 镇街 list, per-facility district data
(镇街, 托位, 普惠托位, programme support, model titles), the market-regulation registry, the on-site
visit log, dated incidents and petitions, and the satisfaction survey.

A missing section means *unknown* (an item that needs it says so); an empty list means *none*
(``incidents: []`` states that nothing happened). ``schemas/profile.schema.json`` is generated
from these models and a test keeps the committed file in agreement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ..loading import depth_exceeded
from ..problems import Problem, Text, describe

PROFILE_VERSION = "1.0"
MAX_PROFILE_BYTES = 8 * 1024 * 1024

ShortText = Annotated[str, Field(min_length=1, max_length=500)]
NonNegInt = Annotated[int, Field(ge=0)]
Year = Annotated[int, Field(ge=1949, le=2100)]
FacilityId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[0-9A-Za-z][0-9A-Za-z._:/-]*$")]
SubdistrictCode = Annotated[str, Field(pattern=r"^[0-9]{9}([0-9]{3})?$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Count(_Model):
    """A counted figure with the year it refers to and where it comes from."""

    value: NonNegInt
    year: Year
    source: ShortText = Field(description="出处 / where the figure comes from")


class Average(_Model):
    """An average a rubric compares against (provincial / regional / city)."""

    value: Annotated[Decimal, Field(ge=0)]
    scope: ShortText = Field(description="范围，如 辽宁省、广西壮族自治区、北京市 / the area averaged over")
    year: Year
    source: ShortText


class District(_Model):
    name: ShortText
    division_code: Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")] | None = Field(
        None, description="县级行政区划代码 (GB/T 2260)"
    )


class Population(_Model):
    residents: Count | None = Field(None, description="常住人口 / resident population")
    infants_under_3: Count | None = Field(None, description="3 岁以下婴幼儿数 / infants under 3")


class Averages(_Model):
    places_per_1000: Average | None = Field(None, description="千人口托位数平均水平")
    enrolment_rate_percent: Average | None = Field(None, description="婴幼儿入托率平均水平（%）")
    filing_rate_percent: Average | None = Field(None, description="托育机构备案率平均水平（%）")


class SubdistrictKind(StrEnum):
    street = "街道"
    town = "镇"
    township = "乡"
    other = "其他"


class Subdistrict(_Model):
    """A 镇街 (街道 / 镇 / 乡), with its statistical division code (GB/T 10114: 9 or 12 digits)."""

    code: SubdistrictCode
    name: ShortText
    kind: SubdistrictKind


class Programme(_Model):
    """Support from the year's 普惠托育专项行动 (central budget funds)."""

    year: Year
    project: ShortText | None = None
    completed: bool | None = Field(None, description="年内完成建设或改造 / built or refitted within the year")


class TitleLevel(StrEnum):
    national = "national"
    provincial = "provincial"
    city = "city"
    county = "county"


class ModelTitle(_Model):
    """A 示范性托育机构 title."""

    level: TitleLevel
    title: ShortText
    year: Year
    issued_by: ShortText | None = None


class FacilityEntry(_Model):
    """District facts about one facility (matched to a record by ``facility_id``)."""

    facility_id: FacilityId
    subdistrict: SubdistrictCode | None = Field(None, description="所在镇街代码 / code of its 镇街")
    places: NonNegInt | None = Field(
        None, description="托位数；缺省时取记录的备案收托规模 / places; default: the record's filed capacity"
    )
    puhui_places: NonNegInt | None = Field(None, description="普惠托位数 / 普惠 (affordable) places")
    special_programme: Programme | None = None
    model_titles: list[ModelTitle] | None = None

    @model_validator(mode="after")
    def _puhui_within_places(self) -> FacilityEntry:
        if self.places is not None and self.puhui_places is not None and self.puhui_places > self.places:
            raise ValueError("puhui_places cannot exceed places")
        return self


class RegistryEntry(_Model):
    """A business registered with market regulation (or another registrar) to provide 托育 services."""

    name: ShortText
    uscc: Annotated[str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")] | None = (
        None
    )
    facility_id: FacilityId | None = Field(None, description="对应的机构记录 / the matching facility record")
    registered_date: dt.date | None = None
    filed: bool | None = Field(
        None, description="备案系统中的备案状态（无机构记录时使用）/ filing status when no record matches"
    )


class Visit(_Model):
    """One on-site visit (实地巡查指导)."""

    facility_id: FacilityId
    date: dt.date
    by: ShortText | None = None


class IncidentKind(StrEnum):
    safety_accident = "safety_accident"  # 安全事故
    technical_accident = "technical_accident"  # 技术事故
    violation_case = "violation_case"  # 违法行政案件
    petition = "petition"  # 信访事件
    negative_opinion = "negative_opinion"  # 负面舆情


class Incident(_Model):
    date: dt.date
    kind: IncidentKind
    description: ShortText
    facility_id: FacilityId | None = None
    source: ShortText | None = None


class Survey(_Model):
    """A satisfaction survey of families."""

    respondents: Annotated[int, Field(ge=1)]
    satisfied: NonNegInt
    date: dt.date | None = None
    source: ShortText

    @model_validator(mode="after")
    def _satisfied_within_respondents(self) -> Survey:
        if self.satisfied > self.respondents:
            raise ValueError("satisfied cannot exceed respondents")
        return self


class Profile(_Model):
    """辖区档案 / A district profile."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="facility-check district profile",
        json_schema_extra={"x-schema-version": PROFILE_VERSION},
    )

    schema_version: Literal["1.0"]
    district: District
    reference_date: dt.date | None = Field(
        None, description="参考日期（--as-of 优先）：时间窗口的终点 / end of the look-back windows"
    )
    year: Year | None = Field(None, description="考核年度（缺省取参考日期的年份）/ assessment year")
    population: Population | None = None
    averages: Averages | None = None
    subdistricts: list[Subdistrict] | None = None
    facilities: list[FacilityEntry] | None = None
    market_registry: list[RegistryEntry] | None = None
    visits: list[Visit] | None = None
    incidents: list[Incident] | None = None
    survey: Survey | None = None

    @model_validator(mode="after")
    def _unique_keys(self) -> Profile:
        for name, items, key in (
            ("subdistricts", self.subdistricts, "code"),
            ("facilities", self.facilities, "facility_id"),
        ):
            seen: set[str] = set()
            for item in items or []:
                value = getattr(item, key)
                if value in seen:
                    raise ValueError(f"{name}: {key} {value!r} appears twice")
                seen.add(value)
        codes = {s.code for s in self.subdistricts or []}
        if self.subdistricts is not None:
            for f in self.facilities or []:
                if f.subdistrict is not None and f.subdistrict not in codes:
                    raise ValueError(
                        f"facilities: {f.facility_id} names subdistrict {f.subdistrict!r}, not in subdistricts"
                    )
        return self

    def model_post_init(self, context: Any, /) -> None:
        # lookups by key, built once (districts can have thousands of facilities)
        self._facility_at = {f.facility_id: i for i, f in enumerate(self.facilities or [])}
        self._subdistrict_at = {x.code: i for i, x in enumerate(self.subdistricts or [])}
        registry_by: dict[str, int] = {}
        for i, entry in enumerate(self.market_registry or []):
            for key in (
                f"id:{entry.facility_id}" if entry.facility_id else None,
                f"uscc:{entry.uscc}" if entry.uscc else None,
            ):
                if key is not None:
                    registry_by.setdefault(key, i)
        self._registry_at = registry_by

    _facility_at: dict[str, int] = PrivateAttr(default_factory=dict)
    _subdistrict_at: dict[str, int] = PrivateAttr(default_factory=dict)
    _registry_at: dict[str, int] = PrivateAttr(default_factory=dict)

    def facility_index(self, facility_id: str) -> int | None:
        return self._facility_at.get(facility_id)

    def facility(self, facility_id: str) -> FacilityEntry | None:
        i = self._facility_at.get(facility_id)
        return None if i is None or self.facilities is None else self.facilities[i]

    def subdistrict(self, code: str) -> Subdistrict | None:
        i = self._subdistrict_at.get(code)
        return None if i is None or self.subdistricts is None else self.subdistricts[i]

    def registry_index(self, facility_id: str, uscc: str | None) -> int | None:
        """The registry entry naming this facility (by id, else by USCC)."""
        i = self._registry_at.get(f"id:{facility_id}")
        if i is None and uscc:
            i = self._registry_at.get(f"uscc:{uscc}")
        return i


def profile_json_schema() -> dict[str, Any]:
    """The published JSON Schema (2020-12) of the profile, generated from the models."""
    schema = Profile.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://facility-check.example/schemas/profile.schema.json",
        **schema,
    }


class ProfileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message.en for p in problems))
        self.problems = problems


def _path(loc: tuple[int | str, ...]) -> str:
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def load_profile(path: str) -> Profile:
    """Read and validate a profile (YAML or JSON); every problem located by JSON path."""

    def fail(where: str, code: str, zh: str, en: str, **kw: Any) -> ProfileError:
        return ProfileError([Problem(path, where, code, Text(zh, en), **kw)])

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise fail(
            "$",
            "profile.read",
            f"无法读取辖区档案：{exc.strerror}",
            f"cannot read the profile: {exc.strerror}",
        ) from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise fail(
            "$",
            "profile.size",
            "辖区档案文件过大",
            "the profile is too large",
            expected=f"<= {MAX_PROFILE_BYTES} bytes",
        )
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise fail(
            "$", "profile.syntax", f"YAML 无法解析：{exc}", f"YAML cannot be parsed: {exc}", line=line
        ) from None
    if not isinstance(data, dict):
        raise fail(
            "$",
            "profile.type",
            "辖区档案应为一个映射（对象）",
            "the profile must be a mapping",
            found=describe(data),
        )
    if depth_exceeded(data):
        raise fail("$", "profile.depth", "嵌套层数过深", "nesting is too deep")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                path,
                _path(tuple(err["loc"])),
                "profile.schema",
                Text(f"辖区档案不符合格式：{err['msg']}", f"profile does not fit the schema: {err['msg']}"),
                found=describe(err.get("input")) if err["type"] != "missing" else None,
            )
            for err in exc.errors()
        ]
        raise ProfileError(problems) from None
