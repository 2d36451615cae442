"""The command line end to end: `qiandai datagen cdr` → `screening sim train / evaluate / score / runs`,
with masked numbers in the output and Chinese errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qiandai.cli.main import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("QIANDAI_DATABASE_URL", url)
    return url


def test_generate_train_evaluate_score(tmp_path: Path, db: str) -> None:
    data, model_dir, out = tmp_path / "cdr", tmp_path / "model", tmp_path / "out"
    r = runner.invoke(
        app, ["datagen", "cdr", "--out", str(data), "--numbers", "1500", "--days", "21", "--seed", "4"]
    )
    assert r.exit_code == 0, r.output
    assert "涉诈号码" in r.output and (data / "labels.parquet").exists()
    r = runner.invoke(app, ["screening", "sim", "train", "--data", str(data), "--model-dir", str(model_dir)])
    assert r.exit_code == 0, r.output
    assert "留出集" in r.output and "AUC" in r.output and (model_dir / "model.txt").exists()
    r = runner.invoke(
        app, ["screening", "sim", "evaluate", "--data", str(data), "--model-dir", str(model_dir)]
    )
    assert r.exit_code == 0, r.output
    assert "精确率" in r.output and "仅规则" in r.output
    args = ["screening", "sim", "score", "--data", str(data), "--model-dir", str(model_dir), "--top", "5"]
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "评分批次 1 已保存" in r.output and "高风险" in r.output
    scores = pd.read_parquet(out / "scores.parquet")
    top = str(scores.number.iloc[0])
    assert top not in r.output and f"{top[:3]}****{top[-4:]}" in r.output  # masked on screen
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and "此前已保存，未重复写入" in r.output
    r = runner.invoke(app, ["screening", "sim", "runs"])
    assert r.exit_code == 0 and "批次 1" in r.output


def test_rules_only_scoring_needs_no_model(tmp_path: Path, db: str) -> None:
    data = tmp_path / "cdr"
    assert (
        runner.invoke(
            app, ["datagen", "cdr", "--out", str(data), "--numbers", "300", "--days", "10"]
        ).exit_code
        == 0
    )
    r = runner.invoke(
        app, ["screening", "sim", "score", "--data", str(data), "--rules-only", "--no-store", "--top", "3"]
    )
    assert r.exit_code == 0, r.output
    assert "评分日期 2026-10-11" in r.output


def test_bad_input_gives_chinese_errors(tmp_path: Path, db: str) -> None:
    r = runner.invoke(app, ["screening", "sim", "score", "--data", str(tmp_path / "none"), "--rules-only"])
    assert r.exit_code == 2 and "CDR 目录不存在" in r.output
    r = runner.invoke(app, ["screening", "sim", "train", "--data", str(tmp_path), "--as-of", "2026-13-01"])
    assert r.exit_code == 2 and "评分日期格式不正确" in r.output
    r = runner.invoke(app, ["screening", "sim", "train", "--data", str(tmp_path), "--key-regions", "53A"])
    assert r.exit_code == 2 and "重点地区代码前缀" in r.output
    r = runner.invoke(
        app, ["screening", "sim", "evaluate", "--data", str(tmp_path), "--model-dir", str(tmp_path / "m")]
    )
    assert r.exit_code == 2 and "未找到电话卡风险模型" in r.output
    r = runner.invoke(app, ["datagen", "cdr", "--out", str(tmp_path / "x"), "--format", "xlsx"])
    assert r.exit_code == 2 and "格式应为 parquet 或 csv" in r.output
