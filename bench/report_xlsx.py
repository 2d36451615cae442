"""Benchmark: write_findings (suspects.parquet + suspects.xlsx) for N synthetic findings.

Reproduce: .venv/bin/python bench/report_xlsx.py --rows 1000000 --repeat 3
Prints the median wall time of write_findings and of its parts (parquet, xlsx) and the file sizes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from qiandai.claims.findings import FINDINGS_SCHEMA
from qiandai.claims.report import write_findings

RULES = [
    ("duplicate_charge", "GZ10000102012000", "医疗服务项目重复收费", "明确违规"),
    ("item_frequency", "GZ10000102014000", "医疗服务项目限定频次", "明确违规"),
    ("drug_gender", "GZ10000301004000", "药品区分性别使用", "明确违规"),
    ("diag_age", "GZ10000204007000", "诊断与患者年龄不符", "可疑"),
    ("over_price", "GZ10000102001000", "医疗服务项目超限定单价收费", "明确违规"),
    ("split_admission", "GZ10000204001000", "分解住院", "可疑"),
    ("phantom_bed", "QD-0001", "挂床住院", "可疑"),
    ("fee_after_death", "QD-0003", "死亡后发生费用", "明确违规"),
]


def synthetic_findings(n: int, seed: int = 7) -> pa.Table:
    """n findings over 8 rules and 2,000 institutions; fee_ids hold 1–5 ids; evidence ~40 characters."""
    rng = np.random.default_rng(seed)
    rule = rng.integers(0, len(RULES), n)
    inst = rng.integers(0, 2000, n)
    idx = np.arange(n)
    pick = lambda k: pa.array([r[k] for r in RULES]).take(pa.array(rule))  # noqa: E731
    fee_counts = rng.integers(1, 6, n).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(fee_counts)]).astype(np.int32)
    fee_values = pa.chunked_array([pa.array(np.char.add("BK", np.arange(offsets[-1]).astype(str)))])
    fee_values = fee_values.combine_chunks()
    cents = rng.integers(0, 5_000_00, n)
    amount = pa.array(cents / 100).cast(pa.decimal128(18, 2), safe=False)
    mdtrt = np.char.add("MD", (idx * 7 + 1000003).astype(str))
    columns = {
        "finding_id": pa.array(np.char.add("F", idx.astype(str))),
        "run_id": pa.array(["RUN-20250101-001"] * n),
        "rule_set": pa.array(["claims-default"] * n),
        "rule_set_version": pa.array(np.full(n, 3, np.int32)),
        "rule_id": pick(0),
        "rule_code": pick(1),
        "rule_name": pick(2),
        "result_type": pick(3),
        "kp_id": pa.array(np.char.add("KP", (rule * 100 + 1).astype(str))),
        "fixmedins_code": pa.array(np.char.add("H", (inst + 10000).astype(str))),
        "fixmedins_name": pa.array(np.char.add("第", np.char.add(inst.astype(str), "人民医院"))),
        "mdtrt_id": pa.array(mdtrt),
        "psn_no": pa.array(np.char.add("P", (idx % 300000).astype(str))),
        "psn_name_masked": pa.array(["张**"] * n),
        "certno_masked": pa.array(["110***********1234"] * n),
        "med_type": pa.array(["21"] * n),
        "event_date": pa.array(np.datetime64("2024-01-01") + rng.integers(0, 365, n)).cast(pa.date32()),
        "fee_ids": pa.ListArray.from_arrays(pa.array(offsets), fee_values),
        "fee_count": pa.array(fee_counts),
        "amount": amount,
        "evidence": pa.array(
            np.char.add("同日收取「一般诊疗费」与「静脉输液」，前者已含后者（第七批知识点）", idx.astype(str))
        ),
    }
    return pa.table(columns, schema=FINDINGS_SCHEMA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = synthetic_findings(args.rows)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            out = Path(tmp) / f"run{i}"
            start = time.perf_counter()
            paths = write_findings(table, out, run_info={"审核批次": "RUN-20250101-001"})
            times.append(time.perf_counter() - start)
            t0 = time.perf_counter()
            pq.write_table(table, Path(tmp) / "p.parquet", compression="zstd")
            parquet_s = time.perf_counter() - t0
        print(f"rows={args.rows:,} repeat={args.repeat}")
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"write_findings median {statistics.median(times):.2f} s (runs: {runs})")
        print(f"  of which parquet alone ≈ {parquet_s:.2f} s")
        assert paths.xlsx is not None
        xlsx_mb, parquet_mb = paths.xlsx.stat().st_size / 1e6, paths.parquet.stat().st_size / 1e6
        print(f"  suspects.xlsx {xlsx_mb:.1f} MB, suspects.parquet {parquet_mb:.1f} MB")
    print(f"reproduce: .venv/bin/python bench/report_xlsx.py --rows {args.rows} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
