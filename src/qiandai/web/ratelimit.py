"""Rate limits of the public whistleblower form and the login, shared by every worker process.

The counts live in the database (table ``web_rate_limit``, Alembic revision ``store_0002``), so two or
more ``qiandai serve`` workers enforce one limit. The algorithm is the *sliding window counter*: time is
cut into fixed slots of ``window`` seconds; an event is allowed while

    hits(current slot) + hits(previous slot) × (share of the previous slot still inside the window)

stays below ``limit``. The increment is one atomic statement,
``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 WHERE hits < cap RETURNING hits``: no row comes
back when the cap is reached, so concurrent requests (threads or processes, PostgreSQL row lock or
SQLite's single writer) can never push the count past the limit, and a refused event is not counted.
The previous slot is read in its own short transaction before (it no longer changes). Keys are stored
hashed (SHA-256 of the client address, or username + address): no address or name is kept in the
table. Slots older than the previous one are pruned whenever a key opens a new slot.

Each check runs in its own transaction on the application's session factory, independent of the
request's unit of work, so a refused or failed request still counts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Any

from fastapi import Request
from sqlalchemy import BigInteger, Integer, String, delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from qiandai.config import parse_rate, rate_spec
from qiandai.store.base import Base
from qiandai.store.database import unit_of_work

log = logging.getLogger(__name__)


class RateWindow(Base):
    """Hits of one (hashed) key of one limiter in one window slot."""

    __tablename__ = "web_rate_limit"

    bucket: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


def _insert(session: Session) -> Any:
    """The dialect's INSERT construct that supports ON CONFLICT (PostgreSQL, SQLite)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise NotImplementedError(f"rate limiter: unsupported database {name}")


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key, counted in the database."""

    def __init__(self, limit: int, window: float, name: str = "default") -> None:
        if limit < 1 or window <= 0:
            raise ValueError("rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = float(window)
        self.name = name[:32]

    def _slot(self, now: float) -> tuple[int, float]:
        """The current slot number and the share of it already elapsed (0 ≤ share < 1)."""
        position = now / self.window
        slot = math.floor(position)
        return slot, position - slot

    @staticmethod
    def _hash(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def allow(self, factory: sessionmaker[Session], key: str, now: float | None = None) -> bool:
        """Record one event for ``key``; False (and nothing recorded) when over the limit."""
        now = time.time() if now is None else now
        slot, elapsed = self._slot(now)
        key_hash = self._hash(key)
        with unit_of_work(factory) as session:
            previous = session.scalar(
                select(RateWindow.hits).where(
                    RateWindow.bucket == self.name,
                    RateWindow.key_hash == key_hash,
                    RateWindow.slot == slot - 1,
                )
            )
        carried = math.floor((previous or 0) * (1.0 - elapsed))
        cap = self.limit - carried
        if cap <= 0:
            return False
        with unit_of_work(factory) as session:
            insert = _insert(session)
            stmt = insert(RateWindow).values(bucket=self.name, key_hash=key_hash, slot=slot, hits=1)
            stmt = stmt.on_conflict_do_update(
                index_elements=[RateWindow.bucket, RateWindow.key_hash, RateWindow.slot],
                set_={"hits": RateWindow.hits + 1},
                where=RateWindow.hits < cap,
            ).returning(RateWindow.hits)
            hits = session.execute(stmt).scalar_one_or_none()
        if hits == 1:
            self.prune(factory, now)
        return hits is not None

    def check(self, request: Request, key: str) -> bool:
        """:meth:`allow` on the application's session factory (the call sites' form)."""
        factory: sessionmaker[Session] = request.app.state.session_factory
        return self.allow(factory, key)

    def prune(self, factory: sessionmaker[Session], now: float | None = None) -> int:
        """Delete this limiter's slots older than the previous one; returns the number removed.

        Best effort: a failure (e.g. a lock conflict with another worker pruning) is logged and left
        to the next prune.
        """
        slot, _ = self._slot(time.time() if now is None else now)
        try:
            with unit_of_work(factory) as session:
                result = session.execute(
                    delete(RateWindow).where(RateWindow.bucket == self.name, RateWindow.slot < slot - 1)
                )
            return int(getattr(result, "rowcount", 0) or 0)
        except DBAPIError as exc:  # pragma: no cover - depends on a concurrent prune
            log.warning("rate limiter %s: prune skipped (%s)", self.name, type(exc).__name__)
            return 0

    @classmethod
    def from_env(cls, name: str, default: str) -> RateLimiter:
        """``QIANDAI_RATE_<NAME>="5/600"`` (events/seconds), else ``default``."""
        limit, window = parse_rate(rate_spec(name, default))  # validated at start-up (qiandai.config)
        return cls(limit, window, name=name)
