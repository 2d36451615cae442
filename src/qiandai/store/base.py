"""The declarative base every module's models derive from, with a naming convention for constraints.

Conventions: table names are ``<module>_<thing>`` (``sv_case``, ``tx_decision``); timestamps are
timezone-aware (UTC stored, Asia/Shanghai shown); money is ``Numeric(18, 2)``, never float.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, MetaData, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

SHANGHAI = ZoneInfo("Asia/Shanghai")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of all ORM models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC on every backend (SQLite keeps no zone itself).

    Naive datetimes are refused: time zones are explicit everywhere in Qiandai.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: time zones must be explicit")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Money = Numeric(18, 2, asdecimal=True)


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_money(value: Decimal | int | str) -> Decimal:
    """Exact two-decimal amount; refuses more than two decimals instead of rounding silently."""
    amount = Decimal(str(value))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"金额最多两位小数：{value}")
    return amount.quantize(Decimal("0.01"))
