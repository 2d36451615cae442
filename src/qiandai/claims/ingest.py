"""Ingest an input folder of national tables into DuckDB, quarantining every row with a problem.

:func:`ingest_claims` is the one entry point. For each table (visits first: the other tables'
orphan check needs the valid visits) it exposes the file to DuckDB (:mod:`.readers`), types and
checks every column in one vectorised pass (:mod:`.validation`), then removes orphans and
duplicate keys with joins: no Python touches a row. A row with any problem is not loaded; each of
its problems becomes one quarantine record (row, field, Chinese reason, value with identity
numbers masked), written to ``quarantine.csv`` (UTF-8 with BOM, Chinese header, for Excel) and
``quarantine.parquet`` (English column names).

Tables are built under staging names and swapped in only when every file has loaded, so an input
error leaves the connection's earlier tables as they were.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from qiandai.claims.ingest_report import IngestReport, TableIngest
from qiandai.claims.readers import Source, locate_tables, open_source
from qiandai.claims.schema import MDTRT, TABLES, TableSpec
from qiandai.claims.validation import ENGINE_TYPES, Check, column_checks, quote_ident, sql_str, typed_expr
from qiandai.domain.errors import InputFileError

__all__ = ["QUARANTINE_COLUMNS", "IngestReport", "TableIngest", "ingest_claims"]

ProgressCallback = Callable[[str, int], None]

# Quarantine columns: English name (Parquet) → Chinese header (CSV).
QUARANTINE_COLUMNS: dict[str, str] = {
    "file": "文件",
    "table": "表",
    "row": "行号",
    "field": "字段",
    "field_label": "字段名称",
    "value": "值",
    "reason": "原因",
}
QUARANTINE_SCHEMA = pa.schema(
    [pa.field(n, pa.int64() if n == "row" else pa.string()) for n in QUARANTINE_COLUMNS]
)
_log = logging.getLogger(__name__)
_Q = "_ingest_quarantine"
_REJECT = "_ingest_reject"
_ORDER_ORPHAN = 10_000
_ORDER_DUPLICATE = 10_001


def ingest_claims(
    folder: Path,
    con: duckdb.DuckDBPyConnection,
    *,
    quarantine_dir: Path,
    today: date | None = None,
    on_progress: ProgressCallback | None = None,
) -> IngestReport:
    """Load the national tables of ``folder`` into ``con`` and quarantine the rows that fail validation.

    Creates (or replaces) the tables ``mdtrt``, ``setl``, ``fee``, ``diag`` and ``oprn`` with the
    typed columns of their :class:`TableSpec` in spec order plus ``_file`` and ``_row``; optional
    tables missing from the folder are created empty. ``today`` bounds birth dates in identity
    numbers (default: the current date). ``on_progress(table_key, rows_read)`` is called once per
    table as it completes.

    Raises :class:`InputFolderError` (missing required table, two files for a table) and
    :class:`InputFileError` (unreadable file, missing required columns).
    """
    layout = locate_tables(folder)
    today = today or date.today()
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE {_Q} (file VARCHAR, "table" VARCHAR, "row" BIGINT, '
        "field VARCHAR, field_label VARCHAR, value VARCHAR, reason VARCHAR, t_ord INTEGER, p_ord INTEGER)"
    )
    entries: dict[str, TableIngest] = {}
    try:
        for order, spec in sorted(enumerate(TABLES), key=lambda it: it[1].key != "mdtrt"):
            path = layout.files.get(spec.key)
            if path is None:
                entries[spec.key] = _create_empty(con, spec)
            else:
                entries[spec.key] = _ingest_file(con, spec, path, order=order, today=today)
            if on_progress is not None:
                on_progress(spec.key, entries[spec.key].rows_read)
        csv_path, parquet_path = _write_quarantine(con, quarantine_dir)
        for spec in TABLES:  # swap in all new tables only once every file has loaded
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(spec.key)}")
            con.execute(f"ALTER TABLE {_staging(spec)} RENAME TO {quote_ident(spec.key)}")
    finally:
        for spec in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {_staging(spec)}")
        con.execute(f"DROP TABLE IF EXISTS {_Q}; DROP TABLE IF EXISTS {_REJECT}")
    ordered = {t.key: entries[t.key] for t in TABLES}
    return IngestReport(folder, ordered, layout.ignored, csv_path, parquet_path)


def _staging(spec: TableSpec) -> str:
    """Name under which a table is built; renamed to ``spec.key`` when the whole folder has loaded.

    (Not one transaction: DuckDB's commit of ten million transaction-local rows costs as much as
    loading them, so the connection keeps its old tables by building beside them instead.)
    """
    return quote_ident(f"_ingest_new_{spec.key}")


def _create_empty(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> TableIngest:
    columns = ", ".join(f"{quote_ident(c.name)} {ENGINE_TYPES[c.kind]}" for c in spec.columns)
    con.execute(f"CREATE OR REPLACE TABLE {_staging(spec)} ({columns}, _file VARCHAR, _row BIGINT)")
    absent = tuple(c.name for c in spec.columns)
    return TableIngest(spec.key, spec.national_name, spec.label, None, 0, 0, 0, 0, absent, ())


def _classify_header(spec: TableSpec, source: Source) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (absent optional columns, unknown columns); raise when a required column is missing."""
    header = set(source.header)
    missing = [c for c in spec.columns if c.required and c.name not in header]
    if missing:
        names = ", ".join(f"{c.name}（{c.label}）" for c in missing)
        raise InputFileError(str(source.path), f"缺少必需列：{names}")
    absent = tuple(c.name for c in spec.columns if c.name not in header)
    known = {c.name for c in spec.columns} | set(spec.national_columns)
    unknown = tuple(h for h in source.header if h and h not in known)
    return absent, unknown


