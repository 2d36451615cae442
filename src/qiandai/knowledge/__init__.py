"""The versioned NHSA knowledge base (两库 知识库): knowledge points, typed rule tables, catalogs.

Import from here: ``from qiandai.knowledge import KnowledgeBase``. Only `qiandai.domain` is imported
from the rest of Qiandai.
"""

from qiandai.knowledge.base import KnowledgeBase, default_path
from qiandai.knowledge.catalog import (
    catalog,
    diagnosis_categories,
    diagnosis_rules,
    framework,
    official_code,
)
from qiandai.knowledge.models import FrameworkRule, KnowledgePoint, LoadRecord, LoadReport, RuleClass
from qiandai.knowledge.rule_tables import TABLES as RULE_TABLE_NAMES
from qiandai.knowledge.rule_tables import UnparsedPoint

__all__ = [
    "RULE_TABLE_NAMES",
    "FrameworkRule",
    "KnowledgeBase",
    "KnowledgePoint",
    "LoadRecord",
    "LoadReport",
    "RuleClass",
    "UnparsedPoint",
    "catalog",
    "default_path",
    "diagnosis_categories",
    "diagnosis_rules",
    "framework",
    "official_code",
]
