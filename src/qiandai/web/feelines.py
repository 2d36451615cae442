"""The fee lines (费用明细) behind a suspect point, read from the audit's input folder.

The point's ``fee_ids`` come from the run's ``suspects.parquet``; the lines of its visit come from
``FEE_LIST_D`` (Parquet or CSV) of the input folder. Returns None when the folders are no longer on
this machine (the page then says so). Reads are bounded (at most :data:`MAX_LINES` lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qiandai.web.runs_store import locate

MAX_LINES = 300
COLUMNS = ("bkkp_sn", "fee_ocur_time", "med_list_codg", "hilist_name", "cnt", "pric", "det_item_fee_sumamt")
HEADERS = ("记账流水号", "费用发生时间", "医疗目录编码", "医保目录名称", "数量", "单价", "金额（元）")


@dataclass(frozen=True)
class FeeLines:
    rows: list[dict[str, object]]
    involved: frozenset[str]
    note: str = ""


def fee_ids(audit_dir: Path, finding_id: str) -> frozenset[str]:
    table = pq.read_table(audit_dir / "suspects.parquet", columns=["finding_id", "fee_ids"])
    hit = table.filter(pc.equal(table["finding_id"], finding_id))
    ids: set[str] = set()
    for value in hit["fee_ids"].to_pylist():
        ids.update(value or [])
    return frozenset(ids)


def _fee_file(data_dir: Path) -> Path | None:
    for path in sorted(data_dir.iterdir()):
        if path.stem.upper() == "FEE_LIST_D" and path.suffix.lower() in (".parquet", ".csv"):
            return path
    return None


def lines_for(run_id: str | None, finding_id: str, mdtrt_id: str | None) -> FeeLines | None:
    """The visit's fee lines with the involved ones flagged, or None when the run's files are gone."""
    found = locate(run_id)
    if found is None or found.data_dir is None or not mdtrt_id:
        return None
    involved = fee_ids(found.audit_dir, finding_id)
    path = _fee_file(found.data_dir)
    if path is None:
        return FeeLines([], involved, "输入目录中没有可在线查看的费用明细文件（仅支持 Parquet、CSV）")
    reader = "read_parquet(?)" if path.suffix.lower() == ".parquet" else "read_csv(?, all_varchar=true)"
    cols = ", ".join(COLUMNS)
    con = duckdb.connect()
    try:
        rel = con.execute(
            f"SELECT {cols} FROM {reader} WHERE CAST(mdtrt_id AS VARCHAR) = ? "
            f"ORDER BY fee_ocur_time, bkkp_sn LIMIT {MAX_LINES}",
            [str(path), mdtrt_id],
        )
        names = [d[0] for d in rel.description]
        rows = [dict(zip(names, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()
    for row in rows:
        for key in ("cnt", "pric", "det_item_fee_sumamt"):
            if row[key] is not None:
                row[key] = Decimal(str(row[key]))
    return FeeLines(rows, involved)
