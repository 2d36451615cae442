"""Install rates, roll-ups, targets, weekly rankings and spot checks on the fixture county.

Hand-computed from ``gov_install_helpers.PLAN`` (installed persons / base):

Week 2 (2026-11-16), cumulative:
  V0101 300/1000 = 30%   V0102 160/500 = 32%   R0103 200/2000 = 10%   X0101 40/40 staff = 100%
  V0201 400/800 = 50%    V0202 100/400 = 25%   R0301 300/3000 = 10%
  D01 25/50 = 50%   H01 200/200 = 100%   E0301 60/120 = 50%
  T01 = 1000+500+2000+40 = 3540 base, 300+160+200+40 = 700 → 19.774%
  T02 = 1200 base, 500 → 41.667%;  S01 = 3000+120 = 3120 base, 360 → 11.538%
  C01 = 3540+1200+3120+50+200 = 8110 base, 1785 → 22.010%
Week 1 (2026-11-09): V0101 30%, V0102 20%, R0103 10%, X0101 100%, others 0; T01 640/3540 = 18.079%.
"""

from __future__ import annotations

from datetime import date

import pytest
from gov_install_helpers import AS_OF, W1, W2, add_user, county, load_plan
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.errors import NotFoundError
from qiandai.governance import installs, spotcheck, targets
from qiandai.identity import service
from qiandai.identity.principal import SYSTEM
from qiandai.store.database import unit_of_work


@pytest.fixture
def loaded(database_url: str) -> sessionmaker[Session]:
    factory = county(database_url)
    load_plan(factory)
    with unit_of_work(factory) as s:
        targets.set_target(s, level=3, kind="area", rate=0.30, due=date(2026, 12, 31), note="村（社区）30%")
        targets.set_target(s, level=3, kind="village", rate=0.25, due=date(2026, 12, 31), note="行政村25%")
        targets.set_target(s, level=None, kind="org", rate=1.0, due=date(2026, 12, 31), note="单位职工100%")
        targets.set_target(s, level=2, kind=None, rate=0.20, due=date(2026, 11, 15), note="乡镇阶段目标")
        targets.set_target(s, level=2, kind=None, rate=0.60, due=date(2027, 6, 30), note="乡镇年度目标")
    return factory


def test_rates_and_rollups(loaded: sessionmaker[Session]) -> None:
    with unit_of_work(loaded) as s:
        rates = {r.code: r for r in installs.unit_rates(s, SYSTEM, week=W2, as_of=AS_OF)}
    expected = {
        "V0101": (1000, 300),
        "V0102": (500, 160),
        "R0103": (2000, 200),
        "X0101": (40, 40),
        "V0201": (800, 400),
        "V0202": (400, 100),
        "R0301": (3000, 300),
        "D01": (50, 25),
        "H01": (200, 200),
        "E0301": (120, 60),
        "T01": (3540, 700),
        "T02": (1200, 500),
        "S01": (3120, 360),
        "C01": (8110, 1785),
    }
    assert {c: (r.base, r.installed) for c, r in rates.items()} == expected
    assert rates["T01"].rate == pytest.approx(700 / 3540)
    assert rates["C01"].rate == pytest.approx(0.22010, abs=1e-5)
    with unit_of_work(loaded) as s:
        week1 = {r.code: r for r in installs.unit_rates(s, SYSTEM, week=W1, as_of=date(2026, 11, 15))}
    assert week1["T01"].installed == 640 and week1["T01"].rate == pytest.approx(0.18079, abs=1e-5)
    assert week1["V0102"].installed == 100 and week1["T02"].installed == 0


def test_target_flags(loaded: sessionmaker[Session]) -> None:
    with unit_of_work(loaded) as s:
        rates = {r.code: r for r in installs.unit_rates(s, SYSTEM, week=W2, as_of=AS_OF)}
    labels = {c: (r.target.rate, r.target.label) for c, r in rates.items()}
    # villages: the more specific 25% target; communities: 30%; exactly 25% meets it
    assert labels["V0101"] == (0.25, "达标")
    assert labels["V0202"] == (0.25, "达标")
    assert labels["V0201"] == (0.25, "达标")
    assert labels["R0103"] == (0.30, "未达标")
    assert labels["R0301"] == (0.30, "未达标")
    # organisations 100%
    assert labels["X0101"] == (1.0, "达标") and labels["H01"] == (1.0, "达标")
    assert labels["D01"] == (1.0, "未达标") and labels["E0301"] == (1.0, "未达标")
    # townships: the 20% stage target has passed, the 60% annual target is in force
    assert labels["T02"] == (0.60, "未达标")
    assert labels["C01"] == (None, "无目标")
    with unit_of_work(loaded) as s:
        later = {r.code: r for r in installs.unit_rates(s, SYSTEM, week=W2, as_of=date(2027, 7, 1))}
    assert later["T02"].target.label == "逾期未达标"
    assert later["V0101"].target.label == "达标"  # 25% target, past, still met


