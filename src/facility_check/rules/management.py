"""Predicates of 《托育机构管理规范（试行）》 (articles 4, 6–38).

Article numbers 8–43 are partly recalled (see the catalogue's ``text_status``); predicates are
registered by a stable name, so renumbering an article is a change to the catalogue only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import date
from operator import attrgetter
from typing import NamedTuple

from ..record import Certificate, Document, Facility, StaffRole, TrainingKind
from .base import Check, Context, Params, met, not_applicable, recent, unknown, unmet, valid_on
from .setup import guard_on_duty


def _document(
    doc: Document | None,
    path: str,
    what_zh: str,
    what_en: str,
    as_of: date | None,
    *,
    needs_validity: bool = False,
) -> Check:
    if doc is None or doc.present is None:
        return unknown(
            f"未说明是否持有{what_zh}",
            f"not stated whether the {what_en} is held",
            f"{path}.present",
            required=True,
        )
    if not doc.present:
        return unmet(
            f"缺少{what_zh}；请办理并在备案材料中提交",
            f"no {what_en}; obtain it and submit it with the filing",
            f"{path}.present",
            measured=False,
            required=True,
        )
    if doc.valid_until is not None:
        if as_of is None:
            return unknown(
                "缺少参考日期，无法判断有效期",
                "no reference date: validity cannot be judged",
                f"{path}.valid_until",
            )
        if doc.valid_until < as_of:
            return unmet(
                f"{what_zh}已于 {doc.valid_until} 过期；请换发",
                f"the {what_en} expired on {doc.valid_until}; renew it",
                f"{path}.valid_until",
                measured=doc.valid_until.isoformat(),
                required=f">= {as_of.isoformat()}",
            )
    elif needs_validity:
        return unknown(
            f"{what_zh}未注明有效期",
            f"the {what_en} has no validity date",
            f"{path}.valid_until",
            required="valid_until",
        )
    return met(f"持有{what_zh}", f"{what_en} held", f"{path}.present", measured=True)


def filing_documents(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Filed with the county health commission, with every document the filing requires."""
    filing = f.filing
    if filing is None or filing.filed is None:
        yield unknown(
            "未说明是否已向县级卫生健康部门备案",
            "not stated whether the facility is filed",
            "$.filing.filed",
            required=True,
        )
    elif not filing.filed:
        yield unmet(
            "未向县级卫生健康部门备案；请登记后及时备案",
            "not filed with the county health commission; file after registration",
            "$.filing.filed",
            measured=False,
            required=True,
        )
    else:
        yield met(
            f"已备案（回执 {filing.receipt_number or '未注明'}）",
            f"filed (receipt {filing.receipt_number or 'not given'})",
            "$.filing.filed",
        )
    scope = f.registration.business_scope if f.registration else None
    keyword = str(p["scope_keyword"])
    if scope is None:
        yield unknown(
            "未提供登记的经营/业务范围",
            "registered business scope not given",
            "$.registration.business_scope",
            required=keyword,
        )
    elif keyword not in scope:
        yield unmet(
            f"登记的经营/业务范围未注明“{keyword}”",
            f"the registered business scope does not name “{keyword}”",
            "$.registration.business_scope",
            measured=scope,
            required=keyword,
        )
    else:
        yield met(
            f"经营范围含“{keyword}”", f"business scope names “{keyword}”", "$.registration.business_scope"
        )
    docs = f.documents
    for key, zh, en in (
        ("business_licence", "营业执照或法人登记证书", "business licence or legal-person certificate"),
        ("premises_proof", "场地证明", "proof of premises"),
        ("fire_safety_pass", "消防安全检查合格证明", "fire-safety inspection pass"),
    ):
        yield _document(getattr(docs, key) if docs else None, f"$.documents.{key}", zh, en, ctx.as_of)
    hygiene = docs.hygiene_evaluation if docs else None
    if hygiene is None or (hygiene.present is None and hygiene.result is None):
        yield unknown(
            "未提供托幼机构卫生评价报告",
            "no 托幼机构卫生评价报告 given",
            "$.documents.hygiene_evaluation",
            required="合格",
        )
    elif hygiene.present is False:
        yield unmet(
            "缺少托幼机构卫生评价报告",
            "no 托幼机构卫生评价报告",
            "$.documents.hygiene_evaluation.present",
            measured=False,
            required=True,
        )
    elif hygiene.result is None:
        yield unknown(
            "卫生评价报告未注明结论",
            "hygiene evaluation report gives no result",
            "$.documents.hygiene_evaluation.result",
            required="合格",
        )
    elif hygiene.result != "合格":
        yield unmet(
            "卫生评价结论为不合格；整改后重新评价",
            "hygiene evaluation failed; remedy and be evaluated again",
            "$.documents.hygiene_evaluation.result",
            measured=str(hygiene.result),
            required="合格",
        )
    else:
        yield met(
            "卫生评价合格",
            "hygiene evaluation passed",
            "$.documents.hygiene_evaluation.result",
            measured="合格",
        )
    serves = f.meals.serves_meals if f.meals else None
    if serves is None:
        yield unknown(
            "未说明是否提供餐食，无法判断是否需要食品经营许可证",
            "not stated whether meals are served: food licence requirement undetermined",
            "$.meals.serves_meals",
        )
    elif serves:
        yield _document(
            docs.food_licence if docs else None,
            "$.documents.food_licence",
            "食品经营许可证",
            "food business licence",
            ctx.as_of,
        )
    else:
        yield not_applicable(
            "不提供餐食，无需食品经营许可证",
            "no meals served: no food licence needed",
            "$.meals.serves_meals",
        )


