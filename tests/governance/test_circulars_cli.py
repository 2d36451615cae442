"""The command line: import a case sheet with a bad row, statistics, the fraud-free workflow and the
weekly circular (`qiandai governance report --week 2026-W47 --level township --out DIR`), on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stats_county import county_factory, write_csv
from typer.testing import CliRunner

from qiandai.cli.main import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("QIANDAI_DATABASE_URL", url)
    from qiandai.store.migrate import upgrade

    upgrade(url)
    county_factory(url)
    return url


def test_cli_import_stats_fraudfree_and_report(db: str, tmp_path: Path) -> None:
    sheet = write_csv(
        tmp_path / "cases.csv",
        ["案件编号", "发案日期", "单位编码", "诈骗类型", "损失金额"],
        [["A1", "2026-11-17", "V0101", "刷单返利", "1000"], ["A2", "2026-11-18", "V9", "刷单返利", "1"]],
    )
    r = runner.invoke(app, ["governance", "cases", "import", str(sheet)])
    assert r.exit_code == 0, r.output
    assert "新增 1 件" in r.output and "拒收 1 行" in r.output and "V9" in r.output
    r = runner.invoke(app, ["governance", "cases", "stats", "--period", "2026-W47"])
    figs = {f["key"]: f for f in json.loads(r.output)}
    assert figs["T01"]["count"] == 1 and figs["C01"]["loss"] == "1000.00"
    r = runner.invoke(app, ["governance", "fraudfree", "draft", "--year", "2026"])
    assert r.exit_code == 0 and "达标 0 个" in r.output
    r = runner.invoke(app, ["governance", "fraudfree", "review", "V0101", "--year", "2026", "--accept"])
    assert r.exit_code == 2 and "未达到标准" in r.output
    out = tmp_path / "out"
    r = runner.invoke(
        app, ["governance", "report", "--week", "2026-W47", "--level", "township", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert sorted(p.suffix for p in out.iterdir()) == [".pdf", ".xlsx"]
    r = runner.invoke(app, ["governance", "report", "--week", "2026-11", "--out", str(out)])
    assert r.exit_code == 2 and "与选项不符" in r.output
    r = runner.invoke(app, ["governance", "report", "--out", str(out)])
    assert r.exit_code == 2 and "--week 或 --month" in r.output