def test_weekly_ranking_with_change(loaded: sessionmaker[Session]) -> None:
    with unit_of_work(loaded) as s:
        villages = installs.ranking(s, SYSTEM, group="3", week=W2, as_of=AS_OF)
        townships = installs.ranking(s, SYSTEM, group="2", week=W2, as_of=AS_OF)
        orgs = installs.ranking(s, SYSTEM, group="org", week=W2, as_of=AS_OF)
    assert [(x.rank, x.code) for x in villages] == [
        (1, "V0201"),
        (2, "V0102"),
        (3, "V0101"),
        (4, "V0202"),
        (5, "R0103"),
        (5, "R0301"),
    ]
    by = {x.code: x for x in villages}
    assert by["V0201"].change == pytest.approx(0.50) and by["V0201"].previous_rank == 4
    assert by["V0102"].change == pytest.approx(0.12) and by["V0102"].previous_rank == 2
    assert by["V0101"].change == pytest.approx(0.0) and by["V0101"].previous_rank == 1
    assert by["R0301"].change == pytest.approx(0.10)
    assert [(x.rank, x.code) for x in townships] == [(1, "T02"), (2, "T01"), (3, "S01")]
    assert {x.code: x.previous_rank for x in townships} == {"T01": 1, "T02": 2, "S01": 2}
    assert [(x.rank, x.code) for x in orgs] == [(1, "H01"), (1, "X0101"), (3, "D01"), (3, "E0301")]
    assert installs.points(by["V0102"].change) == "+12.0个百分点"


def test_spot_checks_reproducible_and_falsification(loaded: sessionmaker[Session]) -> None:
    with unit_of_work(loaded) as s:
        drawn = spotcheck.draw(s, SYSTEM, unit_code="V0101", week=W2, size=10)
        ids = [c.install_id for c in drawn]
        again = [c.install_id for c in spotcheck.draw(s, SYSTEM, unit_code="V0101", week=W2, size=10)]
        other_week = [
            c.install_id
            for c in spotcheck.draw(s, SYSTEM, unit_code="V0101", week=date(2026, 11, 23), size=10)
        ]
        t02 = spotcheck.draw(s, SYSTEM, unit_code="T02", week=W2, size=4)
        check_ids = [c.id for c in drawn]
        t02_ids = [c.id for c in t02]
    assert len(ids) == 10 and ids == again and ids != other_week
    # the sample is the pure function of (installs, week, unit): recomputing it gives the same ids
    with unit_of_work(loaded) as s:
        from sqlalchemy import select

        from qiandai.governance.models import Install

        pool = list(s.scalars(select(Install.id).where(Install.unit_code == "V0101")))
    assert spotcheck.sample_ids(pool, spotcheck.seed_for(W2, "V0101"), 10) == ids
    results = ["已安装"] * 6 + ["未安装", "not_installed", "无法联系", "号码错误"]
    with unit_of_work(loaded) as s:
        for cid, res in zip(check_ids, results, strict=True):
            spotcheck.record(s, SYSTEM, cid, res)
        for cid, res in zip(t02_ids, ["已安装", "已安装", "已安装", "无法联系"], strict=True):
            spotcheck.record(s, SYSTEM, cid, res)
        fals = {f.code: f for f in spotcheck.falsification(s, SYSTEM)}
    assert (fals["V0101"].checked, fals["V0101"].not_installed, fals["V0101"].wrong_number) == (10, 2, 1)
    assert fals["V0101"].rate == pytest.approx(3 / 9)
    assert fals["T01"].rate == pytest.approx(3 / 9)
    assert fals["T02"].rate == pytest.approx(0.0) and fals["T02"].unreachable == 1
    assert fals["C01"].rate == pytest.approx(3 / 12)
    assert fals["S01"].rate is None and fals["S01"].checked == 0
    # the phoning officer sees the whole name and phone of a drawn person, and the view is logged
    clerk = add_user(loaded, "caller", "governance", "T01")
    with unit_of_work(loaded) as s:
        shown = spotcheck.reveal(s, clerk, check_ids[0], "电话抽查")
        assert len(shown["phone"]) == 11 and shown["phone"].startswith("139") and "*" not in shown["name"]
        with pytest.raises(NotFoundError):
            spotcheck.reveal(s, clerk, t02_ids[0], "电话抽查")  # drawn for 西山乡: outside 东城镇
    with unit_of_work(loaded) as s:
        log = service.access_log(s, "gov_install")
        assert [(e.username, e.fields, e.reason) for e in log] == [("caller", ["name", "phone"], "电话抽查")]


def test_scope_of_a_village_user(loaded: sessionmaker[Session]) -> None:
    village = add_user(loaded, "liushu", "governance", "V0101")
    with unit_of_work(loaded) as s:
        rates = installs.unit_rates(s, village, week=W2, as_of=AS_OF)
        assert [r.code for r in rates] == ["V0101"]
        with pytest.raises(NotFoundError):
            spotcheck.draw(s, village, unit_code="T02", week=W2, size=3)
        assert [x.code for x in installs.ranking(s, village, group="3", week=W2, as_of=AS_OF)] == ["V0101"]
