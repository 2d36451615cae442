"""Cases against insured persons (条例第四十一条): masked identity columns, no institution for them.

``sv_case.institution_code`` and ``sv_payment.institution_code`` become nullable (a person case and its
payments belong to no institution, which keeps them out of institution users' scope); ``sv_case`` gains
``psn_name_masked``, ``certno_masked``, ``person_cipher`` and an index on ``psn_no``.

On SQLite the two tables are rebuilt (batch mode). Foreign-key enforcement is switched off for the
rebuild, so existing decisions and payments that reference ``sv_case`` survive the copy; a
``foreign_key_check`` afterwards refuses to finish if anything dangles.

It also puts back the store's ``qd_meta`` table, which ``supervision_0001`` (an autogenerate slip: the
table is not in the ORM metadata) dropped; downgrade removes it again, returning to 0001's state.

Downgrade refuses while person cases exist (their NULL institution cannot be restored).

Revision ID: supervision_0002
Revises: supervision_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "supervision_0002"
down_revision: str | Sequence[str] | None = "supervision_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _sqlite_rebuild() -> Iterator[None]:
    """Around a SQLite table rebuild: foreign keys off, then verified and back on."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
        dangling = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"迁移后存在悬空外键：{dangling[:5]}")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def _restore_meta() -> None:
    """Recreate ``qd_meta`` exactly as ``store_0001`` does, unless it is there."""
    if sa.inspect(op.get_bind()).has_table("qd_meta"):
        return
    op.create_table(
        "qd_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(400), nullable=False),
    )
    op.execute("INSERT INTO qd_meta (key, value) VALUES ('schema', 'qiandai')")


def upgrade() -> None:
    with _sqlite_rebuild():  # first: the pragma only works before this migration writes any row
        with op.batch_alter_table("sv_case", schema=None) as batch_op:
            batch_op.alter_column("institution_code", existing_type=sa.String(length=32), nullable=True)
            batch_op.add_column(sa.Column("psn_name_masked", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("certno_masked", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("person_cipher", sa.Text(), nullable=True))
            batch_op.create_index(batch_op.f("ix_sv_case_psn_no"), ["psn_no"], unique=False)
        with op.batch_alter_table("sv_payment", schema=None) as batch_op:
            batch_op.alter_column("institution_code", existing_type=sa.String(length=32), nullable=True)
    _restore_meta()


def downgrade() -> None:
    bind = op.get_bind()
    persons = bind.execute(sa.text("SELECT count(*) FROM sv_case WHERE subject_kind <> 'institution'"))
    if persons.scalar():
        raise RuntimeError("存在针对参保个人的案件，不能降级到 supervision_0001")
    if sa.inspect(bind).has_table("qd_meta"):
        op.drop_table("qd_meta")
    with _sqlite_rebuild():
        with op.batch_alter_table("sv_payment", schema=None) as batch_op:
            batch_op.alter_column("institution_code", existing_type=sa.String(length=32), nullable=False)
        with op.batch_alter_table("sv_case", schema=None) as batch_op:
            batch_op.drop_index(batch_op.f("ix_sv_case_psn_no"))
            batch_op.drop_column("person_cipher")
            batch_op.drop_column("certno_masked")
            batch_op.drop_column("psn_name_masked")
            batch_op.alter_column("institution_code", existing_type=sa.String(length=32), nullable=False)
