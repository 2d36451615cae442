"""Where a screening run reads transfers from: a Parquet/CSV file or folder in the datagen format, or the
transfers the decision service has stored (``tx_decision``).

Either way the transfers become one table ``tx`` (in DuckDB, or a cached Spark view with ``--engine
spark``) with the columns the screening needs (``transfer_id, payer_account, payee_account, amount, ts,
device_id, ip, payer_phone``; ``ts`` in epoch seconds). Rows that cannot be used are counted per reason
and left out, never silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from qiandai.batch.sql_engines import SparkEngine, SqlEngine, as_engine
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


def _stage(engine: SqlEngine, label: str) -> None:
    """``staged``: the typed columns of view ``raw`` (its columns checked first)."""
    columns = set(engine.columns("raw"))
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputFileError(label, f"缺少必需列：{', '.join(missing)}")
    opt = {c: (f"CAST({c} AS VARCHAR)" if c in columns else "NULL::VARCHAR") for c in OPTIONAL}
    if "transfer_id" not in columns:
        opt["transfer_id"] = "CAST(row_number() OVER () AS VARCHAR)"
    engine.create_table(
        "staged",
        f"""SELECT {opt["transfer_id"]} AS transfer_id,
              CAST(payer_account AS VARCHAR) AS payer_account,
              CAST(payee_account AS VARCHAR) AS payee_account,
              TRY_CAST(amount AS DOUBLE) AS amount,
              epoch(TRY_CAST(occurred_at AS TIMESTAMPTZ)) AS ts,
              {opt["device_id"]} AS device_id, {opt["ip"]} AS ip, {opt["payer_phone"]} AS payer_phone
            FROM raw""",
    )


def load_file(
    con: duckdb.DuckDBPyConnection | SqlEngine, path: Path, as_of: datetime | None = None
) -> Loaded:
    """Load a transfers file or folder into ``tx`` (only transfers up to ``as_of`` when given).

    On Spark the files are read by Spark itself (``path`` must then be on storage every executor
    sees: HDFS, a shared mount); the same SQL types and checks them.
    """
    engine = as_engine(con)
    files, kind = _files(path)
    if isinstance(engine, SparkEngine):
        try:
            engine.dataframe("raw", engine.read_files(files, kind))
            engine.columns("raw")
        except Exception as exc:  # Spark raises its own hierarchy (py4j, AnalysisException…)
            detail = str(exc).splitlines()[0]
            if "NANOS" in detail:
                detail = (
                    "Spark 不支持纳秒精度的时间戳，请以微秒精度写出 Parquet"
                    "（如 pandas 的 coerce_timestamps='us'）"
                )
            raise InputFileError(str(path), f"无法读取：{detail}") from exc
    else:
        names = ", ".join(f"'{p.as_posix()}'" for p in files)
        reader = f"read_parquet([{names}])" if kind == "parquet" else f"read_csv([{names}], header=true)"
        try:
            engine.create_view("raw", f"SELECT * FROM {reader}")
            engine.columns("raw")
        except duckdb.Error as exc:
            raise InputFileError(str(path), f"无法读取：{exc}") from exc
    _stage(engine, str(path))
    return _finish(engine, f"文件 {path}", as_of)


def load_stored(
    con: duckdb.DuckDBPyConnection | SqlEngine, session: Session, as_of: datetime | None = None
) -> Loaded:
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
    engine = as_engine(con)
    engine.register("stored_frame", frame)
    engine.create_table(
        "staged",
        """SELECT CAST(transfer_id AS VARCHAR) AS transfer_id,
             CAST(payer_account AS VARCHAR) AS payer_account, CAST(payee_account AS VARCHAR) AS payee_account,
             CAST(amount AS DOUBLE) AS amount, CAST(ts AS DOUBLE) AS ts,
             CAST(device_id AS VARCHAR) AS device_id,
             CAST(ip AS VARCHAR) AS ip, CAST(payer_phone AS VARCHAR) AS payer_phone FROM stored_frame""",
    )
    engine.drop("stored_frame")
    return _finish(engine, "已存储的转账决策记录（tx_decision）", as_of)


def load_frame(
    con: duckdb.DuckDBPyConnection | SqlEngine, frame: pd.DataFrame, as_of: datetime | None = None
) -> Loaded:
    """Load an in-memory frame in the datagen format (tests, the demo, the benchmark)."""
    engine = as_engine(con)
    engine.register("frame_in", frame)
    try:
        engine.create_view("raw", "SELECT * FROM frame_in")
        _stage(engine, "内存数据")
    finally:
        engine.drop("frame_in")
    return _finish(engine, "内存数据", as_of)


def _finish(engine: SqlEngine, source: str, as_of: datetime | None) -> Loaded:
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
        engine.rows(
            f"SELECT r, count(*) FROM (SELECT {reason} AS r FROM staged) WHERE r IS NOT NULL "
            "GROUP BY 1 ORDER BY 1"
        )
    )
    # the cut-off as a DOUBLE literal that both engines read back exactly (repr round-trips)
    later = f"AND ts <= CAST('{cutoff!r}' AS DOUBLE)" if cutoff is not None else ""
    engine.create_table(
        "tx",
        f"""SELECT transfer_id, payer_account, payee_account, amount, ts,
              NULLIF(device_id, '') AS device_id, NULLIF(ip, '') AS ip, NULLIF(payer_phone, '') AS payer_phone
            FROM staged WHERE ({reason}) IS NULL {later}""",
    )
    total = _count(engine, "staged")
    kept = _count(engine, "tx")  # on Spark this also materialises the cached ``tx``
    if cutoff is not None:
        rejected["晚于筛查截止时间（不参与本次筛查）"] = total - kept - sum(rejected.values())
    engine.drop("staged")
    return Loaded(source, total, kept, {str(k): int(v) for k, v in rejected.items()})


def _count(engine: SqlEngine, table: str) -> int:
    value = engine.scalar(f"SELECT count(*) FROM {table}")
    return int(value) if value is not None else 0
