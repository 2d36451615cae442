"""Hit / miss / boundary cases for gender, age, institution-level, visit-type, insurance and price rules."""

from __future__ import annotations

from typing import Any

import pytest
from harness import fee, run_rule, visit

from qiandai.domain.idcard import make_id_number

GENDER = {"drug_gender": [dict(kp_id="KP1", code="PSA", name="阿帕他胺片", gender="1")]}


@pytest.mark.parametrize(
    ("person", "hits"),
    [
        (dict(gend="1"), False),
        (dict(gend="2"), True),
        (dict(gend="9"), False),  # unknown gender, no identity number: no hit
        (
            dict(gend=None, certno=make_id_number("330102", __import__("datetime").date(1980, 1, 1), 124)),
            True,
        ),
        (
            dict(gend=None, certno=make_id_number("330102", __import__("datetime").date(1980, 1, 1), 123)),
            False,
        ),
    ],
)
def test_drug_gender(person: dict[str, Any], hits: bool) -> None:
    v = visit("O1", "2025-02-01 09:00", med_type="11", **person)
    found = run_rule("drug_gender", visits=[v], fees=[fee("O1", "PSA", "2025-02-01 09:30")], knowledge=GENDER)
    assert bool(found) is hits
    if hits:
        assert found[0]["evidence"] == "「阿帕他胺片」限男性使用，参保人性别为女"


AGE_TABLES = {
    "drug_child_only": [
        dict(kp_id="C1", code="KID", name="小儿氨酚黄那敏颗粒", target="儿童"),
        dict(kp_id="C2", code="BABY", name="婴儿项目", target="婴幼儿"),
        dict(kp_id="C3", code="NEWBORN", name="新生儿护理", target="新生儿"),
    ]
}


@pytest.mark.parametrize(
    ("code", "birth", "fee_day", "hits"),
    [
        ("KID", "2007-02-02", "2025-02-01", False),  # 17 years 364 days
        ("KID", "2007-02-01", "2025-02-01", True),  # 18th birthday
        ("BABY", "2022-02-02", "2025-02-01", False),
        ("BABY", "2022-02-01", "2025-02-01", True),
        ("NEWBORN", "2025-01-05", "2025-02-01", False),  # 27 days old
        ("NEWBORN", "2025-01-04", "2025-02-01", True),  # 28 days old
    ],
)
def test_age_group_restricted_items(code: str, birth: str, fee_day: str, hits: bool) -> None:
    v = visit("O1", f"{fee_day} 09:00", med_type="11", brdy=birth)
    found = run_rule(
        "drug_child_only", visits=[v], fees=[fee("O1", code, f"{fee_day} 09:30")], knowledge=AGE_TABLES
    )
    assert bool(found) is hits


@pytest.mark.parametrize(
    ("birth", "hits"),
    [("2009-02-02", True), ("2009-02-01", False), ("1964-02-02", False), ("1964-02-01", True)],
)
def test_item_age_working_age(birth: str, hits: bool) -> None:
    knowledge = {
        "item_age": [dict(kp_id="A1", code="OT", name="职业功能训练", constraint_text="限法定就业年龄段患者")]
    }
    v = visit("O1", "2025-02-01 09:00", med_type="11", brdy=birth)
    found = run_rule("item_age", visits=[v], fees=[fee("O1", "OT", "2025-02-01 09:30")], knowledge=knowledge)
    assert bool(found) is hits


LEVEL = {"drug_institution_level": [dict(kp_id="L1", code="ADI", name="艾迪注射液", min_tier=2)]}


@pytest.mark.parametrize(
    ("hosp_lv", "hits"), [("08", True), ("11", True), ("07", False), ("02", False), (None, False)]
)
def test_drug_institution_level(hosp_lv: str | None, hits: bool) -> None:
    v = visit("V1", "2025-02-01 09:00", "2025-02-03 09:00", hosp_lv=hosp_lv)
    found = run_rule(
        "drug_institution_level", visits=[v], fees=[fee("V1", "ADI", "2025-02-01 10:00")], knowledge=LEVEL
    )
    assert bool(found) is hits


