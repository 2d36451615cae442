"""The shape of a suspect point (疑点) as every rule emits it and every output writes it.

Each rule compiles to an Ibis table with exactly the *rule columns* below; the audit job adds the run
columns and joins visit attributes, then writes ``suspects.parquet`` with :data:`FINDINGS_SCHEMA`.
"""

from __future__ import annotations

import pyarrow as pa

# Columns that every compiled rule returns (one row per suspect point).
RULE_OUTPUT_COLUMNS: tuple[str, ...] = (
    "mdtrt_id",  # the visit the finding is attached to
    "kp_id",  # knowledge point that fired (NULL for rules without one)
    "fee_ids",  # list<string>: bkkp_sn of the fee lines involved (may be empty)
    "amount",  # DECIMAL(18,2): amount at stake (涉及金额)
    "evidence",  # Chinese sentence a reviewer can act on
    "event_date",  # DATE the finding refers to (fee date, admission date …)
    "fixmedins_code",  # optional institution code; NULL: taken from the visit (stock findings set it)
)

FINDINGS_SCHEMA = pa.schema(
    [
        pa.field("finding_id", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("rule_set", pa.string(), nullable=False),
        pa.field("rule_set_version", pa.int32(), nullable=False),
        pa.field("rule_id", pa.string(), nullable=False),
        pa.field("rule_code", pa.string(), nullable=False),
        pa.field("rule_name", pa.string(), nullable=False),
        pa.field("result_type", pa.string(), nullable=False),
        pa.field("kp_id", pa.string()),
        pa.field("fixmedins_code", pa.string()),
        pa.field("fixmedins_name", pa.string()),
        pa.field("mdtrt_id", pa.string(), nullable=False),
        pa.field("psn_no", pa.string()),
        pa.field("psn_name_masked", pa.string()),
        pa.field("certno_masked", pa.string()),
        pa.field("med_type", pa.string()),
        pa.field("event_date", pa.date32()),
        pa.field("fee_ids", pa.list_(pa.string())),
        pa.field("fee_count", pa.int32()),
        pa.field("amount", pa.decimal128(18, 2)),
        pa.field("evidence", pa.string(), nullable=False),
    ]
)

# Chinese headers for exports, in output order (the xlsx drops psn_no for masked columns).
CHINESE_HEADERS: dict[str, str] = {
    "finding_id": "疑点编号",
    "run_id": "审核批次",
    "rule_set": "规则集",
    "rule_set_version": "规则集版本",
    "rule_id": "规则标识",
    "rule_code": "规则编码",
    "rule_name": "规则名称",
    "result_type": "结果类型",
    "kp_id": "知识点编号",
    "fixmedins_code": "定点医药机构编号",
    "fixmedins_name": "定点医药机构名称",
    "mdtrt_id": "就诊ID",
    "psn_no": "人员编号",
    "psn_name_masked": "姓名（脱敏）",
    "certno_masked": "证件号码（脱敏）",
    "med_type": "医疗类别",
    "event_date": "发生日期",
    "fee_ids": "涉及费用明细流水号",
    "fee_count": "涉及明细条数",
    "amount": "涉及金额（元）",
    "evidence": "疑点说明",
}

# Ground truth written by the generator: one row per injected case.
GROUND_TRUTH_SCHEMA = pa.schema(
    [
        pa.field("rule_code", pa.string(), nullable=False),
        pa.field("rule_id", pa.string(), nullable=False),
        pa.field("mdtrt_id", pa.string(), nullable=False),
        pa.field("psn_no", pa.string()),
        pa.field("fee_ids", pa.list_(pa.string())),
        pa.field("note", pa.string()),
    ]
)
