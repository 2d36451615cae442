"""Benchmark: the synthetic claims generator at 1 million visits (about 10 million fee lines).

Reproduce:   .venv/bin/python bench/datagen_claims.py --visits 1000000 --repeat 3
Short form:  .venv/bin/python bench/datagen_claims.py --visits 20000 --repeat 1

Prints, per run and as medians: wall seconds of ``generate_claims`` (knowledge base already built),
fee lines written, fee lines per second and the peak resident memory of the generating process.
Each run is a fresh child process, so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 180.0
TARGET_PEAK_GB = 6.0


def _child(visits: int, seed: int, out: Path) -> None:
    from qiandai.datagen.claims import generate_claims
    from qiandai.knowledge import KnowledgeBase

    kb = KnowledgeBase.open(Path(os.environ["QIANDAI_HOME"]) / "kb.duckdb")
    kb.rule_table("duplicate_pairs")  # build the knowledge base before the clock starts
    start = time.perf_counter()
    report = generate_claims(out, visits=visits, seed=seed, kb=kb)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"seconds": seconds, "fee_lines": report.tables["FEE_LIST_D"], "peak_gb": peak_kb / 2**20})
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.visits, args.seed, args.out)
        return
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QIANDAI_HOME": str(Path(tmp) / "home")}
        for i in range(args.repeat):
            out = Path(tmp) / f"run{i}"
            cmd = [
                sys.executable,
                __file__,
                "--child",
                "--visits",
                str(args.visits),
                "--seed",
                str(args.seed),
            ]
            done = subprocess.run(
                [*cmd, "--out", str(out)], env=env, check=True, capture_output=True, text=True
            )
            run = json.loads(done.stdout.strip().splitlines()[-1])
            runs.append(run)
            print(
                f"run {i + 1}: {run['seconds']:.1f} s, {run['fee_lines']:,} fee lines, "
                f"{run['fee_lines'] / run['seconds']:,.0f} lines/s, peak {run['peak_gb']:.2f} GB"
            )
    seconds = statistics.median(r["seconds"] for r in runs)
    peak = statistics.median(r["peak_gb"] for r in runs)
    print(
        f"median: {seconds:.1f} s (target < {TARGET_SECONDS:.0f} s), peak {peak:.2f} GB "
        f"(target < {TARGET_PEAK_GB:.0f} GB) for {args.visits:,} visits"
    )
    print(f"command: {' '.join([sys.executable, *sys.argv])}")


if __name__ == "__main__":
    main()
