"""Benchmark of SIM-card screening (issue 7, item 6): per-number features over ~50 million CDR rows.

Generates the CDR set once (timed separately, Parquet), then times (wall clock and CPU seconds) —
with DuckDB limited to 2 threads, a memory limit (default 6 GB) and a temp directory under /tmp —
(a) the feature query alone over the validated views (rows failing validation are excluded by the
view itself) and (b) the validation counting pass that the readers run before scoring.
Medians over ``--repeats``.

    .venv/bin/python bench/screening_sim.py --numbers 158000 --days 30 --repeats 3
    .venv/bin/python bench/screening_sim.py --data /tmp/qiandai-bench-sim --repeats 3   # reuse data
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from qiandai.datagen.cdr import generate_cdr
from qiandai.simcards.features import FeatureConfig, compute_features, default_as_of
from qiandai.simcards.schema import open_cdr


def _cpu() -> float:
    """CPU seconds (user + system) of this process, DuckDB's threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _connection(memory: str, threads: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET memory_limit = '{memory}'")
    con.execute("SET temp_directory = '/tmp/qiandai-bench-sim-duckdb'")
    con.execute("SET preserve_insertion_order = false")
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/qiandai-bench-sim"))
    parser.add_argument("--numbers", type=int, default=158000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="6GB")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()

    gen_s = None
    if args.regenerate or not (args.data / "manifest.json").exists():
        t0 = time.perf_counter()
        report = generate_cdr(args.data, numbers=args.numbers, days=args.days, seed=2026)
        gen_s = time.perf_counter() - t0
        print(f"generation: {report.calls:,} call rows, {report.sms:,} sms rows in {gen_s:.1f} s", flush=True)
    manifest = json.loads((args.data / "manifest.json").read_text(encoding="utf-8"))

    feature_times, feature_cpu, validate_times = [], [], []
    numbers = 0
    for i in range(args.repeats):
        con = _connection(args.memory, args.threads)
        t0, c0 = time.perf_counter(), _cpu()
        open_cdr(args.data, con, count=False)
        as_of = default_as_of(con)
        frame = compute_features(con, as_of, FeatureConfig(window_days=args.days))
        feature_times.append(time.perf_counter() - t0)
        feature_cpu.append(_cpu() - c0)
        numbers = len(frame)
        con.close()
        con = _connection(args.memory, args.threads)
        t0 = time.perf_counter()
        report = open_cdr(args.data, con, count=True)
        validate_times.append(time.perf_counter() - t0)
        con.close()
        print(
            f"repeat {i + 1}: features {feature_times[-1]:.1f} s wall, {feature_cpu[-1]:.1f} s CPU "
            f"({numbers:,} numbers; load {os.getloadavg()[0]:.1f}), "
            f"validation pass {validate_times[-1]:.1f} s ({report.invalid_total} invalid rows)",
            flush=True,
        )
    print(
        json.dumps(
            {
                "call_rows": manifest["calls"],
                "sms_rows": manifest["sms"],
                "numbers": numbers,
                "window_days": args.days,
                "threads": args.threads,
                "memory_limit": args.memory,
                "generation_s": None if gen_s is None else round(gen_s, 1),
                "features_median_s": round(statistics.median(feature_times), 1),
                "features_cpu_median_s": round(statistics.median(feature_cpu), 1),
                "validation_median_s": round(statistics.median(validate_times), 1),
                "as_of": str(as_of),
                "window_start": str(as_of - timedelta(days=args.days)),
                "command": " ".join([".venv/bin/python", "bench/screening_sim.py", *sys.argv[1:]]),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
