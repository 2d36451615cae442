"""`qiandai governance units …` and `qiandai governance installs …` end to end on a fresh SQLite home:
import, tree, assign-user, roster import with the problem xlsx, rate, ranking, targets, spot checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from gov_install_helpers import DATA, messy_roster
from openpyxl import load_workbook
from typer.testing import CliRunner

from qiandai.cli import common
from qiandai.cli.main import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QIANDAI_HOME", str(tmp_path))
    monkeypatch.setenv("QIANDAI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    # the CLI's Rich console is built at import (its width fixed then): widen it so no cell is cut
    monkeypatch.setattr(common.console, "width", 200)
    return tmp_path


def _ok(*args: str) -> str:
    result = runner.invoke(app, ["governance", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_units_and_installs_commands(home: Path) -> None:
    assert "新增 14 个，更新 0 个，未变 0 个，问题行 0 行" in _ok(
        "units", "import", str(DATA / "county.xlsx")
    )
    assert "未变 14 个" in _ok("units", "import", str(DATA / "county.xlsx"))
    assert "东城镇柳树村" in _ok("units", "tree", "--unit", "T01")
    bad = runner.invoke(app, ["governance", "units", "assign-user", "nobody", "T01"])
    assert bad.exit_code == 2 and "用户不存在：nobody" in bad.output
    roster = home / "roster.xlsx"
    messy_roster(roster)
    problems = home / "problems.xlsx"
    out = _ok(
        "installs",
        "import",
        str(roster),
        "--unit",
        "V0101",
        "--week",
        "2026-11-18",
        "--problems",
        str(problems),
    )
    assert "新增安装 4 人" in out and "未采用 10 行" in out
    assert "工作表“柳树村”第 9 行【身份证号】" in out
    ws = load_workbook(problems).active
    assert ws is not None and ws.max_row == 12 and ws["H1"].value == "问题"
    assert "此前已导入" in _ok("installs", "import", str(roster), "--unit", "V0101", "--week", "2026-11-18")
    assert "目标 1 已保存：30%" in _ok(
        "installs", "target-set", "--rate", "30%", "--due", "2026-12-31", "--level", "3"
    )
    rate = _ok("installs", "rate", "--week", "2026-11-16", "--unit", "V0101")
    assert "0.4%" in rate and "未达标" in rate  # 4 / 1000
    ranking = _ok("installs", "ranking", "--level", "3", "--week", "2026-11-16")
    assert "东城镇柳树村" in ranking and "+0.4个百分点" in ranking
    drawn = _ok("installs", "spotcheck-draw", "--unit", "V0101", "--size", "2", "--week", "2026-11-16")
    assert "抽取 2 人（种子：2026-11-16|V0101）" in drawn
    assert "抽查 1：号码错误" in _ok("installs", "spotcheck-record", "1", "号码错误")
    bad = runner.invoke(app, ["governance", "installs", "spotcheck-record", "2", "不知道"])
    assert bad.exit_code == 2 and "抽查结果无法识别：不知道" in bad.output
    out_xlsx = home / "f.xlsx"
    _ok("installs", "falsification", "--out", str(out_xlsx))
    ws = load_workbook(out_xlsx).active
    assert ws is not None
    row = next(r for r in ws.iter_rows(values_only=True) if r[1] == "V0101")
    assert row[2:] == (1, 0, 0, 0, 1, "100.0%")
