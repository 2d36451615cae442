"""Fraud-free evaluation for 2026 on the fixture county, criterion by criterion, and the review workflow.

Set-up (2026 against 2025) and the expected verdicts:

* 柳树村 V0101: 2 cases (4 in 2025: exactly −50 %, passes 1) but one of exactly ¥500,000 → fails 2.
* 杨庄村 V0102: no case, publicity held → passes.
* 新华社区 R0103: 2 cases against 3 (−33.3 %) → fails 1.
* 石门村 V0201: a resident stranded abroad (本人) → fails 3.
* 桃园村 V0202: a family member (家属) stranded abroad — not a resident, so 3 passes —
  but no publicity → fails 5.
* 朝阳社区 R0301: a fraud den found in 2026 → fails 4.
* 中心小学 X0101: passes. 纺织公司 E0301: a staff member's family member stranded abroad → fails 3
  (units count families).
* 教育局 D01: a 前科 file (not a suspect) and a stranded file reduced in 2025 → passes.
* 人民医院 H01: no publicity → fails 5.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from stats_county import TODAY, county_factory, write_xlsx

from qiandai.domain.errors import ConflictError, InvalidInputError
from qiandai.domain.idcard import make_id_number
from qiandai.governance import cases, fraudfree, persons, publicity
from qiandai.governance.models.stats_events import StatsEvent
from qiandai.store.database import unit_of_work

CASES = [
    ("F1", "2026-02-01", "V0101", "500000"),
    ("F2", "2026-03-01", "V0101", "100"),
    *[(f"F{3 + i}", "2025-05-01", "V0101", "100") for i in range(4)],
    ("F7", "2026-04-01", "R0103", "100"),
    ("F8", "2026-04-02", "R0103", "100"),
    *[(f"F{9 + i}", "2025-04-01", "R0103", "100") for i in range(3)],
]
PUBLICITY = ["V0101", "V0102", "R0103", "V0201", "R0301", "X0101", "E0301", "D01"]


def _person(session, n: int, unit: str, category: str, relation: str = "本人", **extra: object) -> None:  # type: ignore[no-untyped-def]
    fields = {
        "name": f"测试{n}",
        "id_number": make_id_number("330102", date(1990, 1, 1), n),
        "category": category,
        "unit_code": unit,
        "relation": relation,
        "opened_on": "2025-01-10",
        **extra,
    }
    persons.add_person(session, fields, "tester", today=TODAY)


def _county(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    factory = county_factory(database_url)
    header = ["案件编号", "发案日期", "单位编码", "诈骗类型", "损失金额"]
    sheet = write_xlsx(tmp_path / "cases.xlsx", header, [[*c[:3], "刷单返利", c[3]] for c in CASES])
    with unit_of_work(factory) as session:
        assert cases.import_cases(session, sheet, "tester", today=TODAY).rejected == 0
        for i, unit in enumerate(PUBLICITY):
            publicity.add_event(
                session,
                {
                    "unit_code": unit,
                    "kind": "进社区",
                    "held_on": f"2026-06-{i + 1:02d}",
                    "place": "广场",
                    "people": 50,
                },
                "tester",
                today=TODAY,
            )
        _person(session, 1, "V0201", "滞留境外涉诈")
        _person(session, 2, "V0202", "滞留境外涉诈", "家属")
        _person(session, 3, "E0301", "滞留境外涉诈", "家属")
        _person(session, 4, "D01", "前科")
        _person(session, 5, "D01", "滞留境外涉诈")
        reduced = persons.persons(session, frozenset({"D01"}), category="滞留境外涉诈")[0]
        persons.reduce(session, reduced, date(2025, 12, 1), "已回国投案", "tester")
        fraudfree.record_den(session, "R0301", date(2026, 5, 1), "出租屋内发现GOIP设备", "tester")
    return factory


def test_verdicts_with_evidence_per_criterion(database_url: str, tmp_path: Path) -> None:
    factory = _county(database_url, tmp_path)
    with unit_of_work(factory) as session:
        verdicts = {v.unit_code: v for v in fraudfree.evaluate(session, 2026)}
    failed = {code: [e["key"] for e in v.evidence if not e["passed"]] for code, v in verdicts.items()}
    assert failed == {
        "V0101": ["big_case"],
        "V0102": [],
        "R0103": ["cases"],
        "V0201": ["persons"],
        "V0202": ["duties"],
        "R0301": ["dens"],
        "X0101": [],
        "E0301": ["persons"],
        "D01": [],
        "H01": ["duties"],
    }
    assert {c for c, v in verdicts.items() if v.passed} == {"V0102", "X0101", "D01"}
    assert verdicts["V0102"].category == "village" and verdicts["D01"].category == "unit"
    ev = {e["key"]: e for e in verdicts["V0101"].evidence}
    assert ev["cases"]["detail"] == "2026年发案 2 起，2025年 4 起，变化 -50.0%"
    assert ev["big_case"]["refs"] == ["F1（损失 500,000.00 元）"]
    r0103 = {e["key"]: e for e in verdicts["R0103"].evidence}
    assert "变化 -33.3%（未达下降 50%）" in r0103["cases"]["detail"]
    stranded = {e["key"]: e for e in verdicts["E0301"].evidence}["persons"]
    assert stranded["detail"] == "本单位职工及其家属中有 1 人" and "家属" in stranded["refs"][0]
    assert "测试" not in stranded["refs"][0]  # names are masked in evidence
    assert {e["key"]: e for e in verdicts["V0202"].evidence}["persons"]["passed"] is True
    assert {e["key"]: e for e in verdicts["R0301"].evidence}["dens"]["refs"] == [
        "2026-05-01 出租屋内发现GOIP设备"
    ]


def test_draft_review_publish_is_transactional_and_idempotent(database_url: str, tmp_path: Path) -> None:
    factory = _county(database_url, tmp_path)
    with unit_of_work(factory) as session:
        counts = fraudfree.build_draft(session, 2026, "tester")
    assert counts == {"created": 10, "refreshed": 0, "kept": 0, "passed": 3}
    with unit_of_work(factory) as session:
        with pytest.raises(InvalidInputError, match="未达到标准"):
            fraudfree.review(session, 2026, "V0101", True, "", "tester")
        with pytest.raises(InvalidInputError, match="须填写理由"):
            fraudfree.review(session, 2026, "D01", False, "", "tester")
        fraudfree.review(session, 2026, "V0102", True, "", "reviewer")
        fraudfree.review(session, 2026, "X0101", True, "", "reviewer")
        with pytest.raises(ConflictError, match="1 个达标单位未审核"):
            fraudfree.publish(session, 2026, "leader")
    with unit_of_work(factory) as session:  # the failed publish rolled back nothing it should keep
        assert fraudfree.get(session, 2026, "V0102").status == "accepted"
        fraudfree.review(session, 2026, "D01", False, "年内有干部家属涉诈线索待核实", "reviewer")
        published = fraudfree.publish(session, 2026, "leader")
    assert [p.unit_code for p in published] == ["V0102", "X0101"] or [p.unit_code for p in published] == [
        "X0101",
        "V0102",
    ]
    with unit_of_work(factory) as session:
        again = fraudfree.publish(session, 2026, "leader")
        assert {p.unit_code for p in again} == {"V0102", "X0101"}
        assert fraudfree.build_draft(session, 2026, "tester") == {
            "created": 0,
            "refreshed": 0,
            "kept": 3,
            "passed": 3,
        }
        with pytest.raises(ConflictError, match="已公布"):
            fraudfree.review(session, 2026, "V0102", False, "撤销", "reviewer")
        publishes = session.scalar(
            select(func.count()).where(StatsEvent.subject_type == "fraudfree", StatsEvent.action == "publish")
        )
        reviews = session.scalar(select(func.count()).where(StatsEvent.action == "review"))
    assert (publishes, reviews) == (1, 3)


def test_scope_limits_the_draft(database_url: str, tmp_path: Path) -> None:
    factory = _county(database_url, tmp_path)
    with unit_of_work(factory) as session:
        fraudfree.build_draft(session, 2026, "tester", frozenset({"T02", "V0201", "V0202"}))
        assert sorted(r.unit_code for r in fraudfree.rows(session, 2026)) == ["V0201", "V0202"]
