"""Predicates of 《托育机构设置标准（试行）》 (articles 11–21).

Each function's docstring says what it checks; the catalogue entry (``standards/setup-standard.yaml``)
says why, with the legal wording, parameters and their sources.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from datetime import date, timedelta
from operator import attrgetter

from ..problems import Text
from ..record import Attestation, ClassType, Education, Facility, StaffRole, Tenure, TrainingKind
from ..validate import LIFE_ROOM_TYPES
from .base import (
    Check,
    Context,
    Params,
    Status,
    anniversary,
    met,
    not_applicable,
    recent,
    unknown,
    unmet,
    valid_on,
)

CLASS_ZH = {
    ClassType.infant: "乳儿班",
    ClassType.toddler: "托小班",
    ClassType.older: "托大班",
    ClassType.mixed: "混龄班",
    ClassType.kindergarten: "幼儿园班",
}
EDUCATION_ORDER = list(Education)
EDUCATION_ZH = {
    Education.primary: "小学",
    Education.junior_secondary: "初中",
    Education.senior_secondary: "高中/中专",
    Education.junior_college: "大专",
    Education.bachelor: "本科",
    Education.postgraduate: "研究生",
}


def last_day_of_years(start: date, years: int) -> date:
    """The last day of a period of ``years`` years that begins on (and includes) ``start``.

    Periods are inclusive of both ends: a lease from 2024-01-01 to 2026-12-31 lasts three years.
    """
    return anniversary(start, years) - timedelta(days=1)


def premises_tenure(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Premises owned (or provided free), or leased for at least ``lease_years_min`` years (both end days included)."""
    years = int(p["lease_years_min"])
    pr = f.premises
    if pr is None or pr.tenure is None:
        yield unknown("未提供场地产权/租赁情况", "premises tenure not given", "$.premises.tenure")
        return
    if pr.tenure in (Tenure.owned, Tenure.free_use):
        yield met(
            "场地为自有产权" if pr.tenure == Tenure.owned else "场地为无偿提供使用",
            "premises owned" if pr.tenure == Tenure.owned else "premises provided free of charge",
            "$.premises.tenure",
            measured=str(pr.tenure),
        )
        return
    if pr.lease_start is None or pr.lease_end is None:
        missing = "$.premises.lease_start" if pr.lease_start is None else "$.premises.lease_end"
        yield unknown(
            "场地为租赁，但未提供租赁起止日期",
            "premises leased, but the lease start or end date is missing",
            missing,
            required=f">= {years} years",
        )
        return
    needed_end = last_day_of_years(pr.lease_start, years)
    paths = ("$.premises.lease_start", "$.premises.lease_end")
    lease_days = (pr.lease_end - pr.lease_start).days + 1  # both the first and the last day count
    if pr.lease_end < needed_end:
        yield unmet(
            f"租期 {pr.lease_start}—{pr.lease_end}（含首尾两日共 {lease_days} 天）不足 {years} 年；请续签至 {needed_end} 或以后",
            f"lease {pr.lease_start} to {pr.lease_end} ({lease_days} days, both ends included) is shorter than "
            f"{years} years; extend it to {needed_end} or later",
            *paths,
            measured=f"{lease_days} days",
            required=f">= {years} years (to {needed_end})",
        )
        return
    note_zh = note_en = ""
    if ctx.as_of is not None:
        if pr.lease_end < ctx.as_of:
            yield unmet(
                f"租赁已于 {pr.lease_end} 到期",
                f"the lease expired on {pr.lease_end}",
                "$.premises.lease_end",
                measured=f"ended {pr.lease_end}",
                required=f"a lease in force on {ctx.as_of}",
            )
            return
        remaining = (pr.lease_end - ctx.as_of).days + 1  # the reference date and the end date count
        if remaining < int(p["warn_remaining_days"]):
            note_zh = f"；注意：剩余租期仅 {remaining} 天（含到期日），请及时续租"
            note_en = (
                f"; note: only {remaining} days of the lease remain (end date included) — renew it in time"
            )
    yield met(
        f"租期 {pr.lease_start}—{pr.lease_end}，不少于 {years} 年{note_zh}",
        f"lease {pr.lease_start} to {pr.lease_end}, at least {years} years{note_en}",
        *paths,
        measured=f"{lease_days} days",
        required=f">= {years} years (to {needed_end})",
    )


