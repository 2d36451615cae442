"""Import an audit run's suspect points into the review queue, idempotently.

Reads ``run.json`` and ``suspects.parquet`` (:data:`qiandai.claims.findings.FINDINGS_SCHEMA`) from an
audit output folder. Re-importing a run adds nothing (the run id and every ``finding_id`` are unique);
institutions unknown to the register are registered from their codes. The caller's unit of work makes
the import all-or-nothing: an interrupted import leaves no row behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import insert

from qiandai.claims.findings import FINDINGS_SCHEMA
from qiandai.domain.errors import InputFileError
from qiandai.store.base import now_utc
from qiandai.supervision import institutions
from qiandai.supervision.config import get_config
from qiandai.supervision.models import Finding, ImportRun
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import FIRST_REVIEW


@dataclass(frozen=True)
class ImportResult:
    run_id: str
    imported: int
    skipped: int
    institutions: int
    already_imported: bool


def read_run(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``(run metadata, finding rows)`` of an audit output folder; unusable files raise InputFileError."""
    parquet = folder / "suspects.parquet"
    if not parquet.exists():
        raise InputFileError(str(parquet), "文件不存在（应为 qiandai claims audit 的输出目录）")
    try:
        table = pq.read_table(parquet)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise InputFileError(str(parquet), f"无法读取：{exc}") from None
    missing = [n for n in FINDINGS_SCHEMA.names if n not in table.column_names]
    if missing:
        raise InputFileError(str(parquet), f"缺少列：{'、'.join(missing)}")
    rows = table.select(FINDINGS_SCHEMA.names).to_pylist()
    meta_path = folder / "run.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    if not meta.get("run_id"):
        if not rows:
            raise InputFileError(str(meta_path), "缺少 run.json 且疑点为空，无法确定审核批次")
        meta = {"run_id": rows[0]["run_id"], "rule_set": rows[0]["rule_set"]}
        meta["rule_set_version"] = rows[0]["rule_set_version"]
    return meta, rows


def import_run(
    repo: ScopedRepository,
    folder: Path,
    *,
    default_region: str = "000000",
    now: datetime | None = None,
) -> ImportResult:
    """Queue every new suspect point of the run at 初审 with its stage deadline."""
    meta, rows = read_run(folder)
    run_id = str(meta["run_id"])
    if repo.import_run(run_id) is not None:
        return ImportResult(run_id, 0, len(rows), 0, True)
    now = now or now_utc()
    days = get_config(repo.session, "stage_deadline_days")[FIRST_REVIEW]
    deadline = now + timedelta(days=int(days))
    existing = repo.existing_finding_ids([r["finding_id"] for r in rows])
    known: dict[str, str] = {}
    new_institutions = 0
    records: list[dict[str, Any]] = []
    for r in rows:
        if r["finding_id"] in existing or r["run_id"] != run_id:
            continue
        code = r["fixmedins_code"] or "UNKNOWN"
        if code not in known:
            before = repo.institution_any(code) is None
            known[code] = institutions.ensure(repo, code, r["fixmedins_name"], default_region).region_code
            new_institutions += int(before)
        records.append(_record(r, known[code], deadline, now))
        existing.add(r["finding_id"])
    amount = sum((rec["amount"] for rec in records), Decimal("0.00"))
    repo.add(
        ImportRun(
            run_id=run_id,
            rule_set=str(meta.get("rule_set", "")),
            rule_set_version=int(meta.get("rule_set_version", 0)),
            finding_count=len(records),
            amount=amount,
            imported_at=now,
            imported_by=repo.principal.username,
        )
    )
    for i in range(0, len(records), 1000):
        repo.session.execute(insert(Finding), records[i : i + 1000])
    return ImportResult(run_id, len(records), len(rows) - len(records), new_institutions, False)


def _record(r: dict[str, Any], region: str, deadline: datetime, now: datetime) -> dict[str, Any]:
    amount = r["amount"] if r["amount"] is not None else Decimal("0")
    return {
        "finding_id": r["finding_id"],
        "run_id": r["run_id"],
        "source": "audit",
        "rule_id": r["rule_id"],
        "rule_code": r["rule_code"],
        "rule_name": r["rule_name"],
        "result_type": r["result_type"],
        "institution_code": r["fixmedins_code"] or "UNKNOWN",
        "region_code": region,
        "mdtrt_id": r["mdtrt_id"],
        "psn_no": r["psn_no"],
        "psn_name_masked": r["psn_name_masked"],
        "certno_masked": r["certno_masked"],
        "event_date": r["event_date"],
        "amount": Decimal(amount).quantize(Decimal("0.01")),
        "evidence": r["evidence"],
        "stage": FIRST_REVIEW,
        "stage_deadline": deadline,
        "confirmed_amount": None,
        "self_reported": False,
        "case_id": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
