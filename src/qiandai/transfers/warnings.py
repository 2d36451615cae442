"""预警劝阻: levels, SLA per level, and routing of a likely victim to the responsible unit (pure logic).

Routing: the unit whose region code is the *longest prefix* of the victim's address code wins — a
village grid (12-digit code) before its township police station (9 digits) before the county anti-fraud
centre (6 digits). SLA: minutes from creation to the first contact attempt, per level; configurable
(``QIANDAI_WARNING_SLA="高=30,中=120,低=1440"`` or a :class:`SlaPolicy` passed in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from qiandai.config import get_settings, parse_sla
from qiandai.transfers.model import Decision, DecisionResult, Transfer


class Level(StrEnum):
    HIGH = "高"
    MEDIUM = "中"
    LOW = "低"


class Outcome(StrEnum):
    DISSUADED = "劝阻成功"
    DEFRAUDED = "已被骗"
    UNREACHABLE = "无法联系"
    FALSE_ALARM = "误报"


class WarningStatus(StrEnum):
    OPEN = "open"
    CONTACTING = "contacting"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "待处置", "contacting": "处置中", "closed": "已办结"}[self.value]


class ContactChannel(StrEnum):
    PHONE = "电话"
    VISIT = "上门"
    SMS = "短信"
    VIDEO = "视频"


DEFAULT_SLA_MINUTES = {Level.HIGH: 30, Level.MEDIUM: 120, Level.LOW: 1440}


@dataclass(frozen=True)
class SlaPolicy:
    """Minutes allowed before the first contact, per level."""

    minutes: dict[Level, int] = field(default_factory=lambda: dict(DEFAULT_SLA_MINUTES))

    def due(self, level: Level, created_at: datetime) -> datetime:
        return created_at + timedelta(minutes=self.minutes[level])

    @classmethod
    def from_env(cls) -> SlaPolicy:
        """Read ``QIANDAI_WARNING_SLA`` (e.g. ``高=30,中=120,低=1440``); defaults for missing levels."""
        minutes = dict(DEFAULT_SLA_MINUTES)
        for name, value in parse_sla(get_settings().warning_sla).items():  # validated at start-up
            minutes[Level(name)] = value
        return cls(minutes)


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str  # 反诈中心 / 派出所 / 社区 / 村网格
    region_code: str


def route(units: list[Unit], region: str | None) -> Unit | None:
    """The unit with the longest region code that prefixes ``region`` (None when none matches)."""
    if not region:
        return None
    best: Unit | None = None
    for unit in units:
        if region.startswith(unit.region_code) and (
            best is None or len(unit.region_code) > len(best.region_code)
        ):
            best = unit
    return best


@dataclass(frozen=True)
class WarningDraft:
    """A warning before it is routed and stored."""

    source: str  # "decision" or "feed"
    level: Level
    reasons: list[str]
    fraud_type: str = ""
    transfer_id: str | None = None
    external_id: str | None = None
    victim_name: str = ""
    victim_phone: str = ""
    victim_account: str = ""
    victim_region: str = ""
    amount: Decimal | None = None


def level_for(result: DecisionResult) -> Level:
    """高 for an intercepted transfer, 中 for a delayed one, 低 otherwise."""
    if result.decision is Decision.BLOCK:
        return Level.HIGH
    if result.decision is Decision.DELAY:
        return Level.MEDIUM
    return Level.LOW


def draft_from_decision(transfer: Transfer, result: DecisionResult) -> WarningDraft | None:
    """A warning when the decision marks the payer as a likely victim, else None."""
    if not result.likely_victim:
        return None
    return WarningDraft(
        source="decision",
        level=level_for(result),
        reasons=[h.reason for h in result.hits if h.victim],
        fraud_type=result.fraud_type,
        transfer_id=transfer.transfer_id,
        victim_name=transfer.payer_name or "",
        victim_phone=transfer.payer_phone or "",
        victim_account=transfer.payer_account,
        victim_region=transfer.payer_region or "",
        amount=transfer.amount,
    )
