"""Qiandai's own reviewed tables (``data/qiandai``) and the community table the breadth rules read.

These are not NHSA publications: each CSV is maintained by the project and changed by pull request
(see ``data/qiandai/README.md``). Every loader returns an Arrow table with a fixed schema, so that
the rule engine can join it by name like the knowledge base's typed tables.

- ``indication_icd10``: drug-indication knowledge point (batches 12–17) → ICD-10 category ranges;
- ``antibiotic_grades``: national drug-code prefixes (X + ATC level 4) of 特殊使用级 antibiotics;
- ``infection_diagnoses``: ICD-10 category ranges that document an infection (therapeutic use);
- ``duplicate_drug_classes``: ATC level-4 prefixes whose two substances on one day duplicate therapy;
- ``surgery_discount_rates``: community 规则_项目主次.csv (operation code → group, discount rate);
- ``decomposition_rules``: community 规则_项目分解.csv (main item prefix → the parts it contains);
- ``drug_safety``, ``item_safety``, ``drug_interactions``, ``item_visit_type``, ``item_newborn``,
  ``drug_newborn``: the issue-5 safety and
  policy tables; each file opens with a ``#`` provenance header (what, source, reviewer, version).
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
I64 = pa.int64()
DRUG_SAFETY_SCHEMA = pa.schema(
    [
        ("kind", S),
        ("atc_prefix", S),
        ("drug_class", S),
        ("min_age", I64),
        ("max_age", I64),
        ("icd10_from", S),
        ("icd10_to", S),
        ("note", S),
        ("source", S),
    ]
)
ITEM_SAFETY_SCHEMA = pa.schema(
    [
        ("kind", S),
        ("code_prefix", S),
        ("item_class", S),
        ("min_age", I64),
        ("max_age", I64),
        ("icd10_from", S),
        ("icd10_to", S),
        ("note", S),
        ("source", S),
    ]
)
DRUG_INTERACTIONS_SCHEMA = pa.schema(
    [("atc_prefix_a", S), ("class_a", S), ("atc_prefix_b", S), ("class_b", S), ("level", S), ("note", S)]
)
ITEM_VISIT_TYPE_SCHEMA = pa.schema([("kp_id", S), ("code", S), ("name", S), ("required_scene", S)])
ITEM_NEWBORN_SCHEMA = pa.schema([("kp_id", S), ("code", S), ("name", S), ("target", S)])
SURGERY_RATES_SCHEMA = pa.schema([("code", S), ("name", S), ("surgery_group", S), ("rate", pa.float64())])


def strip_provenance(data: bytes) -> bytes:
    """Drop the leading ``#`` provenance lines of a Qiandai table (what it is, source, reviewer, version)."""
    lines = data.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and lines[skip].lstrip(b"\xef\xbb\xbf").startswith(b"#"):
        skip += 1
    return b"".join(lines[skip:])


def provenance(name: str) -> str:
    """The provenance header of ``data/qiandai/<name>`` (without the ``#``), empty when it has none."""
    text = data_file("qiandai", name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        out.append(line[1:].strip())
    return "\n".join(out)


def _read(folder: str, name: str, schema: pa.Schema, rename: dict[str, str] | None = None) -> pa.Table:
    data = strip_provenance(data_file(folder, name).read_bytes())
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


def drug_safety() -> pa.Table:
    """Drug classes a label forbids or cautions for children / the elderly / pregnancy / a diagnosis, and
    label indications (``kind``: 儿童禁用, 老年慎用, 妊娠禁用, 禁忌症, 说明书适应症)."""
    return _read("qiandai", "drug_safety.csv", DRUG_SAFETY_SCHEMA)


def item_safety() -> pa.Table:
    """Service-item prefixes with a contraindication or indications as ICD-10 ranges (禁忌症 / 适应症)."""
    return _read("qiandai", "item_safety.csv", ITEM_SAFETY_SCHEMA)


def drug_interactions() -> pa.Table:
    """Pairs of drug classes (X + ATC level 4) that a label forbids or advises against taking together."""
    return _read("qiandai", "drug_interactions.csv", DRUG_INTERACTIONS_SCHEMA)


def item_visit_type() -> pa.Table:
    """Service items only an inpatient stay can bill (bed day, ward round)."""
    return _read("qiandai", "item_visit_type.csv", ITEM_VISIT_TYPE_SCHEMA)


def item_newborn() -> pa.Table:
    """Newborn service items that batch 1 does not list (code extensions of 新生儿 items)."""
    return _read("qiandai", "item_newborn.csv", ITEM_NEWBORN_SCHEMA)


DECOMPOSITION_SCHEMA = pa.schema(
    [
        ("row_id", I64),
        ("main_prefix", S),
        ("main_name", S),
        ("part_prefix", S),
        ("part_name", S),
        ("domain", S),
    ]
)


MIN_MAIN_DIGITS = 11  # 00 + a whole 9-digit item code of the 2012 national specification


def _alternatives(value: str) -> list[str]:
    return [x.strip() for x in value.strip().strip("()").split("|") if x.strip()]


@cache
def decomposition_rules() -> pa.Table:
    """Community 规则_项目分解.csv as one row per (main item, part): code prefixes of national service items.

    The community codes are prefixes of the national 15-digit codes (``00`` + 2012 code + extension), 9 to
    15 digits long. Rows whose main item is a consumable category (``C…``) or whose part is not a
    service-item prefix are left out (the national tables carry no consumable category); a part equal to
    its main prefix cannot be told apart and is left out too, and so is a main "code" shorter than a
    whole 2012 item (11 digits: ``003302010`` names a whole section of operations, not one item).
    """
    table = pacsv.read_csv(BytesIO(data_file("community", "规则_项目分解.csv").read_bytes()))
    out: list[dict[str, object]] = []
    for i, r in enumerate(table.to_pylist(), start=1):
        main = str(r["主项编码"] or "").strip()
        if not main.isdigit() or len(main) < MIN_MAIN_DIGITS:
            continue
        parts, names = _alternatives(str(r["分项编码"] or "")), _alternatives(str(r["分项名称"] or ""))
        for k, part in enumerate(parts):
            if not part.isdigit() or part == main:
                continue
            name = names[k] if len(names) == len(parts) else "、".join(names)
            out.append(
                {
                    "row_id": i,
                    "main_prefix": main,
                    "main_name": str(r["主项名称"]),
                    "part_prefix": part,
                    "part_name": name,
                    "domain": str(r["领域标识"] or ""),
                }
            )
    return pa.Table.from_pylist(out, schema=DECOMPOSITION_SCHEMA)


def drug_newborn() -> pa.Table:
    """Drugs whose label restricts them to newborns (national codes)."""
    return _read("qiandai", "drug_newborn.csv", ITEM_NEWBORN_SCHEMA)


def mapped_indication_points() -> frozenset[str]:
    """Knowledge points of 药品限适应症 that the indication table maps."""
    return frozenset(str(k) for k in indication_icd10().column("kp_id").to_pylist())


QIANDAI_TABLES: dict[str, Callable[[], pa.Table]] = {
    "indication_icd10": indication_icd10,
    "antibiotic_grades": antibiotic_grades,
    "infection_diagnoses": infection_diagnoses,
    "duplicate_drug_classes": duplicate_drug_classes,
    "surgery_discount_rates": surgery_discount_rates,
    "drug_safety": drug_safety,
    "drug_interactions": drug_interactions,
    "item_safety": item_safety,
    "item_visit_type": item_visit_type,
    "item_newborn": item_newborn,
    "drug_newborn": drug_newborn,
    "decomposition_rules": decomposition_rules,
}