@functools.lru_cache(maxsize=1024)
def _conforms(status: Status, code: str, what_zh: str, what_en: str) -> Check:
    """The check of a related rule that is met (or not applicable): the same for every facility."""
    return Check(status, Text(f"{what_zh}符合 {code}", f"{what_en} conforms to {code}"), (), None, code)


def _related(ctx: Context, codes: list[str], what_zh: str, what_en: str) -> Iterator[Check]:
    """The article is carried out only when the rules it points to are."""
    for code in codes:
        status = ctx.related.get(code)
        if status is None:
            yield unknown(f"{code} 未评估", f"{code} was not evaluated", required=code)
            continue
        if status != Status.unmet and status != Status.unknown:  # no evidence is quoted
            yield _conforms(status, code, what_zh, what_en)
            continue
        evidence = ctx.related_evidence.get(code, ())
        paths = tuple(sorted({path for c in evidence if c.status == status for path in c.paths}))
        why = [c.message for c in evidence if c.status == status]
        why_zh = "：" + "；".join(m.zh for m in why) if why else ""
        why_en = ": " + "; ".join(m.en for m in why) if why else ""
        if status == Status.unmet:
            yield unmet(
                f"{what_zh}不符合 {code}{why_zh}",
                f"{what_en} does not conform to {code}{why_en}",
                *paths,
                measured=str(status),
                required=code,
            )
        else:
            yield unknown(
                f"{what_zh}是否符合 {code} 无法判断（缺少事实）{why_zh}",
                f"whether {what_en} conforms to {code} cannot be told (facts missing){why_en}",
                *paths,
                required=code,
            )


