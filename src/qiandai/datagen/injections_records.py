"""Planted cases and hard negatives for the record-level rules of issue 5: data quality, operations,
prescriptions and frequent admissions (contract: docs/claims-rules.md). Boundaries used:

- settlement_mismatch: medfee_sumamt raised by 0.01–50 yuan / (none: the background adds up).
- fee_amount_mismatch: det_item_fee_sumamt off cnt × pric by 0.01–20 yuan / (none).
- diagnosis_code_invalid: a lower-case, dash, trailing '#' or letter-last code / a valid code with an
  'x001' suffix.
- operation_code_invalid: no dot or two digits only, or dated the day after discharge / a valid code
  dated on the discharge date.
- operation_gender: a male-chapter operation on a woman (and vice versa) / on the matching sex.
- operation_diagnosis: a caesarean or forceps delivery whose diagnoses start with neither O nor Z3 / with
  an O diagnosis.
- late_upload: uploaded 24 h + 1 s … 10 days later / exactly 24 h later.
- drug_supply_days: prd_days 31–90 / exactly 30.
- drug_kinds: 6–7 drugs on one prescription / exactly 5.
- frequent_admission: 7–8 stays in the year / exactly 6.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np

from qiandai.datagen.common import DAY, HOUR, YEAR_START
from qiandai.datagen.injections import Context, _stay, _stay_line_time
from qiandai.datagen.institutions import CLINIC, PHARMACY
from qiandai.datagen.scenarios import ScenarioBuilder, ts

RULES: dict[str, str] = {
    "settlement_mismatch": "GZ10000201001000",
    "fee_amount_mismatch": "GZ10000201002000",
    "diagnosis_code_invalid": "GZ10000201003000",
    "operation_code_invalid": "GZ10000201004000",
    "operation_gender": "GZ10000201005000",
    "operation_diagnosis": "GZ10000201006000",
    "late_upload": "GZ10000201007000",
    "drug_supply_days": "CAT2025-009",
    "drug_kinds": "GZ10000202004000",
    "frequent_admission": "GZ10000204004000",
}

ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Za-z]{1,8})?$")
NEUTRAL_OPERATIONS = (
    ("47.0100", "阑尾切除术"),
    ("51.2300", "腹腔镜下胆囊切除术"),
    ("53.0000", "腹股沟疝修补术"),
    ("81.5100", "全髋关节置换术"),
    ("36.0600", "冠状动脉支架置入术"),
)
MALE_OPERATIONS = (
    ("60.2100", "经尿道前列腺切除术"),
    ("62.4100", "双侧睾丸切除术"),
    ("63.7300", "输精管切除术"),
)
FEMALE_OPERATIONS = (
    ("68.4100", "腹腔镜下子宫切除术"),
    ("65.2500", "腹腔镜下卵巢病损切除术"),
    ("69.0900", "刮宫术"),
)
OBSTETRIC_OPERATIONS = (("74.1x00", "子宫下段剖宫产术"), ("72.0x00", "低位产钳术"), ("73.5900", "手法助产"))


def _one(b: ScenarioBuilder, items: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    return items[int(b.rng.integers(0, len(items)))]


def _clinic_visit(b: ScenarioBuilder, c: Context, **kw: object) -> int:
    person = b.person_aged(b.random_gender(), int(b.rng.integers(20, 70)))
    return b.visit(person, b.inst(CLINIC), 11, b.day(), **kw)  # type: ignore[arg-type]


def settlement_mismatch(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    if hard:
        return  # every background settlement adds up
    for i in range(n):
        v = _clinic_visit(b, c)
        cents = 1 if i % 4 == 0 else int(b.rng.integers(2, 5000))
        b.patch(v, "SETL_D", "medfee_sumamt", Decimal(cents) / 100, add=True)
        b.case("settlement_mismatch", v, ("none",), f"结算医疗费总额比明细合计多{cents / 100:.2f}元")


def fee_amount_mismatch(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    if hard:
        return  # every background line has det_item_fee_sumamt = cnt × pric
    for i in range(n):
        v = _clinic_visit(b, c)
        cents = 1 if i % 4 == 0 else int(b.rng.integers(2, 2000))
        adj = cents if i % 2 else -min(cents, 500)
        code = c.reserved(drug=False)
        line = b.add_line(v, code, b.begin_of(v) + 900, pric=max(int(b.cat.base_cents[code]), 600), adj=adj)
        b.case("fee_amount_mismatch", v, ("extra", [line]), f"明细总额与数量×单价相差{adj / 100:.2f}元")


def _corrupt(code: str, k: int) -> str:
    """A malformed variant of ``code`` that keeps (or empties) its 3-character category, so that the
    sex and age rules, which read the category, judge it as they judge the original."""
    options = (code.lower(), code.replace(".", "-"), code + "#", code[1:3] + code[0] + code[3:])
    for j in range(4):
        bad = options[(k + j) % 4]
        if not ICD10.match(bad):
            return bad
    return "?" + code


def diagnosis_code_invalid(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        diag = c.free_diag()
        code = str(c.dx.code[diag])
        if "." not in code:
            continue
        v = _clinic_visit(b, c, diag=diag)
        value = code.split(".")[0] + "." + (code.split(".")[1] + "x001")[:8] if hard else _corrupt(code, i)
        b.patch(v, "SETL_LIST_DIAG_D", "diag_code", value)
        if not hard:
            b.case("diagnosis_code_invalid", v, ("none",), f"诊断编码 {value} 格式错误")


def _surgery_stay(b: ScenarioBuilder, gender: int, age: tuple[int, int] = (30, 70), **kw: object) -> int:
    person = b.person_aged(gender, int(b.rng.integers(*age)))
    return _stay(b, person, int(b.rng.integers(3, 8)), inst=b.hospital(2), **kw)


def operation_code_invalid(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        code, name = _one(b, NEUTRAL_OPERATIONS)
        v = _surgery_stay(b, b.random_gender())
        end_day = b.end_of(v) // DAY
        when = _stay_line_time(b, v, 1)
        if hard:
            b.operation(v, code, name, ts(end_day, 7) if b.end_of(v) > ts(end_day, 7) else b.end_of(v) - 60)
            continue
        mode = i % 3
        if mode == 0:
            code, note = code.replace(".", ""), "缺少小数点"
        elif mode == 1:
            code, note = code[:2], "仅有类目"
        else:
            when, note = ts(end_day + 1, 10), "手术日期在出院后"
        b.operation(v, code, name, when)
        b.case("operation_code_invalid", v, ("none",), f"手术操作编码 {code}：{note}")


def operation_gender(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        male_op = i % 2 == 0
        code, name = _one(b, MALE_OPERATIONS if male_op else FEMALE_OPERATIONS)
        own = 1 if male_op else 2
        v = _surgery_stay(b, own if hard else 3 - own)
        b.operation(v, code, name, _stay_line_time(b, v, 1))
        if not hard:
            b.case("operation_gender", v, ("none",), f"{name}（{code}）用于{'女' if male_op else '男'}性患者")


def operation_diagnosis(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    pregnancy = np.flatnonzero(c.dx.pregnancy & (c.dx.min_age <= 25) & (c.dx.max_age >= 35))
    for _ in range(n):
        code, name = _one(b, OBSTETRIC_OPERATIONS)
        if hard:
            if len(pregnancy) == 0:
                continue
            diag = int(pregnancy[b.rng.integers(0, len(pregnancy))])
        else:
            diag = c.free_diag()
            while str(c.dx.code[diag]).startswith(("O", "Z3")):
                diag = c.free_diag()
        v = _surgery_stay(b, 2, (25, 35), diag=diag)
        b.operation(v, code, name, _stay_line_time(b, v, 1))
        if not hard:
            b.case("operation_diagnosis", v, ("none",), f"{name}无妊娠分娩诊断（主诊断{c.dx.code[diag]}）")


def late_upload(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        v = _clinic_visit(b, c)
        delay = 24 * HOUR if hard else 24 * HOUR + (1 if i % 4 == 0 else int(b.rng.integers(HOUR, 10 * DAY)))
        line = b.add_line(v, c.reserved(drug=False), b.begin_of(v) + 900, delay=delay)
        if not hard:
            b.case("late_upload", v, ("extra", [line]), f"费用发生{delay / HOUR:.1f}小时后才上传")


def _western_drugs(b: ScenarioBuilder, c: Context) -> np.ndarray:
    ids = np.concatenate([c.pools.reserved_drugs, c.pools.free_drugs])
    return ids[np.array([b.cat.list_type[int(i)] == "101" for i in ids], dtype=bool)]


def drug_supply_days(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    drugs = _western_drugs(b, c)
    for i in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(30, 80)))
        pharmacy = i % 2 == 1
        inst, med_type = (b.inst(PHARMACY), 41) if pharmacy else (b.inst(CLINIC), 11)
        v = b.visit(person, inst, med_type, b.day())
        days = 30 if hard else 31 if i % 3 == 0 else int(b.rng.integers(32, 91))
        code = int(drugs[b.rng.integers(0, len(drugs))])
        line = b.add_line(v, code, b.begin_of(v) + 300, prd=days)
        if not hard:
            b.case("drug_supply_days", v, ("extra", [line]), f"「{c.name(code)}」一次开药{days}天")


def drug_kinds(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    drugs = _western_drugs(b, c)
    for i in range(n):
        v = _clinic_visit(b, c)
        k = 5 if hard else 6 + (i % 2)
        chosen = b.rng.choice(drugs, size=k, replace=False)
        lines = [b.add_line(v, int(d), b.begin_of(v) + 600 + j, rx=9) for j, d in enumerate(chosen)]
        if not hard:
            b.case("drug_kinds", v, ("extra", lines), f"一张处方开具{k}种药品")


def frequent_admission(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(40, 85)))
        count = 6 if hard else 7 + (i % 2)
        day = YEAR_START + int(b.rng.integers(3, 15))
        stays = []
        for _ in range(count):
            nights = int(b.rng.integers(2, 5))
            stays.append(b.visit(person, b.hospital(1), 21, day, nights))
            day += nights + int(b.rng.integers(20, 30))
        if not hard:
            for k, v in enumerate(stays[6:], start=7):
                b.case("frequent_admission", v, ("all",), f"当年第{k}次住院，超过6次")


PLANTERS = {
    "settlement_mismatch": settlement_mismatch,
    "fee_amount_mismatch": fee_amount_mismatch,
    "diagnosis_code_invalid": diagnosis_code_invalid,
    "operation_code_invalid": operation_code_invalid,
    "operation_gender": operation_gender,
    "operation_diagnosis": operation_diagnosis,
    "late_upload": late_upload,
    "drug_supply_days": drug_supply_days,
    "drug_kinds": drug_kinds,
    "frequent_admission": frequent_admission,
}
