"""The default knowledge base built from the shipped package data."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from qiandai.knowledge import KnowledgeBase, default_path
from qiandai.knowledge.rule_tables import DUPLICATE_PAIRS_SCHEMA

BATCH_POINTS = 3488  # batches 1-17
UPDATE_POINTS = 411  # updates_2026-01.json
SUPERSEDE_LINKS = 397

OLD_APALUTAMIDE = "KP-630264b3f1586762"  # batch 1, 药品区分性别使用, superseded
NEW_APALUTAMIDE = "KP-9d2200dd87d22a1a"  # updates_2026-01


def _count(kb: KnowledgeBase, sql: str) -> int:
    return int(kb.sql(sql).column(0)[0].as_py())


def test_point_counts_and_supersede_links(kb: KnowledgeBase) -> None:
    assert _count(kb, "SELECT COUNT(*) FROM points") == BATCH_POINTS + UPDATE_POINTS
    assert _count(kb, "SELECT COUNT(*) FROM points WHERE batch_tag = 'updates_2026-01'") == UPDATE_POINTS
    assert _count(kb, "SELECT COUNT(*) FROM points WHERE superseded_by IS NOT NULL") == SUPERSEDE_LINKS
    assert kb.active_points().num_rows == BATCH_POINTS + UPDATE_POINTS - SUPERSEDE_LINKS
    dangling = "SELECT COUNT(*) FROM points p WHERE supersedes IS NOT NULL AND NOT EXISTS "
    dangling += "(SELECT 1 FROM points o WHERE o.kp_id = p.supersedes AND o.superseded_by = p.kp_id)"
    assert _count(kb, dangling) == 0


def test_history_lists_every_shipped_file_in_order(kb: KnowledgeBase) -> None:
    history = kb.history()
    layouts = [r.layout for r in history]
    assert layouts == ["json"] * 18 + ["official_xlsx"] * 14
    assert history[0].source_file == "batch_01.json" and history[0].added == 1184
    assert history[17].source_file == "updates_2026-01.json"
    assert history[17].added == UPDATE_POINTS and history[17].superseded == SUPERSEDE_LINKS
    assert all(r.added == 0 for r in history[18:])  # the xlsx only enrich known points
    assert all(r.loaded_at.tzinfo is not None for r in history)


def test_every_batch7_pair_has_a_window(kb: KnowledgeBase) -> None:
    pairs = kb.rule_table("duplicate_pairs")
    assert pairs.num_rows == 900
    assert kb.unparsed("duplicate_pairs") == []
    windows = pairs.group_by("window").aggregate([("kp_id", "count")]).to_pydict()
    assert dict(zip(windows["window"], windows["kp_id_count"], strict=True)) == {
        "单日": 446,
        "单次就诊": 429,
        "6小时": 18,
        "同一小时": 7,
    }
    first = pairs.filter(pa.compute.equal(pairs["code_b"], "001102000030000")).to_pylist()
    assert {"code_a": "001103000010000", "name_a": "急诊监护费", "window": "单日"}.items() <= first[0].items()
    assert first[0]["note"] == "含监护、床位、诊查、护理"


def test_every_frequency_point_has_a_limit(kb: KnowledgeBase) -> None:
    table = kb.rule_table("item_frequency")
    assert table.num_rows == 67 and kb.unparsed("item_frequency") == []
    rows = {r["code"]: r for r in table.to_pylist()}
    assert rows["003301000090000"]["unit"] == "日"  # '天' in the xlsx
    assert set(table["unit"].to_pylist()) == {"日", "小时"}
    assert rows["001102000040000"]["max_count"] == 1


def test_batch1_gender_points_have_a_gender(kb: KnowledgeBase) -> None:
    rows = kb.sql(
        "SELECT p.kp_id, p.params->>'gender' AS g FROM points p WHERE p.batch = 1 "
        "AND p.rule_class IN ('药品区分性别使用', '医疗服务项目区分性别使用') "
        "AND EXISTS (SELECT 1 FROM point_codes c WHERE c.kp_id = p.kp_id)"
    ).to_pylist()
    assert len(rows) == 481 + 390
    assert {r["g"] for r in rows} == {"1", "2"}
    assert kb.rule_table("item_gender").num_rows == 390


def test_superseded_point_is_inactive_but_passes_its_parameters_on(kb: KnowledgeBase) -> None:
    old, new = kb.point(OLD_APALUTAMIDE), kb.point(NEW_APALUTAMIDE)
    assert old is not None and new is not None
    assert not old.active and old.superseded_by == NEW_APALUTAMIDE
    assert old.params["gender"] == "1" and new.params["gender"] == "1"
    gender = kb.rule_table("drug_gender")
    assert OLD_APALUTAMIDE not in set(gender["kp_id"].to_pylist())
    assert NEW_APALUTAMIDE in set(gender["kp_id"].to_pylist())
    assert OLD_APALUTAMIDE not in set(kb.active_points("药品区分性别使用")["kp_id"].to_pylist())


def test_parameters_inherited_where_the_update_text_is_not_decisive(kb: KnowledgeBase) -> None:
    course = {r["name"]: r["max_days"] for r in kb.rule_table("drug_course").to_pylist()}
    assert course["帕妥珠单抗注射液"] == 365  # '12个月' only in the xlsx as 365天
    assert course["注射用重组人脑利钠肽"] == 3
    tiers = {r["name"]: r["min_tier"] for r in kb.rule_table("drug_institution_level").to_pylist()}
    assert tiers["雷珠单抗注射液"] == 3  # the update text names both 二级 and 三级
    assert tiers["肿节风注射液"] == 2


def test_course_cycle_child_and_scene_parameters(kb: KnowledgeBase) -> None:
    item_course = {r["name"]: r["max_days"] for r in kb.rule_table("item_course").to_pylist()}
    assert item_course["儿童听力障碍语言训练"] == 365
    assert item_course["手功能评定"] == 90 and item_course["轮椅功能训练"] == 30
    cycle = {r["name"]: (r["max_count"], r["period_days"]) for r in kb.rule_table("item_cycle").to_pylist()}
    assert cycle["血清果糖胺测定"] == (1, 7) and len(cycle) == 14
    targets = set(kb.rule_table("item_child_only")["target"].to_pylist())
    assert targets == {"儿童", "婴幼儿", "新生儿"}
    assert set(kb.rule_table("drug_visit_type")["required_scene"].to_pylist()) == {"住院"}
    assert kb.rule_table("item_age").to_pylist()[0]["code"] == "003402000320000"


def test_unparsed_points_are_reported_not_guessed(kb: KnowledgeBase) -> None:
    gender = kb.unparsed("drug_gender")
    assert len(gender) == 3 and all("限定性别" in u.reason for u in gender)
    assert {u.kp_id for u in gender}.isdisjoint(kb.rule_table("drug_gender")["kp_id"].to_pylist())
    assert [u.reason for u in kb.unparsed("item_gender")] == ["无国家编码，无法按编码匹配"]


EXPECTED_COLUMNS = {
    "item_frequency": [("max_count", pa.int64()), ("unit", pa.string())],
    "item_cycle": [("max_count", pa.int64()), ("period_days", pa.int64())],
    "drug_course": [("max_days", pa.int64())],
    "item_course": [("max_days", pa.int64())],
    "drug_gender": [("gender", pa.string())],
    "item_gender": [("gender", pa.string())],
    "drug_child_only": [("target", pa.string())],
    "drug_child_limit": [("target", pa.string())],
    "item_child_only": [("target", pa.string())],
    "item_age": [("constraint_text", pa.string())],
    "drug_institution_level": [("min_tier", pa.int64())],
    "drug_visit_type": [("required_scene", pa.string())],
    "drug_work_injury": [],
    "drug_maternity": [],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_typed_tables_have_one_row_per_code_and_exact_columns(kb: KnowledgeBase, name: str) -> None:
    table = kb.rule_table(name)
    base = [("kp_id", pa.string()), ("code", pa.string()), ("name", pa.string())]
    assert table.schema == pa.schema(base + EXPECTED_COLUMNS[name])
    assert table.num_rows > 0
    assert len(set(table["code"].to_pylist())) == table.num_rows


def test_duplicate_pairs_schema(kb: KnowledgeBase) -> None:
    assert kb.rule_table("duplicate_pairs").schema == DUPLICATE_PAIRS_SCHEMA


def test_search_by_name_and_by_code(kb: KnowledgeBase) -> None:
    by_name = kb.search("阿帕他胺")
    assert {OLD_APALUTAMIDE, NEW_APALUTAMIDE} <= set(by_name["kp_id"].to_pylist())
    by_code = kb.search("XL02BBA326A001010102180")
    assert NEW_APALUTAMIDE in by_code["kp_id"].to_pylist()
    assert json.loads(by_code.to_pylist()[0]["params"]).get("gender") in (None, "1")


def test_diagnosis_rules_table_is_in_the_kb(kb: KnowledgeBase) -> None:
    rules = {r["category_from"]: r for r in kb.diagnosis_rules().to_pylist()}
    assert rules["O00"]["gender"] == "2" and rules["O00"]["min_age_years"] == 10
    assert rules["C60"]["gender"] == "1"
    assert rules["P00"]["max_age_days"] == 365 and rules["P00"]["gender"] is None


def test_default_path_follows_qiandai_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QIANDAI_HOME", str(tmp_path))
    assert default_path() == tmp_path / "kb.duckdb"
    monkeypatch.delenv("QIANDAI_HOME")
    assert default_path() == Path.home() / ".qiandai" / "kb.duckdb"
