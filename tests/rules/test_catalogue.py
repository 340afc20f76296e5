"""The catalogue itself: codes, predicates, cases, examples, overlays."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from facility_check.catalogue import CatalogueError, apply_overlay, chinese_number, load, load_base
from facility_check.rules import REGISTRY
from tests.helpers import BASE_AS_OF, ROOT, apply_case, base_record, find, merge_patch, run_record

CASES_DIR = Path(__file__).parent / "cases"
CATALOGUE = load_base()
CHECKED = [a for a in CATALOGUE.articles if a.checked]


def test_codes_unique_and_well_formed() -> None:
    names = [n for a in CATALOGUE.articles for n in (a.code, *a.aliases)]
    assert len(names) == len(set(names))
    for a in CATALOGUE.articles:
        if a.document.id in ("setup", "management"):
            assert a.code == f"{a.document.code_prefix}-{a.article}", a.code
        else:
            # clause number, a letter for parts of one clause, -R for its recommended part, or a
            # word naming a sub-requirement (DES-JGJ39-4.1.11-HANDRAIL)
            assert re.fullmatch(r"DES-(JGJ39|GB50016|GB50223)-[0-9.]+[AB]?(-R|-[A-Z]+)?", a.code), a.code


def test_both_standards_complete() -> None:
    setup = sorted(a.article for a in CATALOGUE.of("setup") if a.article is not None)
    management = sorted(a.article for a in CATALOGUE.of("management") if a.article is not None)
    assert setup == list(range(1, 23))
    assert management == list(range(1, 44))


def test_counted_articles_match_the_digest() -> None:
    counted_setup = [a.article for a in CATALOGUE.of("setup") if a.counts]
    counted_management = [a.article for a in CATALOGUE.of("management") if a.counts]
    assert counted_setup == list(range(11, 22))  # 11 articles: at most 1.1 lost
    assert counted_management == [4, *range(6, 39)]  # 34 articles


def test_every_checked_article_has_a_registered_predicate_and_back() -> None:
    used = {a.predicate for a in CHECKED}
    for a in CHECKED:
        assert a.predicate in REGISTRY, a.code
    assert set(REGISTRY) == used, f"predicates without an article: {set(REGISTRY) - used}"
    for a in CATALOGUE.articles:
        if not a.checked:
            assert a.predicate is None and not a.counts, a.code


def test_every_predicate_is_documented() -> None:
    for name, fn in REGISTRY.items():
        assert fn.__doc__ and fn.__doc__.strip(), name


def test_every_checked_article_has_a_passing_and_a_failing_case() -> None:
    for a in CHECKED:
        path = CASES_DIR / f"{a.code}.yaml"
        assert path.is_file(), f"no cases for {a.code}"
        expects = {c["expect"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]}
        assert expects & {"met", "not_applicable"}, f"{a.code} has no passing case"
        assert "unmet" in expects, f"{a.code} has no failing case"
    extra = {p.stem for p in CASES_DIR.glob("*.yaml")} - {a.code for a in CHECKED}
    assert not extra, f"case files without an article: {extra}"


@pytest.mark.parametrize("article", CHECKED, ids=lambda a: a.code)
def test_explain_examples_are_true(article) -> None:  # type: ignore[no-untyped-def]
    """The examples `explain` prints really are compliant and non-compliant."""
    assert article.examples is not None
    haz = [str(ROOT / "samples/hazards/heping-hazards.geojson")] if article.code == "SET-12" else None
    good = run_record(apply_case(base_record(), article.examples["compliant"]), as_of=BASE_AS_OF, hazards=haz)
    bad = run_record(
        apply_case(base_record(), article.examples["noncompliant"]), as_of=BASE_AS_OF, hazards=haz
    )
    assert str(find(good, article.code).status) in ("met", "not_applicable")
    assert str(find(bad, article.code).status) == "unmet"


def test_citations() -> None:
    assert CATALOGUE.get("SET-19").citation().zh == "《托育机构设置标准（试行）》第十九条"
    assert CATALOGUE.get("MGT-32").citation().zh == "《托育机构管理规范（试行）》第三十二条"
    assert "强制性条文" in CATALOGUE.get("DES-JGJ39-4.1.9").citation().zh
    assert [chinese_number(n) for n in (1, 10, 11, 20, 21, 38, 100, 110)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "三十八",
        "一百",
        "一百一十",
    ]


def _overlay(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_overlay_changes_a_parameter_and_is_named(tmp_path: Path) -> None:
    path = _overlay(
        tmp_path,
        "overlay: 1\nname: 沈阳测试规则\nparameters:\n  SET-20:\n    mixed_ratio: {value: 6, source: 地方规则 1:6}\n",
    )
    cat = apply_overlay(CATALOGUE, path)
    assert cat.get("SET-20").parameters["mixed_ratio"].value == 6
    assert cat.overlay is not None and len(cat.overlay.sha256) == 64
    record = merge_patch(base_record(), {})
    record["classes"][2] = {
        "id": "C3",
        "type": "mixed",
        "min_age_months": 18,
        "max_age_months": 36,
        "enrolled": 18,
        "carers": 3,
    }
    national = run_record(record, as_of=BASE_AS_OF)
    local = run_record(record, as_of=BASE_AS_OF, catalogue=cat)
    assert str(find(national, "SET-20").status) == "unmet"  # 1:5 → 4 carers
    assert str(find(local, "SET-20").status) == "met"  # 1:6 → 3 carers
    assert local.overlay is not None and local.to_dict("zh")["overlay"]["name"] == "沈阳测试规则"


def test_overlay_disables_an_article(tmp_path: Path) -> None:
    path = _overlay(
        tmp_path, "overlay: 1\nname: t\ndisable:\n  - {code: MGT-14, reason: 本地不要求家长委员会}\n"
    )
    cat = apply_overlay(CATALOGUE, path)
    report = run_record(
        merge_patch(base_record(), {"systems": {"parents_committee": {"in_place": False}}}),
        as_of=BASE_AS_OF,
        catalogue=cat,
    )
    assert "MGT-14" not in {r.code for r in report.articles}
    assert report.scores["management"].score == 5


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("overlay: 1\nname: t\nparameters:\n  SET-99:\n    x: {value: 1, source: s}\n", "SET-99"),
        (
            "overlay: 1\nname: t\nparameters:\n  SET-20:\n    mixed_ration: {value: 6, source: s}\n",
            "mixed_ration",
        ),
        ("overlay: 1\nname: t\nparameters:\n  SET-20:\n    ratios: {value: 6, source: s}\n", "ratios"),
        ("overlay: 1\nname: t\nunknown_section: 1\n", "unknown_section"),
        ("overlay: 2\nname: t\n", "overlay"),
        (
            "overlay: 1\nname: t\narticles:\n  - {document: setup, code: SET-90, chapter: x, title: x, title_en: x, requirement: x, binds: facility, counts: true, kind: automatic, text_status: recalled, predicate: no_such_predicate, examples: {compliant: {}, noncompliant: {}}}\n",
            "no_such_predicate",
        ),
        ("overlay: 1\nname: t\nparameters: [\n", "YAML"),
        ("overlay: 1\nname: t\nsiting:\n  petrol_station: {value: 60, source: s}\n", "petrol_station"),
        ("overlay: 1\nname: !!python/object/apply:os.system [echo]\n", "YAML"),
    ],
)
def test_broken_overlays_are_clear_errors(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(CatalogueError) as info:
        apply_overlay(CATALOGUE, _overlay(tmp_path, text))
    assert any(words in p.message.en or words in p.path for p in info.value.problems), [
        p.message.en for p in info.value.problems
    ]


def test_overlay_adds_a_local_article(tmp_path: Path) -> None:
    text = """overlay: 1
