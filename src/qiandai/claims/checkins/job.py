"""The presence job: ingest an input folder and write the ward-level presence rate.

Writes ``presence.parquet`` (English column names) and ``presence.xlsx`` (one sheet 病区在床率, Chinese
headers) plus the ingestion's ``quarantine/`` into the output folder. An input folder without
``CHECKIN_D`` gives an empty table (no institution is judged). Semantics: :mod:`.presence`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from qiandai.claims.checkins.presence import presence_by_ward
from qiandai.claims.context import build_fee_x, build_visit_x
from qiandai.claims.ingest import IngestReport, ingest_claims

PRESENCE_HEADERS: dict[str, str] = {
    "fixmedins_code": "定点医药机构编号",
    "fixmedins_name": "定点医药机构名称",
    "ward_code": "病区编码",
    "month": "月份",
    "stays": "住院人次",
    "billed_days": "计费住院日",
    "present_days": "有签到的住院日",
    "presence_rate": "在床率",
}
SHEET = "病区在床率"


@dataclass(frozen=True)
class PresenceResult:
    """What :func:`write_presence` wrote."""

    ingest: IngestReport
    table: pa.Table
    parquet: Path
    xlsx: Path


def write_presence(input_dir: Path, out_dir: Path) -> PresenceResult:
    """Compute the presence rate of ``input_dir`` and write it under ``out_dir``.

    Raises the ingestion errors (``InputFolderError``, ``InputFileError``) for unusable input.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        ingest = ingest_claims(input_dir, con, quarantine_dir=out_dir / "quarantine")
        backend = ibis.duckdb.from_connection(con)
        visits = backend.create_table(
            "visit_x", build_visit_x(backend.table("mdtrt"), backend.table("fee"), backend.table("diag"))
        )
        fee = backend.create_table("fee_x", build_fee_x(backend.table("fee"), visits))
        table = backend.to_pyarrow(presence_by_ward(visits, fee, backend.table("checkin")))
    finally:
        con.close()
    parquet, xlsx = out_dir / "presence.parquet", out_dir / "presence.xlsx"
    pq.write_table(table, parquet)
    frame = table.to_pandas().rename(columns=PRESENCE_HEADERS)
    frame.to_excel(xlsx, sheet_name=SHEET, index=False, engine="xlsxwriter")
    return PresenceResult(ingest, table, parquet, xlsx)
