"""DuckDB schema of the knowledge base and bulk reads/writes of its state.

Tables: ``loads`` (one row per file that changed the base), ``points`` (current version of every
knowledge point), ``point_codes`` (national codes with role 'item' / 'A' / 'B'), ``point_history``
(previous versions of changed points, with the load that replaced them) and ``diagnosis_rules``.
Writes are whole-table replacements through Arrow: a few thousand points, one transaction per load.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from qiandai.knowledge.records import PointState

_POINT_COLUMNS_SQL = """
    kp_id VARCHAR NOT NULL,
    rule_class VARCHAR NOT NULL,
    gz_code VARCHAR,
    level1 VARCHAR,
    level2 VARCHAR,
    item_name VARCHAR,
    constraint_text VARCHAR,
    detect_logic VARCHAR,
    batch INTEGER,
    batch_tag VARCHAR,
    published_at DATE,
    supersedes VARCHAR,
    superseded_by VARCHAR,
    load_id BIGINT NOT NULL,
    params JSON,
    params_origin JSON,
    source_file VARCHAR,
    source_row INTEGER
"""

SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS loads (
    load_id BIGINT PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    layout VARCHAR NOT NULL,
    batch_tag VARCHAR,
    loaded_at TIMESTAMPTZ NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    superseded BIGINT NOT NULL,
    unchanged BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS points ({_POINT_COLUMNS_SQL});
CREATE TABLE IF NOT EXISTS point_codes (kp_id VARCHAR NOT NULL, med_code VARCHAR NOT NULL,
    role VARCHAR NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS point_history (replaced_in_load BIGINT NOT NULL, {_POINT_COLUMNS_SQL},
    codes JSON);
"""

POINT_FIELDS = (
    "kp_id",
    "rule_class",
    "gz_code",
    "level1",
    "level2",
    "item_name",
    "constraint_text",
    "detect_logic",
    "batch",
    "batch_tag",
    "published_at",
    "supersedes",
    "superseded_by",
    "load_id",
    "params",
    "params_origin",
    "source_file",
    "source_row",
)

_ARROW_POINTS = pa.schema(
    [
        ("kp_id", pa.string()),
        ("rule_class", pa.string()),
        ("gz_code", pa.string()),
        ("level1", pa.string()),
        ("level2", pa.string()),
        ("item_name", pa.string()),
        ("constraint_text", pa.string()),
        ("detect_logic", pa.string()),
        ("batch", pa.int32()),
        ("batch_tag", pa.string()),
        ("published_at", pa.date32()),
        ("supersedes", pa.string()),
        ("superseded_by", pa.string()),
        ("load_id", pa.int64()),
        ("params", pa.string()),
        ("params_origin", pa.string()),
        ("source_file", pa.string()),
        ("source_row", pa.int32()),
    ]
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables when they do not exist (idempotent)."""
    con.execute(SCHEMA_SQL)


def _dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _points_arrow(points: list[PointState]) -> pa.Table:
    columns: dict[str, list[Any]] = {name: [] for name in POINT_FIELDS}
    for p in points:
        for name in POINT_FIELDS:
            if name == "params":
                columns[name].append(_dumps(p.params))
            elif name == "params_origin":
                columns[name].append(_dumps(p.origin))
            else:
                columns[name].append(getattr(p, name))
    return pa.Table.from_pydict(columns, schema=_ARROW_POINTS)


_JSON_COLUMNS = frozenset({"params", "params_origin", "codes"})


def _insert(con: duckdb.DuckDBPyConnection, table: str, arrow: pa.Table) -> None:
    cols = arrow.column_names
    select = ", ".join(f"CAST({c} AS JSON)" if c in _JSON_COLUMNS else c for c in cols)
    con.register("_kb_in", arrow)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM _kb_in")
    finally:
        con.unregister("_kb_in")


def write_state(con: duckdb.DuckDBPyConnection, state: dict[str, PointState]) -> None:
    """Replace ``points`` and ``point_codes`` with ``state`` (caller holds the transaction)."""
    points = list(state.values())
    con.execute("DELETE FROM points")
    con.execute("DELETE FROM point_codes")
    _insert(con, "points", _points_arrow(points))
    kp, code, role, seq = [], [], [], []
    for p in points:
        for i, (c, r) in enumerate(p.codes):
            kp.append(p.kp_id)
            code.append(c)
            role.append(r)
            seq.append(i)
    codes = pa.table(
        {
            "kp_id": pa.array(kp, pa.string()),
            "med_code": pa.array(code, pa.string()),
            "role": pa.array(role, pa.string()),
            "seq": pa.array(seq, pa.int32()),
        }
    )
    _insert(con, "point_codes", codes)


def write_history(con: duckdb.DuckDBPyConnection, old_versions: list[PointState], load_id: int) -> None:
    """Keep the previous versions of changed points, tagged with the load that replaced them."""
    if not old_versions:
        return
    arrow = _points_arrow(old_versions)
    arrow = arrow.append_column(
        "codes", pa.array([json.dumps(p.codes, ensure_ascii=False) for p in old_versions])
    )
    arrow = arrow.append_column("replaced_in_load", pa.array([load_id] * len(old_versions), pa.int64()))
    _insert(con, "point_history", arrow)


def read_state(con: duckdb.DuckDBPyConnection) -> dict[str, PointState]:
    """Read every point with codes, parameters and parameter origins, in load order."""
    rows = con.execute(
        f"SELECT {', '.join(POINT_FIELDS)} FROM points ORDER BY load_id, source_file, source_row, kp_id"
    ).fetchall()
    codes: dict[str, list[tuple[str, str]]] = {}
    for kp_id, med_code, role in con.execute(
        "SELECT kp_id, med_code, role FROM point_codes ORDER BY kp_id, seq"
    ).fetchall():
        codes.setdefault(kp_id, []).append((med_code, role))
    state: dict[str, PointState] = {}
    for row in rows:
        values = dict(zip(POINT_FIELDS, row, strict=True))
        params = json.loads(values.pop("params") or "{}")
        origin = json.loads(values.pop("params_origin") or "{}")
        point = PointState(**values, params=params, origin=origin, codes=codes.get(values["kp_id"], []))
        state[point.kp_id] = point
    return state


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT COALESCE(MAX(load_id), 0) + 1 FROM loads").fetchall()
    return int(rows[0][0])


def record_load(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    source_file: str,
    sha256: str,
    layout: str,
    batch_tag: str | None,
    counts: tuple[int, int, int, int],
    loaded_at: datetime,
) -> None:
    """Insert one ``loads`` row (added, changed, superseded, unchanged)."""
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source_file, sha256, layout, batch_tag, loaded_at, *counts],
    )


def replace_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """CREATE OR REPLACE a small reference table from Arrow."""
    con.register("_kb_ref_in", table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _kb_ref_in")
    finally:
        con.unregister("_kb_ref_in")
