"""Units: import from xlsx (validation per row, idempotent re-import with a change report), navigation
and user scope, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from gov_install_helpers import DATA, add_user, county
from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.governance import units
from qiandai.governance.models import UnitKind
from qiandai.identity.principal import SYSTEM
from qiandai.store.database import unit_of_work

HEADER = ["单位编码", "单位名称", "类型", "上级编码", "人口", "职工数"]


def _sheet(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def factory(database_url: str) -> sessionmaker[Session]:
    return county(database_url)


def test_fixture_county_navigation(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        assert units.get_unit(s, "V0101").name == "东城镇柳树村"
        assert units.get_unit(s, "V0101").unit_kind is UnitKind.VILLAGE
        assert [u.code for u in units.children(s, "T01")] == ["R0103", "V0101", "V0102", "X0101"]
        assert units.descendants(s, "S01") == {"S01", "R0301", "E0301"}
        assert [u.code for u in units.ancestors(s, "X0101")] == ["T01", "C01"]
        assert [u.code for u in units.units_at_level(s, 2)] == ["D01", "H01", "S01", "T01", "T02"]
        assert {u.code: u.level for u in units.all_units(s)}["R0301"] == 3
        roots = units.tree(s, SYSTEM)
        assert [r.unit.code for r in roots] == ["C01"]
        assert len(units.flatten(roots)) == 14
        with pytest.raises(NotFoundError, match="单位不存在：NOPE"):
            units.get_unit(s, "NOPE")


def test_reimport_is_idempotent_and_reports_changes(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with unit_of_work(factory) as s:
        again = units.import_units_xlsx(s, DATA / "county.xlsx")
    assert (again.created, again.updated, again.unchanged, again.problems) == ([], [], 14, [])
    path = _sheet(
        tmp_path / "changed.xlsx",
        [
            ["V0101", "东城镇柳树村", "村", "T01", 1200, 0],  # population changed
            ["X0101", "东城镇中心小学", "学校", "S01", 0, 40],  # moved to another street
            ["V0301", "南关街道新村", "村", "S01", 600, 0],  # new
        ],
    )
    with unit_of_work(factory) as s:
        report = units.import_units_xlsx(s, path)
        assert report.created == ["V0301"] and sorted(report.updated) == ["V0101", "X0101"]
        assert report.changes == [
            "V0101 东城镇柳树村：人口 1000 → 1200",
            "X0101 东城镇中心小学：上级编码 T01 → S01",
        ]
        assert units.descendants(s, "S01") == {"S01", "R0301", "E0301", "X0101", "V0301"}
        assert units.get_unit(s, "V0301").level == 3


def test_bad_rows_are_reported_and_good_rows_applied(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = _sheet(
        tmp_path / "bad.xlsx",
        [
            ["N1", "新单位一", "企业", "T02", 0, 10],  # good
            ["N2", "孤儿村", "村", "ZZ9", 100, 0],  # unknown parent
            ["N3", "负数村", "村", "T02", -5, 0],  # negative population
            ["N4", "重复甲", "村", "T02", 1, 0],  # duplicate code (both rows)
            ["N4", "重复乙", "村", "T02", 1, 0],
            ["N5", "循环甲", "村", "N6", 1, 0],  # cycle N5 ↔ N6
            ["N6", "循环乙", "村", "N5", 1, 0],
            ["N7", "负数村下属", "学校", "N3", 0, 3],  # child of a rejected row
            ["N8", "怪类型", "宇宙站", "T02", 0, 0],  # unknown kind
            ["N9", "", "村", "T02", "三百", 0],  # no name, non-numeric population
            ["C01", "清河县", "县", "T01", 0, 0],  # would make a cycle with existing units
        ],
    )
    with unit_of_work(factory) as s:
        report = units.import_units_xlsx(s, path)
        assert report.created == ["N1"]
        got = {(p.row, p.field): p.reason for p in report.problems}
        assert got[(3, "上级编码")] == "上级编码 ZZ9 不存在（既不在本表中，也不在已有单位中）"
        assert got[(4, "人口")] == "人口不能为负数（-5）"
        assert got[(5, "单位编码")] == "单位编码 N4 重复（又出现在第 6 行）"
        assert got[(6, "单位编码")] == "单位编码 N4 重复（已出现在第 5 行）"
        assert got[(7, "上级编码")].startswith("上级关系形成循环") and "N5、N6" in got[(7, "上级编码")]
        assert got[(8, "上级编码")].startswith("上级关系形成循环")
        assert got[(9, "上级编码")] == "上级单位 N3 本次未能导入（见其所在行的问题）"
        assert got[(10, "类型")].startswith("未知单位类型“宇宙站”")
        assert got[(11, "单位名称")] == "单位名称为空" and got[(11, "人口")] == "“三百”不是整数"
        assert got[(12, "上级编码")].startswith("上级关系形成循环")
        assert report.rejected == 10
        assert units.get_unit(s, "C01").parent_code is None  # the existing county is untouched
        assert all(p.as_text().startswith("工作表“单位”第") for p in report.problems)


def test_scope_units_per_user(factory: sessionmaker[Session]) -> None:
    village = add_user(factory, "v-user", "governance", "V0101")
    township = add_user(factory, "t-user", "governance", "T01")
    leader = add_user(factory, "boss", "leader", None)
    nobody = add_user(factory, "lost", "governance", None)
    with unit_of_work(factory) as s:
        assert units.scope_units(s, village) == {"V0101"}
        assert units.scope_units(s, township) == {"T01", "V0101", "V0102", "R0103", "X0101"}
        assert len(units.scope_units(s, leader)) == 14
        assert units.scope_units(s, nobody) == frozenset()
        with pytest.raises(NotFoundError):
            units.require_unit_in_scope(s, village, "V0102")
        assert [r.unit.code for r in units.tree(s, township)] == ["T01"]
        with pytest.raises(InvalidInputError, match="用户不存在"):
            units.assign_user(s, "ghost", "T01")
        with pytest.raises(NotFoundError):
            units.assign_user(s, "lost", "ZZZ")
        units.assign_user(s, "v-user", "T02")  # reassignment replaces the old unit
        assert units.scope_units(s, village) == {"T02", "V0201", "V0202"}
