"""Computation functions of the rubric packs, registered by stable name with declared parameters.

A pack item names a function (``compute: {function: filing_rate_at_least, params: {percent: 100}}``);
the loader checks the name and the parameters against the declaration here. Nothing in a pack is
evaluated as text.

Each function reads the facility records and the district profile and returns an ``Outcome``:
whether the condition holds (``None`` when facts are missing, with each missing field named),
the figures, the arithmetic as a sentence, and evidence rows naming the record or profile field
each figure came from. Figures are exact (``Fraction``); display rounds half-up to two decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..district import DistrictResult
from ..problems import Text
from ..record import CertificateKind, ClassType, Facility, FacilityStatus, StaffRole
from ..scoring import round_half_up
from .profile import Average, IncidentKind, Profile, TitleLevel


@dataclass(frozen=True)
class Record:
    facility: Facility
    source: str


@dataclass(frozen=True)
class Context:
    """What the functions read: valid records, the profile, the district section, the reference date."""

    records: tuple[Record, ...]
    profile: Profile
    district: DistrictResult | None
    reference_date: date | None

    def in_service(self) -> list[Record]:
        """Facilities counted for places, enrolment and visits: every record not closed."""
        return [r for r in self.records if r.facility.status != FacilityStatus.closed]

    @property
    def year(self) -> int | None:
        if self.profile.year is not None:
            return self.profile.year
        return self.reference_date.year if self.reference_date else None


@dataclass(frozen=True)
class Outcome:
    passed: bool | None  # None: facts missing (see ``missing``)
    value: Mapping[str, Any]
    summary: Text
    basis: Text
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    score: Fraction | Decimal | None = None  # ``direct`` functions only: the item's score


@dataclass(frozen=True)
class Param:
    kind: str  # number | integer | string | boolean | kinds (list of strings)
    doc: str
    choices: tuple[str, ...] = ()


Function = Callable[[Context, Mapping[str, Any]], Outcome]


@dataclass(frozen=True)
class Registered:
    name: str
    function: Function
    params: Mapping[str, Param]
    direct: bool = False  # returns the item's score itself
    doc: str = ""


REGISTRY: dict[str, Registered] = {}


def register(
    name: str, params: Mapping[str, Param] | None = None, *, direct: bool = False
) -> Callable[[Function], Function]:
    def wrap(fn: Function) -> Function:
        if name in REGISTRY:
            raise ValueError(f"rubric function {name!r} registered twice")
        REGISTRY[name] = Registered(name, fn, dict(params or {}), direct, (fn.__doc__ or "").strip())
        return fn

    return wrap


def check_params(name: str, params: Mapping[str, Any]) -> list[str]:
    """Problems of a pack's parameters against the declaration (unknown, missing, wrong type)."""
    reg = REGISTRY.get(name)
    if reg is None:
        return [f"unknown function {name!r}; known: {', '.join(sorted(REGISTRY))}"]
    problems = [f"unknown parameter {k!r} of {name}" for k in params if k not in reg.params]
    for key, spec in reg.params.items():
        if key not in params:
            problems.append(f"{name} needs parameter {key!r} ({spec.doc})")
            continue
        v = params[key]
        ok = {
            "number": isinstance(v, int | float | str) and not isinstance(v, bool) and _is_number(v),
            "integer": isinstance(v, int) and not isinstance(v, bool),
            "string": isinstance(v, str),
            "boolean": isinstance(v, bool),
            "kinds": isinstance(v, list) and all(isinstance(x, str) for x in v),
        }[spec.kind]
        if ok and spec.choices:
            values = v if isinstance(v, list) else [v]
            ok = all(x in spec.choices for x in values)
        if not ok:
            expect = spec.kind + (f" in {list(spec.choices)}" if spec.choices else "")
            problems.append(f"{name}: parameter {key!r} should be {expect}, found {v!r}")
    return problems


def _is_number(v: object) -> bool:
    try:
        Decimal(str(v))
    except ArithmeticError:
        return False
    return True


def dec(v: Any) -> Decimal:
    """A parameter as an exact decimal (YAML 2.5 → Decimal('2.5'), via its text)."""
    return Decimal(str(v))


def fmt(v: Fraction | Decimal | int) -> str:
    """Half-up to two decimals, for display; exact values are kept alongside."""
    return str(round_half_up(Fraction(v)))


def exact(v: Fraction | Decimal | int) -> str:
    return str(Fraction(v))


def pct(part: int, whole: int) -> Fraction:
    return Fraction(part * 100, whole)


# --------------------------------------------------------------------------------------------
# Shared figures
# --------------------------------------------------------------------------------------------


def _entry_path(profile: Profile, facility_id: str, key: str) -> str:
    i = profile.facility_index(facility_id)
    if i is not None:
        return f"profile:$.facilities[{i}].{key}"
    return f"profile:$.facilities[facility_id={facility_id}].{key}"


