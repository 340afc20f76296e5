"""Shared pieces of the renderers: labels in both languages, JSON dumping, Markdown→HTML."""

from __future__ import annotations

import html
import json
import re
from typing import Any

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "report_title": "托育机构检查报告",
        "facility": "机构",
        "facility_id": "机构编号",
        "uscc": "统一社会信用代码",
        "address": "地址",
        "division_code": "行政区划代码",
        "source": "记录来源",
        "as_of": "参考日期",
        "as_of.inspection": "检查日期",
        "as_of.as-of": "--as-of 指定",
        "as_of.none": "未提供（与日期相关的条款为“未知”）",
        "scores": "得分",
        "score_rule": "每条未落实扣 0.1 分，事实缺失（未知）按未落实计",
        "setup": "设置标准",
        "management": "管理规范",
        "design": "建筑设计",
        "siting": "选址安全",
        "unmet": "不符合",
        "unknown": "未知",
        "met": "符合",
        "not_applicable": "不适用",
        "best_case": "若未知项均符合（仅供参考）",
        "assumed": "以下得分假定未知项均符合，仅为机构自查的最好情况，不是检查结论",
        "basis": "依据",
        "parameters": "参数及来源",
        "facts": "事实",
        "verdict.compliant": "符合",
        "verdict.noncompliant": "不符合",
        "verdict.unknown": "无法判断",
        "siting.none": "未检查（未提供危险源图层 --hazards）",
        "design.failed": "不符合的条款",
        "design.warnings": "建议性条款（宜）未满足，不影响得分",
        "design.missing": "缺少的事实",
        "overlay": "地方规则",
        "inspector": "检查人",
        "signature": "检查人签字：______________　　机构负责人签字：______________　　日期：__________",
        "rejected": "无法评估的记录",
        "problems": "问题",
        "valid": "有效",
        "invalid": "无效",
        "warnings": "警告",
        "records": "条记录",
        "articles": "条款",
        "status": "结论",
        "not_counted": "不计分",
        "title": "标题",
        "code": "代码",
        "expected": "应为",
        "found": "实际",
        "todo": "需要处理的事项",
        "todo.unmet": "需整改",
        "todo.unknown": "需补充材料/事实",
        "todo.design": "建筑设计问题",
        "todo.none": "没有需要处理的事项。",
        "hazards": "危险源",
        "layers": "已检查的图层",
        "measured_from": "测量起点",
        "measured_from.site_boundary": "场地边界",
        "measured_from.point": "定位点",
        "distance": "距离",
        "required": "要求",
        "pass": "通过",
        "fail": "不通过",
    },
    "en": {
        "report_title": "Childcare facility inspection report",
        "facility": "Facility",
        "facility_id": "Facility id",
        "uscc": "Unified social credit code",
        "address": "Address",
        "division_code": "Division code",
        "source": "Record source",
        "as_of": "Reference date",
        "as_of.inspection": "inspection date",
        "as_of.as-of": "given with --as-of",
        "as_of.none": "none (date rules are unknown)",
        "scores": "Scores",
        "score_rule": "each article not carried out deducts 0.1; missing facts (unknown) count as not carried out",
        "setup": "Setup standard",
        "management": "Management norms",
        "design": "Building design",
        "siting": "Siting",
        "unmet": "unmet",
        "unknown": "unknown",
        "met": "met",
        "not_applicable": "not applicable",
        "best_case": "if every unknown were met (for reference)",
        "assumed": "Scores below assume every unknown is met: the provider's best case, not an inspection verdict",
        "basis": "Basis",
        "parameters": "Parameters and their sources",
        "facts": "Facts",
        "verdict.compliant": "compliant",
        "verdict.noncompliant": "noncompliant",
        "verdict.unknown": "unknown",
        "siting.none": "not checked (no hazard layers given with --hazards)",
        "design.failed": "Clauses not met",
        "design.warnings": "Recommended clauses not met (warnings, no deduction)",
        "design.missing": "Missing facts",
        "overlay": "Local rules",
        "inspector": "Inspector",
        "signature": "Inspector: ______________    Director: ______________    Date: __________",
        "rejected": "Records that could not be evaluated",
        "problems": "problems",
        "valid": "valid",
        "invalid": "invalid",
        "warnings": "warnings",
        "records": "records",
        "articles": "Articles",
        "status": "Status",
        "not_counted": "not counted",
        "title": "Title",
        "code": "Code",
        "expected": "expected",
        "found": "found",
        "todo": "What to do",
        "todo.unmet": "Fix",
        "todo.unknown": "Supply evidence / facts",
        "todo.design": "Building design",
        "todo.none": "Nothing to do.",
        "hazards": "Hazards",
        "layers": "Layers checked",
        "measured_from": "Measured from",
        "measured_from.site_boundary": "site boundary",
        "measured_from.point": "location point",
        "distance": "distance",
        "required": "required",
        "pass": "pass",
        "fail": "FAIL",
    },
}

