"""Governance: units (gov_unit) and the user → unit scope (gov_user_unit).

Revision ID: gov_0001_units
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "gov_0001_units"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("governance",)
depends_on: str | Sequence[str] | None = ("store_0001", "identity_0001")


def upgrade() -> None:
    op.create_table(
        "gov_unit",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(32)),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
        sa.Column("staff", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_gov_unit_parent_code", "gov_unit", ["parent_code"])
    op.create_table(
        "gov_user_unit",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("id_user.id", ondelete="CASCADE", name="fk_gov_user_unit_user_id_id_user"),
            primary_key=True,
        ),
        sa.Column(
            "unit_code",
            sa.String(32),
            sa.ForeignKey("gov_unit.code", ondelete="CASCADE", name="fk_gov_user_unit_unit_code_gov_unit"),
            nullable=False,
        ),
        sa.Column("assigned_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_gov_user_unit_unit_code", "gov_user_unit", ["unit_code"])


def downgrade() -> None:
    op.drop_index("ix_gov_user_unit_unit_code", table_name="gov_user_unit")
    op.drop_table("gov_user_unit")
    op.drop_index("ix_gov_unit_parent_code", table_name="gov_unit")
    op.drop_table("gov_unit")
