"""Tables of the cards module (``dk_*``), built only by the ``cards`` migration branch."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime


class ScreeningRunRow(Base):
    """One mule-account screening run: where its transfers came from, its parameters and its counts."""

    __tablename__ = "dk_screening_run"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(400))
    as_of: Mapped[datetime | None] = mapped_column(UtcDateTime())
    transfers: Mapped[int] = mapped_column(Integer)
    accounts: Mapped[int] = mapped_column(Integer, doc="accounts screened (all, not only those stored)")
    high: Mapped[int] = mapped_column(Integer)
    medium: Mapped[int] = mapped_column(Integer)
    low: Mapped[int] = mapped_column(Integer)
    networks: Mapped[int] = mapped_column(Integer)
    published: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    seconds: Mapped[float] = mapped_column(Float)


class ScreenedAccountRow(Base):
    """A graded account of a run (高 and 中, and 低 accounts that have at least one reason)."""

    __tablename__ = "dk_screened_account"
    __table_args__ = (
        UniqueConstraint("run_id", "account", name="uq_dk_screened_account_run_account"),
        Index("ix_dk_screened_account_account", "account"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("dk_screening_run.id", ondelete="CASCADE"))
    account: Mapped[str] = mapped_column(String(32))
    grade: Mapped[str] = mapped_column(String(2))
    score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    network_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)


class ScreenedNetworkRow(Base):
    """A network of linked suspicious accounts (a connected component) of a run, with its flow."""

    __tablename__ = "dk_screened_network"
    __table_args__ = (UniqueConstraint("run_id", "network_id", name="uq_dk_screened_network_run_network"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("dk_screening_run.id", ondelete="CASCADE"))
    network_id: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    high: Mapped[int] = mapped_column(Integer)
    communities: Mapped[int] = mapped_column(Integer)
    flow_in: Mapped[float] = mapped_column(Float, doc="money received from outside the network (CNY)")
    flow_internal: Mapped[float] = mapped_column(Float, doc="money moved between its members (CNY)")
    flow_out: Mapped[float] = mapped_column(Float, doc="money sent outside the network (CNY)")
    links: Mapped[dict[str, Any]] = mapped_column(JSON, doc="edges: flows and shared devices/IPs/phones")


class PunishedPersonRow(Base):
    """A person on the punishment list (惩戒名单) and the accounts the measures apply to."""

    __tablename__ = "dk_punished_person"
    __table_args__ = (
        UniqueConstraint("id_number", "document_ref", name="uq_dk_punished_person_id_number"),
        Index("ix_dk_punished_person_status", "status", "end_date"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    accounts: Mapped[list[str]] = mapped_column(JSON)
    basis: Mapped[str] = mapped_column(String(16), doc="designated (公安认定) | convicted (判决)")
    document_ref: Mapped[str] = mapped_column(String(100))
    issuing_unit: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date, doc="last day of the punishment (inclusive)")
    status: Mapped[str] = mapped_column(String(16), doc="active | expired | removed")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PunishmentEventRow(Base):
    """Every change of a punishment entry: designated, accounts added, appeal filed/decided, expired."""

    __tablename__ = "dk_punishment_event"
    __table_args__ = (Index("ix_dk_punishment_event_person", "person_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dk_punished_person.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class AppealRow(Base):
    """An appeal (申诉) against a punishment and its decision record."""

    __tablename__ = "dk_appeal"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dk_punished_person.id", ondelete="CASCADE")
    )
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), doc="pending | upheld | rejected")
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")


class AccountHoldingRow(Base):
    """An account a person already holds (at this bank or, from the shared registry, elsewhere)."""

    __tablename__ = "dk_account_holding"
    __table_args__ = (Index("ix_dk_account_holding_id_number", "id_number"),)

    account: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18))
    bank: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date | None] = mapped_column(Date)


class CarrierRealNameRow(Base):
    """A carrier's real-name record of a phone number (the stored implementation of the carrier lookup)."""

    __tablename__ = "dk_carrier_realname"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))


class AccountOpeningRow(Base):
    """One account-opening check and its answer (允许 / 拒绝 / 需柜面核实) with the reasons."""

    __tablename__ = "dk_account_opening"
    __table_args__ = (Index("ix_dk_account_opening_id_number", "id_number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True, doc="the caller's request id, or generated")
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    bank: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(64), default="")
