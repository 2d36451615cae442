"""Supervision: institutions, review workflow, cases and decisions, programmes, reports, credit.

Revision ID: supervision_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from qiandai.store.base import UtcDateTime

revision: str = "supervision_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("supervision",)
depends_on: str | Sequence[str] | None = "identity_0001"


def upgrade() -> None:
    op.create_table(
        "sv_circular",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_circular")),
    )
    with op.batch_alter_table("sv_circular", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_circular_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_config",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sv_config")),
    )
    op.create_table(
        "sv_document",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_document")),
    )
    with op.batch_alter_table("sv_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_document_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "sv_draw",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draw_no", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=False),
        sa.Column("result_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_draw")),
        sa.UniqueConstraint("draw_no", name=op.f("uq_sv_draw_draw_no")),
    )
    with op.batch_alter_table("sv_draw", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_draw_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_event")),
    )
    op.create_table(
        "sv_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_evidence")),
    )
    op.create_table(
        "sv_expert",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("speciality", sa.String(length=16), nullable=False),
        sa.Column("employer_code", sa.String(length=32), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_expert")),
        sa.UniqueConstraint("username", name=op.f("uq_sv_expert_username")),
    )
    with op.batch_alter_table("sv_expert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_expert_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_sv_expert_speciality"), ["speciality"], unique=False)

    op.create_table(
        "sv_import_run",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("rule_set", sa.String(length=64), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("finding_count", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_sv_import_run")),
    )
    op.create_table(
        "sv_institution",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("risk_score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("agreement_status", sa.String(length=16), nullable=False),
        sa.Column("suspended_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sv_institution")),
    )
    with op.batch_alter_table("sv_institution", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_institution_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_blacklist",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("listed_at", UtcDateTime(), nullable=False),
        sa.Column("removed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_blacklist_institution_code_sv_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_blacklist")),
    )
    with op.batch_alter_table("sv_blacklist", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sv_blacklist_institution_code"), ["institution_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sv_blacklist_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_case",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_no", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("psn_no", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("loss_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("hearing_deadline", UtcDateTime(), nullable=True),
        sa.Column("hearing_statement", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_case_institution_code_sv_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_case")),
        sa.UniqueConstraint("case_no", name=op.f("uq_sv_case_case_no")),
    )
    with op.batch_alter_table("sv_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_case_institution_code"), ["institution_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_sv_case_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_credit_rating",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_credit_rating_institution_code_sv_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_credit_rating")),
        sa.UniqueConstraint("institution_code", "period", name="uq_sv_credit_rating_institution_period"),
    )
    with op.batch_alter_table("sv_credit_rating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sv_credit_rating_institution_code"), ["institution_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sv_credit_rating_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_draw_target",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("stratum", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["sv_draw.id"], name=op.f("fk_sv_draw_target_draw_id_sv_draw")),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_draw_target_institution_code_sv_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_draw_target")),
        sa.UniqueConstraint("draw_id", "institution_code", name="uq_sv_draw_target_draw_institution"),
    )
    with op.batch_alter_table("sv_draw_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_draw_target_draw_id"), ["draw_id"], unique=False)

    op.create_table(
        "sv_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("receipt_code", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("reporter_cipher", sa.Text(), nullable=True),
        sa.Column("institution_code", sa.String(length=32), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("alleged_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage_deadline", UtcDateTime(), nullable=True),
        sa.Column("verified_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_report_institution_code_sv_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_report")),
        sa.UniqueConstraint("receipt_code", name=op.f("uq_sv_report_receipt_code")),
    )
    with op.batch_alter_table("sv_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_report_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_sv_report_status"), ["status"], unique=False)

    op.create_table(
        "sv_self_inspection",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("problem_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("refund_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_self_inspection_institution_code_sv_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_self_inspection")),
        sa.UniqueConstraint("institution_code", "period", name="uq_sv_self_inspection_institution_period"),
    )
    with op.batch_alter_table("sv_self_inspection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sv_self_inspection_institution_code"), ["institution_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sv_self_inspection_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_decision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("article", sa.String(length=16), nullable=False),
        sa.Column("multiple", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("fine_base", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("fine_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("recovery_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("suspension_months", sa.Integer(), nullable=True),
        sa.Column("settlement_suspension_months", sa.Integer(), nullable=True),
        sa.Column("terminate_agreement", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("signed_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["sv_case.id"], name=op.f("fk_sv_decision_case_id_sv_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_decision")),
        sa.UniqueConstraint("case_id", name=op.f("uq_sv_decision_case_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sv_decision_idempotency_key")),
    )
    op.create_table(
        "sv_draw_inspector",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("speciality", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["sv_draw.id"], name=op.f("fk_sv_draw_inspector_draw_id_sv_draw")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["sv_expert.id"], name=op.f("fk_sv_draw_inspector_expert_id_sv_expert")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["sv_draw_target.id"], name=op.f("fk_sv_draw_inspector_target_id_sv_draw_target")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_draw_inspector")),
        sa.UniqueConstraint("target_id", "expert_id", name="uq_sv_draw_inspector_target_expert"),
    )
    with op.batch_alter_table("sv_draw_inspector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_draw_inspector_draw_id"), ["draw_id"], unique=False)

    op.create_table(
        "sv_finding",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_code", sa.String(length=64), nullable=False),
        sa.Column("rule_name", sa.String(length=200), nullable=False),
        sa.Column("result_type", sa.String(length=16), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("mdtrt_id", sa.String(length=64), nullable=True),
        sa.Column("psn_no", sa.String(length=64), nullable=True),
        sa.Column("psn_name_masked", sa.String(length=64), nullable=True),
        sa.Column("certno_masked", sa.String(length=64), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("stage_deadline", UtcDateTime(), nullable=True),
        sa.Column("confirmed_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("self_reported", sa.Boolean(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["sv_case.id"], name=op.f("fk_sv_finding_case_id_sv_case")),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_finding_institution_code_sv_institution"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["sv_import_run.run_id"], name=op.f("fk_sv_finding_run_id_sv_import_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_finding")),
        sa.UniqueConstraint("finding_id", name=op.f("uq_sv_finding_finding_id")),
    )
    with op.batch_alter_table("sv_finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_finding_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sv_finding_institution_code"), ["institution_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sv_finding_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_sv_finding_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sv_finding_stage"), ["stage"], unique=False)

    op.create_table(
        "sv_major_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["sv_case.id"], name=op.f("fk_sv_major_report_case_id_sv_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_major_report")),
        sa.UniqueConstraint("case_id", name=op.f("uq_sv_major_report_case_id")),
    )
    with op.batch_alter_table("sv_major_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_major_report_region_code"), ["region_code"], unique=False)

    op.create_table(
        "sv_payment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("paid_at", UtcDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["sv_case.id"], name=op.f("fk_sv_payment_case_id_sv_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_payment")),
        sa.UniqueConstraint("kind", "reference", name="uq_sv_payment_kind_reference"),
    )
    with op.batch_alter_table("sv_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sv_payment_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sv_payment_institution_code"), ["institution_code"], unique=False
        )

    op.create_table(
        "sv_reward",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("verified_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", UtcDateTime(), nullable=True),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["sv_report.id"], name=op.f("fk_sv_reward_report_id_sv_report")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_reward")),
        sa.UniqueConstraint("report_id", name=op.f("uq_sv_reward_report_id")),
    )
    op.create_table(
        "sv_rectification",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("deadline", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("recheck_due", UtcDateTime(), nullable=True),
        sa.Column("recheck_result", sa.String(length=16), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["sv_case.id"], name=op.f("fk_sv_rectification_case_id_sv_case")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["sv_finding.id"], name=op.f("fk_sv_rectification_finding_id_sv_finding")
        ),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["sv_institution.code"],
            name=op.f("fk_sv_rectification_institution_code_sv_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sv_rectification")),
        sa.UniqueConstraint("source_key", name=op.f("uq_sv_rectification_source_key")),
    )
    with op.batch_alter_table("sv_rectification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sv_rectification_institution_code"), ["institution_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sv_rectification_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_sv_rectification_status"), ["status"], unique=False)

    op.drop_table("qd_meta")


def downgrade() -> None:
    op.create_table(
        "qd_meta",
        sa.Column("key", sa.VARCHAR(length=64), nullable=False),
        sa.Column("value", sa.VARCHAR(length=400), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_qd_meta")),
    )
    with op.batch_alter_table("sv_rectification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_rectification_status"))
        batch_op.drop_index(batch_op.f("ix_sv_rectification_region_code"))
        batch_op.drop_index(batch_op.f("ix_sv_rectification_institution_code"))

    op.drop_table("sv_rectification")
    op.drop_table("sv_reward")
    with op.batch_alter_table("sv_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_payment_institution_code"))
        batch_op.drop_index(batch_op.f("ix_sv_payment_case_id"))

    op.drop_table("sv_payment")
    with op.batch_alter_table("sv_major_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_major_report_region_code"))

    op.drop_table("sv_major_report")
    with op.batch_alter_table("sv_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_finding_stage"))
        batch_op.drop_index(batch_op.f("ix_sv_finding_run_id"))
        batch_op.drop_index(batch_op.f("ix_sv_finding_region_code"))
        batch_op.drop_index(batch_op.f("ix_sv_finding_institution_code"))
        batch_op.drop_index(batch_op.f("ix_sv_finding_case_id"))

    op.drop_table("sv_finding")
    with op.batch_alter_table("sv_draw_inspector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_draw_inspector_draw_id"))

    op.drop_table("sv_draw_inspector")
    op.drop_table("sv_decision")
    with op.batch_alter_table("sv_self_inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_self_inspection_region_code"))
        batch_op.drop_index(batch_op.f("ix_sv_self_inspection_institution_code"))

    op.drop_table("sv_self_inspection")
    with op.batch_alter_table("sv_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_report_status"))
        batch_op.drop_index(batch_op.f("ix_sv_report_region_code"))

    op.drop_table("sv_report")
    with op.batch_alter_table("sv_draw_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_draw_target_draw_id"))

    op.drop_table("sv_draw_target")
    with op.batch_alter_table("sv_credit_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_credit_rating_region_code"))
        batch_op.drop_index(batch_op.f("ix_sv_credit_rating_institution_code"))

    op.drop_table("sv_credit_rating")
    with op.batch_alter_table("sv_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_case_region_code"))
        batch_op.drop_index(batch_op.f("ix_sv_case_institution_code"))

    op.drop_table("sv_case")
    with op.batch_alter_table("sv_blacklist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_blacklist_region_code"))
        batch_op.drop_index(batch_op.f("ix_sv_blacklist_institution_code"))

    op.drop_table("sv_blacklist")
    with op.batch_alter_table("sv_institution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_institution_region_code"))

    op.drop_table("sv_institution")
    op.drop_table("sv_import_run")
    with op.batch_alter_table("sv_expert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_expert_speciality"))
        batch_op.drop_index(batch_op.f("ix_sv_expert_region_code"))

    op.drop_table("sv_expert")
    op.drop_table("sv_evidence")
    op.drop_table("sv_event")
    with op.batch_alter_table("sv_draw", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_draw_region_code"))

    op.drop_table("sv_draw")
    with op.batch_alter_table("sv_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_document_subject_id"))

    op.drop_table("sv_document")
    op.drop_table("sv_config")
    with op.batch_alter_table("sv_circular", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sv_circular_region_code"))

    op.drop_table("sv_circular")
