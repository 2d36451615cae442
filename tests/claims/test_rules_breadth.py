"""Breadth rules (issue 5): herbal pieces, surgery discount, antibiotics, indications, duplicates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from harness import fee, run_rule, visit

HERBAL: dict[str, Any] = {"herbal_excluded": [{"kp_id": "KPX", "code": "T001", "name": "冬虫夏草"}]}
SINGLE: dict[str, Any] = {
    "herbal_single": [
        {"kp_id": "KPS", "code": "T002", "name": "丁香"},
        {"kp_id": "KPT", "code": "T003", "name": "人参片"},
    ]
}


def _herb(mdtrt_id: str, code: str, rx: str | None = "RX1", **kw: Any) -> dict[str, Any]:
    return fee(mdtrt_id, code, "2025-03-01 10:00:00", list_type="102", rx_drord_no=rx, **kw)


def test_excluded_herbal_piece_hits_every_line() -> None:
    rows = run_rule(
        "herbal_excluded",
        visits=[visit("V1", "2025-03-01 09:00:00", med_type="11"), visit("V2", "2025-03-01 09:00:00")],
        fees=[_herb("V1", "T001"), _herb("V1", "T002"), _herb("V2", "T002"), _herb("V2", "T001", cnt=0)],
        knowledge=HERBAL,
    )
    assert [r["mdtrt_id"] for r in rows] == ["V1"]
    assert len(rows[0]["fee_ids"]) == 1 and "冬虫夏草" in rows[0]["evidence"]


def test_prescription_of_single_use_pieces_only() -> None:
    visits = [visit(v, "2025-03-01 09:00:00", med_type="11") for v in ("V1", "V2", "V3", "V4")]
    fees = [
        _herb("V1", "T002"),  # one listed piece alone: hit
        _herb("V2", "T002"),
        _herb("V2", "T003"),  # two listed pieces only: hit
        _herb("V3", "T002"),
        _herb("V3", "T999"),  # another piece on the prescription: payable
        _herb("V4", "T002", rx="RX1"),
        fee("V4", "XA02BCA001", "2025-03-01 10:00:00", list_type="101", rx_drord_no="RX2"),
    ]
    rows = run_rule("herbal_single", visits=visits, fees=fees, knowledge=SINGLE)
    assert [r["mdtrt_id"] for r in rows] == ["V1", "V2", "V4"]
    assert len(rows[1]["fee_ids"]) == 2


def test_single_use_without_prescription_number_groups_by_day() -> None:
    fees = [_herb("V1", "T002", rx=None), _herb("V1", "T999", rx=None)]
    rows = run_rule(
        "herbal_single",
        visits=[visit("V1", "2025-03-01 09:00:00", med_type="11")],
        fees=fees,
        knowledge=SINGLE,
    )
    assert rows == []


SURGERY: dict[str, Any] = {
    "surgery_groups": [
        {"kp_id": "KA", "code": "OPA", "name": "胃大部切除术", "surgery_group": "胃肠手术组"},
        {"kp_id": "KB", "code": "OPB", "name": "胆囊切除术", "surgery_group": "胃肠手术组"},
        {"kp_id": "KC", "code": "OPC", "name": "膀胱切开取石术", "surgery_group": "膀胱尿道手术组"},
    ],
    "surgery_discount_rates": [{"code": "OPA", "name": "", "surgery_group": "胃肠手术组", "rate": 0.5}],
}


def _op(mdtrt_id: str, code: str, time: str, pric: float, ceiling: float) -> dict[str, Any]:
    return fee(mdtrt_id, code, time, pric=pric, pric_uplmt_amt=ceiling, med_chrgitm_type="06")


def test_second_operation_at_full_price_hits_discounted_does_not() -> None:
    visits = [visit(v, "2025-03-01 08:00:00", "2025-03-05 10:00:00") for v in ("V1", "V2", "V3", "V4")]
    fees = [
        _op("V1", "OPA", "2025-03-02 09:00:00", 3000, 3000),
        _op("V1", "OPB", "2025-03-02 10:00:00", 1000, 1000),  # full price: hit
        _op("V2", "OPA", "2025-03-02 09:00:00", 3000, 3000),
        _op("V2", "OPB", "2025-03-02 10:00:00", 500, 1000),  # exactly 50 %: no hit
        _op("V3", "OPA", "2025-03-02 09:00:00", 3000, 3000),
        _op("V3", "OPB", "2025-03-03 10:00:00", 1000, 1000),  # another day
        _op("V4", "OPA", "2025-03-02 09:00:00", 3000, 3000),
        _op("V4", "OPC", "2025-03-02 10:00:00", 1000, 1000),  # another group
    ]
    rows = run_rule("surgery_discount", visits=visits, fees=fees, knowledge=SURGERY)
    assert [r["mdtrt_id"] for r in rows] == ["V1"]
    assert rows[0]["amount"] == Decimal("500.00") and "胆囊切除术" in rows[0]["evidence"]


def test_surgery_discount_one_cent_above_the_discounted_price_hits() -> None:
    fees = [
        _op("V1", "OPA", "2025-03-02 09:00:00", 3000, 3000),
        _op("V1", "OPB", "2025-03-02 10:00:00", 500.01, 1000),
    ]
    rows = run_rule(
        "surgery_discount",
        visits=[visit("V1", "2025-03-01 08:00:00", "2025-03-05 10:00:00")],
        fees=fees,
        knowledge=SURGERY,
    )
    assert len(rows) == 1 and rows[0]["amount"] == Decimal("0.01")


def test_special_grade_antibiotic_below_tier_two() -> None:
    visits = [
        visit("V1", "2025-03-01 09:00:00", med_type="11", hosp_lv="08"),  # tier 1
        visit("V2", "2025-03-01 09:00:00", med_type="11", hosp_lv="05"),  # tier 2
        visit("V3", "2025-03-01 09:00:00", med_type="41", hosp_lv=None),  # unknown tier
    ]
    fees = [
        fee(v, "XJ01DHA001B002010100001", "2025-03-01 09:30:00", name="注射用美罗培南")
        for v in ("V1", "V2", "V3")
    ]
    rows = run_rule("antibiotic_grade", visits=visits, fees=fees)
    assert [r["mdtrt_id"] for r in rows] == ["V1"]
    assert "特殊使用级" in rows[0]["evidence"] and "一级" in rows[0]["evidence"]


def _stay_with_op(
    mdtrt_id: str, last_antibiotic_day: int, diag: str = "M16.9"
) -> tuple[dict, list, list, list]:
    v = visit(mdtrt_id, "2025-03-01 08:00:00", "2025-03-10 10:00:00")
    fees = [
        fee(mdtrt_id, "XJ01DDA001B002010100001", f"2025-03-{d:02d} 09:00:00", name="头孢曲松")
        for d in range(2, last_antibiotic_day + 1)
    ]
    ops = [{"mdtrt_id": mdtrt_id, "oprn_oprt_code": "81.5100", "oprn_oprt_date": "2025-03-02 10:00:00"}]
    diags = [{"mdtrt_id": mdtrt_id, "diag_code": diag, "maindiag_flag": "1"}]
    return v, fees, ops, diags


def test_prophylaxis_beyond_two_days_after_the_operation() -> None:
    parts = [_stay_with_op("V1", 5), _stay_with_op("V2", 4), _stay_with_op("V3", 6, diag="T81.4")]
    rows = run_rule(
        "perioperative_antibiotic",
        visits=[p[0] for p in parts],
        fees=[f for p in parts for f in p[1]],
        oprns=[o for p in parts for o in p[2]],
        diags=[d for p in parts for d in p[3]],
    )
    assert [r["mdtrt_id"] for r in rows] == ["V1"]  # V2 stops on day op + 2; V3 has an infection
    assert len(rows[0]["fee_ids"]) == 1


INDICATION: dict[str, Any] = {
    "drug_indication": [
        {"kp_id": "KI", "code": "XL01EFA001", "name": "哌柏西利胶囊", "constraint_text": "限乳腺癌"}
    ],
    "indication_icd10": [
        {
            "kp_id": "KI",
            "item_name": "哌柏西利胶囊",
            "indication": "限乳腺癌",
            "icd10_from": "C50",
            "icd10_to": "C50",
            "reviewer_note": "",
        }
    ],
}


def test_indication_drug_without_a_matching_diagnosis() -> None:
    visits = [visit(v, "2025-03-01 09:00:00", med_type="11", gend="2") for v in ("V1", "V2", "V3", "V4")]
    diags = [
        {"mdtrt_id": "V1", "diag_code": "I10.X00", "maindiag_flag": "1"},
        {"mdtrt_id": "V2", "diag_code": "I10.X00", "maindiag_flag": "1"},
        {"mdtrt_id": "V2", "diag_code": "C50.900", "maindiag_flag": "0"},
        {"mdtrt_id": "V3", "diag_code": "C49.9", "maindiag_flag": "1"},
    ]
    fees = [fee(v, "XL01EFA001", "2025-03-01 09:30:00") for v in ("V1", "V2", "V3", "V4")]
    rows = run_rule("drug_indication", visits=visits, fees=fees, diags=diags, knowledge=INDICATION)
    assert [r["mdtrt_id"] for r in rows] == ["V1", "V3"]  # V2 has C50; V4 has no diagnosis at all
    assert "I10.X00" in rows[0]["evidence"]


def test_unmapped_indication_points_are_not_judged() -> None:
    kb = {**INDICATION, "indication_icd10": []}
    kb["indication_icd10"] = [dict(INDICATION["indication_icd10"][0], kp_id="OTHER")]
    rows = run_rule(
        "drug_indication",
        visits=[visit("V1", "2025-03-01 09:00:00", med_type="11")],
        fees=[fee("V1", "XL01EFA001", "2025-03-01 09:30:00")],
        diags=[{"mdtrt_id": "V1", "diag_code": "I10", "maindiag_flag": "1"}],
        knowledge=kb,
    )
    assert rows == []


def test_two_substances_of_one_class_on_one_day() -> None:
    visits = [visit(v, "2025-03-01 09:00:00", "2025-03-06 09:00:00") for v in ("V1", "V2", "V3")]
    fees = [
        fee("V1", "XA02BCA001B001", "2025-03-02 09:00:00", name="奥美拉唑"),
        fee("V1", "XA02BCA002B001", "2025-03-02 18:00:00", name="泮托拉唑", pric=30),
        fee("V2", "XA02BCA001B001", "2025-03-02 09:00:00"),
        fee("V2", "XA02BCA001B002", "2025-03-02 18:00:00"),  # one substance, two codes
        fee("V3", "XA02BCA001B001", "2025-03-02 09:00:00"),
        fee("V3", "XA02BCA002B001", "2025-03-03 09:00:00"),  # switched the next day
    ]
    rows = run_rule("duplicate_drug", visits=visits, fees=fees)
    assert [r["mdtrt_id"] for r in rows] == ["V1"]
    assert rows[0]["amount"] == Decimal("30.00") and len(rows[0]["fee_ids"]) == 2
