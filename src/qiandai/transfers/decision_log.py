"""Write-behind persistence of decisions with group commit.

:meth:`DecisionLog.submit` queues a decision row (and its warning draft, if any) and returns a
:class:`~concurrent.futures.Future` resolved when the batch holding it is *committed*. A background
thread commits a batch when ``max_batch`` rows are waiting or ``interval`` seconds after the first row
of the batch arrived, whichever comes first.

* The HTTP path waits on the future: a decision is durable before it is answered, and many concurrent
  requests share one commit (group commit).
* The in-process path (replay, benchmark) need not wait: at most one batch (≤ ``interval`` s) is lost
  in a crash — the trade-off recorded in docs/adr/0021-decision-persistence.md.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from qiandai.store.base import now_utc
from qiandai.store.database import unit_of_work
from qiandai.transfers.repository import insert_decisions
from qiandai.transfers.warnings import WarningDraft

log = logging.getLogger(__name__)
WarningWriter = Callable[[Session, list[WarningDraft], datetime], int]
_Item = tuple[dict[str, Any], WarningDraft | None, Future[None]]


class DecisionLog:
    """A queue of decision rows flushed in batches by one writer thread."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        warnings: WarningWriter | None = None,
        *,
        interval: float = 0.004,
        max_batch: int = 500,
    ) -> None:
        self.factory = factory
        self.warnings = warnings
        self.interval = interval
        self.max_batch = max_batch
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="qiandai-decision-log", daemon=True)
        self._closed = False
        self.written = 0
        self._thread.start()

    def submit(self, row: dict[str, Any], warning: WarningDraft | None = None) -> Future[None]:
        future: Future[None] = Future()
        if self._closed:
            future.set_exception(RuntimeError("decision log closed"))
            return future
        self._queue.put((row, warning, future))
        return future

    def flush(self, timeout: float = 60.0) -> None:
        """Block until everything submitted so far is committed."""
        marker: Future[None] = Future()
        self._queue.put(({}, None, marker))
        marker.result(timeout)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            end = time.monotonic() + self.interval
            while len(batch) < self.max_batch:
                left = end - time.monotonic()
                if left <= 0:
                    break
                try:
                    item = self._queue.get(timeout=left)
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Item]) -> None:
        rows = [row for row, _, _ in batch if row]
        drafts = [w for row, w, _ in batch if row and w is not None]
        try:
            with unit_of_work(self.factory) as session:
                insert_decisions(session, rows)
                if drafts and self.warnings is not None:
                    self.warnings(session, drafts, now_utc())
        except Exception as exc:  # every waiter learns that its decision was not stored
            log.exception("decision batch of %d rows failed", len(rows))
            for _, _, future in batch:
                future.set_exception(exc)
            return
        self.written += len(rows)
        for _, _, future in batch:
            future.set_result(None)
