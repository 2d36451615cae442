"""High-risk persons (一人一档): person files, contact records, reduction campaigns (核减).

Identity is stored masked for display (``name_masked``, ``id_masked``, ``phone_masked``) plus a keyed
digest of the ID number (``id_digest``: one file per person and category, re-import updates) and the
full identity Fernet-encrypted (``cipher``), shown only on a logged reveal. ``relation`` is 本人 for the
resident/staff member themself and 家属 for a family member registered under the unit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime, now_utc


class PersonFile(Base):
    __tablename__ = "gov_person"
    __table_args__ = (UniqueConstraint("id_digest", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_no: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    id_digest: Mapped[str] = mapped_column(String(64))
    name_masked: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(32))
    phone_masked: Mapped[str] = mapped_column(String(32), default="")
    cipher: Mapped[str] = mapped_column(Text)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    relation: Mapped[str] = mapped_column(String(8), default="本人")
    suspect: Mapped[bool] = mapped_column(Boolean, default=False)
    officer: Mapped[str] = mapped_column(String(64), default="")
    opened_on: Mapped[date] = mapped_column(Date)
    reduced_on: Mapped[date | None] = mapped_column(Date)
    reduced_note: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class PersonContact(Base):
    __tablename__ = "gov_person_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_person.id", ondelete="CASCADE"), index=True)
    on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(8))
    by_user: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class ReductionCampaign(Base):
    """A 核减 campaign: the files enrolled at creation, ``target_pct`` of them reduced by ``due_on``."""

    __tablename__ = "gov_reduction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(16))
    target_pct: Mapped[int] = mapped_column(Integer)
    start_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class ReductionItem(Base):
    __tablename__ = "gov_reduction_item"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("gov_reduction.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("gov_person.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(32))
