"""Cost of the operations plumbing added for issue 9: settings look-ups and the queue-age scrape.

- ``get_settings()`` when nothing changed (the per-call path) and a full rebuild (validation);
- ``QueueCollector.collect()`` (three aggregate queries) against a database holding ``--warnings``
  warnings (a third of them open), ``--holds`` holds and ``--jobs`` console audit jobs, written with
  bulk inserts into a freshly migrated SQLite file (or ``--url`` PostgreSQL database, which must be empty
  and is migrated here).

    .venv/bin/python bench/ops_queue_scrape.py [--warnings 50000] [--holds 20000] [--jobs 1000] [--url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from qiandai import config
from qiandai.api.ops import QueueCollector
from qiandai.store.base import now_utc
from qiandai.store.database import make_engine
from qiandai.store.migrate import upgrade
from qiandai.transfers.models import HoldRow, WarningRow
from qiandai.web.audit_jobs import AuditJob


def _median(fn: object, calls: int, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()  # type: ignore[operator]
        runs.append((time.perf_counter() - start) / calls)
    return statistics.median(runs)


def _seed(url: str, warnings: int, holds: int, jobs: int) -> None:
    engine = make_engine(url)
    now = now_utc()
    levels, statuses = ("高", "中", "低"), ("open", "contacting", "closed")
    with engine.begin() as conn:
        conn.execute(
            insert(WarningRow),
            [
                {
                    "id": f"W{i:08d}",
                    "source": "feed",
                    "external_id": f"E{i}",
                    "transfer_id": None,
                    "level": levels[i % 3],
                    "fraud_type": "",
                    "reasons": ["bench"],
                    "status": statuses[i % 3],
                    "outcome": None,
                    "created_at": now - timedelta(minutes=i % 5000),
                    "due_at": now,
                    "first_contact_at": None,
                    "closed_at": None,
                }
                for i in range(warnings)
            ],
        )
        conn.execute(
            insert(HoldRow),
            [
                {
                    "id": f"H{i:08d}",
                    "kind": "stop_payment",
                    "account": f"62220{i:011d}",
                    "issuing_unit": "反诈中心",
                    "document_ref": f"D{i}",
                    "status": "active" if i % 2 else "expired",
                    "starts_at": now,
                    "ends_at": now + timedelta(minutes=i % 3000),
                    "renewals": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(holds)
            ],
        )
        conn.execute(
            insert(AuditJob),
            [
                {
                    "id": f"J{i:08d}",
                    "owner": "aud",
                    "files": "[]",
                    "state": "queued" if i % 10 == 0 else "done",
                    "stage": "",
                    "done": 0,
                    "total": 1,
                    "run_id": None,
                    "message": "",
                    "imported": 0,
                    "folder": "/tmp",
                    "worker": "bench",
                    "created_at": now - timedelta(seconds=i),
                    "updated_at": now,
                    "heartbeat_at": now,
                }
                for i in range(jobs)
            ],
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warnings", type=int, default=50_000)
    parser.add_argument("--holds", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()

    hit = _median(config.get_settings, 20_000, args.repeats)
    rebuild = _median(config.load_settings, 200, args.repeats)
    print(f"get_settings() unchanged environment: {hit * 1e6:.2f} µs/call (median of {args.repeats})")
    print(f"settings rebuild (validation):        {rebuild * 1e3:.2f} ms")

    folder = Path(tempfile.mkdtemp(prefix="qd-bench-"))
    url = args.url or f"sqlite:///{(folder / 'bench.db').as_posix()}"
    upgrade(url)
    _seed(url, args.warnings, args.holds, args.jobs)
    engine = make_engine(url)
    collector = QueueCollector(engine)
    list(collector.collect())  # warm the pool and the lazy imports
    scrape = _median(lambda: list(collector.collect()), 20, args.repeats)
    engine.dispose()
    backend = url.split(":", 1)[0]
    print(
        f"queue-age scrape ({backend}; {args.warnings} warnings, {args.holds} holds, {args.jobs} jobs): "
        f"{scrape * 1e3:.2f} ms/scrape (median of {args.repeats} × 20)"
    )
    print(
        "reproduce: .venv/bin/python bench/ops_queue_scrape.py "
        f"--warnings {args.warnings} --holds {args.holds} --jobs {args.jobs} --repeats {args.repeats}"
        + (" --url <postgresql url>" if args.url else "")
    )


if __name__ == "__main__":
    main()
