"""Column mappings: claims and labels in another schema, renamed to the national layout.

A mapping file is JSON (``.json``) or TOML (``.toml``, read with :mod:`tomllib`)::

    [tables.MDTRT_D]                 # a national table …
    file = "visits.csv"              # … read from this file of the data folder (csv, parquet)
    [tables.MDTRT_D.columns]         # source column → national column
    "就诊流水号" = "mdtrt_id"
    [tables.MDTRT_D.values.med_type] # optional: source value → national code, per national column
    "住院" = "21"

    [labels]                         # optional: the label file's columns
    [labels.columns]
    "机构代码" = "fixmedins_code"
    "核查结论" = "label"
    [labels.values.label]
    "违规" = "confirmed"

Contract: :func:`apply_mapping` writes one ``<NATIONAL>.parquet`` per mapped table into a new folder,
holding only the mapped columns (all as text; ingestion types and validates them as usual, so a bad
value is quarantined with its row, not guessed). Unknown national tables or columns are refused with a
Chinese message. :func:`map_labels` renames and recodes a label table the same way.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from qiandai.claims.schema import TABLES_BY_NATIONAL_NAME
from qiandai.claims.validation import quote_ident, sql_str
from qiandai.domain.errors import InputFileError

LABEL_COLUMNS = ("fixmedins_code", "mdtrt_id", "finding_id", "label")


@dataclass(frozen=True)
class TableMapping:
    """How one source file maps to a national table (or, for labels, to the label columns)."""

    target: str
    file: str | None
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ColumnMapping:
    """A parsed mapping file."""

    path: Path
    tables: tuple[TableMapping, ...]
    labels: TableMapping | None = None


def _section(path: Path, target: str, raw: Any, allowed: set[str] | None) -> TableMapping:
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict) or not raw["columns"]:
        raise InputFileError(str(path), f"映射「{target}」缺少 columns（源列 → 国家列）")
    columns = {str(k): str(v) for k, v in raw["columns"].items()}
    if allowed is not None:
        unknown = sorted(set(columns.values()) - allowed)
        if unknown:
            raise InputFileError(str(path), f"映射「{target}」含未知的目标列：{'、'.join(unknown)}")
    values = {str(c): {str(k): str(v) for k, v in m.items()} for c, m in (raw.get("values") or {}).items()}
    missing = sorted(set(values) - set(columns.values()))
    if missing:
        raise InputFileError(str(path), f"映射「{target}」的 values 针对未映射的列：{'、'.join(missing)}")
    file = raw.get("file")
    return TableMapping(target, str(file) if file else None, columns, values)


def load_mapping(path: Path) -> ColumnMapping:
    """Parse a JSON or TOML mapping file; raise :class:`InputFileError` with a Chinese reason."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError) as err:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise InputFileError(str(path), f"无法读取映射文件（{err}）") from err
    tables = []
    for name, section in (raw.get("tables") or {}).items():
        spec = TABLES_BY_NATIONAL_NAME.get(name)
        if spec is None:
            raise InputFileError(
                str(path), f"未知的国家表「{name}」；可选：{'、'.join(TABLES_BY_NATIONAL_NAME)}"
            )
        allowed = set(spec.national_columns) | {c.name for c in spec.columns}
        mapped = _section(path, name, section, allowed)
        if not mapped.file:
            raise InputFileError(str(path), f"映射「{name}」缺少 file（源文件名）")
        tables.append(mapped)
    labels = raw.get("labels")
    label_map = _section(path, "labels", labels, set(LABEL_COLUMNS)) if labels else None
    return ColumnMapping(path, tuple(tables), label_map)


def _reader(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet({sql_str(path.as_posix())})"
    if suffix in (".csv", ".txt"):
        return f"read_csv({sql_str(path.as_posix())}, all_varchar = true, header = true)"
    raise InputFileError(str(path), "只支持 csv 或 parquet 源文件")


def _select_sql(mapping: TableMapping, source: str, header: list[str], path: Path) -> str:
    missing = [c for c in mapping.columns if c not in header]
    if missing:
        raise InputFileError(str(path), f"源文件缺少映射中的列：{'、'.join(missing)}")
    parts = []
    for src, dst in mapping.columns.items():
        col = f"CAST({quote_ident(src)} AS VARCHAR)"
        recode = mapping.values.get(dst)
        if recode:
            whens = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in recode.items())
            col = f"CASE {col} {whens} ELSE {col} END"
        parts.append(f"{col} AS {quote_ident(dst)}")
    return f"SELECT {', '.join(parts)} FROM {source}"


def _mapped_relation(
    con: duckdb.DuckDBPyConnection, mapping: TableMapping, path: Path
) -> duckdb.DuckDBPyRelation:
    if not path.exists():
        raise InputFileError(str(path), "映射指定的源文件不存在")
    source = _reader(path)
    header = con.sql(f"SELECT * FROM {source} LIMIT 0").columns
    return con.sql(_select_sql(mapping, source, header, path))


def apply_mapping(mapping: ColumnMapping, source_dir: Path, out_dir: Path) -> Path:
    """Write the mapped national tables of ``source_dir`` into ``out_dir`` (created); return ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        for table in mapping.tables:
            assert table.file is not None
            rel = _mapped_relation(con, table, source_dir / table.file)
            rel.write_parquet((out_dir / f"{table.target}.parquet").as_posix())
    finally:
        con.close()
    return out_dir


def map_labels(mapping: TableMapping | None, path: Path) -> pa.Table:
    """Read a label file (csv/parquet), renamed and recoded by ``mapping`` when given (all text)."""
    con = duckdb.connect()
    try:
        if mapping is None:
            source = _reader(path)
            if not path.exists():
                raise InputFileError(str(path), "标注文件不存在")
            return con.sql(f"SELECT * FROM {source}").to_arrow_table()
        return _mapped_relation(con, mapping, path).to_arrow_table()
    finally:
        con.close()