STATUS_MARK = {"met": "✓", "unmet": "✗", "unknown": "?", "not_applicable": "–"}

# Chinese labels of the record's fields (schemas/facility.schema.json), for the reports people
# read; the JSON path stays the key in JSON output and is shown beside the label as a hint.
FIELD_ZH: dict[str, str] = {
    "abuse_prevention": "法治和职业道德教育、虐童零容忍制度",
    "activity_plan": "活动计划",
    "address": "地址",
    "admission_records_complete": "入托登记资料齐全人数",
    "age_appropriate_furnishings": "家具玩具适龄安全",
    "agreements_signed": "签订托育服务协议人数",
    "alarm_connected": "报警系统设防",
    "annual_work_plan": "年度工作计划",
    "anti_climb": "梯井防攀滑措施",
    "anti_pinch_doors": "防夹手门",
    "area_m2": "面积（m²）",
    "attestations": "核查结论",
    "attested": "核查结论",
    "authority": "机关",
    "baluster_spacing_m": "栏杆净距（m）",
    "bar_spacing_m": "栏杆净距（m）",
    "beds": "床位数",
    "building": "建筑",
    "completed_year": "建成年份",
    "floor_plan": "平面图",
    "security_proof": "技防/安防证明",
    "structural_safety_report": "房屋结构安全鉴定报告",
    "business_licence": "营业执照",
    "business_scope": "经营范围",
    "cancellation_filed": "已注销备案",
    "carers": "保育人员数",
    "certificate_number": "证书编号",
    "certificates": "证书",
    "change_refiled_date": "变更备案日期",
    "check_date": "查询日期",
    "checked": "已查询",
    "child_handrail_height_m": "幼儿扶手高度（m）",
    "children": "婴幼儿入托资料",
    "children_register": "在托婴幼儿名册",
    "class_id": "所属班级",
    "classes": "班级",
    "commitment_letter": "备案承诺书",
    "completed_date": "完成日期",
    "corner_protection": "防撞护角",
    "covers_all_child_areas": "覆盖全部婴幼儿区域",
    "criminal_record_check": "无犯罪记录查询",
    "daily_care_records": "照护记录与反馈",
    "daily_routine": "一日生活安排",
    "dense_urban_rebuild": "城市密集区改扩建",
    "disinfection": "卫生消毒制度",
    "division_code": "行政区划代码",
    "documents": "证照材料",
    "domestic_violence_reporting": "家庭暴力报告程序",
    "doors": "门",
    "drinking_water_safe": "饮用水卫生安全",
    "education": "学历",
    "emergency_drills": "应急演练",
    "emergency_plans": "应急预案",
    "employment": "专职/兼职",
    "enrolled": "在托人数",
    "entry_health_check_passed": "入托体检合格人数",
    "equipment_present": "游戏设施",
    "evidence_ref": "佐证材料编号",
    "evidence_refs": "佐证材料编号",
    "filed": "已备案",
    "filed_address": "备案地址",
    "filed_capacity": "备案收托规模",
    "filed_date": "备案日期",
    "filed_director": "备案负责人",
    "filed_name": "备案名称",
    "filing": "备案",
    "fire_equipment_maintenance": "消防设施维护管理",
    "fire_resistance_grade": "耐火等级",
    "fire_safety_manager": "消防安全管理人",
    "fire_safety_pass": "消防安全检查合格证明",
    "floor": "楼层",
    "fly_screens": "纱窗",
    "food_licence": "食品经营许可证",
    "guard_height_m": "防护高度（m）",
    "guard_rails": "防护栏杆",
    "handrails_both_sides": "两侧幼儿扶手",
    "has_threshold": "门槛",
    "health_care": "卫生保健制度",
    "health_checks": "健康检查",
    "height_m": "高度（m）",
    "high_rise": "高层建筑",
    "hours_per_day": "每日运行小时数",
    "hygiene_evaluation": "卫生评价报告",
    "in_place": "已建立",
    "incidents": "安全事故与满意度",
    "independent_exits": "独立安全出口",
    "independent_stairs": "独立疏散楼梯",
    "infant_care_experience": "婴幼儿照护经验",
    "inspection": "检查",
    "inspection_date": "检查日期",
    "inspector": "检查人",
    "inward_opening_below_1_8m": "1.80 m 以下内开窗扇",
    "issued_date": "发证日期",
    "labour_contract": "劳动合同",
    "last_annual_date": "最近一次年度体检日期",
    "last_annual_report_year": "最近报送年度报告的年度",
    "last_date": "最近一次日期",
    "latitude": "纬度",
    "lease_end": "租赁到期日",
    "lease_start": "租赁起始日",
    "location": "位置",
    "longitude": "经度",
    "maintenance_last_date": "最近一次检查维护日期",
    "management_years": "管理工作年限",
    "materials_test": "室内空气/材料检测",
    "max_age_months": "最大月龄",
    "meals": "膳食",
    "mental_illness_history": "精神病史",
    "min_age_months": "最小月龄",
    "monitoring": "视频监控",
    "morning_noon_checks": "晨午检",
    "name": "名称",
    "on_duty": "在岗",
    "opens_in_escape_direction": "向疏散方向开启",
    "operations": "运营情况",
    "operator_type": "举办方式",
    "outdoor": "室外活动场地",
    "outdoor_minutes_per_day": "每日户外活动分钟数",
    "parent_contact": "家长联系制度",
    "parents_committee": "家长委员会",
    "passed": "合格",
    "pick_up": "接送制度",
    "pre_employment_date": "上岗前体检日期",
    "premises": "场地",
    "premises_proof": "场地证明",
    "present": "持有",
    "protection_present": "安全防护",
    "public_disclosure": "公示信息",
    "receipt_number": "备案回执编号",
    "record_of_harming_children": "侵害婴幼儿记录",
    "registered_date": "登记日期",
    "registration": "登记",
    "responsive_stimulation": "适宜刺激",
    "result": "结论",
    "retention_days": "录像保存天数",
    "returned_after_3_months_unchecked": "离托 3 个月以上返回未复检人数",
    "riser_m": "踏步高度（m）",
    "role": "岗位",
    "room_id": "房间",
    "rooms": "房间",
    "safe_premises_and_storage": "场所安全与危险物品存放",
    "safety": "安全防护设施",
    "safety_accidents": "安全事故数",
    "safety_glass_below_1_2m": "1.20 m 以下安全玻璃",
    "safety_management": "安全管理与隐患排查制度",
    "safety_training": "定期安全培训",
    "sample_retention": "食品留样",
    "satisfaction_percent": "满意度（%）",
    "security_company_licensed": "由持证保安公司派驻",
    "security_equipment": "安防设备",
    "seismic_category": "抗震设防类别",
    "semi_basement": "半地下室",
    "serves_meals": "提供餐食",
    "service_types": "服务类型",
    "shares_unit_with": "共用生活单元",
    "sick_isolation": "病儿隔离制度",
    "sill_height_m": "窗台高度（m）",
    "site_boundary": "场地边界",
    "site_environment": "场地环境条件",
    "special_diet_records": "特殊喂养记录",
    "staff": "人员",
    "stairs": "楼梯",
    "standalone": "独立建筑",
    "start_date": "入职日期",
    "status": "运营状态",
    "storeys_above_ground": "地上层数",
    "substantiated_maltreatment_incidents": "查实的虐待体罚事件数",
    "systems": "管理制度",
    "tenure": "产权/租赁",
    "test_date": "检测日期",
    "trainings": "培训",
    "tread_m": "踏步宽度（m）",
    "type": "类型",
    "uscc": "统一社会信用代码",
    "uses_public_space": "利用附近公共场地",
    "vaccination_checked": "查验预防接种人数",
    "valid_until": "有效期至",
    "vertical_bars": "垂直杆件",
    "weekly_menus": "每周带量食谱",
    "well_width_m": "梯井净宽（m）",
    "winding_steps": "扇形/螺旋踏步",
    "windows": "窗户",
    "winter_sunlight_hours": "冬至日日照小时数",
}


