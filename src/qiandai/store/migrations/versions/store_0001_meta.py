"""Store base: the schema-info table every database carries.

Revision ID: store_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "store_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("store",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qd_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(400), nullable=False),
    )
    op.execute("INSERT INTO qd_meta (key, value) VALUES ('schema', 'qiandai')")


def downgrade() -> None:
    op.drop_table("qd_meta")
