"""Benchmark of the database-backed rate limiter of the web console (``qiandai.web.ratelimit``).

One ``RateLimiter.allow`` = two short transactions (read the previous slot, atomic upsert). Measures the
latency of one check (median and p95 over ``--checks`` calls, repeated ``--repeats`` times, median of
the repeats) on a freshly migrated SQLite file, or on ``--url`` (e.g. a PostgreSQL database already
migrated with ``qiandai db upgrade``), and the throughput of ``--threads`` threads checking at once.

    .venv/bin/python bench/web_ratelimit.py --checks 2000 --threads 8
    .venv/bin/python bench/web_ratelimit.py --url postgresql+psycopg://…/qiandai
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="")
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from qiandai.store.database import make_engine, session_factory
    from qiandai.store.migrate import upgrade
    from qiandai.web.ratelimit import RateLimiter

    url = args.url
    if not url:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        upgrade(url)
    factory = session_factory(make_engine(url))
    limiter = RateLimiter(10**9, 3600, "bench")
    medians, p95s, rates = [], [], []
    for r in range(args.repeats):
        times = []
        for i in range(args.checks):
            start = time.perf_counter()
            limiter.allow(factory, f"198.51.100.{i % 250}|{r}")
            times.append(time.perf_counter() - start)
        times.sort()
        medians.append(statistics.median(times) * 1000)
        p95s.append(times[int(0.95 * len(times))] * 1000)
        start = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            keys = [f"203.0.113.{i % 50}|{r}" for i in range(args.checks)]
            list(pool.map(lambda key: limiter.allow(factory, key), keys))
        rates.append(args.checks / (time.perf_counter() - start))
    backend = url.split(":", 1)[0]
    print(f"backend={backend} checks={args.checks} repeats={args.repeats} threads={args.threads}")
    print(
        f"latency of one check: median {statistics.median(medians):.2f} ms, "
        f"p95 {statistics.median(p95s):.2f} ms"
    )
    print(f"throughput with {args.threads} threads: {statistics.median(rates):.0f} checks/s")
    print(
        f"reproduce: .venv/bin/python bench/web_ratelimit.py --checks {args.checks} --threads {args.threads}"
    )


if __name__ == "__main__":
    main()
