"""Rectification items (整改台账), random inspections (双随机) with the expert pool, self-inspections."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, Money, UtcDateTime, now_utc


class Rectification(Base):
    """One confirmed problem to fix: owner, deadline, evidence, verification, close-out, re-check."""

    __tablename__ = "sv_rectification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("sv_institution.code"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("sv_case.id"))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("sv_finding.id"))
    title: Mapped[str] = mapped_column(String(300))
    requirement: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    recheck_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recheck_result: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class Expert(Base):
    """专家库 member: speciality 医保 / 医务 / 药学 / 财务 / 物价; employer institution for conflicts."""

    __tablename__ = "sv_expert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    speciality: Mapped[str] = mapped_column(String(16), index=True)
    employer_code: Mapped[str | None] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Draw(Base):
    """A recorded draw: seed, parameters and the exact candidate inputs, so anyone can replay it."""

    __tablename__ = "sv_draw"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draw_no: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    result_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DrawTarget(Base):
    __tablename__ = "sv_draw_target"
    __table_args__ = (
        UniqueConstraint("draw_id", "institution_code", name="uq_sv_draw_target_draw_institution"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("sv_draw.id"), index=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("sv_institution.code"))
    region_code: Mapped[str] = mapped_column(String(12))
    stratum: Mapped[str] = mapped_column(String(16))
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    position: Mapped[int] = mapped_column(Integer)


class DrawInspector(Base):
    __tablename__ = "sv_draw_inspector"
    __table_args__ = (UniqueConstraint("target_id", "expert_id", name="uq_sv_draw_inspector_target_expert"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("sv_draw.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("sv_draw_target.id"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("sv_expert.id"))
    speciality: Mapped[str] = mapped_column(String(16))


class SelfInspection(Base):
    """自查自纠 report of an institution for a period, with the voluntary refund."""

    __tablename__ = "sv_self_inspection"
    __table_args__ = (
        UniqueConstraint("institution_code", "period", name="uq_sv_self_inspection_institution_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("sv_institution.code"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    period: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    problem_count: Mapped[int] = mapped_column(Integer)
    problem_amount: Mapped[Decimal] = mapped_column(Money)
    refund_amount: Mapped[Decimal] = mapped_column(Money)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    # the bureau's acceptance (受理审核): submitted → accepted | returned (→ accepted after more refund)
    status: Mapped[str] = mapped_column(String(16), default="submitted", server_default="submitted")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    review_opinion: Mapped[str | None] = mapped_column(Text)