def fact_label(path: str, lang: str) -> str:
    """A fact's name for people: ``$.staff[3].health_checks.passed`` → 人员第4项 › 健康检查 › 合格."""
    parts: list[str] = []
    for token in re.findall(r"[^.\[\]$]+|\[\d+\]", path):
        if token.startswith("["):
            index = int(token[1:-1]) + 1
            if parts:
                parts[-1] += f"第{index}项" if lang == "zh" else f" #{index}"
            continue
        parts.append(FIELD_ZH.get(token, token) if lang == "zh" else token.replace("_", " "))
    if not parts:
        return "整条记录" if lang == "zh" else "the whole record"
    return " › ".join(parts)


def fact_with_hint(path: str, lang: str) -> str:
    """The label, with the JSON path as a hint: 人员第4项 › 健康检查 › 合格（$.staff[3].health_checks.passed）."""
    return f"{fact_label(path, lang)}（{path}）" if lang == "zh" else f"{fact_label(path, lang)} ({path})"


def label(lang: str, key: str) -> str:
    return LABELS.get(lang, LABELS["zh"]).get(key, key)


def dump_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, UTF-8 text, trailing newline."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides/isolates that
# can make a terminal or an editor show text in an order other than the one stored.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    # the JSON escape: readable in text, and the same character again inside a JSON string
    return f"\\u{ord(match.group()):04x}"


