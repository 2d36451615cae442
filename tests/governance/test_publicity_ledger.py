"""Publicity ledger and awareness surveys on the fixture county.

Ledger (November 2026): 柳树村 进农村 120 people / 200 leaflets; 柳树村 进家庭 30 / 50; 石门村 进校园 80
/ 100 / 2 banners; 中心小学 (under 东城镇) 进校园 400 people. Roll-up: 东城镇 3 events, 550 people;
清河县 4 events, 630 people. Reach per 100: 柳树村 150 / 1,000 = 15.0; 东城镇 550 / 3,540 = 15.5.
Survey (5 questions each): 柳树村 40 respondents, 170 correct → 85.0 %; 石门村 20, 70 → 70.0 %;
清河县 240 of 300 → 80.0 %.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from stats_county import TODAY, county_factory, write_csv, write_xlsx

from qiandai.domain.errors import InvalidInputError
from qiandai.governance import periods, publicity
from qiandai.store.database import unit_of_work

HEADER = [
    "单位",
    "活动类型",
    "活动日期",
    "活动地点",
    "组织者",
    "覆盖人数",
    "发放资料（份）",
    "悬挂横幅",
    "电子屏",
]
ROWS = [
    ["东城镇柳树村", "进农村", "2026-11-02", "村委会广场", "村两委", "120人", "200", "", ""],
    ["V0101", "家庭", "2026-11-05", "三组入户", "网格员", "30", "50", "0", "0"],
    ["西山乡石门村", "进校园", date(2026, 11, 6), "石门小学", "派出所", "８０", "100", "2", "1"],
    ["X0101", "进校园", "2026-11-07", "报告厅", "学校", "400", "0", "0", "2"],
    [
        "东城镇柳树村",
        "进农村",
        "2026-11-02",
        "村委会广场",
        "村两委",
        "120",
        "200",
        "",
        "",
    ],  # same event again
    ["火星村", "进社区", "2026-11-02", "广场", "", "10", "", "", ""],  # unknown unit
    ["V0102", "上街", "2026-11-02", "集市", "", "10", "", "", ""],  # unknown kind
    ["V0102", "进社区", "2026-11-02", "", "", "十", "", "", ""],  # no place, bad count
]


def test_ledger_import_coverage_and_idempotence(database_url: str, tmp_path: Path) -> None:
    factory = county_factory(database_url)
    sheet = write_xlsx(tmp_path / "台账.xlsx", HEADER, ROWS, title="反诈宣传活动台账（11月）")
    with unit_of_work(factory) as session:
        report = publicity.import_events(session, sheet, "t", today=TODAY)
    assert (report.created, report.rejected) == (4, 4)
    texts = [p.as_text() for p in report.problems]
    assert any("第 7 行【台账编号】" in t and "第 3 行是同一活动" in t for t in texts)
    assert any("第 8 行【单位】" in t and "火星村" in t for t in texts)
    assert any("第 9 行【活动类型】" in t and "上街" in t for t in texts)
    assert any("第 10 行【活动地点】" in t for t in texts) and any("第 10 行【覆盖人数】" in t for t in texts)
    csv_copy = write_csv(tmp_path / "台账.csv", HEADER, ROWS[:4])
    with unit_of_work(factory) as session:
        again = publicity.import_events(session, csv_copy, "t", today=TODAY)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
        cov = {c.unit_code: c for c in publicity.coverage(session, periods.parse("2026-11"))}
        assert len(publicity.events(session, None, None)) == 4
    assert (cov["V0101"].events, cov["V0101"].people, cov["V0101"].leaflets) == (2, 150, 250)
    assert cov["V0101"].by_kind["进农村"] == 1 and cov["V0101"].by_kind["进家庭"] == 1
    assert str(cov["V0101"].reach_pct) == "15.0"
    assert (cov["T01"].events, cov["T01"].people, cov["T01"].base, str(cov["T01"].reach_pct)) == (
        3,
        550,
        3540,
        "15.5",
    )
    assert (cov["C01"].events, cov["C01"].people, cov["C01"].banners, cov["C01"].screens) == (4, 630, 2, 3)
    assert cov["C01"].by_kind["进校园"] == 2


def test_form_photos_and_surveys(database_url: str, tmp_path: Path) -> None:
    factory = county_factory(database_url)
    with unit_of_work(factory) as session:
        with pytest.raises(InvalidInputError, match="活动日期 2026-12-01 晚于今天"):
            publicity.add_event(
                session,
                {"unit_code": "V0101", "kind": "进社区", "held_on": "2026-12-01", "place": "x"},
                "t",
                today=TODAY,
            )
        event = publicity.add_event(
            session,
            {"unit_code": "V0101", "kind": "进社区", "held_on": "2026-11-01", "place": "广场"},
            "t",
            today=TODAY,
        )
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
        first = publicity.add_photo(session, event.id, "a.png", "image/png", png, "t")
        assert publicity.add_photo(session, event.id, "b.png", "image/png", png, "t").id == first.id
        with pytest.raises(InvalidInputError, match="不是 JPEG 或 PNG"):
            publicity.add_photo(session, event.id, "x.png", "image/png", b"GIF89a", "t")
        survey = publicity.create_survey(session, "S1", "知晓率抽查", date(2026, 11, 10), 5, "t")
        results = write_xlsx(
            tmp_path / "r.xlsx",
            ["单位编码", "调查人数", "答对题数"],
            [["V0101", 40, 170], ["V0201", 20, 70], ["V0202", 10, 51], ["V0102", 0, 0]],
        )
        r = publicity.import_results(session, survey, results, "t")
        assert (r["saved"], r["rejected"]) == (2, 2)
        rates = {a.unit_code: a for a in publicity.awareness(session, survey)}
        with pytest.raises(InvalidInputError, match="已存在且内容不同"):
            publicity.create_survey(session, "S1", "别的", date(2026, 11, 10), 5, "t")
    assert str(rates["V0101"].rate) == "85.0" and str(rates["V0201"].rate) == "70.0"
    assert (rates["C01"].respondents, rates["C01"].correct, str(rates["C01"].rate)) == (60, 240, "80.0")
    assert "V0102" not in rates
