"""Shared supervision tables: the institution register, configuration, events and evidence files."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime, now_utc


class Institution(Base):
    """定点医药机构 register: code, name, type, level, region, risk score, agreement status."""

    __tablename__ = "sv_institution"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # hospital | clinic | pharmacy
    level: Mapped[str | None] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    risk_score: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("0"))
    agreement_status: Mapped[str] = mapped_column(String(16), default="active")
    suspended_until: Mapped[date | None] = mapped_column(Date)


class Config(Base):
    """Configurable rules as data (deadlines, fines leniency, reward rules, credit rules …)."""

    __tablename__ = "sv_config"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    updated_by: Mapped[str] = mapped_column(String(64))


class Event(Base):
    """Append-only history of every state change of any supervision subject."""

    __tablename__ = "sv_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(48))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    reason: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[int]] = mapped_column(JSON, default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Evidence(Base):
    """An uploaded file (explanation material, rectification evidence, inspection record)."""

    __tablename__ = "sv_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
