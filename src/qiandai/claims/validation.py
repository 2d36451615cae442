"""SQL expressions that type and validate one column of a national table inside DuckDB.

Everything here returns SQL text; nothing touches rows in Python. :func:`typed_expr` turns a source
column (text, or an already typed Parquet column) into the engine type of its :class:`Column`;
:func:`column_checks` lists the row-level problems of that column as ``(condition, value, reason)``
SQL triples that the ingest job folds into one pass. Reasons are Chinese sentences that name the
offending value; identity numbers are never echoed whole (see :func:`mask_id_sql`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from qiandai.claims.schema import Column, Kind

# Characters stripped from text values: spaces, tabs, line breaks and the ideographic space.
TRIM_CHARS = " \t\r\n\u3000"

# psn_cert_type values that are *not* a resident identity card (军官证, 护照, 通行证 …). A certno
# beside one of these is not an 18-digit identity number and is not checked as one; an absent or
# empty psn_cert_type, or '01' (居民身份证), means it is checked.
OTHER_CERT_TYPES = (*(f"{i:02d}" for i in range(2, 16)), "99")

ENGINE_TYPES: dict[Kind, str] = {
    Kind.TEXT: "VARCHAR",
    Kind.CODE: "VARCHAR",
    Kind.ID_NUMBER: "VARCHAR",
    Kind.INT: "BIGINT",
    Kind.DECIMAL: "DECIMAL(18,4)",
    Kind.DATE: "DATE",
    Kind.DATETIME: "TIMESTAMP",
}

_TEXT_KINDS = (Kind.TEXT, Kind.CODE, Kind.ID_NUMBER)
_NUMERIC_SOURCE = (
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
    "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
)  # fmt: skip
_TEMPORAL_SOURCE = ("DATE", "TIMESTAMP")  # prefixes: TIMESTAMP_NS, TIMESTAMP WITH TIME ZONE …
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def sql_str(value: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + value.replace("'", "''") + "'"


def _is_numeric(source_type: str) -> bool:
    return source_type.upper().startswith(_NUMERIC_SOURCE)


def _is_temporal(source_type: str) -> bool:
    return source_type.upper().startswith(_TEMPORAL_SOURCE)


def clean_text_sql(expr: str) -> str:
    """Trimmed text with the empty string as NULL.

    ``trim`` with a character set costs about 100 ns a value, ten times the guard in front of it:
    only values that start with a blank (any of :data:`TRIM_CHARS`) or end with a space or an
    ideographic space are trimmed. (A trailing tab or line break alone is left: testing every
    trailing character would double the cost of typing text columns.)
    """
    return (
        f"CASE WHEN {expr} = '' THEN NULL "
        f"WHEN ascii({expr}) <= 32 OR ascii({expr}) = 12288 "
        f"OR suffix({expr}, ' ') OR suffix({expr}, '\u3000') "
        f"THEN NULLIF(trim({expr}, {sql_str(TRIM_CHARS)}), '') ELSE {expr} END"
    )


def _parse_text_sql(kind: Kind, v: str) -> str:
    """Parse the cleaned text ``v`` (already trimmed, '' is NULL) into ``kind``; NULL when it fails."""
    if kind in _TEXT_KINDS:
        return v
    if kind is Kind.INT:
        return f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+(\\.0*)?') THEN TRY_CAST({v} AS BIGINT) END"
    if kind is Kind.DECIMAL:
        return f"TRY_CAST({v} AS DECIMAL(18,4))"
    if kind is Kind.DATE:
        # TRY_CAST accepts 2024-01-31, 2024/01/31 and timestamps; the compact form needs strptime
        # (guarded: strptime alone reads '2024013' as 2024-01-03).
        return (
            f"COALESCE(TRY_CAST({v} AS DATE), CASE WHEN regexp_full_match({v}, '[0-9]{{8}}') "
            f"THEN CAST(try_strptime({v}, '%Y%m%d') AS DATE) END)"
        )
    # DATETIME: ISO with 'T' or a space, a bare date (midnight), 20240131083000, 20240131.
    return (
        f"COALESCE(TRY_CAST({v} AS TIMESTAMP), CASE "
        f"WHEN regexp_full_match({v}, '[0-9]{{14}}') THEN try_strptime({v}, '%Y%m%d%H%M%S') "
        f"WHEN regexp_full_match({v}, '[0-9]{{8}}') THEN try_strptime({v}, '%Y%m%d') END)"
    )


def typed_expr(column: Column, source: str, source_type: str) -> str:
    """SQL turning the source expression ``source`` of DuckDB type ``source_type`` into the engine type.

    A Parquet column whose physical type already fits is cast directly (no text round trip); text
    goes through :func:`clean_text_sql` and the accepted formats of its :class:`Kind`. The result is
    NULL when the value is absent or cannot be read; :func:`column_checks` tells the two apart.
    """
    kind = column.kind
    st = source_type.upper()
    if st == "VARCHAR":
        return _parse_text_sql(kind, clean_text_sql(source))
    if kind in _TEXT_KINDS:
        return clean_text_sql(f"CAST({source} AS VARCHAR)")
    if kind is Kind.DECIMAL and _is_numeric(st):
        return f"TRY_CAST({source} AS DECIMAL(18,4))"
    if kind is Kind.INT and _is_numeric(st):
        if st.startswith(("FLOAT", "DOUBLE", "DECIMAL")):
            return f"CASE WHEN {source} = trunc({source}) THEN TRY_CAST({source} AS BIGINT) END"
        return f"TRY_CAST({source} AS BIGINT)"
    if kind in (Kind.DATE, Kind.DATETIME) and _is_temporal(st):
        return f"CAST({source} AS {ENGINE_TYPES[kind]})"
    # Any other physical type (a date stored as INT 20240131 …) is read as its text.
    return _parse_text_sql(kind, clean_text_sql(f"CAST({source} AS VARCHAR)"))


def source_text_sql(source: str, source_type: str) -> str:
    """The source value as text, for messages (untrimmed; NULL stays NULL)."""
    return source if source_type.upper() == "VARCHAR" else f"CAST({source} AS VARCHAR)"


def blank_sql(source: str, source_type: str) -> str:
    """True when the source holds no value (NULL or, for text, blank)."""
    if source_type.upper() == "VARCHAR":
        return f"({source} IS NULL OR trim({source}, {sql_str(TRIM_CHARS)}) = '')"
    return f"({source} IS NULL)"


def mask_id_sql(expr: str) -> str:
    """SQL mirror of :func:`qiandai.domain.masking.mask_id_number` (keep 3 + last 4 characters)."""
    return (
        f"CASE WHEN {expr} IS NULL OR {expr} = '' THEN '' "
        f"WHEN length({expr}) <= 7 THEN repeat('*', length({expr})) "
        f"ELSE substr({expr}, 1, 3) || repeat('*', length({expr}) - 7) "
        f"|| substr({expr}, length({expr}) - 3, 4) END"
    )


def id_number_problem_sql(value: str, *, today: date, normalised: str | None = None) -> str:
    """SQL mirror of :func:`qiandai.domain.idcard.id_number_problem`: the Chinese reason or NULL.

    Same order of checks and same sentences: empty, length, characters, birth date (a real date,
    year not 0000), range (1900 … ``today``), ISO 7064 MOD 11-2 check character (``x`` read as
    ``X``). ``normalised`` is SQL for the trimmed value when the caller already has it: the
    expression refers to it about twenty times and DuckDB would trim each time.
    """
    v = normalised or f"trim({value}, {sql_str(TRIM_CHARS)})"
    birth = f"try_strptime(substr({v}, 7, 8), '%Y%m%d')"
    total = " + ".join(f"(ascii(substr({v}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(_WEIGHTS))
    check = f"substr('10X98765432', (({total}) % 11) + 1, 1)"
    return (
        f"CASE WHEN {value} IS NULL OR {value} = '' THEN '身份证号为空' "
        f"WHEN length({v}) <> 18 THEN '身份证号应为18位，实际' || length({v}) || '位' "
        f"WHEN NOT regexp_full_match({v}, '[0-9]{{17}}[0-9Xx]') THEN '身份证号含非法字符' "
        f"WHEN substr({v}, 7, 4) = '0000' OR {birth} IS NULL THEN '身份证号中的出生日期无效' "
        f"WHEN {birth} < DATE '1900-01-01' OR {birth} > DATE '{today.isoformat()}' "
        f"THEN '身份证号中的出生日期超出合理范围' "
        f"WHEN {check} <> upper(substr({v}, 18, 1)) THEN '身份证号校验位错误' END"
    )


@dataclass(frozen=True, slots=True)
class Check:
    """One row-level problem of one field: SQL condition, the value to show and the reason."""

    field: str
    condition: str  # SQL, true when the row has this problem
    value: str  # SQL text of the value written to the quarantine (masked where personal)
    reason: str  # SQL text of the Chinese reason


def column_checks(
    column: Column,
    *,
    raw: str,
    source_type: str,
    typed: str,
    today: date,
    cert_type: str | None = None,
) -> list[Check]:
    """The row-level checks of a present column.

    ``raw`` is the source column, ``typed`` the column already typed by :func:`typed_expr` (both SQL
    expressions over the same row); ``cert_type`` the typed ``psn_cert_type`` expression when the
    table has one (identity numbers beside another kind of certificate are not checked).
    """
    # Conditions start with a cheap test on the typed value: DuckDB evaluates the rest of an AND
    # only for the rows that pass it, so the blank test runs on NULLs alone.
    text = source_text_sql(raw, source_type)
    blank = blank_sql(raw, source_type)
    label = column.label
    checks: list[Check] = []
    if column.required:
        checks.append(Check(column.name, f"{typed} IS NULL AND {blank}", text, sql_str(f"{label}不能为空")))
    if column.kind in (Kind.DATE, Kind.DATETIME, Kind.INT, Kind.DECIMAL):
        what = {
            Kind.DATE: "日期格式无法识别：",
            Kind.DATETIME: "日期格式无法识别：",
            Kind.INT: "整数格式无法识别：",
            Kind.DECIMAL: "数值格式无法识别：",
        }[column.kind]
        checks.append(
            Check(column.name, f"{typed} IS NULL AND NOT {blank}", text, f"{sql_str(what)} || {text}")
        )
    if column.non_negative:
        checks.append(
            Check(column.name, f"{typed} < 0", text, f"{sql_str(label + '不能为负数：')} || {text}")
        )
    if column.maximum is not None:
        top = repr(column.maximum)
        reason = f"{sql_str(label + '超过上限' + top + '：')} || {text}"
        checks.append(Check(column.name, f"{typed} > {top}", text, reason))
    if column.allowed:
        values = ", ".join(sql_str(a) for a in column.allowed)
        checks.append(
            Check(
                column.name,
                f"{typed} NOT IN ({values})",
                text,
                f"{sql_str(label + '代码不在字典中：')} || {typed}",
            )
        )
    if column.kind is Kind.ID_NUMBER:
        gate = ""
        if cert_type is not None:
            others = ", ".join(sql_str(c) for c in OTHER_CERT_TYPES)
            gate = f" AND ({cert_type} IS NULL OR {cert_type} NOT IN ({others}))"
        problem = id_number_problem_sql(typed, today=today, normalised=typed)
        checks.append(
            Check(
                column.name,
                f"{typed} IS NOT NULL{gate} AND {problem} IS NOT NULL",
                mask_id_sql(typed),
                problem,
            )
        )
    return checks
