"""The CDR input format of SIM-card screening and its validating readers (see ``docs/simcards.md``).

A CDR folder holds up to three tables, each as ``<name>.parquet``, ``<name>.csv`` or a folder
``<name>/`` of Parquet parts:

* ``calls`` (required): one row per call, ``direction`` says whose leg it is (``out``: the caller is
  the served subscriber and ``region_code``/``cell_id`` locate the caller; ``in``: the callee is served
  and located). A call between two subscribers appears once, as its ``out`` leg.
* ``subscribers`` (required): number, owner (pseudonymous owner key), registered region, activation
  date and whether the card is the owner's main or secondary card.
* ``sms`` (optional): SMS counts per number and day.

Validation is one vectorised DuckDB pass per table: every row gets the first failing check (field and
Chinese reason) or none. Valid rows are exposed as typed views ``calls``, ``subscribers`` and ``sms``;
invalid rows are counted by reason and the first examples kept with file, row and field, so nothing
is dropped silently. A file that cannot be used at all (unreadable, columns missing) raises
:class:`~qiandai.domain.errors.InputFileError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from qiandai.batch.sql_engines import SparkEngine, SqlEngine, as_engine
from qiandai.domain.errors import InputFileError, InputFolderError

NUMBER_RE = r"\+?[0-9]{5,20}"
REGION_RE = r"[0-9]{6}"
MAX_EXAMPLES = 200


@dataclass(frozen=True)
class Check:
    """One field check: ``bad`` is a SQL condition over the raw row that is true when the row fails."""

    field: str
    bad: str
    reason: str
    subsumed: bool = False  # implied by a later check of the same field: left out of the valid filter


@dataclass(frozen=True)
class TableSpec:
    name: str
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    checks: tuple[Check, ...]
    typed: tuple[str, ...]  # SELECT expressions of the valid view, over the raw columns

    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _number(col: str, label: str) -> tuple[Check, ...]:
    return (
        Check(col, f"{col} IS NULL OR trim(CAST({col} AS VARCHAR)) = ''", f"{label}为空", subsumed=True),
        Check(
            col, f"NOT regexp_full_match(CAST({col} AS VARCHAR), '{NUMBER_RE}')", f"{label}应为 5–20 位数字"
        ),
    )


CALLS = TableSpec(
    name="calls",
    label="通话详单",
    required=("caller", "callee", "start_time", "duration_s", "region_code", "direction"),
    optional=("cell_id", "callee_region"),
    checks=(
        *_number("caller", "主叫号码"),
        *_number("callee", "被叫号码"),
        Check(
            "start_time",
            "TRY_CAST(start_time AS TIMESTAMP) IS NULL",
            "开始时间为空或无法解析（应为 YYYY-MM-DD HH:MM:SS）",
        ),
        Check(
            "duration_s",
            "TRY_CAST(duration_s AS INTEGER) IS NULL"
            " OR TRY_CAST(duration_s AS INTEGER) NOT BETWEEN 0 AND 86400",
            "通话时长应为 0–86400 之间的整数秒",
        ),
        Check(
            "region_code",
            f"region_code IS NULL OR NOT regexp_full_match(CAST(region_code AS VARCHAR), '{REGION_RE}')",
            "位置行政区划代码应为 6 位数字",
        ),
        Check(
            "direction",
            "direction IS NULL OR lower(CAST(direction AS VARCHAR)) NOT IN ('out', 'in')",
            "呼叫方向应为 out（主叫）或 in（被叫）",
        ),
        Check(
            "callee_region",
            "callee_region IS NOT NULL AND CAST(callee_region AS VARCHAR) <> ''"
            f" AND NOT regexp_full_match(CAST(callee_region AS VARCHAR), '{REGION_RE}')",
            "被叫归属地代码应为 6 位数字或留空",
        ),
    ),
    typed=(
        "CAST(caller AS VARCHAR) AS caller",
        "CAST(callee AS VARCHAR) AS callee",
        "CAST(start_time AS TIMESTAMP) AS start_time",
        "CAST(duration_s AS INTEGER) AS duration_s",
        "CAST(cell_id AS VARCHAR) AS cell_id",
        "CAST(region_code AS VARCHAR) AS region_code",
        "NULLIF(CAST(callee_region AS VARCHAR), '') AS callee_region",
        "lower(CAST(direction AS VARCHAR)) AS direction",
    ),
)

SUBSCRIBERS = TableSpec(
    name="subscribers",
    label="用户资料",
    required=("number", "owner_id", "registered_region", "activation_date"),
    optional=("card_role",),
    checks=(
        *_number("number", "号码"),
        Check("owner_id", "owner_id IS NULL OR trim(CAST(owner_id AS VARCHAR)) = ''", "机主标识为空"),
        Check(
            "registered_region",
            "registered_region IS NULL"
            f" OR NOT regexp_full_match(CAST(registered_region AS VARCHAR), '{REGION_RE}')",
            "登记归属地代码应为 6 位数字",
        ),
        Check(
            "activation_date",
            "TRY_CAST(activation_date AS DATE) IS NULL",
            "入网日期为空或无法解析（应为 YYYY-MM-DD）",
        ),
        Check(
            "card_role",
            "card_role IS NOT NULL AND CAST(card_role AS VARCHAR) NOT IN ('', 'main', 'secondary')",
            "主副卡标识应为 main（主卡）或 secondary（副卡）",
        ),
    ),
    typed=(
        "CAST(number AS VARCHAR) AS number",
        "CAST(owner_id AS VARCHAR) AS owner_id",
        "CAST(registered_region AS VARCHAR) AS registered_region",
        "CAST(activation_date AS DATE) AS activation_date",
        "coalesce(NULLIF(CAST(card_role AS VARCHAR), ''), 'main') AS card_role",
    ),
)

SMS = TableSpec(
    name="sms",
    label="短信计数",
    required=("number", "day", "sms_out", "sms_in"),
    optional=(),
    checks=(
        *_number("number", "号码"),
        Check("day", "TRY_CAST(day AS DATE) IS NULL", "日期为空或无法解析（应为 YYYY-MM-DD）"),
        Check(
            "sms_out",
            "TRY_CAST(sms_out AS INTEGER) IS NULL OR TRY_CAST(sms_out AS INTEGER) < 0",
            "发送条数应为非负整数",
        ),
        Check(
            "sms_in",
            "TRY_CAST(sms_in AS INTEGER) IS NULL OR TRY_CAST(sms_in AS INTEGER) < 0",
            "接收条数应为非负整数",
        ),
    ),
    typed=(
        "CAST(number AS VARCHAR) AS number",
        "CAST(day AS DATE) AS day",
        "CAST(sms_out AS INTEGER) AS sms_out",
        "CAST(sms_in AS INTEGER) AS sms_in",
    ),
)

SPECS: dict[str, TableSpec] = {s.name: s for s in (CALLS, SUBSCRIBERS, SMS)}


@dataclass(frozen=True)
class RowIssue:
    table: str
    file: str
    row: int  # 1-based data row (CSV: the header is line 1, so this is the line number minus one)
    field: str
    reason: str


@dataclass
class ReadReport:
    """What the readers found: valid and invalid row counts per table, counts per reason, examples."""

    valid: dict[str, int] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)
    reasons: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (table, field, reason) -> n
    examples: list[RowIssue] = field(default_factory=list)

    @property
    def invalid_total(self) -> int:
        return sum(self.invalid.values())

    def summary_lines(self) -> list[str]:
        lines = []
        for name, n in self.valid.items():
            label = SPECS[name].label
            lines.append(f"{label}（{name}）：有效 {n:,} 行，无效 {self.invalid.get(name, 0):,} 行")
        for (table, fld, reason), n in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {SPECS[table].label} 字段 {fld}：{reason}（{n:,} 行）")
        for issue in self.examples[:20]:
            lines.append(f"  例：{issue.file} 第 {issue.row} 行 字段 {issue.field}：{issue.reason}")
        return lines


def find_table(folder: Path, name: str) -> Path | None:
    """The file (or folder of Parquet parts) holding table ``name`` in ``folder``, or None."""
    candidates = [
        p for p in (folder / f"{name}.parquet", folder / f"{name}.csv", folder / name) if p.exists()
    ]
    if len(candidates) > 1:
        raise InputFolderError(
            f"目录 {folder} 中表 {name} 有多个文件：{'、'.join(p.name for p in candidates)}，请只保留一个"
        )
    return candidates[0] if candidates else None


def _source_sql(path: Path) -> str:
    """A SELECT over the raw file with ``_file`` and 1-based ``_row`` columns."""
    p = str(path).replace("'", "''")
    if path.is_dir():
        parts = sorted(path.glob("*.parquet"))
        if not parts:
            raise InputFileError(str(path), "目录中没有 Parquet 文件")
        return (
            f"SELECT * EXCLUDE (filename, file_row_number), filename AS _file, file_row_number + 1 AS _row "
            f"FROM read_parquet('{p}/*.parquet', filename = true, file_row_number = true)"
        )
    if path.suffix == ".parquet":
        return (
            f"SELECT * EXCLUDE (file_row_number), '{p}' AS _file, file_row_number + 1 AS _row "
            f"FROM read_parquet('{p}', file_row_number = true)"
        )
    return (
        f"SELECT *, '{p}' AS _file, row_number() OVER () AS _row "
        f"FROM read_csv('{p}', header = true, all_varchar = true, auto_detect = true)"
    )


def _columns(con: duckdb.DuckDBPyConnection, source: str, path: Path) -> list[str]:
    try:
        return [str(r[0]) for r in con.sql(f"DESCRIBE {source}").fetchall()]
    except duckdb.Error as exc:
        raise InputFileError(str(path), f"无法读取：{str(exc).splitlines()[0]}") from None


def _spark_source(engine: SparkEngine, path: Path) -> list[str]:
    """Spark's reading of ``path`` as view ``src_raw`` with ``_file`` and ``_row``; its data columns.

    Parquet rows are numbered from Spark's ``_metadata.row_index`` (1-based like DuckDB's); Spark has no
    row number for CSV, so CSV rows are reported with row 0 (unknown) — use Parquet on a cluster.
    """
    from pyspark.sql import functions as F  # noqa: N812 - the PySpark idiom

    if path.is_dir():
        files = sorted(path.glob("*.parquet"))
        if not files:
            raise InputFileError(str(path), "目录中没有 Parquet 文件")
        kind = "parquet"
    else:
        files, kind = [path], ("parquet" if path.suffix == ".parquet" else "csv")
    try:
        df = engine.read_files(files, kind)
        data_columns = list(df.columns)
        if kind == "parquet":
            df = df.select(
                "*",
                F.col("_metadata.file_path").alias("_file"),
                (F.col("_metadata.row_index") + 1).alias("_row"),
            )
        else:
            df = df.select("*", F.lit(str(path)).alias("_file"), F.lit(None).cast("long").alias("_row"))
    except Exception as exc:  # Spark raises its own hierarchy (py4j, AnalysisException…)
        raise InputFileError(str(path), f"无法读取：{str(exc).splitlines()[0]}") from None
    engine.dataframe("src_raw", df)
    return data_columns


def _bad_expr(spec: TableSpec, present: set[str]) -> tuple[str, str]:
    """(field-and-reason CASE, condition that the row is valid) over the present columns."""
    whens = []
    for check in spec.checks:
        if check.field not in present:
            continue
        tag = f"{check.field}\t{check.reason}".replace("'", "''")
        whens.append(f"WHEN {check.bad} THEN '{tag}'")
    case = f"CASE {' '.join(whens)} ELSE NULL END" if whens else "NULL"
    # The filter of the valid view: the same checks as a conjunction (cheaper than the CASE, which
    # builds a string per row); a check that evaluates to NULL counts as failed, as in the CASE.
    goods = [f"coalesce(NOT ({c.bad}), false)" for c in spec.checks if c.field in present and not c.subsumed]
    return case, " AND ".join(goods) if goods else "true"


def register_table(
    con: duckdb.DuckDBPyConnection | SqlEngine,
    spec: TableSpec,
    path: Path,
    report: ReadReport,
    *,
    count: bool = True,
) -> None:
    """Create the typed view ``spec.name`` of the valid rows of ``path`` and record its issues.

    ``count=False`` skips the counting pass (the benchmark times features alone); the view still
    excludes invalid rows. On Spark (an engine from :mod:`qiandai.batch.sql_engines`) Spark reads the
    file and the same checks run transpiled; the valid rows are cached, as the features read them
    several times.
    """
    engine = as_engine(con)
    if isinstance(engine, SparkEngine):
        cols = set(_spark_source(engine, path))
        source = "src_raw"
    else:
        source = f"({_source_sql(path)})"
        cols = set(_columns(engine.con, source, path))  # type: ignore[attr-defined]
    missing = [c for c in spec.required if c not in cols]
    if missing:
        raise InputFileError(
            str(path), f"缺少必需列 {'、'.join(missing)}（{spec.label}应有列：{'、'.join(spec.columns())}）"
        )
    absent = [c for c in spec.optional if c not in cols]
    fill = "".join(f", NULL AS {c}" for c in absent)
    raw = f"raw_{spec.name}"
    engine.create_view(raw, f"SELECT *{fill} FROM {source}")
    case, valid = _bad_expr(spec, cols)
    typed = f"SELECT {', '.join(spec.typed)} FROM {raw} WHERE {valid}"
    if isinstance(engine, SparkEngine):
        engine.create_table(spec.name, typed)
    else:
        engine.create_view(spec.name, typed)
    if not count:
        return
    rows = engine.rows(
        f"SELECT issue, count(*) AS n, min(_row) AS first_row, any_value(_file) AS f "
        f"FROM (SELECT {case} AS issue, _row, _file FROM {raw}) GROUP BY issue"
    )
    ok = 0
    for issue, n, _first, _f in rows:
        if issue is None:
            ok += int(n)
            continue
        fld, reason = str(issue).split("\t", 1)
        report.reasons[(spec.name, fld, reason)] = report.reasons.get((spec.name, fld, reason), 0) + int(n)
    report.valid[spec.name] = ok
    report.invalid[spec.name] = sum(int(r[1]) for r in rows if r[0] is not None)
    if report.invalid[spec.name]:
        room = MAX_EXAMPLES - len(report.examples)
        examples = engine.rows(
            f"SELECT _file, _row, issue FROM (SELECT {case} AS issue, _row, _file FROM {raw}) "
            f"WHERE issue IS NOT NULL ORDER BY _file, _row LIMIT {max(room, 0)}"
        )
        for f, row, issue in examples:
            fld, reason = str(issue).split("\t", 1)
            report.examples.append(
                RowIssue(spec.name, Path(str(f)).name, int(row) if row is not None else 0, fld, reason)
            )


def open_cdr(
    folder: Path,
    con: duckdb.DuckDBPyConnection | SqlEngine,
    *,
    count: bool = True,
    tables: Sequence[str] = ("calls", "subscribers", "sms"),
) -> ReadReport:
    """Register the CDR tables of ``folder`` on ``con`` as validated views; return the read report.

    ``calls`` and ``subscribers`` are required; a missing ``sms`` table gives an empty ``sms`` view.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputFolderError(f"CDR 目录不存在：{folder}")
    engine = as_engine(con)
    report = ReadReport()
    for name in tables:
        spec = SPECS[name]
        path = find_table(folder, name)
        if path is None:
            if name == "sms":
                engine.create_view(
                    "sms",
                    "SELECT NULL::VARCHAR AS number, NULL::DATE AS day, "
                    "NULL::INTEGER AS sms_out, NULL::INTEGER AS sms_in WHERE false",
                )
                continue
            raise InputFolderError(f"目录 {folder} 缺少{spec.label}表 {name}（.parquet 或 .csv）")
        register_table(engine, spec, path, report, count=count)
    return report


def write_issues_csv(report: ReadReport, path: Path) -> None:
    """The examples of invalid rows as a CSV with Chinese headers (the quarantine list)."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["表", "文件", "行号", "字段", "原因"])
        for i in report.examples:
            w.writerow([SPECS[i.table].label, i.file, i.row, i.field, i.reason])
