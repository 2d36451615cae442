"""Imported audit runs and the suspect points (疑点) that move through the review workflow."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, Money, UtcDateTime, now_utc


class ImportRun(Base):
    __tablename__ = "sv_import_run"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_set_version: Mapped[int] = mapped_column(Integer)
    finding_count: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    imported_by: Mapped[str] = mapped_column(String(64))


class Finding(Base):
    """A suspect point under review. ``stage`` follows :mod:`qiandai.supervision.stages`."""

    __tablename__ = "sv_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("sv_import_run.run_id"), index=True)
    source: Mapped[str] = mapped_column(String(24))  # audit | inspection | self_inspection | report
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_code: Mapped[str] = mapped_column(String(64))
    rule_name: Mapped[str] = mapped_column(String(200))
    result_type: Mapped[str] = mapped_column(String(16))  # 明确违规 | 可疑
    institution_code: Mapped[str] = mapped_column(ForeignKey("sv_institution.code"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    mdtrt_id: Mapped[str | None] = mapped_column(String(64))
    psn_no: Mapped[str | None] = mapped_column(String(64))
    psn_name_masked: Mapped[str | None] = mapped_column(String(64))
    certno_masked: Mapped[str | None] = mapped_column(String(64))
    event_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    evidence: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(24), index=True)
    stage_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_amount: Mapped[Decimal | None] = mapped_column(Money)
    self_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("sv_case.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
