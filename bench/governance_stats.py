"""Benchmark: governance statistics on a generated county — case import, figures with 同比/环比 rolled
up the hierarchy, the fraud-free evaluation, and a weekly circular (xlsx + PDF).

Reproduce:   .venv/bin/python bench/governance_stats.py --villages 400 --cases 50000 --repeat 5
Short form:  .venv/bin/python bench/governance_stats.py --villages 40 --cases 2000 --repeat 1

A county of 20 townships with ``--villages`` villages spread over them (plus one school per township),
``--cases`` cases over two years, 10 publicity events per township, in a fresh SQLite file. Prints each
step's median wall seconds over ``--repeat`` runs (the import is run once, then re-run to time the
idempotent re-import).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--villages", type=int, default=400)
    parser.add_argument("--cases", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-gov-"))
    os.environ["QIANDAI_HOME"] = str(home)
    os.environ["QIANDAI_DATABASE_URL"] = f"sqlite:///{home / 'qiandai.db'}"

    from openpyxl import Workbook

    from qiandai.governance import cases, circulars, fraudfree, periods, publicity
    from qiandai.governance.publicity import EventRow
    from qiandai.governance.units import import_unit_rows
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import make_engine, session_factory, unit_of_work
    from qiandai.store.migrate import upgrade

    upgrade()
    factory = session_factory(make_engine())
    rng = random.Random(8)
    raw = [("b", 1, {"code": "C", "name": "县", "kind": "县", "parent": "", "population": 0, "staff": 0})]
    villages = []
    for t in range(20):
        raw.append(("b", 2, {"code": f"T{t:02d}", "name": f"乡镇{t}", "kind": "乡镇", "parent": "C"}))
        raw.append(
            (
                "b",
                3,
                {"code": f"X{t:02d}", "name": f"学校{t}", "kind": "学校", "parent": f"T{t:02d}", "staff": 80},
            )
        )
    for v in range(args.villages):
        code = f"V{v:04d}"
        villages.append(code)
        raw.append(
            (
                "b",
                4,
                {
                    "code": code,
                    "name": f"村{v}",
                    "kind": "村",
                    "parent": f"T{v % 20:02d}",
                    "population": 1500,
                },
            )
        )
    with unit_of_work(factory) as s:
        assert not import_unit_rows(s, raw).problems
    types = cases.fraud_types()
    sheet = home / "cases.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["案件编号", "发案日期", "单位编码", "诈骗类型", "损失金额", "挽回金额", "是否破案"])
    end = date(2026, 11, 22)
    for i in range(args.cases):
        ws.append(
            [
                f"B{i:07d}",
                end - timedelta(days=rng.randint(0, 720)),
                rng.choice(villages),
                types.label(rng.choice(types.top10)),
                rng.randint(100, 200000),
                0,
                "否",
            ]
        )
    wb.save(sheet)
    with unit_of_work(factory) as s:
        publicity.upsert_events(
            s,
            [
                EventRow(
                    f"E{i}",
                    f"T{i % 20:02d}",
                    "进社区",
                    end - timedelta(days=i),
                    "广场",
                    "",
                    100,
                    10,
                    1,
                    1,
                    "",
                )
                for i in range(200)
            ],
            "bench",
        )
    figures: dict[str, float] = {}
    start = time.perf_counter()
    with unit_of_work(factory) as s:
        report = cases.import_cases(s, sheet, "bench", today=end)
    figures["import_first_s"] = time.perf_counter() - start
    assert report.created == args.cases, report.summary()

    def reimport() -> None:
        with unit_of_work(factory) as s:
            assert cases.import_cases(s, sheet, "bench", today=end).unchanged == args.cases

    def month_figures() -> None:
        with unit_of_work(factory) as s:
            cases.unit_figures(s, periods.parse("2026-11"))
            cases.type_figures(s, periods.parse("2026-11"))

    def evaluate() -> None:
        with unit_of_work(factory) as s:
            fraudfree.evaluate(s, 2026)

    def circular() -> None:
        with unit_of_work(factory) as s:
            c = circulars.build(s, SYSTEM, periods.parse("2026-W47"), "village", today=end)
        circulars.write(c, home / "out")

    figures["reimport_s"] = _median(reimport, args.repeat)
    figures["unit_and_type_figures_s"] = _median(month_figures, args.repeat)
    figures["fraudfree_evaluate_s"] = _median(evaluate, args.repeat)
    figures["weekly_circular_xlsx_pdf_s"] = _median(circular, args.repeat)
    units = 21 + 20 + args.villages
    print(f"governance stats: {units} units, {args.cases} cases, repeat {args.repeat} (medians)")
    for k, v in figures.items():
        print(f"  {k:28s} {v:8.3f}")
    print(f"  cases imported per second     {args.cases / figures['import_first_s']:8.0f}")
    cmd = f"bench/governance_stats.py --villages {args.villages} --cases {args.cases} --repeat {args.repeat}"
    print(f"reproduce: .venv/bin/python {cmd}")


if __name__ == "__main__":
    main()
