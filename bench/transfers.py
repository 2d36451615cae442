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
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from loadgen import GIVE_UP, ROOT, login_and_warm, run_client, start_server
from loadgen import cpu_seconds as _cpu_seconds
from loadgen import pct as _pct


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


def make_app() -> Any:
    """uvicorn factory: the API with the transfer routers (until api/app.py includes them) and the
    lean decision path (until api/app.py installs it; ``--no-fast-path`` leaves it out)."""
    from qiandai.api.app import create_app
    from qiandai.api.auth import router as auth_router
    from qiandai.api.transfers import DecisionFastPath, install_decision_fast_path, router
    from qiandai.store.database import make_engine, session_factory

    app = create_app(warm_transfers=True)
    # The decision path uses the runtime's own bounded pool and, for the caller's token, the app's pool
    # about once per 5 s; 10 + 5 here keeps two workers far below PostgreSQL's 100 connections.
    app.state.engine.dispose()
    app.state.engine = make_engine(pool_size=10, max_overflow=5)
    app.state.session_factory = session_factory(app.state.engine)
    paths = {getattr(r, "path", "") for r in app.routes}
    for r in (auth_router, router):
        if not any(getattr(x, "path", "") in paths for x in r.routes):
            app.include_router(r)
    if not any(m.cls is DecisionFastPath for m in app.user_middleware) and not os.environ.get(
        "QIANDAI_BENCH_NO_FAST_PATH"
    ):
        install_decision_fast_path(app)
    return app


def _database(state: str) -> tuple[str, Any]:
    from qiandai.store.migrate import upgrade

    if state == "postgres":
        sys.path.insert(0, str(ROOT / "tests"))
        from databases import PostgresCluster  # the tests' throwaway cluster

        cluster = PostgresCluster()
        cluster.start()
        url = cluster.fresh_database()
        # The default scenario before the workers start: on a fresh database every worker inserts it
        # at start-up (check, then insert), two workers race, one fails to start and uvicorn stops the
        # server (a known bug of ``scenario_store.ensure_default``, see docs/transfers.md).
        from qiandai.store.database import make_engine, session_factory, unit_of_work
        from qiandai.transfers import scenario_store

        engine = make_engine(url)
        with unit_of_work(session_factory(engine)) as s:
            scenario_store.ensure_default(s)
        engine.dispose()
        return url, cluster
    url = f"sqlite:///{tempfile.mkdtemp(prefix='qd-bench-db-')}/bench.db"
    upgrade(url)
    return url, None


def _bodies(transfers: list[Any], n: int, shards: int) -> list[bytes]:
    """``n`` request bodies from the generated history, re-stamped into the last minutes.

    The history of a few thousand customers over weeks squeezed into one minute would make every payer
    send dozens of transfers a minute (velocity rules fire on most of them, most become warnings). With
    ``shards`` > 1 each body gets a random shard suffix on its accounts, device and IP, so the traffic
    comes from ``shards`` × the customers, as a bank with 1,000 decisions/s has: the same transfers and
    relations, realistic per-account velocity. ``shards`` = 1 is the squeezed history.
    """
    import json
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(5)
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        t = transfers[i % len(transfers)]
        body = t.model_dump(mode="json", exclude_none=True)
        if shards > 1:
            k = f"{rng.randrange(shards):03d}"
            body["payer_account"] += k
            body["payee_account"] += k
            for key in ("device_id", "ip"):
                if key in body:
                    body[key] = f"{body[key]}#{k}"
        body["transfer_id"] = f"B{i:08d}"
        body["occurred_at"] = (now - timedelta(seconds=(n - i) * 0.001)).isoformat()
        out.append(json.dumps(body, ensure_ascii=False).encode())
    return out


