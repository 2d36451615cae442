"""Benchmark: the screening features on DuckDB vs Spark local mode (same SQL, ``--engine duckdb|spark``).

    .venv/bin/python bench/screening_spark.py --transfers 200000 --numbers 2000 --repeats 3
    .venv/bin/python bench/screening_spark.py --spark-master spark://host:7077 --data-dir /shared/bench

Two jobs, each timed on both engines (medians over ``--repeats``; the first Spark repeat also pays the
JVM's warm-up, so a warm-up run on each engine comes first and is not counted):

* **accounts** — :func:`qiandai.cards.runs.run_from_file` over a synthetic transfers Parquet file
  (``qiandai.cards.synth``: ordinary transfers plus mule gangs): load, features, flow stage, networks,
  grades. On Spark, the load, features and flow stage run on Spark; the networks on the driver.
* **sim** — :func:`qiandai.simcards.model.score` (rules only) over a generated CDR folder
  (``qiandai.datagen.cdr``): validation counts, features, rules.

The Spark session is started once (its start-up time is printed separately). Results are checked to be
the same on both engines (grades / levels). ``--data-dir`` must be on storage every executor sees when
``--spark-master`` names a cluster.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qiandai.batch.spark import spark_session
from qiandai.cards import runs, synth
from qiandai.datagen.cdr import generate_cdr
from qiandai.simcards import model as sim_model


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    fn()  # warm-up, not counted
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=200_000)
    parser.add_argument("--numbers", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--spark-master", default=None)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    data = args.data_dir or Path(tempfile.mkdtemp(prefix="qiandai-bench-spark-"))
    data.mkdir(parents=True, exist_ok=True)
    transfers = data / "transfers.parquet"
    frame, _mules = synth.generate(args.transfers, seed=7)
    # Spark cannot read nanosecond Parquet timestamps (pandas' default): write microseconds.
    frame.to_parquet(transfers, index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    cdr = data / "cdr"
    if not (cdr / "calls.parquet").exists():
        generate_cdr(cdr, numbers=args.numbers, days=args.days, seed=7)
    print(f"data: {len(frame):,} transfers, {args.numbers:,} numbers × {args.days} days of CDR in {data}")

    t0 = time.perf_counter()
    session = spark_session(args.spark_master)
    print(f"Spark session ({session.sparkContext.master}) started in {time.perf_counter() - t0:.1f} s")

    figures: dict[str, dict[str, float]] = {}
    grades: dict[str, Any] = {}
    for engine in ("duckdb", "spark"):
        master = args.spark_master if engine == "spark" else None
        acc, (_loaded, result) = _timed(
            lambda e=engine, m=master: runs.run_from_file(transfers, engine=e, spark_master=m), args.repeats
        )
        sim, scored = _timed(
            lambda e=engine, m=master: sim_model.score(cdr, use_model=False, engine=e, spark_master=m),
            args.repeats,
        )
        figures[engine] = {"accounts": acc, "sim": sim}
        grades[engine] = (
            result.accounts[["account", "grade"]].sort_values("account").to_numpy().tolist(),
            scored.frame[["number", "level"]].sort_values("number").to_numpy().tolist(),
        )
        print(f"{engine}: accounts {acc:.1f} s ({len(result.accounts):,} accounts), sim {sim:.1f} s "
              f"({len(scored.frame):,} numbers) — medians over {args.repeats}")  # fmt: skip
    same = grades["duckdb"] == grades["spark"]
    print(f"same grades and levels on both engines: {same}")
    for job in ("accounts", "sim"):
        ratio = figures["spark"][job] / figures["duckdb"][job]
        print(f"{job}: Spark local / DuckDB = {ratio:.1f}×")
    print("reproduce: .venv/bin/python " + " ".join(["bench/screening_spark.py", *(argv or sys.argv[1:])]))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
