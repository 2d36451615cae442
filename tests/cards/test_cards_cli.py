"""`qiandai screening accounts|punish|opening` end to end on a temporary SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from cards_helpers import frame, tx, valid_id
from typer.testing import CliRunner

from qiandai.cli.screening import app

runner = CliRunner()
ID = valid_id("33010619900312123")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QIANDAI_DATABASE_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    return tmp_path


def _invoke(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_accounts_run_publish_and_show(db: Path) -> None:
    rows = []
    for i, amount in enumerate([6000.0, 9000.0]):
        rows.append(tx(f"622200000000000{i}", "6217000000000001", amount, i * 60))
        rows.append(
            tx("6217000000000001", "6214000000000001", amount * 0.95, i * 60 + 5, device_id="g", ip="g")
        )
        rows.append(
            tx("6214000000000001", "6213000000000001", amount * 0.9, i * 60 + 9, device_id="g", ip="g")
        )
    rows.append(tx("6217000000000002", "6229000000000001", 5.0, 200, device_id="g", ip="g"))
    data = frame(rows)
    data["occurred_at"] = data["occurred_at"].astype(str)
    data.to_csv(db / "transfers.csv", index=False)
    out = _invoke("accounts", "run", "--transfers", str(db / "transfers.csv"), "--publish")
    assert "高风险" in out and "新发布" in out and "快进快出" in out
    assert "6217000000000001" not in out and "************0001" in out
    assert "撤回 0 个" in _invoke("accounts", "run", "--transfers", str(db), "--publish")
    assert '"high"' in _invoke("accounts", "runs")


def test_bad_input_is_a_chinese_error(db: Path) -> None:
    r = runner.invoke(app, ["accounts", "run", "--transfers", str(db / "nope.parquet")])
    assert r.exit_code != 0 and "文件或目录不存在" in r.output
    (db / "transfers.csv").write_text("payer_account,amount\n1,2\n", encoding="utf-8")
    r = runner.invoke(app, ["accounts", "run", "--transfers", str(db / "transfers.csv")])
    assert r.exit_code != 0 and "缺少必需列：payee_account, occurred_at" in r.output


def test_punish_lifecycle_and_opening(db: Path) -> None:
    out = _invoke(
        "punish", "add", "--id-number", ID, "--name", "陈某某", "--basis", "designated",
        "--document", "D1", "--start", "2020-01-01", "--account", "6222600000001001",
    )  # fmt: skip
    assert "已列入惩戒名单" in out and ID not in out
    person_id = out.split("：")[1].split()[0]
    out = _invoke(
        "opening", "check", "--id-number", ID, "--name", "陈某某", "--phone", "13800001234", "--bank", "农行"
    )
    assert "核验结果：拒绝" in out and "惩戒期内不得新开账户" in out
    assert "已登记申诉" in _invoke("punish", "appeal", person_id, "--reason", "冒用")
    assert "到期处理：1 条" in _invoke("punish", "expire", "--today", "2022-06-01")
    assert '"status": "expired"' in _invoke("punish", "list", "--status", "expired")
    (db / "realnames.csv").write_text(
        f"phone,id_number,name\n13800001234,{ID},陈某某\n,,\n", encoding="utf-8"
    )
    out = _invoke("opening", "import-realnames", str(db / "realnames.csv"))
    assert "导入实名信息 1 条" in out and "跳过 1 行" in out
    out = _invoke(
        "opening", "check", "--id-number", ID, "--name", "陈某某", "--phone", "13800001234",
        "--bank", "农行", "--purpose", "工资代发",
    )  # fmt: skip
    assert "核验结果：允许" in out
