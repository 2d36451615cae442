"""Helpers of the supervision tests: a small audit output folder in the real findings format."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from qiandai.claims.findings import FINDINGS_SCHEMA

PASSWORD = "persona-pass-1"
INST_A = "H33010200001"  # 杭州市上城区人民医院 (region 330102)
INST_B = "H33010500002"  # 杭州市拱墅区社区卫生服务中心 (region 330105)
PHARMACY = "P33010600001"
OTHER_CITY = "H32010200009"  # 南京 (region 320102): outside the Hangzhou personas' scope
RUN_ID = "RUN-TEST-0001"
PERSON_PSN = "33014400159999999999"  # one insured person with points at A (row 4) and B (row 10)
PERSON_ROWS = (4, 10)

_INSTITUTIONS = {
    INST_A: "杭州市上城区人民医院",
    INST_B: "杭州市拱墅区米市巷街道社区卫生服务中心",
    PHARMACY: "老百姓大药房（西湖区灵隐1店）",
    OTHER_CITY: "南京市某医院",
}
_RULES = [
    ("duplicate_charge", "GZ10000102012000", "医疗服务项目重复收费", "明确违规"),
    ("split_admission", "QD-0001", "分解住院", "可疑"),
]


def finding_key(n: int, run_id: str = RUN_ID) -> str:
    """The ``finding_id`` of row ``n`` (1-based) of :func:`write_audit`."""
    return f"F-{run_id}-{n:05d}"


def write_audit(
    folder: Path, run_id: str = RUN_ID, per_institution: int = 3, person_rows: tuple[int, ...] = ()
) -> Path:
    """Write ``suspects.parquet`` and ``run.json``: ``per_institution`` points per institution and rule.

    Rows are numbered from 1 (institution A first, 可疑 rows after 明确违规 ones); rows in ``person_rows``
    belong to the insured person :data:`PERSON_PSN`, every other row to a person of its own.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    n = 0
    for code, name in _INSTITUTIONS.items():
        for rule_id, rule_code, rule_name, result_type in _RULES:
            for _ in range(per_institution):
                n += 1
                rows.append(
                    {
                        "finding_id": finding_key(n, run_id),
                        "run_id": run_id,
                        "rule_set": "claims-default",
                        "rule_set_version": 1,
                        "rule_id": rule_id,
                        "rule_code": rule_code,
                        "rule_name": rule_name,
                        "result_type": result_type,
                        "kp_id": None,
                        "fixmedins_code": code,
                        "fixmedins_name": name,
                        "mdtrt_id": f"MD{n:010d}",
                        "psn_no": PERSON_PSN if n in person_rows else f"3301440015{n:010d}",
                        "psn_name_masked": "张*",
                        "certno_masked": "330***********1234",
                        "med_type": "21",
                        "event_date": date(2025, 6, 1 + n % 28),
                        "fee_ids": [f"FE{n}"],
                        "fee_count": 1,
                        "amount": Decimal("1000.00") + n,
                        "evidence": f"{rule_name}：同一项目同日重复计费 {n} 次",
                    }
                )
    pq.write_table(pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA), folder / "suspects.parquet")
    meta = {"run_id": run_id, "rule_set": "claims-default", "rule_set_version": 1, "findings": len(rows)}
    (folder / "run.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder
