"""Reported fraud cases (``gov_case``) and case-reduction targets (``gov_case_target``).

A case is keyed by its case number (``case_no``): a re-import updates the row, never adds a second.
``unit_code`` is the residence unit (a ``gov_unit`` code, checked by the importer); statistics roll a
unit's cases up to every ancestor. ``fraud_type`` is a method id of the fraud-method knowledge base
(``texts/data/methods.json``: ``order_brushing`` …) or ``other``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, Money, UtcDateTime, now_utc


class GovCase(Base):
    __tablename__ = "gov_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(64), unique=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    fraud_type: Mapped[str] = mapped_column(String(40))
    loss: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    recovered: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    solved: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16))  # import | transfers | texts
    source_ref: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class CaseTarget(Base):
    """A reduction target: ``metric`` (cases | loss) of ``period_kind`` (half | year) must change by
    at most ``change_pct`` (e.g. ``-10``) against the previous period of that kind."""

    __tablename__ = "gov_case_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(8))
    period_kind: Mapped[str] = mapped_column(String(8))
    change_pct: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
