"""Governance: anti-fraud app install campaign (rosters, installs, problems, targets, spot checks).

Revision ID: gov_0002_installs
Revises: gov_0001_units
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "gov_0002_installs"
down_revision: str | Sequence[str] | None = "gov_0001_units"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gov_roster_import",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "unit_code",
            sa.String(32),
            sa.ForeignKey("gov_unit.code", name="fk_gov_roster_import_unit_code_gov_unit"),
            nullable=False,
        ),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("repeated", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("unit_code", "content_sha256", name="uq_gov_roster_import_unit_hash"),
    )
    op.create_index("ix_gov_roster_import_unit_code", "gov_roster_import", ["unit_code"])
    op.create_index("ix_gov_roster_import_week", "gov_roster_import", ["week"])
    op.create_table(
        "gov_install",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("phone_key", sa.String(64), nullable=False),
        sa.Column(
            "unit_code",
            sa.String(32),
            sa.ForeignKey("gov_unit.code", name="fk_gov_install_unit_code_gov_unit"),
            nullable=False,
        ),
        sa.Column("install_date", sa.Date, nullable=False),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey("gov_roster_import.id", name="fk_gov_install_import_id_gov_roster_import"),
            nullable=False,
        ),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("name_masked", sa.String(64), nullable=False),
        sa.Column("id_masked", sa.String(32), nullable=False),
        sa.Column("phone_masked", sa.String(32), nullable=False),
        sa.Column("identity_enc", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("person_key", name="uq_gov_install_person_key"),
        sa.UniqueConstraint("phone_key", name="uq_gov_install_phone_key"),
    )
    op.create_index("ix_gov_install_unit_code", "gov_install", ["unit_code"])
    op.create_index("ix_gov_install_week", "gov_install", ["week"])
    op.create_index("ix_gov_install_import_id", "gov_install", ["import_id"])
    op.create_table(
        "gov_roster_problem",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey(
                "gov_roster_import.id",
                ondelete="CASCADE",
                name="fk_gov_roster_problem_import_id_gov_roster_import",
            ),
            nullable=False,
        ),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("sheet", sa.String(100), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("name_masked", sa.String(64), nullable=False),
    )
    op.create_index("ix_gov_roster_problem_import_id", "gov_roster_problem", ["import_id"])
    op.create_index("ix_gov_roster_problem_unit_code", "gov_roster_problem", ["unit_code"])
    op.create_table(
        "gov_install_target",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("level", sa.Integer),
        sa.Column("kind", sa.String(16)),
        sa.Column("rate", sa.Float, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.UniqueConstraint("level", "kind", "due", name="uq_gov_install_target_scope_due"),
    )
    op.create_table(
        "gov_spot_check",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("week", sa.Date, nullable=False),
        sa.Column(
            "unit_code",
            sa.String(32),
            sa.ForeignKey("gov_unit.code", name="fk_gov_spot_check_unit_code_gov_unit"),
            nullable=False,
        ),
        sa.Column(
            "install_id",
            sa.Integer,
            sa.ForeignKey(
                "gov_install.id", ondelete="CASCADE", name="fk_gov_spot_check_install_id_gov_install"
            ),
            nullable=False,
        ),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("drawn_at", UtcDateTime(), nullable=False),
        sa.Column("result", sa.String(16)),
        sa.Column("checked_at", UtcDateTime()),
        sa.Column("checked_by", sa.String(64)),
        sa.Column("note", sa.String(200), nullable=False),
        sa.UniqueConstraint("week", "unit_code", "install_id", name="uq_gov_spot_check_week_unit_install"),
    )
    op.create_index("ix_gov_spot_check_week", "gov_spot_check", ["week"])
    op.create_index("ix_gov_spot_check_unit_code", "gov_spot_check", ["unit_code"])
    op.create_index("ix_gov_spot_check_install_id", "gov_spot_check", ["install_id"])


def downgrade() -> None:
    op.drop_table("gov_spot_check")
    op.drop_table("gov_install_target")
    op.drop_table("gov_roster_problem")
    op.drop_table("gov_install")
    op.drop_table("gov_roster_import")
