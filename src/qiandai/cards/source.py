"""Where a screening run reads transfers from: a Parquet/CSV file or folder in the datagen format, or the
transfers the decision service has stored (``tx_decision``).

Either way the transfers become one DuckDB table ``tx`` with the columns the screening needs
(``transfer_id, payer_account, payee_account, amount, ts, device_id, ip, payer_phone``; ``ts`` in epoch
seconds). Rows that cannot be used are counted per reason and left out, never silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InputFileError, InputFolderError
from qiandai.transfers.models import DecisionRow

REQUIRED = ("payer_account", "payee_account", "amount", "occurred_at")
OPTIONAL = ("transfer_id", "device_id", "ip", "payer_phone")
MEMORY_LIMIT = "4GB"


def connect(threads: int = 2, memory_limit: str = MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a bounded memory limit (the machine is shared)."""
    return duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})


@dataclass
class Loaded:
    """What was loaded into ``tx``: its description, the row counts and the rows left out per reason."""

    source: str
    rows: int
    kept: int
    rejected: dict[str, int] = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        lines = [f"数据来源：{self.source}；读取 {self.rows:,} 笔，参与筛查 {self.kept:,} 笔"]
        lines += [f"  剔除 {n:,} 笔：{reason}" for reason, n in self.rejected.items() if n]
        return lines


def _files(path: Path) -> tuple[list[Path], str]:
    if not path.exists():
        raise InputFileError(str(path), "文件或目录不存在")
    if path.is_dir():
        parquet = sorted(path.glob("transfers*.parquet"))
        csv = sorted(path.glob("transfers*.csv"))
        if not parquet and not csv:
            raise InputFolderError(f"目录 {path} 中没有 transfers*.parquet 或 transfers*.csv 文件")
        return (parquet, "parquet") if parquet else (csv, "csv")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise InputFileError(str(path), "只支持 .parquet 或 .csv 格式")
    return [path], suffix[1:]


def load_file(con: duckdb.DuckDBPyConnection, path: Path, as_of: datetime | None = None) -> Loaded:
    """Load a transfers file or folder into ``tx`` (only transfers up to ``as_of`` when given)."""
    files, kind = _files(path)
    names = ", ".join(f"'{p.as_posix()}'" for p in files)
    reader = f"read_parquet([{names}])" if kind == "parquet" else f"read_csv([{names}], header=true)"
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM {reader}")
        columns = {c[0] for c in con.execute("DESCRIBE raw").fetchall()}
    except duckdb.Error as exc:
        raise InputFileError(str(path), f"无法读取：{exc}") from exc
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputFileError(str(path), f"缺少必需列：{', '.join(missing)}")
    opt = {
        c: (f"CAST({c} AS VARCHAR)" if c in columns else "NULL::VARCHAR")
        for c in OPTIONAL
        if c != "transfer_id"
    }
    tid = (
        "CAST(transfer_id AS VARCHAR)"
        if "transfer_id" in columns
        else "CAST(row_number() OVER () AS VARCHAR)"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE staged AS SELECT {tid} AS transfer_id,
              CAST(payer_account AS VARCHAR) AS payer_account,
              CAST(payee_account AS VARCHAR) AS payee_account,
              TRY_CAST(amount AS DOUBLE) AS amount,
              epoch(TRY_CAST(occurred_at AS TIMESTAMPTZ)) AS ts,
              {opt["device_id"]} AS device_id, {opt["ip"]} AS ip, {opt["payer_phone"]} AS payer_phone
            FROM raw"""
    )
    return _finish(con, f"文件 {path}", as_of)


def load_stored(con: duckdb.DuckDBPyConnection, session: Session, as_of: datetime | None = None) -> Loaded:
    """Load the transfers decided and stored by the decision service into ``tx``."""
    stmt = select(
        DecisionRow.transfer_id,
        DecisionRow.payer_account,
        DecisionRow.payee_account,
        DecisionRow.amount_cny.label("amount"),
        DecisionRow.ts,
        DecisionRow.device_id,
        DecisionRow.ip,
        DecisionRow.request["payer_phone"].as_string().label("payer_phone"),
    )
    names = [c.name for c in stmt.selected_columns]
    frame = pd.DataFrame(session.execute(stmt).all(), columns=names)
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in names})
        frame["amount"] = frame["amount"].astype("float64")
        frame["ts"] = frame["ts"].astype("float64")
    con.register("stored_frame", frame)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE staged AS SELECT CAST(transfer_id AS VARCHAR) AS transfer_id,
             CAST(payer_account AS VARCHAR) AS payer_account, CAST(payee_account AS VARCHAR) AS payee_account,
             CAST(amount AS DOUBLE) AS amount, CAST(ts AS DOUBLE) AS ts,
             CAST(device_id AS VARCHAR) AS device_id,
             CAST(ip AS VARCHAR) AS ip, CAST(payer_phone AS VARCHAR) AS payer_phone FROM stored_frame"""
    )
    con.unregister("stored_frame")
    return _finish(con, "已存储的转账决策记录（tx_decision）", as_of)


