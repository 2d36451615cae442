"""DuckDB/Spark parity for the claims rules and indicators: data, engines and a canonical row form.

- :func:`spark_backend` opens the Spark batch backend on the process's one Spark session (skipping the
  test where PySpark or Java is missing); every test module shares that session.
- :func:`canonical` turns rows into a sorted list of tuples: decimals stay exact :class:`Decimal`, lists
  become tuples, floats stay floats except NaN (a marker distinct from NULL), so any engine difference in
  a value, a type of money or NULL-ness shows.
- :func:`run_rule_on` is ``tests/claims/harness.run_rule`` on any batch backend: the same typed tables
  from hand-made rows, registered through the backend instead of a DuckDB connection.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from qiandai.batch.backend import BatchBackend, open_backend
from qiandai.batch.spark import SparkUnavailableError
from qiandai.claims.context import AuditContext, build_fee_x, build_visit_x
from qiandai.claims.rulepack import TEMPLATES
from qiandai.claims.schema import TABLES
from qiandai.knowledge.catalog import PACKAGE_TABLES

CLAIMS_TESTS = Path(__file__).resolve().parents[1] / "claims"
NAN = "<NaN>"


def claims_harness() -> Any:
    """The claims rule-test harness module (``tests/claims/harness.py``)."""
    if str(CLAIMS_TESTS) not in sys.path:
        sys.path.insert(0, str(CLAIMS_TESTS))
    import harness

    return harness


def spark_backend(workdir: Path) -> BatchBackend:
    """The Spark backend in local mode on the process's session; skip when PySpark or Java is absent."""
    pytest.importorskip("pyspark")
    try:
        batch = open_backend("spark", workdir=workdir)
    except SparkUnavailableError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Spark unavailable: {exc}")
    # Test data is tiny: two shuffle partitions (one per core) instead of the session's eight.
    batch.session.conf.set("spark.sql.shuffle.partitions", "2")  # type: ignore[attr-defined]
    return batch


def _value(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return NAN
    if isinstance(v, list):
        return tuple(_value(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _value(x)) for k, x in v.items()))
    return v


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # NULLs and mixed types sort by (kind, text); the order only has to be the same on both sides.
    return tuple((v is None, type(v).__name__, str(v)) for v in row)


def canonical(rows: Iterable[Mapping[str, Any]], drop: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """Rows as sorted tuples of canonical values (see the module docstring)."""
    out = [tuple(_value(v) for k, v in sorted(r.items()) if k not in drop) for r in rows]
    return sorted(out, key=_sort_key)


def canonical_table(table: pa.Table, drop: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    return canonical(table.to_pylist(), drop)


def float_columns(table: pa.Table) -> list[str]:
    return [f.name for f in table.schema if pa.types.is_floating(f.type)]


def assert_same_rows(
    duck: pa.Table, spark: pa.Table, *, keys: Sequence[str], rel: float = 0.0, label: str = ""
) -> None:
    """Same schema and same rows: exact for every column, floats within ``rel`` (0 = bit-identical).

    Rows are matched on ``keys`` (must be unique) so that a float difference names its row and column.
    """
    assert duck.schema == spark.schema, f"{label}: schemas differ\n{duck.schema}\n---\n{spark.schema}"
    assert duck.num_rows == spark.num_rows, (
        f"{label}: {duck.num_rows} rows on DuckDB, {spark.num_rows} on Spark"
    )
    floats = set(float_columns(duck))
    d = {tuple(r[k] for k in keys): r for r in duck.to_pylist()}
    s = {tuple(r[k] for k in keys): r for r in spark.to_pylist()}
    assert len(d) == duck.num_rows, f"{label}: keys {keys} are not unique"
    assert d.keys() == s.keys(), f"{label}: keys differ, e.g. {sorted(d.keys() ^ s.keys(), key=str)[:3]}"
    bad: list[str] = []
    for key, row in d.items():
        other = s[key]
        for col, v in row.items():
            w = other[col]
            if col in floats and v is not None and w is not None:
                same = (math.isnan(v) and math.isnan(w)) or (
                    v == w if rel == 0 else math.isclose(v, w, rel_tol=rel)
                )
            else:
                same = v == w and type(v) is type(w)
            if not same:
                bad.append(f"{key} {col}: DuckDB {v!r} / Spark {w!r}")
    assert not bad, f"{label}: {len(bad)} values differ:\n" + "\n".join(bad[:10])


def add_doctors(folder: Path) -> None:
    """Give the generated fee lines a billing doctor and department (the generator leaves them out), so the
    doctor-level indicators run: doctor = institution-independent code from the visit id's last digit,
    department from the one before. Vectorised, deterministic."""
    path = folder / "FEE_LIST_D.parquet"
    fee = pq.read_table(path)
    visit = fee.column("mdtrt_id")
    last = pc.utf8_slice_codeunits(visit, -1)
    prev = pc.utf8_slice_codeunits(visit, -2, -1)
    doctor = pc.binary_join_element_wise("DR0", last, "")
    dept = pc.binary_join_element_wise("K0", pc.utf8_replace_slice(prev, 1, 1, ""), "")
    for name, col in (("bilg_dr_code", doctor), ("bilg_dept_codg", dept)):
        if name in fee.column_names:
            fee = fee.drop_columns([name])
        fee = fee.append_column(name, col)
    pq.write_table(fee, path)


def run_rule_on(
    batch: BatchBackend,
    rule_id: str,
    *,
    visits: Sequence[Mapping[str, Any]],
    fees: Sequence[Mapping[str, Any]] = (),
    diags: Sequence[Mapping[str, Any]] = (),
    setls: Sequence[Mapping[str, Any]] = (),
    oprns: Sequence[Mapping[str, Any]] = (),
    knowledge: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    params: Mapping[str, Any] | None = None,
    tables: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """``harness.run_rule`` on ``batch`` (same arguments, same typed tables, same result order)."""
    harness = claims_harness()
    rule = harness.default_rules().rule(rule_id)
    if params:
        rule = rule.model_copy(update={"params": {**rule.params, **params}})
    given = {"mdtrt": visits, "fee": fees, "diag": diags, "setl": setls, "oprn": oprns, **(tables or {})}
    for spec in TABLES:
        batch.register_arrow(spec.key, harness._table(spec.key, given.get(spec.key, ())))
    visits_x = batch.materialize(
        "visit_x", build_visit_x(batch.table("mdtrt"), batch.table("fee"), batch.table("diag"))
    )
    fee_x = batch.materialize("fee_x", build_fee_x(batch.table("fee"), visits_x))
    kb = {name: pa.Table.from_pylist(list(rows)) for name, rows in (knowledge or {}).items()}
    ctx = AuditContext(
        backend=batch.ibis,
        fee=fee_x,
        visits=visits_x,
        diag=batch.table("diag"),
        knowledge_loader=lambda name: kb[name] if name in kb else PACKAGE_TABLES[name](),
        register=batch.register_arrow,
    )
    result = batch.to_arrow(TEMPLATES.get(rule.template)(ctx, rule)).to_pylist()
    return sorted(result, key=lambda r: (r["mdtrt_id"], r["event_date"], r["kp_id"] or ""))


def describe(rows: Sequence[tuple[Any, ...]], limit: int = 3) -> str:
    return "\n".join(repr(r)[:400] for r in rows[:limit])
