"""Transfers: indexes for the open-warning queue by level and for holds by status and end time.

The `/metrics` queue gauges (oldest open warning per level, holds expiring within the hour) and the
hold expiry sweep read by status; without these they scan the whole tables.

Revision ID: transfers_0003
Revises: transfers_0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "transfers_0003"
down_revision: str | Sequence[str] | None = "transfers_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tx_warning_status_level", "tx_warning", ["status", "level", "created_at"])
    op.create_index("ix_tx_hold_status_ends", "tx_hold", ["status", "ends_at"])


def downgrade() -> None:
    op.drop_index("ix_tx_hold_status_ends", table_name="tx_hold")
    op.drop_index("ix_tx_warning_status_level", table_name="tx_warning")
