"""SIM-card screening: scoring runs and their ranked results.

Revision ID: simcards_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "simcards_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("simcards",)
depends_on: str | Sequence[str] | None = "store_0001"


def upgrade() -> None:
    op.create_table(
        "sim_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_key", sa.String(64), nullable=False, unique=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("source", sa.String(400), nullable=False),
        sa.Column("model_trained_at", sa.String(40)),
        sa.Column("numbers", sa.Integer, nullable=False),
        sa.Column("high", sa.Integer, nullable=False),
        sa.Column("medium", sa.Integer, nullable=False),
        sa.Column("stored", sa.Integer, nullable=False),
        sa.Column("metrics", sa.JSON),
        sa.Column("invalid_rows", sa.Integer, nullable=False),
    )
    op.create_table(
        "sim_result",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("sim_run.id", ondelete="CASCADE"), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("number", sa.String(24), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("level", sa.String(4), nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("top_features", sa.JSON, nullable=False),
        sa.Column("registered_region", sa.String(6), nullable=False),
        sa.Column("card_age_days", sa.Integer, nullable=False),
        sa.Column("calls_out_per_day", sa.Float, nullable=False),
    )
    op.create_index("ix_sim_result_run_rank", "sim_result", ["run_id", "rank"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_sim_result_run_rank", table_name="sim_result")
    op.drop_table("sim_result")
    op.drop_table("sim_run")