@pytest.mark.parametrize(("med_type", "hits"), [("21", False), ("11", True), ("41", True)])
def test_drug_visit_type(med_type: str, hits: bool) -> None:
    knowledge = {
        "drug_visit_type": [dict(kp_id="T1", code="FISH", name="ω-3鱼油脂肪乳注射液", required_scene="住院")]
    }
    v = visit("V1", "2025-02-01 09:00", "2025-02-03 09:00", med_type=med_type)
    found = run_rule(
        "drug_visit_type", visits=[v], fees=[fee("V1", "FISH", "2025-02-01 10:00")], knowledge=knowledge
    )
    assert bool(found) is hits


@pytest.mark.parametrize(
    ("rule_id", "insutype", "med_type", "hits"),
    [
        ("drug_work_injury", "410", "11", False),
        ("drug_work_injury", "310", "11", True),
        ("drug_maternity", "510", "11", False),
        ("drug_maternity", "310", "52", False),
        ("drug_maternity", "310", "11", True),
        ("drug_maternity", None, "11", True),
    ],
)
def test_insurance_restricted(rule_id: str, insutype: str | None, med_type: str, hits: bool) -> None:
    knowledge = {rule_id: [dict(kp_id="I1", code="SCAR", name="疤痕止痒软化膏")]}
    v = visit("O1", "2025-02-01 09:00", med_type=med_type, insutype=insutype)
    found = run_rule(rule_id, visits=[v], fees=[fee("O1", "SCAR", "2025-02-01 10:00")], knowledge=knowledge)
    assert bool(found) is hits


@pytest.mark.parametrize(
    ("price", "ceiling", "hits"),
    [(100, 100, False), (100.01, 100, True), (120, None, False), (120, 0, False)],
)
def test_over_price(price: float, ceiling: float | None, hits: bool) -> None:
    v = visit("O1", "2025-02-01 09:00", med_type="11")
    found = run_rule(
        "over_price",
        visits=[v],
        fees=[fee("O1", "X", "2025-02-01 10:00", cnt=2, pric=price, pric_uplmt_amt=ceiling)],
    )
    assert bool(found) is hits
    if hits:
        assert str(found[0]["amount"]) == "0.02"


DIAG_RULES = {
    "diagnosis_rules": [
        dict(
            category_from="O00",
            category_to="O99",
            gender="2",
            min_age_years=10,
            max_age_years=60,
            max_age_days=None,
            note="妊娠、分娩和产褥期",
        ),
        dict(
            category_from="N40",
            category_to="N51",
            gender="1",
            min_age_years=None,
            max_age_years=None,
            max_age_days=None,
            note="男性生殖器官疾病",
        ),
        dict(
            category_from="P00",
            category_to="P96",
            gender=None,
            min_age_years=None,
            max_age_years=None,
            max_age_days=365,
            note="起源于围生期的情况",
        ),
    ]
}


@pytest.mark.parametrize(
    ("gend", "code", "hits"),
    [("1", "O80.0", True), ("2", "O80.0", False), ("2", "N40.0", True), ("1", "J18.9", False)],
)
def test_diag_gender(gend: str, code: str, hits: bool) -> None:
    v = visit(
        "V1", "2025-02-01 09:00", "2025-02-03 09:00", gend=gend, brdy="1990-01-01", dscg_maindiag_code=code
    )
    found = run_rule("diag_gender", visits=[v], knowledge=DIAG_RULES)
    assert bool(found) is hits
    if hits:
        assert found[0]["fee_ids"] == [] and code in found[0]["evidence"]


@pytest.mark.parametrize(
    ("birth", "code", "hits"),
    [
        ("2024-02-02", "P07.1", False),
        ("2024-01-31", "P07.1", True),
        ("1990-01-01", "O80.0", False),
        ("1960-01-01", "O80.0", True),
    ],
)
def test_diag_age(birth: str, code: str, hits: bool) -> None:
    v = visit("V1", "2025-02-01 09:00", "2025-02-03 09:00", gend="2", brdy=birth)
    diags = [dict(setl_list_diag_id="D1", mdtrt_id="V1", diag_code=code, maindiag_flag="1", diag_name="诊断")]
    found = run_rule("diag_age", visits=[v], diags=diags, knowledge=DIAG_RULES)
    assert bool(found) is hits
