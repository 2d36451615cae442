"""Hit / miss / boundary cases for stay rules and behaviour rules."""

from __future__ import annotations

import pytest
from harness import fee, run_rule, visit


@pytest.mark.parametrize(
    ("fee_time", "hits"),
    [
        ("2025-03-01 00:00", False),  # admission day, before admission hour: same date is fine
        ("2025-02-28 23:59", True),
        ("2025-03-05 23:59", False),  # discharge day
        ("2025-03-06 00:00", True),
    ],
)
def test_fee_outside_stay(fee_time: str, hits: bool) -> None:
    v = visit("V1", "2025-03-01 10:00", "2025-03-05 09:00")
    found = run_rule(
        "fee_outside_stay", visits=[v], fees=[fee("V1", "X", fee_time), fee("V1", "Y", "2025-03-02 10:00")]
    )
    assert bool(found) is hits
    if hits:
        assert len(found[0]["fee_ids"]) == 1


def test_fee_outside_stay_ignores_outpatient_visits() -> None:
    v = visit("O1", "2025-03-01 10:00", "2025-03-01 11:00", med_type="11")
    assert run_rule("fee_outside_stay", visits=[v], fees=[fee("O1", "X", "2025-03-03 10:00")]) == []


def _stays(
    second_begin: str, *, diag2: str = "J18.9", inst2: str = "H1", **kw: str
) -> list[dict[str, object]]:
    return [
        visit("V1", "2025-04-01 09:00", "2025-04-10 09:00", dscg_maindiag_code="J18.0"),
        visit("V2", second_begin, "2025-05-20 09:00", dscg_maindiag_code=diag2, fixmedins_code=inst2, **kw),
    ]


@pytest.mark.parametrize(
    ("begin", "hits"),
    [("2025-04-10 15:00", True), ("2025-04-25 09:00", True), ("2025-04-26 09:00", False)],
)
def test_split_admission_gap_boundary(begin: str, hits: bool) -> None:
    found = run_rule("split_admission", visits=_stays(begin), fees=[fee("V2", "X", begin, pric=100)])
    assert [f["mdtrt_id"] for f in found] == (["V2"] if hits else [])
    if hits:
        assert str(found[0]["amount"]) == "100.00"


@pytest.mark.parametrize(
    ("kw", "hits"),
    [
        (dict(diag2="K35.8"), False),  # other diagnosis category
        (dict(inst2="H2"), False),  # other institution
        (dict(diag2="Z51.1"), False),  # chemotherapy cycle
        (dict(diag2="N18.5"), False),  # dialysis
        (dict(refl_old_mdtrt_id="V1"), False),  # transfer
        (dict(refl_old_mdtrt_id="V0"), True),
    ],
)
def test_split_admission_exemptions(kw: dict[str, str], hits: bool) -> None:
    found = run_rule("split_admission", visits=_stays("2025-04-15 09:00", **kw))
    assert bool(found) is hits


@pytest.mark.parametrize(
    ("begin2", "hits"), [("2025-04-10 15:00", False), ("2025-04-09 15:00", True), ("2025-04-03 09:00", True)]
)
def test_concurrent_stays(begin2: str, hits: bool) -> None:
    visits = [
        visit("A", "2025-04-01 09:00", "2025-04-10 09:00", fixmedins_code="H1"),
        visit("B", begin2, "2025-04-20 09:00", fixmedins_code="H2", fixmedins_name="第二医院"),
    ]
    fees = [fee("B", "X", begin2, bkkp_sn="IN-OVERLAP"), fee("B", "Y", "2025-04-18 10:00")]
    found = run_rule("concurrent_stays", visits=visits, fees=fees)
    assert [f["mdtrt_id"] for f in found] == (["B"] if hits else [])
    if hits:
        assert found[0]["fee_ids"] == ["IN-OVERLAP"]


