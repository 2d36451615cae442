"""Shared state of the web console across worker processes: rate-limit windows and audit jobs.

``web_rate_limit`` holds one counter per (limiter, hashed key, window slot); the limiter increments it
with one atomic ``INSERT … ON CONFLICT DO UPDATE … WHERE hits < cap RETURNING hits`` (PostgreSQL and
SQLite ≥ 3.35) and prunes slots older than the previous window. ``web_audit_job`` is the state of an
audit started from the console (queued/running/importing/done/failed, progress, stage text, message,
output folder, heartbeat of the worker that runs it), so that every worker shows the same progress.

Revision ID: store_0002
Revises: store_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "store_0002"
down_revision: str | Sequence[str] | None = "store_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_rate_limit",
        sa.Column("bucket", sa.String(32), primary_key=True),
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("slot", sa.BigInteger(), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    op.create_index("ix_web_rate_limit_bucket_slot", "web_rate_limit", ["bucket", "slot"])
    op.create_table(
        "web_audit_job",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(200), nullable=False),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(1000), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_web_audit_job_created_at", "web_audit_job", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_web_audit_job_created_at", table_name="web_audit_job")
    op.drop_table("web_audit_job")
    op.drop_index("ix_web_rate_limit_bucket_slot", table_name="web_rate_limit")
    op.drop_table("web_rate_limit")
