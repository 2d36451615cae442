"""Transfers: decisions, labels, holds and their instructions/events, lists, scenarios, units, warnings.

Revision ID: transfers_0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import Money, UtcDateTime

revision: str = "transfers_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("transfers",)
depends_on: str | Sequence[str] | None = "store_0001"


def upgrade() -> None:
    op.create_table(
        "tx_decision",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("transfer_id", sa.String(64), nullable=False, unique=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("payer_account", sa.String(32), nullable=False),
        sa.Column("payee_account", sa.String(32), nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_cny", sa.Float, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("device_id", sa.String(128)),
        sa.Column("ip", sa.String(64)),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("first_time_payee", sa.Boolean, nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("scenario", sa.String(64), nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("likely_victim", sa.Boolean, nullable=False),
        sa.Column("fraud_type", sa.String(32), nullable=False),
        sa.Column("features", sa.JSON, nullable=False),
        sa.Column("shadow", sa.JSON),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_tx_decision_payer_time", "tx_decision", ["payer_account", "ts"])
    op.create_index("ix_tx_decision_payee_time", "tx_decision", ["payee_account", "ts"])
    op.create_index("ix_tx_decision_device_time", "tx_decision", ["device_id", "ts"])
    op.create_index("ix_tx_decision_ip_time", "tx_decision", ["ip", "ts"])
    op.create_index("ix_tx_decision_pair", "tx_decision", ["payer_account", "payee_account"])
    op.create_index("ix_tx_decision_occurred", "tx_decision", ["occurred_at"])
    op.create_table(
        "tx_label",
        sa.Column("transfer_id", sa.String(64), primary_key=True),
        sa.Column("is_fraud", sa.Boolean, nullable=False),
        sa.Column("fraud_type", sa.String(32), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_table(
        "tx_hold",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("account_name", sa.String(100), nullable=False),
        sa.Column("amount", Money),
        sa.Column("issuing_unit", sa.String(100), nullable=False),
        sa.Column("document_ref", sa.String(100), nullable=False),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("renewals", sa.Integer, nullable=False),
        sa.Column("returned_amount", Money),
        sa.Column("returned_to", sa.String(32)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_tx_hold_account_status", "tx_hold", ["account", "status"])
    op.create_table(
        "tx_hold_instruction",
        sa.Column("instruction_id", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("hold_id", sa.String(32), sa.ForeignKey("tx_hold.id"), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "tx_hold_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hold_id", sa.String(32), sa.ForeignKey("tx_hold.id"), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("instruction_id", sa.String(64)),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "tx_list_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(80), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("note", sa.String(400), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "value", name="uq_tx_list_entry_kind_value"),
    )
    op.create_table(
        "tx_scenario_version",
        sa.Column("scenario", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("shadow", sa.Boolean, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime()),
    )
    op.create_table(
        "tx_unit",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False, index=True),
    )
    op.create_table(
        "tx_warning",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(64), unique=True),
        sa.Column("transfer_id", sa.String(64), unique=True),
        sa.Column("level", sa.String(4), nullable=False),
        sa.Column("fraud_type", sa.String(32), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("victim_name", sa.String(100), nullable=False),
        sa.Column("victim_phone", sa.String(20), nullable=False),
        sa.Column("victim_account", sa.String(32), nullable=False),
        sa.Column("victim_region", sa.String(12), nullable=False),
        sa.Column("amount", Money),
        sa.Column("unit_code", sa.String(32), sa.ForeignKey("tx_unit.code")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("first_contact_at", UtcDateTime()),
        sa.Column("closed_at", UtcDateTime()),
    )
    op.create_index("ix_tx_warning_unit_status", "tx_warning", ["unit_code", "status"])
    op.create_table(
        "tx_warning_contact",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("warning_id", sa.String(32), sa.ForeignKey("tx_warning.id"), nullable=False, index=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("by_user", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("reached", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "tx_warning_contact",
        "tx_warning",
        "tx_unit",
        "tx_scenario_version",
        "tx_list_entry",
        "tx_hold_event",
        "tx_hold_instruction",
        "tx_hold",
        "tx_label",
        "tx_decision",
    ):
        op.drop_table(table)
