"""Hit / miss / boundary cases for duplicate charges, frequency, cycle and course rules."""

from __future__ import annotations

import pytest
from harness import fee, run_rule, visit

STAY = visit("V1", "2025-01-01 08:00", "2025-01-10 10:00")


def _pair(window: str) -> dict[str, list[dict[str, str]]]:
    return {
        "duplicate_pairs": [
            dict(
                kp_id="KP7",
                code_a="A",
                name_a="急诊监护费",
                code_b="B",
                name_b="普通病房床位费",
                window=window,
                note="含监护、床位",
            )
        ]
    }


@pytest.mark.parametrize(
    ("window", "t_a", "t_b", "hits"),
    [
        ("单次就诊", "2025-01-02 09:00", "2025-01-08 09:00", True),
        ("单日", "2025-01-02 00:00", "2025-01-02 23:59:59", True),
        ("单日", "2025-01-02 23:59:59", "2025-01-03 00:00", False),
        ("6小时", "2025-01-02 08:00", "2025-01-02 14:00", True),  # exactly 6 h
        ("6小时", "2025-01-02 08:00", "2025-01-02 14:00:01", False),  # 6 h + 1 s
        ("6小时", "2025-01-02 22:00", "2025-01-03 03:00", True),  # across midnight
        ("同一小时", "2025-01-02 08:00", "2025-01-02 08:59:59", True),
        ("同一小时", "2025-01-02 08:59:59", "2025-01-02 09:00:00", False),
    ],
)
def test_duplicate_charge_windows(window: str, t_a: str, t_b: str, hits: bool) -> None:
    found = run_rule(
        "duplicate_charge",
        visits=[STAY],
        fees=[fee("V1", "A", t_a), fee("V1", "B", t_b, bkkp_sn="B-LINE")],
        knowledge=_pair(window),
    )
    assert bool(found) is hits
    if hits:
        assert found[0]["fee_ids"] == ["B-LINE"]
        assert "「急诊监护费」与「普通病房床位费」" in found[0]["evidence"]


def test_duplicate_charge_needs_both_items_in_the_same_visit() -> None:
    other = visit("V2", "2025-01-01 08:00", "2025-01-10 10:00", fixmedins_code="H2")
    found = run_rule(
        "duplicate_charge",
        visits=[STAY, other],
        fees=[fee("V1", "A", "2025-01-02 09:00"), fee("V2", "B", "2025-01-02 09:00")],
        knowledge=_pair("单次就诊"),
    )
    assert found == []


def test_duplicate_charge_amount_counts_each_b_line_once() -> None:
    found = run_rule(
        "duplicate_charge",
        visits=[STAY],
        fees=[
            fee("V1", "A", "2025-01-02 09:00"),
            fee("V1", "A", "2025-01-02 10:00"),
            fee("V1", "B", "2025-01-02 11:00", pric=50),
        ],
        knowledge=_pair("单日"),
    )
    assert len(found) == 1 and str(found[0]["amount"]) == "50.00"


FREQ = {"item_frequency": [dict(kp_id="KP81", code="BED", name="普通病房床位费", max_count=1, unit="日")]}
HOURLY = {"item_frequency": [dict(kp_id="KP82", code="ECG", name="心电监测", max_count=24, unit="小时")]}


@pytest.mark.parametrize(
    ("counts", "hits"), [((1,), False), ((1, 1), True), ((2,), True), ((0.5, 0.5), False)]
)
def test_item_frequency_daily(counts: tuple[float, ...], hits: bool) -> None:
    fees = [fee("V1", "BED", f"2025-01-02 0{i}:00", cnt=c, pric=30) for i, c in enumerate(counts)]
    found = run_rule("item_frequency", visits=[STAY], fees=fees, knowledge=FREQ)
    assert bool(found) is hits
    if hits:
        assert str(found[0]["amount"]) == "30.00"


def test_item_frequency_counts_per_day_not_per_visit() -> None:
    fees = [fee("V1", "BED", "2025-01-02 08:00"), fee("V1", "BED", "2025-01-03 08:00")]
    assert run_rule("item_frequency", visits=[STAY], fees=fees, knowledge=FREQ) == []


@pytest.mark.parametrize(("cnt", "hits"), [(24, False), (25, True)])
def test_item_frequency_hourly_unit_counts_hours_per_day(cnt: int, hits: bool) -> None:
    fees = [fee("V1", "ECG", "2025-01-02 08:00", cnt=cnt, pric=5)]
    assert bool(run_rule("item_frequency", visits=[STAY], fees=fees, knowledge=HOURLY)) is hits


CYCLE = {
    "item_cycle": [dict(kp_id="KP84", code="HBA1C", name="糖化血红蛋白测定", max_count=1, period_days=15)]
}


@pytest.mark.parametrize(
    ("second_day", "hits"), [("2025-03-16", False), ("2025-03-15", True), ("2025-03-01", True)]
)
def test_item_cycle_interval_boundary(second_day: str, hits: bool) -> None:
    visits = [
        visit("O1", "2025-03-01 09:00", med_type="11"),
        visit("O2", f"{second_day} 09:00", med_type="11"),
    ]
    fees = [
        fee("O1", "HBA1C", "2025-03-01 09:10"),
        fee("O2", "HBA1C", f"{second_day} 09:10", bkkp_sn="SECOND"),
    ]
    found = run_rule("item_cycle", visits=visits, fees=fees, knowledge=CYCLE)
    assert bool(found) is hits
    if hits:
        assert found[-1]["fee_ids"] == ["SECOND"]


def test_item_cycle_is_per_person() -> None:
    visits = [
        visit("O1", "2025-03-01 09:00", med_type="11"),
        visit("O2", "2025-03-02 09:00", med_type="11", psn_no="P2"),
    ]
    fees = [fee("O1", "HBA1C", "2025-03-01 09:10"), fee("O2", "HBA1C", "2025-03-02 09:10")]
    assert run_rule("item_cycle", visits=visits, fees=fees, knowledge=CYCLE) == []


COURSE = {"drug_course": [dict(kp_id="KP6", code="OZG", name="奥扎格雷钠注射液", max_days=3)]}


@pytest.mark.parametrize(("days", "hits"), [(3, False), (4, True)])
def test_drug_course_distinct_days_per_visit(days: int, hits: bool) -> None:
    fees = [fee("V1", "OZG", f"2025-01-0{d + 1} 10:00") for d in range(days)]
    fees.append(fee("V1", "OZG", "2025-01-01 18:00"))  # a second line on day 1 is not a new day
    found = run_rule("drug_course", visits=[STAY], fees=fees, knowledge=COURSE)
    assert bool(found) is hits
    if hits:
        assert len(found[0]["fee_ids"]) == 1
        assert "使用4天" in found[0]["evidence"]


def test_item_course_counts_across_visits_in_a_year() -> None:
    knowledge = {"item_course": [dict(kp_id="KP83", code="REHAB", name="平衡功能训练", max_days=2)]}
    visits = [visit(f"O{i}", f"2025-0{i}-01 09:00", med_type="11") for i in (1, 2, 3)]
    fees = [fee(f"O{i}", "REHAB", f"2025-0{i}-01 09:30") for i in (1, 2, 3)]
    found = run_rule("item_course", visits=visits, fees=fees, knowledge=knowledge)
    assert [f["mdtrt_id"] for f in found] == ["O3"]
    next_year = [*visits[:2], visit("O3", "2026-01-01 09:00", med_type="11")]
    fees[2] = fee("O3", "REHAB", "2026-01-01 09:30")
    assert run_rule("item_course", visits=next_year, fees=fees, knowledge=knowledge) == []
