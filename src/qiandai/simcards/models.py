"""Tables of SIM-card screening (``sim_*``), built only by the ``simcards`` migration branch.

A scoring run (:class:`SimRunRow`) records when and on what it scored, the model's held-out metrics and
the counts per level; its results (:class:`SimResultRow`) hold the highest-ranked numbers with their
score, level, rules fired, Chinese reasons and top model features. Numbers are stored whole (police
need them to act) and masked on every page and export.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime


class SimRunRow(Base):
    __tablename__ = "sim_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_key: Mapped[str] = mapped_column(String(64), unique=True)
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(400))
    model_trained_at: Mapped[str | None] = mapped_column(String(40))
    numbers: Mapped[int] = mapped_column(Integer)
    high: Mapped[int] = mapped_column(Integer)
    medium: Mapped[int] = mapped_column(Integer)
    stored: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    invalid_rows: Mapped[int] = mapped_column(Integer)


class SimResultRow(Base):
    __tablename__ = "sim_result"
    __table_args__ = (Index("ix_sim_result_run_rank", "run_id", "rank", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sim_run.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(24))
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(4))
    rules: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    top_features: Mapped[list[str]] = mapped_column(JSON)
    registered_region: Mapped[str] = mapped_column(String(6))
    card_age_days: Mapped[int] = mapped_column(Integer)
    calls_out_per_day: Mapped[float] = mapped_column(Float)
