"""Demo data of the governance statistics (cases, targets, publicity, a survey, person files, a
reduction campaign, a fraud den, the fraud-free draft), relative to today so the console has a
current month to show. Idempotent: every record has a fixed key (case number, ledger number, survey
code, ID number + category, campaign name), so running the demo twice adds nothing.

Needs the units: when ``gov_unit`` is empty the install demo's county (``demo_units.DEMO_UNITS``, the
same codes as the test county 清河县) is loaded first.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.idcard import make_id_number
from qiandai.governance import cases, fraudfree, persons, publicity
from qiandai.governance.cases import CaseRow
from qiandai.governance.models.persons import ReductionCampaign
from qiandai.governance.models.publicity import Survey
from qiandai.governance.models.units import Unit
from qiandai.governance.publicity import EventRow
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.store.database import unit_of_work

DEMO_USER = "demo"
PLACES = ("村委会广场", "文化礼堂", "教学楼报告厅", "门诊大厅", "集贸市场", "社区活动中心")


def _ensure_units(session: Session) -> bool:
    if session.scalar(select(func.count()).select_from(Unit)):
        return False
    from qiandai.governance.demo_units import DEMO_UNITS  # the same county as the install demo
    from qiandai.governance.units import import_unit_rows

    raw = [
        ("演示", i + 2, {"code": c, "name": n, "kind": k, "parent": p, "population": pop, "staff": st})
        for i, (c, n, k, p, pop, st) in enumerate(DEMO_UNITS)
    ]
    report = import_unit_rows(session, raw)
    assert not report.problems, report.problems
    return True


def seed_demo_stats(factory: sessionmaker[Session], today: date | None = None) -> list[str]:
    """Write the demo records (once); return Chinese summary lines."""
    day = today or now_utc().astimezone(SHANGHAI).date()
    rng = random.Random(8)
    lines: list[str] = []
    with unit_of_work(factory) as session:
        if _ensure_units(session):
            lines.append("反诈治理：导入演示单位（清河县）")
        known = {u.code for u in session.scalars(select(Unit))}
        villages = [c for c in ("V0101", "V0102", "R0103", "V0201", "V0202", "R0301") if c in known]
        if not villages:
            return [*lines, "反诈治理：单位中没有演示村（社区），跳过统计演示数据"]
        types = cases.fraud_types()
        rows = []
        for i in range(60):
            back = rng.randint(0, 430)
            loss = Decimal(rng.choice([800, 2500, 6000, 12000, 35000, 88000, 150000])) + Decimal(
                rng.randint(0, 99)
            )
            rows.append(
                CaseRow(
                    f"DEMO-AJ-{i + 1:03d}",
                    day - timedelta(days=back),
                    rng.choice(villages),
                    rng.choice(types.top10),
                    loss,
                    (loss * Decimal(rng.choice([0, 0, 10, 30])) / 100).quantize(Decimal("0.01")),
                    rng.random() < 0.4,
                )
            )
        report = cases.upsert_cases(session, rows, "import")
        lines.append(f"反诈治理：演示案件 {report.created} 件新增、{report.unchanged} 件已存在")
        cases.put_target(session, "H10", "案件数半年环比下降10%", "cases", "half", Decimal("-10"), DEMO_USER)
        cases.put_target(session, "Y5", "案件数年度环比下降5%", "cases", "year", Decimal("-5"), DEMO_USER)
        orgs = [c for c in ("X0101", "D01", "H01", "E0301") if c in known]
        event_units = (villages * 3)[:18] + orgs  # organisations too: some pass the fraud-free criteria
        events = [
            EventRow(
                f"DEMO-XC-{i + 1:03d}",
                unit,
                publicity.KINDS[i % 6],
                day - timedelta(days=rng.randint(0, 80)),
                rng.choice(PLACES),
                ("村两委", "驻村民警", "网格员", "派出所")[i % 4],
                rng.randint(30, 400),
                rng.randint(50, 600),
                rng.randint(0, 4),
                rng.randint(0, 2),
                "",
            )
            for i, unit in enumerate(event_units)
        ]
        ev = publicity.upsert_events(session, events, DEMO_USER)
        lines.append(f"反诈治理：宣传活动 {ev.created} 次新增")
        survey = session.scalar(select(Survey).where(Survey.code == "DEMO-ZXL")) or publicity.create_survey(
            session, "DEMO-ZXL", "反诈知识知晓率抽样调查", day - timedelta(days=20), 5, DEMO_USER
        )
        for unit in villages:
            n = rng.randint(40, 120)
            publicity.put_result(session, survey, unit, n, rng.randint(n * 3, n * 5), DEMO_USER)
        categories = persons.CATEGORIES
        person_rows = [
            persons.PersonRow(
                f"演示{'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳'[i]}{'明华强'[i % 3]}",
                make_id_number("330102", date(1975 + i, 1 + i % 12, 1 + i), 100 + i),
                f"139{70000000 + i:08d}",
                categories[i % len(categories)],
                villages[i % len(villages)],
                "本人",
                i % 7 == 0,
                "张警官" if i % 2 else "李警官",
                day - timedelta(days=60),
                "",
            )
            for i in range(16)
        ]
        pr = persons.upsert_persons(session, person_rows, DEMO_USER)
        lines.append(f"反诈治理：重点人员档案 {pr.created} 份新增")
        name = "重点人员集中核减（16人，80%）"
        if session.scalar(select(ReductionCampaign).where(ReductionCampaign.name == name)) is None:
            start = day - timedelta(days=7)
            persons.create_campaign(
                session,
                name,
                "C01" if "C01" in known else villages[0],
                80,
                start,
                day + timedelta(days=5),
                DEMO_USER,
            )
            for p in persons.persons(session, None, open_only=True)[:9]:
                persons.reduce(
                    session, p, start + timedelta(days=rng.randint(0, 6)), "已教育转化、稳控", DEMO_USER
                )
            lines.append("反诈治理：核减任务 1 个（16 人，目标 80%）")
        if "R0301" in known and not fraudfree.dens(session, frozenset({"R0301"})):
            fraudfree.record_den(
                session, "R0301", day - timedelta(days=100), "出租屋内查获GOIP设备2台", DEMO_USER
            )
        counts = fraudfree.build_draft(session, day.year, DEMO_USER)
        lines.append(f"反诈治理：{day.year}年无诈村/无诈单位评价草稿（达标 {counts['passed']} 个）")
    return lines
