"""Facilities in the store: submitted records (validated by the core, every version kept) and
drafts (kept as typed, possibly incomplete)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import pipeline
from ...loading import iter_bytes
from ...render.validation import VALIDATION_REPORTERS
from ...validate import ValidatedRecord
from ..db.models import Draft, FacilityRow, RecordVersion
from ..db.session import Store

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def source_name(facility_id: str) -> str:
    """The name a stored record is reported under: ``<facility_id>.json`` (file-name safe), so
    that ``facility-check check`` on the exported record prints the same document."""
    return _UNSAFE.sub("_", facility_id) + ".json"


def safe_filename(name: str | None, default: str = "upload.json") -> str:
    """The last component of an uploaded file name, with anything but letters, digits, CJK,
    ``. _ -`` replaced: never a path."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    base = re.sub(r"[^0-9A-Za-z._\-\u4e00-\u9fff]", "_", base)[:200]
    return base or default


class Rejected(Exception):
    """Records that failed validation: nothing was stored."""

    def __init__(self, records: list[ValidatedRecord]) -> None:
        super().__init__("invalid records")
        self.records = records

    def body(self, lang: str) -> str:
        """The same document as ``facility-check validate --format json``."""
        return VALIDATION_REPORTERS["json"]().render(self.records, lang)


class Conflict(Exception):
    """The record's facility id belongs to another facility of the store."""


@dataclass(frozen=True)
class Saved:
    id: int
    facility_id: str
    version: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "facility_id": self.facility_id, "version": self.version}


def validate_upload(data: bytes, source: str) -> list[ValidatedRecord]:
    """Load and validate an upload exactly as the CLI validates a file."""
    return pipeline.validate_loaded(iter_bytes(data, source), None)


def submit(
    store: Store, data: bytes, source: str, who: str, facility_pk: int | None = None, *, new: bool = False
) -> list[Saved]:
    """Validate every record of an upload; store them all (a new version each) or none.

    A record goes to the facility with its id (a new version), or to ``facility_pk`` (whose id it
    may change, unless another facility has that id); with ``new``, an id already in the store is
    a :class:`Conflict` (a new form must not overwrite another facility)."""
    records = validate_upload(data, source)
    if not records or not all(v.ok for v in records):
        raise Rejected(records)
    saved = []
    with store.write() as session:
        for v in records:
            assert v.facility is not None
            saved.append(_store_version(session, v.data, v.facility.facility_id, who, facility_pk, new))
    return saved


def _store_version(
    session: Session, data: Any, facility_id: str, who: str, facility_pk: int | None, new: bool
) -> Saved:
    row = session.scalar(select(FacilityRow).where(FacilityRow.facility_id == facility_id))
    if new and row is not None:
        raise Conflict(facility_id)
    if facility_pk is not None:
        target = session.get(FacilityRow, facility_pk)
        if target is None:
            raise LookupError(facility_pk)
        if row is not None and row.id != target.id:
            raise Conflict(facility_id)
        row = target
        row.facility_id = facility_id
    if row is None:
        row = FacilityRow(facility_id=facility_id, created_at=now())
        session.add(row)
        session.flush()
    text = canonical(data)
    last = session.scalar(select(func.max(RecordVersion.version)).where(RecordVersion.facility_pk == row.id))
    version = (last or 0) + 1
    session.add(
        RecordVersion(
            facility_pk=row.id,
            version=version,
            record_json=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            source=source_name(facility_id),
            saved_by=who,
            saved_at=now(),
        )
    )
    if row.draft is not None:  # the draft became this version
        session.delete(row.draft)
    return Saved(row.id, facility_id, version)


@dataclass(frozen=True)
class Summary:
    id: int
    facility_id: str | None
    name: str | None
    version: int | None
    saved_at: datetime | None
    saved_by: str | None
    has_draft: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "facility_id": self.facility_id,
            "name": self.name,
            "version": self.version,
            "saved_at": self.saved_at.isoformat() + "Z" if self.saved_at else None,
            "saved_by": self.saved_by,
            "has_draft": self.has_draft,
        }


