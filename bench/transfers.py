"""Benchmark of the transfer decision service (issue 4).

In-process: every transfer of a generated history decided by one ``DecisionEngine`` on one core
(default scenario, ~36 rules, velocity features), after a warm-up replay of the first half.
HTTP: uvicorn with N workers, an open-loop load of R decisions/s for D seconds (latency measured from
the moment each request was *scheduled*, so queueing counts); state shared in PostgreSQL (``--state
postgres``, the multi-worker mode) or embedded (``--state embedded``, one worker only).

    .venv/bin/python bench/transfers.py inprocess --customers 5000 --days 30
    .venv/bin/python bench/transfers.py http --workers 2 --rate 1000 --seconds 60 --state postgres
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _history(customers: int, days: int) -> tuple[list[Any], Path]:
    import pandas as pd

    from qiandai.datagen.transfers import generate_transfers
    from qiandai.transfers.model import Transfer
    from qiandai.transfers.replay import _clean

    folder = Path(tempfile.mkdtemp(prefix="qd-bench-tx-"))
    generate_transfers(folder, customers=customers, days=days, seed=11)
    frame = pd.read_parquet(folder / "transfers.parquet").sort_values(["occurred_at", "transfer_id"])
    records = frame.to_dict("records")
    return [Transfer.model_validate(_clean({str(k): v for k, v in r.items()})) for r in records], folder


def inprocess(args: argparse.Namespace) -> None:
    from qiandai.transfers.engine import DecisionEngine
    from qiandai.transfers.scenario import ScenarioProgram, default_version

    transfers, _ = _history(args.customers, args.days)
    version = default_version()
    rates = []
    for _ in range(args.repeat):
        engine = DecisionEngine(ScenarioProgram.compile(version))
        half = len(transfers) // 2
        for t in transfers[:half]:
            engine.decide(t)
        latencies = []
        started = time.perf_counter()
        for t in transfers[half:]:
            s = time.perf_counter()
            engine.decide(t)
            latencies.append(time.perf_counter() - s)
        wall = time.perf_counter() - started
        rates.append((len(transfers) - half) / wall)
    ms = [x * 1000 for x in latencies]
    print(
        f"rules: {len(version.rules)}; transfers decided per run: {len(transfers) - half:,}"
        f" (after {half:,} warm-up)"
    )
    print(
        f"throughput per run: {', '.join(f'{r:,.0f}' for r in rates)} decisions/s;"
        f" median {statistics.median(rates):,.0f}"
    )
    print(
        f"latency (last run) p50 {_pct(ms, 0.5):.3f} ms  p95 {_pct(ms, 0.95):.3f} ms"
        f"  p99 {_pct(ms, 0.99):.3f} ms"
    )
    print(
        "command: .venv/bin/python bench/transfers.py inprocess"
        f" --customers {args.customers} --days {args.days}"
    )


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_app() -> Any:
    """uvicorn factory: the API with the transfer routers (until api/app.py includes them)."""
    from qiandai.api.app import create_app
    from qiandai.api.auth import router as auth_router
    from qiandai.api.transfers import router
    from qiandai.store.database import make_engine, session_factory

    app = create_app()
    # The default pool (5 + 10) is smaller than FastAPI's 40 worker threads: under overload every
    # thread can block on a checkout while the releases wait for a thread (reported to the lead).
    app.state.engine.dispose()
    app.state.engine = make_engine(pool_size=45, max_overflow=10)
    app.state.session_factory = session_factory(app.state.engine)
    paths = {getattr(r, "path", "") for r in app.routes}
    for r in (auth_router, router):
        if not any(getattr(x, "path", "") in paths for x in r.routes):
            app.include_router(r)
    return app


def _database(state: str) -> tuple[str, Any]:
    from qiandai.store.migrate import upgrade

    if state == "postgres":
        sys.path.insert(0, str(ROOT / "tests"))
        from databases import PostgresCluster  # the tests' throwaway cluster

        cluster = PostgresCluster()
        cluster.start()
        return cluster.fresh_database(), cluster
    url = f"sqlite:///{tempfile.mkdtemp(prefix='qd-bench-db-')}/bench.db"
    upgrade(url)
    return url, None


async def _load(
    base: str, headers: dict[str, str], bodies: list[dict[str, Any]], rate: float
) -> tuple[list[float], int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=10) as client:
        start = time.perf_counter() + 0.5

        async def one(i: int, body: dict[str, Any]) -> None:
            nonlocal errors
            scheduled = start + i / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            try:
                r = await client.post("/api/transfers/decide", json=body)
                if r.status_code != 200:
                    errors += 1
            except Exception:
                errors += 1
            latencies.append(time.perf_counter() - scheduled)

        await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies)))
    return latencies, errors


def http(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime, timedelta

    import httpx

    from qiandai.identity import service
    from qiandai.store.database import make_engine, session_factory, unit_of_work

    url, cluster = _database(args.state)
    with unit_of_work(session_factory(make_engine(url))) as s:
        service.create_user(
            s, username="bench", password="bench-password-1", display_name="压测", roles="bank"
        )
    transfers, _ = _history(args.customers, 20)
    n = int(args.rate * args.seconds)
    now = datetime.now(UTC)
    bodies = []
    for i in range(n):  # replayed history, re-stamped into the last hours so the service accepts it
        t = transfers[i % len(transfers)]
        body = t.model_dump(mode="json")
        body["transfer_id"] = f"B{i:08d}"
        body["occurred_at"] = (now - timedelta(seconds=(n - i) * 0.01)).isoformat()
        bodies.append(body)
    port = _port()
    env = {**os.environ, "QIANDAI_DATABASE_URL": url, "PYTHONPATH": str(ROOT / "bench")}
    if args.state == "postgres":
        env["QIANDAI_TRANSFER_STATE"] = "postgres"
    cmd = [sys.executable, "-m", "uvicorn", "transfers:make_app", "--factory", "--port", str(port),
           "--workers", str(args.workers), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, cwd=ROOT / "bench")
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = httpx.post(
            f"{base}/api/auth/login", json={"username": "bench", "password": "bench-password-1"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        warm = bodies[:200]
        for b in warm:  # first requests create each worker's runtime
            httpx.post(
                f"{base}/api/transfers/decide",
                json={**b, "transfer_id": "W" + b["transfer_id"]},
                headers=headers,
            )
        started = time.perf_counter()
        latencies, errors = asyncio.run(_load(base, headers, bodies, args.rate))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        if cluster is not None:
            cluster.stop()
    ms = [x * 1000 for x in latencies]
    print(f"state: {args.state}; workers: {args.workers}; offered {args.rate:,.0f}/s for {args.seconds} s")
    print(f"requests {len(ms):,}; errors {errors}; achieved {len(ms) / wall:,.0f}/s")
    print(
        f"latency p50 {_pct(ms, 0.5):.1f} ms  p95 {_pct(ms, 0.95):.1f} ms"
        f"  p99 {_pct(ms, 0.99):.1f} ms  max {max(ms):.1f} ms"
    )
    print(
        f"command: .venv/bin/python bench/transfers.py http --workers {args.workers} --rate {args.rate:g} "
        f"--seconds {args.seconds} --state {args.state}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("inprocess")
    p.add_argument("--customers", type=int, default=5000)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--repeat", type=int, default=3)
    h = sub.add_parser("http")
    h.add_argument("--workers", type=int, default=2)
    h.add_argument("--rate", type=float, default=1000)
    h.add_argument("--seconds", type=int, default=60)
    h.add_argument("--customers", type=int, default=2000)
    h.add_argument("--state", choices=["postgres", "embedded"], default="postgres")
    args = parser.parse_args()
    inprocess(args) if args.mode == "inprocess" else http(args)


if __name__ == "__main__":
    main()