def _ingest_file(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path, *, order: int, today: date
) -> TableIngest:
    """Load one file into the table ``spec.key``; its problems go to the quarantine table.

    The typed rows are written once, straight into the target table with a ``_problems`` column;
    rejected rows are then deleted and the column dropped (cheaper than copying 10 million rows).
    """
    target = _staging(spec)
    wanted = [c.name for c in spec.columns]
    with open_source(con, path, f"_ingest_src_{spec.key}", wanted) as source:
        absent, unknown = _classify_header(spec, source)
        try:
            _run(con, f"CREATE OR REPLACE TABLE {target} AS {_stage_sql(spec, source, path.name, today)}")
        except (duckdb.IOException, duckdb.InvalidInputException) as err:
            raise InputFileError(str(path), f"无法读取文件（{str(err).strip().splitlines()[0]}）") from err
    rows_read = _scalar(con, f"SELECT count(*) FROM {target}")
    _collect_rejects(con, spec)
    _record_problems(con, spec, file=path.name, order=order)
    where = f'"table" = {sql_str(spec.national_name)}'
    problems = _scalar(con, f"SELECT count(*) FROM {_Q} WHERE {where}")
    quarantined = _scalar(con, f'SELECT count(DISTINCT "row") FROM {_Q} WHERE {where}')
    if problems:
        _run(con, f'DELETE FROM {target} WHERE _row IN (SELECT DISTINCT "row" FROM {_Q} WHERE {where})')
    _run(con, f"ALTER TABLE {target} DROP COLUMN _problems")
    con.execute(f"DROP TABLE {_REJECT}")
    return TableIngest(
        spec.key, spec.national_name, spec.label, path,
        rows_read, rows_read - quarantined, quarantined, problems, absent, unknown,
    )  # fmt: skip


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Execute ``sql``, logging its duration (debug level) so slow steps show up in the job log."""
    started = time.perf_counter()
    con.execute(sql)
    _log.debug("%.2f s: %s", time.perf_counter() - started, sql[:120])


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _raw(name: str) -> str:
    return quote_ident(f"r${name}")


def _typed(name: str) -> str:
    return quote_ident(f"t${name}")


def _stage_sql(spec: TableSpec, source: Source, file: str, today: date) -> str:
    """One pass over the source: typed columns plus ``_problems``, a list of row-level problems
    (NULL for a good row; the list is only built for rows where some check fails)."""
    present = {c.name for c in spec.columns if c.name in source.types}
    inner = ["_row"]
    checks: list[Check] = []
    cert_type = _typed("psn_cert_type") if "psn_cert_type" in present else None
    for col in spec.columns:
        if col.name not in present:
            inner.append(f"CAST(NULL AS {ENGINE_TYPES[col.kind]}) AS {_typed(col.name)}")
            continue
        source_type = source.types[col.name]
        raw = source.column(col.name)
        inner.append(f"{raw} AS {_raw(col.name)}")
        inner.append(f"{typed_expr(col, raw, source_type)} AS {_typed(col.name)}")
        checks += column_checks(
            col,
            raw=_raw(col.name),
            source_type=source_type,
            typed=_typed(col.name),
            today=today,
            cert_type=cert_type,
        )
    if {"begntime", "endtime"} <= present:
        end, begin = _typed("endtime"), _typed("begntime")
        checks.append(
            Check(
                "endtime",
                f"{end} < {begin}",
                f"CAST({end} AS VARCHAR)",
                f"'结束时间早于开始时间：' || CAST({end} AS VARCHAR) || ' < ' || CAST({begin} AS VARCHAR)",
            )
        )
    labels = {c.name: c.label for c in spec.columns}
    items = [
        f"CASE WHEN {c.condition} THEN {{'field': {sql_str(c.field)}, 'label': {sql_str(labels[c.field])}, "
        f"'value': CAST({c.value} AS VARCHAR), 'reason': CAST({c.reason} AS VARCHAR), 'ord': {i}}} END"
        for i, c in enumerate(checks)
    ]
    any_problem = " OR ".join(f"({c.condition})" for c in checks) or "false"
    outer = [f"{_typed(c.name)} AS {quote_ident(c.name)}" for c in spec.columns]
    problems = f"CASE WHEN {any_problem} THEN list_filter([{', '.join(items)}], lambda x: x IS NOT NULL) END"
    file_sql = f"CAST({sql_str(file)} AS VARCHAR)"
    return (
        f"SELECT {', '.join(outer)}, {file_sql} AS _file, _row, {problems} AS _problems "
        f"FROM (SELECT {', '.join(inner)} FROM {quote_ident(source.relation)})"
    )


def _collect_rejects(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Fill ``_REJECT`` (row, kind, value, keep) with orphans and later duplicates of the stage.

    Orphans: a non-visit row whose ``mdtrt_id`` is not a loaded visit (any row, so every problem of
    a row is reported). Duplicates: among rows with no other problem, every occurrence of a primary
    key after the first one by ``_row``; ``keep`` is the row that stays.
    """
    stage = _staging(spec)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_REJECT} (_row BIGINT, kind VARCHAR, value VARCHAR, keep BIGINT)"
    )
    if spec.key != "mdtrt" and "mdtrt_id" in {c.name for c in spec.columns}:
        _run(
            con,
            f"INSERT INTO {_REJECT} SELECT s._row, 'orphan', s.mdtrt_id, NULL FROM {stage} s "
            f"WHERE s.mdtrt_id IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {_staging(MDTRT)} m WHERE m.mdtrt_id = s.mdtrt_id)",
        )
    # Group by the key's 64-bit hash first (no strings in the hash table), then by the key itself
    # among the few rows whose hash repeats.
    pk = quote_ident(spec.primary_key)
    _run(
        con,
        f"INSERT INTO {_REJECT} "
        f"WITH ok AS (SELECT _row, {pk} AS k FROM {stage} WHERE _problems IS NULL "
        f"  AND _row NOT IN (SELECT _row FROM {_REJECT})), "
        "clash AS (SELECT hash(k) AS h FROM ok GROUP BY h HAVING count(*) > 1), "
        "cand AS (SELECT _row, k FROM ok WHERE hash(k) IN (SELECT h FROM clash)), "
        "firsts AS (SELECT k, min(_row) AS keep FROM cand GROUP BY k HAVING count(*) > 1) "
        "SELECT cand._row, 'duplicate', cand.k, firsts.keep "
        "FROM cand JOIN firsts USING (k) WHERE cand._row > firsts.keep",
    )


