"""Issue-5 rules on Qiandai's reference tables, 分解收费 and 低标准入院: hit, miss, boundary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from harness import fee, run_rule, visit

from qiandai.domain.errors import RuleDefinitionError
from qiandai.knowledge import qiandai_tables as qt

DAY = "2025-03-01 10:00:00"


def _dx(mdtrt_id: str, code: str, main: str = "1") -> dict[str, Any]:
    return {"mdtrt_id": mdtrt_id, "diag_code": code, "maindiag_flag": main}


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["mdtrt_id"] for r in rows]


def test_quinolone_under_18_hits_on_the_18th_birthday_does_not() -> None:
    visits = [
        visit("V1", "2025-03-01 09:00:00", med_type="11", brdy="2007-03-02"),  # 17, eve of the birthday
        visit("V2", "2025-03-01 09:00:00", med_type="11", brdy="2007-03-01"),  # 18 today
        visit("V3", "2025-03-01 09:00:00", med_type="11", brdy=None, certno=None),  # age unknown
        visit("V4", "2025-03-01 09:00:00", med_type="11", brdy="2015-01-01"),  # another class
    ]
    fees = [fee(v, "XJ01MAA001B001", DAY, name="左氧氟沙星片") for v in ("V1", "V2", "V3")]
    fees.append(fee("V4", "XJ01DDA001B001", DAY))
    rows = run_rule("drug_child_contraindicated", visits=visits, fees=fees)
    assert _ids(rows) == ["V1"]
    assert "18岁以下患者禁用" in rows[0]["evidence"] and "17岁" in rows[0]["evidence"]


def test_elderly_caution_from_65() -> None:
    visits = [
        visit("V1", "2025-03-01 09:00:00", med_type="11", brdy="1960-03-01"),  # 65 today
        visit("V2", "2025-03-01 09:00:00", med_type="11", brdy="1960-03-02"),  # 64
    ]
    fees = [fee(v, "XN05CCA001B001", DAY, name="水合氯醛糖浆") for v in ("V1", "V2")]
    rows = run_rule("drug_elderly", visits=visits, fees=fees)
    assert _ids(rows) == ["V1"] and "65岁" in rows[0]["evidence"]


def test_pregnancy_diagnosis_with_a_contraindicated_class() -> None:
    visits = [visit(v, "2025-03-01 09:00:00", med_type="11", gend="2") for v in ("V1", "V2", "V3", "V4")]
    fees = [fee(v, "XC09CAA001B001", DAY, cnt=2, pric=15) for v in ("V1", "V2", "V3", "V4")]
    diags = [
        _dx("V1", "O24.400"),  # gestational diabetes: pregnancy
        _dx("V2", "I10.x00"),
        _dx("V2", "Z34.000", main="0"),  # supervision of a normal pregnancy (secondary diagnosis)
        _dx("V3", "O90.000"),  # puerperium: outside O00–O48
        _dx("V4", "I10.x00"),
    ]
    rows = run_rule("drug_pregnancy", visits=visits, fees=fees, diags=diags)
    assert _ids(rows) == ["V1", "V2"]
    assert rows[0]["amount"] == Decimal("30.00") and "O24.400" in rows[0]["evidence"]
    assert "Z34.000" in rows[1]["evidence"]


def test_pregnancy_rows_of_one_class_count_each_line_once() -> None:
    fees = [fee("V1", "XC09DXA001B001", DAY, pric=20)]
    diags = [_dx("V1", "O24.400"), _dx("V1", "Z34.000", main="0")]  # both ranges of the class match
    rows = run_rule(
        "drug_pregnancy", visits=[visit("V1", DAY, med_type="11", gend="2")], fees=fees, diags=diags
    )
    assert len(rows) == 1 and rows[0]["amount"] == Decimal("20.00") and len(rows[0]["fee_ids"]) == 1


def test_contraindication_by_diagnosis_including_a_four_character_range() -> None:
    visits = [visit(v, "2025-03-01 09:00:00", med_type="11") for v in ("V1", "V2", "V3", "V4")]
    fees = [
        fee("V1", "XC07AGA001B001", DAY, name="拉贝洛尔"),
        fee("V2", "XC07AGA001B001", DAY, name="拉贝洛尔"),
        fee("V3", "XA10BKA001B001", DAY, name="加格列净"),
        fee("V4", "XA10BKA001B001", DAY, name="加格列净"),
    ]
    diags = [_dx("V1", "J45.900"), _dx("V2", "I10.x00"), _dx("V3", "N18.500"), _dx("V4", "N18.400")]
    rows = run_rule("drug_contraindication", visits=visits, fees=fees, diags=diags)
    assert _ids(rows) == ["V1", "V3"]  # N18.4 lies outside the range N18.5–N18.5
    assert "支气管哮喘" in rows[0]["evidence"] and "终末期肾病" in rows[1]["evidence"]


def test_label_indication_requires_a_fitting_diagnosis() -> None:
    visits = [visit(v, "2025-03-01 09:00:00", med_type="11") for v in ("V1", "V2", "V3", "V4")]
    fees = [fee(v, "XA10BJA001B001", DAY, name="司美格鲁肽") for v in ("V1", "V2", "V3", "V4")]
    diags = [
        _dx("V1", "E11.900"),
        _dx("V2", "I10.x00"),
        _dx("V3", "I10.x00"),
        _dx("V3", "E66.000", main="0"),  # one fitting diagnosis is enough
    ]  # V4 has no diagnosis: not judged
    rows = run_rule("drug_label_indication", visits=visits, fees=fees, diags=diags)
    assert _ids(rows) == ["V2"]
    assert "E11、E66" in rows[0]["evidence"] and "I10.X00" in rows[0]["evidence"]


def test_interaction_on_the_same_day_only() -> None:
    visits = [visit(v, "2025-03-01 08:00:00", "2025-03-05 10:00:00") for v in ("V1", "V2", "V3")]
    fees = [
        fee("V1", "XC09DXA001B001", "2025-03-02 09:00:00", pric=30, name="沙库巴曲缬沙坦"),
        fee("V1", "XC09BXA001B001", "2025-03-02 15:00:00", pric=12, name="依那普利叶酸"),
        fee("V2", "XC09DXA001B001", "2025-03-02 09:00:00"),
        fee("V2", "XC09BXA001B001", "2025-03-03 09:00:00"),  # next day: no hit
        fee("V3", "XC09DXA001B001", "2025-03-02 09:00:00"),
        fee("V3", "XC09DXA002B001", "2025-03-02 10:00:00"),  # same class twice: not a pair
    ]
    rows = run_rule("drug_interaction", visits=visits, fees=fees)
    assert _ids(rows) == ["V1"]
    assert len(rows[0]["fee_ids"]) == 2 and rows[0]["amount"] == Decimal("12.00")
    assert "禁止合用" in rows[0]["evidence"]


def test_ward_items_outside_an_inpatient_stay() -> None:
    visits = [
        visit("V1", "2025-03-01 09:00:00", med_type="11"),
        visit("V2", "2025-03-01 09:00:00", "2025-03-03 09:00:00", med_type="21"),
        visit("V3", "2025-03-01 09:00:00", med_type="13"),
    ]
    fees = [
        fee("V1", "001109000010000", DAY, name="普通病房床位费"),
        fee("V2", "001109000010000", DAY, name="普通病房床位费"),
        fee("V3", "001102000030000", DAY, name="急诊诊查费"),  # not listed
    ]
    rows = run_rule("item_visit_type", visits=visits, fees=fees)
    assert _ids(rows) == ["V1"] and "限住院使用" in rows[0]["evidence"]


@pytest.mark.parametrize(
    ("rule", "code"), [("item_newborn", "001201000080200"), ("drug_newborn", "XR07AAZ038B002010178331")]
)
def test_newborn_only_from_the_28th_day(rule: str, code: str) -> None:
    visits = [
        visit("V1", "2025-03-01 09:00:00", "2025-03-03 09:00:00", brdy="2025-02-01"),  # day 28
        visit("V2", "2025-03-01 09:00:00", "2025-03-03 09:00:00", brdy="2025-02-02"),  # day 27
    ]
    rows = run_rule(rule, visits=visits, fees=[fee(v, code, DAY) for v in ("V1", "V2")])
    assert _ids(rows) == ["V1"] and "出生第28天" in rows[0]["evidence"]


def test_item_contraindication_and_indication() -> None:
    visits = [visit(v, "2025-03-01 09:00:00", med_type="11") for v in ("V1", "V2", "V3", "V4")]
    hbo = [fee(v, "003106070030000", DAY, name="婴儿氧舱治疗") for v in ("V1", "V2")]
    diags = [_dx("V1", "J93.100"), _dx("V2", "P91.600"), _dx("V3", "N18.500"), _dx("V4", "I10.x00")]
    rows = run_rule("item_contraindication", visits=visits, fees=hbo, diags=diags)
    assert _ids(rows) == ["V1"] and "气胸" in rows[0]["evidence"]
    dialysis = [fee(v, "003110000060100", DAY, name="血液透析") for v in ("V3", "V4")]
    rows = run_rule("item_indication", visits=visits, fees=dialysis, diags=diags)
    assert _ids(rows) == ["V4"] and "N17–N19" in rows[0]["evidence"]


def test_safety_rule_with_a_bad_mode_is_refused() -> None:
    with pytest.raises(RuleDefinitionError, match="mode"):
        run_rule("drug_elderly", visits=[visit("V1", DAY)], params={"mode": "maybe"})


def test_decomposed_charge_needs_the_main_item_on_the_same_day() -> None:
    visits = [visit(v, "2025-03-01 08:00:00", "2025-03-05 10:00:00") for v in ("V1", "V2", "V3", "V4")]
    main, part, other = "003302010150000", "003302010150100", "003302010150200"
    fees = [
        fee("V1", main, "2025-03-02 09:00:00", pric=3000, name="颅内血肿清除术"),
        fee("V1", part, "2025-03-02 11:00:00", pric=800, name="单纯硬膜外血肿清除术"),  # hit
        fee("V2", main, "2025-03-02 09:00:00"),
        fee("V2", part, "2025-03-03 09:00:00"),  # another day
        fee("V3", part, "2025-03-02 09:00:00"),
        fee("V3", other, "2025-03-02 10:00:00"),  # two parts, no main item: not 分解 by this rule
        fee("V4", main, "2025-03-02 09:00:00"),
        fee("V4", part, "2025-03-02 09:30:00", cnt=0),  # cancelled line
    ]
    rows = run_rule("decomposed_charge", visits=visits, fees=fees)
    assert _ids(rows) == ["V1"]
    assert rows[0]["amount"] == Decimal("800.00") and len(rows[0]["fee_ids"]) == 1
    assert "颅内血肿清除术" in rows[0]["evidence"] and "分解收费" in rows[0]["evidence"]


def test_decomposition_table_keeps_whole_items_only() -> None:
    t = qt.decomposition_rules()
    assert t.num_rows > 0
    assert min(len(x) for x in t.column("main_prefix").to_pylist()) >= qt.MIN_MAIN_DIGITS
    assert all(p.isdigit() for p in t.column("part_prefix").to_pylist())
    assert "003302010" not in t.column("main_prefix").to_pylist()  # a section, not one item


def _stay(
    mdtrt_id: str, *types: str, end: str | None = "2025-03-04 10:00:00", **kw: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    v = visit(mdtrt_id, "2025-03-01 08:00:00", end, **kw)
    lines = [
        fee(mdtrt_id, f"C{t}{i}", f"2025-03-0{1 + i % 3} 10:00:00", med_chrgitm_type=t)
        for i, t in enumerate(types)
    ]
    return v, lines


def test_low_standard_admission() -> None:
    parts = [
        _stay("V1", "01", "07", "09", "09"),  # bed, nursing, drugs only: hit
        _stay("V2", "01", "07", "09", "04"),  # one laboratory test
        _stay("V3", "01", "07", "09"),  # an operation record
        _stay("V4", "01", "09", dscg_maindiag_code="Z51.102"),  # chemotherapy stay: exempt
        _stay("V5", "01", "09", end=None),  # not discharged
        _stay("V6", "01", "09", "03", med_type="11"),  # not inpatient
    ]
    oprns = [{"mdtrt_id": "V3", "oprn_oprt_code": "47.0100", "oprn_oprt_date": "2025-03-02 10:00:00"}]
    rows = run_rule(
        "low_standard_admission",
        visits=[p[0] for p in parts],
        fees=[f for p in parts for f in p[1]],
        oprns=oprns,
    )
    assert _ids(rows) == ["V1"]
    assert rows[0]["amount"] == Decimal("40.00") and len(rows[0]["fee_ids"]) == 4
    assert "住院3天" in rows[0]["evidence"] and "无任何检查、化验或手术项目" in rows[0]["evidence"]


def test_a_cancelled_test_line_does_not_count() -> None:
    v, lines = _stay("V1", "01", "09", "03")
    lines[-1]["cnt"] = 0
    lines[-1]["det_item_fee_sumamt"] = 0
    rows = run_rule("low_standard_admission", visits=[v], fees=lines)
    assert _ids(rows) == ["V1"] and len(rows[0]["fee_ids"]) == 2


def test_reference_tables_carry_a_provenance_header() -> None:
    for name in ("drug_safety.csv", "item_safety.csv", "drug_interactions.csv", "item_visit_type.csv",
                 "item_newborn.csv", "drug_newborn.csv"):  # fmt: skip
        header = qt.provenance(name)
        assert "Source:" in header and "Reviewed:" in header and "version" in header, name
        assert "starting point" in header.lower(), name
