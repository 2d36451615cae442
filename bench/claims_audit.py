"""Benchmark: the claims audit over about 10 million fee lines (1 million visits) from Parquet.

Reproduce:   .venv/bin/python bench/claims_audit.py --visits 1000000 --repeat 3
Short form:  .venv/bin/python bench/claims_audit.py --visits 20000 --repeat 1

Prints, per run and as medians: wall seconds of the whole audit (ingest + validation + all rules +
writing suspects.parquet; xlsx optional), fee lines per second, peak resident memory of the audit
process, and the ratio of the audit's time to one DuckDB scan of the same columns of the same files.
Each run is a fresh child process so that its peak memory is its own. Data is generated once into
``bench-data/claims-<visits>`` (seeded, reused on later runs).
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

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
TARGET_PEAK_GB = 6.0


def _child_audit(data: Path, out: Path, threads: int, memory_limit: str, xlsx: bool) -> None:
    from qiandai.claims.audit import run_audit
    from qiandai.claims.rulesets import DEFAULT_RULE_SET, shipped_rule_sets
    from qiandai.knowledge import KnowledgeBase

    kb = KnowledgeBase.open(Path(os.environ["QIANDAI_HOME"]) / "kb.duckdb")
    version = shipped_rule_sets()[DEFAULT_RULE_SET]
    kb.rule_table("duplicate_pairs")  # build the knowledge base before the clock starts
    start = time.perf_counter()
    result = run_audit(
        data, out, version=version, knowledge=kb, threads=threads, memory_limit=memory_limit, write_xlsx=xlsx
    )
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "peak_gb": peak_kb / 1024 / 1024,
                "fee_lines": result.ingest.tables["fee"].rows_read,
                "findings": result.findings,
                "stages": result.seconds,
                "rules": {r.rule_id: round(r.seconds, 2) for r in result.rules},
            }
        )
    )


def _child_scan(data: Path, threads: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    fee = (data / "FEE_LIST_D.parquet").as_posix()
    visits = (data / "MDTRT_D.parquet").as_posix()
    start = time.perf_counter()
    con.execute(
        f"""SELECT count(*), count(DISTINCT mdtrt_id), sum(det_item_fee_sumamt), max(fee_ocur_time),
                   count(DISTINCT med_list_codg), sum(cnt), max(pric), max(pric_uplmt_amt),
                   count(DISTINCT bkkp_sn), max(med_chrgitm_type), max(hilist_code)
            FROM read_parquet('{fee}')"""
    ).fetchall()
    con.execute(
        f"""SELECT count(*), count(DISTINCT psn_no), max(begntime), max(endtime), max(gend), max(brdy),
                   max(certno), max(fixmedins_code), max(hosp_lv), max(med_type), max(dscg_maindiag_code)
            FROM read_parquet('{visits}')"""
    ).fetchall()
    print(json.dumps({"wall": time.perf_counter() - start}))


def _run_child(args: list[str], env: dict[str, str]) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--xlsx", action="store_true", help="also write suspects.xlsx inside the timed run")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--child", choices=["audit", "scan"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    data = args.data or ROOT / "bench-data" / f"claims-{args.visits}"
    if args.child == "audit":
        _child_audit(data, args.out, args.threads, args.memory_limit, args.xlsx)
        return
    if args.child == "scan":
        _child_scan(data, args.threads)
        return

    home = Path(tempfile.mkdtemp(prefix="qiandai-bench-home-"))
    env = {**os.environ, "QIANDAI_HOME": str(home)}
    if not (data / "ground_truth.parquet").exists():
        from qiandai.datagen.claims import generate_claims
        from qiandai.knowledge import KnowledgeBase

        os.environ["QIANDAI_HOME"] = str(home)
        print(f"generating {args.visits:,} visits into {data} …", flush=True)
        t0 = time.perf_counter()
        generate_claims(data, visits=args.visits, seed=args.seed, kb=KnowledgeBase.open(home / "kb.duckdb"))
        print(f"generated in {time.perf_counter() - t0:.1f} s", flush=True)

    walls, peaks, scans = [], [], []
    last: dict[str, object] = {}
    common = ["--visits", str(args.visits), "--threads", str(args.threads), "--data", str(data)]
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="qiandai-bench-out-") as out:
            child = ["--child", "audit", "--out", out, "--memory-limit", args.memory_limit, *common]
            last = _run_child(child + (["--xlsx"] if args.xlsx else []), env)
        scan = _run_child(["--child", "scan", *common], env)
        walls.append(float(last["wall"]))  # type: ignore[arg-type]
        peaks.append(float(last["peak_gb"]))  # type: ignore[arg-type]
        scans.append(float(scan["wall"]))  # type: ignore[arg-type]
        print(
            f"run {i + 1}: audit {walls[-1]:.1f} s, peak {peaks[-1]:.2f} GB, scan {scans[-1]:.2f} s, "
            f"findings {last['findings']:,}",
            flush=True,
        )

    lines = int(last["fee_lines"])  # type: ignore[call-overload]
    wall = statistics.median(walls)
    peak = statistics.median(peaks)
    scan_wall = statistics.median(scans)
    print()
    print(f"fee lines            {lines:,}")
    wall_ok = "OK" if wall <= TARGET_SECONDS else "MISSED"
    peak_ok = "OK" if peak <= TARGET_PEAK_GB else "MISSED"
    print(f"audit wall (median)  {wall:.1f} s   target ≤ {TARGET_SECONDS:.0f} s   {wall_ok}")
    print(f"peak memory (median) {peak:.2f} GB  target ≤ {TARGET_PEAK_GB:.0f} GB   {peak_ok}")
    print(f"throughput           {lines / wall:,.0f} fee lines/s")
    print(f"DuckDB scan (median) {scan_wall:.2f} s   audit/scan ratio {wall / scan_wall:.1f}×")
    print(f"stages (last run)    {json.dumps(last['stages'])}")
    print(f"rules (last run, s)  {json.dumps(last['rules'], ensure_ascii=False)}")
    print(f"reproduce: .venv/bin/python bench/claims_audit.py --visits {args.visits} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
