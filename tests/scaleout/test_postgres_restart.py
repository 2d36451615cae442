"""PostgreSQL restarted, then stopped for seconds, under decision load (issue 9, part 5).

A dedicated cluster (restarting the session's cluster would disturb other tests), two workers, a
continuous load from connections on both. ``pg_ctl restart -m fast`` mid-load, then ``stop`` for
longer than the 5-second token cache and ``start`` again. Every request is answered: 200, or during
the outage a clean 503 with a Chinese message (never a 500, a dropped connection or a hang); the
service answers 200 again soon after the server is back, with the same worker processes (no manual
step, no worker restart); every decision answered 200 is stored and the counts stay exact.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scaleout_helpers import (
    Conn,
    Sent,
    Server,
    conns_on_every_worker,
    feature_mismatches,
    own_cluster,
    prepare_database,
    restart_postgres,
    run_async,
    run_load,
    serve,
    start_postgres,
    stop_postgres,
    stored_decisions,
    transfer,
)

from databases import PostgresCluster, postgres_available

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_available(), reason="PostgreSQL server binaries not found"),
]
ACCOUNTS = [f"62220800{i:08d}" for i in range(30)]
RECOVERY_LIMIT = 15.0  # seconds from "PostgreSQL accepts connections" to "decisions answered again"


def _decision(seq: int) -> tuple[str, str, dict[str, Any], str]:
    rng = random.Random(seq)
    payer, payee = rng.sample(ACCOUNTS, 2)
    body = transfer(f"P{seq:06d}", payer, payee, datetime.now(UTC), device_id=f"dev-{payer[-2:]}")
    return "/api/transfers/decide", "bank", body, body["transfer_id"]


async def _scenario(server: Server, cluster: PostgresCluster) -> tuple[list[Sent], dict[str, float]]:
    conns = await conns_on_every_worker(server, 4)
    stop = asyncio.Event()
    load = asyncio.create_task(run_load(server, conns, _decision, stop, pause=0.08, timeout=10))
    t: dict[str, float] = {}
    await asyncio.sleep(1.5)
    t["restart"] = time.monotonic()
    await asyncio.to_thread(restart_postgres, cluster)
    t["restarted"] = time.monotonic()
    await asyncio.sleep(3.0)
    t["stop"] = time.monotonic()
    await asyncio.to_thread(stop_postgres, cluster)
    t["stopped"] = time.monotonic()
    await asyncio.sleep(6.0)  # longer than the token cache: the token check meets the outage too
    t["start"] = time.monotonic()
    await asyncio.to_thread(start_postgres, cluster)
    t["up"] = time.monotonic()
    await asyncio.sleep(3.0)
    stop.set()
    return await load, t


def test_postgres_restart_and_outage_mid_load(tmp_path: Path) -> None:
    with own_cluster() as cluster:
        url = cluster.fresh_database()
        prepare_database(url)
        with serve(url, 2, tmp_path) as server:
            workers = server.worker_pids()
            sent, t = run_async(_scenario(server, cluster))
            assert server.worker_pids() == workers  # recovered in place: no worker restarted

            statuses = {s.status for s in sent}
            assert statuses <= {200, 503}, [(s.status, s.answer, s.error) for s in sent if s.status != 200][
                :5
            ]
            unavailable = [s for s in sent if s.status == 503]
            for s in unavailable:
                assert (
                    s.answer["error"] == "DatabaseUnavailable" and "数据库暂时不可用" in s.answer["message"]
                )
            assert max(s.done - s.sent for s in sent) < 5.0  # no hang, outage or not

            # restart: nothing fails once the server accepts connections again (retry on a new one)
            restart_window = [s for s in sent if t["restarted"] + 0.5 < s.sent and s.done < t["stop"]]
            bad = [(round(s.sent - t["restarted"], 2), s.worker) for s in restart_window if s.status != 200]
            assert restart_window and not bad, (bad, server.log_tail(3000))
            # outage: clean 503s while it is down
            down = [s for s in sent if t["stopped"] + 0.5 < s.sent < t["start"]]
            assert len(down) >= 20 and all(s.status == 503 for s in down)
            # back: 200 again within the limit, and no more errors after the first success
            after = [s for s in sent if s.sent >= t["up"]]
            first_ok = min(s.done for s in after if s.status == 200)
            assert first_ok - t["up"] < RECOVERY_LIMIT
            assert all(s.status == 200 for s in after if s.sent > first_ok)
            late = [s for s in unavailable if s.sent > t["up"]]
            in_restart = sum(s.done < t["stop"] for s in unavailable)
            print(
                f"requests {len(sent)}; 503 {len(unavailable)} (restart {in_restart}, after the start"
                f" {len(late)}); first 200 {first_ok - t['up']:.2f} s after PostgreSQL was back"
            )

            # every decision answered 200 is stored as answered; the 503s resent with their ids once
            async def resend() -> set[int]:
                conn = await Conn.open(server)
                out = set()
                for s in unavailable:
                    out.add((await conn.post_json(s.path, s.body, server.tokens["bank"]))[0])
                conn.close()
                return out

            assert run_async(resend()) <= {200}
        rows = stored_decisions(url, "P")
        stored = dict(zip(rows["transfer_id"], rows["response"], strict=True))
        decided = {s.key: s.answer for s in sent if s.status == 200}
        assert all(stored.get(tid) == answer for tid, answer in decided.items())
        assert len(rows) == len(decided) + len({s.key for s in unavailable})
        assert feature_mismatches(rows) == []
