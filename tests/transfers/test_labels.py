"""Back-test labels: CSV import (bad rows reported, idempotent, corrections), per-rule and overall
precision/recall in back-tests and shadow reports, the API and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import token, tx
from typer.testing import CliRunner

from qiandai.cli.transfers import app
from qiandai.domain.errors import InputFileError
from qiandai.store.database import unit_of_work
from qiandai.transfers import backtest, labels, scenario_store
from qiandai.transfers.models import LabelRow
from qiandai.transfers.runtime import TransferRuntime
from qiandai.transfers.scenario import DEFAULT_SCENARIO

CSV = """transfer_id,label,fraud_type
L-1,fraud,冒充公检法
L-2,normal,
L-3,诈骗,
L-4,maybe,
,fraud,
L-5,normal,刷单返利
L-1,fraud,冒充公检法
L-6,fraud,A
L-6,normal,
L-9,normal,
"""


def _write(tmp_path: Path, text: str, name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def _decide_history(runtime: TransferRuntime) -> None:
    """L-1 a large payment stopped by the engine (fraud), L-2/L-3 ordinary ones."""
    runtime.decide(tx(transfer_id="L-1", amount="90000", payer_age=75, payee_account="6228480400009999"))
    runtime.decide(tx(minutes=1, transfer_id="L-2", amount="100"))
    runtime.decide(tx(minutes=2, transfer_id="L-3", amount="120"))
    runtime.wait_idle()


def test_import_reports_bad_rows_and_is_idempotent(
    factory: sessionmaker[Session], runtime: TransferRuntime, tmp_path: Path
) -> None:
    _decide_history(runtime)
    path = _write(tmp_path, CSV)
    with unit_of_work(factory) as s:
        report = labels.import_csv(s, path)
    assert (report.rows, report.inserted, report.updated, report.unchanged) == (10, 4, 0, 0)
    assert report.unmatched == 1  # L-9 has no stored decision (kept for a later replay)
    errors = dict(report.errors)
    assert "label 应为 fraud 或 normal" in errors[5] and "maybe" in errors[5]
    assert errors[6] == "transfer_id 为空"
    assert "不应填写 fraud_type" in errors[7]
    assert "相互矛盾" in errors[9] and "相互矛盾" in errors[10]
    assert len(errors) == 5
    with unit_of_work(factory) as s:
        again = labels.import_csv(s, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    fixed = _write(tmp_path, "转账编号,标注,诈骗类型\nL-3,正常,\n", "fix.csv")  # Chinese headers
    with unit_of_work(factory) as s:
        corrected = labels.import_csv(s, fixed)
        row = s.scalar(select(LabelRow).where(LabelRow.transfer_id == "L-3"))
        assert row is not None and row.is_fraud is False and row.labelled_at is not None
    assert (corrected.updated, corrected.inserted) == (1, 0)


def test_unusable_files_are_refused_in_chinese(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with unit_of_work(factory) as s, pytest.raises(InputFileError, match="缺少列 label"):
        labels.import_csv(s, _write(tmp_path, "transfer_id,kind\nA,fraud\n"))
    bad = tmp_path / "gbk.csv"
    bad.write_bytes("transfer_id,label\nA,正常\n".encode("gbk"))
    with unit_of_work(factory) as s, pytest.raises(InputFileError, match="UTF-8"):
        labels.import_csv(s, bad)


def test_backtest_and_shadow_report_use_stored_labels(
    factory: sessionmaker[Session], runtime: TransferRuntime, tmp_path: Path
) -> None:
    with unit_of_work(factory) as s:
        draft = scenario_store.create_draft(s, DEFAULT_SCENARIO)
        scenario_store.set_shadow(s, DEFAULT_SCENARIO, draft.version)
    runtime.reload_scenarios()
    _decide_history(runtime)
    with unit_of_work(factory) as s:
        labels.import_csv(s, _write(tmp_path, "transfer_id,label\nL-1,fraud\nL-2,normal\nL-3,fraud\n"))
        report = backtest.backtest_stored(s, scenario_store.get(s, DEFAULT_SCENARIO, 1)).as_dict()
        shadow = backtest.shadow_report(s)
    assert report["labelled"] == 3
    assert report["precision"] == 1.0 and report["recall"] == 0.5  # L-1 stopped, L-3 missed
    stopped_rules = [r for r, x in report["rules"].items() if x["fraud_hits"]]
    assert stopped_rules
    for rule in stopped_rules:
        x = report["rules"][rule]
        assert x["recall"] == round(x["fraud_hits"] / 2, 4)
        assert x["precision"] == round(x["fraud_hits"] / x["labelled_hits"], 4)
    (entry,) = shadow["versions"]
    assert entry["shadow_scenario"] == f"transfer-default@v{draft.version}"
    assert entry["transfers"] == 3 and entry["labelled"] == 3 and entry["fraud"] == 2
    assert entry["live"]["recall"] == 0.5 and entry["shadow"]["recall"] == 0.5  # same rules


def test_labels_api_and_shadow_report_endpoint(client: TestClient) -> None:
    police = token(client, "officer")
    items = [
        {"transfer_id": "A-1", "label": "fraud", "fraud_type": "刷单返利"},
        {"transfer_id": "A-2", "label": "perhaps"},
    ]
    r = client.post("/api/transfers/labels", json={"items": items}, headers=police)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["inserted"] == 1 and body["rejected"] == 1 and body["errors"][0]["row"] == 2
    assert (
        client.post(
            "/api/transfers/labels", json={"items": items}, headers=token(client, "teller")
        ).status_code
        == 403
    )
    r = client.post("/api/transfers/labels", json={"items": []}, headers=police)
    assert r.status_code == 422
    r = client.get("/api/transfers/scenarios/shadow/report", headers=police)
    assert r.status_code == 200 and r.json() == {"versions": []}


def test_cli_imports_labels_and_manages_merchants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_DATABASE_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    monkeypatch.setenv("QIANDAI_HOME", str(tmp_path))
    runner = CliRunner()
    r = runner.invoke(app, ["labels", "import", str(_write(tmp_path, CSV))])
    assert r.exit_code == 1, r.output  # valid rows stored, bad rows listed
    assert "新增 4" in r.output and "第 5 行：label 应为 fraud 或 normal" in r.output
    r = runner.invoke(app, ["labels", "import", str(_write(tmp_path, CSV))])
    assert "新增 0" in r.output and "未变 4" in r.output
    assert runner.invoke(app, ["scenario", "shadow-report"]).exit_code == 0
    r = runner.invoke(app, ["merchants", "add", "M1", "--name", "示例商城", "--domain", "shop.example.cn"])
    assert r.exit_code == 0, r.output
    listed = json.loads(runner.invoke(app, ["merchants", "list"]).output)
    assert listed[0]["domains"] == ["shop.example.cn"]
    r = runner.invoke(app, ["merchants", "add", "M2", "--name", "x", "--domain", "a.cn", "--ip", "1.2.3"])
    assert r.exit_code == 2 and "IP 段" in r.output
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    order = {
        "merchant_id": "M1",
        "order_id": "O1",
        "steps": [{"name": "created", "at": now}],
        "page_url": "https://fake-shop.example.top/pay",
        "captcha_passed": True,
    }
    transfer = {
        "transfer_id": "CLI-PAY-1",
        "payer_account": "6222020200001111",
        "payee_account": "6228480400002222",
        "amount": "99.00",
        "channel": "online",
        "occurred_at": now,
        "payment_order": order,
    }
    file = tmp_path / "t.json"
    file.write_text(json.dumps(transfer, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["decide", str(file)])
    assert r.exit_code == 0, r.output
    assert '"second_confirmation_required": true' in r.output and "疑似仿冒支付页" in r.output
    assert runner.invoke(app, ["merchants", "remove", "M1"]).exit_code == 0
    assert runner.invoke(app, ["merchants", "remove", "M1"]).exit_code == 2