def _text_field(text: str | None, key: str) -> str | None:
    if not text:
        return None
    data = json.loads(text)
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def listing(store: Store) -> list[Summary]:
    with store.read() as session:
        out = []
        for row in session.scalars(select(FacilityRow).order_by(FacilityRow.id)):
            latest = row.versions[-1] if row.versions else None
            draft = row.draft
            out.append(
                Summary(
                    id=row.id,
                    facility_id=row.facility_id
                    or _text_field(draft.data_json if draft else None, "facility_id"),
                    name=_text_field(latest.record_json if latest else None, "name")
                    or _text_field(draft.data_json if draft else None, "name"),
                    version=latest.version if latest else None,
                    saved_at=latest.saved_at if latest else None,
                    saved_by=latest.saved_by if latest else None,
                    has_draft=draft is not None,
                )
            )
        return out


@dataclass(frozen=True)
class StoredRecord:
    id: int
    facility_id: str
    version: int
    source: str
    text: str
    saved_by: str
    saved_at: datetime


def latest(store: Store, facility_pk: int) -> StoredRecord | None:
    with store.read() as session:
        row = session.get(FacilityRow, facility_pk)
        if row is None or not row.versions:
            return None
        v = row.versions[-1]
        assert row.facility_id is not None
        return StoredRecord(
            row.id, row.facility_id, v.version, v.source, v.record_json, v.saved_by, v.saved_at
        )


def history(store: Store, facility_pk: int) -> list[StoredRecord]:
    with store.read() as session:
        row = session.get(FacilityRow, facility_pk)
        if row is None:
            return []
        return [
            StoredRecord(
                row.id, row.facility_id or "", v.version, v.source, v.record_json, v.saved_by, v.saved_at
            )
            for v in row.versions
        ]


def all_latest(store: Store) -> list[StoredRecord]:
    """The latest version of every facility that has one, ordered by source name."""
    with store.read() as session:
        newest = (
            select(RecordVersion.facility_pk, func.max(RecordVersion.version).label("v"))
            .group_by(RecordVersion.facility_pk)
            .subquery()
        )
        rows = session.execute(
            select(RecordVersion, FacilityRow.facility_id)
            .join(
                newest,
                (RecordVersion.facility_pk == newest.c.facility_pk) & (RecordVersion.version == newest.c.v),
            )
            .join(FacilityRow, FacilityRow.id == RecordVersion.facility_pk)
        ).all()
        out = [
            StoredRecord(v.facility_pk, fid or "", v.version, v.source, v.record_json, v.saved_by, v.saved_at)
            for v, fid in rows
        ]
    return sorted(out, key=lambda r: (r.source, r.id))


def exists(store: Store, facility_pk: int) -> bool:
    with store.read() as session:
        return session.get(FacilityRow, facility_pk) is not None


def save_draft(store: Store, data: dict[str, Any], who: str, facility_pk: int | None = None) -> int:
    """Keep the form as typed (it may be incomplete or invalid); returns the facility's id."""
    with store.write() as session:
        if facility_pk is None:
            row = FacilityRow(facility_id=None, created_at=now())
            session.add(row)
            session.flush()
        else:
            found = session.get(FacilityRow, facility_pk)
            if found is None:
                raise LookupError(facility_pk)
            row = found
        text = canonical(data)
        if row.draft is None:
            row.draft = Draft(facility_pk=row.id, data_json=text, saved_by=who, saved_at=now())
        else:
            row.draft.data_json, row.draft.saved_by, row.draft.saved_at = text, who, now()
        return row.id


def draft(store: Store, facility_pk: int) -> tuple[dict[str, Any], str, datetime] | None:
    with store.read() as session:
        row = session.get(FacilityRow, facility_pk)
        if row is None or row.draft is None:
            return None
        data = json.loads(row.draft.data_json)
        return data, row.draft.saved_by, row.draft.saved_at


def discard_draft(store: Store, facility_pk: int) -> None:
    with store.write() as session:
        row = session.get(FacilityRow, facility_pk)
        if row is not None and row.draft is not None:
            session.delete(row.draft)


def count_versions(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count(RecordVersion.id))) or 0)


def pk_of(store: Store, facility_id: str) -> int | None:
    """The store id of the facility with this record id."""
    with store.read() as session:
        pk = session.scalar(select(FacilityRow.id).where(FacilityRow.facility_id == facility_id))
        return int(pk) if pk is not None else None
