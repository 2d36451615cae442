"""Hit / miss / boundary cases for the data-quality rules (信息数据监管类)."""

from __future__ import annotations

import pytest
from harness import fee, run_rule, visit

STAY = visit("V1", "2025-03-01 08:00", "2025-03-05 10:00", dscg_maindiag_code="J18.900")
CLINIC = visit("V2", "2025-03-01 09:00", "2025-03-01 10:00", med_type="11")


@pytest.mark.parametrize(
    ("amount", "hits"),
    [(30.00, False), (30.01, True), (29.99, True), (31.5, True)],
)
def test_fee_amount_mismatch(amount: float, hits: bool) -> None:
    line = fee("V1", "A", "2025-03-02 09:00", cnt=3, pric=10, bkkp_sn="L1")
    line["det_item_fee_sumamt"] = amount
    found = run_rule("fee_amount_mismatch", visits=[STAY], fees=[line])
    assert bool(found) is hits
    if hits:
        assert found[0]["fee_ids"] == ["L1"]
        assert float(found[0]["amount"]) == pytest.approx(abs(amount - 30))


def test_fee_amount_mismatch_accepts_rounding_to_the_fen() -> None:
    line = fee("V1", "A", "2025-03-02 09:00", cnt=0.5, pric=0.33)  # 0.165 → 0.17 or 0.16
    line["det_item_fee_sumamt"] = 0.17
    assert run_rule("fee_amount_mismatch", visits=[STAY], fees=[line]) == []


def _setl(total: float, fund: float | None = None, psn: float | None = None) -> dict[str, object]:
    return {"setl_id": "S1", "mdtrt_id": "V1", "psn_no": "P1", "medfee_sumamt": total,
            "fund_pay_sumamt": fund, "psn_pay": psn}  # fmt: skip


@pytest.mark.parametrize(
    ("setl", "hits"),
    [
        (_setl(50.00, 40.00, 10.00), False),
        (_setl(50.01, 40.01, 10.00), True),  # total ≠ lines
        (_setl(50.00, 40.00, 10.01), True),  # parts ≠ total
        (_setl(50.00), False),  # parts unknown
    ],
)
def test_settlement_mismatch(setl: dict[str, object], hits: bool) -> None:
    fees = [fee("V1", "A", "2025-03-02 09:00", cnt=2, pric=20), fee("V1", "B", "2025-03-02 10:00", pric=10)]
    found = run_rule("settlement_mismatch", visits=[STAY], fees=fees, setls=[setl])
    assert bool(found) is hits


def test_settlement_mismatch_sums_several_settlements_of_a_visit() -> None:
    fees = [fee("V1", "A", "2025-03-02 09:00", pric=30)]
    setls = [{**_setl(10.0), "setl_id": "S1"}, {**_setl(20.0), "setl_id": "S2"}]
    assert run_rule("settlement_mismatch", visits=[STAY], fees=fees, setls=setls) == []


@pytest.mark.parametrize(
    ("uploaded", "hits"),
    [("2025-03-03 09:00:00", False), ("2025-03-03 09:00:01", True), ("2025-03-02 09:05", False)],
)
def test_late_upload_boundary(uploaded: str, hits: bool) -> None:
    line = fee("V1", "A", "2025-03-02 09:00", crte_time=uploaded)
    found = run_rule("late_upload", visits=[STAY], fees=[line, fee("V1", "B", "2025-03-02 09:00")])
    assert bool(found) is hits
    if hits:
        assert found[0]["fee_ids"] == [line["bkkp_sn"]]


@pytest.mark.parametrize(
    ("code", "hits"),
    [("J18.900", False), ("J18", False), ("A01.000x001", False), ("j18.9", True), ("J1.89", True),
     ("J18-9", True), ("18J.9", True)],
)  # fmt: skip
def test_diagnosis_code_invalid(code: str, hits: bool) -> None:
    v = visit("V1", "2025-03-01 08:00", "2025-03-05 10:00", dscg_maindiag_code=code)
    found = run_rule("diagnosis_code_invalid", visits=[v])
    assert bool(found) is hits


def test_diagnosis_code_invalid_ignores_tcm_diagnoses() -> None:
    diags = [
        {"setl_list_diag_id": "D1", "mdtrt_id": "V1", "diag_code": "BNX010", "diag_type": "2"},
        {"setl_list_diag_id": "D2", "mdtrt_id": "V1", "diag_code": "BNX010", "diag_type": "1"},
    ]
    found = run_rule("diagnosis_code_invalid", visits=[STAY], diags=diags[:1])
    assert found == []
    assert len(run_rule("diagnosis_code_invalid", visits=[STAY], diags=diags)) == 1


def _op(code: str, when: str = "2025-03-02 10:00", mdtrt_id: str = "V1") -> dict[str, object]:
    return {"setl_list_oprn_id": f"O-{code}-{when}", "mdtrt_id": mdtrt_id, "oprn_oprt_code": code,
            "oprn_oprt_date": when, "main_oprn_flag": "1"}  # fmt: skip


@pytest.mark.parametrize(
    ("op", "hits"),
    [
        (_op("47.0100"), False),
        (_op("47.01x001"), False),
        (_op("47"), True),
        (_op("4701"), True),
        (_op("47.0100", "2025-03-05 23:59"), False),  # discharge date
        (_op("47.0100", "2025-03-06 00:00"), True),
        (_op("47.0100", "2025-02-28 23:59"), True),
    ],
)
def test_operation_code_invalid(op: dict[str, object], hits: bool) -> None:
    found = run_rule("operation_code_invalid", visits=[STAY], oprns=[op])
    assert bool(found) is hits


@pytest.mark.parametrize(
    ("code", "gend", "hits"),
    [("60.2100", "2", True), ("60.2100", "1", False), ("68.4100", "1", True), ("68.4100", "2", False),
     ("59.0100", "2", False), ("74.1x00", "1", True), ("68.4100", "0", False)],
)  # fmt: skip
def test_operation_gender(code: str, gend: str, hits: bool) -> None:
    v = visit("V1", "2025-03-01 08:00", "2025-03-05 10:00", gend=gend, certno=None)
    found = run_rule("operation_gender", visits=[v], oprns=[_op(code)])
    assert bool(found) is hits


@pytest.mark.parametrize(
    ("diag", "hits"),
    [("O80.000", False), ("Z37.000", False), ("O34.2", False), ("J18.900", True), (None, True)],
)
def test_operation_diagnosis_obstetric_needs_pregnancy(diag: str | None, hits: bool) -> None:
    v = visit("V1", "2025-03-01 08:00", "2025-03-05 10:00", gend="2", dscg_maindiag_code=diag)
    found = run_rule("operation_diagnosis", visits=[v], oprns=[_op("74.1x00")])
    assert bool(found) is hits


def test_operation_diagnosis_reads_secondary_diagnoses_and_ignores_other_chapters() -> None:
    v = visit("V1", "2025-03-01 08:00", "2025-03-05 10:00", gend="2", dscg_maindiag_code="J18.900")
    diags = [{"setl_list_diag_id": "D1", "mdtrt_id": "V1", "diag_code": "O82.000", "maindiag_flag": "0"}]
    assert run_rule("operation_diagnosis", visits=[v], oprns=[_op("74.1x00")], diags=diags) == []
    assert run_rule("operation_diagnosis", visits=[v], oprns=[_op("47.0100")]) == []
