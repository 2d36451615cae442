"""The penalty proposed in a case's 行政处罚事先告知书 (``sv_hearing_notice``, one row per case).

Until now the proposal lived only inside the stored PDF; the web print view of the notice needs it as
data. Notices issued before this revision have no row (their PDF stays the record).

Revision ID: supervision_0004
Revises: supervision_0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import Money, UtcDateTime

revision: str = "supervision_0004"
down_revision: str | Sequence[str] | None = "supervision_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sv_hearing_notice",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("sv_case.id"), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("sv_document.id"), nullable=True),
        sa.Column("article", sa.String(16), nullable=False),
        sa.Column("multiple", sa.Numeric(6, 2), nullable=False),
        sa.Column("fine_base", Money, nullable=False),
        sa.Column("fine_amount", Money, nullable=False),
        sa.Column("recovery_amount", Money, nullable=False),
        sa.Column("suspension_months", sa.Integer(), nullable=True),
        sa.Column("settlement_suspension_months", sa.Integer(), nullable=True),
        sa.Column("terminate_agreement", sa.Boolean(), nullable=False),
        sa.Column("hearing_deadline", UtcDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("case_id", name="uq_sv_hearing_notice_case_id"),
    )


def downgrade() -> None:
    op.drop_table("sv_hearing_notice")
