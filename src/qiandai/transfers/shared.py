"""Shared feature state in PostgreSQL, for several workers (docs/adr/0020-shared-transfer-state.md).

One transaction per decision:

1. ``pg_advisory_xact_lock`` on every key the decision reads or changes — payer and payee accounts
   (an account is one key whichever side it is on), device, IP and the transfer id — taken in sorted
   order, so two decisions that share a key run one after the other and none deadlock;
2. one SQL statement (one round trip) computes the state features with the same definitions as
   :class:`~qiandai.transfers.state.MemoryState` (windows ``(t - w, t]`` over ``tx_decision``), and
   reads the stored answer for the transfer id (returned as is if present: one decision per id) and
   the active holds of both accounts from ``tx_hold``;
3. the engine evaluates; the decision row (and the warning, if any) is inserted; commit.

The read must be a separate statement after the lock, since a statement's snapshot is taken when it
starts. The event-loop path (:meth:`SharedDecider.decide_async`, what served workers use) sends the
statements as two scripts over statements prepared once per connection — ``BEGIN; lock; read`` and
``insert; COMMIT``: two round trips (docs/adr/0027-two-round-trip-decisions.md). The thread path
(:meth:`SharedDecider.decide`: decisions that write a warning, the FastAPI route) runs them one by one
in a SQLAlchemy-managed transaction.

Velocity counts are therefore exact under any concurrency: each decision sees every decision committed
before it on its keys. Lists and scenario versions stay in each worker's memory (refreshed by the
runtime's background loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from qiandai.store.database import CONNECT_TIMEOUT
from qiandai.transfers import repository, warning_service
from qiandai.transfers.engine import DecisionEngine
from qiandai.transfers.holds import ActiveHold, HoldIndex, HoldKind
from qiandai.transfers.model import Transfer
from qiandai.transfers.state import DAY, HISTORY, HOUR, MIN10, MIN30, SMALL_AMOUNT
from qiandai.transfers.warnings import SlaPolicy, draft_from_decision

FEATURES_SQL = text(
    f"""
WITH o AS (SELECT
    count(*) FILTER (WHERE ts > :t - {MIN10}) AS payer_out_count_10m,
    count(*) FILTER (WHERE ts > :t - {HOUR}) AS payer_out_count_1h,
    count(*) FILTER (WHERE ts > :t - {DAY}) AS payer_out_count_24h,
    coalesce(sum(amount_cny) FILTER (WHERE ts > :t - {DAY}), 0) AS payer_out_sum_24h,
    count(*) FILTER (WHERE ts > :t - {DAY} AND amount_cny <= {SMALL_AMOUNT}) AS payer_small_count_24h,
    count(DISTINCT payee_account) FILTER (WHERE ts > :t - {DAY}) AS payer_distinct_payees_24h,
    count(*) FILTER (WHERE ts > :t - {DAY} AND first_time_payee) AS payer_new_payees_24h,
    count(*) FILTER (WHERE passed) AS payer_history_count_30d,
    max(amount_cny) FILTER (WHERE passed) AS payer_max_amount_30d,
    avg(amount_cny) FILTER (WHERE passed) AS payer_avg_amount_30d
  FROM tx_decision WHERE payer_account = :payer AND ts > :t - {HISTORY} AND ts <= :t),
     i AS (SELECT
    count(*) FILTER (WHERE ts > :t - {HOUR}) AS payee_in_count_1h,
    count(*) AS payee_in_count_24h,
    coalesce(sum(amount_cny), 0) AS payee_in_sum_24h,
    count(DISTINCT payer_account) FILTER (WHERE ts > :t - {HOUR}) AS payee_distinct_payers_1h,
    count(DISTINCT payer_account) AS payee_distinct_payers_24h
  FROM tx_decision WHERE payee_account = :payee AND ts > :t - {DAY} AND ts <= :t),
     m AS (SELECT
    coalesce(sum(amount_cny) FILTER (WHERE passed AND ts > :t - {MIN30}), 0) AS payer_in_sum_30m,
    count(*) AS payer_in_count_24h
  FROM tx_decision WHERE payee_account = :payer AND ts > :t - {DAY} AND ts <= :t),
     d AS (SELECT
    count(DISTINCT payer_account) AS device_distinct_payers_24h,
    count(*) FILTER (WHERE ts > :t - {HOUR}) AS device_out_count_1h
  FROM tx_decision WHERE device_id = :device AND ts > :t - {DAY} AND ts <= :t),
     p AS (SELECT count(DISTINCT payer_account) AS ip_distinct_payers_24h
  FROM tx_decision WHERE ip = :ip AND ts > :t - {DAY} AND ts <= :t)