def _record_problems(con: duckdb.DuckDBPyConnection, spec: TableSpec, *, file: str, order: int) -> None:
    head = f"{sql_str(file)}, {sql_str(spec.national_name)}"
    pk = spec.primary_key
    orphan_reason = sql_str(f"{spec.label}对应的就诊记录不存在：")
    mdtrt_label = MDTRT.column("mdtrt_id").label  # tables without mdtrt_id have no orphans
    _run(
        con,
        f"INSERT INTO {_Q} "
        f"SELECT {head}, _row, p.field, p.label, p.value, p.reason, {order}, p.ord "
        f"FROM (SELECT _row, unnest(_problems) AS p FROM {_staging(spec)} WHERE _problems IS NOT NULL) "
        f"UNION ALL SELECT {head}, _row, 'mdtrt_id', {sql_str(mdtrt_label)}, value, "
        f"{orphan_reason} || value, {order}, {_ORDER_ORPHAN} FROM {_REJECT} WHERE kind = 'orphan' "
        f"UNION ALL SELECT {head}, _row, {sql_str(pk)}, {sql_str(spec.column(pk).label)}, value, "
        f"'主键重复：{pk}=' || value || '（保留第 ' || keep || ' 行）', {order}, {_ORDER_DUPLICATE} "
        f"FROM {_REJECT} WHERE kind = 'duplicate'",
    )


def _write_quarantine(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[Path, Path]:
    """Write the quarantine records (headers only when there are none) and return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(quote_ident(n) for n in QUARANTINE_COLUMNS)
    table = con.sql(f'SELECT {columns} FROM {_Q} ORDER BY t_ord, "row", p_ord').to_arrow_table()
    table = table.cast(QUARANTINE_SCHEMA)
    parquet_path = folder / "quarantine.parquet"
    csv_path = folder / "quarantine.csv"
    pq.write_table(table, parquet_path)
    with csv_path.open("wb") as fh:
        fh.write(("\ufeff" + ",".join(QUARANTINE_COLUMNS.values()) + "\r\n").encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed", eol="\r\n")
        pacsv.write_csv(table, fh, write_options=options)
    return csv_path, parquet_path
