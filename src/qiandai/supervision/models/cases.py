"""Cases (案件), decisions with fines, payments (recovery and fines), generated documents.

A case is against an institution (``subject_kind="institution"``, ``institution_code`` set) or an
insured person under Art. 41 (``subject_kind="person"``: ``institution_code`` is NULL, the person is
``psn_no`` with the masked name and ID number; the full identity, when known, is Fernet-encrypted in
``person_cipher`` and shown only by the access-logged reveal). A NULL institution keeps person cases,
their payments and documents out of every institution user's scope.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, Money, UtcDateTime, now_utc


class Case(Base):
    __tablename__ = "sv_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # institution | person
    institution_code: Mapped[str | None] = mapped_column(ForeignKey("sv_institution.code"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    psn_no: Mapped[str | None] = mapped_column(String(64), index=True)
    psn_name_masked: Mapped[str | None] = mapped_column(String(64))
    certno_masked: Mapped[str | None] = mapped_column(String(64))
    person_cipher: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # open | notified | decided | closed
    loss_amount: Mapped[Decimal] = mapped_column(Money)
    hearing_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    hearing_statement: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    created_by: Mapped[str] = mapped_column(String(64))


class Decision(Base):
    """One decision per case; ``idempotency_key`` makes a double submit return the first result."""

    __tablename__ = "sv_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("sv_case.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    article: Mapped[str] = mapped_column(String(16))
    multiple: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    fine_base: Mapped[Decimal] = mapped_column(Money)
    fine_amount: Mapped[Decimal] = mapped_column(Money)
    recovery_amount: Mapped[Decimal] = mapped_column(Money)
    suspension_months: Mapped[int | None] = mapped_column(Integer)
    settlement_suspension_months: Mapped[int | None] = mapped_column(Integer)
    terminate_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class HearingNotice(Base):
    """The penalty proposed in the 行政处罚事先告知书 of a case (one per case), kept as issued so the
    notice can be shown and printed again without re-deriving it (the decision may differ)."""

    __tablename__ = "sv_hearing_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("sv_case.id"), unique=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("sv_document.id"))
    article: Mapped[str] = mapped_column(String(16))
    multiple: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    fine_base: Mapped[Decimal] = mapped_column(Money)
    fine_amount: Mapped[Decimal] = mapped_column(Money)
    recovery_amount: Mapped[Decimal] = mapped_column(Money)
    suspension_months: Mapped[int | None] = mapped_column(Integer)
    settlement_suspension_months: Mapped[int | None] = mapped_column(Integer)
    terminate_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class Payment(Base):
    """Money received: ``recovery`` (追回/退回), ``fine`` (罚款), ``refund`` (自查主动退回)."""

    __tablename__ = "sv_payment"
    __table_args__ = (UniqueConstraint("kind", "reference", name="uq_sv_payment_kind_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("sv_case.id"), index=True)
    institution_code: Mapped[str | None] = mapped_column(String(32), index=True)  # NULL: a person's
    region_code: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    reference: Mapped[str] = mapped_column(String(100))
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))


class Document(Base):
    """A generated document (告知书, 处罚决定书, 通报 …) kept as bytes and linked to its subject."""

    __tablename__ = "sv_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    institution_code: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    created_by: Mapped[str] = mapped_column(String(64))