SELECT o.*, i.*, m.*, d.*, p.*,
  EXISTS (SELECT 1 FROM tx_decision WHERE payer_account = :payer AND payee_account = :payee AND passed)
    AS known_payee,
  EXISTS (SELECT 1 FROM tx_decision WHERE payer_account = :payer AND device_id IS NOT NULL) AS has_device,
  EXISTS (SELECT 1 FROM tx_decision WHERE payer_account = :payer AND device_id = :device) AS used_device,
  (SELECT min(ts) FROM tx_decision WHERE payee_account = :payee) AS first_seen,
  (SELECT response FROM tx_decision WHERE transfer_id = :tid) AS stored,
  (SELECT json_agg(json_build_array(id, kind, account, CAST(amount AS text), document_ref, issuing_unit,
                                    extract(epoch FROM ends_at)))
   FROM tx_hold WHERE account IN (:payer, :payee) AND status = 'active') AS holds
FROM o, i, m, d, p
"""
)
LOCK_SQL = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) WITH ORDINALITY AS u(k, n)"
)
#: The decision row; the transfer-id lock and the stored-answer check make a conflict impossible.
INSERT = pg_insert(repository.DECISIONS).on_conflict_do_nothing(index_elements=["transfer_id"])
_COUNTS = [
    "payer_out_count_10m",
    "payer_out_count_1h",
    "payer_out_count_24h",
    "payer_small_count_24h",
    "payer_distinct_payees_24h",
    "payer_new_payees_24h",
    "payer_history_count_30d",
    "payee_in_count_1h",
    "payee_in_count_24h",
    "payee_distinct_payers_1h",
    "payee_distinct_payers_24h",
    "payer_in_count_24h",
    "device_distinct_payers_24h",
    "device_out_count_1h",
    "ip_distinct_payers_24h",
]


def lock_key(key: str) -> int:
    """A signed 64-bit advisory-lock key for ``key``."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _features(r: Any, transfer: Transfer) -> dict[str, Any]:
    t = transfer.occurred_at.timestamp()
    x: dict[str, Any] = {name: int(r[name]) for name in _COUNTS}
    x["payer_out_sum_24h"] = round(float(r["payer_out_sum_24h"]), 2)
    x["payee_in_sum_24h"] = round(float(r["payee_in_sum_24h"]), 2)
    x["payer_in_sum_30m"] = round(float(r["payer_in_sum_30m"]), 2)
    x["payer_max_amount_30d"] = (
        None if r["payer_max_amount_30d"] is None else float(r["payer_max_amount_30d"])
    )
    x["payer_avg_amount_30d"] = (
        None if r["payer_avg_amount_30d"] is None else round(float(r["payer_avg_amount_30d"]), 2)
    )
    x["first_time_payee"] = not r["known_payee"]
    x["new_device"] = bool(transfer.device_id) and bool(r["has_device"]) and not r["used_device"]
    first = r["first_seen"]
    x["payee_first_seen_days"] = None if first is None or first > t else round((t - first) / 86400.0, 3)
    return x


def _holds(rows: list[list[Any]] | None) -> HoldIndex:
    holds = HoldIndex()
    for hold_id, kind, account, amount, document_ref, unit, ends in rows or ():
        amount_d = None if amount is None else Decimal(amount)
        holds.put(ActiveHold(hold_id, HoldKind(kind), account, amount_d, document_ref, unit, float(ends)))
    return holds