name: 本地附加条款
articles:
  - document: management
    code: MGT-101
    chapter: 地方规则
    title: 本地户外活动时间
    title_en: Local outdoor time
    requirement: 户外活动不少于 3 小时
    binds: facility
    counts: true
    kind: automatic
    text_status: confirmed
    predicate: outdoor_time
    parameters: {min_minutes: {value: 180, source: 地方规则}}
    examples: {compliant: {patch: {operations: {outdoor_minutes_per_day: 180}}}, noncompliant: {}}
"""
    cat = apply_overlay(CATALOGUE, _overlay(tmp_path, text))
    report = run_record(base_record(), as_of=BASE_AS_OF, catalogue=cat)
    local = find(report, "MGT-101")
    assert str(local.status) == "unmet" and local.article.origin == "本地附加条款"
    assert report.scores["management"].score == Decimal("4.9")


def test_sample_overlay_is_valid() -> None:
    cat = load("samples/overlays/shenyang-local.yaml")
    assert cat.overlay is not None


def _raw_entries() -> list[dict[str, object]]:
    from facility_check.catalogue import CATALOGUE_FILES
    from facility_check.resources import data_dir

    entries: list[dict[str, object]] = []
    for name in CATALOGUE_FILES:
        entries += yaml.safe_load((data_dir("standards") / name).read_text(encoding="utf-8"))["articles"]
    return entries


def test_every_parameter_says_what_kind_of_source_it_has() -> None:
    for entry in _raw_entries():
        for name, p in (entry.get("parameters") or {}).items():  # type: ignore[attr-defined]
            where = f"{entry['code']}.{name}"
            assert "basis" in p, f"{where} has no basis"
            if p["basis"] == "project_default":
                assert "项目" in p["source"], f"{where}: a project default must say so in its source"
            if p["source"].startswith("项目约定"):
                assert p["basis"] == "project_default", f"{where} is a project rule"
            if "WS/T 821" in p["source"] and p["basis"] == "recommended_standard":
                assert "推荐" in p["source"], f"{where}: say that WS/T 821 is a recommended standard"


def test_text_status_matches_the_evidence_found() -> None:
    """evidence.md: no official copy of the management norms; SET-6..10 found nowhere."""
    by_code = {a.code: a for a in CATALOGUE.articles}
    assert not [a.code for a in CATALOGUE.of("management") if a.text_status == "confirmed"]
    for n in range(6, 11):
        assert by_code[f"SET-{n}"].text_status == "recalled"
    for code in ("SET-11", "SET-12"):
        assert by_code[code].text_status == "confirmed" and by_code[code].evidence
    assert "第十二条" in by_code["SET-21"].parameters["full_time_health_from_children"].source
    assert by_code["SET-21"].parameters["full_time_health_from_children"].basis == "regulation"
    assert by_code["MGT-23"].parameters["observation_room_min_m2"].basis == "recommended_standard"
    assert "未成年人保护法" in by_code["MGT-35"].parameters["criminal_record_check"].source
    assert by_code["MGT-31"].parameters["drill_max_age_days"].basis == "project_default"
    older = by_code["DES-JGJ39-4.2.3"].parameters["areas_m2"].value["older"]
    assert older["combined"] == 120 and older["storage"] == 9
    for a in CATALOGUE.articles:  # confirmed: two or more independent copies of the text
        if a.text_status == "confirmed":
            copies = len(re.findall(r"\[[A-Z]\]", a.evidence or "")) + (
                2 if re.search("[两三]份", a.evidence or "") else 0
            )
            assert copies >= 2, f"{a.code} is confirmed on {a.evidence!r}"
    for a in CATALOGUE.articles:
        if a.text_status == "probable" and a.document.id == "management":
            assert a.evidence, f"{a.code}: say which secondary source the number rests on"


def test_explain_shows_each_parameters_source_and_basis() -> None:
    from facility_check.render.catalogue import explain_text

    for a in CATALOGUE.articles:
        text = explain_text(a, CATALOGUE, "zh")
        for name, p in a.parameters.items():
            line = next(x for x in text.splitlines() if x.strip().startswith(f"{name} = "))
            assert p.source in line and f"[{p.basis_label('zh')}]" in line, line
        if a.evidence:
            assert f"文本核对: {a.evidence}" in text


def test_an_unverified_sentence_is_a_parameter_an_overlay_can_drop(tmp_path: Path) -> None:
    """SET-19's 'own living unit' sentence is seen only in local texts: its parameter says so."""
    path = _overlay(
        tmp_path,
        "overlay: 1\nname: 测试\nparameters:\n  SET-19:\n"
        "    own_unit_required: {value: false, source: 本地未采用该句}\n",
    )
    record = apply_case(base_record(), {"set": {"$.classes[1].shares_unit_with": ["C1"]}})
    assert str(find(run_record(record, as_of=BASE_AS_OF), "SET-19").status) == "unmet"
    local = run_record(record, as_of=BASE_AS_OF, catalogue=apply_overlay(CATALOGUE, path))
    assert str(find(local, "SET-19").status) == "met"
    assert local.to_dict("zh") is not None
    parameter = apply_overlay(CATALOGUE, path).get("SET-19").parameters["own_unit_required"]
    assert parameter.basis == "local_rule" and parameter.overlay == "测试"
