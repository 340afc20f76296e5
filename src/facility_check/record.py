"""The facility record: one 托育机构 as an inspector records it.

These pydantic models are the in-memory form; ``schemas/facility.schema.json`` is generated from
them (``facility-check schema``) and a test keeps the committed file in agreement.

Conventions every field follows:

* Every fact is optional except what identifies the facility (``schema_version``,
  ``facility_id``, ``name``). A missing fact means *unknown*, never *false*.
* Units are in field names (``area_m2``, ``retention_days``, ``height_m``).
* A key named ``date`` or ending in ``_date`` is the date of an event that has happened: it may
  not lie after the reference date. Forward-looking dates are named ``*_until`` / ``lease_end``.
* Dates are inclusive, everywhere: a period from ``lease_start`` to ``lease_end`` includes both
  days (2024-01-01 to 2026-12-31 is three years); something ``valid_until`` a day is valid on that
  day and expired from the next; "within N days / a year" of an event includes the N-th day (a
  year is a calendar year: the anniversary is still in time). Counts and limits follow 民法典
  第一千二百五十九条: 以上、以下、以内、不少于、不超过 include the number itself.
* Unknown fields are refused everywhere, so a typo never silently becomes "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

NonNegInt = Annotated[int, Field(ge=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Months = Annotated[int, Field(ge=0, le=72)]
# One-line text: no control characters (a line break or an ESC in a name would reach reports,
# terminals and spreadsheets; a long free text may hold line breaks and is neutralised on output).
NO_CONTROL_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
ShortText = Annotated[str, Field(min_length=1, max_length=500, pattern=NO_CONTROL_PATTERN)]


class _Model(BaseModel):
    # NaN and infinity are no measurement (JSON cannot carry them; the Python API must not either)
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, allow_inf_nan=False)


# --------------------------------------------------------------------------------------------
# Enumerations
# --------------------------------------------------------------------------------------------


class CRS(StrEnum):
    """Coordinate reference system of a location or geometry."""

    WGS84 = "WGS84"
    CGCS2000 = "CGCS2000"
    GCJ02 = "GCJ02"
    BD09 = "BD09"


class OperatorType(StrEnum):
    """Who runs the facility (设置标准 arts. 5, 8: kept for district statistics)."""

    independent = "independent"  # 独立设置的托育机构
    employer = "employer"  # 用人单位举办（福利性）
    community = "community"  # 社区托育点
    kindergarten_class = "kindergarten_class"  # 幼儿园开设托班
    other = "other"


class ServiceType(StrEnum):
    full_day = "full_day"  # 全日托
    half_day = "half_day"  # 半日托
    hourly = "hourly"  # 计时托
    occasional = "occasional"  # 临时托


class FacilityStatus(StrEnum):
    operating = "operating"
    closing = "closing"  # 终止服务中
    closed = "closed"


class Tenure(StrEnum):
    owned = "owned"
    leased = "leased"
    free_use = "free_use"  # 无偿使用 (e.g. provided by an employer or a community)


class SeismicCategory(StrEnum):
    """GB 50223 设防类别: 甲 (special) > 乙 (key) > 丙 (standard) > 丁 (moderate)."""

    A = "甲"
    B = "乙"
    C = "丙"
    D = "丁"


class ClassType(StrEnum):
    infant = "infant"  # 乳儿班 6–12 months
    toddler = "toddler"  # 托小班 12–24 months
    older = "older"  # 托大班 24–36 months
    mixed = "mixed"  # 混龄班 (over 18 months)
    kindergarten = "kindergarten"  # 幼儿园班 (3–6 years) in a kindergarten that also runs a 托班


class RoomType(StrEnum):
    sleeping = "sleeping"  # 睡眠区 / 寝室
    activity = "activity"  # 活动区 / 活动室
    sleeping_activity = "sleeping_activity"  # 睡眠与活动合用
    milk_preparation = "milk_preparation"  # 配乳区
    food_preparation = "food_preparation"  # 配餐区
    cleaning = "cleaning"  # 清洁区
    toilet = "toilet"  # 卫生间
    washroom = "washroom"  # 盥洗室
    storage = "storage"  # 储藏区
    feeding = "feeding"  # 喂奶室
    health_observation = "health_observation"  # 保健观察室
    kitchen = "kitchen"
    office = "office"
    other = "other"


class DoorType(StrEnum):
    hinged = "hinged"  # 平开门
    revolving = "revolving"  # 旋转门
    spring = "spring"  # 弹簧门
    sliding = "sliding"  # 推拉门
    folding = "folding"


class StaffRole(StrEnum):
    director = "director"  # 机构负责人
    carer = "carer"  # 保育人员
    health = "health"  # 保健人员
    security = "security"  # 保安人员
    cook = "cook"  # 炊事人员
    admin = "admin"
    other = "other"


class Education(StrEnum):
    """Highest completed education, lowest first."""

    primary = "primary"  # 小学
    junior_secondary = "junior_secondary"  # 初中
    senior_secondary = "senior_secondary"  # 高中 / 中专 / 职高
    junior_college = "junior_college"  # 大专
    bachelor = "bachelor"  # 本科
    postgraduate = "postgraduate"  # 研究生


class Employment(StrEnum):
    full_time = "full_time"
    part_time = "part_time"


class TrainingKind(StrEnum):
    director = "director"  # 托育机构负责人培训
    infant_care = "infant_care"  # 婴幼儿保育培训
    mental_health = "mental_health"  # 心理健康知识培训
    health_care = "health_care"  # 妇幼保健机构组织的卫生保健培训
    safety = "safety"  # 安全与应急处置培训 (首次上岗前 / 定期)
    first_aid = "first_aid"
    other = "other"


class CertificateKind(StrEnum):
    nursery_nurse = "nursery_nurse"  # 保育师
    childcare_worker = "childcare_worker"  # 育婴员
    teacher = "teacher"  # 教师资格证
    health_care_training = "health_care_training"  # 卫生保健人员培训合格证
    security_guard = "security_guard"  # 保安员证
    cook_health = "cook_health"  # 食品从业人员健康证
    other = "other"


class HygieneResult(StrEnum):
    passed = "合格"
    failed = "不合格"


class EmergencyHazard(StrEnum):
    natural_disaster = "natural_disaster"
    infectious_disease = "infectious_disease"
    food_poisoning = "food_poisoning"
    stampede = "stampede"
    fire = "fire"
    violence = "violence"


class DisclosureItem(StrEnum):
    fees = "fees"  # 收费项目和标准
    care = "care"  # 保育照护
    meals = "meals"  # 膳食营养
    health = "health"  # 卫生保健
    safety = "safety"  # 安全保卫


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


class Document(_Model):
    """A document the facility holds (licence, certificate, report)."""

    present: bool | None = Field(None, description="持有该文件 / the document is held")
    number: ShortText | None = None
    issued_date: date | None = None
    valid_until: date | None = Field(
        None, description="有效期至（含当日）/ valid until, that day included; expired from the next day"
    )
    evidence_ref: ShortText | None = Field(None, description="佐证材料编号 / evidence reference")


class HygieneEvaluation(Document):
    """托幼机构卫生评价报告."""

    result: HygieneResult | None = None


class MaterialsTest(_Model):
    """Indoor air / decoration materials test (GB/T 18883 or equivalent)."""

    test_date: date | None = None
    passed: bool | None = None
    evidence_ref: ShortText | None = None


class Practice(_Model):
    """A management system or practice: whether it is in place, with evidence."""

    in_place: bool | None = Field(None, description="已建立并执行 / in place and practised")
    last_date: date | None = Field(
        None,
        description="最近一次执行的日期 / last time it was carried out; a period such as 每年 counts "
        "from this day and includes its last day (the anniversary)",
    )
    evidence_ref: ShortText | None = None


class Attestation(_Model):
    """A judgement only a person on site can make, with the evidence it rests on."""

    attested: bool | None = Field(None, description="符合 / conforms, as attested")
    by: ShortText | None = Field(None, description="作出判断的人 / who attests")
    evidence_ref: ShortText | None = Field(None, description="佐证材料编号 / evidence reference")


class Point(_Model):
    """A GeoJSON Point geometry."""

    type: Literal["Point"]
    coordinates: Annotated[list[float], Field(min_length=2, max_length=3)]


class Polygon(_Model):
    """A GeoJSON Polygon: exterior ring first, then holes; rings closed."""

    type: Literal["Polygon"]
    coordinates: Annotated[
        list[Annotated[list[Annotated[list[float], Field(min_length=2, max_length=3)]], Field(min_length=4)]],
        Field(min_length=1, max_length=100),
    ]


class MultiPolygon(_Model):
    """A GeoJSON MultiPolygon."""

    type: Literal["MultiPolygon"]
    coordinates: Annotated[
        list[
            Annotated[
                list[
                    Annotated[
                        list[Annotated[list[float], Field(min_length=2, max_length=3)]], Field(min_length=4)
                    ]
                ],
                Field(min_length=1),
            ]
        ],
        Field(min_length=1, max_length=100),
    ]


# --------------------------------------------------------------------------------------------
# Sections of the record
# --------------------------------------------------------------------------------------------


class Registration(_Model):
    """登记: the legal-person registration."""

    authority: ShortText | None = Field(None, description="登记机关 / registration authority")
    number: ShortText | None = None
    registered_date: date | None = None
    business_scope: Annotated[str, Field(max_length=2000)] | None = Field(None, description="经营/业务范围")


class Filing(_Model):
    """备案 with the county-level health commission, and the particulars filed."""

    filed: bool | None = None
    filed_date: date | None = None
    authority: ShortText | None = None
    receipt_number: ShortText | None = None
    filed_capacity: NonNegInt | None = Field(None, description="备案收托规模（人）")
    filed_name: ShortText | None = None
    filed_address: ShortText | None = None
    filed_director: ShortText | None = None
    change_refiled_date: date | None = Field(None, description="变更备案日期 / date a change was re-filed")
    cancellation_filed: bool | None = Field(None, description="终止服务时已注销备案")


class Documents(_Model):
    """Documents submitted with the filing and kept on site (管理规范 art. 4)."""

    business_licence: Document | None = Field(None, description="营业执照或其他法人登记证书")
    premises_proof: Document | None = Field(None, description="场地证明")
    hygiene_evaluation: HygieneEvaluation | None = Field(None, description="托幼机构卫生评价报告")
    fire_safety_pass: Document | None = Field(None, description="消防安全检查合格证明")
    food_licence: Document | None = Field(None, description="食品经营许可证")
    commitment_letter: Document | None = Field(None, description="备案承诺书")
    floor_plan: Document | None = Field(None, description="平面图（标明各功能用房及面积）")
    structural_safety_report: Document | None = Field(
        None, description="房屋结构安全鉴定报告（建成超过 20 年的建筑）"
    )
    security_proof: Document | None = Field(None, description="技防/安防设施证明（视频监控、一键报警等）")


class Premises(_Model):
    """场地: tenure, maintenance and materials (设置标准 arts. 11, 14)."""

    tenure: Tenure | None = None
    lease_start: date | None = Field(
        None, description="租赁起始日（计入租期）/ first day of the lease, counted in its length"
    )
    lease_end: date | None = Field(
        None,
        description="租赁到期日（含当日，计入租期）/ last day of the lease, included: "
        "2024-01-01 to 2026-12-31 is a three-year lease",
    )
    materials_test: MaterialsTest | None = None
    maintenance_last_date: date | None = Field(None, description="设施设备最近一次检查维护日期")


class Location(_Model):
    """Where the facility is, with its coordinate system declared."""

    crs: CRS = Field(description="坐标系 / coordinate system of every coordinate in this object")
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    site_boundary: Polygon | MultiPolygon | None = Field(
        None, description="场地边界（围墙）GeoJSON 几何 / site boundary, same CRS"
    )


class Building(_Model):
    """The building the children use (JGJ 39, GB 50016 5.4.4, GB 50223 6.0.8)."""

    standalone: bool | None = Field(
        None, description="独立建筑 / a separate building used only by the facility"
    )
    storeys_above_ground: Annotated[int, Field(ge=1, le=200)] | None = None
    fire_resistance_grade: Annotated[int, Field(ge=1, le=4)] | None = Field(None, description="耐火等级 1–4")
    seismic_category: SeismicCategory | None = Field(None, description="抗震设防类别 甲/乙/丙/丁")
    high_rise: bool | None = Field(None, description="高层建筑")
    independent_exits: bool | None = Field(None, description="独立的安全出口")
    independent_stairs: bool | None = Field(None, description="独立的疏散楼梯")
    dense_urban_rebuild: bool | None = Field(None, description="城市密集区改扩建（室外场地可按 2 m²/人）")
    completed_year: Annotated[int, Field(ge=1800, le=2100)] | None = Field(
        None, description="建成年份（房龄超过 20 年需提交结构安全鉴定报告）"
    )


class Room(_Model):
    """One room. Floors count from 1 at ground level; -1 is a basement."""

    id: ShortText
    type: RoomType
    class_id: ShortText | None = Field(None, description="所属班级（生活用房必填）")
    floor: Annotated[int, Field(ge=-10, le=200)] | None = Field(
        None, description="所在楼层; 1 = 首层, -1 = 地下"
    )
    semi_basement: bool | None = Field(None, description="半地下室")
    area_m2: NonNegFloat | None = None
    winter_sunlight_hours: Annotated[float, Field(ge=0, le=24)] | None = Field(
        None, description="冬至日满窗日照小时数"
    )
    beds: NonNegInt | None = Field(None, description="床位数（保健观察室：儿童观察床张数）")


class Outdoor(_Model):
    """室外活动场地 (设置标准 art. 16; JGJ 39 3.2.2)."""

    area_m2: NonNegFloat | None = None
    uses_public_space: bool | None = Field(None, description="利用附近安全的公共场地")
    equipment_present: bool | None = None
    protection_present: bool | None = None


class GuardRail(_Model):
    location: ShortText
    height_m: Annotated[float, Field(ge=0, le=10)] | None = None
    bar_spacing_m: Annotated[float, Field(ge=0, le=5)] | None = None
    vertical_bars: bool | None = None


class Window(_Model):
    room_id: ShortText
    sill_height_m: Annotated[float, Field(ge=0, le=10)] | None = None
    guard_height_m: Annotated[float, Field(ge=0, le=10)] | None = Field(
        None, description="防护高度（从可踏面起算）"
    )
    inward_opening_below_1_8m: bool | None = Field(None, description="1.80 m 以下设内悬/内平开窗扇")
    fly_screens: bool | None = Field(None, description="外窗开启扇设纱窗")


class Door(_Model):
    room_id: ShortText
    type: DoorType | None = None
    opens_in_escape_direction: bool | None = None
    has_threshold: bool | None = None
    safety_glass_below_1_2m: bool | None = None


class Stair(_Model):
    id: ShortText
    well_width_m: Annotated[float, Field(ge=0, le=20)] | None = None
    anti_climb: bool | None = Field(None, description="梯井防攀滑措施")
    baluster_spacing_m: Annotated[float, Field(ge=0, le=5)] | None = None
    riser_m: Annotated[float, Field(ge=0, le=1)] | None = None
    tread_m: Annotated[float, Field(ge=0, le=2)] | None = None
    child_handrail_height_m: Annotated[float, Field(ge=0, le=3)] | None = Field(
        None, description="幼儿扶手高度（m）"
    )
    handrails_both_sides: bool | None = Field(None, description="楼梯两侧均设幼儿扶手")
    winding_steps: bool | None = None


class SafetyInstallations(_Model):
    """Guard rails, windows, doors, stairs and security equipment (设置标准 art. 17)."""

    guard_rails: list[GuardRail] | None = None
    windows: list[Window] | None = None
    doors: list[Door] | None = None
    stairs: list[Stair] | None = None
    anti_pinch_doors: bool | None = None
    corner_protection: bool | None = None
    security_equipment: bool | None = Field(None, description="安防设备（一键报警等）")


class ChildClass(_Model):
    """A class (班级) and its living unit."""

    id: ShortText
    type: ClassType
    min_age_months: Months | None = Field(
        None, description="班内最小月龄（“18个月以上”含 18 个月）/ youngest child's age in months"
    )
    max_age_months: Months | None = Field(None, description="班内最大月龄 / oldest child's age in months")
    enrolled: NonNegInt | None = None
    carers: NonNegInt | None = Field(None, description="配备的保育人员数")
    shares_unit_with: list[ShortText] | None = Field(
        None, description="与之共用生活单元的其他班级 id（应为空）"
    )


class Training(_Model):
    kind: TrainingKind
    completed_date: date | None = None
    certificate_number: ShortText | None = None


class Certificate(_Model):
    kind: CertificateKind
    number: ShortText | None = None
    issued_date: date | None = None
    valid_until: date | None = Field(
        None,
        description="有效期至（含当日）；过期的证书不计为持证 / valid through this day; expired certificates do not count",
    )


class HealthChecks(_Model):
    pre_employment_date: date | None = Field(None, description="上岗前健康检查日期")
    last_annual_date: date | None = Field(
        None,
        description="最近一次年度健康检查日期（周年当日仍在期内）/ last annual check; in time through its anniversary",
    )
    passed: bool | None = Field(None, description="最近一次健康检查合格 / the last health check was passed")
    mental_illness_history: bool | None = Field(
        None, description="有精神病史（76号令第十四条：不得从事托育工作）/ history of mental illness"
    )


class CriminalRecordCheck(_Model):
    checked: bool | None = Field(None, description="已查询/提供无犯罪记录证明")
    check_date: date | None = None
    record_of_harming_children: bool | None = None


class Staff(_Model):
    id: ShortText
    name: ShortText | None = None
    role: StaffRole
    employment: Employment | None = None
    education: Education | None = None
    management_years: NonNegFloat | None = Field(None, description="从事托育/教育/卫生管理工作年限")
    infant_care_experience: bool | None = Field(None, description="有婴幼儿照护经验或相关专业背景")
    start_date: date | None = None
    trainings: list[Training] | None = None
    certificates: list[Certificate] | None = None
    health_checks: HealthChecks | None = None
    criminal_record_check: CriminalRecordCheck | None = None
    labour_contract: bool | None = None
    security_company_licensed: bool | None = Field(
        None, description="（保安）由持保安服务许可证的保安公司派驻"
    )
    on_duty: bool | None = None


class Meals(_Model):
    serves_meals: bool | None = Field(None, description="提供餐食（含自制或配送）")
    weekly_menus: bool | None = None
    special_diet_records: bool | None = None
    sample_retention: bool | None = Field(None, description="食品留样")
    drinking_water_safe: bool | None = None


class Children(_Model):
    """Enrolment paperwork, as counts over the enrolled children."""

    admission_records_complete: NonNegInt | None = Field(None, description="入托登记资料齐全的人数")
    agreements_signed: NonNegInt | None = Field(None, description="签订托育服务协议的人数")
    vaccination_checked: NonNegInt | None = Field(None, description="入托前查验预防接种的人数")
    entry_health_check_passed: NonNegInt | None = Field(None, description="入托体检合格的人数")
    returned_after_3_months_unchecked: NonNegInt | None = Field(
        None, description="离开 3 个月以上返回未重新体检的人数"
    )


class Systems(_Model):
    """Management systems and practices (管理规范)."""

    children_register: Practice | None = Field(None, description="在托婴幼儿名册（定期报送）")
    parent_contact: Practice | None = Field(None, description="家长联系制度（last_date: 最近家长会）")
    parents_committee: Practice | None = None
    daily_routine: Practice | None = Field(None, description="一日生活安排")
    activity_plan: Practice | None = Field(None, description="以游戏为主的活动计划")
    daily_care_records: Practice | None = Field(None, description="日常照护记录与反馈")
    health_care: Practice | None = Field(None, description="卫生保健制度")
    morning_noon_checks: Practice | None = Field(None, description="晨午检和全日健康观察")
    domestic_violence_reporting: Practice | None = None
    disinfection: Practice | None = None
    sick_isolation: Practice | None = None
    safety_management: Practice | None = Field(None, description="安全管理、检查与隐患排查制度")
    pick_up: Practice | None = Field(None, description="婴幼儿接送制度")
    emergency_drills: Practice | None = Field(None, description="应急演练（last_date: 最近一次演练）")
    safety_training: Practice | None = Field(None, description="定期安全培训（last_date: 最近一次）")
    annual_work_plan: Practice | None = None
    fire_equipment_maintenance: Practice | None = Field(
        None, description="消防设施维护管理（last_date: 最近一次维护检查）"
    )
    abuse_prevention: Practice | None = Field(
        None, description="法治和职业道德教育、虐童零容忍及责任追究制度"
    )


class Monitoring(_Model):
    """Video surveillance and alarm (管理规范 art. 32)."""

    hours_per_day: Annotated[float, Field(ge=0, le=24)] | None = None
    covers_all_child_areas: bool | None = None
    retention_days: NonNegInt | None = Field(
        None,
        description="录像保存天数（“不少于 90 日”含 90 日）/ days recordings are kept (90 meets “at least 90”)",
    )
    alarm_connected: bool | None = None


class Operations(_Model):
    """Day-to-day facts of care and safety."""

    outdoor_minutes_per_day: Annotated[int, Field(ge=0, le=1440)] | None = None
    emergency_plans: list[EmergencyHazard] | None = Field(None, description="已制定应急预案的突发事件类型")
    fire_safety_manager: ShortText | None = Field(None, description="消防安全管理人")
    public_disclosure: list[DisclosureItem] | None = Field(None, description="已公示的信息")
    substantiated_maltreatment_incidents: NonNegInt | None = Field(
        None,
        description="查实的虐待、歧视、体罚或变相体罚、侮辱人格及违背婴幼儿成长规律活动的事件数",
    )
    last_annual_report_year: Annotated[int, Field(ge=2019, le=2100)] | None = Field(
        None, description="最近报送年度工作报告的年度"
    )
    monitoring: Monitoring | None = None


class Attestations(_Model):
    """Judgements recorded by the inspector (or the provider, for a self-check)."""

    age_appropriate_furnishings: Attestation | None = Field(None, description="家具玩具等适龄且安全环保")
    responsive_stimulation: Attestation | None = Field(None, description="适宜刺激，支持探索与表达")
    safe_premises_and_storage: Attestation | None = Field(None, description="场所设备安全，危险物品妥善存放")
    site_environment: Attestation | None = Field(
        None, description="场地自然条件良好、交通便利、符合卫生环保要求"
    )


class Incidents(_Model):
    """Safety incidents and satisfaction (rubric （五）5; kept for later items)."""

    safety_accidents: NonNegInt | None = None
    satisfaction_percent: Annotated[float, Field(ge=0, le=100)] | None = None


class Inspection(_Model):
    inspection_date: date | None = Field(None, description="检查日期 — the reference date of date rules")
    inspector: ShortText | None = None
    evidence_refs: list[ShortText] | None = None


# --------------------------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------------------------


class Facility(_Model):
    """托育机构记录 / A childcare facility record."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="facility-check facility record",
        json_schema_extra={"x-schema-version": SCHEMA_VERSION},
    )

    schema_version: Literal["1.0"] = Field(description="记录格式版本 / record format version")
    facility_id: Annotated[
        str, Field(min_length=1, max_length=100, pattern=r"^[0-9A-Za-z][0-9A-Za-z._:/-]*$")
    ] = Field(description="机构编号（字母、数字及 . _ : / -）/ facility id: letters, digits and . _ : / -")
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_PATTERN)]
    uscc: Annotated[str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")] | None = (
        Field(None, description="统一社会信用代码 (GB 32100)")
    )
    division_code: Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")] | None = Field(
        None, description="所在县级行政区划代码 (GB/T 2260)"
    )
    address: ShortText | None = None
    operator_type: OperatorType | None = None
    service_types: list[ServiceType] | None = None
    status: FacilityStatus | None = None
    registration: Registration | None = None
    filing: Filing | None = None
    documents: Documents | None = None
    premises: Premises | None = None
    location: Location | None = None
    building: Building | None = None
    rooms: list[Room] | None = None
    outdoor: Outdoor | None = None
    safety: SafetyInstallations | None = None
    classes: list[ChildClass] | None = None
    staff: list[Staff] | None = None
    meals: Meals | None = None
    children: Children | None = None
    systems: Systems | None = None
    operations: Operations | None = None
    attestations: Attestations | None = None
    incidents: Incidents | None = None
    inspection: Inspection | None = None

    def enrolled_total(self) -> int | None:
        """Children enrolled over all classes, or None when any class lacks its count."""
        if not self.classes:
            return None
        counts = [c.enrolled for c in self.classes]
        if any(c is None for c in counts):
            return None
        return sum(c for c in counts if c is not None)


