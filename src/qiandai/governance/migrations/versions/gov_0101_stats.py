"""Governance statistics: cases and targets, fraud dens and fraud-free evaluations, publicity ledger and
surveys, high-risk person files with contacts and reduction campaigns, and their event log.

Revision ID: gov_0101_stats
Revises: gov_0001_units
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import Money, UtcDateTime

revision: str = "gov_0101_stats"
down_revision: str | Sequence[str] | None = "gov_0001_units"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gov_case",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_no", sa.String(64), nullable=False, unique=True),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("fraud_type", sa.String(40), nullable=False),
        sa.Column("loss", Money, nullable=False),
        sa.Column("recovered", Money, nullable=False),
        sa.Column("solved", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(64)),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_gov_case_occurred_on", "gov_case", ["occurred_on"])
    op.create_index("ix_gov_case_unit_code", "gov_case", ["unit_code"])
    op.create_table(
        "gov_case_target",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("period_kind", sa.String(8), nullable=False),
        sa.Column("change_pct", sa.Numeric(6, 1), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "gov_stats_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("by_user", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_gov_stats_event_subject_id", "gov_stats_event", ["subject_id"])
    op.create_table(
        "gov_fraud_den",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_gov_fraud_den_unit_code", "gov_fraud_den", ["unit_code"])
    op.create_table(
        "gov_fraudfree",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("category", sa.String(8), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("reviewed_at", UtcDateTime()),
        sa.Column("published_at", UtcDateTime()),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("year", "unit_code", name="uq_gov_fraudfree_year"),
    )
    op.create_index("ix_gov_fraudfree_year", "gov_fraudfree", ["year"])
    op.create_table(
        "gov_publicity_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(64), nullable=False, unique=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("organiser", sa.String(100), nullable=False),
        sa.Column("people", sa.Integer, nullable=False),
        sa.Column("leaflets", sa.Integer, nullable=False),
        sa.Column("banners", sa.Integer, nullable=False),
        sa.Column("screens", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_gov_publicity_event_unit_code", "gov_publicity_event", ["unit_code"])
    op.create_index("ix_gov_publicity_event_held_on", "gov_publicity_event", ["held_on"])
    op.create_table(
        "gov_publicity_photo",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("gov_publicity_event.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_gov_publicity_photo_event_id", "gov_publicity_photo", ["event_id"])
    op.create_table(
        "gov_survey",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("questions", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "gov_survey_result",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "survey_id", sa.Integer, sa.ForeignKey("gov_survey.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("respondents", sa.Integer, nullable=False),
        sa.Column("correct", sa.Integer, nullable=False),
        sa.UniqueConstraint("survey_id", "unit_code", name="uq_gov_survey_result_survey_id"),
    )
    op.create_index("ix_gov_survey_result_unit_code", "gov_survey_result", ["unit_code"])
    op.create_table(
        "gov_person",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_no", sa.String(32), nullable=False, unique=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("id_digest", sa.String(64), nullable=False),
        sa.Column("name_masked", sa.String(64), nullable=False),
        sa.Column("id_masked", sa.String(32), nullable=False),
        sa.Column("phone_masked", sa.String(32), nullable=False),
        sa.Column("cipher", sa.Text, nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("relation", sa.String(8), nullable=False),
        sa.Column("suspect", sa.Boolean, nullable=False),
        sa.Column("officer", sa.String(64), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("reduced_on", sa.Date),
        sa.Column("reduced_note", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("id_digest", "category", name="uq_gov_person_id_digest"),
    )
    op.create_index("ix_gov_person_unit_code", "gov_person", ["unit_code"])
    op.create_table(
        "gov_person_contact",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("gov_person.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("by_user", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_gov_person_contact_person_id", "gov_person_contact", ["person_id"])
    op.create_table(
        "gov_reduction",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("category", sa.String(16)),
        sa.Column("target_pct", sa.Integer, nullable=False),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "gov_reduction_item",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("gov_reduction.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("gov_person.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.UniqueConstraint("campaign_id", "person_id", name="uq_gov_reduction_item_campaign_id"),
    )
    op.create_index("ix_gov_reduction_item_campaign_id", "gov_reduction_item", ["campaign_id"])


def downgrade() -> None:
    for table in (
        "gov_reduction_item",
        "gov_reduction",
        "gov_person_contact",
        "gov_person",
        "gov_survey_result",
        "gov_survey",
        "gov_publicity_photo",
        "gov_publicity_event",
        "gov_fraudfree",
        "gov_fraud_den",
        "gov_stats_event",
        "gov_case_target",
        "gov_case",
    ):
        op.drop_table(table)
