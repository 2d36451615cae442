"""Demo data of the units and install campaign for `qiandai demo`: the 清河县 county (the same codes as
the test fixture county), three governance accounts scoped to the county, a township and a village,
two weeks of rosters (with a few bad rows so that the problem list shows something), targets, and a
spot check with recorded results. Idempotent: a second call adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.idcard import make_id_number
from qiandai.governance import rosters, spotcheck, targets, units
from qiandai.governance.models import SPOT_RESULT_LABELS, SpotResult
from qiandai.identity import service as identity
from qiandai.identity.principal import SYSTEM
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.store.database import unit_of_work

PASSWORD = "qiandai-demo-2025"
# code, name, kind, parent, population, staff — tests/governance/data/county.xlsx holds the same county
DEMO_UNITS: list[tuple[str, str, str, str | None, int, int]] = [
    ("C01", "清河县", "county", None, 0, 0),
    ("T01", "东城镇", "township", "C01", 0, 0),
    ("T02", "西山乡", "township", "C01", 0, 0),
    ("S01", "南关街道", "street", "C01", 0, 0),
    ("V0101", "东城镇柳树村", "village", "T01", 1000, 0),
    ("V0102", "东城镇杨庄村", "village", "T01", 500, 0),
    ("R0103", "东城镇新华社区", "community", "T01", 2000, 0),
    ("V0201", "西山乡石门村", "village", "T02", 800, 0),
    ("V0202", "西山乡桃园村", "village", "T02", 400, 0),
    ("R0301", "南关街道朝阳社区", "community", "S01", 3000, 0),
    ("D01", "县教育局", "department", "C01", 0, 50),
    ("H01", "县人民医院", "hospital", "C01", 0, 200),
    ("X0101", "东城镇中心小学", "school", "T01", 0, 40),
    ("E0301", "南关纺织有限公司", "company", "S01", 0, 120),
]
USERS = {
    "gov_county": ("清河县反诈办张主任", "C01"),
    "gov_town": ("东城镇平安办李干事", "T01"),
    "gov_village": ("柳树村书记王强", "V0101"),
}
# installs reported by each unit in the previous week and in this week
PLAN: dict[str, tuple[int, int]] = {
    "V0101": (240, 60),
    "V0102": (100, 60),
    "R0103": (150, 50),
    "X0101": (30, 10),
    "V0201": (100, 300),
    "V0202": (40, 60),
    "R0301": (200, 100),
    "D01": (20, 5),
    "H01": (150, 50),
    "E0301": (30, 30),
}
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


def _person(n: int) -> tuple[str, str, str]:
    birth = date(1950 + n % 55, 1 + n % 12, 1 + n % 28)
    id_number = make_id_number(f"1301{(n // 1000) % 100:02d}", birth, n % 1000)
    name = _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n // 7) % len(_GIVEN)] + _GIVEN[(n // 3) % len(_GIVEN)]
    return name, id_number, f"137{n:08d}"


def _records(unit: str, start: int, count: int, day: date) -> list[tuple[str, int, dict[str, Any]]]:
    out = []
    for i in range(count):
        name, id_number, phone = _person(start + i)
        out.append(
            (
                "花名册",
                i + 3,
                {"name": name, "id_number": id_number, "phone": phone, "unit": unit, "install_date": day},
            )
        )
    return out


def _messy(start: int, day: date) -> list[tuple[str, int, dict[str, Any]]]:
    """A few rows as they arrive in practice: three good, five bad."""
    rows = _records("V0101", start, 3, day)
    a_name, a_id, a_phone = _person(start)
    bad: list[dict[str, Any]] = [
        {
            "name": "赵小六",
            "id_number": "1.30102E+17",
            "phone": "13800000001",
            "unit": "V0101",
            "install_date": day,
        },
        {
            "name": "钱小七",
            "id_number": a_id[:17] + ("0" if a_id[17] != "0" else "1"),
            "phone": "13800000002",
            "unit": "V0101",
            "install_date": day,
        },
        {
            "name": "孙小八",
            "id_number": _person(start + 50)[1],
            "phone": "1380000",
            "unit": "V0101",
            "install_date": day,
        },
        {"name": a_name, "id_number": a_id, "phone": a_phone, "unit": "V0101", "install_date": day},
        {
            "name": "周小九",
            "id_number": _person(start + 51)[1],
            "phone": "13800000004",
            "unit": "V0201",
            "install_date": day,
        },
    ]
    rows += [("花名册", 10 + i, rec) for i, rec in enumerate(bad)]
    return rows


def seed_demo_units_installs(factory: sessionmaker[Session]) -> list[str]:
    """Write the demo county, accounts, rosters, targets and a spot check; return Chinese summary lines."""
    today = now_utc().astimezone(SHANGHAI).date()
    this_week = rosters.week_of(today)
    last_week = this_week - timedelta(days=7)
    lines: list[str] = []
    with unit_of_work(factory) as session:
        report = units.import_unit_rows(
            session,
            [
                (
                    "demo",
                    i + 2,
                    {"code": c, "name": n, "kind": k, "parent": p, "population": pop, "staff": st},
                )
                for i, (c, n, k, p, pop, st) in enumerate(DEMO_UNITS)
            ],
        )
        created_users = 0
        for username, (display, unit_code) in USERS.items():
            if identity.user_principal(session, username) is None:
                identity.create_user(
                    session, username=username, password=PASSWORD, display_name=display, roles="governance"
                )
                created_users += 1
            units.assign_user(session, username, unit_code)
        targets.set_target(
            session, level=3, kind="area", rate=0.30, due=date(today.year, 12, 31), note="村（社区）年底30%"
        )
        targets.set_target(
            session, level=2, kind="area", rate=0.60, due=date(today.year, 12, 31), note="乡镇（街道）年底60%"
        )
        targets.set_target(
            session, level=None, kind="org", rate=1.0, due=date(today.year, 12, 31), note="单位职工100%"
        )
    lines.append(f"反诈治理单位：新增 {len(report.created)} 个，账号新增 {created_users} 个")
    accepted = 0
    serial = 1
    for week_index, week in enumerate((last_week, this_week)):
        for unit_code, counts in PLAN.items():
            count = counts[week_index]
            with unit_of_work(factory) as session:
                r = rosters.import_roster_records(
                    session,
                    SYSTEM,
                    unit_code,
                    _records(unit_code, serial, count, min(week + timedelta(days=1), today)),
                    content_sha256=f"demo-roster-{unit_code}-{week_index}",
                    filename=f"{unit_code}-花名册-{week_index + 1}.xlsx",
                    week=week,
                    today=today,
                )
                accepted += 0 if r.already_imported else r.accepted
            serial += count
    with unit_of_work(factory) as session:
        messy = rosters.import_roster_records(
            session,
            SYSTEM,
            "V0101",
            _messy(serial, min(this_week + timedelta(days=2), today)),
            content_sha256="demo-roster-messy",
            filename="柳树村-补报花名册.xlsx",
            week=this_week,
            today=today,
        )
        if not messy.already_imported:
            accepted += messy.accepted
    lines.append(f"反诈App安装花名册：新增安装 {accepted} 人（补报表含 {messy.rejected} 行问题）")
    with unit_of_work(factory) as session:
        drawn = spotcheck.draw(session, SYSTEM, unit_code="V0101", week=this_week, size=10)
        plan = [SpotResult.INSTALLED] * 6 + [
            SpotResult.NOT_INSTALLED,
            SpotResult.UNREACHABLE,
            SpotResult.WRONG_NUMBER,
        ]
        recorded = 0
        for check, result in zip(drawn, plan, strict=False):
            if check.result is None:
                spotcheck.record(session, SYSTEM, check.id, SPOT_RESULT_LABELS[result])
                recorded += 1
    lines.append(f"电话抽查：柳树村本周抽取 {len(drawn)} 人，登记结果 {recorded} 条")
    return lines