def filing_changes(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Changed particulars (name, address, director, capacity) re-filed."""
    filing = f.filing
    if filing is None or filing.filed is None:
        yield unknown(
            "未说明是否已备案，无法判断是否需要变更备案",
            "not stated whether the facility is filed: re-filing cannot be judged",
            "$.filing.filed",
        )
        return
    if not filing.filed:
        yield not_applicable(
            "未备案，变更备案不适用（见备案条款）",
            "not filed: re-filing does not apply (see the filing article)",
            "$.filing.filed",
        )
        return
    director = next((s.name for s in f.staff or [] if s.role == StaffRole.director and s.name), None)
    pairs = (
        ("filed_name", f.name, "$.name", "机构名称", "name"),
        ("filed_address", f.address, "$.address", "地址", "address"),
        ("filed_director", director, "$.staff", "负责人", "director"),
    )
    compared = 0
    for key, current, current_path, zh, en in pairs:
        filed = getattr(filing, key)
        if filed is None or current is None:
            continue
        compared += 1
        if filed != current:
            if filing.change_refiled_date is not None:
                yield met(
                    f"{zh}已变更并于 {filing.change_refiled_date} 变更备案",
                    f"{en} changed and re-filed on {filing.change_refiled_date}",
                    f"$.filing.{key}",
                    "$.filing.change_refiled_date",
                )
            else:
                yield unmet(
                    f"{zh}与备案不一致（备案：{filed}；现为：{current}），未办理变更备案",
                    f"{en} differs from the filing (filed: {filed}; now: {current}) and the change was not re-filed",
                    f"$.filing.{key}",
                    current_path,
                    measured=current,
                    required=filed,
                )
        else:
            yield met(f"{zh}与备案一致", f"{en} matches the filing", f"$.filing.{key}", current_path)
    if compared == 0:
        yield unknown(
            "未提供备案事项（名称、地址、负责人），无法核对是否变更",
            "filed particulars not given: changes cannot be compared",
            "$.filing.filed_name",
        )


def closing_procedure(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """On ending service: filing cancelled (children and staff settled)."""
    if f.status is None:
        yield unknown(
            "未说明机构运营状态（运营/终止服务），无法判断是否须注销备案",
            "operating status not given: whether the filing must be cancelled cannot be judged",
            "$.status",
        )
        return
    if f.status == "operating":
        yield not_applicable(
            "机构正常运营，终止服务条款不适用", "facility operating: closing rules do not apply", "$.status"
        )
        return
    if f.filing is None or f.filing.cancellation_filed is None:
        yield unknown(
            "终止服务，但未说明是否已注销备案",
            "closing, but not stated whether the filing was cancelled",
            "$.filing.cancellation_filed",
        )
    elif f.filing.cancellation_filed:
        yield met("终止服务并已注销备案", "closing and filing cancelled", "$.filing.cancellation_filed")
    else:
        yield unmet(
            "终止服务但未注销备案；请妥善安置婴幼儿和工作人员并注销备案",
            "closing without cancelling the filing; settle children and staff and cancel the filing",
            "$.filing.cancellation_filed",
            measured=False,
            required=True,
        )


def children_count(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """A per-child record (``fact`` under ``$.children``) exists for every enrolled child."""
    key = str(p["fact"])
    what_zh, what_en = str(p["what_zh"]), str(p["what_en"])
    path = f"$.children.{key}"
    total = f.enrolled_total()
    value = getattr(f.children, key) if f.children else None
    if total is None:
        yield unknown("在托总人数未知", "total enrolment unknown", "$.classes")
    elif value is None:
        yield unknown(
            f"未提供{what_zh}人数",
            f"number of children with {what_en} not given",
            path,
            required=f">= {total}",
        )
    elif value < total:
        yield unmet(
            f"在托 {total} 人中仅 {value} 人{what_zh}；请为其余 {total - value} 人补齐",
            f"only {value} of {total} enrolled children have {what_en}; complete the other {total - value}",
            path,
            "$.classes",
            measured=value,
            required=f">= {total}",
        )
    else:
        yield met(
            f"在托 {total} 人均{what_zh}",
            f"all {total} enrolled children have {what_en}",
            path,
            measured=value,
            required=f">= {total}",
        )


def capacity(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Enrolment does not exceed the filed capacity."""
    total = f.enrolled_total()
    filed = f.filing.filed_capacity if f.filing else None
    if total is None or filed is None:
        yield unknown(
            "在托人数或备案规模未知",
            "enrolment or filed capacity not given",
            "$.filing.filed_capacity",
            "$.classes",
        )
    elif total > filed:
        yield unmet(
            f"在托 {total} 人，超过备案规模 {filed} 人",
            f"{total} children enrolled, over the filed capacity of {filed}",
            "$.filing.filed_capacity",
            "$.classes",
            measured=total,
            required=f"<= {filed}",
        )
    else:
        yield met(
            f"在托 {total} 人，未超过备案规模 {filed} 人",
            f"{total} enrolled, within the filed capacity of {filed}",
            "$.filing.filed_capacity",
            "$.classes",
            measured=total,
            required=f"<= {filed}",
        )


def entry_health(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Vaccinations checked and entry health check passed for every child; re-check after 3 months away."""
    yield from children_count(
        f,
        {"fact": "vaccination_checked", "what_zh": "已查验预防接种", "what_en": "vaccinations checked"},
        ctx,
    )
    yield from children_count(
        f,
        {
            "fact": "entry_health_check_passed",
            "what_zh": "入托体检合格",
            "what_en": "a passed entry health check",
        },
        ctx,
    )
    value = f.children.returned_after_3_months_unchecked if f.children else None
    path = "$.children.returned_after_3_months_unchecked"
    if value is None:
        yield unknown(
            "未说明离托 3 个月以上返回者是否重新体检",
            "not stated whether children back after 3 months were re-examined",
            path,
            required=0,
        )
    elif value > 0:
        yield unmet(
            f"{value} 名离托 3 个月以上的婴幼儿返回时未重新体检",
            f"{value} children back after 3 months or more were not re-examined",
            path,
            measured=value,
            required=0,
        )
    else:
        yield met(
            "离托 3 个月以上返回者均已重新体检",
            "every child back after 3 months was re-examined",
            path,
            measured=0,
            required=0,
        )


class _System(NamedTuple):
    """What ``practice`` says of one system whatever the facility: its paths and fixed checks."""

    path: str
    label_zh: str
    label_en: str
    not_stated: Check
    not_in_place: Check
    in_place: Check


@functools.lru_cache(maxsize=256)
def _system(key: str, label_zh: str) -> _System:
    path = f"$.systems.{key}"
    label_en = key.replace("_", " ")
    return _System(
        path,
        label_zh,
        label_en,
        unknown(
            f"未说明是否建立“{label_zh}”",
            f"not stated whether '{label_en}' is in place",
            f"{path}.in_place",
            required=True,
        ),
        unmet(
            f"未建立或未执行“{label_zh}”；请建立制度并留存记录",
            f"'{label_en}' is not in place; set it up and keep records",
            f"{path}.in_place",
            measured=False,
            required=True,
        ),
        met(f"已建立“{label_zh}”", f"'{label_en}' in place", f"{path}.in_place", measured=True),
    )


def practice(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """The named systems (``$.systems.*``) are in place, and recent where a recency is set."""
    max_days = p.get("max_age_days")
    labels = p.get("labels_zh", {})
    for key in p["practices"]:
        item = getattr(f.systems, key, None) if f.systems else None
        system = _system(key, str(labels.get(key, key)))  # the same checks for every facility
        if item is None or item.in_place is None:
            yield system.not_stated
            continue
        if not item.in_place:
            yield system.not_in_place
            continue
        if max_days is not None:
            yield recent(
                item.last_date,
                ctx.as_of,
                int(max_days),
                f"{system.path}.last_date",
                f"“{system.label_zh}”最近一次执行",
                f"last '{system.label_en}'",
            )
        else:
            yield system.in_place


ITEM_ZH = {
    # emergency plans (管理规范第三十一条)
    "natural_disaster": "自然灾害",
    "infectious_disease": "传染病",
    "food_poisoning": "食物中毒",
    "stampede": "踩踏",
    "fire": "火灾",
    "violence": "暴力",
    # disclosed items (管理规范第十五条)
    "fees": "收费项目和标准",
    "care": "保育照护",
    "meals": "膳食营养",
    "health": "卫生保健",
    "safety": "安全保卫",
}


def _all_present(
    given: Sequence[object] | None,
    required: list[str],
    path: str,
    what_zh: str,
    what_en: str,
    done_zh: str,
    done_en: str,
) -> Check:
    """Every required item is among those given (None: not recorded)."""
    if given is None:
        return unknown(f"未提供{what_zh}情况", f"{what_en} not given", path, required=required)
    have = sorted({str(i) for i in given})
    missing = [x for x in required if x not in have]
    if missing:
        return unmet(
            f"缺少以下{what_zh}：{'、'.join(ITEM_ZH.get(x, x) for x in missing)}",
            f"missing {what_en}: {', '.join(missing)}",
            path,
            measured=have,
            required=required,
        )
    return met(done_zh, done_en, path, measured=have, required=required)


def public_disclosure(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Fees, care, meals, health care and safety disclosed; the meals item only where meals are served."""
    items = [str(x) for x in p["items"]]
    meal_items = {str(x) for x in p.get("meal_items", [])}
    serves = f.meals.serves_meals if f.meals else None
    given = f.operations.public_disclosure if f.operations else None
    path = "$.operations.public_disclosure"
    if given is None:
        yield unknown("未提供公示信息情况", "disclosed items not given", path, required=items)
        return
    have = {str(i) for i in given}
    yield _all_present(
        given,
        [x for x in items if x not in meal_items],
        path,
        "公示信息",
        "disclosed items",
        "收费、保育、卫生保健、安全等信息均已公示",
        "fees, care, health care and safety disclosed",
    )
    for item in sorted(meal_items):
        if item in have:
            yield met("已公示膳食营养信息", f"{item} disclosed", path, measured=sorted(have))
        elif serves is None:
            yield unknown(
                "未公示膳食营养信息，且未说明是否提供餐食（提供餐食的才须公示）",
                "meals not disclosed and not stated whether meals are served (required only then)",
                path,
                "$.meals.serves_meals",
                required=item,
            )
        elif serves:
            yield unmet(
                "提供餐食但未公示膳食营养信息",
                "meals are served but not disclosed",
                path,
                "$.meals.serves_meals",
                measured=sorted(have),
                required=item,
            )
        else:
            yield not_applicable(
                "不提供餐食，膳食营养信息无需公示",
                "no meals served: nothing to disclose about meals",
                "$.meals.serves_meals",
            )


def meals_only(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Meal requirements (``$.meals.*`` flags in ``facts``) where meals are served; ``facts_always`` everywhere."""
    meals = f.meals
    for key in p.get("facts_always", []):
        yield _meal_flag(meals, key, str(p["labels_zh"][key]), served=False)
    serves = meals.serves_meals if meals else None
    if serves is None:
        yield unknown("未说明是否提供餐食", "not stated whether meals are served", "$.meals.serves_meals")
        return
    if not serves:
        yield not_applicable(
            "不提供餐食，膳食部分不适用",
            "no meals served: the meal requirements do not apply",
            "$.meals.serves_meals",
        )
        return
    for key in p["facts"]:
        yield _meal_flag(meals, key, str(p["labels_zh"][key]), served=True)
    if p.get("food_licence"):
        docs = f.documents
        yield _document(
            docs.food_licence if docs else None,
            "$.documents.food_licence",
            "食品经营许可证",
            "food business licence",
            ctx.as_of,
        )


def _meal_flag(meals: object, key: str, label_zh: str, *, served: bool) -> Check:
    value = getattr(meals, key) if meals is not None else None
    path = f"$.meals.{key}"
    if value is None:
        return unknown(f"未说明{label_zh}", f"{key} not stated", path, required=True)
    if not value:
        return unmet(
            f"{'提供餐食但' if served else ''}未做到：{label_zh}",
            f"{'meals served without' if served else 'not ensured:'} {key.replace('_', ' ')}",
            path,
            measured=False,
            required=True,
        )
    return met(f"{label_zh}：已做到", f"{key}: yes", path)


def outdoor_time(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Planned outdoor activity of at least ``min_minutes`` a day."""
    minimum = int(p["min_minutes"])
    minutes = f.operations.outdoor_minutes_per_day if f.operations else None
    path = "$.operations.outdoor_minutes_per_day"
    if minutes is None:
        yield unknown(
            "未提供每日户外活动时间", "daily outdoor time not given", path, required=f">= {minimum}"
        )
    elif minutes < minimum:
        yield unmet(
            f"每日户外活动 {minutes} 分钟，少于 {minimum} 分钟；请在一日安排中增加 {minimum - minutes} 分钟",
            f"{minutes} minutes outdoors a day, less than {minimum}; add {minimum - minutes} minutes to the daily plan",
            path,
            measured=minutes,
            required=f">= {minimum}",
        )
    else:
        yield met(
            f"每日户外活动 {minutes} 分钟",
            f"{minutes} minutes outdoors a day",
            path,
            measured=minutes,
            required=f">= {minimum}",
        )


def no_maltreatment(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """No substantiated maltreatment, discrimination or corporal punishment."""
    n = f.operations.substantiated_maltreatment_incidents if f.operations else None
    path = "$.operations.substantiated_maltreatment_incidents"
    if n is None:
        yield unknown("未提供虐待、体罚等事件核查情况", "maltreatment incidents not given", path, required=0)
    elif n > 0:
        yield unmet(
            f"查实虐待、歧视或体罚事件 {n} 起",
            f"{n} substantiated maltreatment incidents",
            path,
            measured=n,
            required=0,
        )
    else:
        yield met(
            "无查实的虐待、歧视或体罚事件", "no substantiated maltreatment", path, measured=0, required=0
        )


def health_care_system(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Health-care system in place; an observation room of ``observation_room_min_m2`` with ``observation_beds_min`` beds."""
    yield from practice(f, {"practices": ["health_care"], "labels_zh": {"health_care": "卫生保健制度"}}, ctx)
    minimum = float(p["observation_room_min_m2"])
    beds_min = int(p["observation_beds_min"])
    if f.rooms is None:
        yield unknown(
            "未提供房间信息，无法核对保健观察室",
            "no rooms given: health observation room unknown",
            "$.rooms",
            required=f">= {minimum:g} m²",
        )
        return
    rooms = [(i, r) for i, r in enumerate(f.rooms) if r.type == "health_observation"]
    if not rooms:
        yield unmet("没有保健观察室", "no health observation room", "$.rooms", required=f">= {minimum:g} m²")
        return
    i, room = max(rooms, key=lambda ir: ir[1].area_m2 or 0)
    path = f"$.rooms[{i}].area_m2"
    if room.area_m2 is None:
        yield unknown(
            "保健观察室面积未知", "health observation room area not given", path, required=f">= {minimum:g}"
        )
    elif room.area_m2 < minimum:
        yield unmet(
            f"保健观察室 {room.area_m2:g} m²，小于 {minimum:g} m²",
            f"health observation room of {room.area_m2:g} m² is below {minimum:g} m²",
            path,
            measured=room.area_m2,
            required=f">= {minimum:g}",
        )
    else:
        yield met(
            f"保健观察室 {room.area_m2:g} m²",
            f"health observation room {room.area_m2:g} m²",
            path,
            measured=room.area_m2,
            required=f">= {minimum:g}",
        )
    beds = [(j, r.beds) for j, r in rooms]
    bed_paths = [f"$.rooms[{j}].beds" for j, _ in beds]
    total = sum(b for _, b in beds if b is not None)
    if total >= beds_min:
        yield met(
            f"保健观察室有儿童观察床 {total} 张",
            f"{total} observation bed(s) in the health observation room",
            *bed_paths,
            measured=total,
            required=f">= {beds_min}",
        )
    elif any(b is None for _, b in beds):
        yield unknown(
            "保健观察室儿童观察床数未提供",
            "number of observation beds not given",
            *bed_paths,
            required=f">= {beds_min}",
        )
    else:
        yield unmet(
            f"保健观察室应至少设 {beds_min} 张儿童观察床，现有 {total} 张",
            f"the health observation room needs at least {beds_min} observation bed(s); {total} found",
            *bed_paths,
            measured=total,
            required=f">= {beds_min}",
        )


def staff_health_checks(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Every staff member had a pre-employment health check and an annual one within the interval."""
    if not f.staff:
        yield unknown("未提供人员名单", "no staff list given", "$.staff")
        return
    max_days = int(p["annual_max_age_days"])
    for i, s in enumerate(f.staff):
        base = f"$.staff[{i}].health_checks"
        hc = s.health_checks
        if hc is None or hc.pre_employment_date is None:
            yield unknown(
                f"{s.id} 上岗前体检日期未提供",
                f"{s.id}: pre-employment health check not given",
                f"{base}.pre_employment_date",
            )
        else:
            checked = hc.pre_employment_date.isoformat()  # as str(date) in the f-string
            yield met(
                f"{s.id} 上岗前体检 {checked}",
                f"{s.id}: pre-employment check {checked}",
                f"{base}.pre_employment_date",
            )
        last = None if hc is None else (hc.last_annual_date or hc.pre_employment_date)
        yield recent(
            last,
            ctx.as_of,
            max_days,
            f"{base}.last_annual_date",
            f"{s.id} 最近一次健康检查",
            f"{s.id}'s last health check",
        )
        if hc is None or hc.passed is None:
            yield unknown(
                f"{s.id} 健康检查结论未提供",
                f"{s.id}: health check result not given",
                f"{base}.passed",
                required=True,
            )
        elif hc.passed is False:
            yield unmet(
                f"{s.id} 健康检查不合格，应离岗治疗",
                f"{s.id} failed the health check and must leave work until cured",
                f"{base}.passed",
                measured=False,
                required=True,
            )
        if hc is not None and hc.mental_illness_history:
            yield unmet(
                f"{s.id} 有精神病史，不得从事托育工作（《托儿所幼儿园卫生保健管理办法》第十四条）",
                f"{s.id} has a history of mental illness and may not work in childcare (order 76, art. 14)",
                f"{base}.mental_illness_history",
                measured=True,
                required=False,
            )


def safety_responsibility(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Safety and hazard-check systems; security staff and physical/technical protection."""
    yield from practice(
        f,
        {"practices": ["safety_management"], "labels_zh": {"safety_management": "安全管理与隐患排查制度"}},
        ctx,
    )
    yield from guard_on_duty(f)  # one scope with 设置标准第二十一条
    equipment = f.safety.security_equipment if f.safety else None
    if equipment is None:
        yield unknown(
            "未说明是否配备技防设施", "technical protection not stated", "$.safety.security_equipment"
        )
    elif equipment:
        yield met(
            "配备了物防、技防设施", "physical and technical protection present", "$.safety.security_equipment"
        )
    else:
        yield unmet(
            "未配备物防、技防设施",
            "no physical or technical protection",
            "$.safety.security_equipment",
            measured=False,
            required=True,
        )


def emergency_preparedness(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Emergency plans for every required hazard, a recent drill, maintained fire equipment and a named fire-safety manager."""
    yield _all_present(
        f.operations.emergency_plans if f.operations else None,
        [str(x) for x in p["plans"]],
        "$.operations.emergency_plans",
        "应急预案",
        "emergency plans",
        "各类突发事件应急预案齐全",
        "emergency plans for every required hazard",
    )
    drills = f.systems.emergency_drills if f.systems else None
    yield recent(
        drills.last_date if drills else None,
        ctx.as_of,
        int(p["drill_max_age_days"]),
        "$.systems.emergency_drills.last_date",
        "最近一次应急演练",
        "last emergency drill",
    )
    yield from practice(
        f,
        {
            "practices": ["fire_equipment_maintenance"],
            "labels_zh": {"fire_equipment_maintenance": "消防设施维护管理"},
            "max_age_days": p["maintenance_max_age_days"],
        },
        ctx,
    )
    manager = f.operations.fire_safety_manager if f.operations else None
    if manager is None:
        yield unknown(
            "未指定消防安全管理人",
            "no fire-safety manager named",
            "$.operations.fire_safety_manager",
            required="named",
        )
    else:
        yield met(
            f"消防安全管理人：{manager}",
            f"fire-safety manager: {manager}",
            "$.operations.fire_safety_manager",
        )


def video_monitoring(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Surveillance and alarm armed 24 h (alarm connected), covering all child areas, recordings kept ≥ 90 days."""
    m = f.operations.monitoring if f.operations else None
    base = "$.operations.monitoring"
    hours, days = float(p["hours_per_day"]), int(p["retention_days_min"])
    if m is None:
        yield unknown("未提供视频监控情况", "video monitoring not given", base)
        return
    if m.hours_per_day is None:
        yield unknown(
            "监控每日运行时长未知",
            "monitoring hours a day not given",
            f"{base}.hours_per_day",
            required=f">= {hours:g}",
        )
    elif m.hours_per_day < hours:
        yield unmet(
            f"监控每日仅运行 {m.hours_per_day:g} 小时，应 {hours:g} 小时运行",
            f"monitoring runs {m.hours_per_day:g} h a day; it must run {hours:g} h",
            f"{base}.hours_per_day",
            measured=m.hours_per_day,
            required=f">= {hours:g}",
        )
    else:
        yield met(
            f"监控 {m.hours_per_day:g} 小时运行",
            f"monitoring runs {m.hours_per_day:g} h a day",
            f"{base}.hours_per_day",
            measured=m.hours_per_day,
            required=f">= {hours:g}",
        )
    if m.alarm_connected is None:
        yield unknown(
            "未说明是否安装报警系统并设防",
            "not stated whether an alarm system is installed and armed",
            f"{base}.alarm_connected",
            required=True,
        )
    elif not m.alarm_connected:
        yield unmet(
            "未安装报警系统或报警未设防",
            "no alarm system, or the alarm is not armed",
            f"{base}.alarm_connected",
            measured=False,
            required=True,
        )
    else:
        yield met("报警系统已设防", "alarm system armed", f"{base}.alarm_connected")
    if m.covers_all_child_areas is None:
        yield unknown(
            "未说明监控是否覆盖全部婴幼儿活动区域",
            "coverage of child areas not stated",
            f"{base}.covers_all_child_areas",
            required=True,
        )
    elif not m.covers_all_child_areas:
        yield unmet(
            "监控未覆盖全部婴幼儿生活和活动区域",
            "monitoring does not cover every area where infants live and play",
            f"{base}.covers_all_child_areas",
            measured=False,
            required=True,
        )
    else:
        yield met(
            "监控覆盖全部婴幼儿区域", "monitoring covers all child areas", f"{base}.covers_all_child_areas"
        )
    if m.retention_days is None:
        yield unknown(
            "监控录像保存天数未知",
            "recording retention not given",
            f"{base}.retention_days",
            required=f">= {days}",
        )
    elif m.retention_days < days:
        yield unmet(
            f"录像保存 {m.retention_days} 天，少于 {days} 天；请扩充存储",
            f"recordings kept {m.retention_days} days, fewer than {days}; extend the storage",
            f"{base}.retention_days",
            measured=m.retention_days,
            required=f">= {days}",
        )
    else:
        yield met(
            f"录像保存 {m.retention_days} 天",
            f"recordings kept {m.retention_days} days",
            f"{base}.retention_days",
            measured=m.retention_days,
            required=f">= {days}",
        )


_SAFETY_TRAININGS = frozenset({TrainingKind.safety, TrainingKind.first_aid})
_kind_of = attrgetter("kind")


def safety_training(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Every staff member trained in safety before starting; regular training within the interval."""
    if not f.staff:
        yield unknown("未提供人员名单", "no staff list given", "$.staff")
    else:
        for i, s in enumerate(f.staff):
            path = f"$.staff[{i}].trainings"
            if s.trainings is None:
                yield unknown(
                    f"{s.id} 培训记录未提供", f"{s.id}: trainings not given", path, required="safety"
                )
            elif not _SAFETY_TRAININGS.isdisjoint(map(_kind_of, s.trainings)):
                yield met(f"{s.id} 已接受安全与应急培训", f"{s.id} trained in safety", path)
            else:
                yield unmet(
                    f"{s.id} 未接受岗前安全与应急处置培训",
                    f"{s.id} has no pre-service safety and emergency training",
                    path,
                    required="safety",
                )
    regular = f.systems.safety_training if f.systems else None
    yield recent(
        regular.last_date if regular else None,
        ctx.as_of,
        int(p["regular_max_age_days"]),
        "$.systems.safety_training.last_date",
        "最近一次全员安全培训",
        "last regular safety training",
    )


def staff_each(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Every staff member has the boolean fact ``fact`` (criminal-record check, labour contract)."""
    if not f.staff:
        yield unknown("未提供人员名单", "no staff list given", "$.staff")
        return
    fact = str(p["fact"])
    what_zh, what_en = str(p["what_zh"]), str(p["what_en"])
    for i, s in enumerate(f.staff):
        if fact == "criminal_record_check":
            crc = s.criminal_record_check
            path = f"$.staff[{i}].criminal_record_check"
            if crc is not None and crc.record_of_harming_children:
                yield unmet(
                    f"{s.id} 有侵害婴幼儿的违法犯罪记录，不得聘用",
                    f"{s.id} has a record of harming children and must not be employed",
                    f"{path}.record_of_harming_children",
                    measured=True,
                    required=False,
                )
                continue
            value = None if crc is None else crc.checked
            path = f"{path}.checked"
        else:
            value = getattr(s, fact)
            path = f"$.staff[{i}].{fact}"
        if value is None:
            yield unknown(f"{s.id}：{what_zh}情况未知", f"{s.id}: {what_en} not stated", path, required=True)
        elif not value:
            yield unmet(
                f"{s.id} 缺少{what_zh}", f"{s.id} has no {what_en}", path, measured=False, required=True
            )
        else:
            yield met(f"{s.id} 有{what_zh}", f"{s.id} has {what_en}", path)


def abuse_prevention(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """Ethics education and zero tolerance of abuse in place; every employee's criminal record checked."""
    yield from practice(
        f,
        {
            "practices": ["abuse_prevention"],
            "labels_zh": {"abuse_prevention": "法治和职业道德教育、虐童零容忍及责任追究制度"},
        },
        ctx,
    )
    if p["criminal_record_check"]:
        yield from staff_each(
            f,
            {
                "fact": "criminal_record_check",
                "what_zh": "入职无犯罪记录查询（《未成年人保护法》第六十二条）",
                "what_en": "criminal-record check on hiring (Minors Protection Law, art. 62)",
            },
            ctx,
        )


def _holds(certs: list[Certificate] | None, kinds: set[str], as_of: date | None = None) -> bool:
    """A certificate of one of ``kinds`` that has not expired (valid through its ``valid_until`` day)."""
    return any(str(c.kind) in kinds and valid_on(c.valid_until, as_of) for c in certs or [])


def carer_certificates(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """At least ``min_share`` of carers hold a carer qualification certificate."""
    if f.staff is None:
        yield unknown("未提供人员名单", "no staff list given", "$.staff")
        return
    kinds = {str(k) for k in p["certificate_kinds"]}
    carers = [(i, s) for i, s in enumerate(f.staff) if s.role == StaffRole.carer]
    if not carers:
        yield unknown("名单中没有保育人员", "no carers in the staff list", "$.staff")
        return
    if any(s.certificates is None for _, s in carers):
        i = next(i for i, s in carers if s.certificates is None)
        yield unknown(
            "部分保育人员证书情况未提供", "some carers' certificates not given", f"$.staff[{i}].certificates"
        )
        return
    holders = [i for i, s in carers if _holds(s.certificates, kinds, ctx.as_of)]
    share = len(holders) / len(carers)
    minimum = float(p["min_share"])
    missing = [f"$.staff[{i}].certificates" for i, s in carers if i not in holders]
    if share < minimum:
        yield unmet(
            f"{len(carers)} 名保育人员中 {len(holders)} 名持证（{share:.0%}），应不低于 {minimum:.0%}；未持证者应取得育婴员/保育师等证书",
            f"{len(holders)} of {len(carers)} carers certified ({share:.0%}), at least {minimum:.0%} required",
            *missing,
            measured=round(share, 4),
            required=f">= {minimum:g}",
        )
    else:
        yield met(
            f"{len(holders)}/{len(carers)} 名保育人员持证",
            f"{len(holders)}/{len(carers)} carers certified",
            "$.staff",
            measured=round(share, 4),
            required=f">= {minimum:g}",
        )


def annual_plan_and_report(f: Facility, p: Params, ctx: Context) -> Iterator[Check]:
    """An annual work plan, and last year's work report submitted."""
    yield from practice(
        f, {"practices": ["annual_work_plan"], "labels_zh": {"annual_work_plan": "年度工作计划"}}, ctx
    )
    year = f.operations.last_annual_report_year if f.operations else None
    path = "$.operations.last_annual_report_year"
    if ctx.as_of is None:
        yield unknown(
            "缺少参考日期，无法判断年度报告", "no reference date: annual report cannot be judged", path
        )
        return
    due = ctx.as_of.year - 1
    opened = f.filing.filed_date if f.filing else None
    if opened is not None and opened.year > due:
        yield not_applicable(
            f"{opened.year} 年备案，尚无应报的年度报告",
            f"filed in {opened.year}: no annual report due yet",
            path,
        )
    elif year is None:
        yield unknown(
            "未提供最近报送年度工作报告的年度",
            "year of the last annual report not given",
            path,
            required=f">= {due}",
        )
    elif year < due:
        yield unmet(
            f"最近一次年度工作报告为 {year} 年，{due} 年度报告未报送",
            f"last annual report is for {year}; the {due} report is missing",
            path,
            measured=year,
            required=f">= {due}",
        )
    else:
        yield met(
            f"已报送 {year} 年度工作报告",
            f"{year} annual report submitted",
            path,
            measured=year,
            required=f">= {due}",
        )


PREDICATES = {
    "filing_documents": filing_documents,
    "filing_changes": filing_changes,
    "closing_procedure": closing_procedure,
    "children_count": children_count,
    "capacity": capacity,
    "entry_health": entry_health,
    "practice": practice,
    "public_disclosure": public_disclosure,
    "meals_only": meals_only,
    "outdoor_time": outdoor_time,
    "no_maltreatment": no_maltreatment,
    "health_care_system": health_care_system,
    "staff_health_checks": staff_health_checks,
    "safety_responsibility": safety_responsibility,
    "emergency_preparedness": emergency_preparedness,
    "video_monitoring": video_monitoring,
    "safety_training": safety_training,
    "staff_each": staff_each,
    "abuse_prevention": abuse_prevention,
    "carer_certificates": carer_certificates,
    "annual_plan_and_report": annual_plan_and_report,
}
