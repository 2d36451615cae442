"""Benchmark: mule-account screening (account features + network detection) over N transfers.

    .venv/bin/python bench/screening.py --transfers 10000000 --repeats 3

The data are drawn vectorised (``qiandai.cards.synth``: ordinary transfers plus mule gangs) and the
generation time is reported separately. Each repeat loads the frame into a fresh DuckDB connection
(2 threads, 6 GB memory limit) and runs :func:`qiandai.cards.screening.screen`: features (one SQL query
with an ASOF join for dwell time), flow from suspicious accounts, and the reduced-graph networks
(connected components + Louvain). Figures are medians over the repeats: wall time, and the process's CPU
time (user + system, all threads) which on a shared, oversubscribed machine shows what the work costs
(CPU ÷ threads ≈ the wall time on dedicated cores). Precision/recall against the injected mules are
printed as a sanity check.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from qiandai.cards import source, synth
from qiandai.cards.screening import screen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="6GB")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    frame, mules = synth.generate(args.transfers, text=False)
    generation = time.perf_counter() - started
    print(f"generated {len(frame):,} transfers, {len(mules):,} mule accounts in {generation:.1f} s")

    load_times, screen_times, totals, cpu_totals = [], [], [], []
    result = None
    for i in range(args.repeats):
        con = source.connect(threads=args.threads, memory_limit=args.memory)
        c0 = time.process_time()
        t0 = time.perf_counter()
        source.load_frame(con, frame)
        t1 = time.perf_counter()
        result = screen(con)
        t2 = time.perf_counter()
        c2 = time.process_time()
        con.close()
        load_times.append(t1 - t0)
        screen_times.append(t2 - t1)
        totals.append(t2 - t0)
        cpu_totals.append(c2 - c0)
        print(
            f"repeat {i + 1}: load {t1 - t0:.1f} s, features+networks {t2 - t1:.1f} s, total {t2 - t0:.1f} s "
            f"(CPU {c2 - c0:.1f} s)"
        )
    assert result is not None
    a = result.accounts
    truth = a["account"].isin(mules)
    high = a["grade"] == "高"
    tp = int((high & truth).sum())
    print(
        f"accounts {len(a):,}; 高 {int(high.sum()):,}; networks {len(result.networks):,}; "
        f"precision {tp / max(1, int(high.sum())):.3f}, recall {tp / max(1, int(truth.sum())):.3f}"
    )
    print(
        f"median over {args.repeats}: load {statistics.median(load_times):.1f} s, "
        f"features+networks {statistics.median(screen_times):.1f} s, "
        f"total {statistics.median(totals):.1f} s; "
        f"CPU {statistics.median(cpu_totals):.1f} s (threads={args.threads}, memory_limit={args.memory})"
    )
    print("reproduce: .venv/bin/python " + " ".join(["bench/screening.py", *(argv or sys.argv[1:])]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
