"""A messy weekly roster (花名册) imported from xlsx: exact accepted / rejected rows and reasons.

The sheet is built here with openpyxl the way county staff build theirs: a merged title, a two-row merged
header, full-width digits, ID numbers stored as numbers and in scientific notation, phones with spaces,
dashes and +86/0086, blank rows, trailing spaces, duplicates and people of another township.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from gov_install_helpers import TODAY, W1, W2, county, messy_roster, person, valid_int_id
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.errors import InputFileError
from qiandai.governance import rosters
from qiandai.governance.models import Install, RosterImport
from qiandai.identity.principal import SYSTEM
from qiandai.store.database import unit_of_work
from qiandai.supervision import crypto


@pytest.fixture
def factory(database_url: str) -> sessionmaker[Session]:
    return county(database_url)


def test_messy_roster_exact_outcome(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "柳树村花名册.xlsx"
    people = messy_roster(path)
    with unit_of_work(factory) as s:
        report = rosters.import_roster_xlsx(s, SYSTEM, "V0101", path, week=W2, today=TODAY)
    assert (report.rows_total, report.accepted, report.repeated, report.rejected) == (14, 4, 0, 10)
    got = [(p.sheet, p.row, p.field, p.reason) for p, sev in report.problems]
    assert [(r, f) for _, r, f, _ in got] == [
        (8, "身份证号"),
        (9, "身份证号"),
        (10, "身份证号"),
        (11, "手机号"),
        (12, "安装日期"),
        (13, "单位"),
        (14, "身份证号"),
        (15, "手机号"),
        (18, "安装日期"),
        (19, "姓名"),
        (19, "身份证号"),
    ]
    reasons = {(r, f): why for _, r, f, why in got}
    assert "科学计数法" in reasons[(8, "身份证号")] and "科学计数法" in reasons[(9, "身份证号")]
    assert "无法识别" in reasons[(8, "身份证号")]
    assert reasons[(10, "身份证号")] == "身份证号校验位错误"
    assert reasons[(11, "手机号")].startswith("手机号无效")
    assert "晚于今天" in reasons[(12, "安装日期")]
    assert reasons[(13, "单位")] == "单位“西山乡石门村”不属于上传单位“东城镇柳树村”的辖区"
    assert reasons[(14, "身份证号")] == "与第 4 行为同一人（身份证号重复）"
    assert reasons[(15, "手机号")] == "手机号与第 4 行重复（不同人员）"
    assert reasons[(18, "安装日期")] == "安装日期为空"
    assert reasons[(19, "姓名")] == "姓名为空" and reasons[(19, "身份证号")] == "身份证号应为18位，实际14位"
    assert all(sheet == "柳树村" for sheet, *_ in got)
    with unit_of_work(factory) as s:
        stored = list(s.scalars(select(Install).order_by(Install.source_row)))
        assert [i.source_row for i in stored] == [4, 5, 7, 16]
        assert {i.install_date for i in stored} == {
            date(2026, 11, 16),
            date(2026, 11, 17),
            date(2026, 11, 18),
        }
        # stored protected: masked copies only, the identity encrypted
        a = stored[0]
        assert a.id_masked == people["A"][1][:3] + "*" * 11 + people["A"][1][-4:]
        assert a.phone_masked == people["A"][2][:3] + "****" + people["A"][2][-4:]
        assert people["A"][1] not in a.identity_enc and people["A"][2] not in a.identity_enc
        assert crypto.decrypt(a.identity_enc)["id_number"] == people["A"][1]  # readable with the key
        assert stored[1].id_masked.endswith(people["B"][1][-4:])  # the full-width ID was read
        assert stored[3].unit_code == "V0101" and stored[3].name_masked == people["J"][0][0] + "*" * (
            len(people["J"][0]) - 1
        )


def test_reimport_same_file_changes_nothing(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    messy_roster(path)
    with unit_of_work(factory) as s:
        first = rosters.import_roster_xlsx(s, SYSTEM, "V0101", path, week=W2, today=TODAY)
    with unit_of_work(factory) as s:
        second = rosters.import_roster_xlsx(s, SYSTEM, "V0101", path, week=W2, today=TODAY)
        assert second.already_imported and second.import_id == first.import_id
        assert second.summary().startswith("该花名册此前已导入")
        assert len(list(s.scalars(select(Install)))) == 4
        assert len(list(s.scalars(select(RosterImport)))) == 1
    assert [p for p, _ in second.problems] == [p for p, _ in first.problems]


def test_later_roster_against_earlier_ones(factory: sessionmaker[Session], tmp_path: Path) -> None:
    """A person already counted is 'repeated' (not double counted); a phone of someone else is rejected."""
    a, b, c = person(5001), person(5002), person(5003)
    with unit_of_work(factory) as s:
        rosters.import_roster_records(
            s,
            SYSTEM,
            "T01",
            [
                (
                    "表1",
                    2,
                    {"name": a[0], "id_number": a[1], "phone": a[2], "unit": "V0102", "install_date": W1},
                ),
                (
                    "表1",
                    3,
                    {"name": b[0], "id_number": b[1], "phone": b[2], "unit": "R0103", "install_date": W1},
                ),
            ],
            content_sha256="week-1",
            filename="w1.xlsx",
            week=W1,
            today=TODAY,
        )
    with unit_of_work(factory) as s:
        report = rosters.import_roster_records(
            s,
            SYSTEM,
            "T01",
            [
                (
                    "表1",
                    2,
                    {"name": a[0], "id_number": a[1], "phone": a[2], "unit": "V0102", "install_date": W1},
                ),
                (
                    "表1",
                    3,
                    {"name": c[0], "id_number": c[1], "phone": b[2], "unit": "V0101", "install_date": W2},
                ),
                (
                    "表1",
                    4,
                    {"name": c[0], "id_number": c[1], "phone": c[2], "unit": "V0101", "install_date": W2},
                ),
            ],
            content_sha256="week-2",
            filename="w2.xlsx",
            week=W2,
            today=TODAY,
        )
    assert (report.accepted, report.repeated, report.rejected) == (0, 1, 2)
    why = {p.row: (p.reason, sev) for p, sev in report.problems}
    assert why[2] == ("该人员已于 2026-11-09 周由“东城镇杨庄村”登记，不重复计数", "repeated")
    assert why[3][0] == "手机号已被其他人员登记（“东城镇新华社区”，2026-11-09 周）"
    assert why[4] == ("与第 3 行为同一人（身份证号重复）", "rejected")
    with unit_of_work(factory) as s:
        lines = rosters.problem_lines(s, SYSTEM, unit_code="T01")
        assert [ln.row for ln in lines] == [2, 3, 4]
        assert lines[0].severity == "重复上报（不重复计数）"
        assert rosters.problem_rows(lines)[0][:3] == ["东城镇", "T01", W2]


def test_file_without_roster_header(factory: sessionmaker[Session], tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["随便", "什么"])
    wb.save(tmp_path / "x.xlsx")
    with unit_of_work(factory) as s, pytest.raises(InputFileError, match="找不到表头"):
        rosters.import_roster_xlsx(s, SYSTEM, "V0101", tmp_path / "x.xlsx", today=TODAY)
    assert load_workbook(tmp_path / "x.xlsx").active is not None


def test_cell_readers_never_guess() -> None:
    from qiandai.governance.rosters_cells import read_date, read_id_number, read_phone

    good = valid_int_id(7001)[1]
    assert read_id_number(int(good), today=TODAY) == (good, None)  # an exact integer (e.g. from CSV/API)
    # an 18-digit number ending in 000 may be Excel's truncation: refused, not guessed
    assert read_id_number(330102199001011000, today=TODAY)[0] is None
    assert "科学计数法" in str(read_id_number(3.30102199001011e17, today=TODAY)[1])
    assert read_id_number("３３" + good[2:], today=TODAY) == (good, None)
    assert read_id_number("330102900101123", today=TODAY)[1] == "15位旧身份证号，请换用18位身份证号"
    assert read_phone("+86 139-0000-1111") == ("13900001111", None)
    assert read_phone("8613900001111") == ("13900001111", None)
    assert read_phone(13900001111.0) == ("13900001111", None)
    assert read_phone("02161234567")[0] is None
    assert read_date("2026.11.16", today=TODAY) == (date(2026, 11, 16), None)
    assert read_date(20261116, today=TODAY) == (date(2026, 11, 16), None)
    assert read_date("2020-01-01", today=TODAY)[1] == "安装日期 2020-01-01 早于国家反诈中心App上线（2021年）"
    assert read_date("下周", today=TODAY)[1] == "安装日期无法识别：下周"
