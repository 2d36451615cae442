"""The rule catalog (2025, 88 classes), the 1.0 framework (79 rules) and the diagnosis tables.

These are read from the shipped package data and do not depend on a knowledge-base file.
"""

from __future__ import annotations

import json
import re
from functools import cache
from io import BytesIO
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from qiandai.domain.errors import KnowledgeBaseError
from qiandai.knowledge.models import FrameworkRule, RuleClass
from qiandai.knowledge.qiandai_tables import QIANDAI_TABLES
from qiandai.knowledge.resources import data_file

_TRAILING_JUNK = re.compile(r"\s*\d*\s*规则编码一级分类二级分类规则名称定义\s*$")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _json(*parts: str) -> Any:
    return json.loads(data_file(*parts).read_text(encoding="utf-8"))


@cache
def catalog() -> tuple[RuleClass, ...]:
    """The 88 rule classes of the 2025 catalog in catalog order."""
    rules = _json("nhsa", "rule_catalog_2025.json")["rules"]
    return tuple(
        RuleClass(
            seq=int(r["seq"]),
            tier1=r["tier1"],
            tier2=r["tier2"],
            name=r["name"],
            gz_code=r.get("gz_code_1_0"),
            new_in_2025=bool(r.get("new_in_2025")),
            has_kp_detail=bool(r.get("has_kp_detail")),
        )
        for r in rules
    )


def clean_rule_name(raw: str) -> str:
    """Cut a framework rule name where it runs into its definition ('…异常对医保结算清单…' → '…异常')."""
    name = raw.strip().removeprefix("-管理要求").strip()
    cut = name.find("对")
    if cut > 0:
        name = name[:cut]
    return _TRAILING_JUNK.sub("", name).strip()


def _clean_definition(raw_name: str, definition: str, tier1: str, tier2: str, name: str) -> str:
    cut = raw_name.find("对")
    text = raw_name[cut:] if cut > 0 and not raw_name.startswith("-") else definition
    text = _CJK_SPACE.sub("", _TRAILING_JUNK.sub("", text)).strip()
    for prefix in (tier1, tier2, name):
        text = text.removeprefix(prefix)
    return text.strip()


@cache
def framework() -> tuple[FrameworkRule, ...]:
    """The 79 rules of the 1.0 framework with clean names and definitions."""
    rules = _json("nhsa", "rule_framework_1.0.json")["rules_flat"]
    out = []
    for r in rules:
        name = clean_rule_name(r["name"])
        definition = _clean_definition(r["name"], r.get("definition") or "", r["tier1"], r["tier2"], name)
        out.append(FrameworkRule(r["official_code"], r["tier1"], r["tier2"], name, definition))
    return tuple(out)


def official_code(rule_class_name: str) -> str:
    """The 1.0 code (GZ…/ZB…) of a rule class, or 'CAT2025-NNN' for a 2025 class without one.

    Raises KnowledgeBaseError for a name that is neither in the 2025 catalog nor in the framework.
    """
    for rc in catalog():
        if rc.name == rule_class_name:
            return rc.gz_code or f"CAT2025-{rc.seq:03d}"
    for fr in framework():
        if fr.name == rule_class_name:
            return fr.code
    raise KnowledgeBaseError(f"未知的规则类别：{rule_class_name}（不在2025年版规则目录或1.0框架体系中）")


def class_info(rule_class_name: str) -> tuple[str | None, str | None, str | None]:
    """(gz_code, tier1, tier2) of a rule class for points known only from an xlsx; Nones if unknown."""
    for rc in catalog():
        if rc.name == rule_class_name:
            return rc.gz_code, rc.tier1, rc.tier2
    return None, None, None


def diagnosis_categories() -> pa.Table:
    """The community diagnosis dictionary (字典_疾病分类.csv): columns type, code, name, group."""
    data = data_file("community", "字典_疾病分类.csv").read_bytes()
    table = pacsv.read_csv(
        BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in ("类目类型", "类目编码", "类目名称", "归并名称")}
        ),
    )
    return table.select(["类目类型", "类目编码", "类目名称", "归并名称"]).rename_columns(
        ["type", "code", "name", "group"]
    )


DIAGNOSIS_RULES_SCHEMA = pa.schema(
    [
        ("category_from", pa.string()),
        ("category_to", pa.string()),
        ("gender", pa.string()),
        ("min_age_years", pa.int64()),
        ("max_age_years", pa.int64()),
        ("max_age_days", pa.int64()),
        ("note", pa.string()),
    ]
)


def diagnosis_rules() -> pa.Table:
    """Qiandai's ICD-10 sex/age table (data/qiandai/icd10_gender_age.csv).

    One row per inclusive range of 3-character categories; ``gender`` '1' male-only, '2' female-only
    or null; age bounds null where the range has none.
    """
    data = data_file("qiandai", "icd10_gender_age.csv").read_bytes()
    table = pacsv.read_csv(
        BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: f.type for f in DIAGNOSIS_RULES_SCHEMA},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    return table.select(DIAGNOSIS_RULES_SCHEMA.names).cast(DIAGNOSIS_RULES_SCHEMA)


OPERATION_RULES_SCHEMA = pa.schema(
    [
        ("category_from", pa.string()),
        ("category_to", pa.string()),
        ("gender", pa.string()),
        ("diag_prefixes", pa.string()),
        ("note", pa.string()),
    ]
)


def operation_rules() -> pa.Table:
    """Qiandai's ICD-9-CM-3 category table (data/qiandai/icd9cm3_rules.csv): sex and diagnosis context."""
    data = data_file("qiandai", "icd9cm3_rules.csv").read_bytes()
    table = pacsv.read_csv(
        BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: f.type for f in OPERATION_RULES_SCHEMA},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    return table.select(OPERATION_RULES_SCHEMA.names).cast(OPERATION_RULES_SCHEMA)


# Qiandai's own tables served by name next to the knowledge base's typed rule tables.
PACKAGE_TABLES = {"operation_rules": operation_rules, **QIANDAI_TABLES}
