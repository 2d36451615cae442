"""Whistleblower reports (举报) and rewards (举报奖励). The reporter's identity is Fernet-encrypted."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, Money, UtcDateTime, now_utc


class Report(Base):
    __tablename__ = "sv_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    receipt_code: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # form | api | phone
    anonymous: Mapped[bool] = mapped_column(Boolean)
    reporter_cipher: Mapped[str | None] = mapped_column(Text)
    institution_code: Mapped[str | None] = mapped_column(ForeignKey("sv_institution.code"))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    alleged_amount: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verified_amount: Mapped[Decimal | None] = mapped_column(Money)
    conclusion: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class Reward(Base):
    __tablename__ = "sv_reward"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("sv_report.id"), unique=True)
    verified_amount: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    amount: Mapped[Decimal] = mapped_column(Money)
    rule: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # proposed | approved | paid
    proposed_by: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
