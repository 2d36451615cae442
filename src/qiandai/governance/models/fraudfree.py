"""Fraud-free village/unit evaluation (无诈村/无诈单位): fraud dens, one evaluation per unit and year.

An evaluation row carries the computed verdict and the evidence of each criterion (JSON, as computed
when the draft was built), its review state (draft → accepted/rejected → published) and the reviewer's
note. ``(year, unit_code)`` is unique: rebuilding a draft updates rows still in draft, never adds.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime, now_utc


class FraudDen(Base):
    """A fraud den (窝点) found in a unit: a place used for telecom fraud (call rooms, SIM boxes…)."""

    __tablename__ = "gov_fraud_den"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    found_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class FraudFreeEvaluation(Base):
    __tablename__ = "gov_fraudfree"
    __table_args__ = (UniqueConstraint("year", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(8))  # village | unit
    passed: Mapped[bool] = mapped_column(Boolean)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))  # draft | accepted | rejected | published
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