class SharedDecider:
    """Decisions against the shared PostgreSQL state; ``engine`` supplies program, lists and guidance.

    The three statements are compiled by SQLAlchemy once, here, with the column types' bind
    processors looked up once. :meth:`decide_async` (served workers, on the event loop) runs them as
    two scripts over statements each connection prepares once (docs/adr/0027-two-round-trip-decisions.md).
    :meth:`decide` (thread path: decisions that write a warning, the FastAPI route) runs them one by
    one as protocol-level prepared statements on the psycopg connection under a pooled SQLAlchemy
    connection, which owns the transaction; the rare warning is written by an ORM session joined to
    it (docs/adr/0026-lean-decision-path.md).
    """

    def __init__(self, factory: sessionmaker[Session], engine: DecisionEngine, sla: SlaPolicy) -> None:
        self.factory, self.engine, self.sla = factory, engine, sla
        self.engine_db: Engine = factory.kw["bind"]
        dialect = self.engine_db.dialect
        self._lock_sql = str(LOCK_SQL.compile(dialect=dialect))
        self._read_sql = str(FEATURES_SQL.compile(dialect=dialect))
        columns = [c for c in repository.DECISIONS.columns if c.name != "id"]
        self._insert_sql = str(INSERT.compile(dialect=dialect, column_keys=[c.name for c in columns]))
        self._binds = [(c.name, c.type._cached_bind_processor(dialect)) for c in columns]
        conninfo = self.engine_db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        # The event-loop path (decide_async) runs two scripts per decision on autocommit connections,
        # over statements each connection prepares once (SQL PREPARE, below): two round trips instead
        # of five (BEGIN, lock, read, insert, COMMIT). On this platform a round trip's system calls
        # and event-loop wake-ups cost more CPU than the statements themselves (ADR 0027).
        read_types = {
            "t": "float8",
            "payer": "text",
            "payee": "text",
            "device": "text",
            "ip": "text",
            "tid": "text",
        }
        insert_types = {c.name: c.type.compile(dialect=dialect) for c in columns}
        prepares = [
            _prepare("qd_lock", self._lock_sql, {"keys": "bigint[]"}),
            _prepare("qd_read", self._read_sql, read_types),
            _prepare("qd_insert", self._insert_sql, insert_types),
        ]
        self._script_read = (
            f"BEGIN; EXECUTE qd_lock(%(keys)s); EXECUTE qd_read({', '.join(f'%({n})s' for n in read_types)})"
        )
        self._script_write = f"EXECUTE qd_insert({', '.join(f'%({n})s' for n in insert_types)}); COMMIT"
        self._async_pool = _AsyncPool(conninfo, self.engine_db.pool.size(), prepares)

    def decide(self, transfer: Transfer, now: datetime) -> dict[str, Any]:
        """Decide ``transfer`` (:meth:`_decide_once`); once more after a broken connection (a database
        restart), which the pool has then invalidated. Safe to repeat: the transfer-id lock and the
        stored-answer check make an attempt whose commit did reach the database answer that decision."""
        try:
            return self._decide_once(transfer, now)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        return self._decide_once(transfer, now)

    def _decide_once(self, transfer: Transfer, now: datetime) -> dict[str, Any]:
        keys, params = _keys(transfer), _params(transfer)
        with self.engine_db.begin() as conn:
            raw: Any = conn.connection.driver_connection
            with raw.cursor(row_factory=dict_row) as cur:
                cur.execute(self._lock_sql, {"keys": keys}, prepare=True)  # keys in sorted order
                cur.execute(self._read_sql, params, prepare=True)  # snapshot after the locks
                r = cur.fetchone()
                if r["stored"] is not None:
                    return {**r["stored"], "duplicate": True}
                result, event = self.engine.evaluate_features(
                    transfer, _features(r, transfer), now, _holds(r["holds"])
                )
                row = repository.decision_row(transfer, result, event)
                values = {name: (bind(row[name]) if bind else row[name]) for name, bind in self._binds}
                cur.execute(self._insert_sql, values, prepare=True)
            draft = draft_from_decision(transfer, result)
            if draft is not None:  # rare: an ORM session joined to this transaction writes the warning
                with Session(bind=conn) as session:
                    warning_service.create_warnings(session, [draft], self.sla, now)
                    session.flush()
            return result.public()

    async def decide_async(self, transfer: Transfer, now: datetime) -> dict[str, Any] | None:
        """:meth:`_decide_async_once`; once more on a new connection after a connection failure (a
        database restart drops every pooled connection: the idle ones are discarded too), so a restart
        costs no errors once the server is back. Safe to repeat, as for :meth:`decide`."""
        try:
            return await self._decide_async_once(transfer, now)
        except psycopg.OperationalError:
            self._async_pool.discard_idle()
        return await self._decide_async_once(transfer, now)

    async def _decide_async_once(self, transfer: Transfer, now: datetime) -> dict[str, Any] | None:
        """:meth:`decide` on the event loop (an asyncio psycopg connection: no thread hand-off).

        The same statements, locks and transaction. Returns ``None``, having rolled back and written
        nothing, for a decision that needs a warning (rare): the caller then runs :meth:`decide`,
        which decides again under the same locks and writes decision and warning together.
        """
        params = {"keys": "{" + ",".join(map(str, _keys(transfer))) + "}", **_params(transfer)}
        conn = await self._async_pool.get()
        try:
            async with psycopg.AsyncClientCursor(conn, row_factory=dict_row) as cur:
                # one round trip: BEGIN; the locks (keys in sorted order); the read, whose snapshot is
                # taken after the locks (each statement of the script has its own)
                await cur.execute(self._script_read, params)
                cur.nextset()
                cur.nextset()
                r: Any = await cur.fetchone()
                if r["stored"] is not None:
                    await cur.execute("ROLLBACK")
                    return {**r["stored"], "duplicate": True}
                result, event = self.engine.evaluate_features(
                    transfer, _features(r, transfer), now, _holds(r["holds"])
                )
                if draft_from_decision(transfer, result) is not None:
                    await cur.execute("ROLLBACK")
                    return None
                row = repository.decision_row(transfer, result, event)
                values = {name: (bind(row[name]) if bind else row[name]) for name, bind in self._binds}
                # one round trip: the decision row and the commit (stored and durable before answered)
                await cur.execute(self._script_write, values)
            return result.public()
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.rollback()
            raise
        finally:
            self._async_pool.put(conn)

    async def warm_async(self) -> int:
        """Open every connection of the event loop's pool and prepare the hot statements on each.

        Run once at a worker's start (``qiandai serve``), so that no live decision pays for a
        connection start-up or a statement preparation. Reads only (the read is for a transfer id
        that cannot exist) and rolls back. Returns the number of connections warmed.
        """
        conns = [await self._async_pool.get() for _ in range(self._async_pool.size)]  # prepared on open
        params = {"keys": "{}", "t": 0.0, "payer": "", "payee": "", "device": "", "ip": "", "tid": ""}
        try:
            for conn in conns:
                async with psycopg.AsyncClientCursor(conn) as cur:
                    await cur.execute(self._script_read, params)
                    await cur.execute("ROLLBACK")
        finally:
            for conn in conns:
                self._async_pool.put(conn)
        return len(conns)

    def close(self) -> None:
        self._async_pool.close()
        self.engine_db.dispose()


