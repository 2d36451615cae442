"""The command line end to end: generate → replay → evaluate, holds and warnings on a database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qiandai.cli.transfers import app

runner = CliRunner()


def test_generate_replay_evaluate(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    r = runner.invoke(
        app, ["datagen", "--out", str(data), "--customers", "400", "--days", "20", "--seed", "3"]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["replay", str(data), "--out", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evaluate", str(out), "--truth", str(data / "truth.parquet"), "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    overall = report["overall"]
    assert overall["money_recall"] >= 0.6
    assert overall["false_alarm_rate"] <= 0.03
    assert {t["fraud_type"] for t in report["per_type"]} <= {
        "刷单返利", "虚假网络投资理财", "虚假网络贷款", "冒充电商物流客服", "冒充公检法",
        "虚假征信", "虚假购物服务", "冒充领导熟人", "网络游戏产品虚假交易", "婚恋交友",
    }  # fmt: skip


def test_holds_and_warnings_on_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_DATABASE_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    instruction = {
        "instruction_id": "CLI-1",
        "type": "freeze",
        "issuing_unit": "杭州市公安局西湖分局",
        "document_ref": "西公冻〔2025〕7号",
        "issued_at": "2025-03-03T10:00:00+08:00",
        "account": "6217000012345678",
    }
    file = tmp_path / "hold.json"
    file.write_text(json.dumps(instruction, ensure_ascii=False), encoding="utf-8")
    first = runner.invoke(app, ["holds", "apply", str(file)])
    assert first.exit_code == 0, first.output and "快速冻结" in first.output
    again = runner.invoke(app, ["holds", "apply", str(file)])
    assert '"duplicate": true' in again.output
    shown = runner.invoke(app, ["holds", "show", "6217000012345678"])
    assert shown.output.count('"hold_id"') == 1
    assert (
        runner.invoke(app, ["warnings", "unit", "PS-1", "翠苑派出所", "派出所", "330106001"]).exit_code == 0
    )
    assert runner.invoke(app, ["warnings", "stats"]).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**instruction, "account": None, "instruction_id": "CLI-2"}), encoding="utf-8")
    refused = runner.invoke(app, ["holds", "apply", str(bad)])
    assert refused.exit_code == 2 and "必须写明账号" in refused.output
    assert runner.invoke(app, ["scenario", "show"]).exit_code == 0
