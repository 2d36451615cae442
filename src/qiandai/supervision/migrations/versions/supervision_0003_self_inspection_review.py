"""The bureau's acceptance of a self-inspection (自查自纠受理审核).

``sv_self_inspection`` gains ``status`` (``submitted`` | ``accepted`` | ``returned``; existing rows are
``submitted``), ``reviewed_by``, ``reviewed_at`` and ``review_opinion``. Plain ``ADD COLUMN`` on both
databases (nullable or with a server default), so SQLite needs no table rebuild.

Revision ID: supervision_0003
Revises: supervision_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "supervision_0003"
down_revision: str | Sequence[str] | None = "supervision_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "sv_self_inspection",
        sa.Column("status", sa.String(length=16), nullable=False, server_default="submitted"),
    )
    op.add_column("sv_self_inspection", sa.Column("reviewed_by", sa.String(length=64), nullable=True))
    op.add_column("sv_self_inspection", sa.Column("reviewed_at", UtcDateTime(), nullable=True))
    op.add_column("sv_self_inspection", sa.Column("review_opinion", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sv_self_inspection") as batch:
        batch.drop_column("review_opinion")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
        batch.drop_column("status")
