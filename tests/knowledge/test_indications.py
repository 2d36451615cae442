"""Qiandai's indication → ICD-10 table and the drug-indication typed table of the knowledge base."""

from __future__ import annotations

import re

from qiandai.knowledge import KnowledgeBase
from qiandai.knowledge.qiandai_tables import QIANDAI_TABLES, indication_icd10

CATEGORY = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")


def test_every_mapped_range_is_well_formed() -> None:
    rows = indication_icd10().to_pylist()
    assert len({r["kp_id"] for r in rows}) >= 300
    for r in rows:
        assert CATEGORY.match(r["icd10_from"]) and CATEGORY.match(r["icd10_to"]), r
        assert r["icd10_from"] <= r["icd10_to"], r
        assert r["reviewer_note"] and r["indication"]


def test_well_known_indications_map_as_reviewed() -> None:
    by_name: dict[str, set[tuple[str, str]]] = {}
    for r in indication_icd10().to_pylist():
        by_name.setdefault(r["item_name"], set()).add((r["icd10_from"], r["icd10_to"]))
    assert by_name["阿利沙坦酯片"] == {("I10", "I10")}
    assert ("C50", "C50") in by_name["哌柏西利胶囊"]
    assert ("B20", "B24") in by_name["艾诺韦林片"]
    assert by_name["来瑞特韦片"] == {("U07", "U07")}
    assert "注射用厄他培南钠" not in by_name  # 重症感染: not a diagnosis, left unmapped


def test_mapped_points_exist_and_unmapped_are_listed(kb: KnowledgeBase) -> None:
    table = kb.rule_table("drug_indication")
    active = set(table.column("kp_id").to_pylist())
    mapped = set(indication_icd10().column("kp_id").to_pylist())
    assert mapped <= active
    unparsed = kb.unparsed("drug_indication")
    assert {p.kp_id for p in unparsed} == active - mapped
    assert all("ICD-10" in p.reason for p in unparsed)


def test_qiandai_tables_load() -> None:
    for name, loader in QIANDAI_TABLES.items():
        assert loader().num_rows > 0, name
