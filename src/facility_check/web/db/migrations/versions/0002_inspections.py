"""inspections and their evidence files

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_pk", sa.Integer(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("inspector", sa.String(length=200), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_pk"], ["facilities.id"], name=op.f("fk_inspections_facility_pk_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index(op.f("ix_inspections_facility_pk"), "inspections", ["facility_pk"], unique=False)
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_pk", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_pk"], ["inspections.id"], name=op.f("fk_evidence_files_inspection_pk_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index(
        op.f("ix_evidence_files_inspection_pk"), "evidence_files", ["inspection_pk"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_files_inspection_pk"), table_name="evidence_files")
    op.drop_table("evidence_files")
    op.drop_index(op.f("ix_inspections_facility_pk"), table_name="inspections")
    op.drop_table("inspections")
