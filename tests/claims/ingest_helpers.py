"""Helpers for the ingestion tests: write small national-format folders and run ``ingest_claims``.

Imported explicitly (``from ingest_helpers import …``); rows are dicts of text (as a CSV would hold
them) unless a test writes typed Parquet itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from qiandai.claims.ingest import IngestReport, ingest_claims
from qiandai.domain.idcard import make_id_number

TODAY = date(2025, 1, 1)
CERTNO = make_id_number("110101", date(1980, 5, 17), 123)

Rows = Sequence[Mapping[str, Any]]


def visit(mdtrt_id: str, **values: Any) -> dict[str, Any]:
    """A valid visit as CSV text; keyword arguments override or add columns."""
    row: dict[str, Any] = {
        "mdtrt_id": mdtrt_id,
        "psn_no": "P001",
        "certno": CERTNO,
        "psn_cert_type": "01",
        "gend": "1",
        "fixmedins_code": "H001",
        "begntime": "2024-01-02 08:00:00",
        "endtime": "2024-01-05 10:00:00",
        "med_type": "21",
        "ipt_days": "3",
        "brdy": "1980-05-17",
    }
    row.update(values)
    return row


def fee(bkkp_sn: str, mdtrt_id: str, **values: Any) -> dict[str, Any]:
    """A valid fee line as CSV text; keyword arguments override or add columns."""
    row: dict[str, Any] = {
        "bkkp_sn": bkkp_sn,
        "mdtrt_id": mdtrt_id,
        "fee_ocur_time": "2024-01-03 09:00:00",
        "med_list_codg": "XB01",
        "cnt": "2",
        "pric": "10.5",
        "det_item_fee_sumamt": "21",
    }
    row.update(values)
    return row


def write_csv(folder: Path, name: str, rows: Rows, *, encoding: str = "utf-8") -> Path:
    """Write ``rows`` as ``folder/name`` (every value text, missing values empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pd.DataFrame(list(rows), dtype=object).to_csv(path, index=False, encoding=encoding)
    return path


def write_folder(folder: Path, *, visits: Rows, fees: Rows, **others: Rows) -> Path:
    """Write MDTRT_D.csv, FEE_LIST_D.csv and any ``others`` (national name → rows) as CSV."""
    write_csv(folder, "MDTRT_D.csv", visits)
    write_csv(folder, "FEE_LIST_D.csv", fees)
    for name, rows in others.items():
        write_csv(folder, f"{name}.csv", rows)
    return folder


@dataclass
class Ingested:
    """The outcome of one ingestion: report, connection and quarantine records as tuples."""

    report: IngestReport
    con: duckdb.DuckDBPyConnection
    quarantine: list[dict[str, Any]]

    def problems(self) -> list[tuple[str, int, str, str]]:
        """(file, row, field, reason) of every quarantine record, in file order."""
        return [(q["file"], q["row"], q["field"], q["reason"]) for q in self.quarantine]

    def column(self, table: str, column: str) -> list[Any]:
        """Values of ``table.column`` in ``_row`` order."""
        return [r[0] for r in self.con.execute(f'SELECT "{column}" FROM {table} ORDER BY _row').fetchall()]


def ingest(folder: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection | None = None) -> Ingested:
    """Run ``ingest_claims`` on ``folder`` with the quarantine under ``tmp_path/q``."""
    con = con or duckdb.connect()
    report = ingest_claims(folder, con, quarantine_dir=tmp_path / "q", today=TODAY)
    quarantine = pq.read_table(report.quarantine_parquet).to_pylist()
    return Ingested(report, con, quarantine)
