"""Case statistics on the fixture county: import (bad rows, idempotence), roll-up, 同比/环比, targets.

Hand-computed expectations (November 2026; 环比 = October 2026, 同比 = November 2025):

* 柳树村 V0101: K1 10,000 + K2 500,000 → 2 cases, 510,000.00; October K4 → 1 (+100.0 %); Nov 2025 K6 → 1.
* 东城镇 T01 = V0101 + V0102 + …: 2 cases; October K4 + K5 → 2 (0.0 %); Nov 2025 → 1 (+100.0 %).
* 西山乡 T02: K3 3,000.50 → 1; October 0 (环比 —).
* 南关街道 S01: 0; Nov 2025 K7 → 1 (同比 −100.0 %).
* 清河县 C01: 3 cases, 513,000.50; October 2 (+50.0 %); Nov 2025 2 (+50.0 %).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from stats_county import TODAY, county_factory, write_csv, write_xlsx

from qiandai.governance import cases, periods
from qiandai.store.database import unit_of_work

HEADER = ["案件编号", "发案日期", "单位编码", "诈骗类型", "损失金额（元）", "挽回金额", "是否破案"]
GOOD = [
    ["K1", "2026-11-03", "V0101", "刷单返利", "10,000", "2000", "是"],
    ["K2", date(2026, 11, 10), "V0101", "冒充公检法", 500000, 0, "否"],
    ["K3", "2026/11/20", "V0201", "刷单返利类", "3000.50", "", "否"],
    ["K4", "2026年10月5日", "V0101", "虚假网络投资理财", "20000", "0", "否"],
    ["K5", "2026-10-15", "V0102", "order_brushing", "1000", "0", "已破"],
    ["K6", "2025-11-11", "V0101", "刷单返利", "5000", "0", "否"],
    ["K7", "2025-11-12", "R0301", "婚恋交友", "8000", "0", "否"],
    ["K8", "2026-03-01", "V0101", "刷单返利", "100", "0", "否"],
    ["K9", "2026-04-01", "V0201", "刷单返利", "100", "0", "否"],
    ["K10", "2026-05-01", "V0201", "刷单返利", "100", "0", "否"],
    ["K11", "2026-06-01", "R0301", "刷单返利", "100", "0", "否"],
]
BAD = [
    ["K12", "2026-11-05", "V9999", "刷单返利", "100", "0", "否"],  # unknown unit
    ["K13", "2026-12-01", "V0101", "刷单返利", "100", "0", "否"],  # future
    ["K14", "2026-11-05", "V0101", "刷单返利", "100", "200", "否"],  # recovered > loss
    ["K1", "2026-11-05", "V0101", "刷单返利", "100", "0", "否"],  # duplicate case no
    ["K15", "2026-11-05", "V0101", "算命", "100", "0", "否"],  # unknown type
    ["K16", "2026-11-05", "V0101", "刷单返利", "-5", "0", "也许"],  # negative loss, bad flag
    ["", "", "", "", "", "", ""],  # blank row: not data
]


def _load(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    factory = county_factory(database_url)
    sheet = write_xlsx(tmp_path / "案件.xlsx", HEADER, GOOD + BAD, title="2026年电信网络诈骗案件统计表")
    with unit_of_work(factory) as session:
        report = cases.import_cases(session, sheet, "tester", today=TODAY)
    return factory, sheet, report


def test_import_reports_every_bad_row_and_is_idempotent(database_url: str, tmp_path: Path) -> None:
    factory, sheet, report = _load(database_url, tmp_path)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (11, 0, 0, 6)
    texts = [p.as_text() for p in report.problems]
    assert "工作表“数据”第 14 行【居住地单位】：单位编码“V9999”不存在" in texts
    assert any("第 15 行【发案日期】" in t and "晚于今天" in t for t in texts)
    assert any("第 16 行【挽回金额】" in t and "大于损失金额" in t for t in texts)
    assert any("第 17 行【案件编号】" in t and "第 3 行重复" in t for t in texts)
    assert any("第 18 行【诈骗类型】" in t and "算命" in t for t in texts)
    assert any("第 19 行【损失金额】" in t for t in texts) and any("第 19 行【是否破案】" in t for t in texts)
    with unit_of_work(factory) as session:
        again = cases.import_cases(session, sheet, "tester", today=TODAY)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 11, 6)
    # a corrected CSV (GBK, as Excel writes it) updates one case and leaves the rest
    fixed = write_csv(
        tmp_path / "更正.csv",
        HEADER,
        [["K3", "2026-11-20", "V0201", "刷单返利", "3500", "0", "是"]],
        "gb18030",
    )
    with unit_of_work(factory) as session:
        third = cases.import_cases(session, fixed, "tester", today=TODAY)
        assert (third.created, third.updated, third.unchanged) == (0, 1, 0)
        assert len(cases.list_cases(session, None, None)) == 11


def test_month_figures_roll_up_with_yoy_and_mom(database_url: str, tmp_path: Path) -> None:
    factory, _, _ = _load(database_url, tmp_path)
    with unit_of_work(factory) as session:
        figs = {f.key: f for f in cases.unit_figures(session, periods.parse("2026-11"))}
        types = {f.key: f for f in cases.type_figures(session, periods.parse("2026-11"))}
    v = figs["V0101"]
    assert (v.count, v.loss, v.recovered, v.solved) == (2, Decimal("510000.00"), Decimal("2000.00"), 1)
    assert (v.count_prev, v.count_yoy, v.count_mom, v.count_yoy_pct) == (
        1,
        1,
        Decimal("100.0"),
        Decimal("100.0"),
    )
    t01 = figs["T01"]
    assert (t01.count, t01.count_prev, t01.count_mom, t01.count_yoy_pct) == (
        2,
        2,
        Decimal("0.0"),
        Decimal("100.0"),
    )
    assert (figs["T02"].count, figs["T02"].loss, figs["T02"].count_mom) == (1, Decimal("3000.50"), None)
    assert (figs["S01"].count, figs["S01"].count_yoy, figs["S01"].count_yoy_pct) == (0, 1, Decimal("-100.0"))
    c = figs["C01"]
    assert (c.count, c.loss, c.count_prev, c.count_yoy) == (3, Decimal("513000.50"), 2, 2)
    assert (c.count_mom, c.count_yoy_pct) == (Decimal("50.0"), Decimal("50.0"))
    assert c.loss_prev == Decimal("21000.00") and c.loss_yoy == Decimal("13000.00")
    brushing = types["order_brushing"]
    assert (brushing.label, brushing.count, brushing.loss, brushing.count_prev) == (
        "刷单返利",
        2,
        Decimal("13000.50"),
        1,
    )
    assert list(types)[:10] == list(cases.fraud_types().top10)


def test_scope_limits_units_and_types(database_url: str, tmp_path: Path) -> None:
    factory, _, _ = _load(database_url, tmp_path)
    with unit_of_work(factory) as session:
        t02 = frozenset({"T02", "V0201", "V0202"})
        figs = cases.unit_figures(session, periods.parse("2026-11"), t02)
        types = {f.key: f.count for f in cases.type_figures(session, periods.parse("2026-11"), t02)}
    assert sorted(f.key for f in figs) == ["T02", "V0201", "V0202"]
    assert types["order_brushing"] == 1 and types["impersonate_police"] == 0


def test_half_year_target_flags(database_url: str, tmp_path: Path) -> None:
    factory, _, _ = _load(database_url, tmp_path)
    with unit_of_work(factory) as session:
        target = cases.put_target(
            session, "H10", "案件数半年环比下降10%", "cases", "half", Decimal("-10"), "tester"
        )
        result = {r.unit_code: r for r in cases.evaluate_target(session, target, periods.parse("2026-H2"))}
        with pytest.raises(Exception, match="类型不符"):
            cases.evaluate_target(session, target, periods.parse("2026-11"))
    # county: H2 = K1..K5 = 5, H1 = K8..K11 = 4 → +25 %: not met
    assert (result["C01"].current, result["C01"].base, result["C01"].meets) == (5, 4, False)
    assert result["C01"].change == Decimal("25.0")
    assert (result["V0201"].change, result["V0201"].meets) == (Decimal("-50.0"), True)
    assert (result["R0301"].current, result["R0301"].meets) == (0, True)
    assert (result["V0202"].base, result["V0202"].meets) == (0, True)  # nothing before, nothing now
    assert (result["V0102"].base, result["V0102"].meets) == (0, False)  # a rise from zero
    assert cases.meets_target(9, 10, Decimal("-10")) and not cases.meets_target(10, 10, Decimal("-10"))


def test_cases_from_transfer_warnings(database_url: str) -> None:
    from datetime import UTC, datetime

    from qiandai.transfers import warning_service
    from qiandai.transfers.warnings import Level, Outcome, SlaPolicy, Unit, WarningDraft

    factory = county_factory(database_url)
    with unit_of_work(factory) as session:
        warning_service.put_unit(session, Unit("V0201", "石门村网格", "村网格", "330102001"))
        drafts = [
            WarningDraft(
                "feed",
                Level.HIGH,
                ["x"],
                "刷单返利",
                external_id="E1",
                victim_region="330102001",
                amount=Decimal("800"),
            ),
            WarningDraft(
                "feed",
                Level.HIGH,
                ["x"],
                "冒充公检法",
                external_id="E2",
                victim_region="999999",
                amount=Decimal("50"),
            ),
        ]
        warning_service.create_warnings(session, drafts, SlaPolicy(), datetime(2026, 11, 2, 2, tzinfo=UTC))
        from sqlalchemy import select

        from qiandai.transfers.models import WarningRow

        for w in session.scalars(select(WarningRow)):
            w.outcome, w.status = Outcome.DEFRAUDED.value, "closed"
            w.closed_at = datetime(2026, 11, 3, 1, tzinfo=UTC)
    with unit_of_work(factory) as session:
        report = cases.import_from_transfers(session, "tester")
    with unit_of_work(factory) as session:
        again = cases.import_from_transfers(session, "tester")
        stored = cases.list_cases(session, None, None)
    routed = [c for c in stored if c.unit_code == "V0201"]
    assert (report.created, report.rejected, again.created, again.unchanged) == (1, 1, 0, 1)
    assert (
        len(routed) == 1 and routed[0].fraud_type == "order_brushing" and routed[0].loss == Decimal("800.00")
    )
    assert routed[0].occurred_on == date(2026, 11, 3) and routed[0].case_no.startswith("YJ-")


def test_cases_from_reviewed_texts(database_url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from qiandai.texts.cases import CaseStore, cases_path

    store = CaseStore(cases_path(tmp_path))
    first = store.add("有人让我刷单返利", datetime(2026, 11, 4, 2, tzinfo=UTC))
    store.add("未复核的案情", datetime(2026, 11, 4, 3, tzinfo=UTC))
    negative = store.add("正常通知", datetime(2026, 11, 4, 4, tzinfo=UTC))
    store.review(first, "order_brushing", "reviewer")
    store.review(negative, "normal", "reviewer")
    factory = county_factory(database_url)
    with unit_of_work(factory) as session:
        report = cases.import_from_texts(session, "V0102", "tester", home=tmp_path)
        again = cases.import_from_texts(session, "V0102", "tester", home=tmp_path)
        stored = cases.list_cases(session, None, None)
        with pytest.raises(Exception, match="不存在"):
            cases.import_from_texts(session, "NOPE", "tester", home=tmp_path)
    assert (report.created, again.created, again.unchanged) == (1, 0, 1)
    assert [(c.case_no, c.unit_code, c.fraud_type, c.occurred_on) for c in stored] == [
        (f"WB-{first}", "V0102", "order_brushing", date(2026, 11, 4))
    ]
