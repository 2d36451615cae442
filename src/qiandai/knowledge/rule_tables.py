"""Typed parameter tables that the rule engine joins against, built from active points.

Each table has one row per national code of an active (not superseded) point whose parameters are
all known; when two active points of one table carry the same code, the most recently published
(then most recently loaded) point gives the row. ``duplicate_pairs`` has one row per pair. A point
whose parameters cannot be determined is left out and listed by `unparsed`, with the reason, so that a
reviewer can complete it; nothing is guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

import duckdb
import pyarrow as pa

from qiandai.domain.errors import KnowledgeBaseError
from qiandai.knowledge import textparams as tp
from qiandai.knowledge.qiandai_tables import mapped_indication_points

S, I64 = pa.string(), pa.int64()


@dataclass(frozen=True)
class TableSpec:
    """A typed table: its rule classes, the parameters it needs and its output columns."""

    rule_classes: tuple[str, ...]
    required: tuple[str, ...]
    columns: tuple[tuple[str, pa.DataType, str], ...]  # (name, type, SQL expression over p)

    @property
    def schema(self) -> pa.Schema:
        base = [("kp_id", S), ("code", S), ("name", S)]
        return pa.schema(base + [(n, t) for n, t, _ in self.columns])


def _param(key: str) -> str:
    return f"p.params->>'{key}'"


def _int_param(key: str) -> str:
    return f"CAST(p.params->>'{key}' AS BIGINT)"


HERBAL_EXCLUDED = "中药饮片单复方均不予支付"
HERBAL_SINGLE = "中药饮片单方使用不予支付"
DRUG_INDICATION = "药品限适应症"

TARGET = (("target", S, _param("target")),)
GENDER = (("gender", S, _param("gender")),)

TABLES: dict[str, TableSpec] = {
    "duplicate_pairs": TableSpec((tp.DUPLICATE_CHARGE,), ("window",), ()),
    "item_frequency": TableSpec(
        (tp.ITEM_FREQUENCY,),
        ("max_count", "unit"),
        (("max_count", I64, _int_param("max_count")), ("unit", S, _param("unit"))),
    ),
    "item_cycle": TableSpec(
        (tp.ITEM_CYCLE,),
        ("max_count", "period_days"),
        (("max_count", I64, _int_param("max_count")), ("period_days", I64, _int_param("period_days"))),
    ),
    "drug_course": TableSpec((tp.DRUG_COURSE,), ("max_days",), (("max_days", I64, _int_param("max_days")),)),
    "item_course": TableSpec((tp.ITEM_COURSE,), ("max_days",), (("max_days", I64, _int_param("max_days")),)),
    "drug_gender": TableSpec((tp.DRUG_GENDER,), ("gender",), GENDER),
    "item_gender": TableSpec((tp.ITEM_GENDER,), ("gender",), GENDER),
    "drug_child_only": TableSpec((tp.DRUG_CHILD_ONLY,), ("target",), TARGET),
    "drug_child_limit": TableSpec((tp.DRUG_CHILD_LIMIT,), ("target",), TARGET),
    "item_child_only": TableSpec((tp.ITEM_CHILD_ONLY,), ("target",), TARGET),
    "item_age": TableSpec((tp.ITEM_AGE,), ("age_rule",), (("constraint_text", S, "p.constraint_text"),)),
    "drug_institution_level": TableSpec(
        (tp.DRUG_INSTITUTION_LEVEL,), ("min_tier",), (("min_tier", I64, _int_param("min_tier")),)
    ),
    "drug_visit_type": TableSpec(
        (tp.DRUG_VISIT_TYPE,), ("required_scene",), (("required_scene", S, _param("required_scene")),)
    ),
    "drug_work_injury": TableSpec((tp.DRUG_WORK_INJURY,), (), ()),
    "drug_maternity": TableSpec((tp.DRUG_MATERNITY,), (), ()),
    # Breadth rules (issue 5): the point's codes, plus its text where the rule needs it.
    "herbal_excluded": TableSpec((HERBAL_EXCLUDED,), (), ()),
    "herbal_single": TableSpec((HERBAL_SINGLE,), (), ()),
    "surgery_groups": TableSpec((tp.SURGERY_DISCOUNT,), (), (("surgery_group", S, "p.constraint_text"),)),
    "drug_indication": TableSpec((DRUG_INDICATION,), (), (("constraint_text", S, "p.constraint_text"),)),
}

DUPLICATE_PAIRS_SCHEMA = pa.schema(
    [("kp_id", S), ("code_a", S), ("name_a", S), ("code_b", S), ("name_b", S), ("window", S), ("note", S)]
)

_REASONS = {
    "window": "频度（单日/单次就诊/6小时/同一小时）",
    "max_count": "限制数量",
    "unit": "数量单位",
    "period_days": "疗程周期天数",
    "max_days": "最大支付天数",
    "gender": "限定性别",
    "target": "限定对象（儿童/婴幼儿/新生儿）",
    "age_rule": "限定年龄段",
    "min_tier": "限定机构等级",
    "required_scene": "限定就医方式",
}


_UNMAPPED_INDICATION = "适应症未映射到ICD-10类目（Qiandai 对照表 indication_icd10.csv 未收录）"


class UnparsedPoint(NamedTuple):
    """An active point left out of a typed table, and why."""

    kp_id: str
    reason: str


def spec(name: str) -> TableSpec:
    """The spec of a typed table; KnowledgeBaseError lists the known names for an unknown one."""
    if name not in TABLES:
        raise KnowledgeBaseError(f"未知的规则参数表：{name}（可用：{'、'.join(TABLES)}）")
    return TABLES[name]


def _classes_sql(rule_classes: tuple[str, ...]) -> str:
    return ", ".join("'" + c.replace("'", "''") + "'" for c in rule_classes)


def rule_table(con: duckdb.DuckDBPyConnection, name: str) -> pa.Table:
    """Build the typed table ``name`` (see `TABLES` and `DUPLICATE_PAIRS_SCHEMA`)."""
    table_spec = spec(name)
    required = "".join(f" AND {_param(k)} IS NOT NULL" for k in table_spec.required)
    classes = _classes_sql(table_spec.rule_classes)
    if name == "duplicate_pairs":
        sql = f"""
            SELECT p.kp_id, a.med_code AS code_a, {_param("name_a")} AS name_a,
                   b.med_code AS code_b, {_param("name_b")} AS name_b,
                   {_param("window")} AS "window", p.constraint_text AS note
            FROM points p
            JOIN point_codes a ON a.kp_id = p.kp_id AND a.role = 'A'
            JOIN point_codes b ON b.kp_id = p.kp_id AND b.role = 'B'
            WHERE p.superseded_by IS NULL AND p.rule_class IN ({classes}){required}
            ORDER BY p.kp_id"""
        return con.sql(sql).to_arrow_table().cast(DUPLICATE_PAIRS_SCHEMA)
    extra = "".join(f", {expr} AS {col}" for col, _, expr in table_spec.columns)
    sql = f"""
        SELECT p.kp_id, c.med_code AS code, p.item_name AS name{extra}
        FROM points p JOIN point_codes c ON c.kp_id = p.kp_id
        WHERE p.superseded_by IS NULL AND p.rule_class IN ({classes}){required}
        QUALIFY row_number() OVER (
            PARTITION BY c.med_code ORDER BY p.published_at DESC NULLS LAST, p.load_id DESC, p.kp_id) = 1
        ORDER BY p.kp_id, c.seq"""
    return con.sql(sql).to_arrow_table().cast(table_spec.schema)


def unparsed(con: duckdb.DuckDBPyConnection, name: str) -> list[UnparsedPoint]:
    """Active points of the table's rule classes left out of it: no national code, or a missing parameter."""
    table_spec = spec(name)
    pair = name == "duplicate_pairs"
    role_filter = "AND c.role IN ('A', 'B')" if pair else ""
    rows = con.execute(
        f"""
        SELECT p.kp_id,
               (SELECT COUNT(DISTINCT c.role || c.med_code) FROM point_codes c
                WHERE c.kp_id = p.kp_id {role_filter}) AS n_codes,
               CAST(p.params AS VARCHAR) AS params
        FROM points p
        WHERE p.superseded_by IS NULL AND p.rule_class IN ({_classes_sql(table_spec.rule_classes)})
        ORDER BY p.kp_id"""
    ).fetchall()
    mapped = mapped_indication_points() if name == "drug_indication" else frozenset()
    out = []
    for kp_id, n_codes, params_json in rows:
        params = json.loads(params_json or "{}")
        missing = [k for k in table_spec.required if params.get(k) is None]
        if n_codes == 0 or (pair and n_codes != 2):
            reason = "不是一对主项/从项编码" if pair and n_codes else "无国家编码，无法按编码匹配"
            out.append(UnparsedPoint(kp_id, reason))
        elif name == "drug_indication" and kp_id not in mapped:
            out.append(UnparsedPoint(kp_id, _UNMAPPED_INDICATION))
        elif missing:
            what = "、".join(_REASONS.get(k, k) for k in missing)
            out.append(
                UnparsedPoint(kp_id, f"无法确定{what}：知识点文本未载明，且无官方xlsx或被替代知识点可依")
            )
    return out
