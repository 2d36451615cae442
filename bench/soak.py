"""Soak test of the decision service (issue 9, part 5).

A steady open-loop rate of decisions for M minutes on N uvicorn workers over shared PostgreSQL state
(the server and the load client of ``bench/transfers.py``, a throwaway cluster with fsync on), with,
per period: requests, errors, p50/p99 latency; and every few seconds the resident memory (RSS) of each
worker and the private memory (USS) of the PostgreSQL backends of the database. It prints the tables,
the memory slope of each worker and of the mean backend after the warm-up, and the verdict: no errors,
no memory growth (growth over the run below max(8 MB, 5 %)), no latency growth (second-half p99 below
twice the first half's), no worker restart.

    .venv/bin/python bench/soak.py --rate 300 --minutes 10 --workers 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from loadgen import (
    cpu_seconds,
    login_and_warm,
    pct,
    postgres_backends,
    run_client,
    start_server,
    worker_pids,
)
from transfers import _bodies, _database, _decision_mix, _durable, _history

WARMUP = 0.2  # share of the run left out of the memory slopes (caches and pools fill up first)


def _sample(master: int, postmaster: int, database: str, t: float) -> dict[str, Any]:
    """Memory of every worker (RSS, MB) and of the database's PostgreSQL backends (USS, MB), and the
    CPU seconds both have used so far."""
    workers = {}
    for pid in worker_pids(master):
        try:
            workers[str(pid)] = psutil.Process(pid).memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    uss, backends = 0.0, 0
    pg = postgres_backends(postmaster, database)
    cpu = {"cpu_workers": cpu_seconds([int(p) for p in workers]), "cpu_pg": cpu_seconds(pg)}
    for pid in pg:
        try:
            uss += psutil.Process(pid).memory_full_info().uss / 2**20
            backends += 1
        except psutil.NoSuchProcess:
            continue
    return {
        "t": t,
        "workers": workers,
        "pg_uss": uss,
        "pg_backends": backends,
        "load": os.getloadavg()[0],
        **cpu,
    }


def _growth(points: list[tuple[float, float]], span: float) -> dict[str, float | bool]:
    """Least-squares slope (MB/min) of ``points`` after the warm-up, its growth over the measured
    span, and whether that growth is real (above max(8 MB, 5 % of the mean))."""
    kept = [(t, v) for t, v in points if t >= WARMUP * span]
    if len(kept) < 3:
        return {"slope_mb_min": float("nan"), "growth_mb": float("nan"), "grows": False, "mean_mb": 0.0}
    t, v = np.array(kept).T
    slope = float(np.polyfit(t, v, 1)[0])  # MB per second
    growth = slope * float(t[-1] - t[0])
    mean = float(v.mean())
    return {
        "slope_mb_min": slope * 60,
        "growth_mb": growth,
        "grows": growth > max(8.0, 0.05 * mean),
        "mean_mb": mean,
        "first_mb": float(v[0]),
        "last_mb": float(v[-1]),
    }


def soak(args: argparse.Namespace) -> dict[str, Any]:
    from qiandai.identity import service
    from qiandai.store.database import make_engine, session_factory, unit_of_work

    url, cluster = _database("postgres")
    _durable(url, args.fsync)
    with unit_of_work(session_factory(make_engine(url))) as s:
        service.create_user(
            s, username="bench", password="bench-password-1", display_name="压测", roles="bank"
        )
    transfers, _ = _history(args.customers, 20)
    seconds = args.minutes * 60
    bodies = _bodies(transfers, int(args.rate * seconds) + 200, args.shards)
    warm, bodies = bodies[:200], bodies[200:]
    server, port = start_server(url, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        token = login_and_warm(base, warm)
        postmaster = int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
        database = url.rsplit("/", 1)[1]
        first_workers = worker_pids(server.pid)
        samples = []
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(1) as pool:  # the load generator runs in its own process
            pending = pool.apply_async(run_client, (("open", port, token, bodies, args.rate, 64),))
            t0 = time.perf_counter() + 0.2  # the client schedules its first request 0.2 s after it starts
            while not pending.ready():
                samples.append(_sample(server.pid, postmaster, database, time.perf_counter() - t0))
                pending.wait(args.sample)
            records, wall, _ = pending.get()
        samples.append(_sample(server.pid, postmaster, database, time.perf_counter() - t0))
        restarted = sorted(set(worker_pids(server.pid)) ^ set(first_workers))
        mix = _decision_mix(url, "postgres")
    finally:
        server.terminate()
        server.wait(timeout=30)
        cluster.stop()
    return _report(args, records, samples, wall, restarted, mix)


def _report(
    args: argparse.Namespace,
    records: list[tuple[float, float, int]],
    samples: list[dict[str, Any]],
    wall: float,
    restarted: list[int],
    mix: str,
) -> dict[str, Any]:
    start = min(r[0] for r in records)
    span = max(r[0] for r in records) - start
    buckets: dict[int, list[tuple[float, int]]] = {}
    for scheduled, done, status in records:
        buckets.setdefault(int((scheduled - start) // args.bucket), []).append((done - scheduled, status))
    periods = []
    for k in sorted(buckets):
        ms = [x * 1000 for x, _ in buckets[k]]
        errors = sum(1 for _, status in buckets[k] if status != 200)
        # CPU per decision in this period (between the samples nearest its ends): tells contention from
        # more work per decision
        inside = [x for x in samples if k * args.bucket <= x["t"] <= (k + 1) * args.bucket]
        cpu = {what: float("nan") for what in ("workers", "pg")}
        if len(inside) >= 2:
            rate = len(ms) / args.bucket  # decisions per second in this period
            for what in cpu:
                used = inside[-1][f"cpu_{what}"] - inside[0][f"cpu_{what}"]
                cpu[what] = 1000.0 * used / (rate * (inside[-1]["t"] - inside[0]["t"]))
        periods.append(
            {
                "period": k,
                "requests": len(ms),
                "errors": errors,
                "p50_ms": pct(ms, 0.5),
                "p99_ms": pct(ms, 0.99),
                "cpu_workers_ms": cpu["workers"],
                "cpu_pg_ms": cpu["pg"],
                "load": sum(x["load"] for x in inside) / len(inside) if inside else float("nan"),
            }
        )
    memory = {}
    for pid in sorted({pid for s in samples for pid in s["workers"]}):
        points = [(s["t"], s["workers"][pid]) for s in samples if pid in s["workers"]]
        memory[f"worker {pid} RSS"] = _growth(points, span)
    # per backend: the pools open connections on demand (bounded by their sizes), so the sum steps up
    # with the number of backends without any backend growing
    per_backend = [(s["t"], s["pg_uss"] / s["pg_backends"]) for s in samples if s["pg_backends"]]
    memory["PostgreSQL backend USS (mean per backend)"] = _growth(per_backend, span)
    half = start + span / 2
    lat = [(s, (d - s) * 1000) for s, d, _ in records if s >= start + WARMUP * span]
    p99_first = pct([x for s, x in lat if s < half], 0.99)
    p99_second = pct([x for s, x in lat if s >= half], 0.99)
    errors = sum(1 for *_, status in records if status != 200)
    latency_grows = p99_second > 2 * p99_first
    memory_grows = any(m["grows"] for m in memory.values())
    verdict = "PASS" if not errors and not memory_grows and not latency_grows and not restarted else "FAIL"
    result = {
        "rate": args.rate,
        "minutes": args.minutes,
        "workers": args.workers,
        "requests": len(records),
        "errors": errors,
        "served_per_s": (len(records) - errors) / wall,
        "periods": periods,
        "samples": samples,
        "memory": memory,
        "p99_first_half_ms": p99_first,
        "p99_second_half_ms": p99_second,
        "latency_grows": latency_grows,
        "memory_grows": memory_grows,
        "restarted_workers": restarted,
        "load_average": [min(s["load"] for s in samples), max(s["load"] for s in samples)],
        "pg_backends": [min(s["pg_backends"] for s in samples), max(s["pg_backends"] for s in samples)],
        "pg_uss_total_mb": [samples[0]["pg_uss"], samples[-1]["pg_uss"]],
        "verdict": verdict,
    }
    _print(args, result, mix)
    return result


def _print(args: argparse.Namespace, r: dict[str, Any], mix: str) -> None:
    print(
        f"soak: {r['workers']} workers, {r['rate']:g} decisions/s offered for {r['minutes']:g} min"
        f" (fsync {'on' if args.fsync else 'off'}, shards {args.shards}); requests {r['requests']:,},"
        f" errors {r['errors']:,}, served {r['served_per_s']:,.0f}/s"
    )
    print(
        f"{'period':>8} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'CPU/decision: workers':>22} {'PostgreSQL':>11} {'load avg':>9}"
    )
    for p in r["periods"]:
        start = p["period"] * args.bucket
        print(
            f"{start:>7g}s {p['requests']:>9,} {p['errors']:>7} {p['p50_ms']:>8.1f} {p['p99_ms']:>8.1f}"
            f" {p['cpu_workers_ms']:>19.2f} ms {p['cpu_pg_ms']:>8.2f} ms {p['load']:>9.1f}"
        )
    print(f"memory after the first {WARMUP:.0%} of the run (slope of a least-squares line):")
    for name, m in r["memory"].items():
        print(
            f"  {name}: {m.get('first_mb', 0):.1f} → {m.get('last_mb', 0):.1f} MB,"
            f" slope {m['slope_mb_min']:+.2f} MB/min, growth {m['growth_mb']:+.1f} MB"
            f" → {'GROWS' if m['grows'] else 'stable'}"
        )
    print(
        f"p99 first half {r['p99_first_half_ms']:.1f} ms, second half {r['p99_second_half_ms']:.1f} ms"
        f" → {'GROWS' if r['latency_grows'] else 'stable'};"
        f" workers restarted: {r['restarted_workers'] or 'none'}"
    )
    print(
        f"  PostgreSQL backends of the database: {r['pg_backends'][0]}–{r['pg_backends'][1]},"
        f" USS of all of them {r['pg_uss_total_mb'][0]:.1f} → {r['pg_uss_total_mb'][1]:.1f} MB"
    )
    print(f"machine load average during the run: {r['load_average'][0]:.1f}–{r['load_average'][1]:.1f}")
    print(f"decision mix: {mix}")
    print(f"verdict: {r['verdict']} (no errors, no memory growth, no latency growth, no worker restart)")
    print(
        f"command: .venv/bin/python bench/soak.py --rate {args.rate:g} --minutes {args.minutes:g}"
        f" --workers {args.workers} --shards {args.shards} --customers {args.customers}"
        f" --bucket {args.bucket:g} --sample {args.sample:g}{'' if args.fsync else ' --no-fsync'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=300, help="decisions per second offered")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--shards", type=int, default=100, help="spread accounts over N× the customers")
    parser.add_argument("--bucket", type=float, default=60, help="seconds per reported period")
    parser.add_argument("--sample", type=float, default=5, help="seconds between memory samples")
    parser.add_argument("--fsync", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    result = soak(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
