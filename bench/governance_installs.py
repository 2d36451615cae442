"""Benchmark: importing a weekly install roster (xlsx → validated installs) and computing rates/rankings.

Reproduce: .venv/bin/python bench/governance_installs.py --rows 20000 --repeat 3
Prints medians over ``--repeat`` fresh SQLite databases: the roster import (read xlsx, validate every
row, keyed hashes, encryption, insert) in rows/s, and the county-wide rates and one ranking.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from qiandai.domain.idcard import make_id_number
from qiandai.governance import installs, rosters
from qiandai.governance.units import import_unit_rows
from qiandai.identity.principal import SYSTEM
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.store.migrate import upgrade

WEEK = date(2026, 11, 16)
TODAY = date(2026, 11, 20)


def _units(villages: int) -> list[tuple[str, int, dict[str, object]]]:
    rows: list[tuple[str, int, dict[str, object]]] = [
        ("u", 2, {"code": "C", "name": "县", "kind": "county", "parent": None, "population": 0, "staff": 0})
    ]
    for t in range(10):
        rows.append(
            ("u", len(rows) + 2, {"code": f"T{t}", "name": f"镇{t}", "kind": "township", "parent": "C"})
        )
        for v in range(villages // 10):
            code = f"V{t}-{v}"
            rows.append(
                (
                    "u",
                    len(rows) + 2,
                    {
                        "code": code,
                        "name": f"村{t}-{v}",
                        "kind": "village",
                        "parent": f"T{t}",
                        "population": 2000,
                    },
                )
            )
    return rows


def _roster(path: Path, rows: int) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["姓名", "身份证号", "手机号", "单位", "安装日期"])
    for n in range(rows):
        birth = date(1950 + n % 55, 1 + n % 12, 1 + n % 28)
        id_number = make_id_number(f"33{(n // 1000) % 100:02d}02", birth, n % 1000)
        ws.append(
            [
                "测试" + "甲乙丙丁戊己庚辛壬癸"[n % 10],
                id_number,
                f"139 {n:08d}",
                f"V{n % 10}-{n % 7}",
                "2026-11-16",
            ]
        )
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--villages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    imports: list[float] = []
    rates: list[float] = []
    ranks: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("QIANDAI_HOME", tmp)
        roster = Path(tmp) / "roster.xlsx"
        _roster(roster, args.rows)
        for i in range(args.repeat):
            url = f"sqlite:///{tmp}/b{i}.db"
            upgrade(url)
            factory = session_factory(make_engine(url))
            with unit_of_work(factory) as s:
                import_unit_rows(s, _units(args.villages))
            t0 = time.perf_counter()
            with unit_of_work(factory) as s:
                report = rosters.import_roster_xlsx(s, SYSTEM, "C", roster, week=WEEK, today=TODAY)
            imports.append(time.perf_counter() - t0)
            assert report.accepted == args.rows, (report.summary(), report.problems[:2])
            t0 = time.perf_counter()
            with unit_of_work(factory) as s:
                installs.unit_rates(s, SYSTEM, week=WEEK, as_of=TODAY)
            rates.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with unit_of_work(factory) as s:
                installs.ranking(s, SYSTEM, group="3", week=WEEK, as_of=TODAY)
            ranks.append(time.perf_counter() - t0)
    imp = statistics.median(imports)
    print(f"roster import, {args.rows:,} rows: median {imp:.2f} s ({args.rows / imp:,.0f} rows/s)")
    print(f"unit rates, {args.villages + 11} units: median {statistics.median(rates) * 1000:.0f} ms")
    print(f"weekly ranking of villages (two weeks of rates): median {statistics.median(ranks) * 1000:.0f} ms")
    print(
        f"reproduce: .venv/bin/python bench/governance_installs.py --rows {args.rows} --repeat {args.repeat}"
    )


if __name__ == "__main__":
    main()
