"""Inspections: on-site answers applied to the stored record (``lifecycle.apply_answers``), the
report as issued, sign-off, evidence files, notices, re-inspections and the history.

No rule or score logic here: the core evaluates, applies the answers and scores; this module
stores and retrieves, and lays out the score series for the history chart."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ... import pipeline
from ...catalogue import Catalogue
from ...engine import Options
from ...lifecycle import (
    Answer,
    apply_answers,
    build_notice,
    compare_all,
    days_policy,
    load_earlier_bytes,
    parse_answers,
)
from ...loading import iter_bytes
from ...pipeline import InputError
from ...problems import Problem, Text
from ...render.facility import FACILITY_REPORTERS
from ...render.lifecycle import NOTICE_REPORTERS
from ...report import FacilityReport
from ...siting import SitingIndex
from ..db.models import EvidenceFile, FacilityRow, Inspection
from ..db.session import Store
from .facilities import StoredRecord, history, now, safe_filename
from .memo import Memo

SOURCE = "inspection"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NOTICE_DAYS = 30
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


class SignedOff(Exception):
    """The inspection is signed off: nothing of it changes any more."""


@dataclass(frozen=True)
class StoredInspection:
    id: int
    facility_pk: int
    record_version: int
    date: str
    inspector: str
    answers: dict[str, Any]
    report: dict[str, Any]
    report_json: str
    created_at: datetime
    signed_off_at: datetime | None
    evidence: tuple[dict[str, Any], ...]

    @property
    def first(self) -> dict[str, Any]:
        """The facility's report (``check`` prints one report bare, several under ``reports``)."""
        reports = self.report.get("reports")
        first: dict[str, Any] = reports[0] if isinstance(reports, list) and reports else self.report
        return first

    @property
    def scores(self) -> dict[str, Any]:
        scores: dict[str, Any] = self.first.get("scores", {})
        return scores

    @property
    def statuses(self) -> dict[str, str]:
        return {a["code"]: a["status"] for a in self.first.get("articles", [])}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "facility": self.facility_pk,
            "record_version": self.record_version,
            "date": self.date,
            "inspector": self.inspector,
            "answers": self.answers,
            "report": self.report,
            "created_at": self.created_at.isoformat() + "Z",
            "signed_off": self.signed_off_at is not None,
            "signed_off_at": self.signed_off_at.isoformat() + "Z" if self.signed_off_at else None,
            "evidence": list(self.evidence),
        }


def _located(path: str, zh: str, en: str) -> InputError:
    return InputError([Problem(SOURCE, path, "inspection.field", Text(zh, en))])


