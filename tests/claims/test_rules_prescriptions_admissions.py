"""Hit / miss / boundary cases for prescription limits and frequent admissions."""

from __future__ import annotations

import pytest
from harness import fee, run_rule, visit

CLINIC = visit("V1", "2025-03-01 09:00", "2025-03-01 10:00", med_type="11")
STAY = visit("V2", "2025-03-01 08:00", "2025-03-09 10:00")


def _drug(mdtrt_id: str, code: str, **kw: object) -> dict[str, object]:
    return fee(mdtrt_id, code, "2025-03-01 09:10", list_type="101", med_chrgitm_type="09", **kw)


@pytest.mark.parametrize(("days", "hits"), [(30, False), (31, True), (7, False)])
def test_drug_supply_days(days: int, hits: bool) -> None:
    found = run_rule("drug_supply_days", visits=[CLINIC], fees=[_drug("V1", "X1", prd_days=days)])
    assert bool(found) is hits


def test_drug_supply_days_ignores_stays_and_services() -> None:
    fees = [
        _drug("V2", "X1", prd_days=60),
        fee("V1", "S1", "2025-03-01 09:10", list_type="201", med_chrgitm_type="05", prd_days=60),
    ]
    assert run_rule("drug_supply_days", visits=[CLINIC, STAY], fees=fees) == []


@pytest.mark.parametrize(("kinds", "hits"), [(5, False), (6, True)])
def test_drug_kinds_boundary(kinds: int, hits: bool) -> None:
    fees = [_drug("V1", f"X{i}", rx_drord_no="RX1", pric=10 + i) for i in range(kinds)]
    fees.append(_drug("V1", "X0", rx_drord_no="RX1"))  # the same drug twice counts once
    found = run_rule("drug_kinds", visits=[CLINIC], fees=fees)
    assert bool(found) is hits
    if hits:
        assert float(found[0]["amount"]) == pytest.approx(15.0)  # the 6th drug


def test_drug_kinds_counts_per_prescription_and_skips_herbs() -> None:
    fees = [_drug("V1", f"X{i}", rx_drord_no=f"RX{i % 2}") for i in range(8)]
    fees += [fee("V1", f"T{i}", "2025-03-01 09:10", list_type="102", rx_drord_no="RX0") for i in range(4)]
    assert run_rule("drug_kinds", visits=[CLINIC], fees=fees) == []


def _stays(n: int, diag: str = "J18.900", start_month: int = 1) -> list[dict[str, object]]:
    return [
        visit(f"S{k:02d}", f"2025-{start_month + k:02d}-03 08:00", f"2025-{start_month + k:02d}-06 10:00",
              dscg_maindiag_code=diag)
        for k in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize(("n", "hits"), [(6, 0), (7, 1), (9, 3)])
def test_frequent_admission_boundary(n: int, hits: int) -> None:
    found = run_rule("frequent_admission", visits=_stays(n))
    assert len(found) == hits
    if hits:
        assert found[0]["mdtrt_id"] == "S06"


def test_frequent_admission_exempts_chemotherapy_and_counts_per_year() -> None:
    assert run_rule("frequent_admission", visits=_stays(8, diag="Z51.100")) == []
    late = _stays(4, start_month=9)
    early = [visit(f"E{k}", f"2026-0{k + 1}-03 08:00", f"2026-0{k + 1}-05 10:00") for k in range(4)]
    assert run_rule("frequent_admission", visits=late + early) == []
