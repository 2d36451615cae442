"""Qiandai's own reviewed tables (``data/qiandai``) and the community table the breadth rules read.

These are not NHSA publications: each CSV is maintained by the project and changed by pull request
(see ``data/qiandai/README.md``). Every loader returns an Arrow table with a fixed schema, so that
the rule engine can join it by name like the knowledge base's typed tables.

- ``indication_icd10``: drug-indication knowledge point (batches 12–17) → ICD-10 category ranges;
- ``antibiotic_grades``: national drug-code prefixes (X + ATC level 4) of 特殊使用级 antibiotics;
- ``infection_diagnoses``: ICD-10 category ranges that document an infection (therapeutic use);
- ``duplicate_drug_classes``: ATC level-4 prefixes whose two substances on one day duplicate therapy;
- ``surgery_discount_rates``: community 规则_项目主次.csv (operation code → group, discount rate).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from io import BytesIO

import pyarrow as pa
import pyarrow.csv as pacsv

from qiandai.knowledge.resources import data_file

S = pa.string()

INDICATION_SCHEMA = pa.schema(
    [
        ("kp_id", S),
        ("item_name", S),
        ("indication", S),
        ("icd10_from", S),
        ("icd10_to", S),
        ("reviewer_note", S),
    ]
)
ANTIBIOTIC_GRADES_SCHEMA = pa.schema([("atc_prefix", S), ("grade", S), ("min_tier", pa.int64()), ("note", S)])
INFECTION_SCHEMA = pa.schema([("category_from", S), ("category_to", S), ("note", S)])
DUPLICATE_CLASSES_SCHEMA = pa.schema([("atc_prefix", S), ("name", S), ("note", S)])
SURGERY_RATES_SCHEMA = pa.schema([("code", S), ("name", S), ("surgery_group", S), ("rate", pa.float64())])


def _read(folder: str, name: str, schema: pa.Schema, rename: dict[str, str] | None = None) -> pa.Table:
    data = data_file(folder, name).read_bytes()
    source_names = list(rename) if rename else schema.names
    types = {src: schema.field(dst).type for src, dst in (rename or {n: n for n in schema.names}).items()}
    table = pacsv.read_csv(
        BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, null_values=[""], include_columns=source_names
        ),
    )
    return table.select(source_names).rename_columns(schema.names).cast(schema)


@cache
def indication_icd10() -> pa.Table:
    """One row per (knowledge point, ICD-10 range); a point may have several rows."""
    return _read("qiandai", "indication_icd10.csv", INDICATION_SCHEMA)


def antibiotic_grades() -> pa.Table:
    """Special-use (特殊使用级) antibiotic classes and the lowest institution tier allowed to use them."""
    return _read("qiandai", "antibiotic_grades.csv", ANTIBIOTIC_GRADES_SCHEMA)


def infection_diagnoses() -> pa.Table:
    """ICD-10 category ranges (3 characters, inclusive) that document an infection."""
    return _read("qiandai", "infection_diagnoses.csv", INFECTION_SCHEMA)


def duplicate_drug_classes() -> pa.Table:
    """ATC level-4 classes (national code prefix, 6 characters) judged by 重复开药."""
    return _read("qiandai", "duplicate_drug_classes.csv", DUPLICATE_CLASSES_SCHEMA)


def surgery_discount_rates() -> pa.Table:
    """Community 规则_项目主次.csv: operation code, name, group (主次组别) and discount rate (主次折率)."""
    rename = {"主项编码": "code", "主项名称": "name", "主次组别": "surgery_group", "主次折率": "rate"}
    return _read("community", "规则_项目主次.csv", SURGERY_RATES_SCHEMA, rename)


def mapped_indication_points() -> frozenset[str]:
    """Knowledge points of 药品限适应症 that the indication table maps."""
    return frozenset(str(k) for k in indication_icd10().column("kp_id").to_pylist())


QIANDAI_TABLES: dict[str, Callable[[], pa.Table]] = {
    "indication_icd10": indication_icd10,
    "antibiotic_grades": antibiotic_grades,
    "infection_diagnoses": infection_diagnoses,
    "duplicate_drug_classes": duplicate_drug_classes,
    "surgery_discount_rates": surgery_discount_rates,
}
