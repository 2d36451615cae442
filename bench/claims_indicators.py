"""Benchmark: supervision indicators (institution × month, peers, robust z, rankings) over ~1 M visits.

Reproduce:   .venv/bin/python bench/claims_indicators.py --visits 1000000 --repeat 3
Short form:  .venv/bin/python bench/claims_indicators.py --visits 20000 --repeat 1

The folder is ingested once (ingestion and validation are the audit's cost, measured by
``bench/claims_audit.py``); then :func:`qiandai.claims.indicators.compute_indicators` runs ``--repeat``
times on the same DuckDB connection and the median wall time is printed, with its stages, followed by
one timing of writing ``indicators.parquet`` / ``rankings.parquet`` / ``indicators.xlsx``. Data is
``bench-data/claims-<visits>-i5`` when present, else ``bench-data/claims-<visits>`` (generated, seed 7,
if missing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _data_dir(visits: int) -> Path:
    for name in (f"claims-{visits}-i5", f"claims-{visits}"):
        candidate = ROOT / "bench-data" / name
        if (candidate / "FEE_LIST_D.parquet").exists():
            return candidate
    from qiandai.datagen.claims import generate_claims

    target = ROOT / "bench-data" / f"claims-{visits}"
    print(f"generating {visits:,} visits into {target} …", flush=True)
    generate_claims(target, visits=visits, seed=7)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--period", default="month")
    args = parser.parse_args()
    os.environ.setdefault("QIANDAI_HOME", tempfile.mkdtemp(prefix="qiandai-bench-home-"))

    import ibis

    from qiandai.claims.indicators import IndicatorParams, compute_indicators
    from qiandai.claims.indicators.output import write_outputs
    from qiandai.claims.indicators.run import connect
    from qiandai.claims.ingest import ingest_claims

    data = _data_dir(args.visits)
    with tempfile.TemporaryDirectory(prefix="qiandai-bench-ind-") as tmp:
        work = Path(tmp)
        con = connect(work, threads=args.threads, memory_limit="4GB")
        t0 = time.perf_counter()
        report = ingest_claims(data, con, quarantine_dir=work / "quarantine")
        ingest_s = time.perf_counter() - t0
        backend = ibis.duckdb.from_connection(con)
        params = IndicatorParams(period=args.period)
        walls: list[float] = []
        result = None
        for i in range(args.repeat):
            t0 = time.perf_counter()
            result = compute_indicators(backend, params)
            walls.append(time.perf_counter() - t0)
            stages = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
            print(f"run {i + 1}: {walls[-1]:.2f} s ({stages})", flush=True)
        assert result is not None
        t0 = time.perf_counter()
        write_outputs(result, work / "out")
        write_s = time.perf_counter() - t0
        con.close()

    visits = report.tables["mdtrt"].rows_loaded
    lines = report.tables["fee"].rows_loaded
    print()
    print(
        f"data: {data.relative_to(ROOT)} — {visits:,} visits, {lines:,} fee lines (ingest {ingest_s:.1f} s)"
    )
    print(f"indicator rows: {result.scores.num_rows:,} (institution × {args.period} × indicator), "
          f"rankings {result.rankings.num_rows:,}")  # fmt: skip
    print(f"compute_indicators, median of {args.repeat}: {statistics.median(walls):.2f} s "
          f"({', '.join(f'{w:.2f}' for w in walls)}), threads {args.threads}")  # fmt: skip
    print(f"write parquet + xlsx: {write_s:.2f} s")
    command = "bench/claims_indicators.py"
    print(f"reproduce: .venv/bin/python {command} --visits {args.visits} --repeat {args.repeat}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
