"""Run one claims rule on hand-made rows: real DuckDB, real compiler, small knowledge tables.

``run_rule(rule_id, visits=[...], fees=[...], diags=[...], knowledge={name: [rows]})`` builds the
typed tables exactly as ingestion would (absent columns are NULL), prepares the audit context and
returns the rule's findings as a list of dicts sorted by visit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import duckdb
import ibis
import pyarrow as pa

from qiandai.claims.context import AuditContext, build_fee_x, build_visit_x
from qiandai.claims.rulepack import TEMPLATES
from qiandai.claims.schema import TABLES, Kind
from qiandai.knowledge.catalog import PACKAGE_TABLES
from qiandai.rules.model import RuleSetVersion

_ARROW = {
    Kind.TEXT: pa.string(),
    Kind.CODE: pa.string(),
    Kind.ID_NUMBER: pa.string(),
    Kind.INT: pa.int64(),
    Kind.DECIMAL: pa.decimal128(18, 4),
    Kind.DATE: pa.date32(),
    Kind.DATETIME: pa.timestamp("us"),
}


def default_rules() -> RuleSetVersion:
    text = (
        resources.files("qiandai.claims").joinpath("rulesets/claims-default.json").read_text(encoding="utf-8")
    )
    return RuleSetVersion.model_validate_json(text)


def _coerce(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.DATETIME and isinstance(value, str):
        return datetime.fromisoformat(value)
    if kind is Kind.DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if kind is Kind.DECIMAL:
        return Decimal(str(value))
    return value


def _table(key: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    spec = next(t for t in TABLES if t.key == key)
    arrays = {}
    for col in spec.columns:
        arrays[col.name] = pa.array([_coerce(col.kind, r.get(col.name)) for r in rows], type=_ARROW[col.kind])
    return pa.table(arrays)


VISIT_DEFAULTS: dict[str, Any] = {
    "psn_no": "P1",
    "fixmedins_code": "H1",
    "fixmedins_name": "测试医院",
    "med_type": "21",
    "gend": "1",
    "brdy": "1980-05-05",
    "hosp_lv": "05",
    "insutype": "310",
    "psn_name": "张三",
}


def visit(mdtrt_id: str, begntime: str, endtime: str | None = None, **kw: Any) -> dict[str, Any]:
    return {**VISIT_DEFAULTS, "mdtrt_id": mdtrt_id, "begntime": begntime, "endtime": endtime, **kw}


_fee_seq = iter(range(1, 10**9))


def fee(mdtrt_id: str, code: str, time: str, cnt: float = 1, pric: float = 10, **kw: Any) -> dict[str, Any]:
    bkkp = kw.pop("bkkp_sn", f"F{next(_fee_seq):06d}")
    return {
        "bkkp_sn": bkkp,
        "mdtrt_id": mdtrt_id,
        "med_list_codg": code,
        "hilist_name": kw.pop("name", code),
        "fee_ocur_time": time,
        "cnt": cnt,
        "pric": pric,
        "det_item_fee_sumamt": round(cnt * pric, 2),
        **kw,
    }


def run_rule(
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
    """Compile and run ``rule_id`` of the default rule set on the given rows.

    ``tables`` holds the rows of the other input tables by key (drug_sale, checkin …); absent ones are empty.
    """
    rule = default_rules().rule(rule_id)
    if params:
        rule = rule.model_copy(update={"params": {**rule.params, **params}})
    con = duckdb.connect()
    given = {"mdtrt": visits, "fee": fees, "diag": diags, "setl": setls, "oprn": oprns, **(tables or {})}
    for key, rows in ((spec.key, given.get(spec.key, ())) for spec in TABLES):
        con.register(f"_{key}", _table(key, rows))
        con.execute(f"CREATE TABLE {key} AS SELECT * FROM _{key}")
    backend = ibis.duckdb.from_connection(con)
    visits_x = backend.create_table(
        "visit_x", build_visit_x(backend.table("mdtrt"), backend.table("fee"), backend.table("diag"))
    )
    fee_x = backend.create_table("fee_x", build_fee_x(backend.table("fee"), visits_x))
    tables = {name: pa.Table.from_pylist(list(rows)) for name, rows in (knowledge or {}).items()}
    ctx = AuditContext(
        backend=backend,
        fee=fee_x,
        visits=visits_x,
        diag=backend.table("diag"),
        knowledge_loader=lambda name: tables[name] if name in tables else PACKAGE_TABLES[name](),
    )
    result = backend.to_pyarrow(TEMPLATES.get(rule.template)(ctx, rule)).to_pylist()
    con.close()
    return sorted(result, key=lambda r: (r["mdtrt_id"], r["event_date"], r["kp_id"] or ""))
