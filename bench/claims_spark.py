"""Benchmark: the claims audit on DuckDB vs Spark (local mode), same data, same rules, same outputs.

Reproduce:   .venv/bin/python bench/claims_spark.py --visits 100000 --repeat 3
Short form:  .venv/bin/python bench/claims_spark.py --visits 5000 --repeat 1

Each run is :func:`qiandai.claims.audit.run_audit` (ingest and validation on DuckDB, then every rule of
the default set on the chosen engine, then ``suspects.parquet``; no xlsx) in a fresh child process, so
Spark's start-up (JVM, session) is part of its figure and stated separately. Prints per run and as
medians: wall seconds, the stages (ingest, stage = Parquet hand-over to Spark, prepare, rules, write) and
the number of findings, which must be equal on both engines. Data is generated once into
``bench-data/claims-<visits>`` (seed 7, reused).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _data_dir(visits: int) -> Path:
    target = ROOT / "bench-data" / f"claims-{visits}"
    if not (target / "FEE_LIST_D.parquet").exists():
        from qiandai.datagen.claims import generate_claims

        print(f"generating {visits:,} visits into {target} …", flush=True)
        generate_claims(target, visits=visits, seed=7)
    return target


def _child(data: Path, out: Path, engine: str, master: str | None) -> None:
    start = time.perf_counter()
    from qiandai.claims.audit import run_audit
    from qiandai.claims.rulesets import DEFAULT_RULE_SET, shipped_rule_sets
    from qiandai.knowledge import KnowledgeBase

    kb = KnowledgeBase.open(Path(os.environ["QIANDAI_HOME"]) / "kb.duckdb")
    kb.rule_table("duplicate_pairs")  # build the knowledge base before the clock starts
    session_s = 0.0
    if engine == "spark":
        from qiandai.batch.spark import spark_session

        t0 = time.perf_counter()
        spark_session(master)
        session_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = run_audit(
        data,
        out,
        version=shipped_rule_sets()[DEFAULT_RULE_SET],
        knowledge=kb,
        engine=engine,
        spark_master=master,
        write_xlsx=False,
    )
    audit_s = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "wall": audit_s + session_s,
                "session": session_s,
                "audit": audit_s,
                "process": time.perf_counter() - start,
                "findings": result.findings,
                "amount": str(result.amount),
                "fee_lines": result.ingest.tables["fee"].rows_read,
                "stages": {k: round(v, 2) for k, v in result.seconds.items()},
            }
        )
    )


def _run(data: Path, engine: str, master: str | None, env: dict[str, str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"qiandai-bench-{engine}-") as tmp:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            engine,
            "--data",
            str(data),
            "--out",
            str(Path(tmp) / "out"),
        ]
        if master:
            cmd += ["--spark-master", master]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"{engine} run failed:\n{proc.stderr[-3000:]}")
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
        return dict(json.loads(line))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spark-master", default=None, help="default: $QIANDAI_SPARK_MASTER or local[2]")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(Path(args.data), Path(args.out), args.child, args.spark_master)
        return

    print("command: .venv/bin/python bench/claims_spark.py " + " ".join(sys.argv[1:]), flush=True)
    data = _data_dir(args.visits)
    home = tempfile.mkdtemp(prefix="qiandai-bench-home-")
    env = {**os.environ, "QIANDAI_HOME": home}
    medians: dict[str, float] = {}
    findings: dict[str, object] = {}
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        walls: list[float] = []
        for i in range(args.repeat):
            r = _run(data, engine, args.spark_master, env)
            walls.append(float(r["wall"]))  # type: ignore[arg-type]
            findings[engine] = (r["findings"], r["amount"])
            print(
                f"{engine} run {i + 1}: {r['wall']:.1f} s (session {r['session']:.1f} s, "
                f"audit {r['audit']:.1f} s; stages {r['stages']}); "
                f"findings {r['findings']:,}, fee lines {r['fee_lines']:,}",
                flush=True,
            )
        medians[engine] = statistics.median(walls)
        print(f"{engine}: median of {args.repeat}: {medians[engine]:.1f} s", flush=True)
    if len(set(map(str, findings.values()))) > 1:
        sys.exit(f"engines disagree on the findings: {findings}")
    if "duckdb" in medians and "spark" in medians:
        print(f"spark / duckdb: {medians['spark'] / medians['duckdb']:.1f}×; findings {findings['duckdb']}")


if __name__ == "__main__":
    main()
