"""Planted cases and hard negatives of the breadth rules (issue 5), as ``docs/claims-rules.md`` defines them.

The codes these rules read (herbal pieces of batch 11, operations of batch 2, drugs of batches 12–17,
antibiotics ``XJ01``, the drug classes of ``duplicate_drug_classes``) are withheld from the
background (:func:`withheld`), and the drugs whose indication Qiandai maps are removed from the
other rules' code sets, so a planted line fires only its own rule. Boundaries (case / hard negative):

- herbal_excluded: a listed piece with cnt 1 / with cnt 0;
- herbal_single: a prescription of 1–2 listed pieces / a listed piece with another drug on it;
- surgery_discount: 2nd operation of a group on the main one's day at full price / at exactly 50 %;
- antibiotic_grade: a special-use antibiotic at a tier-1 hospital / at a tier-2 hospital;
- perioperative_antibiotic: antibiotic until op + 3 or + 4 days / until op + 2 days;
- drug_indication: a mapped drug with a diagnosis outside its ranges / with one inside;
- duplicate_drug: two substances of one class on one day of a stay / on two consecutive days.
"""

from __future__ import annotations

import itertools

import numpy as np

from qiandai.datagen.catalog import Catalog
from qiandai.datagen.codesets import CodeSets, Template, only
from qiandai.datagen.common import DAY, IntArray
from qiandai.datagen.diagnoses import DiagnosisCatalog
from qiandai.datagen.injections import Context, Planter
from qiandai.datagen.injections_safety import safety_ids
from qiandai.datagen.institutions import HOSPITAL
from qiandai.datagen.scenarios import ScenarioBuilder, ts
from qiandai.knowledge import qiandai_tables as qt

RULES: dict[str, str] = {
    "herbal_excluded": "GZ10000101003000",
    "herbal_single": "GZ10000101004000",
    "drug_indication": "GZ10000101008000",
    "surgery_discount": "GZ10000102002000",
    "perioperative_antibiotic": "GZ10000202002000",
    "antibiotic_grade": "GZ10000202003000",
    "duplicate_drug": "GZ10000301006000",
}
ANTIBIOTIC = "XJ01"
HERBAL_RX = 9  # a prescription group the background never reaches (it bills ≤ 9 drugs per visit)
OUT, INP = Template(inpatient=False, age=45), Template(age=45)
Ranges = list[tuple[str, str]]


def _ids(cat: Catalog, table: str) -> IntArray:
    return np.array(
        sorted({cat.index(str(r["code"])) for r in cat.extra_rows.get(table, [])}), dtype=np.int64
    )


def _indication_ranges() -> dict[str, Ranges]:
    out: dict[str, Ranges] = {}
    for r in qt.indication_icd10().to_pylist():
        out.setdefault(str(r["kp_id"]), []).append((str(r["icd10_from"]), str(r["icd10_to"])))
    return out


def _code_kp(cat: Catalog) -> dict[int, str]:
    return {cat.index(str(r["code"])): str(r["kp_id"]) for r in cat.extra_rows.get("drug_indication", [])}


def _prefixed(cat: Catalog, prefixes: tuple[str, ...]) -> IntArray:
    return np.array([i for i, c in enumerate(cat.codes) if c.startswith(prefixes)], dtype=np.int64)


def withheld(cat: Catalog, codes: CodeSets) -> set[int]:
    """Codes the background must not bill (herbal pieces, operations, mapped-indication drugs, antibiotics,
    duplicate-class drugs); also drops mapped-indication drugs from the other rules' code sets."""
    dup = tuple(str(p) for p in qt.duplicate_drug_classes().column("atc_prefix").to_pylist())
    out: set[int] = set(_prefixed(cat, (ANTIBIOTIC, *dup)).tolist())
    for table in ("herbal_excluded", "herbal_single", "surgery_groups"):
        out.update(_ids(cat, table).tolist())
    ranges = _indication_ranges()  # unmapped indication drugs stay: the rule does not judge them
    mapped = np.array([i for i, kp in _code_kp(cat).items() if kp in ranges], dtype=np.int64)
    out.update(mapped.tolist())
    for sets in (codes.by_rule, codes.hard_by_rule):
        for rule, ids in sets.items():
            sets[rule] = ids[~np.isin(ids, mapped)]
    return out


def _in(cat3: str, ranges: Ranges) -> bool:
    return any(lo <= cat3[: len(lo)] <= hi for lo, hi in ranges)


