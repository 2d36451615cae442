"""Tables of the transfers module (``tx_*``), built only by the ``transfers`` migration branch."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, Money, UtcDateTime


class DecisionRow(Base):
    """One decided transfer: the request's key facts, the decision, its reasons and its feature vector."""

    __tablename__ = "tx_decision"
    __table_args__ = (
        Index("ix_tx_decision_payer_time", "payer_account", "ts"),
        Index("ix_tx_decision_payee_time", "payee_account", "ts"),
        Index("ix_tx_decision_device_time", "device_id", "ts"),
        Index("ix_tx_decision_ip_time", "ip", "ts"),
        Index("ix_tx_decision_pair", "payer_account", "payee_account"),
        Index("ix_tx_decision_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transfer_id: Mapped[str] = mapped_column(String(64), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ts: Mapped[float] = mapped_column(Float, doc="occurred_at as epoch seconds: the state's time axis")
    payer_account: Mapped[str] = mapped_column(String(32))
    payee_account: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    amount_cny: Mapped[float] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(8))
    device_id: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean)
    first_time_payee: Mapped[bool] = mapped_column(Boolean)
    decision: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    scenario: Mapped[str] = mapped_column(String(64))
    rules: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    likely_victim: Mapped[bool] = mapped_column(Boolean)
    fraud_type: Mapped[str] = mapped_column(String(32))
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    shadow: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LabelRow(Base):
    """Ground truth for back-tests: a confirmed fraud (or not) transfer."""

    __tablename__ = "tx_label"

    transfer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    is_fraud: Mapped[bool] = mapped_column(Boolean)
    fraud_type: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(64), default="")
    labelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), doc="imported or last changed")


class HoldRow(Base):
    """A police hold (紧急止付 / 快速冻结) on an account."""

    __tablename__ = "tx_hold"
    __table_args__ = (
        Index("ix_tx_hold_account_status", "account", "status"),
        Index("ix_tx_hold_status_ends", "status", "ends_at"),  # expiry sweep, queue gauges
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(32))
    bank: Mapped[str] = mapped_column(String(64), default="")
    account_name: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[Decimal | None] = mapped_column(Money)
    issuing_unit: Mapped[str] = mapped_column(String(100))
    document_ref: Mapped[str] = mapped_column(String(100))
    case_no: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    returned_amount: Mapped[Decimal | None] = mapped_column(Money)
    returned_to: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HoldInstructionRow(Base):
    """Every police instruction received, keyed by its id: the idempotency record."""

    __tablename__ = "tx_hold_instruction"

    instruction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    hold_id: Mapped[str] = mapped_column(String(32), ForeignKey("tx_hold.id"))
    payload_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HoldEventRow(Base):
    """The log of a hold: created, renewed, released, returned, expired."""

    __tablename__ = "tx_hold_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hold_id: Mapped[str] = mapped_column(String(32), ForeignKey("tx_hold.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    instruction_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    detail: Mapped[str] = mapped_column(Text, default="")


class ListEntryRow(Base):
    """A member of a risk list or allow-list."""

    __tablename__ = "tx_list_entry"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_tx_list_entry_kind_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(400), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ScenarioVersionRow(Base):
    """A scenario version as JSON; ``shadow`` marks the one version run beside the live one."""

    __tablename__ = "tx_scenario_version"

    scenario: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class UnitRow(Base):
    """A responsible unit for 预警劝阻: anti-fraud centre, police station, community or village grid."""

    __tablename__ = "tx_unit"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(12), index=True)


class WarningRow(Base):
    """A 预警 about a likely victim, routed to a unit, with its SLA and outcome."""

    __tablename__ = "tx_warning"
    __table_args__ = (
        Index("ix_tx_warning_unit_status", "unit_code", "status"),
        Index("ix_tx_warning_status_level", "status", "level", "created_at"),  # open queue by level
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    transfer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    level: Mapped[str] = mapped_column(String(4))
    fraud_type: Mapped[str] = mapped_column(String(32), default="")
    reasons: Mapped[list[str]] = mapped_column(JSON)
    victim_name: Mapped[str] = mapped_column(String(100), default="")
    victim_phone: Mapped[str] = mapped_column(String(20), default="")
    victim_account: Mapped[str] = mapped_column(String(32), default="")
    victim_region: Mapped[str] = mapped_column(String(12), default="")
    amount: Mapped[Decimal | None] = mapped_column(Money)
    unit_code: Mapped[str | None] = mapped_column(String(32), ForeignKey("tx_unit.code"))
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WarningContactRow(Base):
    """One attempt to reach the person warned."""

    __tablename__ = "tx_warning_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    warning_id: Mapped[str] = mapped_column(String(32), ForeignKey("tx_warning.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by_user: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    reached: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