def site_safety(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Siting away from hazards (from the hazard layers), good site environment, seismic and fire."""
    if ctx.siting_verdict is None:
        yield unknown(
            "未提供危险源图层（--hazards），无法判断选址是否远离危险源和污染源",
            "no hazard layers given (--hazards): cannot tell whether the site keeps away from hazards",
            "$.location",
            required="siting compliant",
        )
    elif ctx.siting_verdict == "compliant":
        yield met(
            "选址与所提供危险源图层中的危险源距离符合要求",
            "siting clear of every hazard in the given layers",
            "$.location",
        )
    elif ctx.siting_verdict == "noncompliant":
        summary = ctx.siting_summary
        yield unmet(
            "选址距危险源过近" + (f"：{summary.zh}" if summary else ""),
            "the site is too close to a hazard" + (f": {summary.en}" if summary else ""),
            "$.location",
            required="siting compliant",
        )
    else:
        yield unknown(
            "无法判断选址（缺少位置）", "siting cannot be judged (no usable location)", "$.location"
        )
    yield from _related(ctx, list(p["design_rules"]), "建筑", "the building")
    att = f.attestations.site_environment if f.attestations else None
    yield _attestation_check(
        att, "$.attestations.site_environment", "场地自然条件、交通和卫生环保条件", "site conditions"
    )


def _attestation_check(att: object, path: str, what_zh: str, what_en: str) -> Check:
    if not isinstance(att, Attestation) or att.attested is None:
        return unknown(
            f"未记录对“{what_zh}”的核查结论", f"no attested finding on {what_en}", path, required="attested"
        )
    if att.attested is False:
        return unmet(
            f"核查认定“{what_zh}”不符合要求", f"{what_en} attested as not conforming", path, measured=False
        )
    if not att.evidence_ref:
        return unknown(
            f"“{what_zh}”已声明符合，但没有佐证材料编号",
            f"{what_en} declared conforming, but no evidence reference is given",
            path + ".evidence_ref",
            required="evidence_ref",
        )
    return met(
        f"“{what_zh}”经核查符合（佐证：{att.evidence_ref}）",
        f"{what_en} attested as conforming (evidence: {att.evidence_ref})",
        path,
        measured=True,
    )


def attestation(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """A requirement only a person on site can judge: attested, with an evidence reference."""
    key = str(p["fact"])
    att = getattr(f.attestations, key, None) if f.attestations else None
    yield _attestation_check(att, f"$.attestations.{key}", str(p["what_zh"]), str(p["what_en"]))


def life_rooms(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Every class has its life rooms, and the rooms conform to the JGJ 39 room and floor rules."""
    if not f.classes:
        yield unknown(
            "未提供班级信息，无法核对生活用房", "no classes given: life rooms cannot be checked", "$.classes"
        )
    elif f.rooms is None:
        yield unknown("未提供房间信息（rooms）", "no rooms given", "$.rooms")
    else:
        for index, cls in enumerate(f.classes):
            if cls.type == ClassType.kindergarten:
                continue
            rooms = [r for r in f.rooms if r.class_id == cls.id and r.type in LIFE_ROOM_TYPES]
            if rooms:
                yield met(
                    f"班级 {cls.id} 有生活用房 {', '.join(r.id for r in rooms)}",
                    f"class {cls.id} has life rooms {', '.join(r.id for r in rooms)}",
                    f"$.classes[{index}]",
                )
            else:
                yield unmet(
                    f"班级 {cls.id} 没有独立的生活用房（睡眠区/活动区）",
                    f"class {cls.id} has no life room (sleeping or activity area) of its own",
                    f"$.classes[{index}]",
                    "$.rooms",
                )
    yield from _related(ctx, list(p["design_rules"]), "生活用房", "the life rooms")


def materials_and_maintenance(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Materials/indoor-air test passed; facilities inspected and maintained within the interval."""
    test = f.premises.materials_test if f.premises else None
    if test is None or test.passed is None:
        yield unknown(
            "未提供室内空气/装修材料检测结果",
            "no indoor-air / materials test result given",
            "$.premises.materials_test.passed",
            required="passed",
        )
    elif not test.passed:
        yield unmet(
            "室内空气/装修材料检测不合格；请整改并复检",
            "indoor-air / materials test failed; remedy and test again",
            "$.premises.materials_test.passed",
            measured=False,
            required=True,
        )
    else:
        yield met(
            "室内空气/装修材料检测合格",
            "indoor-air / materials test passed",
            "$.premises.materials_test.passed",
        )
    yield recent(
        f.premises.maintenance_last_date if f.premises else None,
        ctx.as_of,
        int(p["maintenance_max_age_days"]),
        "$.premises.maintenance_last_date",
        "设施设备检查维护",
        "maintenance inspection",
    )


def outdoor_area(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """An outdoor play area (or nearby safe public space) with equipment and safety protection."""
    o = f.outdoor
    if o is None:
        yield unknown("未提供室外活动场地信息", "no outdoor play area facts given", "$.outdoor")
        return
    has_own = o.area_m2 is not None and o.area_m2 > 0
    if has_own:
        yield met(
            f"有室外活动场地 {o.area_m2} m²",
            f"outdoor play area of {o.area_m2} m²",
            "$.outdoor.area_m2",
            measured=o.area_m2,
        )
    elif o.uses_public_space:
        yield met(
            "利用附近安全的公共场地开展户外活动",
            "uses a nearby safe public space",
            "$.outdoor.uses_public_space",
        )
    elif o.area_m2 is None:  # no public space used (or not stated): the own area decides
        yield unknown("未提供室外场地面积", "outdoor area not given", "$.outdoor.area_m2")
    elif o.uses_public_space is None:
        yield unknown(
            "没有自有室外场地，且未说明是否利用附近公共场地",
            "no own outdoor area, and not stated whether a nearby public space is used",
            "$.outdoor.uses_public_space",
        )
    else:
        yield unmet(
            "没有室外活动场地，也未利用附近公共场地",
            "no outdoor play area and no nearby public space used",
            "$.outdoor.area_m2",
            "$.outdoor.uses_public_space",
            measured=o.area_m2,
            required="> 0 m² or public space",
        )
    for key, zh, en in (
        ("equipment_present", "适宜的游戏设施", "suitable play equipment"),
        ("protection_present", "安全防护", "safety protection"),
    ):
        value = getattr(o, key)
        path = f"$.outdoor.{key}"
        if value is None:
            yield unknown(f"未说明室外场地是否有{zh}", f"not stated whether the outdoor area has {en}", path)
        elif value:
            yield met(f"室外场地有{zh}", f"outdoor area has {en}", path)
        else:
            yield unmet(f"室外场地缺少{zh}", f"outdoor area lacks {en}", path, measured=False, required=True)


def safety_installations(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """The JGJ 39 protection clauses in ``design_rules``, plus the ``equipment`` items (project check items)."""
    yield from _related(ctx, list(p["design_rules"]), "安全防护设施", "the safety installations")
    s = f.safety
    labels = {
        "anti_pinch_doors": ("防夹手门", "anti-pinch doors"),
        "corner_protection": ("防撞护角", "corner protection"),
        "security_equipment": ("安防设备", "security equipment"),
    }
    for key in [str(k) for k in p["equipment"]]:
        zh, en = labels.get(key, (key, key.replace("_", " ")))
        value = getattr(s, key, None) if s else None
        path = f"$.safety.{key}"
        if value is None:
            yield unknown(f"未说明是否配备{zh}", f"not stated whether there is {en}", path)
        elif value:
            yield met(f"已配备{zh}", f"{en} present", path)
        else:
            yield unmet(f"未配备{zh}", f"no {en}", path, measured=False, required=True)


def _functions_staffed(f: Facility, functions: dict[str, str]) -> Iterator[Check]:
    """First sentence of art. 18: management, care, health and security functions are staffed.

    The security function has the scope of art. 21 (independently set-up facilities only), so the
    articles never disagree about the same guard.
    """
    roles = [str(s.role) for s in f.staff or []]
    for role, label in functions.items():
        holders = [i for i, r in enumerate(roles) if r == role]
        if role == StaffRole.security and f.operator_type != "independent":
            if f.operator_type is None:
                yield unknown(
                    f"机构类型未知，无法判断是否须配置{label}",
                    f"operator type not given: whether {role} staff are required is undetermined",
                    "$.operator_type",
                )
            else:
                yield not_applicable(
                    f"非独立设置的机构，{label}由举办单位承担",
                    f"not independently set up: the host provides {role}",
                    "$.operator_type",
                )
        elif holders:
            yield met(
                f"已配置{label} {len(holders)} 名",
                f"{len(holders)} staff for {role}",
                *(f"$.staff[{i}].role" for i in holders),
                measured=len(holders),
                required=">= 1",
            )
        else:
            yield unmet(
                f"未配置{label}",
                f"no staff for {role}",
                "$.staff",
                measured=0,
                required=">= 1",
            )


def _has_training(trainings: object, kind: TrainingKind) -> bool:
    return kind in map(_kind_of, trainings or [])  # type: ignore[call-overload]


_kind_of = attrgetter("kind")


def staff_qualifications(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Director, carers, health staff and security staff hold the qualifications of art. 18."""
    if f.staff is None:
        yield unknown("未提供人员名单", "no staff list given", "$.staff")
        return
    yield from _functions_staffed(f, {str(k): str(v) for k, v in p["functions"].items()})
    min_edu = Education(p["director_min_education"])
    min_years = float(p["director_min_management_years"])
    directors = [(i, s) for i, s in enumerate(f.staff) if s.role == StaffRole.director]
    for i, d in directors:
        base = f"$.staff[{i}]"
        if d.education is None:
            yield unknown(
                f"负责人 {d.id} 学历未知", f"director {d.id}: education not given", f"{base}.education"
            )
        elif EDUCATION_ORDER.index(d.education) < EDUCATION_ORDER.index(min_edu):
            yield unmet(
                f"负责人 {d.id} 学历为{EDUCATION_ZH[d.education]}，应为{EDUCATION_ZH[min_edu]}及以上",
                f"director {d.id} has {d.education} education; {min_edu} or higher is required",
                f"{base}.education",
                measured=str(d.education),
                required=f">= {min_edu}",
            )
        else:
            yield met(
                f"负责人学历{EDUCATION_ZH[d.education]}",
                f"director education {d.education}",
                f"{base}.education",
            )
        if d.management_years is None:
            yield unknown(
                f"负责人 {d.id} 管理工作年限未知",
                f"director {d.id}: years of management not given",
                f"{base}.management_years",
            )
        elif d.management_years < min_years:
            yield unmet(
                f"负责人 {d.id} 从事相关管理工作 {d.management_years:g} 年，不足 {min_years:g} 年",
                f"director {d.id} has {d.management_years:g} years of relevant management, less than {min_years:g}",
                f"{base}.management_years",
                measured=d.management_years,
                required=f">= {min_years:g}",
            )
        else:
            yield met(
                f"负责人管理年限 {d.management_years:g} 年",
                f"director management {d.management_years:g} years",
                f"{base}.management_years",
            )
        yield _training_check(
            d.trainings,
            TrainingKind.director,
            f"{base}.trainings",
            f"负责人 {d.id}",
            f"director {d.id}",
            "负责人岗位培训",
            "director training",
        )
    for i, s in enumerate(f.staff):
        base = f"$.staff[{i}]"
        if s.role == StaffRole.carer:
            if s.infant_care_experience is None:
                yield unknown(
                    f"保育人员 {s.id} 是否有婴幼儿照护经验或相关专业背景未知",
                    f"carer {s.id}: infant-care experience not stated",
                    f"{base}.infant_care_experience",
                )
            elif not s.infant_care_experience:
                yield unmet(
                    f"保育人员 {s.id} 无婴幼儿照护经验或相关专业背景",
                    f"carer {s.id} has no infant-care experience or background",
                    f"{base}.infant_care_experience",
                    measured=False,
                    required=True,
                )
            else:
                yield met(
                    f"保育人员 {s.id} 有照护经验",
                    f"carer {s.id} experienced",
                    f"{base}.infant_care_experience",
                )
            trainings, who_zh, who_en = f"{base}.trainings", f"保育人员 {s.id}", f"carer {s.id}"
            yield _training_check(
                s.trainings,
                TrainingKind.infant_care,
                trainings,
                who_zh,
                who_en,
                "婴幼儿保育培训",
                "infant-care training",
            )
            yield _training_check(
                s.trainings,
                TrainingKind.mental_health,
                trainings,
                who_zh,
                who_en,
                "心理健康知识培训",
                "mental-health training",
            )
        elif s.role == StaffRole.health:
            yield _training_check(
                s.trainings,
                TrainingKind.health_care,
                f"{base}.trainings",
                f"保健人员 {s.id}",
                f"health worker {s.id}",
                "妇幼保健机构组织的卫生保健培训",
                "health-care training by a maternal and child health institution",
            )
        elif s.role == StaffRole.security:
            certs = s.certificates
            if certs is None:
                yield unknown(
                    f"保安 {s.id} 证件未提供",
                    f"security guard {s.id}: certificates not given",
                    f"{base}.certificates",
                )
            elif any(c.kind == "security_guard" and valid_on(c.valid_until, ctx.as_of) for c in certs):
                yield met(
                    f"保安 {s.id} 持保安员证",
                    f"security guard {s.id} holds a 保安员证",
                    f"{base}.certificates",
                )
            else:
                yield unmet(
                    f"保安 {s.id} 未持有效的公安机关颁发的保安员证",
                    f"security guard {s.id} holds no 保安员证",
                    f"{base}.certificates",
                    required="security_guard certificate",
                )
            if s.security_company_licensed is None:
                yield unknown(
                    f"保安 {s.id} 是否由持证保安公司派驻未知",
                    f"security guard {s.id}: employing company licence not stated",
                    f"{base}.security_company_licensed",
                )
            elif not s.security_company_licensed:
                yield unmet(
                    f"保安 {s.id} 不是由持保安服务许可证的保安公司派驻",
                    f"security guard {s.id} is not posted by a licensed security company",
                    f"{base}.security_company_licensed",
                    measured=False,
                    required=True,
                )
            else:
                yield met(
                    f"保安 {s.id} 由持证保安公司派驻",
                    f"security guard {s.id} posted by a licensed company",
                    f"{base}.security_company_licensed",
                )


def _training_check(
    trainings: object, kind: TrainingKind, path: str, who_zh: str, who_en: str, what_zh: str, what_en: str
) -> Check:
    if trainings is None:
        return unknown(f"{who_zh}培训记录未提供", f"{who_en}: trainings not given", path, required=str(kind))
    if _has_training(trainings, kind):
        return met(f"{who_zh}已参加{what_zh}", f"{who_en} completed {what_en}", path)
    return unmet(
        f"{who_zh}未参加{what_zh}", f"{who_en} has not completed {what_en}", path, required=str(kind)
    )


def class_sizes(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Class sizes within the limit of their type; mixed classes only over 18 months; own units."""
    if not f.classes:
        yield unknown("未提供班级信息", "no classes given", "$.classes")
        return
    limits: dict[str, int] = {str(k): int(v) for k, v in p["class_limits"].items()}
    ranges: dict[str, list[int]] = {str(k): [int(x) for x in v] for k, v in p["age_ranges_months"].items()}
    mixed_min = int(p["mixed_min_age_months"])
    for i, c in enumerate(f.classes):
        base = f"$.classes[{i}]"
        if c.type == ClassType.kindergarten:
            yield not_applicable(
                f"班级 {c.id} 为幼儿园班，不适用本条", f"class {c.id} is a kindergarten class", f"{base}.type"
            )
            continue
        name_zh = CLASS_ZH[c.type]
        limit = limits[str(c.type)]
        if c.enrolled is None:
            yield unknown(
                f"{name_zh} {c.id} 在托人数未知",
                f"{c.type} class {c.id}: enrolment not given",
                f"{base}.enrolled",
                required=f"<= {limit}",
            )
        elif c.enrolled > limit:
            yield unmet(
                f"{name_zh} {c.id} 收托 {c.enrolled} 人，超过 {limit} 人上限；请减少 {c.enrolled - limit} 人或分班",
                f"{c.type} class {c.id} has {c.enrolled} children, over its limit of {limit}; "
                f"move {c.enrolled - limit} to another class",
                f"{base}.enrolled",
                measured=c.enrolled,
                required=f"<= {limit}",
            )
        else:
            yield met(
                f"{name_zh} {c.id} 收托 {c.enrolled} 人（上限 {limit}）",
                f"{c.type} class {c.id}: {c.enrolled} children (limit {limit})",
                f"{base}.enrolled",
                measured=c.enrolled,
                required=f"<= {limit}",
            )
        if c.type == ClassType.mixed:
            if c.min_age_months is None:
                yield unknown(
                    f"混龄班 {c.id} 最小月龄未知",
                    f"mixed class {c.id}: youngest age not given",
                    f"{base}.min_age_months",
                    required=f">= {mixed_min}",
                )
            elif c.min_age_months < mixed_min:
                yield unmet(
                    f"混龄班 {c.id} 最小月龄 {c.min_age_months}，混龄编班仅限 {mixed_min} 月龄以上",
                    f"mixed class {c.id} has children of {c.min_age_months} months; mixed classes are for over {mixed_min} months",
                    f"{base}.min_age_months",
                    measured=c.min_age_months,
                    required=f">= {mixed_min}",
                )
            else:
                yield met(
                    f"混龄班 {c.id} 月龄均在 {mixed_min} 个月以上",
                    f"mixed class {c.id} all over {mixed_min} months",
                    f"{base}.min_age_months",
                )
        elif str(c.type) in ranges and c.min_age_months is not None and c.max_age_months is not None:
            low, high = ranges[str(c.type)]
            if c.min_age_months < low or c.max_age_months > high:
                yield unmet(
                    f"{name_zh} {c.id} 月龄 {c.min_age_months}–{c.max_age_months} 超出该班型 {low}–{high} 个月",
                    f"{c.type} class {c.id} ages {c.min_age_months}–{c.max_age_months} months are outside {low}–{high}",
                    f"{base}.min_age_months",
                    f"{base}.max_age_months",
                    measured=f"{c.min_age_months}-{c.max_age_months}",
                    required=f"{low}-{high}",
                )
        if c.shares_unit_with and p.get("own_unit_required", True):
            yield unmet(
                f"{name_zh} {c.id} 与 {', '.join(c.shares_unit_with)} 共用生活单元；每班应有独立生活单元",
                f"class {c.id} shares its living unit with {', '.join(c.shares_unit_with)}; each class needs its own",
                f"{base}.shares_unit_with",
                measured=list(c.shares_unit_with),
                required=[],
            )


def carer_ratio(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Carers per class at least ceil(children ÷ ratio); mixed classes use the youngest band's ratio."""
    if not f.classes:
        yield unknown("未提供班级信息", "no classes given", "$.classes")
        return
    ratios: dict[str, int] = {str(k): int(v) for k, v in p["ratios"].items()}
    mixed_ratio = p.get("mixed_ratio")
    for i, c in enumerate(f.classes):
        base = f"$.classes[{i}]"
        if c.type == ClassType.kindergarten:
            yield not_applicable(
                f"班级 {c.id} 为幼儿园班", f"class {c.id} is a kindergarten class", f"{base}.type"
            )
            continue
        if c.type == ClassType.mixed:
            if mixed_ratio is not None:
                ratio, basis_zh, basis_en = (
                    int(mixed_ratio),
                    "混龄班比例（地方规则）",
                    "mixed-class ratio (local rule)",
                )
            elif c.min_age_months is None:
                yield unknown(
                    f"混龄班 {c.id} 最小月龄未知，无法确定师幼比",
                    f"mixed class {c.id}: youngest age unknown, ratio undetermined",
                    f"{base}.min_age_months",
                )
                continue
            else:
                # 以上/以下 include the number, so 12 and 24 months lie in two bands: the younger
                # band's (stricter) ratio applies at a shared boundary
                band = (
                    "infant" if c.min_age_months <= 12 else "toddler" if c.min_age_months <= 24 else "older"
                )
                ratio = ratios[band]
                basis_zh = f"按最小月龄所属班型（{CLASS_ZH[ClassType(band)]}）"
                basis_en = f"the youngest child's band ({band})"
        else:
            ratio, basis_zh, basis_en = ratios[str(c.type)], CLASS_ZH[c.type], str(c.type)
        if c.enrolled is None or c.carers is None:
            missing = f"{base}.enrolled" if c.enrolled is None else f"{base}.carers"
            yield unknown(
                f"班级 {c.id} 人数或保育人员数未知",
                f"class {c.id}: enrolment or carers not given",
                missing,
                required=f"1:{ratio}",
            )
            continue
        required = math.ceil(c.enrolled / ratio)
        paths = (f"{base}.enrolled", f"{base}.carers")
        if c.carers < required:
            yield unmet(
                f"班级 {c.id} 收托 {c.enrolled} 人，按 1:{ratio}（{basis_zh}）至少需 {required} 名保育人员，现有 {c.carers} 名；请增配 {required - c.carers} 名",
                f"class {c.id}: {c.enrolled} children at 1:{ratio} ({basis_en}) need at least {required} carers, "
                f"{c.carers} assigned; add {required - c.carers}",
                *paths,
                measured=c.carers,
                required=f">= {required}",
            )
        else:
            yield met(
                f"班级 {c.id}：{c.carers} 名保育人员 / {c.enrolled} 人（1:{ratio}，{basis_zh}，至少 {required} 名）",
                f"class {c.id}: {c.carers} carers for {c.enrolled} children (1:{ratio}, {basis_en}, at least {required})",
                *paths,
                measured=c.carers,
                required=f">= {required}",
            )


def health_cook_security(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Health staff per order 76; cooks when meals are served; a guard on duty for an independent facility."""
    if f.staff is None:
        yield unknown("未提供人员名单", "no staff list given", "$.staff")
        return
    threshold = int(p["full_time_health_from_children"])
    health = [s for s in f.staff if s.role == StaffRole.health]
    total = f.enrolled_total()
    if total is None:
        yield unknown(
            "在托总人数未知，无法确定保健人员要求",
            "total enrolment unknown: health-staff requirement undetermined",
            "$.classes",
        )
    elif total >= threshold:
        full = [s for s in health if s.employment == "full_time"]
        undecided = [i for i, s in enumerate(f.staff) if s.role == StaffRole.health and s.employment is None]
        if not full and undecided:
            yield unknown(
                f"收托 {total} 人（≥{threshold}），保健人员是否专职未说明",
                f"{total} children (>= {threshold}): whether the health staff are full-time is not stated",
                *(f"$.staff[{i}].employment" for i in undecided),
                required=">= 1 full-time",
            )
        elif full:
            yield met(
                f"收托 {total} 人，有专职保健人员 {len(full)} 名",
                f"{total} children, {len(full)} full-time health staff",
                "$.staff",
                measured=len(full),
                required=">= 1 full-time",
            )
        else:
            yield unmet(
                f"收托 {total} 人（≥{threshold}），应至少配备 1 名专职保健人员",
                f"{total} children (>= {threshold}): at least 1 full-time health worker is required",
                "$.staff",
                measured=0,
                required=">= 1 full-time",
            )
    elif health:
        yield met(
            f"有保健人员 {len(health)} 名",
            f"{len(health)} health staff",
            "$.staff",
            measured=len(health),
            required=">= 1",
        )
    else:
        yield unmet(
            "未配备保健人员（专职或兼职）",
            "no health worker (full- or part-time)",
            "$.staff",
            measured=0,
            required=">= 1",
        )
    serves = f.meals.serves_meals if f.meals else None
    if serves is None:
        yield unknown(
            "未说明是否提供餐食，无法判断炊事人员要求",
            "not stated whether meals are served",
            "$.meals.serves_meals",
        )
    elif serves:
        cooks = [s for s in f.staff if s.role == StaffRole.cook]
        if cooks:
            yield met(
                f"提供餐食，有炊事人员 {len(cooks)} 名",
                f"meals served, {len(cooks)} cooks",
                "$.staff",
                measured=len(cooks),
            )
        else:
            yield unmet(
                "提供餐食但没有炊事人员",
                "meals are served but there is no cook",
                "$.meals.serves_meals",
                "$.staff",
                measured=0,
                required=">= 1",
            )
    else:
        yield not_applicable(
            "不提供餐食，无需炊事人员", "no meals served: no cook needed", "$.meals.serves_meals"
        )
    yield from guard_on_duty(f)


def guard_on_duty(f: Facility) -> Iterator[Check]:
    """The security-guard duty, with one scope for every article that speaks of it (SET-21, MGT-29).

    设置标准第二十一条: an *independently set-up* facility has at least one guard on duty. A nursery
    inside an employer's, a community's or a kindergarten's premises relies on the host's security,
    so the duty does not apply to it; an unknown operator type leaves it unknown.
    """
    if f.operator_type is None:
        yield unknown(
            "机构类型（举办方式）未知，无法判断是否须配保安在岗",
            "operator type not given: whether a guard must be on duty is undetermined",
            "$.operator_type",
            required=">= 1 guard on duty if independent",
        )
        return
    if f.operator_type != "independent":
        yield not_applicable(
            "非独立设置的机构（依托举办单位的安全保卫），保安在岗要求不适用",
            "not an independently set-up facility (the host's security applies): no own guard required",
            "$.operator_type",
        )
        return
    if f.staff is None:
        yield unknown(
            "独立设置的机构，未提供人员名单，无法核对保安在岗",
            "independent facility without a staff list: guard on duty unknown",
            "$.staff",
            required=">= 1",
        )
        return
    guards = [(i, s) for i, s in enumerate(f.staff) if s.role == StaffRole.security]
    on_duty = [i for i, s in guards if s.on_duty is True]
    undecided = [i for i, s in guards if s.on_duty is None]
    if on_duty:
        yield met(
            f"独立设置的机构，有保安 {len(on_duty)} 名在岗",
            f"independent facility with {len(on_duty)} guard(s) on duty",
            *(f"$.staff[{i}].on_duty" for i in on_duty),
            measured=len(on_duty),
            required=">= 1",
        )
    elif undecided:
        yield unknown(
            "独立设置的机构，保安是否在岗未说明",
            "independent facility: whether its guards are on duty is not stated",
            *(f"$.staff[{i}].on_duty" for i in undecided),
            required=">= 1",
        )
    else:
        yield unmet(
            "独立设置的机构应至少有 1 名保安在岗",
            "an independent facility must have at least one security guard on duty",
            "$.operator_type",
            "$.staff",
            measured=0,
            required=">= 1",
        )


PREDICATES = {
    "premises_tenure": premises_tenure,
    "site_safety": site_safety,
    "life_rooms": life_rooms,
    "materials_and_maintenance": materials_and_maintenance,
    "attestation": attestation,
    "outdoor_area": outdoor_area,
    "safety_installations": safety_installations,
    "staff_qualifications": staff_qualifications,
    "class_sizes": class_sizes,
    "carer_ratio": carer_ratio,
    "health_cook_security": health_cook_security,
}
