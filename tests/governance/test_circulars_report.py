"""Circulars: figures gathered for a week and a month, the xlsx cells, the PDF (produced, with the unit
names in its text when a text extractor is available), and the demo seed.

Hand-computed: week 2026-W47 (16–22 Nov) has C1 (东城镇柳树村, ¥1,000) and C2 (西山乡石门村, ¥2,500.50);
W46 has C3 (柳树村); W47 of 2025 has nothing. So 东城镇 1 case, 环比 0.0 %; 西山乡 1 case, 环比 —;
南关街道 0. The month 2026-11 has C1–C3: 东城镇 2, 西山乡 1. Installs: 柳树村 reports 250 of 1,000
in W47 and the township ranking puts 东城镇 (250 of 3,540 = 7.1 %) first, 西山乡 and 南关街道 at 0.0 %.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from stats_county import county_factory, write_csv

from qiandai.domain.idcard import make_id_number
from qiandai.governance import cases, circulars, periods, rosters
from qiandai.governance.circulars_pdf import bar_svg, html, pdf_bytes
from qiandai.governance.circulars_xlsx import xlsx_bytes
from qiandai.governance.demo_stats import seed_demo_stats
from qiandai.identity.principal import SYSTEM
from qiandai.store.database import unit_of_work

TODAY = date(2026, 11, 23)
W47 = date(2026, 11, 16)


def _seed(database_url: str, tmp_path: Path) -> sessionmaker[Session]:
    factory = county_factory(database_url)
    header = ["案件编号", "发案日期", "单位编码", "诈骗类型", "损失金额"]
    rows = [
        ["C1", "2026-11-17", "V0101", "刷单返利", "1000"],
        ["C2", "2026-11-20", "V0201", "冒充公检法", "2500.50"],
        ["C3", "2026-11-10", "V0101", "婚恋交友", "300"],
    ]
    with unit_of_work(factory) as session:
        assert (
            cases.import_cases(
                session, write_csv(tmp_path / "c.csv", header, rows), "t", today=TODAY
            ).rejected
            == 0
        )
        records = [
            (
                "花名册",
                i + 2,
                {
                    "name": f"测试{chr(0x4E00 + i)}",
                    "id_number": make_id_number("330102", date(1980, 1, 1 + i % 28), i),
                    "phone": f"139{i:08d}",
                    "unit": "V0101",
                    "install_date": W47,
                },
            )
            for i in range(250)
        ]
        report = rosters.import_roster_records(
            session,
            SYSTEM,
            "V0101",
            records,
            content_sha256="w47",
            filename="V0101.xlsx",
            week=W47,
            today=TODAY,
        )
        assert report.accepted == 250
    return factory


def test_weekly_circular_figures_and_files(database_url: str, tmp_path: Path) -> None:
    factory = _seed(database_url, tmp_path)
    with unit_of_work(factory) as session:
        c = circulars.build(session, SYSTEM, periods.parse("2026-W47"), "township", today=TODAY)
    assert c.title == "清河县反诈工作周通报（2026年第47周（11月16日—11月22日））"
    assert c.unit_names == ["南关街道", "东城镇", "西山乡"]  # by unit code
    sections = {s.key: s for s in c.sections}
    install = sections["install"].rows
    assert [r[:2] for r in install] == [[1, "东城镇"], [2, "南关街道"], [2, "西山乡"]]
    assert install[0][3:6] == [3540, 250, "7.1%"]
    by_unit = {r[0]: r for r in sections["cases"].rows}
    assert by_unit["东城镇"][1:4] == [1, 1, "+0.0%"]
    assert by_unit["西山乡"][1:4] == [1, 0, "—"] and by_unit["西山乡"][6] == Decimal("2500.50")
    assert by_unit["南关街道"][1] == 0
    assert c.summary[0].startswith(
        "本期（2026年第47周（11月16日—11月22日））清河县共发生电信网络诈骗案件 2 起"
    )
    book = load_workbook(io.BytesIO(xlsx_bytes(c)))
    assert book.sheetnames[0] == "概况" and len(book.sheetnames) == 7
    sheet = book["电信网络诈骗案件统计"]
    assert [cell.value for cell in sheet[1]][:4] == ["单位", "发案数", "上期发案", "环比"]
    assert [sheet.cell(4, 1).value, sheet.cell(4, 2).value, sheet.cell(4, 7).value] == ["西山乡", 1, 2500.5]
    files = circulars.write(c, tmp_path / "out")
    assert [f.suffix for f in files] == [".xlsx", ".pdf"]
    pdf = files[1].read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(files[1]), "-"], capture_output=True, text=True, check=True
        ).stdout
        for name in c.unit_names:
            assert name in text
    else:  # no extractor: the names are in the HTML WeasyPrint laid out
        page = html(c)
        assert all(name in page for name in c.unit_names) and "<svg" in page


def test_monthly_village_circular_and_bad_arguments(database_url: str, tmp_path: Path) -> None:
    factory = _seed(database_url, tmp_path)
    with unit_of_work(factory) as session:
        c = circulars.build(session, SYSTEM, periods.parse("2026-11"), "village", root="T01", today=TODAY)
        with pytest.raises(Exception, match="通报周期"):
            circulars.build(session, SYSTEM, periods.parse("2026"), "village")
        with pytest.raises(Exception, match="通报层级"):
            circulars.build(session, SYSTEM, periods.parse("2026-11"), "城市")
    assert c.title.startswith("东城镇反诈工作月通报（2026年11月）")
    assert c.unit_names == ["东城镇新华社区", "东城镇柳树村", "东城镇杨庄村"]
    by_unit = {r[0]: r for r in next(s for s in c.sections if s.key == "cases").rows}
    assert by_unit["东城镇柳树村"][1] == 2 and by_unit["东城镇杨庄村"][1] == 0
    assert pdf_bytes(c).startswith(b"%PDF")


def test_bar_svg_escapes_and_scales() -> None:
    svg = bar_svg(circulars.Chart("发案数", ["<村>", "乙"], [4.0, 2.0], "起"))
    assert "&lt;村&gt;" in svg and 'width="420.0"' in svg and 'width="210.0"' in svg


def test_demo_seed_is_idempotent(database_url: str) -> None:
    factory = county_factory(database_url)
    first = seed_demo_stats(factory, TODAY)
    second = seed_demo_stats(factory, TODAY)
    assert any("演示案件 60 件新增" in line for line in first)
    assert any("演示案件 0 件新增、60 件已存在" in line for line in second)
    assert not any("核减任务" in line for line in second)
    with unit_of_work(factory) as session:
        assert len(cases.list_cases(session, None, None)) == 60
        c = circulars.build(session, SYSTEM, periods.parse("2026-11"), "township", today=TODAY)
    assert next(s for s in c.sections if s.key == "reduction").rows
