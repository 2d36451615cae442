"""Outputs of a claims audit run: ``suspects.parquet``, ``suspects.xlsx`` and the console summary.

Contract:
- :func:`write_findings` writes the findings (:data:`FINDINGS_SCHEMA`) unchanged to ``suspects.parquet``
  (zstd) and the reviewer's workbook ``suspects.xlsx`` (:mod:`qiandai.claims.report_xlsx`).
- :func:`summarise`, :func:`top_institutions` and :func:`render_summary` (:mod:`qiandai.claims.summary`)
  give the per-rule figures and the Chinese console tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from qiandai.claims.findings import FINDINGS_SCHEMA
from qiandai.claims.report_xlsx import write_workbook
from qiandai.claims.summary import RuleSummary, format_money, render_summary, summarise, top_institutions

__all__ = [
    "OutputPaths",
    "RuleSummary",
    "conform",
    "format_money",
    "render_summary",
    "summarise",
    "top_institutions",
    "write_findings",
]

PARQUET_NAME = "suspects.parquet"
XLSX_NAME = "suspects.xlsx"


@dataclass(frozen=True)
class OutputPaths:
    """Where :func:`write_findings` wrote its files (``xlsx`` is None when it was not asked for)."""

    parquet: Path
    xlsx: Path | None


def write_findings(
    findings: pa.Table,
    out_dir: Path,
    *,
    rule_summaries: Sequence[RuleSummary] | None = None,
    run_info: Mapping[str, str] | None = None,
    write_xlsx: bool = True,
) -> OutputPaths:
    """Write ``suspects.parquet`` and ``suspects.xlsx`` into ``out_dir`` (created if missing).

    ``findings`` must have the columns of :data:`FINDINGS_SCHEMA` (extra columns are dropped, types are cast;
    ``ValueError`` otherwise). ``rule_summaries`` (the run's rules, in rule-set order, including rules with no
    findings or skipped) fixes the rules listed in 「按规则」; without it the rules come from the findings.
    Counts and amounts are always computed from ``findings``. ``run_info`` lines go to 「说明」.
    With ``write_xlsx=False`` only the Parquet file is written, and a ``suspects.xlsx`` left in ``out_dir``
    by an earlier run is removed so that the folder never holds two disagreeing outputs.
    """
    table = conform(findings)
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet_path = out_dir / PARQUET_NAME
    pq.write_table(table, parquet_path, compression="zstd")
    xlsx_path = out_dir / XLSX_NAME
    if not write_xlsx:
        xlsx_path.unlink(missing_ok=True)
        return OutputPaths(parquet=parquet_path, xlsx=None)
    write_workbook(table, xlsx_path, rule_summaries, run_info or {})
    return OutputPaths(parquet=parquet_path, xlsx=xlsx_path)


def conform(findings: pa.Table) -> pa.Table:
    """Return ``findings`` with exactly :data:`FINDINGS_SCHEMA` (column order, types, no schema metadata)."""
    missing = [name for name in FINDINGS_SCHEMA.names if name not in findings.column_names]
    if missing:
        raise ValueError(f"疑点表缺少列：{', '.join(missing)}")
    selected = findings.select(FINDINGS_SCHEMA.names)
    for field in FINDINGS_SCHEMA:
        if not field.nullable and selected.column(field.name).null_count:
            raise ValueError(f"疑点表的列 {field.name} 不允许为空")
    return selected.cast(FINDINGS_SCHEMA)