@dataclass
class Places:
    total: int = 0
    by_facility: dict[str, int] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def places(ctx: Context) -> Places:
    """托位 per facility in service: the profile's ``places``, else the record's filed capacity."""
    out = Places()
    for r in ctx.in_service():
        fid = r.facility.facility_id
        entry = ctx.profile.facility(fid)
        if entry is not None and entry.places is not None:
            n, where = entry.places, _entry_path(ctx.profile, fid, "places")
        elif r.facility.filing is not None and r.facility.filing.filed_capacity is not None:
            n, where = r.facility.filing.filed_capacity, f"{fid}:$.filing.filed_capacity"
        else:
            out.missing.append(f"{_entry_path(ctx.profile, fid, 'places')} | {fid}:$.filing.filed_capacity")
            continue
        out.by_facility[fid] = n
        out.total += n
        out.evidence.append(f"{where} = {n}")
    return out


def puhui_places(ctx: Context) -> Places:
    out = Places()
    for r in ctx.in_service():
        fid = r.facility.facility_id
        entry = ctx.profile.facility(fid)
        if entry is None or entry.puhui_places is None:
            out.missing.append(_entry_path(ctx.profile, fid, "puhui_places"))
            continue
        out.by_facility[fid] = entry.puhui_places
        out.total += entry.puhui_places
        out.evidence.append(f"{_entry_path(ctx.profile, fid, 'puhui_places')} = {entry.puhui_places}")
    return out


def _average(ctx: Context, name: str) -> tuple[Average | None, str]:
    avg = getattr(ctx.profile.averages, name, None) if ctx.profile.averages else None
    return avg, f"profile:$.averages.{name}"


def _needs(summary: Text, missing: list[str], evidence: list[str] | None = None) -> Outcome:
    return Outcome(None, {}, summary, Text("缺少数据", "data missing"), tuple(evidence or []), tuple(missing))


def places_per_1000(ctx: Context) -> tuple[Fraction | None, Places, list[str], list[str]]:
    """(figure, places, evidence, missing)."""
    p = places(ctx)
    evidence = list(p.evidence)
    missing = list(p.missing)
    residents = ctx.profile.population.residents if ctx.profile.population else None
    if residents is None:
        missing.append("profile:$.population.residents")
    elif residents.value == 0:
        missing.append("profile:$.population.residents (0: no rate)")
    else:
        evidence.append(
            f"profile:$.population.residents = {residents.value}（{residents.year}，{residents.source}）"
        )
    if missing or residents is None or residents.value == 0:
        return None, p, evidence, missing
    return Fraction(p.total * 1000, residents.value), p, evidence, missing


def filing(ctx: Context) -> tuple[int, int, list[str], list[str], list[str]]:
    """(filed, registered, unfiled names, evidence, missing) over the market-regulation registry."""
    registry = ctx.profile.market_registry
    if registry is None:
        return 0, 0, [], [], ["profile:$.market_registry"]
    by_id = {r.facility.facility_id: r.facility for r in ctx.records}
    by_uscc = {r.facility.uscc: r.facility for r in ctx.records if r.facility.uscc}
    filed = 0
    unfiled: list[str] = []
    evidence: list[str] = []
    missing: list[str] = []
    for i, entry in enumerate(registry):
        rec = by_id.get(entry.facility_id or "") or by_uscc.get(entry.uscc or "")
        where = f"profile:$.market_registry[{i}]"
        status: bool | None
        if rec is not None:
            status = rec.filing.filed if rec.filing is not None else None
            src = f"{rec.facility_id}:$.filing.filed"
            if status is None and entry.filed is not None:
                status, src = entry.filed, f"{where}.filed"
        else:
            status, src = entry.filed, f"{where}.filed"
        if status is None:
            missing.append(src if rec is None else f"{src} | {where}.filed")
            continue
        evidence.append(f"{where} {entry.name}: {src} = {'true' if status else 'false'}")
        if status:
            filed += 1
        else:
            unfiled.append(entry.name)
    return filed, len(registry), unfiled, evidence, missing


def filed_status(ctx: Context, f: Facility) -> tuple[bool | None, str]:
    """Whether a facility is filed: its record's ``$.filing.filed``, else the registry's ``filed``."""
    if f.filing is not None and f.filing.filed is not None:
        return f.filing.filed, f"{f.facility_id}:$.filing.filed"
    i = ctx.profile.registry_index(f.facility_id, f.uscc)
    if i is not None and ctx.profile.market_registry is not None:
        entry = ctx.profile.market_registry[i]
        if entry.filed is not None:
            return entry.filed, f"profile:$.market_registry[{i}].filed"
        return None, f"{f.facility_id}:$.filing.filed | profile:$.market_registry[{i}].filed"
    return None, f"{f.facility_id}:$.filing.filed"


def window_start(reference: date, years: int) -> date:
    """The same day ``years`` earlier (29 February → 28 February)."""
    try:
        return reference.replace(year=reference.year - years)
    except ValueError:
        return reference.replace(year=reference.year - years, day=28)


# --------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------

_ABOVE = {"strict": Param("boolean", "true: 高于（严格大于）; false: 不低于")}


def _compare(value: Fraction, avg: Decimal, strict: bool) -> bool:
    return value > avg if strict else value >= avg


def _rel(strict: bool) -> tuple[str, str]:
    return ("高于", "above") if strict else ("不低于", "at least")


