"""Helpers of the units/installs tests: the fixture county, personas scoped to units, roster rows.

The install plan (rows generated with valid ID numbers and distinct phones) is the basis of the
hand-computed expectations in ``test_installs_rates.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.idcard import make_id_number
from qiandai.governance import rosters
from qiandai.governance.units import assign_user, import_units_xlsx
from qiandai.identity import service
from qiandai.identity.principal import SYSTEM, Principal
from qiandai.store.database import make_engine, session_factory, unit_of_work

DATA = Path(__file__).parent / "data"
W1 = date(2026, 11, 9)  # Monday
W2 = date(2026, 11, 16)  # Monday
TODAY = date(2026, 11, 20)  # Friday of W2
AS_OF = date(2026, 11, 22)  # Sunday of W2
PASSWORD = "correct-horse-1"

# unit → installs reported in (W1, W2): see test_installs_rates.py for the resulting rates
PLAN: dict[str, tuple[int, int]] = {
    "V0101": (300, 0),
    "V0102": (100, 60),
    "R0103": (200, 0),
    "X0101": (40, 0),
    "V0201": (0, 400),
    "V0202": (0, 100),
    "R0301": (0, 300),
    "D01": (0, 25),
    "H01": (0, 200),
    "E0301": (0, 60),
}

_serial = itertools.count(1)


def county(database_url: str) -> sessionmaker[Session]:
    factory = session_factory(make_engine(database_url))
    with unit_of_work(factory) as session:
        report = import_units_xlsx(session, DATA / "county.xlsx")
        assert not report.problems, report.problems
    return factory


def person(n: int) -> tuple[str, str, str]:
    """(name, ID number, phone) of synthetic person ``n`` (valid, distinct per ``n``)."""
    birth = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
    # make_id_number's sequence has 3 digits: spread n over region codes to keep numbers distinct
    id_number = make_id_number(f"33{(n // 1000) % 100:02d}02", birth, n % 1000)
    phone = f"139{n:08d}"
    return f"测试{chr(0x4E00 + n % 500)}", id_number, phone


def fresh_people(count: int) -> Iterator[tuple[str, str, str]]:
    for _ in range(count):
        yield person(next(_serial))


def records(
    unit: str, people: list[tuple[str, str, str]], day: date
) -> list[tuple[str, int, dict[str, Any]]]:
    return [
        ("花名册", i + 2, {"name": n, "id_number": i_, "phone": p, "unit": unit, "install_date": day})
        for i, (n, i_, p) in enumerate(people)
    ]


def load_plan(factory: sessionmaker[Session]) -> None:
    """Report the :data:`PLAN` installs, one roster per unit and week, uploaded by the unit itself."""
    for week_index, week in enumerate((W1, W2)):
        for unit, counts in PLAN.items():
            n = counts[week_index]
            if not n:
                continue
            with unit_of_work(factory) as session:
                report = rosters.import_roster_records(
                    session,
                    SYSTEM,
                    unit,
                    records(unit, list(fresh_people(n)), week),
                    content_sha256=f"plan-{unit}-{week.isoformat()}",
                    filename=f"{unit}.xlsx",
                    week=week,
                    today=TODAY,
                )
                assert report.accepted == n and report.rejected == 0, report.problems[:3]


def add_user(factory: sessionmaker[Session], username: str, roles: str, unit: str | None) -> Principal:
    with unit_of_work(factory) as session:
        principal = service.create_user(
            session, username=username, password=PASSWORD, display_name=username, roles=roles
        )
        if unit is not None:
            assign_user(session, username, unit)
    return principal


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def valid_int_id(start: int) -> tuple[str, str, str]:
    """A person whose valid ID number does not end in 000 (so it may be stored as a number)."""
    n = start
    while person(n)[1].endswith("000") or not person(n)[1][-1].isdigit():
        n += 1
    return person(n)


def messy_roster(path: Path) -> dict[str, tuple[str, str, str]]:
    p = {k: person(91000 + i) for i, k in enumerate("ABCDEFGHIJ")}
    p["N"] = valid_int_id(92000)
    bad_check = p["C"][1][:17] + ("0" if p["C"][1][17] != "0" else "1")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "柳树村"
    ws.append(["东城镇柳树村国家反诈中心App安装花名册（第47周）"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "姓名", "身份信息", None, "所属单位", "安装日期"])
    ws.append([None, None, "身份证号码", "手机号码", None, None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:D2")
    ws.merge_cells("E2:E3")
    ws.merge_cells("F2:F3")
    rows = [
        # 4: plain, phone with spaces, a date cell → accepted
        [
            1,
            p["A"][0],
            p["A"][1],
            "139 " + p["A"][2][3:7] + " " + p["A"][2][7:],
            "东城镇柳树村",
            datetime(2026, 11, 16),
        ],
        # 5: full-width ID, +86 with dashes, Chinese date text, unit by code → accepted
        [
            2,
            p["B"][0],
            p["B"][1].translate(FULLWIDTH),
            "+86-" + p["B"][2][:3] + "-" + p["B"][2][3:],
            "V0101",
            "2026年11月17日",
        ],
        # 6: blank row → ignored
        [None, None, None, None, None, None],
        # 7: ID with a leading apostrophe, phone as a number, Excel serial date → accepted
        [3, p["N"][0], "'" + p["N"][1], int(p["N"][2]), "东城镇柳树村", 46342],
        # 8: ID stored as a number: xlsx keeps it as a float (3.301…e+17), digits lost → rejected
        [4, p["D"][0], float(p["D"][1]), p["D"][2], "东城镇柳树村", "2026-11-16"],
        # 9: ID typed as scientific text → rejected
        [5, p["E"][0], "3.30102E+17", p["E"][2], "东城镇柳树村", "2026-11-16"],
        # 10: wrong check digit → rejected
        [6, p["C"][0], bad_check, p["C"][2], "东城镇柳树村", "2026-11-16"],
        # 11: ten-digit phone → rejected
        [7, p["F"][0], p["F"][1], p["F"][2][:10], "东城镇柳树村", "2026-11-16"],
        # 12: install date in the future → rejected
        [8, p["G"][0], p["G"][1], p["G"][2], "东城镇柳树村", "2026-12-01"],
        # 13: a resident of another township → rejected
        [9, p["H"][0], p["H"][1], p["H"][2], "西山乡石门村", "2026-11-16"],
        # 14: the same person as row 4, trailing spaces → rejected (duplicate person)
        [10, p["A"][0] + "  ", p["A"][1] + " ", p["A"][2], "东城镇柳树村", "2026-11-18"],
        # 15: another person with row 4's phone → rejected (duplicate phone)
        [11, p["I"][0], p["I"][1], p["A"][2], "东城镇柳树村", "2026-11-18"],
        # 16: spaces around the name, 0086 phone, blank unit (= uploader) → accepted
        [12, "  " + p["J"][0] + "  ", p["J"][1], "0086 " + p["J"][2], None, "2026/11/18"],
        # 17: blank row → ignored
        [None, None, "  ", None, None, None],
        # 18: no install date → rejected
        [13, "卫五", person(93001)[1], person(93001)[2], "东城镇柳树村", None],
        # 19: no name and a short ID number → rejected (two problems, one row)
        [14, None, "33010219900101", person(93002)[2], "东城镇柳树村", "2026-11-16"],
    ]
    for row in rows:
        ws.append(row)
    wb.save(path)
    return p