def neutralise(text: object, *, newlines: bool = True) -> str:
    """Text with control characters shown as escapes (``\\u001b``) instead of acting on a terminal.

    The one escaping helper of every output: ESC, BEL, NUL … in a facility name reach no terminal
    raw. ``newlines=False`` also escapes line breaks, for a value that must stay on its line (a
    name in a text report cannot forge the next line). Spreadsheet and Markdown cells use it too
    (``spreadsheet_cell``, ``md_cell``).
    """
    return (_CONTROL if newlines else _CONTROL_OR_NEWLINE).sub(_visible, str(text))


# OWASP CSV injection: a cell starting with one of these is read as a formula by spreadsheet
# programs (=, +, - and @ start formulas; tab and carriage return can hide them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def spreadsheet_cell(value: object) -> str:
    """Text for a CSV or XLSX cell: never a live formula (a leading ``'`` makes it text)."""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        text = "'" + text
    return neutralise(text, newlines=False)


def md_cell(value: object) -> str:
    """Text safe inside Markdown: HTML escaped (no live ``<script>``), table pipes escaped, one line."""
    text = html.escape(str(value), quote=False).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ")
    return neutralise(text, newlines=False)


def esc(text: object) -> str:
    return neutralise(html.escape(str(text), quote=True))


HTML_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #999; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #eee; }
.unmet { color: #b00020; font-weight: bold; }
.unknown { color: #8a6d00; }
.met { color: #1b5e20; }
.not_applicable { color: #777; }
.sign { margin-top: 3em; }
@media print { body { margin: 1cm; } }
"""


def html_page(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