def _keys(transfer: Transfer) -> list[int]:
    """Advisory-lock keys of every key the decision reads or changes, in sorted order."""
    return sorted(
        {lock_key("a:" + transfer.payer_account), lock_key("a:" + transfer.payee_account)}
        | {lock_key("t:" + transfer.transfer_id)}
        | ({lock_key("d:" + transfer.device_id)} if transfer.device_id else set())
        | ({lock_key("i:" + transfer.ip)} if transfer.ip else set())
    )


def _params(transfer: Transfer) -> dict[str, Any]:
    return {
        "t": transfer.occurred_at.timestamp(),
        "payer": transfer.payer_account,
        "payee": transfer.payee_account,
        "device": transfer.device_id or "",
        "ip": transfer.ip or "",
        "tid": transfer.transfer_id,
    }


def _prepare(name: str, statement: str, types: dict[str, str]) -> str:
    """``PREPARE name(types) AS statement``: ``statement``'s ``%(key)s`` placeholders (the order of
    ``types``) become ``$1, $2 …``; explicit types, since PostgreSQL would infer ``$1 - 86400`` as an
    integer."""
    for i, key in enumerate(types, start=1):
        assert f"%({key})s" in statement, (name, key)
        statement = statement.replace(f"%({key})s", f"${i}")
    assert "%(" not in statement, name
    return f"PREPARE {name}({', '.join(types.values())}) AS {statement.replace('%%', '%')}"


class _AsyncPool:
    """At most ``size`` asyncio psycopg connections of one event loop; callers beyond that wait.

    Bounded like the runtime's synchronous pool (docs/adr/0024-transfer-http-hot-path.md). A connection
    returned broken or inside a transaction is closed and its slot freed (the next caller opens a new
    one, so a database restart fails only the decisions in flight). Bound to the loop that first used
    it; a new loop (a test client's) starts a fresh set.
    """

    def __init__(self, conninfo: str, size: int, prepares: list[str]) -> None:
        self.conninfo, self.size, self.prepares = conninfo, size, prepares
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(size)
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._opened: list[psycopg.AsyncConnection[Any]] = []

    async def get(self) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self.close()
            self._loop, self._slots = loop, asyncio.Semaphore(self.size)
        await self._slots.acquire()
        try:
            if self._idle:
                return self._idle.pop()
            conn = await psycopg.AsyncConnection.connect(
                self.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT
            )
            for statement in self.prepares:
                await conn.execute(statement)
        except BaseException:
            self._slots.release()
            raise
        self._opened.append(conn)
        return conn

    def put(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if conn not in self._opened:  # from a set already closed (an earlier loop's)
            conn.pgconn.finish()
            return
        if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
            conn.pgconn.finish()  # broken or in an unknown state: never reused
            self._opened.remove(conn)
        else:
            self._idle.append(conn)
        self._slots.release()

    def discard_idle(self) -> None:
        """Close the idle connections (after a connection failure they are most likely dead too);
        their slots are free already, the next callers open new ones."""
        for conn in self._idle:
            conn.pgconn.finish()
            self._opened.remove(conn)
        self._idle = []

    def close(self) -> None:
        for conn in self._opened:
            conn.pgconn.finish()
        self._opened, self._idle = [], []
