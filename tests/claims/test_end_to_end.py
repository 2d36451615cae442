"""Generated data → audit → evaluation: every rule finds its injected cases and little else."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from qiandai.claims.evaluate import evaluate
from qiandai.claims.rulesets import DEFAULT_RULE_SET, shipped_rule_sets
from qiandai.cli.main import app

VISITS = 6000
SEED = 11


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("claims-data")
    result = CliRunner().invoke(
        app, ["datagen", "claims", "--out", str(data), "--visits", str(VISITS), "--seed", str(SEED)]
    )
    assert result.exit_code == 0, result.output
    return data


@pytest.fixture(scope="module")
def audited(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("claims-audit")
    result = CliRunner().invoke(app, ["claims", "audit", str(generated), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_rule_meets_precision_and_recall(generated: Path, audited: Path) -> None:
    evaluation = evaluate(audited, generated / "ground_truth.parquet").to_json()
    per_rule = {r["rule_code"]: r for r in evaluation["per_rule"]}
    expected_codes = {r.code for r in shipped_rule_sets()[DEFAULT_RULE_SET].rules}
    assert expected_codes <= set(per_rule), (
        f"rules without truth or findings: {expected_codes - set(per_rule)}"
    )
    weak = {
        code: (r["precision"], r["recall"])
        for code, r in per_rule.items()
        if (r["precision"] or 0) < 0.95 or (r["recall"] or 0) < 0.95
    }
    assert not weak, f"rules below 0.95 precision/recall: {weak}"


def test_outputs_are_complete_and_masked(audited: Path) -> None:
    findings = pq.read_table(audited / "suspects.parquet")
    assert findings.num_rows > 0
    rows = findings.slice(0, 200).to_pylist()
    for row in rows:
        assert row["evidence"] and row["rule_code"] and row["mdtrt_id"]
        if row["certno_masked"]:
            assert "*" * 11 in row["certno_masked"]
    manifest = json.loads((audited / "run.json").read_text(encoding="utf-8"))
    assert manifest["findings"] == findings.num_rows
    assert (audited / "suspects.xlsx").stat().st_size > 0
    assert (audited / "quarantine" / "quarantine.csv").exists()


def test_evaluate_command_prints_json(generated: Path, audited: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["claims", "evaluate", str(audited), "--truth", str(generated / "ground_truth.parquet"), "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["overall"]["recall"] >= 0.95


def test_selected_rules_only(generated: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "claims",
            "audit",
            str(generated),
            "--out",
            str(tmp_path),
            "--rules",
            "over_price,GZ10000204001000",
            "--no-xlsx",
        ],
    )
    assert result.exit_code == 0, result.output
    codes = set(pq.read_table(tmp_path / "suspects.parquet").column("rule_code").to_pylist())
    assert codes <= {"GZ10000102001000", "GZ10000204001000"} and codes


def test_unknown_rule_is_a_clear_error(generated: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["claims", "audit", str(generated), "--out", str(tmp_path), "--rules", "nope"]
    )
    assert result.exit_code == 2
    assert "没有规则「nope」" in result.output
