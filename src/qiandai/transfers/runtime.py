"""The transfers runtime of one process: engine, decision log, holds, lists and scenarios wired together.

This object is the unit-of-work boundary for the transfer endpoints and commands (the hot path cannot
afford one session per call): every method that changes data opens exactly one
:func:`~qiandai.store.database.unit_of_work`, commits, and only then updates the in-memory copies. Holds
are committed *before* they are acknowledged; decisions are committed before ``decide(wait=True)``
returns. Start-up reloads the last ``warm_days`` of decisions into the feature state, the active holds,
the lists and the live and shadow scenario versions.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from qiandai.config import get_settings, setting_or_default
from qiandai.store.base import now_utc
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.transfers import hold_service, repository, scenario_store, warning_service
from qiandai.transfers.decision_log import DecisionLog
from qiandai.transfers.engine import DecisionEngine, PageChecker
from qiandai.transfers.hold_service import HoldInstruction
from qiandai.transfers.holds import HoldIndex
from qiandai.transfers.lists import ListIndex, ListKind
from qiandai.transfers.model import Transfer, check_not_future
from qiandai.transfers.payment_check import MerchantPageChecker
from qiandai.transfers.scenario import DEFAULT_SCENARIO, ScenarioProgram
from qiandai.transfers.shared import SharedDecider
from qiandai.transfers.warnings import SlaPolicy, WarningDraft, draft_from_decision

log = logging.getLogger(__name__)
CRASH_HOOK = "QIANDAI_TEST_CRASH_AFTER_HOLD_COMMIT"


class TransferRuntime:
    """Everything one process needs to decide transfers and act on police instructions."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        sla: SlaPolicy | None = None,
        warm_days: int = 30,
        page_checker: PageChecker | None = None,
        flush_interval: float = 0.004,
        shared: bool | None = None,
    ) -> None:
        self.factory = factory
        self.sla = sla or SlaPolicy.from_env()
        with unit_of_work(factory) as session:
            scenario_store.ensure_default(session)
            live = scenario_store.get(session, DEFAULT_SCENARIO)
            shadow = scenario_store.shadow(session, DEFAULT_SCENARIO)
        self.engine = DecisionEngine(
            ScenarioProgram.compile(live),
            shadow=ScenarioProgram.compile(shadow) if shadow else None,
            page_checker=page_checker or MerchantPageChecker(),
        )
        # Own connection pools: request threads that hold the app's connections while they wait for a
        # commit must never starve the writer that makes that commit.
        self._own = _own_factory(factory, pool_size=2, max_overflow=2)
        self.log = DecisionLog(self._own, self._write_warnings, interval=flush_interval)
        if shared is None:
            shared = get_settings().transfer_state == "postgres"
        # A bounded pool: more concurrent decisions than connections wait for one (latency grows under
        # overload) instead of opening connections until PostgreSQL refuses clients (errors). Two
        # workers × (pool + 4 own) stay well below the default max_connections of 100.
        pool = get_settings().transfer_db_pool
        self.shared = (
            SharedDecider(
                # no pre-ping: it would add a round trip to every decision; a connection broken by a
                # database restart fails one decision, which the bank retries (same transfer_id)
                _own_factory(factory, pool_size=pool, max_overflow=0, pool_pre_ping=False),
                self.engine,
                self.sla,
            )
            if shared
            else None
        )
        self._known: set[str] = set()
        self._pending: dict[str, Future[None]] = {}
        self._stop = threading.Event()
        # serialises "commit, then update the in-memory lists/holds" against the background refresh,
        # which would otherwise swap in an index read just before such a commit
        self._sync_lock = threading.RLock()
        self._load(warm_days)

    # -- start-up -------------------------------------------------------------------------------------
    def _load(self, warm_days: int) -> None:
        if self.shared is not None:  # the state lives in PostgreSQL; only lists and holds are loaded
            warm_days = 0
        since = (now_utc() - timedelta(days=warm_days)).timestamp()
        with unit_of_work(self.factory) as session:
            for transfer_id, event in repository.events_since(session, since):
                self.engine.state.record(event)
                self._known.add(transfer_id)
            self._lists_mark, self._holds_mark = repository.change_marks(session)
            self.reload_lists(session)
            for hold in hold_service.active_holds(session):
                self.engine.holds.put(hold_service.to_active(hold))

    def reload_lists(self, session: Session) -> None:
        index = ListIndex()
        for entry in repository.list_entries(session):
            index.add(ListKind(entry.kind), [entry.value])
        self.engine.lists = index

    def refresh_from_database(self) -> bool:
        """Pick up list entries and holds that another process (a CLI command, another worker, the
        断卡 screening) wrote since the last look; reloads only what changed. Returns whether anything
        was reloaded. Shared-state workers read holds in SQL per decision, so only lists matter there."""
        with self._sync_lock, unit_of_work(self.factory) as session:
            lists_mark, holds_mark = repository.change_marks(session)
            changed = False
            if lists_mark != self._lists_mark:
                self.reload_lists(session)
                self._lists_mark = lists_mark
                changed = True
            if self.shared is None and holds_mark != self._holds_mark:
                index = HoldIndex()
                for hold in hold_service.active_holds(session):
                    index.put(hold_service.to_active(hold))
                self.engine.holds = index
                self._holds_mark = holds_mark
                changed = True
        return changed

    def reload_scenarios(self) -> None:
        with unit_of_work(self.factory) as session:
            live = scenario_store.get(session, DEFAULT_SCENARIO)
            shadow = scenario_store.shadow(session, DEFAULT_SCENARIO)
        self.engine.set_programs(
            ScenarioProgram.compile(live), ScenarioProgram.compile(shadow) if shadow else None
        )

    # -- decisions ------------------------------------------------------------------------------------
    def decide(self, transfer: Transfer, *, now: datetime | None = None, wait: bool = True) -> dict[str, Any]:
        """Decide ``transfer`` at ``now`` (default: the clock) and return the public answer.

        The same ``transfer_id`` again answers the first decision with ``duplicate: true``.
        """
        now = now or now_utc()
        check_not_future(transfer, now)
        if self.shared is not None:
            return self.shared.decide(transfer, now)
        engine = self.engine
        with engine.lock:
            seen = engine.remembered(transfer.transfer_id)
            if seen is not None:
                future = self._pending.get(transfer.transfer_id)
                answer = replace(seen, duplicate=True).public()
            elif transfer.transfer_id in self._known:
                return self._stored(transfer.transfer_id)
            else:
                result, event = engine.evaluate(transfer, now)
                engine.commit(result, event)
                row = repository.decision_row(transfer, result, event)
                future = self.log.submit(row, draft_from_decision(transfer, result))
                self._pending[transfer.transfer_id] = future
                future.add_done_callback(self._forget(transfer.transfer_id))
                answer = result.public()
        if wait and future is not None:
            future.result(timeout=30)
        return answer

    async def decide_async(self, transfer: Transfer) -> dict[str, Any]:
        """:meth:`decide` for an event loop: the shared-state decision runs on the loop itself
        (asyncio psycopg, no thread hand-off); the embedded mode and the rare decision that writes a
        warning run :meth:`decide` in a thread."""
        loop = asyncio.get_running_loop()
        if self.shared is not None:
            now = now_utc()
            check_not_future(transfer, now)
            answer = await self.shared.decide_async(transfer, now)
            if answer is not None:
                return answer
        return await loop.run_in_executor(_decision_threads, self.decide, transfer)

    async def warm_async(self) -> None:
        """Prepare the event loop's decision path (shared state: open and prime its connections)."""
        if self.shared is not None:
            await self.shared.warm_async()

    def _forget(self, transfer_id: str) -> Callable[[Future[None]], None]:
        def done(_future: Future[None]) -> None:
            self._pending.pop(transfer_id, None)

        return done

    def _stored(self, transfer_id: str) -> dict[str, Any]:
        with unit_of_work(self.factory) as session:
            stored = repository.stored_response(session, transfer_id)
        return {**(stored or {}), "duplicate": True}

    def _write_warnings(self, session: Session, drafts: list[WarningDraft], now: datetime) -> int:
        return warning_service.create_warnings(session, drafts, self.sla, now)

    # -- holds ----------------------------------------------------------------------------------------
    def apply_hold(self, instruction: HoldInstruction, now: datetime | None = None) -> dict[str, Any]:
        """Apply a police instruction: committed to the database, then honoured, then acknowledged."""
        now = now or now_utc()
        with self._sync_lock:
            with unit_of_work(self.factory) as session:
                outcome = hold_service.apply_instruction(session, instruction, now)
                view = hold_service.hold_view(outcome.hold)
                active = hold_service.to_active(outcome.hold) if outcome.hold.status == "active" else None
                account, hold_id = outcome.hold.account, outcome.hold.id
            if active is not None:
                self.engine.holds.put(active)
            else:
                self.engine.holds.drop(account, hold_id)
        if get_settings().test_crash_after_hold_commit:  # kill test: committed, the answer never leaves
            os.kill(os.getpid(), signal.SIGKILL)
        return {**view, "duplicate": outcome.duplicate}

    def expire_holds(self, now: datetime | None = None) -> list[str]:
        """Expire every hold past its end (logged in the hold's events); returns their ids."""
        now = now or now_utc()
        with self._sync_lock:
            with unit_of_work(self.factory) as session:
                expired = [(h.account, h.id) for h in hold_service.expire_due(session, now)]
            for account, hold_id in expired:
                self.engine.holds.drop(account, hold_id)
                log.info("hold %s expired", hold_id)
        return [hold_id for _, hold_id in expired]

    # -- lists ----------------------------------------------------------------------------------------
    def add_to_list(self, kind: ListKind, values: list[str], source: str = "", note: str = "") -> int:
        with self._sync_lock:
            with unit_of_work(self.factory) as session:
                added = repository.add_list_entries(session, kind, values, source, note)
            self.engine.lists.add(kind, values)
        return added

    def remove_from_list(self, kind: ListKind, values: list[str]) -> int:
        with self._sync_lock:
            with unit_of_work(self.factory) as session:
                removed = repository.remove_list_entries(session, kind, values)
            self.engine.lists.remove(kind, values)
        return removed

    # -- background -----------------------------------------------------------------------------------
    def start_background(self, every: float = 30.0) -> None:
        """Every ``every`` seconds: expire holds, pick up newly published scenario versions and the
        list entries and holds written by other processes."""

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.expire_holds()
                    self.reload_scenarios()
                    self.refresh_from_database()
                except Exception:  # keep the loop alive; the next round retries
                    log.exception("transfers background round failed")

        threading.Thread(target=loop, name="qiandai-transfers-bg", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.log.close()
        self._own.kw["bind"].dispose()
        if self.shared is not None:
            self.shared.close()

    def wait_idle(self) -> None:
        self.log.flush()
        time.sleep(0)


def _own_factory(factory: sessionmaker[Session], **pool: int) -> sessionmaker[Session]:
    """A session factory on a separate engine (own pool) for the same database."""
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    if url.startswith("sqlite"):
        pool = {}
    return session_factory(make_engine(url, **pool))


_runtime_lock = threading.Lock()
#: Threads for :meth:`TransferRuntime.decide_async`'s blocking cases (more than the runtime's
#: connection pool would only queue on it).
_decision_threads = ThreadPoolExecutor(
    max_workers=setting_or_default("transfer_db_pool") + 2, thread_name_prefix="qd-decide"
)


def runtime_for(state: Any) -> TransferRuntime:
    """The process's runtime kept on an application's ``state`` (created, warmed up and its background
    loop started on first use). Every face (API, web console) reaches it through here, under one lock, so
    only one runtime exists per application."""
    found: TransferRuntime | None = getattr(state, "transfers", None)
    if found is None:
        with _runtime_lock:
            found = getattr(state, "transfers", None)
            if found is None:
                found = TransferRuntime(state.session_factory)
                found.start_background()
                state.transfers = found
    return found
