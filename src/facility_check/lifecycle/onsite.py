"""On-site answers: what an inspector confirmed during a visit, applied to a check report.

An answer (``met`` / ``unmet`` / ``not_applicable`` with an optional note) replaces the record's
verdict of that article: the article keeps the record's evidence and gains one on-site check that
decides it. Scores are recomputed by ``engine.standard_scores`` (``scoring.facility_score``);
nothing is counted by hand here. Answers apply to the checked articles of the scored standards
(设置标准, 管理规范) only: design clauses feed other articles during evaluation, so overriding
one afterwards would leave those stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..catalogue import Catalogue
from ..engine import SCORED_STANDARDS, standard_scores
from ..pipeline import InputError
from ..problems import Problem, Text
from ..report import ArticleResult, FacilityReport
from ..rules.base import Check, Status
from .documents import problem

ANSWER_STATUSES = (Status.met, Status.unmet, Status.not_applicable)
MAX_NOTE = 2000
_STATUS_ZH = {Status.met: "符合", Status.unmet: "不符合", Status.not_applicable: "不适用"}
_STATUS_EN = {Status.met: "met", Status.unmet: "not met", Status.not_applicable: "not applicable"}


@dataclass(frozen=True)
class Answer:
    status: Status
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"status": str(self.status), "note": self.note}


def parse_answers(value: Any, catalogue: Catalogue, source: str = "answers") -> dict[str, Answer]:
    """Answers as sent (``{CODE: {"status": …, "note": …}}``), checked against the catalogue.

    Every problem is located (``$.answers.CODE.status``) and raised together as
    :class:`InputError`; nothing is applied when one answer is wrong."""
    if value is None:
        return {}
    problems: list[Problem] = []
    if not isinstance(value, Mapping):
        raise InputError(
            [
                problem(
                    source, "$.answers", "answers.type", "应为对象（条款编号 → 答复）", "expected an object"
                )
            ]
        )
    known = {a.code for a in catalogue.active() if a.checked and a.document.id in SCORED_STANDARDS}
    out: dict[str, Answer] = {}
    for code, raw in sorted(value.items()):
        path = f"$.answers.{code}"
        if code not in known:
            problems.append(
                problem(
                    source,
                    path,
                    "answers.unknown_article",
                    f"未知的条款编号 {code}（现场结论只用于设置标准和管理规范中逐机构检查的条款）",
                    f"unknown article code {code} (on-site answers apply to the checked articles of the setup standard and the management norms)",
                )
            )
            continue
        if not isinstance(raw, Mapping):
            problems.append(problem(source, path, "answers.type", "应为对象", "expected an object"))
            continue
        extra = sorted(set(raw) - {"status", "note"})
        if extra:
            problems.append(
                problem(
                    source,
                    f"{path}.{extra[0]}",
                    "answers.unknown_field",
                    "只允许 status 和 note",
                    "only status and note are allowed",
                )
            )
        status = raw.get("status")
        allowed = [str(s) for s in ANSWER_STATUSES]
        if status not in allowed:
            problems.append(
                problem(
                    source,
                    f"{path}.status",
                    "answers.status",
                    "应为 met、unmet 或 not_applicable",
                    "expected met, unmet or not_applicable",
                    expected=" | ".join(allowed),
                    found=repr(status),
                )
            )
            continue
        note = raw.get("note", "")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            problems.append(
                problem(
                    source,
                    f"{path}.note",
                    "answers.note",
                    f"备注应为不超过 {MAX_NOTE} 字的文本",
                    f"the note must be text of at most {MAX_NOTE} characters",
                )
            )
            continue
        out[code] = Answer(Status(status), note.strip())
    if problems:
        raise InputError(problems)
    return out


def _onsite_check(answer: Answer, inspector: str, when: str) -> Check:
    zh = f"现场核查（{inspector}，{when}）：{_STATUS_ZH[answer.status]}"
    en = f"confirmed on site ({inspector}, {when}): {_STATUS_EN[answer.status]}"
    if answer.note:
        zh += f"；备注：{answer.note}"
        en += f"; note: {answer.note}"
    return Check(answer.status, Text(zh, en), ())


def _apply(result: ArticleResult, answers: Mapping[str, Answer], inspector: str, when: str) -> ArticleResult:
    answer = answers.get(result.code)
    if answer is None:
        return result
    return ArticleResult(
        result.article, answer.status, (*result.checks, _onsite_check(answer, inspector, when))
    )


def apply_answers(
    report: FacilityReport, answers: Mapping[str, Answer], *, inspector: str, when: str
) -> FacilityReport:
    """The report of the visit: the on-site answers decide their articles, scores are recomputed,
    and the record's inspector and inspection date are those of the visit."""
    meta = {**report.facility_meta, "inspector": inspector, "inspection_date": when}
    # evaluated as of the visit: the reference date is the inspection's
    source = (
        "inspection" if report.as_of is not None and report.as_of.isoformat() == when else report.as_of_source
    )
    if not answers:
        return replace(report, facility_meta=meta, as_of_source=source)
    articles = tuple(_apply(r, answers, inspector, when) for r in report.articles)
    return replace(
        report,
        facility_meta=meta,
        as_of_source=source,
        articles=articles,
        scores=standard_scores(articles),
    )
