"""Publicity ledger (宣传台账): events with their photos, and awareness surveys (知晓率) per unit.

An event's ``ref`` is its idempotency key: the ledger's own number when the sheet has one, else a
digest of (unit, date, kind, place) — importing the same ledger twice updates, never doubles.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime, now_utc


class PublicityEvent(Base):
    __tablename__ = "gov_publicity_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(100), default="")
    people: Mapped[int] = mapped_column(Integer, default=0)
    leaflets: Mapped[int] = mapped_column(Integer, default=0)
    banners: Mapped[int] = mapped_column(Integer, default=0)
    screens: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class PublicityPhoto(Base):
    __tablename__ = "gov_publicity_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("gov_publicity_event.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class Survey(Base):
    """An awareness survey: ``questions`` questions per respondent."""

    __tablename__ = "gov_survey"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    questions: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class SurveyResult(Base):
    """One unit's answers: respondents and correct answers (知晓率 = correct / (respondents × questions))."""

    __tablename__ = "gov_survey_result"
    __table_args__ = (UniqueConstraint("survey_id", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("gov_survey.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    respondents: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer)
