"""High-risk person files and a reduction campaign: "16 persons, 80 % reduced by the 20th".

16 open files on 10 November: 柳树村 6, 杨庄村 4, 石门村 6 (plus one opened on the 12th and one
already reduced on the 5th: neither is enrolled). Target: ceil(16 × 80 %) = 13. Reductions: 柳树村 3
on the 12th and 3 on the 15th, 杨庄村 2 on the 18th, 石门村 4 on the 19th and 1 on the 21st.
As of the 20th: 12 of 16 (75.0 %) — not met; 东城镇 8 of 10 (80.0 %, target 8) — met; 石门村 4 of 6
(66.7 %, target 5) — not met. As of the 21st: 13 — met.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from stats_county import TODAY, county_factory, write_xlsx

from qiandai.domain.errors import InvalidInputError
from qiandai.domain.idcard import make_id_number
from qiandai.governance import persons
from qiandai.store.database import unit_of_work

HEADER = ["序号", "姓名", "身份证号", "手机号", "人员类别", "所属单位", "责任民警", "建档日期"]


def _rows() -> list[list[object]]:
    units = ["东城镇柳树村"] * 6 + ["东城镇杨庄村"] * 4 + ["西山乡石门村"] * 6
    rows: list[list[object]] = [
        [
            i + 1,
            f"人员{'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳'[i]}",
            make_id_number("330102", date(1990, 1, 1 + i), i),
            f"138 0000 {i:04d}",
            "高危",
            u,
            "王警官",
            "2026-10-01",
        ]
        for i, u in enumerate(units)
    ]
    rows.append(
        [
            17,
            "迟到",
            make_id_number("330102", date(1991, 1, 1), 1),
            "13800009999",
            "高危",
            "V0101",
            "",
            "2026-11-12",
        ]
    )
    rows.append(
        [18, "早减", make_id_number("330102", date(1992, 1, 1), 2), "", "回流", "V0101", "", "2026-10-01"]
    )
    return rows


def test_import_masks_and_is_idempotent(database_url: str, tmp_path: Path) -> None:
    factory = county_factory(database_url)
    sheet = write_xlsx(tmp_path / "p.xlsx", HEADER, _rows(), title="重点人员花名册")
    with unit_of_work(factory) as session:
        first = persons.import_persons(session, sheet, "t", today=TODAY)
        files = persons.persons(session, None)
    assert (first.created, first.rejected) == (18, 0)
    one = next(p for p in files if p.name_masked == "人**")
    assert one.id_masked.startswith("330") and "*" in one.id_masked and one.phone_masked == "138****0000"
    assert one.file_no.startswith("RY") and "1990" not in one.id_masked
    with unit_of_work(factory) as session:
        again = persons.import_persons(session, sheet, "t", today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 18)


def test_reduction_campaign_progress(database_url: str, tmp_path: Path) -> None:
    factory = county_factory(database_url)
    sheet = write_xlsx(tmp_path / "p.xlsx", HEADER, _rows())
    with unit_of_work(factory) as session:
        persons.import_persons(session, sheet, "t", today=TODAY)
        by_unit: dict[str, list[persons.PersonFile]] = {}
        for p in persons.persons(session, None):
            by_unit.setdefault(p.unit_code, []).append(p)
        early = next(p for p in by_unit["V0101"] if p.category == "回流")
        persons.reduce(session, early, date(2026, 11, 5), "已稳控", "t")
        campaign = persons.create_campaign(
            session, "16人核减", "C01", 80, date(2026, 11, 10), date(2026, 11, 20), "t"
        )
        v0101 = [p for p in by_unit["V0101"] if p.category == "高危" and p.opened_on == date(2026, 10, 1)]
        plan = [
            (v0101[:3], 12),
            (v0101[3:6], 15),
            (by_unit["V0102"][:2], 18),
            (by_unit["V0201"][:4], 19),
            (by_unit["V0201"][4:5], 21),
        ]
        for group, day in plan:
            for p in group:
                persons.reduce(session, p, date(2026, 11, day), "已教育转化", "t")
        with pytest.raises(InvalidInputError, match="晚于今天"):
            persons.reduce(session, by_unit["V0201"][5], date(2026, 12, 1), "x" * 3, "t")
        assert persons.reduce(session, v0101[0], date(2026, 11, 12), "again", "t").reduced_on == date(
            2026, 11, 12
        )
        on_20 = persons.progress(session, campaign, date(2026, 11, 20))
        on_21 = persons.progress(session, campaign, date(2026, 11, 21))
    units = {u.unit_code: u for u in on_20.units}
    assert (on_20.total.enrolled, on_20.total.target, on_20.total.reduced, str(on_20.total.pct)) == (
        16,
        13,
        12,
        "75.0",
    )
    assert not on_20.total.meets
    assert (units["T01"].enrolled, units["T01"].reduced, units["T01"].target, units["T01"].meets) == (
        10,
        8,
        8,
        True,
    )
    assert (units["V0201"].reduced, str(units["V0201"].pct), units["V0201"].target, units["V0201"].meets) == (
        4,
        "66.7",
        5,
        False,
    )
    assert [n for _, n in on_20.daily] == [0, 0, 3, 3, 3, 6, 6, 6, 8, 12, 12]
    assert on_21.total.reduced == 13 and on_21.total.meets and not on_21.overdue
    assert persons.target_count(16, 80) == 13


def test_campaign_and_contact_checks(database_url: str, tmp_path: Path) -> None:
    factory = county_factory(database_url)
    with unit_of_work(factory) as session:
        with pytest.raises(InvalidInputError, match="没有在档重点人员"):
            persons.create_campaign(session, "空", "T02", 80, date(2026, 11, 1), date(2026, 11, 20), "t")
        p = persons.add_person(
            session,
            {
                "name": "测试",
                "id_number": make_id_number("330102", date(1990, 1, 1), 3),
                "category": "拦截",
                "unit_code": "V0202",
            },
            "t",
            today=TODAY,
        )
        with pytest.raises(InvalidInputError, match="联系方式"):
            persons.add_contact(session, p, date(2026, 11, 1), "飞鸽", "x", "t")
        persons.add_contact(session, p, date(2026, 11, 1), "走访", "已上门宣讲", "t")
        assert [c.note for c in persons.contacts(session, p)] == ["已上门宣讲"]
        with pytest.raises(InvalidInputError, match="人员类别"):
            persons.add_person(
                session,
                {"name": "x", "id_number": make_id_number("330102", date(1990, 1, 1), 4), "category": "可疑"},
                "t",
            )
