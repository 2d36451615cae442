"""Cards (断卡): screening runs, screened accounts and networks, punishment list, appeals, events,
account holdings, carrier real-name records, account-opening checks.

Revision ID: cards_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "cards_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("cards",)
depends_on: str | Sequence[str] | None = "store_0001"


def upgrade() -> None:
    op.create_table(
        "dk_screening_run",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(400), nullable=False),
        sa.Column("as_of", UtcDateTime()),
        sa.Column("transfers", sa.Integer, nullable=False),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("high", sa.Integer, nullable=False),
        sa.Column("medium", sa.Integer, nullable=False),
        sa.Column("low", sa.Integer, nullable=False),
        sa.Column("networks", sa.Integer, nullable=False),
        sa.Column("published", sa.Integer, nullable=False),
        sa.Column("withdrawn", sa.Integer, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
    )
    op.create_table(
        "dk_screened_account",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.String(32), sa.ForeignKey("dk_screening_run.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("grade", sa.String(2), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("features", sa.JSON, nullable=False),
        sa.Column("network_id", sa.Integer),
        sa.Column("community_id", sa.Integer),
        sa.UniqueConstraint("run_id", "account", name="uq_dk_screened_account_run_account"),
    )
    op.create_index("ix_dk_screened_account_account", "dk_screened_account", ["account"])
    op.create_table(
        "dk_screened_network",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.String(32), sa.ForeignKey("dk_screening_run.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("network_id", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("high", sa.Integer, nullable=False),
        sa.Column("communities", sa.Integer, nullable=False),
        sa.Column("flow_in", sa.Float, nullable=False),
        sa.Column("flow_internal", sa.Float, nullable=False),
        sa.Column("flow_out", sa.Float, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        sa.UniqueConstraint("run_id", "network_id", name="uq_dk_screened_network_run_network"),
    )
    op.create_table(
        "dk_punished_person",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("accounts", sa.JSON, nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("document_ref", sa.String(100), nullable=False),
        sa.Column("issuing_unit", sa.String(100), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime()),
        sa.UniqueConstraint("id_number", "document_ref", name="uq_dk_punished_person_id_number"),
    )
    op.create_index("ix_dk_punished_person_status", "dk_punished_person", ["status", "end_date"])
    op.create_table(
        "dk_punishment_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "person_id",
            sa.String(32),
            sa.ForeignKey("dk_punished_person.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_dk_punishment_event_person", "dk_punishment_event", ["person_id", "at"])
    op.create_table(
        "dk_appeal",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "person_id",
            sa.String(32),
            sa.ForeignKey("dk_punished_person.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filed_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", UtcDateTime()),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decision_note", sa.Text, nullable=False),
    )
    op.create_table(
        "dk_account_holding",
        sa.Column("account", sa.String(32), primary_key=True),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("opened_on", sa.Date),
    )
    op.create_index("ix_dk_account_holding_id_number", "dk_account_holding", ["id_number"])
    op.create_table(
        "dk_carrier_realname",
        sa.Column("phone", sa.String(20), primary_key=True),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
    )
    op.create_table(
        "dk_account_opening",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("checked_at", UtcDateTime(), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
    )
    op.create_index("ix_dk_account_opening_id_number", "dk_account_opening", ["id_number"])


def downgrade() -> None:
    for table in (
        "dk_account_opening",
        "dk_carrier_realname",
        "dk_account_holding",
        "dk_appeal",
        "dk_punishment_event",
        "dk_punished_person",
        "dk_screened_network",
        "dk_screened_account",
        "dk_screening_run",
    ):
        op.drop_table(table)
