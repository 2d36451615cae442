"""Evaluation of findings against ground truth: counts, ratios, 0/0 conventions and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from qiandai.claims.evaluate import Evaluation, Scores, evaluate, render_evaluation
from qiandai.claims.findings import GROUND_TRUTH_SCHEMA
from qiandai.domain.errors import EvaluationError

NAMES = {"R1": "医疗服务项目重复收费", "R2": "分解住院", "R4": "挂床住院"}


def write_findings_file(folder: Path, keys: list[tuple[str, str]]) -> Path:
    """A minimal suspects.parquet: the key columns and the rule name (all evaluate reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "rule_code": [code for code, _ in keys],
            "rule_name": [NAMES.get(code, code) for code, _ in keys],
            "mdtrt_id": [visit for _, visit in keys],
        }
    )
    pq.write_table(table, folder / "suspects.parquet")
    return folder


def write_truth(path: Path, keys: list[tuple[str, str]]) -> Path:
    rows = [{"rule_code": code, "rule_id": code.lower(), "mdtrt_id": visit} for code, visit in keys]
    pq.write_table(pa.Table.from_pylist(rows, schema=GROUND_TRUTH_SCHEMA), path)
    return path


@pytest.fixture
def example(tmp_path: Path) -> Evaluation:
    # R1: findings {a, b (twice), c}, truth {a, b, d (twice)}      → TP 2, FP 1, FN 1
    # R2: findings {x}, truth {x}                                  → TP 1
    # R3: truth only {t1, t2}                                      → FN 2
    # R4: findings only {p}                                        → FP 1
    findings = [("R1", "a"), ("R1", "b"), ("R1", "b"), ("R1", "c"), ("R2", "x"), ("R4", "p")]
    truth = [("R1", "a"), ("R1", "b"), ("R1", "d"), ("R1", "d"), ("R2", "x"), ("R3", "t1"), ("R3", "t2")]
    out = write_findings_file(tmp_path / "run", findings)
    return evaluate(out, write_truth(tmp_path / "ground_truth.parquet", truth))


def test_per_rule_counts_and_ratios(example: Evaluation) -> None:
    rules = {r.rule_code: r for r in example.per_rule}
    assert [r.rule_code for r in example.per_rule] == ["R1", "R2", "R3", "R4"]
    assert rules["R1"].scores == Scores(2, 1, 1, 2 / 3, 2 / 3, 2 / 3)
    assert rules["R1"].rule_name == "医疗服务项目重复收费"
    assert rules["R2"].scores == Scores(1, 0, 0, 1.0, 1.0, 1.0)
    assert rules["R3"].scores == Scores(0, 0, 2, None, 0.0, 0.0)  # no findings: precision undefined
    assert rules["R3"].rule_name is None  # no findings to take a name from
    assert rules["R4"].scores == Scores(0, 1, 0, 0.0, None, 0.0)  # no truth: recall undefined


def test_micro_and_macro_averages(example: Evaluation) -> None:
    assert example.overall == Scores(3, 2, 3, 3 / 5, 3 / 6, 6 / 11)
    assert example.macro.rules == 4
    assert example.macro.precision == pytest.approx((2 / 3 + 1 + 0) / 3)  # R3 undefined, left out
    assert example.macro.recall == pytest.approx((2 / 3 + 1 + 0) / 3)  # R4 undefined, left out
    assert example.macro.f1 == pytest.approx((2 / 3 + 1 + 0 + 0) / 4)


def test_to_json_has_stable_keys(example: Evaluation) -> None:
    data = json.loads(json.dumps(example.to_json()))
    assert list(data) == ["per_rule", "overall", "macro"]
    assert list(data["per_rule"][0]) == [
        "rule_code",
        "rule_name",
        "tp",
        "fp",
        "fn",
        "precision",
        "recall",
        "f1",
    ]
    assert list(data["overall"]) == ["tp", "fp", "fn", "precision", "recall", "f1"]
    assert data["per_rule"][2]["precision"] is None
    assert set(data["macro"]) >= {"precision", "recall", "f1"}


def test_no_findings_and_no_truth(tmp_path: Path) -> None:
    out = write_findings_file(tmp_path / "run", [])
    result = evaluate(out / "suspects.parquet", write_truth(tmp_path / "t.parquet", []))
    assert result.per_rule == ()
    assert result.overall == Scores(0, 0, 0, 1.0, None, None)
    assert (result.macro.precision, result.macro.recall, result.macro.rules) == (None, None, 0)


def test_render_evaluation(example: Evaluation) -> None:
    console = Console(record=True, width=160)
    render_evaluation(example, console)
    text = console.export_text()
    for word in (
        "规则编码",
        "规则名称",
        "命中",
        "误报",
        "漏报",
        "精确率",
        "召回率",
        "F1",
        "—",
        "66.7%",
        "合计",
    ):
        assert word in text


def test_missing_files(tmp_path: Path) -> None:
    truth = write_truth(tmp_path / "t.parquet", [])
    with pytest.raises(EvaluationError, match="找不到疑点文件"):
        evaluate(tmp_path / "nothing-here", truth)
    with pytest.raises(EvaluationError, match="找不到标准答案文件"):
        evaluate(write_findings_file(tmp_path / "run", []), tmp_path / "missing.parquet")


def test_files_without_key_columns_or_not_parquet(tmp_path: Path) -> None:
    truth = write_truth(tmp_path / "t.parquet", [])
    no_key = tmp_path / "no_key.parquet"
    pq.write_table(pa.table({"rule_code": ["R1"]}), no_key)
    with pytest.raises(EvaluationError, match="mdtrt_id") as err:
        evaluate(no_key, truth)
    assert str(no_key) in str(err.value)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_text("not parquet", encoding="utf-8")
    with pytest.raises(EvaluationError, match="无法读取标准答案文件"):
        evaluate(write_findings_file(tmp_path / "run", []), garbage)