def facility_json_schema() -> dict[str, Any]:
    """The published JSON Schema (2020-12) of the record, generated from the models."""
    schema = Facility.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://facility-check.example/schemas/facility.schema.json",
        **schema,
    }


# --------------------------------------------------------------------------------------------
# Chinese titles of the fields: the schema's ``title`` and the headers of the workbooks.
# Kept in one table (not in each Field) so that descriptions and titles change independently.
# --------------------------------------------------------------------------------------------

_TITLES: dict[type[BaseModel], dict[str, str]] = {
    Document: {
        "present": "持有",
        "number": "编号",
        "issued_date": "发证日期",
        "valid_until": "有效期至",
        "evidence_ref": "佐证材料",
    },
    HygieneEvaluation: {"result": "评价结果"},
    MaterialsTest: {"test_date": "检测日期", "passed": "检测合格", "evidence_ref": "佐证材料"},
    Practice: {"in_place": "已建立并执行", "last_date": "最近执行日期", "evidence_ref": "佐证材料"},
    Attestation: {"attested": "符合", "by": "判断人", "evidence_ref": "佐证材料"},
    Point: {"type": "几何类型", "coordinates": "坐标"},
    Polygon: {"type": "几何类型", "coordinates": "坐标"},
    MultiPolygon: {"type": "几何类型", "coordinates": "坐标"},
    Registration: {
        "authority": "登记机关",
        "number": "登记证号",
        "registered_date": "登记日期",
        "business_scope": "经营/业务范围",
    },
    Filing: {
        "filed": "已备案",
        "filed_date": "备案日期",
        "authority": "备案机关",
        "receipt_number": "备案回执编号",
        "filed_capacity": "备案收托规模",
        "filed_name": "备案机构名称",
        "filed_address": "备案地址",
        "filed_director": "备案负责人",
        "change_refiled_date": "变更备案日期",
        "cancellation_filed": "已注销备案",
    },
    Documents: {
        "floor_plan": "平面图",
        "structural_safety_report": "房屋结构安全鉴定报告",
        "security_proof": "技防/安防证明",
        "business_licence": "营业执照",
        "premises_proof": "场地证明",
        "hygiene_evaluation": "卫生评价报告",
        "fire_safety_pass": "消防安全检查合格证明",
        "food_licence": "食品经营许可证",
        "commitment_letter": "备案承诺书",
    },
    Premises: {
        "tenure": "场地权属",
        "lease_start": "租赁起始日",
        "lease_end": "租赁到期日",
        "materials_test": "装修材料检测",
        "maintenance_last_date": "最近设施维护日期",
    },
    Location: {
        "crs": "坐标系",
        "longitude": "经度",
        "latitude": "纬度",
        "site_boundary": "场地边界",
    },
    Building: {
        "completed_year": "建成年份",
        "standalone": "独立建筑",
        "storeys_above_ground": "地上层数",
        "fire_resistance_grade": "耐火等级",
        "seismic_category": "抗震设防类别",
        "high_rise": "高层建筑",
        "independent_exits": "独立安全出口",
        "independent_stairs": "独立疏散楼梯",
        "dense_urban_rebuild": "城市密集区改扩建",
    },
    Room: {
        "beds": "床位数",
        "id": "房间编号",
        "type": "房间类型",
        "class_id": "所属班级",
        "floor": "楼层",
        "semi_basement": "半地下室",
        "area_m2": "使用面积（m²）",
        "winter_sunlight_hours": "冬至日照（小时）",
    },
    Outdoor: {
        "area_m2": "室外场地面积（m²）",
        "uses_public_space": "利用公共场地",
        "equipment_present": "有活动器械",
        "protection_present": "有安全防护",
    },
    GuardRail: {
        "location": "栏杆位置",
        "height_m": "栏杆高度（m）",
        "bar_spacing_m": "杆件净距（m）",
        "vertical_bars": "竖向杆件",
    },
    Window: {
        "fly_screens": "纱窗",
        "room_id": "房间编号",
        "sill_height_m": "窗台高度（m）",
        "guard_height_m": "防护高度（m）",
        "inward_opening_below_1_8m": "1.8 m 以下内开窗扇",
    },
    Door: {
        "room_id": "房间编号",
        "type": "门的类型",
        "opens_in_escape_direction": "向疏散方向开启",
        "has_threshold": "有门槛",
        "safety_glass_below_1_2m": "1.2 m 以下用安全玻璃",
    },
    Stair: {
        "handrails_both_sides": "两侧幼儿扶手",
        "id": "楼梯编号",
        "well_width_m": "梯井净宽（m）",
        "anti_climb": "防攀滑措施",
        "baluster_spacing_m": "栏杆净距（m）",
        "riser_m": "踏步高度（m）",
        "tread_m": "踏步宽度（m）",
        "child_handrail_height_m": "幼儿扶手高度（m）",
        "winding_steps": "有扇形踏步",
    },
    SafetyInstallations: {
        "guard_rails": "防护栏杆",
        "windows": "窗",
        "doors": "门",
        "stairs": "楼梯",
        "anti_pinch_doors": "防夹手门",
        "corner_protection": "防撞护角",
        "security_equipment": "安防设备",
    },
    ChildClass: {
        "id": "班级编号",
        "type": "班级类型",
        "min_age_months": "最小月龄",
        "max_age_months": "最大月龄",
        "enrolled": "在托人数",
        "carers": "保育人员数",
        "shares_unit_with": "共用生活单元的班级",
    },
    Training: {"kind": "培训类别", "completed_date": "完成日期", "certificate_number": "证书编号"},
    Certificate: {
        "kind": "证书类别",
        "number": "证书编号",
        "issued_date": "发证日期",
        "valid_until": "有效期至",
    },
    HealthChecks: {
        "mental_illness_history": "精神病史",
        "pre_employment_date": "上岗前体检日期",
        "last_annual_date": "最近年度体检日期",
        "passed": "体检合格",
    },
    CriminalRecordCheck: {
        "checked": "已查无犯罪记录",
        "check_date": "查询日期",
        "record_of_harming_children": "有伤害儿童记录",
    },
    Staff: {
        "id": "人员编号",
        "name": "姓名",
        "role": "岗位",
        "employment": "用工形式",
        "education": "学历",
        "management_years": "管理工作年限",
        "infant_care_experience": "有婴幼儿照护经验",
        "start_date": "入职日期",
        "trainings": "培训",
        "certificates": "证书",
        "health_checks": "健康检查",
        "criminal_record_check": "无犯罪记录查询",
        "labour_contract": "签订劳动合同",
        "security_company_licensed": "保安公司持证派驻",
        "on_duty": "在岗",
    },
    Meals: {
        "serves_meals": "提供餐食",
        "weekly_menus": "每周食谱",
        "special_diet_records": "特殊膳食记录",
        "sample_retention": "食品留样",
        "drinking_water_safe": "饮用水安全",
    },
    Children: {
        "admission_records_complete": "入托登记资料齐全人数",
        "agreements_signed": "签订服务协议人数",
        "vaccination_checked": "查验预防接种人数",
        "entry_health_check_passed": "入托体检合格人数",
        "returned_after_3_months_unchecked": "离托 3 个月以上返回未体检人数",
    },
    Systems: {
        "fire_equipment_maintenance": "消防设施维护管理",
        "abuse_prevention": "法治和职业道德教育、虐童零容忍制度",
        "children_register": "在托婴幼儿名册",
        "parent_contact": "家长联系制度",
        "parents_committee": "家长委员会",
        "daily_routine": "一日生活安排",
        "activity_plan": "活动计划",
        "daily_care_records": "日常照护记录",
        "health_care": "卫生保健制度",
        "morning_noon_checks": "晨午检",
        "domestic_violence_reporting": "家庭暴力报告",
        "disinfection": "消毒制度",
        "sick_isolation": "患病隔离",
        "safety_management": "安全管理制度",
        "pick_up": "接送制度",
        "emergency_drills": "应急演练",
        "safety_training": "安全培训",
        "annual_work_plan": "年度工作计划",
    },
    Monitoring: {
        "hours_per_day": "每日监控小时数",
        "covers_all_child_areas": "覆盖全部婴幼儿活动区域",
        "retention_days": "录像保存天数",
        "alarm_connected": "一键报警联网",
    },
    Operations: {
        "outdoor_minutes_per_day": "每日户外活动分钟数",
        "emergency_plans": "应急预案",
        "fire_safety_manager": "消防安全管理人",
        "public_disclosure": "公示信息",
        "substantiated_maltreatment_incidents": "查实虐待体罚事件数",
        "last_annual_report_year": "最近年度报告年份",
        "monitoring": "视频监控",
    },
    Attestations: {
        "age_appropriate_furnishings": "家具玩具适龄安全",
        "responsive_stimulation": "适宜刺激",
        "safe_premises_and_storage": "场所安全与危险品存放",
        "site_environment": "场地环境",
    },
    Incidents: {"safety_accidents": "安全事故数", "satisfaction_percent": "满意度（%）"},
    Inspection: {"inspection_date": "检查日期", "inspector": "检查人", "evidence_refs": "佐证材料"},
    Facility: {
        "schema_version": "格式版本",
        "facility_id": "机构编号",
        "name": "机构名称",
        "uscc": "统一社会信用代码",
        "division_code": "行政区划代码",
        "address": "地址",
        "operator_type": "举办类型",
        "service_types": "服务类型",
        "status": "运营状态",
        "registration": "法人登记",
        "filing": "备案",
        "documents": "证照",
        "premises": "场地",
        "location": "位置",
        "building": "建筑",
        "rooms": "房间",
        "outdoor": "室外场地",
        "safety": "安全设施",
        "classes": "班级",
        "staff": "工作人员",
        "meals": "膳食",
        "children": "入托资料",
        "systems": "管理制度",
        "operations": "日常运营",
        "attestations": "现场判断",
        "incidents": "事故与满意度",
        "inspection": "检查",
    },
}


def _apply_titles() -> None:
    """Set the Chinese title of every field (inherited tables too), then rebuild the schemas."""
    for model in _TITLES:
        titles: dict[str, str] = {}
        for base in reversed(model.__mro__):
            titles.update(_TITLES.get(base, {}))
        for name, info in model.model_fields.items():
            info.title = titles.get(name)  # a test requires every field to have one
        model.model_rebuild(force=True)


_apply_titles()


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The record model inside a field's annotation (``X | None``, ``list[X]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def field_titles(names: Sequence[str]) -> list[str | None]:
    """The Chinese titles along a path of field names from the record's root
    (``["staff", "health_checks", "last_annual_date"]``); ``None`` where a name is not a field."""
    titles: list[str | None] = []
    model: type[BaseModel] | None = Facility
    for name in names:
        info = model.model_fields.get(name) if model is not None else None
        titles.append(info.title if info is not None else None)
        model = _model_of(info.annotation) if info is not None else None
    return titles