def load_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, as_of: datetime | None = None) -> Loaded:
    """Load an in-memory frame in the datagen format (tests, the demo, the benchmark)."""
    con.register("frame_in", frame)
    try:
        con.execute("CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM frame_in")
        columns = {c[0] for c in con.execute("DESCRIBE raw").fetchall()}
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise InputFileError("内存数据", f"缺少必需列：{', '.join(missing)}")
        opt = {c: (f"CAST({c} AS VARCHAR)" if c in columns else "NULL::VARCHAR") for c in OPTIONAL}
        if "transfer_id" not in columns:
            opt["transfer_id"] = "CAST(row_number() OVER () AS VARCHAR)"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE staged AS SELECT {opt["transfer_id"]} AS transfer_id,
                  CAST(payer_account AS VARCHAR) AS payer_account,
                  CAST(payee_account AS VARCHAR) AS payee_account, TRY_CAST(amount AS DOUBLE) AS amount,
                  epoch(TRY_CAST(occurred_at AS TIMESTAMPTZ)) AS ts, {opt["device_id"]} AS device_id,
                  {opt["ip"]} AS ip, {opt["payer_phone"]} AS payer_phone FROM raw"""
        )
    finally:
        con.unregister("frame_in")
    return _finish(con, "内存数据", as_of)


def _finish(con: duckdb.DuckDBPyConnection, source: str, as_of: datetime | None) -> Loaded:
    """Keep the usable rows in ``tx``; count the others per reason (first failing reason wins)."""
    cutoff = as_of.timestamp() if as_of is not None else None
    reason = """CASE
        WHEN payer_account IS NULL OR payer_account = '' THEN '付款账号为空'
        WHEN payee_account IS NULL OR payee_account = '' THEN '收款账号为空'
        WHEN payer_account = payee_account THEN '付款账号与收款账号相同'
        WHEN length(payer_account) > 32 OR length(payee_account) > 32 THEN '账号超过 32 位'
        WHEN amount IS NULL THEN '金额缺失或不是数字'
        WHEN amount <= 0 THEN '金额不大于 0'
        WHEN ts IS NULL THEN '发生时间缺失或格式错误'
        ELSE NULL END"""
    rejected = dict(
        con.execute(
            f"SELECT r, count(*) FROM (SELECT {reason} AS r FROM staged) WHERE r IS NOT NULL "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    later = "AND ts <= ?" if cutoff is not None else ""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tx AS SELECT transfer_id, payer_account, payee_account, amount, ts,
              NULLIF(device_id, '') AS device_id, NULLIF(ip, '') AS ip, NULLIF(payer_phone, '') AS payer_phone
            FROM staged WHERE ({reason}) IS NULL {later}""",
        [cutoff] if cutoff is not None else [],
    )
    total = _count(con, "staged")
    kept = _count(con, "tx")
    if cutoff is not None:
        rejected["晚于筛查截止时间（不参与本次筛查）"] = total - kept - sum(rejected.values())
    con.execute("DROP TABLE staged")
    return Loaded(source, total, kept, {str(k): int(v) for k, v in rejected.items()})


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0