def _against_average(
    ctx: Context,
    key: str,
    title: Text,
    value: Fraction | None,
    evidence: list[str],
    missing: list[str],
    params: Mapping[str, Any],
) -> Outcome | tuple[Average, bool, str, str]:
    """A figure against the profile's average of the same name: ``needs_data`` when either is
    missing, else (average, passed, relation in Chinese, relation in English), the average's
    source added to the evidence."""
    avg, avg_path = _average(ctx, key)
    if avg is None:
        missing.append(avg_path)
    if value is None or avg is None:
        return _needs(title, missing, evidence)
    evidence.append(f"{avg_path} = {avg.value}（{avg.scope}，{avg.year}，{avg.source}）")
    strict = bool(params["strict"])
    zh_rel, en_rel = _rel(strict)
    return avg, _compare(value, avg.value, strict), zh_rel, en_rel


@register("places_per_1000_above_average", _ABOVE)
def places_per_1000_above_average(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """千人口托位数 = 托位合计 ÷ 常住人口 × 1000, compared with the profile's average."""
    value, p, evidence, missing = places_per_1000(ctx)
    compared = _against_average(
        ctx,
        "places_per_1000",
        Text("千人口托位数", "places per 1,000 residents"),
        value,
        evidence,
        missing,
        params,
    )
    if isinstance(compared, Outcome):
        return compared
    avg, passed, zh_rel, en_rel = compared
    assert value is not None  # a missing figure returned needs_data above
    residents = ctx.profile.population.residents if ctx.profile.population else None
    assert residents is not None
    return Outcome(
        passed,
        {
            "places": p.total,
            "residents": residents.value,
            "places_per_1000": fmt(value),
            "places_per_1000_exact": exact(value),
            "places_per_1000_average": str(avg.value),
            "places_per_1000_average_scope": avg.scope,
        },
        Text(
            f"千人口托位数 {fmt(value)}，{avg.scope}平均 {avg.value}",
            f"places per 1,000: {fmt(value)}; {avg.scope} average {avg.value}",
        ),
        Text(
            f"托位 {p.total} ÷ 常住人口 {residents.value} × 1000 = {exact(value)} ≈ {fmt(value)}；要求{zh_rel}平均 {avg.value}：{'是' if passed else '否'}",
            f"{p.total} places ÷ {residents.value} residents × 1000 = {exact(value)} ≈ {fmt(value)}; required {en_rel} the average {avg.value}: {'yes' if passed else 'no'}",
        ),
        tuple(evidence),
    )


def enrolled(ctx: Context) -> tuple[int, list[str], list[str]]:
    """Children enrolled in 托 classes (every class but kindergarten classes) of facilities in service."""
    total, evidence, missing = 0, [], []
    for r in ctx.in_service():
        fid = r.facility.facility_id
        if not r.facility.classes:
            missing.append(f"{fid}:$.classes")
            continue
        for i, c in enumerate(r.facility.classes):
            if c.type == ClassType.kindergarten:
                continue
            if c.enrolled is None:
                missing.append(f"{fid}:$.classes[{i}].enrolled")
                continue
            total += c.enrolled
            evidence.append(f"{fid}:$.classes[{i}].enrolled = {c.enrolled}")
    return total, evidence, missing


def enrolment_rate(ctx: Context) -> tuple[Fraction | None, int, list[str], list[str]]:
    n, evidence, missing = enrolled(ctx)
    infants = ctx.profile.population.infants_under_3 if ctx.profile.population else None
    if infants is None or infants.value == 0:
        missing.append("profile:$.population.infants_under_3")
    else:
        evidence.append(
            f"profile:$.population.infants_under_3 = {infants.value}（{infants.year}，{infants.source}）"
        )
    if missing or infants is None or infants.value == 0:
        return None, n, evidence, missing
    return pct(n, infants.value), n, evidence, missing


@register("enrolment_rate_above_average", _ABOVE)
def enrolment_rate_above_average(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """婴幼儿入托率 = 在托婴幼儿 ÷ 3 岁以下婴幼儿数 × 100 %, compared with the profile's average."""
    value, n, evidence, missing = enrolment_rate(ctx)
    compared = _against_average(
        ctx,
        "enrolment_rate_percent",
        Text("婴幼儿入托率", "enrolment rate"),
        value,
        evidence,
        missing,
        params,
    )
    if isinstance(compared, Outcome):
        return compared
    avg, passed, zh_rel, en_rel = compared
    assert value is not None  # a missing figure returned needs_data above
    infants = ctx.profile.population.infants_under_3 if ctx.profile.population else None
    assert infants is not None
    return Outcome(
        passed,
        {
            "enrolled": n,
            "infants_under_3": infants.value,
            "enrolment_rate_percent": fmt(value),
            "enrolment_rate_exact": exact(value),
            "enrolment_rate_average": str(avg.value),
            "enrolment_rate_average_scope": avg.scope,
        },
        Text(
            f"婴幼儿入托率 {fmt(value)}%，{avg.scope}平均 {avg.value}%",
            f"enrolment rate {fmt(value)}%; {avg.scope} average {avg.value}%",
        ),
        Text(
            f"在托 {n} ÷ 3 岁以下婴幼儿 {infants.value} × 100% = {fmt(value)}%（精确值 {exact(value)}）；要求{zh_rel}平均 {avg.value}%：{'是' if passed else '否'}",
            f"{n} enrolled ÷ {infants.value} infants × 100% = {fmt(value)}% (exact {exact(value)}); required {en_rel} the average {avg.value}%: {'yes' if passed else 'no'}",
        ),
        tuple(evidence),
    )


def _filing_outcome(ctx: Context, threshold: Decimal | None, strict: bool, scope: str | None) -> Outcome:
    filed, registered, unfiled, evidence, missing = filing(ctx)
    avg_path = "profile:$.averages.filing_rate_percent"
    avg = ctx.profile.averages.filing_rate_percent if ctx.profile.averages else None
    if threshold is None:
        if avg is None:
            missing.append(avg_path)
        else:
            threshold, scope = avg.value, avg.scope
            evidence.append(f"{avg_path} = {avg.value}（{avg.scope}，{avg.year}，{avg.source}）")
    if registered == 0 and not missing:
        missing.append("profile:$.market_registry (empty: no rate)")
    title = Text("托育机构备案率", "filing rate")
    if missing or threshold is None:
        return _needs(title, missing, evidence)
    rate = pct(filed, registered)
    passed = rate > threshold if strict else rate >= threshold
    zh_rel, en_rel = _rel(strict)
    ref_zh = f"{scope}平均 {threshold}%" if scope else f"{threshold}%"
    unfiled_zh = f"；未备案：{'、'.join(unfiled)}" if unfiled else ""
    unfiled_en = f"; not filed: {', '.join(unfiled)}" if unfiled else ""
    return Outcome(
        passed,
        {
            "filed": filed,
            "registered": registered,
            "filing_rate_percent": fmt(rate),
            "filing_rate_exact": exact(rate),
            "threshold_percent": str(threshold),
            "unfiled": unfiled,
        },
        Text(
            f"备案率 {fmt(rate)}%（{filed}/{registered}）{unfiled_zh}",
            f"filing rate {fmt(rate)}% ({filed}/{registered}){unfiled_en}",
        ),
        Text(
            f"已备案 {filed} ÷ 已登记 {registered} × 100% = {fmt(rate)}%；要求{zh_rel}{ref_zh}：{'是' if passed else '否'}",
            f"{filed} filed ÷ {registered} registered × 100% = {fmt(rate)}%; required {en_rel} {threshold}%: {'yes' if passed else 'no'}",
        ),
        tuple(evidence),
    )


@register("filing_rate_at_least", {"percent": Param("number", "最低备案率（%）")})
def filing_rate_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """备案率 = 已备案 ÷ 市场监管等部门登记的托育机构, at least ``percent``; the unfiled are listed."""
    return _filing_outcome(ctx, dec(params["percent"]), strict=False, scope=None)


@register("filing_rate_above_average", _ABOVE)
def filing_rate_above_average(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """备案率 compared with the profile's average filing rate."""
    return _filing_outcome(ctx, None, strict=bool(params["strict"]), scope=None)


_KIND_ZH = {
    IncidentKind.safety_accident: "安全事故",
    IncidentKind.technical_accident: "技术事故",
    IncidentKind.violation_case: "违法行政案件",
    IncidentKind.petition: "信访事件",
    IncidentKind.negative_opinion: "负面舆情",
}


@register(
    "no_incidents",
    {
        "kinds": Param("kinds", "计入的事件类型", tuple(k.value for k in IncidentKind)),
        "window_years": Param("integer", "回溯年数：参考日期前 N 年当日至参考日期（含两端）"),
    },
)
def no_incidents(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """No incident of the given kinds dated within [reference − N years, reference] (both ends included).

    A record reporting safety accidents (``$.incidents.safety_accidents``) needs as many dated
    entries for that facility in the profile: an undated count cannot be placed in the window.
    """
    kinds = {IncidentKind(k) for k in params["kinds"]}
    years = int(params["window_years"])
    kinds_zh = "、".join(_KIND_ZH[k] for k in IncidentKind if k in kinds)
    title = Text(f"{years} 年内无{kinds_zh}", f"no {', '.join(sorted(kinds))} within {years} years")
    missing: list[str] = []
    if ctx.reference_date is None:
        missing.append("profile:$.reference_date | --as-of")
    if ctx.profile.incidents is None:
        missing.append("profile:$.incidents")
    incidents = ctx.profile.incidents or []
    if IncidentKind.safety_accident in kinds:
        for r in ctx.records:
            reported = r.facility.incidents.safety_accidents if r.facility.incidents else None
            dated = sum(
                1
                for x in incidents
                if x.kind == IncidentKind.safety_accident and x.facility_id == r.facility.facility_id
            )
            if reported and dated < reported:
                missing.append(
                    f"profile:$.incidents (dated safety_accident entries for {r.facility.facility_id}: "
                    f"{r.facility.facility_id}:$.incidents.safety_accidents = {reported}, {dated} dated)"
                )
    if missing or ctx.reference_date is None:
        return _needs(title, missing)
    ref = ctx.reference_date
    start = window_start(ref, years)
    inside, evidence = [], []
    for i, x in enumerate(incidents):
        if x.kind not in kinds:
            continue
        where = f"profile:$.incidents[{i}]"
        if start <= x.date <= ref:
            inside.append(x)
            evidence.append(f"{where} {x.date.isoformat()} {_KIND_ZH[x.kind]}：{x.description}（在窗口内）")
        else:
            evidence.append(f"{where} {x.date.isoformat()} {_KIND_ZH[x.kind]}：{x.description}（窗口外）")
    passed = not inside
    return Outcome(
        passed,
        {
            "window_start": start.isoformat(),
            "reference_date": ref.isoformat(),
            "incidents_in_window": len(inside),
        },
        Text(
            f"{start.isoformat()} 至 {ref.isoformat()} 期间{kinds_zh} {len(inside)} 起",
            f"{len(inside)} incidents between {start.isoformat()} and {ref.isoformat()}",
        ),
        Text(
            f"窗口 {start.isoformat()}—{ref.isoformat()}（参考日期前 {years} 年，含两端）内{'无' if passed else '有'}{kinds_zh}",
            f"window {start.isoformat()}–{ref.isoformat()} ({years} years before the reference date, inclusive): {'none' if passed else len(inside)}",
        ),
        tuple(evidence),
    )


@register("satisfaction_at_least", {"percent": Param("number", "最低满意度（%）")})
def satisfaction_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """满意度 = 满意人数 ÷ 调查人数 × 100 %, at least ``percent``."""
    s = ctx.profile.survey
    title = Text("婴幼儿家庭满意度", "family satisfaction")
    if s is None:
        return _needs(title, ["profile:$.survey"])
    need = dec(params["percent"])
    rate = pct(s.satisfied, s.respondents)
    passed = rate >= need
    return Outcome(
        passed,
        {
            "respondents": s.respondents,
            "satisfied": s.satisfied,
            "satisfaction_percent": fmt(rate),
            "satisfaction_exact": exact(rate),
            "threshold_percent": str(need),
        },
        Text(
            f"满意度 {fmt(rate)}%（{s.satisfied}/{s.respondents}）",
            f"satisfaction {fmt(rate)}% ({s.satisfied}/{s.respondents})",
        ),
        Text(
            f"满意 {s.satisfied} ÷ 受访 {s.respondents} × 100% = {fmt(rate)}%（精确值 {exact(rate)}）；要求不低于 {need}%：{'是' if passed else '否'}",
            f"{s.satisfied} satisfied ÷ {s.respondents} respondents × 100% = {fmt(rate)}% (exact {exact(rate)}); required at least {need}%: {'yes' if passed else 'no'}",
        ),
        (f"profile:$.survey = {s.satisfied}/{s.respondents}（{s.source}）",),
    )


_SECTION = {
    "siting": ("选址安全适宜", "siting", Decimal("2.5")),
    "design": ("设计符合规范", "design", Decimal("2.5")),
    "setup": ("执行《托育机构设置标准（试行）》", "setup standard", Decimal(5)),
    "management": ("执行《托育机构管理规范（试行）》", "management norms", Decimal(5)),
}


@register("district_section", {"item": Param("string", "服务质量分项", tuple(_SECTION))}, direct=True)
def district_section(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """One item of the district 服务质量 section, exactly as ``facility-check district`` computes it."""
    name = str(params["item"])
    zh, en, full = _SECTION[name]
    d = ctx.district
    title = Text(zh, en)
    if d is None or d.evaluated == 0:
        return _needs(title, ["records: no facility could be evaluated"])
    value = d.item(name)
    reasons = d.reasons.get(name, [])
    evidence: list[str] = []
    if name == "siting":
        evidence = [f"{r.facility_id}: {r.siting}" for r in sorted(d.rows, key=lambda r: r.facility_id)]
    elif name == "design":
        evidence = [f"{r.facility_id}: {r.design}" for r in sorted(d.rows, key=lambda r: r.facility_id)]
    else:
        evidence = [
            f"{r.facility_id}: {getattr(r, name)}（未落实 {len(getattr(r, name + '_unmet'))}，未知 {len(getattr(r, name + '_unknown'))}）"
            for r in sorted(d.rows, key=lambda r: r.facility_id)
        ]
    if value is None:
        rows = sorted(d.rows, key=lambda r: r.facility_id)
        if name == "siting" and not d.layers:
            missing = ["--hazards（危险源图层 / hazard layers）"]
        elif name == "siting":
            missing = [
                f"{r.facility_id}: siting unknown ({r.siting_reason.en if r.siting_reason else '-'})"
                for r in rows
                if r.siting != "compliant"
            ]
        elif name == "design":
            missing = [
                f"{r.facility_id}:{path}"
                for r in rows
                if r.design != "compliant"
                for path in r.design_missing
            ]
        else:
            missing = [reason.en for reason in reasons]
        missing = missing or [f"district section item {name}"]
        return Outcome(None, {}, title, Text("缺少数据", "data missing"), tuple(evidence), tuple(missing))
    basis = {
        "siting": Text(
            "任一机构选址不符合即 0 分，全部符合得 2.5 分",
            "0 if any facility's siting fails, 2.5 if all pass",
        ),
        "design": Text(
            "任一机构设计不符合即 0 分，全部符合得 2.5 分",
            "0 if any facility's design fails, 2.5 if all pass",
        ),
        "setup": Text(
            f"各机构得分（5 − 0.1 × 未落实条数）的平均值 = {exact(value)} ≈ {fmt(value)}",
            f"mean of facility scores = {exact(value)} ≈ {fmt(value)}",
        ),
        "management": Text(
            f"各机构得分（5 − 0.1 × 未落实条数）的平均值 = {exact(value)} ≈ {fmt(value)}",
            f"mean of facility scores = {exact(value)} ≈ {fmt(value)}",
        ),
    }[name]
    return Outcome(
        Fraction(value) == full,
        {"score": fmt(value), "score_exact": exact(value), "facilities": d.evaluated},
        Text(f"{zh}：{fmt(value)} / {full}", f"{en}: {fmt(value)} / {full}"),
        basis,
        tuple(evidence),
        score=value,
    )


@register("programme_facilities_operating", {"min_facilities": Param("integer", "最少机构数")})
def programme_facilities_operating(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """Facilities marked in the profile as supported by the year's 普惠托育专项行动 that are filed and operating."""
    need = int(params["min_facilities"])
    title = Text("专项行动支持的机构备案并运营", "programme facilities filed and operating")
    if ctx.profile.facilities is None:
        return _needs(title, ["profile:$.facilities[].special_programme"])
    year = ctx.year
    if year is None:
        return _needs(title, ["profile:$.year | profile:$.reference_date | --as-of"])
    records = {r.facility.facility_id: r.facility for r in ctx.records}
    ok: list[str] = []
    evidence: list[str] = []
    missing: list[str] = []
    for i, entry in enumerate(ctx.profile.facilities):
        prog = entry.special_programme
        if prog is None or prog.year != year:
            continue
        fid = entry.facility_id
        f = records.get(fid)
        if f is None:
            missing.append(f"records: {fid} (profile:$.facilities[{i}])")
            continue
        filed, filed_src = filed_status(ctx, f)
        if filed is None:
            missing.append(filed_src)
        if f.status is None:
            missing.append(f"{fid}:$.status")
        if filed is None or f.status is None:
            continue
        good = filed and f.status == FacilityStatus.operating
        evidence.append(
            f"profile:$.facilities[{i}].special_programme.year = {prog.year}; {filed_src} = {str(filed).lower()}; {fid}:$.status = {f.status.value}"
        )
        if good:
            ok.append(fid)
    if len(ok) >= need:
        missing = []  # enough already, whatever the unknown ones are
    elif missing:
        return _needs(title, missing, evidence)
    passed = len(ok) >= need
    return Outcome(
        passed,
        {"facilities": ok, "count": len(ok), "required": need, "year": year},
        Text(
            f"{year} 年专项行动支持并已备案运营的机构 {len(ok)} 家",
            f"{len(ok)} programme facilities of {year} filed and operating",
        ),
        Text(
            f"要求不少于 {need} 家：{'是' if passed else '否'}",
            f"required at least {need}: {'yes' if passed else 'no'}",
        ),
        tuple(evidence),
    )


_LEVEL_ZH = {"national": "国家级", "provincial": "省级", "city": "市级", "county": "县级"}


@register(
    "model_facilities_at_least",
    {
        "level": Param("string", "称号级别", tuple(x.value for x in TitleLevel)),
        "min_facilities": Param("integer", "最少机构数"),
    },
)
def model_facilities_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """Facilities holding a 示范性托育机构 title of the given level (from the profile)."""
    level = TitleLevel(params["level"])
    need = int(params["min_facilities"])
    title = Text(f"{_LEVEL_ZH[level]}示范性托育机构", f"{level.value} model facilities")
    if ctx.profile.facilities is None:
        return _needs(title, ["profile:$.facilities[].model_titles"])
    holders: list[str] = []
    evidence: list[str] = []
    for i, entry in enumerate(ctx.profile.facilities):
        for j, t in enumerate(entry.model_titles or []):
            if t.level == level:
                evidence.append(
                    f"profile:$.facilities[{i}].model_titles[{j}]: {entry.facility_id} {t.title}（{t.year}）"
                )
                if entry.facility_id not in holders:
                    holders.append(entry.facility_id)
    passed = len(holders) >= need
    return Outcome(
        passed,
        {"facilities": holders, "count": len(holders), "required": need},
        Text(
            f"获{_LEVEL_ZH[level]}示范称号的机构 {len(holders)} 家",
            f"{len(holders)} facilities with a {level.value} title",
        ),
        Text(
            f"要求不少于 {need} 家：{'是' if passed else '否'}",
            f"required at least {need}: {'yes' if passed else 'no'}",
        ),
        tuple(evidence),
    )


@register("every_facility_visited", {"min_visits": Param("integer", "每家机构年内最少实地巡查次数")})
def every_facility_visited(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """Every facility in service visited on site at least ``min_visits`` times in the assessment year."""
    need = int(params["min_visits"])
    title = Text("年内每家机构实地巡查", "every facility visited this year")
    missing = []
    if ctx.profile.visits is None:
        missing.append("profile:$.visits")
    year = ctx.year
    if year is None:
        missing.append("profile:$.year | profile:$.reference_date | --as-of")
    if missing or year is None:
        return _needs(title, missing)
    counts: dict[str, list[str]] = {r.facility.facility_id: [] for r in ctx.in_service()}
    if not counts:
        return _needs(title, ["records: no facility in service"])
    for i, v in enumerate(ctx.profile.visits or []):
        if v.date.year == year and v.facility_id in counts:
            counts[v.facility_id].append(f"profile:$.visits[{i}] {v.date.isoformat()}")
    short = [fid for fid, vs in sorted(counts.items()) if len(vs) < need]
    evidence = [f"{fid}: {len(vs)} 次（{'; '.join(vs) or '无'}）" for fid, vs in sorted(counts.items())]
    passed = not short
    return Outcome(
        passed,
        {"year": year, "facilities": len(counts), "not_visited": short},
        Text(
            f"{year} 年 {len(counts) - len(short)}/{len(counts)} 家机构至少巡查 {need} 次"
            + (f"；未达到：{'、'.join(short)}" if short else ""),
            f"{len(counts) - len(short)}/{len(counts)} facilities visited at least {need} times in {year}"
            + (f"; short: {', '.join(short)}" if short else ""),
        ),
        Text(
            f"要求每家机构年内至少 {need} 次：{'是' if passed else '否'}",
            f"required at least {need} per facility: {'yes' if passed else 'no'}",
        ),
        tuple(evidence),
    )


@register("total_places_at_least", {"target": Param("integer", "目标托位数")})
def total_places_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """托位合计 of facilities in service, at least the target."""
    target = int(params["target"])
    p = places(ctx)
    title = Text("全区总托位数", "total places")
    if p.missing:
        return _needs(title, p.missing, p.evidence)
    passed = p.total >= target
    return Outcome(
        passed,
        {"places": p.total, "target": target},
        Text(f"总托位 {p.total}，目标 {target}", f"{p.total} places; target {target}"),
        Text(
            f"托位合计 {p.total} ≥ {target}：{'是' if passed else '否'}",
            f"{p.total} places >= {target}: {'yes' if passed else 'no'}",
        ),
        tuple(p.evidence),
    )


@register("puhui_share_at_least", {"percent": Param("number", "普惠托位最低占比（%）")})
def puhui_share_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """普惠托位占比 = 普惠托位 ÷ 托位合计 × 100 %."""
    need = dec(params["percent"])
    p, h = places(ctx), puhui_places(ctx)
    title = Text("普惠托位占比", "普惠 share of places")
    if p.missing or h.missing or p.total == 0:
        return _needs(
            title,
            p.missing + h.missing + (["places: total is 0"] if p.total == 0 else []),
            p.evidence + h.evidence,
        )
    share = pct(h.total, p.total)
    passed = share >= need
    return Outcome(
        passed,
        {
            "puhui_places": h.total,
            "places": p.total,
            "share_percent": fmt(share),
            "share_exact": exact(share),
            "threshold_percent": str(need),
        },
        Text(
            f"普惠托位占比 {fmt(share)}%（{h.total}/{p.total}）",
            f"普惠 share {fmt(share)}% ({h.total}/{p.total})",
        ),
        Text(
            f"普惠托位 {h.total} ÷ 托位 {p.total} × 100% = {fmt(share)}%；要求不低于 {need}%：{'是' if passed else '否'}",
            f"{h.total} ÷ {p.total} × 100% = {fmt(share)}%; required at least {need}%: {'yes' if passed else 'no'}",
        ),
        tuple(p.evidence + h.evidence),
    )


def _by_subdistrict(ctx: Context, per_facility: dict[str, int]) -> tuple[dict[str, int], list[str]]:
    """Sum a per-facility figure over the profile's 镇街 (each 镇街 listed, 0 when it has none)."""
    totals = {s.code: 0 for s in ctx.profile.subdistricts or []}
    missing = []
    for r in ctx.in_service():
        fid = r.facility.facility_id
        entry = ctx.profile.facility(fid)
        if entry is None or entry.subdistrict is None:
            missing.append(_entry_path(ctx.profile, fid, "subdistrict"))
            continue
        totals[entry.subdistrict] = totals.get(entry.subdistrict, 0) + per_facility.get(fid, 0)
    return totals, missing


@register("places_per_subdistrict_at_least", {"places": Param("integer", "每个镇街最少托位数")})
def places_per_subdistrict_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """Every 镇街 of the profile has at least ``places`` places; the 镇街 below are listed."""
    need = int(params["places"])
    title = Text(f"每个镇街至少 {need} 个托位", f"at least {need} places per 镇街")
    if ctx.profile.subdistricts is None:
        return _needs(title, ["profile:$.subdistricts"])
    p = places(ctx)
    totals, missing = _by_subdistrict(ctx, p.by_facility)
    if p.missing or missing:
        return _needs(title, p.missing + missing, p.evidence)
    below = [c for c, n in totals.items() if n < need]
    names = {s.code: s.name for s in ctx.profile.subdistricts}
    passed = not below and bool(totals)
    listing = [f"{names.get(c, c)}（{c}）: {n}" for c, n in totals.items()]
    below_zh = "、".join(f"{names.get(c, c)} {totals[c]}" for c in below)
    return Outcome(
        passed,
        {
            "subdistricts": {c: totals[c] for c in totals},
            "below": [{"code": c, "name": names.get(c, c), "places": totals[c]} for c in below],
            "required": need,
        },
        Text(
            f"{len(totals) - len(below)}/{len(totals)} 个镇街达到 {need} 个托位"
            + (f"；未达到：{below_zh}" if below else ""),
            f"{len(totals) - len(below)}/{len(totals)} 镇街 reach {need} places"
            + (f"; below: {below_zh}" if below else ""),
        ),
        Text(
            f"各镇街托位合计均不少于 {need}：{'是' if passed else '否'}",
            f"every 镇街 has at least {need}: {'yes' if passed else 'no'}",
        ),
        tuple(listing + p.evidence),
    )


@register("puhui_subdistrict_coverage_at_least", {"percent": Param("number", "最低覆盖率（%）")})
def puhui_subdistrict_coverage_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """普惠覆盖率 = 有普惠托位的镇街 ÷ 镇街总数 × 100 %."""
    need = dec(params["percent"])
    title = Text("街乡普惠托育服务覆盖率", "普惠 coverage of 街乡")
    if not ctx.profile.subdistricts:
        return _needs(title, ["profile:$.subdistricts"])
    h = puhui_places(ctx)
    totals, missing = _by_subdistrict(ctx, h.by_facility)
    if h.missing or missing:
        return _needs(title, h.missing + missing, h.evidence)
    covered = [c for c, n in totals.items() if n > 0]
    rate = pct(len(covered), len(totals))
    passed = rate >= need
    names = {s.code: s.name for s in ctx.profile.subdistricts}
    uncovered = [names.get(c, c) for c in totals if totals[c] == 0]
    return Outcome(
        passed,
        {
            "covered": len(covered),
            "subdistricts": len(totals),
            "coverage_percent": fmt(rate),
            "coverage_exact": exact(rate),
            "uncovered": uncovered,
            "threshold_percent": str(need),
        },
        Text(
            f"覆盖率 {fmt(rate)}%（{len(covered)}/{len(totals)}）"
            + (f"；无普惠托位：{'、'.join(uncovered)}" if uncovered else ""),
            f"coverage {fmt(rate)}% ({len(covered)}/{len(totals)})"
            + (f"; without 普惠 places: {', '.join(uncovered)}" if uncovered else ""),
        ),
        Text(
            f"有普惠托位的镇街 {len(covered)} ÷ 镇街 {len(totals)} × 100% = {fmt(rate)}%；要求不低于 {need}%：{'是' if passed else '否'}",
            f"{len(covered)} ÷ {len(totals)} × 100% = {fmt(rate)}%; required at least {need}%: {'yes' if passed else 'no'}",
        ),
        tuple(f"{names.get(c, c)}（{c}）: 普惠托位 {n}" for c, n in totals.items()) + tuple(h.evidence),
    )


@register(
    "certified_carers_at_least",
    {
        "percent": Param("number", "最低持证率（%）"),
        "kinds": Param("kinds", "认可的证书", tuple(k.value for k in CertificateKind)),
    },
)
def certified_carers_at_least(ctx: Context, params: Mapping[str, Any]) -> Outcome:
    """保育人员持证上岗率 = 持有所列证书（参考日期有效）的保育人员 ÷ 保育人员 × 100 %."""
    need = dec(params["percent"])
    kinds = {CertificateKind(k) for k in params["kinds"]}
    title = Text("保育人员持证上岗率", "certified carers")
    carers = certified = 0
    evidence: list[str] = []
    missing: list[str] = []
    ref = ctx.reference_date
    for r in ctx.in_service():
        fid = r.facility.facility_id
        if r.facility.staff is None:
            missing.append(f"{fid}:$.staff")
            continue
        for i, s in enumerate(r.facility.staff):
            if s.role != StaffRole.carer:
                continue
            carers += 1
            valid = [
                c
                for c in s.certificates or []
                if c.kind in kinds and (c.valid_until is None or ref is None or c.valid_until >= ref)
            ]
            if valid:
                certified += 1
            evidence.append(f"{fid}:$.staff[{i}] {'持证' if valid else '无有效证书'}")
    if not carers and not missing:
        missing.append("records: no carer (role carer) in any facility")
    if missing:
        return _needs(title, missing, evidence)
    rate = pct(certified, carers)
    passed = rate >= need
    return Outcome(
        passed,
        {
            "carers": carers,
            "certified": certified,
            "rate_percent": fmt(rate),
            "rate_exact": exact(rate),
            "threshold_percent": str(need),
        },
        Text(
            f"持证上岗率 {fmt(rate)}%（{certified}/{carers}）",
            f"{fmt(rate)}% certified ({certified}/{carers})",
        ),
        Text(
            f"持证保育人员 {certified} ÷ 保育人员 {carers} × 100% = {fmt(rate)}%；要求不低于 {need}%：{'是' if passed else '否'}",
            f"{certified} ÷ {carers} × 100% = {fmt(rate)}%; required at least {need}%: {'yes' if passed else 'no'}",
        ),
        tuple(evidence),
    )
