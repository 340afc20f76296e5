"""Tables of the store. They hold records as submitted (raw JSON) and files; the domain models
(`record.Facility`, `report.FacilityReport`) stay independent of them, and no article or
parameter is ever stored here (the catalogue stays YAML)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class FacilityRow(Base):
    """One facility of the store. ``facility_id`` is the record's own id; a facility that so
    far has only a draft may not have one yet."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    versions: Mapped[list[RecordVersion]] = relationship(
        back_populates="facility", order_by="RecordVersion.version", cascade="all, delete-orphan"
    )
    draft: Mapped[Draft | None] = relationship(back_populates="facility", cascade="all, delete-orphan")


class RecordVersion(Base):
    """A validated record, as saved: every version is kept (who saved it, when)."""

    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("facility_pk", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_pk: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    version: Mapped[int] = mapped_column()
    record_json: Mapped[str] = mapped_column(Text)  # canonical JSON (sorted keys)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(300))  # the name the record is reported under
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column()
    facility: Mapped[FacilityRow] = relationship(back_populates="versions")


class Draft(Base):
    """Unsaved work on a facility's record: may be incomplete or invalid; one per facility."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_pk: Mapped[int] = mapped_column(ForeignKey("facilities.id"), unique=True)
    data_json: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column()
    facility: Mapped[FacilityRow] = relationship(back_populates="draft")


class HazardLayer(Base):
    """A hazard layer file kept under the data directory (``path`` is relative to it)."""

    __tablename__ = "hazard_layers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))  # the uploaded file name (sanitised)
    path: Mapped[str] = mapped_column(String(500))
    crs: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    features: Mapped[int] = mapped_column()
    saved_by: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column()


class Inspection(Base):
    """A visit: who, when, the record version inspected, the on-site answers and the report as
    issued (``check --format json`` with the answers applied). Immutable once signed off."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_pk: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    record_version: Mapped[int] = mapped_column()
    date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    inspector: Mapped[str] = mapped_column(String(200))
    answers_json: Mapped[str] = mapped_column(Text)
    report_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    signed_off_at: Mapped[datetime | None] = mapped_column(nullable=True)
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="inspection", order_by="EvidenceFile.id", cascade="all, delete-orphan"
    )


class EvidenceFile(Base):
    """A photo or scan kept with an inspection under the data directory (``path`` relative)."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_pk: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    inspection: Mapped[Inspection] = relationship(back_populates="evidence")