def parse_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise _located("$.date", "应为日期 YYYY-MM-DD", "expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _located("$.date", "不是有效日期", "not a valid date") from None


def parse_inspector(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _located("$.inspector", "应填写检查人（不超过 200 字）", "expected the inspector's name")
    return value.strip()


def evaluate(
    record_text: str,
    source: str,
    catalogue: Catalogue,
    index: SitingIndex | None,
    when: date,
    inspector: str,
    answers: dict[str, Answer],
) -> list[FacilityReport]:
    """``check --as-of <visit date>`` of the record, with the on-site answers applied."""
    records = pipeline.validate_loaded(iter_bytes(record_text.encode("utf-8"), source), None)
    reports = pipeline.evaluate_records(records, catalogue, Options(as_of=when), index)
    return [apply_answers(r, answers, inspector=inspector, when=when.isoformat()) for r in reports]


def record(
    store: Store,
    catalogue: Catalogue,
    index: SitingIndex | None,
    facility_pk: int,
    body: Any,
    lang: str,
) -> StoredInspection:
    """Validate the request (every problem located), evaluate, store the report as issued."""
    if not isinstance(body, dict):
        raise _located("$", "应为 JSON 对象", "expected a JSON object")
    problems: list[Problem] = []
    parsed: dict[str, Any] = {}
    for key, parse in (("date", parse_date), ("inspector", parse_inspector)):
        try:
            parsed[key] = parse(body.get(key))
        except InputError as exc:
            problems += exc.problems
    try:
        answers = parse_answers(body.get("answers", {}), catalogue, SOURCE)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    versions = history(store, facility_pk)
    if not versions:
        raise LookupError(facility_pk)
    latest = versions[-1]
    reports = evaluate(
        latest.text, latest.source, catalogue, index, parsed["date"], parsed["inspector"], answers
    )
    report_json = FACILITY_REPORTERS["json"]().render(reports, [], lang)
    answers_json = json.dumps(
        {k: v.to_dict() for k, v in sorted(answers.items())}, ensure_ascii=False, sort_keys=True
    )
    with store.write() as session:
        row = Inspection(
            facility_pk=facility_pk,
            record_version=latest.version,
            date=parsed["date"].isoformat(),
            inspector=parsed["inspector"],
            answers_json=answers_json,
            report_json=report_json,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        pk = row.id
    found = get(store, pk)
    assert found is not None
    return found


def _view(row: Inspection) -> StoredInspection:
    return StoredInspection(
        id=row.id,
        facility_pk=row.facility_pk,
        record_version=row.record_version,
        date=row.date,
        inspector=row.inspector,
        answers=json.loads(row.answers_json),
        report=json.loads(row.report_json),
        report_json=row.report_json,
        created_at=row.created_at,
        signed_off_at=row.signed_off_at,
        evidence=tuple(
            {"id": e.id, "name": e.name, "sha256": e.sha256, "size": e.size} for e in row.evidence
        ),
    )


def get(store: Store, inspection_pk: int) -> StoredInspection | None:
    with store.read() as session:
        row = session.get(Inspection, inspection_pk)
        return _view(row) if row is not None else None


def listing(store: Store, facility_pk: int) -> list[StoredInspection]:
    """Every inspection of a facility, newest first (visit date, then the order recorded)."""
    with store.read() as session:
        rows = session.scalars(
            select(Inspection)
            .where(Inspection.facility_pk == facility_pk)
            .order_by(Inspection.date.desc(), Inspection.id.desc())
        )
        return [_view(r) for r in rows]


def sign_off(store: Store, inspection_pk: int) -> StoredInspection:
    with store.write() as session:
        row = session.get(Inspection, inspection_pk)
        if row is None:
            raise LookupError(inspection_pk)
        if row.signed_off_at is None:
            row.signed_off_at = now()
    found = get(store, inspection_pk)
    assert found is not None
    return found


def add_evidence(store: Store, data_dir: Path, inspection_pk: int, filename: str | None, data: bytes) -> None:
    """Keep a photo or scan with an unsigned inspection (content-addressed, safe name)."""
    if len(data) > MAX_EVIDENCE_BYTES:
        raise _located("$.file", "文件超过 20 MB", "file larger than 20 MB")
    name = safe_filename(filename, "evidence.bin")
    digest = hashlib.sha256(data).hexdigest()
    with store.write() as session:
        row = session.get(Inspection, inspection_pk)
        if row is None:
            raise LookupError(inspection_pk)
        if row.signed_off_at is not None:
            raise SignedOff(inspection_pk)
        suffix = (
            Path(name).suffix.lower()[:10]
            if re.fullmatch(r"\.[a-z0-9]{1,9}", Path(name).suffix.lower())
            else ""
        )
        relative = Path("evidence") / f"{digest}{suffix}"
        target = data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(data)
        session.add(
            EvidenceFile(inspection_pk=row.id, name=name, path=str(relative), sha256=digest, size=len(data))
        )


def evidence_file(
    store: Store, data_dir: Path, inspection_pk: int, evidence_pk: int
) -> tuple[str, bytes] | None:
    with store.read() as session:
        e = session.get(EvidenceFile, evidence_pk)
        if e is None or e.inspection_pk != inspection_pk:
            return None
        return e.name, (data_dir / e.path).read_bytes()


def rebuild(
    store: Store, catalogue: Catalogue, index: SitingIndex | None, inspection: StoredInspection
) -> list[FacilityReport]:
    """The inspection's report objects (for the printable record and the notice): the record
    version inspected, evaluated as of the visit, with the stored answers."""
    version = next(
        v for v in history(store, inspection.facility_pk) if v.version == inspection.record_version
    )
    answers = parse_answers(inspection.answers, catalogue, SOURCE)
    return evaluate(
        version.text,
        version.source,
        catalogue,
        index,
        date.fromisoformat(inspection.date),
        inspection.inspector,
        answers,
    )


def previous(store: Store, inspection: StoredInspection) -> StoredInspection | None:
    """The inspection of the same facility just before this one."""
    earlier = [
        i for i in listing(store, inspection.facility_pk) if (i.date, i.id) < (inspection.date, inspection.id)
    ]
    return earlier[0] if earlier else None


def with_since(reports: list[FacilityReport], earlier: StoredInspection) -> list[FacilityReport]:
    """The re-inspection: each report compared with the earlier inspection's report as issued."""
    return compare_all(
        reports, load_earlier_bytes(earlier.report_json.encode("utf-8"), f"inspection-{earlier.id}.json")
    )


def notice_html(reports: list[FacilityReport], lang: str) -> str:
    notices = [build_notice(r, days_policy(NOTICE_DAYS)) for r in reports]
    return NOTICE_REPORTERS["html"]().render(notices, lang)


@dataclass(frozen=True)
class Change:
    code: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    inspection: StoredInspection
    changes: tuple[Change, ...]  # against the inspection before it


def timeline(store: Store, facility_pk: int) -> list[HistoryEntry]:
    """Every inspection (newest first) with the articles whose status changed since the one before."""
    items = listing(store, facility_pk)
    out = []
    for i, item in enumerate(items):
        before = items[i + 1].statuses if i + 1 < len(items) else {}
        after = item.statuses
        changes = tuple(
            Change(code, before[code], after[code])
            for code in sorted(after)
            if code in before and before[code] != after[code]
        )
        out.append(HistoryEntry(item, changes))
    return out


@dataclass(frozen=True)
class Chart:
    """The score over time as SVG coordinates (the template only draws them)."""

    width: int
    height: int
    series: tuple[tuple[str, str, tuple[tuple[int, int, str, str], ...]], ...]  # standard, points, dots
    ticks: tuple[tuple[int, str], ...]


def chart(items: list[StoredInspection], width: int = 560, height: int = 200) -> Chart | None:
    ordered = sorted(items, key=lambda i: (i.date, i.id))
    if not ordered:
        return None
    pad, top = 40, 10
    span = max(1, len(ordered) - 1)
    series = []
    for std in ("setup", "management"):
        dots = []
        for n, item in enumerate(ordered):
            value = item.scores.get(std)
            if value is None:
                continue
            x = pad + (width - 2 * pad) * n // span if len(ordered) > 1 else width // 2
            y = top + int((Decimal(5) - Decimal(str(value))) / Decimal(5) * (height - top - 30))
            dots.append((x, y, item.date, str(value)))
        points = " ".join(f"{x},{y}" for x, y, _, _ in dots)
        series.append((std, points, tuple(dots)))
    ticks = tuple((top + (height - top - 30) * (5 - s) // 5, str(s)) for s in range(0, 6))
    return Chart(width, height, tuple(series), ticks)


def facility_exists(store: Store, facility_pk: int) -> bool:
    with store.read() as session:
        return session.get(FacilityRow, facility_pk) is not None


@dataclass(frozen=True)
class ListedFacility:
    id: int
    facility_id: str
    name: str
    uscc: str | None
    division_code: str | None
    address: str | None
    findings: bool  # the report has something to fix (``FacilityReport.exit_findings``)
    scores: dict[str, str]


VERDICTS = ("compliant", "findings")


def search(
    store: Store, catalogue: Catalogue, index: SitingIndex | None, query: str = "", verdict: str = ""
) -> list[ListedFacility]:
    """Stored facilities whose name, 统一社会信用代码, 区划 or id contains ``query``, optionally
    only those ``compliant`` or with ``findings`` (the check of the latest version)."""
    from .facilities import all_latest

    needle = query.strip().lower()
    out = []
    for stored in all_latest(store):
        for listed in _listed(store, stored, catalogue, index):
            hay = " ".join(
                str(x)
                for x in (listed.name, listed.facility_id, listed.uscc, listed.division_code, listed.address)
                if x
            ).lower()
            if needle and needle not in hay:
                continue
            if verdict in VERDICTS and (verdict == "findings") != listed.findings:
                continue
            out.append(listed)
    return out


def _listed(
    store: Store, stored: StoredRecord, catalogue: Catalogue, index: SitingIndex | None
) -> tuple[ListedFacility, ...]:
    """What the list shows of a stored version, evaluated once per version (``memo``)."""
    from .checking import reports_of

    def computed() -> tuple[ListedFacility, ...]:
        return tuple(
            ListedFacility(
                stored.id,
                r.facility_id,
                r.name,
                r.facility_meta.get("uscc"),
                r.facility_meta.get("division_code"),
                r.facility_meta.get("address"),
                r.exit_findings(),
                {k: str(v.score) for k, v in sorted(r.scores.items())},
            )
            for r in reports_of(stored, catalogue, index)
        )

    return _LISTED.get((store, catalogue, index), (stored.id, stored.version, stored.source), computed)


_LISTED: Memo[tuple[ListedFacility, ...]] = Memo(limit=20_000)


@dataclass(frozen=True)
class ChecklistRow:
    code: str
    title: str
    citation: str
    status: str  # the record's verdict
    summary: str
    facts: tuple[str, ...]


def checklist(
    store: Store, catalogue: Catalogue, index: SitingIndex | None, facility_pk: int, lang: str
) -> tuple[FacilityReport, list[ChecklistRow]] | None:
    """The articles a visit answers, in article order, with the record's verdict beside each."""
    from .checking import reports_of
    from .facilities import latest

    stored = latest(store, facility_pk)
    if stored is None:
        return None
    report = reports_of(stored, catalogue, index)[0]
    rows = [
        ChecklistRow(
            r.code,
            r.article.title if lang == "zh" else r.article.title_en,
            r.article.citation()(lang),
            str(r.status),
            r.summary()(lang),
            tuple(sorted({p for c in r.checks for p in c.paths})),
        )
        for r in report.ordered_articles()
        if r.article.checked
    ]
    return report, rows


def answers_from_form(fields: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """``status-CODE`` / ``note-CODE`` form fields as the API's answers (blank: the record decides)."""
    out: dict[str, dict[str, str]] = {}
    for key, values in fields.items():
        if key.startswith("status-") and values and values[-1]:
            code = key.removeprefix("status-")
            note = fields.get(f"note-{code}", [""])[-1]
            out[code] = {"status": values[-1], "note": note}
    return out


def body_of(document: str) -> str:
    """The ``<body>`` of a renderer's standalone HTML document (its inline ``<style>`` is dropped:
    the page links the same print stylesheet, ``/print.css``, under its self-only CSP)."""
    start = document.find("<body>")
    end = document.rfind("</body>")
    return document[start + len("<body>") : end] if start >= 0 and end > start else document