def _durable(url: str, on: bool) -> None:
    """Turn fsync (and full-page writes) back on in the tests' cluster, which starts with them off."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        value = "on" if on else "off"
        conn.execute(text(f"ALTER SYSTEM SET fsync = {value}"))
        conn.execute(text(f"ALTER SYSTEM SET full_page_writes = {value}"))
        conn.execute(text("SELECT pg_reload_conf()"))
    engine.dispose()


def http(args: argparse.Namespace) -> None:
    import multiprocessing

    from qiandai.identity import service
    from qiandai.store.database import make_engine, session_factory, unit_of_work

    url, cluster = _database(args.state)
    if cluster is not None:
        _durable(url, args.fsync)
    with unit_of_work(session_factory(make_engine(url))) as s:
        service.create_user(
            s, username="bench", password="bench-password-1", display_name="压测", roles="bank"
        )
    transfers, _ = _history(args.customers, 20)
    n = int(args.rate * args.seconds)
    bodies = _bodies(transfers, n + 200, args.shards)
    warm, bodies = bodies[:200], bodies[200:]
    server, port = start_server(url, args.workers, shared=args.state == "postgres", fast_path=args.fast_path)
    base = f"http://127.0.0.1:{port}"
    try:
        token = login_and_warm(base, warm)
        pg = [int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])] if cluster else []
        before = (_cpu_seconds([server.pid]), _cpu_seconds(pg))
        ctx = multiprocessing.get_context("fork")
        load = (
            ("closed", port, token, bodies, args.connections, args.seconds)
            if args.max
            else ("open", port, token, bodies, args.rate, args.connections)
        )
        with ctx.Pool(1) as pool:  # the load generator runs in its own process
            records, wall, client_cpu = pool.apply(run_client, (load,))
        latencies = [done - started for started, done, _ in records]
        errors = sum(1 for *_, status in records if status != 200)
        server_cpu = _cpu_seconds([server.pid]) - before[0]
        pg_cpu = _cpu_seconds(pg) - before[1]
        decisions = _decision_mix(url, args.state)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if cluster is not None:
            cluster.stop()
    ms = [x * 1000 for x in latencies]
    offered = "closed loop (each connection back to back)" if args.max else f"{args.rate:,.0f}/s"
    print(
        f"state: {args.state} (fsync {'on' if args.fsync else 'off'}); workers: {args.workers};"
        f" offered {offered} for {args.seconds} s; shards {args.shards};"
        f" connections {args.connections}"
    )
    served = len(ms) - errors
    print(
        f"requests {len(ms):,}; errors {errors:,} (non-200, failed or shed after {GIVE_UP:g} s waiting);"
        f" served {served:,} in {wall:.1f} s = {served / wall:,.0f} decisions/s"
    )
    print(
        f"latency p50 {_pct(ms, 0.5):.1f} ms  p95 {_pct(ms, 0.95):.1f} ms"
        f"  p99 {_pct(ms, 0.99):.1f} ms  max {max(ms):.1f} ms"
    )
    per = 1000.0 / max(1, served)
    print(
        f"CPU per served decision: server {server_cpu * per:.2f} ms, PostgreSQL {pg_cpu * per:.2f} ms,"
        f" load client {client_cpu * per:.2f} ms (machine load average {os.getloadavg()[0]:.1f})"
    )
    print(f"decision mix: {decisions}")
    print(
        f"command: .venv/bin/python bench/transfers.py http --workers {args.workers} --rate {args.rate:g} "
        f"--seconds {args.seconds} --state {args.state} --shards {args.shards}"
        f" --connections {args.connections}{'' if args.fsync else ' --no-fsync'}"
        f"{'' if args.fast_path else ' --no-fast-path'}{' --max' if args.max else ''}"
    )


def _decision_mix(url: str, state: str) -> str:
    from sqlalchemy import func, select

    from qiandai.store.database import make_engine, session_factory, unit_of_work
    from qiandai.transfers.models import DecisionRow, WarningRow

    with unit_of_work(session_factory(make_engine(url))) as s:
        mix = dict(s.execute(select(DecisionRow.decision, func.count()).group_by(DecisionRow.decision)).all())
        warnings = s.scalar(select(func.count()).select_from(WarningRow))
    return f"{mix}; warnings {warnings}"


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
    h.add_argument("--shards", type=int, default=100, help="spread accounts over N× the customers")
    h.add_argument("--connections", type=int, default=64, help="keep-alive connections of the client")
    h.add_argument("--fsync", action=argparse.BooleanOptionalAction, default=True)
    h.add_argument(
        "--max",
        action="store_true",
        help="closed loop: each connection sends back to back for --seconds (at most rate × seconds"
        " requests): the maximum throughput, latency from send to answer",
    )
    h.add_argument(
        "--fast-path", action=argparse.BooleanOptionalAction, default=True, help="lean ASGI /decide"
    )
    args = parser.parse_args()
    inprocess(args) if args.mode == "inprocess" else http(args)


if __name__ == "__main__":
    main()