def _diag(c: Context, ranges: Ranges, inside: bool, gender: int, age: int = 45) -> int:
    """A diagnosis fitting the patient, inside (or outside) ``ranges``; -1 when none exists."""
    dx: DiagnosisCatalog = c.dx
    ok = [
        i
        for i in range(len(dx.code))
        if _in(dx.category[i], ranges) == inside
        and dx.gender_req[i] in (0, gender)
        and dx.min_age[i] <= age
        and (dx.max_age[i] < 0 or dx.max_age[i] >= age)
        and dx.max_age_days[i] < 0
        and (inside or dx.background[i])
    ]
    return int(ok[c.b.rng.integers(0, len(ok))]) if ok else -1


def _usable(cat: Catalog, ids: IntArray, t: Template) -> IntArray:
    ids = np.setdiff1d(ids, safety_ids(cat))  # the safety rules' classes fire their own rules
    return ids[only(cat, ids, t, None)] if len(ids) else ids


def _gender(b: ScenarioBuilder, *codes: int) -> int:
    """The gender the codes require (rules 药品/项目区分性别使用 stay quiet); random when none does."""
    req = {int(b.cat.gender_req[code]) for code in codes} - {0}
    return req.pop() if len(req) == 1 else b.random_gender()


def _pick(b: ScenarioBuilder, ids: IntArray | list[int]) -> int:
    if len(ids) == 0:
        raise ValueError("no usable code for a breadth rule in the knowledge base")
    return int(ids[int(b.rng.integers(0, len(ids)))])


