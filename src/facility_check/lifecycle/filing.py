"""Filing readiness (备案材料) and the clocks of everything that expires.

Each filing material is ``present``, ``expiring`` (valid, but within the warning window),
``expired``, ``missing`` or ``not_required``, with the date and the days left. The clocks list
every dated obligation of the record (documents, lease, staff health checks and certificates,
drills, equipment maintenance) sorted by urgency. Periods and windows are catalogue parameters:
the warning window is MGT-4 ``expiry_warning_days`` (default 60), the health-check, drill and
maintenance periods are those the rules use (MGT-28, MGT-31, SET-14), the lease minimum is SET-11's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from ..catalogue import Catalogue
from ..problems import Text
from ..record import Document, Facility, StaffRole, Tenure

DEFAULT_WARNING_DAYS = 60


class MaterialStatus(StrEnum):
    present = "present"
    expiring = "expiring"
    expired = "expired"
    missing = "missing"
    not_required = "not_required"


class ClockState(StrEnum):
    expired = "expired"
    expiring = "expiring"
    ok = "ok"


@dataclass(frozen=True)
class Material:
    key: str
    title: Text
    status: MaterialStatus
    path: str
    valid_until: date | None = None
    days_left: int | None = None
    note: Text | None = None

    @property
    def blocking(self) -> bool:
        return self.status in (MaterialStatus.missing, MaterialStatus.expired)

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title(lang),
            "status": str(self.status),
            "path": self.path,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "days_left": self.days_left,
            "note": self.note(lang) if self.note else None,
        }


@dataclass(frozen=True)
class Clock:
    subject: Text
    path: str
    expires: date  # last day it is valid
    days_left: int  # negative: expired that many days ago
    state: ClockState
    rule: Text

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "subject": self.subject(lang),
            "path": self.path,
            "expires": self.expires.isoformat(),
            "days_left": self.days_left,
            "state": str(self.state),
            "rule": self.rule(lang),
        }


@dataclass(frozen=True)
class FilingReadiness:
    facility_id: str
    name: str
    as_of: date
    warning_days: int
    materials: tuple[Material, ...]
    clocks: tuple[Clock, ...]

    @property
    def ready(self) -> bool:
        return not any(m.blocking for m in self.materials) and not any(
            c.state == ClockState.expired for c in self.clocks
        )

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "facility_id": self.facility_id,
            "name": self.name,
            "as_of": self.as_of.isoformat(),
            "warning_days": self.warning_days,
            "ready": self.ready,
            "materials": [m.to_dict(lang) for m in self.materials],
            "clocks": [c.to_dict(lang) for c in self.clocks],
        }


def _param(catalogue: Catalogue, code: str, name: str, default: int) -> int:
    article = catalogue.get(code)
    if article is None or name not in article.parameters:
        return default
    return int(article.parameters[name].value)


def _state(days_left: int, window: int) -> ClockState:
    if days_left < 0:
        return ClockState.expired
    return ClockState.expiring if days_left <= window else ClockState.ok


def _held(doc: Document | None) -> bool | None:
    if doc is None:
        return None
    if doc.present is not None:
        return doc.present
    return True if (doc.number or doc.evidence_ref or doc.issued_date) else None


def _document(
    key: str, title: Text, doc: Document | None, as_of: date, window: int, note: Text | None = None
) -> Material:
    path = f"$.documents.{key}"
    if not _held(doc):
        return Material(key, title, MaterialStatus.missing, path, note=note)
    assert doc is not None
    if doc.valid_until is None:
        return Material(key, title, MaterialStatus.present, path, note=note)
    left = (doc.valid_until - as_of).days
    status = {
        ClockState.expired: MaterialStatus.expired,
        ClockState.expiring: MaterialStatus.expiring,
        ClockState.ok: MaterialStatus.present,
    }[_state(left, window)]
    return Material(key, title, status, f"{path}.valid_until", doc.valid_until, left, note)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# --------------------------------------------------------------------------------------------
# Materials
# --------------------------------------------------------------------------------------------


def _premises(f: Facility, as_of: date, window: int, lease_years: int) -> Material:
    docs = f.documents
    material = _document(
        "premises_proof",
        Text(
            f"场地证明（租赁的，租期不少于 {lease_years} 年）",
            f"proof of premises (a lease of {lease_years}+ years)",
        ),
        docs.premises_proof if docs else None,
        as_of,
        window,
    )
    pr = f.premises
    if material.status == MaterialStatus.missing or pr is None or pr.tenure != Tenure.leased:
        return material
    if pr.lease_start is None or pr.lease_end is None:
        return Material(
            material.key,
            material.title,
            MaterialStatus.missing,
            "$.premises.lease_end" if pr.lease_start else "$.premises.lease_start",
            note=Text("租赁场地：请提供租赁起止日期", "leased premises: give the lease start and end dates"),
        )
    if pr.lease_end < _add_years(pr.lease_start, lease_years):
        return Material(
            material.key,
            material.title,
            MaterialStatus.missing,
            "$.premises.lease_end",
            pr.lease_end,
            (pr.lease_end - as_of).days,
            Text(
                f"租期 {pr.lease_start}—{pr.lease_end} 不足 {lease_years} 年",
                f"lease {pr.lease_start} to {pr.lease_end} is shorter than {lease_years} years",
            ),
        )
    left = (pr.lease_end - as_of).days
    state = _state(left, window)
    status = {
        ClockState.expired: MaterialStatus.expired,
        ClockState.expiring: MaterialStatus.expiring,
        ClockState.ok: material.status,
    }[state]
    return Material(material.key, material.title, status, "$.premises.lease_end", pr.lease_end, left)


def _structural(f: Facility, as_of: date, window: int, age_years: int) -> Material:
    title = Text(
        f"房屋结构安全鉴定报告（建成超过 {age_years} 年的建筑）",
        f"structural safety report (buildings over {age_years} years old)",
    )
    year = f.building.completed_year if f.building else None
    if year is None:
        return Material(
            "structural_safety_report",
            title,
            MaterialStatus.missing,
            "$.building.completed_year",
            note=Text("未提供建筑建成年份，无法判断是否需要", "the building's completed year is not given"),
        )
    age = as_of.year - year
    if age <= age_years:
        return Material(
            "structural_safety_report",
            title,
            MaterialStatus.not_required,
            "$.building.completed_year",
            note=Text(f"建成于 {year} 年（{age} 年）", f"completed in {year} ({age} years)"),
        )
    return _document(
        "structural_safety_report",
        title,
        f.documents.structural_safety_report if f.documents else None,
        as_of,
        window,
        Text(f"建成于 {year} 年（{age} 年）", f"completed in {year} ({age} years)"),
    )


_QUALIFIED_ROLES = (StaffRole.director, StaffRole.carer, StaffRole.health, StaffRole.security)


def _staff(f: Facility, as_of: date, window: int, health_days: int) -> Material:
    """Every member's health certificate (last check + the MGT-28 period) and, for the roles
    that need one, a qualification (a certificate, or a training certificate number)."""
    title = Text("工作人员资格证明和健康证明", "staff qualification and health certificates")
    if not f.staff:
        return Material(
            "staff_certificates",
            title,
            MaterialStatus.missing,
            "$.staff",
            note=Text("未提供工作人员名单", "no staff list"),
        )
    lacking: list[tuple[str, str, str]] = []  # zh, en, JSON path
    dated: list[tuple[int, date, str]] = []  # days left, valid until, JSON path
    for i, s in enumerate(f.staff):
        hc = s.health_checks
        last = (hc.last_annual_date or hc.pre_employment_date) if hc else None
        if last is None or (hc is not None and hc.passed is False):
            lacking.append((f"{s.id} 健康证明", f"{s.id} health certificate", f"$.staff[{i}].health_checks"))
        else:
            until = last + timedelta(days=health_days)
            dated.append(((until - as_of).days, until, f"$.staff[{i}].health_checks"))
        qualified = bool(s.certificates) or any(t.certificate_number for t in s.trainings or [])
        if s.role in _QUALIFIED_ROLES and not qualified:
            lacking.append((f"{s.id} 资格证书", f"{s.id} qualification", f"$.staff[{i}].certificates"))
        for j, c in enumerate(s.certificates or []):
            if c.valid_until is not None:
                dated.append(((c.valid_until - as_of).days, c.valid_until, f"$.staff[{i}].certificates[{j}]"))
    if lacking:
        return Material(
            "staff_certificates",
            title,
            MaterialStatus.missing,
            lacking[0][2],
            note=Text(
                "缺少：" + "、".join(x[0] for x in lacking), "missing: " + ", ".join(x[1] for x in lacking)
            ),
        )
    if not dated:
        return Material("staff_certificates", title, MaterialStatus.present, "$.staff")
    left, until, path = min(dated)
    status = {
        ClockState.expired: MaterialStatus.expired,
        ClockState.expiring: MaterialStatus.expiring,
        ClockState.ok: MaterialStatus.present,
    }[_state(left, window)]
    return Material("staff_certificates", title, status, path, until, left)


def _hygiene(f: Facility, as_of: date, window: int) -> Material:
    doc = f.documents.hygiene_evaluation if f.documents else None
    title = Text("托幼机构卫生评价报告（结论合格）", "hygiene evaluation report rated 合格")
    m = _document("hygiene_evaluation", title, doc, as_of, window)
    if m.status == MaterialStatus.missing or doc is None:
        return m
    if doc.result is None:
        return Material(
            m.key,
            title,
            MaterialStatus.missing,
            "$.documents.hygiene_evaluation.result",
            note=Text("报告未注明结论", "the report gives no result"),
        )
    if str(doc.result) != "合格":
        return Material(
            m.key,
            title,
            MaterialStatus.missing,
            "$.documents.hygiene_evaluation.result",
            note=Text("结论为不合格：整改后重新评价", "rated 不合格: remedy and be evaluated again"),
        )
    return m


def _food(f: Facility, as_of: date, window: int) -> Material:
    title = Text("食品经营许可证（提供餐食的）", "food business licence (when meals are served)")
    serves = f.meals.serves_meals if f.meals else None
    if serves is False:
        return Material(
            "food_licence",
            title,
            MaterialStatus.not_required,
            "$.meals.serves_meals",
            note=Text("不提供餐食", "no meals served"),
        )
    m = _document("food_licence", title, f.documents.food_licence if f.documents else None, as_of, window)
    if serves is None and m.status == MaterialStatus.missing:
        return Material(
            m.key,
            title,
            MaterialStatus.missing,
            "$.meals.serves_meals",
            note=Text("未说明是否提供餐食", "not stated whether meals are served"),
        )
    return m


def materials(f: Facility, catalogue: Catalogue, as_of: date) -> tuple[Material, ...]:
    window = _param(catalogue, "MGT-4", "expiry_warning_days", DEFAULT_WARNING_DAYS)
    docs = f.documents
    return (
        _document(
            "business_licence",
            Text("营业执照或法人登记证书", "business licence or legal-person certificate"),
            docs.business_licence if docs else None,
            as_of,
            window,
        ),
        _premises(f, as_of, window, _param(catalogue, "SET-11", "lease_years_min", 3)),
        _document(
            "floor_plan", Text("平面图", "floor plan"), docs.floor_plan if docs else None, as_of, window
        ),
        _structural(f, as_of, window, _param(catalogue, "MGT-4", "structural_report_age_years", 20)),
        _staff(f, as_of, window, _param(catalogue, "MGT-28", "annual_max_age_days", 365)),
        _hygiene(f, as_of, window),
        _document(
            "fire_safety_pass",
            Text("消防安全检查合格证明", "fire-safety inspection pass"),
            docs.fire_safety_pass if docs else None,
            as_of,
            window,
        ),
        _food(f, as_of, window),
        _document(
            "security_proof",
            Text("技防/安防设施证明", "security (surveillance and alarm) proof"),
            docs.security_proof if docs else None,
            as_of,
            window,
        ),
    )


# --------------------------------------------------------------------------------------------
# Clocks
# --------------------------------------------------------------------------------------------

_DOC_TITLES = {
    "business_licence": ("营业执照或法人登记证书", "business licence"),
    "premises_proof": ("场地证明", "proof of premises"),
    "hygiene_evaluation": ("卫生评价报告", "hygiene evaluation report"),
    "fire_safety_pass": ("消防安全检查合格证明", "fire-safety pass"),
    "food_licence": ("食品经营许可证", "food business licence"),
    "commitment_letter": ("备案承诺书", "filing commitment letter"),
    "floor_plan": ("平面图", "floor plan"),
    "structural_safety_report": ("房屋结构安全鉴定报告", "structural safety report"),
    "security_proof": ("技防/安防设施证明", "security proof"),
}

_CERT_TITLES = {
    "nursery_nurse": ("保育师证", "nursery nurse certificate"),
    "childcare_worker": ("育婴员证", "childcare worker certificate"),
    "teacher": ("教师资格证", "teacher's certificate"),
    "health_care_training": ("卫生保健培训合格证", "health-care training certificate"),
    "security_guard": ("保安员证", "security guard licence"),
    "cook_health": ("食品从业人员健康证", "food handler's health certificate"),
    "other": ("证书", "certificate"),
}


def _clock_items(f: Facility, catalogue: Catalogue) -> Iterator[tuple[Text, str, date, Text]]:
    until_rule = Text("证照有效期", "validity of the document")
    if f.documents:
        for key, (zh, en) in _DOC_TITLES.items():
            doc = getattr(f.documents, key)
            if doc is not None and doc.valid_until is not None:
                yield Text(zh, en), f"$.documents.{key}.valid_until", doc.valid_until, until_rule
    pr = f.premises
    if pr is not None and pr.lease_end is not None and pr.tenure != Tenure.owned:
        yield Text("场地租期", "lease"), "$.premises.lease_end", pr.lease_end, Text("租赁到期日", "lease end")
    health_days = _param(catalogue, "MGT-28", "annual_max_age_days", 365)
    for i, s in enumerate(f.staff or []):
        who = s.name or s.id
        hc = s.health_checks
        if hc is not None and (hc.last_annual_date or hc.pre_employment_date):
            last = hc.last_annual_date or hc.pre_employment_date
            assert last is not None
            field_name = "last_annual_date" if hc.last_annual_date else "pre_employment_date"
            yield (
                Text(f"{who}（{s.id}）健康检查", f"{who} ({s.id}) health check"),
                f"$.staff[{i}].health_checks.{field_name}",
                last + timedelta(days=health_days),
                Text(
                    f"上次检查 {last} 起 {health_days} 天（MGT-28）",
                    f"{health_days} days from the last check on {last} (MGT-28)",
                ),
            )
        for j, c in enumerate(s.certificates or []):
            if c.valid_until is not None:
                zh, en = _CERT_TITLES.get(str(c.kind), ("证书", "certificate"))
                yield (
                    Text(f"{who}（{s.id}）{zh}", f"{who} ({s.id}) {en}"),
                    f"$.staff[{i}].certificates[{j}].valid_until",
                    c.valid_until,
                    until_rule,
                )
    drills = f.systems.emergency_drills if f.systems else None
    if drills is not None and drills.last_date is not None:
        days = _param(catalogue, "MGT-31", "drill_max_age_days", 365)
        yield (
            Text("应急演练", "emergency drill"),
            "$.systems.emergency_drills.last_date",
            drills.last_date + timedelta(days=days),
            Text(
                f"上次演练 {drills.last_date} 起 {days} 天（MGT-31）",
                f"{days} days from the last drill on {drills.last_date} (MGT-31)",
            ),
        )
    if pr is not None and pr.maintenance_last_date is not None:
        days = _param(catalogue, "SET-14", "maintenance_max_age_days", 365)
        yield (
            Text("设施设备检查维护", "equipment maintenance"),
            "$.premises.maintenance_last_date",
            pr.maintenance_last_date + timedelta(days=days),
            Text(
                f"上次维护 {pr.maintenance_last_date} 起 {days} 天（SET-14）",
                f"{days} days from the last maintenance on {pr.maintenance_last_date} (SET-14)",
            ),
        )


def _natural(path: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path))


def clocks(f: Facility, catalogue: Catalogue, as_of: date) -> tuple[Clock, ...]:
    """Every dated obligation, most urgent first (then by JSON path, for a stable order)."""
    window = _param(catalogue, "MGT-4", "expiry_warning_days", DEFAULT_WARNING_DAYS)
    out = []
    for subject, path, expires, rule in _clock_items(f, catalogue):
        left = (expires - as_of).days
        out.append(Clock(subject, path, expires, left, _state(left, window), rule))
    return tuple(sorted(out, key=lambda c: (c.days_left, _natural(c.path))))


def filing_readiness(f: Facility, catalogue: Catalogue, as_of: date) -> FilingReadiness:
    return FilingReadiness(
        facility_id=f.facility_id,
        name=f.name,
        as_of=as_of,
        warning_days=_param(catalogue, "MGT-4", "expiry_warning_days", DEFAULT_WARNING_DAYS),
        materials=materials(f, catalogue, as_of),
        clocks=clocks(f, catalogue, as_of),
    )


__all__ = [
    "DEFAULT_WARNING_DAYS",
    "Clock",
    "ClockState",
    "FilingReadiness",
    "Material",
    "MaterialStatus",
    "clocks",
    "filing_readiness",
    "materials",
]
