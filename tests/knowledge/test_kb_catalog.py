"""The 2025 catalog, the 1.0 framework and the diagnosis tables read from package data."""

from __future__ import annotations

import pytest

from qiandai.domain.errors import KnowledgeBaseError
from qiandai.knowledge import catalog, diagnosis_categories, diagnosis_rules, framework, official_code


def test_catalog_has_88_classes() -> None:
    classes = catalog()
    assert len(classes) == 88
    assert sum(c.new_in_2025 for c in classes) == 10
    assert [c.seq for c in classes] == list(range(1, 89))


def test_framework_names_are_clean() -> None:
    rules = {r.code: r for r in framework()}
    assert len(rules) == 79
    assert all("对" not in r.name and not r.name.startswith("-") for r in rules.values())
    assert rules["GZ10000101011000"].name == "药品超限定病种目录范围使用"
    assert rules["GZ10000101011000"].definition == "对各级医保政策中有限定病种目录范围使用的药品进行监管。"
    assert rules["GZ10000202001000"].name == "药品进销存异常"
    assert rules["ZB10000205008000"].name == "非计划再入院率统计"
    assert " " not in rules["GZ10000101001000"].definition
    catalog_names = {c.name for c in catalog()}
    assert sum(r.name in catalog_names for r in rules.values()) >= 78


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("医疗服务项目重复收费", "GZ10000102012000"),
        ("药品限就医方式", "CAT2025-013"),
        ("医疗服务项目限年龄", "CAT2025-029"),
        ("医疗服务项目周期超频次", "CAT2025-031"),
        ("药品限最大支付天数/开药量", "GZ10000101009000"),
    ],
)
def test_official_code(name: str, code: str) -> None:
    assert official_code(name) == code


def test_official_code_of_unknown_class() -> None:
    with pytest.raises(KnowledgeBaseError, match="未知的规则类别"):
        official_code("不存在的规则")


def test_diagnosis_categories() -> None:
    table = diagnosis_categories()
    assert table.column_names == ["type", "code", "name", "group"]
    assert table.num_rows == 2313
    assert "西医诊断" in set(table["type"].to_pylist())


def test_diagnosis_rules_ranges() -> None:
    table = diagnosis_rules()
    assert table.column_names == [
        "category_from",
        "category_to",
        "gender",
        "min_age_years",
        "max_age_years",
        "max_age_days",
        "note",
    ]
    rows = table.to_pylist()
    assert all(len(r["category_from"]) == 3 and r["category_from"] <= r["category_to"] for r in rows)
    female = {(r["category_from"], r["category_to"]) for r in rows if r["gender"] == "2"}
    male = {(r["category_from"], r["category_to"]) for r in rows if r["gender"] == "1"}
    assert {("O00", "O99"), ("C51", "C58"), ("D06", "D06"), ("D25", "D28")} <= female
    assert {("C60", "C63"), ("D29", "D29"), ("N40", "N51")} <= male