def herbal_excluded(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    ids = _usable(b.cat, _ids(b.cat, "herbal_excluded"), OUT)
    for _ in range(n):
        code = _pick(b, ids)
        v = b.visit(b.person_aged(_gender(b, code), 45), b.hospital(3), 11, b.day())
        line = b.add_line(v, code, b.begin_of(v) + 900, cnt=0 if hard else 1, rx=HERBAL_RX)
        if not hard:
            b.case("herbal_excluded", v, ("extra", [line]), "单复方均不予支付的中药饮片纳入结算")


def herbal_single(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    ids = _usable(b.cat, np.setdiff1d(_ids(b.cat, "herbal_single"), _ids(b.cat, "herbal_excluded")), OUT)
    for i in range(n):
        first = _pick(b, ids)
        v = b.visit(b.person_aged(_gender(b, first), 45), b.hospital(3), 11, b.day())
        t = b.begin_of(v) + 900
        lines = [b.add_line(v, first, t, rx=HERBAL_RX)]
        if hard:
            b.add_line(v, c.reserved(True), t + 60, rx=HERBAL_RX)
            continue
        if i % 2:
            other = ids[(ids != first) & np.isin(b.cat.gender_req[ids], [0, b.person_gender[-1]])]
            lines.append(b.add_line(v, _pick(b, other), t + 60, rx=HERBAL_RX))
        b.case("herbal_single", v, ("extra", lines), "处方仅由单独使用不予支付的中药饮片组成")


def _surgery_pairs(cat: Catalog) -> list[tuple[int, int]]:
    by_group: dict[str, list[int]] = {}
    ok = set(_usable(cat, _ids(cat, "surgery_groups"), INP).tolist())
    for r in cat.extra_rows.get("surgery_groups", []):
        i = cat.index(str(r["code"]))
        if i in ok and not cat.partners.get(i) and cat.ceil_cents[i] > 0:
            by_group.setdefault(str(r["surgery_group"]), []).append(i)
    pairs = []
    for ids in by_group.values():
        ranked = sorted(set(ids), key=lambda i: (-int(cat.ceil_cents[i]), cat.codes[i]))
        pairs += [(a, z) for a, z in itertools.pairwise(ranked) if cat.ceil_cents[a] > cat.ceil_cents[z]]
    return pairs


def surgery_discount(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    pairs = _surgery_pairs(b.cat)
    for _ in range(n):
        main, second = pairs[int(b.rng.integers(0, len(pairs)))]
        v = b.visit(b.person_aged(_gender(b, main, second), 45), b.hospital(3), 21, b.day(), 4)
        day = b.begin_of(v) // DAY + 1
        b.add_line(v, main, ts(day, 9))
        pric = int(b.cat.ceil_cents[second]) // 2 if hard else None
        line = b.add_line(v, second, ts(day, 11), pric=pric)
        if not hard:
            b.case("surgery_discount", v, ("extra", [line]), "同日同组第二手术未按50%折价收费")


def _special_antibiotics(cat: Catalog) -> IntArray:
    prefixes = tuple(str(p) for p in qt.antibiotic_grades().column("atc_prefix").to_pylist())
    ranges = _indication_ranges()
    kp = _code_kp(cat)
    ids = np.array([i for i in _prefixed(cat, prefixes) if kp.get(int(i)) not in ranges], dtype=np.int64)
    return _usable(cat, ids, Template(inpatient=False, tier=1, age=45))


def antibiotic_grade(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    ids = _special_antibiotics(b.cat)
    for _ in range(n):
        inst = b.inst(HOSPITAL, tier=2 if hard else 1)
        code = _pick(b, ids)
        v = b.visit(b.person_aged(_gender(b, code), 45), inst, 11, b.day())
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case("antibiotic_grade", v, ("extra", [line]), "特殊使用级抗菌药物在一级医院使用")


def perioperative_antibiotic(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    ranges, kp = _indication_ranges(), _code_kp(b.cat)
    plain = [i for i in _prefixed(b.cat, (ANTIBIOTIC,)).tolist() if kp.get(i) not in ranges]
    ids = _usable(b.cat, np.array(plain, dtype=np.int64), INP)
    infection = [
        (str(r["category_from"]), str(r["category_to"])) for r in qt.infection_diagnoses().to_pylist()
    ]
    for i in range(n):
        code = _pick(b, ids)
        gender = _gender(b, code)
        diag = _diag(c, infection, inside=False, gender=gender)
        v = b.visit(b.person_aged(gender, 45), b.hospital(3), 21, b.day(hi_margin=50), 8, diag=diag)
        op_day = b.begin_of(v) // DAY + 1
        b.operation(v, "81.5100", "全髋关节置换术", ts(op_day, 10))
        last = op_day + (2 if hard else 3 + i % 2)
        late = [b.add_line(v, code, ts(d, 9)) for d in range(op_day, last + 1)][3:]
        if not hard:
            b.case("perioperative_antibiotic", v, ("extra", late), "术后超过48小时仍预防使用抗菌药物")


def drug_indication(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    ranges, kp = _indication_ranges(), _code_kp(b.cat)
    mapped = np.array(sorted(i for i, k in kp.items() if k in ranges), dtype=np.int64)
    mapped = np.setdiff1d(mapped, safety_ids(b.cat))
    done = 0
    for _ in range(n * 20):
        if done == n:
            break
        code = _pick(b, mapped)
        gender = int(b.cat.gender_req[code]) or b.random_gender()
        if not only(b.cat, np.array([code]), Template(inpatient=False, age=45, gender=gender), None)[0]:
            continue
        diag = _diag(c, ranges[kp[code]], inside=hard, gender=gender)
        if diag < 0:
            continue
        v = b.visit(b.person_aged(gender, 45), b.hospital(3), 11, b.day(), diag=diag)
        line = b.add_line(v, code, b.begin_of(v) + 900)
        done += 1
        if not hard:
            b.case("drug_indication", v, ("extra", [line]), "诊断不符合药品限定适应症")


def duplicate_drug(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    ranges, kp = _indication_ranges(), _code_kp(b.cat)
    prefixes = tuple(str(p) for p in qt.duplicate_drug_classes().column("atc_prefix").to_pylist())
    by_class: dict[str, dict[str, int]] = {}
    for i in _usable(b.cat, _prefixed(b.cat, prefixes), INP).tolist():
        by_class.setdefault(b.cat.codes[i][:6], {}).setdefault(b.cat.codes[i][:10], i)
    choices = [list(subs.values()) for subs in by_class.values() if len(subs) >= 2]
    done = 0
    for _ in range(n * 20):
        if done == n:
            break
        subs = choices[int(b.rng.integers(0, len(choices)))]
        x, y = (int(s) for s in b.rng.choice(subs, size=2, replace=False))
        need = [r for k in (x, y) if kp.get(k) in ranges for r in [ranges[kp[k]]]]
        if {int(b.cat.gender_req[x]), int(b.cat.gender_req[y])} >= {1, 2}:
            continue
        gender = _gender(b, x, y)
        fits = [i for i in range(len(c.dx.code)) if all(_in(c.dx.category[i], r) for r in need)]
        diag = _diag(c, [(c.dx.category[i], c.dx.category[i]) for i in fits], True, gender) if need else -1
        if need and diag < 0:
            continue
        v = b.visit(b.person_aged(gender, 45), b.hospital(3), 21, b.day(), 3, diag=diag)
        day = b.begin_of(v) // DAY + 1
        lines = [b.add_line(v, x, ts(day, 9)), b.add_line(v, y, ts(day + (1 if hard else 0), 15))]
        done += 1
        if not hard:
            b.case("duplicate_drug", v, ("extra", lines), "同日开具同类药品两种")


PLANTERS: dict[str, Planter] = {
    "herbal_excluded": herbal_excluded,
    "herbal_single": herbal_single,
    "drug_indication": drug_indication,
    "surgery_discount": surgery_discount,
    "perioperative_antibiotic": perioperative_antibiotic,
    "antibiotic_grade": antibiotic_grade,
    "duplicate_drug": duplicate_drug,
}
