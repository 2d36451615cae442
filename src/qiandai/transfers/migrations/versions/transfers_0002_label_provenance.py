"""Transfers: when each back-test label was imported or last changed (``tx_label.labelled_at``).

Revision ID: transfers_0002
Revises: transfers_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "transfers_0002"
down_revision: str | Sequence[str] | None = "transfers_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tx_label") as batch:
        batch.add_column(sa.Column("labelled_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tx_label") as batch:
        batch.drop_column("labelled_at")