def test_concurrent_stays_same_institution_is_not_concurrent() -> None:
    visits = [
        visit("A", "2025-04-01 09:00", "2025-04-10 09:00"),
        visit("B", "2025-04-05 09:00", "2025-04-12 09:00"),
    ]
    assert run_rule("concurrent_stays", visits=visits) == []


def _day_lines(day: str, *, treated: bool) -> list[dict[str, object]]:
    lines = [
        fee("V1", "BED", f"{day} 08:00", med_chrgitm_type="01"),
        fee("V1", "NURSE", f"{day} 08:00", med_chrgitm_type="07"),
        fee("V1", "ROUND", f"{day} 08:00", med_chrgitm_type="02"),
    ]
    if treated:
        lines.append(fee("V1", "DRUG", f"{day} 10:00", med_chrgitm_type="09"))
    return lines


@pytest.mark.parametrize(("bed_only_days", "hits"), [(2, False), (3, True)])
def test_phantom_bed_run_length(bed_only_days: int, hits: bool) -> None:
    v = visit("V1", "2025-06-01 09:00", "2025-06-10 09:00")
    fees = _day_lines("2025-06-01", treated=True)
    for d in range(bed_only_days):
        fees += _day_lines(f"2025-06-0{2 + d}", treated=False)
    fees += _day_lines(f"2025-06-0{2 + bed_only_days}", treated=True)
    found = run_rule("phantom_bed", visits=[v], fees=fees)
    assert bool(found) is hits
    if hits:
        assert len(found[0]["fee_ids"]) == 9 and "连续3天" in found[0]["evidence"]


def test_phantom_bed_needs_consecutive_days() -> None:
    v = visit("V1", "2025-06-01 09:00", "2025-06-10 09:00")
    fees = []
    for day, treated in [("01", False), ("02", False), ("03", True), ("04", False), ("05", False)]:
        fees += _day_lines(f"2025-06-{day}", treated=treated)
    assert run_rule("phantom_bed", visits=[v], fees=fees) == []


@pytest.mark.parametrize(("n", "expected"), [(8, []), (9, ["O9"]), (10, ["O10", "O9"])])
def test_frequent_outpatient(n: int, expected: list[str]) -> None:
    visits = [visit(f"O{i}", f"2025-07-{i:02d} 09:00", med_type="11") for i in range(1, n + 1)]
    visits.append(visit("AUG", "2025-08-01 09:00", med_type="11"))
    found = run_rule("frequent_outpatient", visits=visits)
    assert sorted(f["mdtrt_id"] for f in found) == sorted(expected)


def test_frequent_outpatient_is_per_natural_month() -> None:
    visits = [visit(f"J{i}", f"2025-07-{24 + i} 09:00", med_type="11") for i in range(1, 8)]
    visits += [visit(f"A{i}", f"2025-08-0{i} 09:00", med_type="11") for i in range(1, 7)]
    assert run_rule("frequent_outpatient", visits=visits) == []


def test_frequent_pharmacy_counts_only_pharmacy_visits() -> None:
    visits = [visit(f"R{i}", f"2025-07-{i:02d} 09:00", med_type="41") for i in range(1, 8)]
    visits += [visit(f"O{i}", f"2025-07-{10 + i} 09:00", med_type="11") for i in range(1, 5)]
    found = run_rule("frequent_pharmacy", visits=visits)
    assert [f["mdtrt_id"] for f in found] == ["R7"]


@pytest.mark.parametrize(("fee_day", "hits"), [("2025-05-10", False), ("2025-05-11", True)])
def test_fee_after_death(fee_day: str, hits: bool) -> None:
    visits = [
        visit("D", "2025-05-01 09:00", "2025-05-10 09:00", die_date="2025-05-10", dscg_way="5"),
        visit("O", f"{fee_day} 09:00", med_type="41", fixmedins_code="PH1"),
    ]
    fees = [fee("D", "X", "2025-05-09 10:00"), fee("O", "DRUG", f"{fee_day} 09:10")]
    found = run_rule("fee_after_death", visits=visits, fees=fees)
    assert [f["mdtrt_id"] for f in found] == (["O"] if hits else [])
