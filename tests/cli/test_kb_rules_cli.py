"""The `qiandai kb` and `qiandai rules` commands end to end (real knowledge base, real rule store)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qiandai.cli.main import app

runner = CliRunner()


def _shipped(name: str) -> Path:
    return Path(str(resources.files("qiandai.knowledge").joinpath(f"data/nhsa/batches/{name}")))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QIANDAI_HOME", str(tmp_path))
    return tmp_path


def test_kb_load_new_batch_reports_changes_and_is_idempotent(home: Path, tmp_path: Path) -> None:
    points = json.loads(_shipped("batch_09.json").read_text(encoding="utf-8"))
    newer = [dict(p) for p in points[:2]]
    newer[0]["kp_id"] = "KP-test-new-0001"
    newer[0]["supersedes"] = points[0]["kp_id"]
    newer[0]["constraint"] = "限：既往至少接受过两种治疗的成人患者。"
    newer[0]["batch_tag"] = "batch_18"
    newer[0]["batch"] = 18
    newer[1]["kp_id"] = "KP-test-new-0002"
    newer[1]["batch_tag"] = "batch_18"
    newer[1]["batch"] = 18
    path = tmp_path / "batch_18.json"
    path.write_text(json.dumps(newer, ensure_ascii=False), encoding="utf-8")

    first = runner.invoke(app, ["kb", "load", str(path)])
    assert first.exit_code == 0, first.output
    assert "新增 2" in first.output and "被替代 1" in first.output
    again = runner.invoke(app, ["kb", "load", str(path)])
    assert again.exit_code == 0 and "内容相同" in again.output

    history = runner.invoke(app, ["kb", "history"])
    assert "batch_18" in history.output
    found = runner.invoke(app, ["kb", "search", "KP-test-new-0001"])
    assert found.exit_code == 0


def test_kb_load_rejects_an_unknown_file(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello", encoding="utf-8")
    result = runner.invoke(app, ["kb", "load", str(bad)])
    assert result.exit_code == 2 and "notes.txt" in result.output


def test_rules_draft_edit_publish_and_immutability(home: Path) -> None:
    assert runner.invoke(app, ["rules", "draft", "--note", "试行"]).exit_code == 0
    edited = runner.invoke(app, ["rules", "set", "--version", "2", "split_admission", "max_gap_days=10"])
    assert edited.exit_code == 0, edited.output
    assert runner.invoke(app, ["rules", "publish", "--version", "2"]).exit_code == 0
    again = runner.invoke(app, ["rules", "set", "--version", "2", "split_admission", "max_gap_days=7"])
    assert again.exit_code == 2 and "已发布" in again.output
    stored = json.loads((home / "rulesets" / "claims-default" / "v2.json").read_text(encoding="utf-8"))
    rule = next(r for r in stored["rules"] if r["rule_id"] == "split_admission")
    assert rule["params"]["max_gap_days"] == 10 and stored["status"] == "published"
    shown = runner.invoke(app, ["rules", "show"])
    assert "claims-default@v2" in shown.output
