"""Planted cases and hard negatives of the issue-5 safety and policy rules read from Qiandai's own tables
(``drug_safety``, ``drug_interactions``, ``item_visit_type``, ``item_newborn``), as ``docs/claims-rules.md``
defines them.

Every drug class these rules read, and the newborn items, are withheld from the background
(:func:`withheld`) and removed from the other rules' code sets, so a planted line fires only its own
rule. Visits get an explicit main diagnosis (no secondary ones), so the diagnosis a rule reads is
the one planted. Boundaries (case / hard negative):

- drug_child_contraindicated: a quinolone at age 5–17 / at 18;
- drug_elderly: a listed sedative at age 65–85 / at 64;
- drug_pregnancy: a listed class with a pregnancy diagnosis (O00–O48) / with another diagnosis;
- drug_contraindication: a β-blocker with asthma (J45–J46) / with another diagnosis;
- drug_label_indication: a GLP-1 agonist with a diagnosis outside E11 / E66 / with E11;
- drug_interaction: two classes of a pair on one day / on consecutive days;
- item_visit_type: a ward bed day billed in an outpatient visit / 急诊诊查费 in an outpatient visit;
- item_newborn / drug_newborn: a newborn item or drug at 28 days or older / at 27 days;
- low_standard_admission: a stay billed without any test (``Visits.low_standard``: no admission
  test, drug-only treatment) / the same stay with one examination or laboratory line;
- decomposed_charge: a main item of 规则_项目分解 and one of its parts on one day / on consecutive days;
- item_contraindication / item_indication: an ``item_safety`` item with a diagnosis inside its
  contraindication (outside its indications) / the opposite.
"""

from __future__ import annotations

import numpy as np

from qiandai.datagen.catalog import BED_CODE, ER_EXAM_CODE, WARD_EXAM_CODE, Catalog
from qiandai.datagen.codesets import CodeSets, Template, background_candidates, only
from qiandai.datagen.common import DAY, IntArray, add_years
from qiandai.datagen.injections import Context, Planter
from qiandai.datagen.scenarios import ScenarioBuilder, ts
from qiandai.knowledge import qiandai_tables as qt

RULES: dict[str, str] = {
    "drug_child_contraindicated": "GZ10000301003000",
    "drug_elderly": "GZ10000301009000",
    "drug_pregnancy": "GZ10000301010000",
    "drug_contraindication": "GZ10000301008000",
    "drug_label_indication": "GZ10000301007000",
    "drug_interaction": "GZ10000301011000",
    "item_visit_type": "GZ10000102009000",
    "item_newborn": "GZ10000102005000",
    "drug_newborn": "GZ10000101006000",
    "low_standard_admission": "GZ10000204005000",
    "decomposed_charge": "GZ10000102013000",
    "item_contraindication": "GZ10000302005000",
    "item_indication": "GZ10000302006000",
}
Ranges = list[tuple[str, str]]


def safety_prefixes() -> tuple[str, ...]:
    """Every drug class (X + ATC level 4) that the safety rules read."""
    s = qt.drug_safety().column("atc_prefix").to_pylist()
    i = qt.drug_interactions()
    pairs = i.column("atc_prefix_a").to_pylist() + i.column("atc_prefix_b").to_pylist()
    return tuple(sorted({str(p) for p in s + pairs}))


def _newborn_ids(cat: Catalog, table: str = "") -> IntArray:
    """The newborn items and drugs (``table``: only those of ``item_newborn`` or ``drug_newborn``)."""
    tables = [table] if table else ["item_newborn", "drug_newborn"]
    codes = [str(c) for t in tables for c in qt.QIANDAI_TABLES[t]().column("code").to_pylist()]
    return np.array(sorted(cat.index(c) for c in codes if c in cat.position), dtype=np.int64)


def _decomposition_prefixes() -> tuple[str, ...]:
    t = qt.decomposition_rules()
    return tuple(
        sorted({str(p) for p in t.column("main_prefix").to_pylist() + t.column("part_prefix").to_pylist()})
    )


def _item_prefixes() -> tuple[str, ...]:
    return tuple(sorted({str(p) for p in qt.item_safety().column("code_prefix").to_pylist()}))


def safety_ids(cat: Catalog) -> IntArray:
    """Catalogue ids of the listed classes' drugs, the newborn items, the items of ``item_safety`` and
    those of 规则_项目分解."""
    prefixes = safety_prefixes() + _item_prefixes() + _decomposition_prefixes()
    ids = [i for i, c in enumerate(cat.codes) if c.startswith(prefixes)]
    return np.union1d(np.array(ids, dtype=np.int64), _newborn_ids(cat))


def decomposition_pairs(cat: Catalog) -> list[tuple[int, int]]:
    """(main item, part) catalogue pairs of one 规则_项目分解 row that fire no other rule when billed
    together: not a batch-7 pair, no batch-7 partner the background may bill, not two operations of
    one group (手术折价), no line restriction for a 45-year-old of the code's gender."""
    rows = qt.decomposition_rules().to_pylist()
    groups = {str(r["code"]) for r in cat.extra_rows.get("surgery_groups", [])}
    background = background_candidates(cat)
    svc = np.array([i for i, c in enumerate(cat.codes) if c[:2] == "00"], dtype=np.int64)
    judged = _item_prefixes()  # items with an indication or contraindication would fire those rules
    usable = {
        i
        for i in svc[only(cat, svc, Template(age=45), None)].tolist()
        if not any(background[p] for p in cat.partners.get(i, ())) and not cat.codes[i].startswith(judged)
    }
    parts_of: dict[int, list[str]] = {}
    for r in rows:
        parts_of.setdefault(int(str(r["row_id"])), []).append(str(r["part_prefix"]))
    pairs: set[tuple[int, int]] = set()
    for r in rows:
        parts = tuple(parts_of[int(str(r["row_id"]))])
        mains = [i for i in usable if cat.codes[i].startswith(str(r["main_prefix"]))]
        mains = [i for i in mains if not cat.codes[i].startswith(parts)]
        for p in (i for i in usable if cat.codes[i].startswith(str(r["part_prefix"]))):
            pairs.update(
                (m, p)
                for m in mains
                if m != p
                and p not in cat.partners.get(m, ())
                and not (cat.codes[m] in groups and cat.codes[p] in groups)
                and {int(cat.gender_req[m]), int(cat.gender_req[p])} != {1, 2}
            )
    return sorted(pairs)


def withheld(cat: Catalog, codes: CodeSets) -> set[int]:
    """Codes the background must not bill; also drops them from the other rules' code sets."""
    ids = safety_ids(cat)
    for sets in (codes.by_rule, codes.hard_by_rule):
        for rule, members in sets.items():
            sets[rule] = members[~np.isin(members, ids)]
    judged = {i for i, c in enumerate(cat.codes) if c.startswith(safety_prefixes() + _item_prefixes())}
    related = _decomposition_related(cat)
    for window, pairs in codes.pairs.items():  # a batch-7 pair that 分解收费 or a safety rule would judge
        kept = [
            p for p in pairs if not ({p.a, p.b} & judged or (p.a, p.b) in related or (p.b, p.a) in related)
        ]
        codes.pairs[window] = kept or pairs  # never leave a window without pairs
    return set(ids.tolist())


def _decomposition_related(cat: Catalog) -> set[tuple[int, int]]:
    """(main, part) catalogue pairs that one 规则_项目分解 row relates (any codes, not only usable ones)."""
    rows = qt.decomposition_rules().to_pylist()
    parts_of: dict[int, tuple[str, ...]] = {}
    for r in rows:
        parts_of[int(str(r["row_id"]))] = (*parts_of.get(int(str(r["row_id"])), ()), str(r["part_prefix"]))
    out: set[tuple[int, int]] = set()
    for r in rows:
        parts = parts_of[int(str(r["row_id"]))]
        main = str(r["main_prefix"])
        mains = [i for i, c in enumerate(cat.codes) if c.startswith(main) and not c.startswith(parts)]
        subs = [i for i, c in enumerate(cat.codes) if c.startswith(str(r["part_prefix"]))]
        out.update((m, x) for m in mains for x in subs if m != x)
    return out


def _rows(kind: str) -> list[dict[str, object]]:
    return [r for r in qt.drug_safety().to_pylist() if r["kind"] == kind]


def _indication_ranges(cat: Catalog) -> dict[int, Ranges]:
    """Code → ICD-10 ranges of its 药品限适应症 point, for the codes whose point Qiandai maps."""
    by_kp: dict[str, Ranges] = {}
    for r in qt.indication_icd10().to_pylist():
        by_kp.setdefault(str(r["kp_id"]), []).append((str(r["icd10_from"]), str(r["icd10_to"])))
    out: dict[int, Ranges] = {}
    for r in cat.extra_rows.get("drug_indication", []):
        kp = str(r["kp_id"])
        if kp in by_kp:
            out.setdefault(cat.index(str(r["code"])), []).extend(by_kp[kp])
    return out


def _class_codes(
    cat: Catalog, prefix: str, t: Template, rule: str | None = None, mapped: bool = True
) -> IntArray:
    """Codes of one class that under ``t`` violate exactly the line rule ``rule`` (None: none);
    ``mapped`` False also leaves out the drugs that 药品限适应症 judges."""
    skip = set() if mapped else set(_indication_ranges(cat))
    ids = np.array(
        [i for i, c in enumerate(cat.codes) if c.startswith(prefix) and i not in skip], dtype=np.int64
    )
    return ids[only(cat, ids, t, rule)] if len(ids) else ids


def _fit_indications(b: ScenarioBuilder, c: Context, v: int, codes: list[int], gender: int, age: int) -> None:
    """Give visit ``v`` secondary diagnoses inside the 药品限适应症 ranges of ``codes`` (those mapped), so
    that rule stays quiet: the planted drug is used for an indication it is paid for."""
    ranges = _indication_ranges(b.cat)
    slots = ["diag2", "diag3"]
    for code in codes:
        if code in ranges:
            b.visits[slots.pop(0)][v] = _diag(c, ranges[code], inside=True, gender=gender, age=age)


def _pick(b: ScenarioBuilder, ids: IntArray | list[int]) -> int:
    if len(ids) == 0:
        raise ValueError("no usable code for a safety rule in the knowledge base")
    return int(ids[int(b.rng.integers(0, len(ids)))])


def _in(cat3: str, ranges: Ranges) -> bool:
    return any(lo <= cat3[: len(lo)] <= hi for lo, hi in ranges)


def _diag(c: Context, ranges: Ranges, inside: bool, gender: int, age: int) -> int:
    """A diagnosis that fits the patient, inside (or, from the background ones, outside) ``ranges``."""
    dx = c.dx
    ok = [
        i
        for i in range(len(dx.code))
        if _in(dx.category[i], ranges) == inside
        and dx.gender_req[i] in (0, gender)
        and (dx.min_age[i] < 0 or dx.min_age[i] <= age)
        and (dx.max_age[i] < 0 or dx.max_age[i] >= age)
        and dx.max_age_days[i] < 0
        and (inside or dx.background[i])
    ]
    if not ok:
        raise ValueError(f"no diagnosis {'inside' if inside else 'outside'} {ranges}")
    return int(ok[int(c.b.rng.integers(0, len(ok)))])


def _gender_of(b: ScenarioBuilder, code: int, default: int = 0) -> int:
    req = int(b.cat.gender_req[code])
    return req or default or b.random_gender()


def drug_child_contraindicated(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    rows = _rows("儿童禁用")
    for i in range(n):
        r = rows[i % len(rows)]
        limit = int(str(r["max_age"]))
        age = limit if hard else int(b.rng.integers(5, limit))
        code = _pick(b, _class_codes(b.cat, str(r["atc_prefix"]), Template(inpatient=False, age=age)))
        day = b.day_in_months(3)
        birth = (
            add_years(day, -age) if hard or i % 3 == 0 else add_years(day, -age) - int(b.rng.integers(1, 300))
        )
        gender = _gender_of(b, code)
        v = b.visit(b.person(gender, birth), b.hospital(3), 11, day, diag=c.free_diag())
        _fit_indications(b, c, v, [code], gender, age)
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case("drug_child_contraindicated", v, ("extra", [line]), "儿童禁用药品用于未满18岁患者")


def drug_elderly(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    rows = _rows("老年慎用")
    for i in range(n):
        r = rows[i % len(rows)]
        limit = int(str(r["min_age"]))
        age = limit - 1 if hard else int(b.rng.integers(limit, limit + 21))
        t = Template(inpatient=False, age=age)
        ids = _class_codes(b.cat, str(r["atc_prefix"]), t)
        child = len(ids) == 0  # every code of the class is a batch-1 限儿童 drug: it fires that rule too
        if child:
            ids = _class_codes(b.cat, str(r["atc_prefix"]), t, "drug_child_limit")
        code = _pick(b, ids)
        day = b.day_in_months(3)
        birth = add_years(day + 1, -limit) if hard else add_years(day, -age) - int(b.rng.integers(0, 300))
        gender = _gender_of(b, code)
        v = b.visit(b.person(gender, birth), b.hospital(3), 11, day, diag=c.free_diag())
        _fit_indications(b, c, v, [code], gender, age)
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if child:  # a true 药品限儿童使用 violation as well, case or hard negative of this rule
            b.case("drug_child_limit", v, ("extra", [line]), "限儿童使用的药品用于成人（老年人慎用药品用例）")
        if not hard:
            b.case("drug_elderly", v, ("extra", [line]), "老年人慎用药品用于65岁及以上患者")


def _diag_rule(b: ScenarioBuilder, c: Context, n: int, hard: bool, kind: str, rule: str, note: str) -> None:
    """Plant ``kind`` rows whose ranges are 3-character categories: a case has a diagnosis inside them
    (``require`` kinds: outside), a hard negative the opposite."""
    by_prefix: dict[str, Ranges] = {}
    for r in _rows(kind):
        lo, hi = str(r["icd10_from"]), str(r["icd10_to"])
        if len(lo) == 3 and len(hi) == 3:
            by_prefix.setdefault(str(r["atc_prefix"]), []).append((lo, hi))
    prefixes = sorted(by_prefix)
    forbid = kind != "说明书适应症"
    pregnancy = kind == "妊娠禁用"
    for i in range(n):
        prefix = prefixes[i % len(prefixes)]
        gender = 2 if pregnancy else 0
        age = 30 if pregnancy else 50
        t = Template(inpatient=False, age=age, gender=gender)
        code = _pick(b, _class_codes(b.cat, prefix, t, mapped=forbid))
        gender = _gender_of(b, code, gender)
        inside = forbid != hard
        ranges = by_prefix[prefix][:1] if pregnancy and inside else by_prefix[prefix]
        diag = _diag(c, ranges, inside=inside, gender=gender, age=age)
        v = b.visit(b.person_aged(gender, age), b.hospital(3), 11, b.day(), diag=diag)
        _fit_indications(b, c, v, [code], gender, age)
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case(rule, v, ("extra", [line]), note)


def drug_pregnancy(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _diag_rule(b, c, n, hard, "妊娠禁用", "drug_pregnancy", "妊娠期禁用药品用于有妊娠诊断的就诊")


def drug_contraindication(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _diag_rule(b, c, n, hard, "禁忌症", "drug_contraindication", "就诊诊断属于药品禁忌症")


def drug_label_indication(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _diag_rule(b, c, n, hard, "说明书适应症", "drug_label_indication", "诊断不属于药品说明书适应症")


def _item_rule(b: ScenarioBuilder, c: Context, n: int, hard: bool, kind: str, rule: str, note: str) -> None:
    """``item_safety`` rows of ``kind``: a case has a diagnosis inside the item's ranges (适应症: outside
    all of them), a hard negative the opposite. The patient's age suits the item's line restrictions."""
    by_prefix: dict[str, Ranges] = {}
    for r in qt.item_safety().to_pylist():
        if r["kind"] == kind:
            by_prefix.setdefault(str(r["code_prefix"]), []).append((str(r["icd10_from"]), str(r["icd10_to"])))
    forbid = kind != "适应症"
    choices: list[tuple[int, int, Ranges]] = []
    for prefix, ranges in sorted(by_prefix.items()):
        ids = np.array([i for i, code in enumerate(b.cat.codes) if code.startswith(prefix)], dtype=np.int64)
        for age in (45, 1):  # adults first; infant-only items (婴儿氧舱治疗) at one year
            ok = ids[only(b.cat, ids, Template(inpatient=False, age=age), None)] if len(ids) else ids
            choices += [(int(i), age, [x for x in ranges if len(x[0]) == 3]) for i in ok]
            if len(ok):
                break
    if not choices:
        raise ValueError(f"no usable item for {rule} in the knowledge base")
    for _ in range(n):
        code, age, ranges = choices[int(b.rng.integers(0, len(choices)))]
        gender = _gender_of(b, code)
        diag = _diag(c, ranges, inside=forbid != hard, gender=gender, age=age)
        v = b.visit(b.person_aged(gender, age), b.hospital(3), 11, b.day(), diag=diag)
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case(rule, v, ("extra", [line]), note)


def item_contraindication(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _item_rule(b, c, n, hard, "禁忌症", "item_contraindication", "就诊诊断属于医疗服务项目禁忌证")


def item_indication(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _item_rule(b, c, n, hard, "适应症", "item_indication", "就诊诊断均不属于医疗服务项目适应证")


def drug_interaction(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    pairs = qt.drug_interactions().to_pylist()
    t = Template(inpatient=False, age=60, gender=1)
    for i in range(n):
        p = pairs[i % len(pairs)]
        x = _pick(b, _class_codes(b.cat, str(p["atc_prefix_a"]), t))
        y = _pick(b, _class_codes(b.cat, str(p["atc_prefix_b"]), t))
        v = b.visit(b.person_aged(1, 60), b.hospital(3), 21, b.day(), 3, diag=c.free_diag())
        _fit_indications(b, c, v, [x, y], 1, 60)
        day = b.begin_of(v) // DAY + 1
        lines = [b.add_line(v, x, ts(day, 9)), b.add_line(v, y, ts(day + (1 if hard else 0), 15))]
        if not hard:
            b.case("drug_interaction", v, ("extra", lines), "禁止或不应合用的两类药品同日使用")


def item_visit_type(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    codes = [b.cat.index(x) for x in (BED_CODE, WARD_EXAM_CODE)]
    for i in range(n):
        code = b.cat.index(ER_EXAM_CODE) if hard else codes[i % 2]
        v = b.visit(b.person_aged(b.random_gender(), 45), b.hospital(3), 11, b.day(), diag=c.free_diag())
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case("item_visit_type", v, ("extra", [line]), "仅住院可收取的项目在门诊收费")


def _newborn(b: ScenarioBuilder, c: Context, n: int, hard: bool, rule: str) -> None:
    ids = _newborn_ids(b.cat, rule)
    for i in range(n):
        code = _pick(b, ids)
        day = b.day_in_months(3)
        birth = day - (27 if hard else 28 if i % 4 == 0 else int(b.rng.integers(29, 700)))
        v = b.visit(b.person(_gender_of(b, code), birth), b.hospital(3), 21, day, 2, diag=c.free_diag())
        line = b.add_line(v, code, ts(day, 10))
        if not hard:
            b.case(rule, v, ("extra", [line]), "限新生儿的项目或药品用于出生28天及以上患者")


def item_newborn(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _newborn(b, c, n, hard, "item_newborn")


def drug_newborn(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _newborn(b, c, n, hard, "drug_newborn")


def low_standard_admission(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for _ in range(n):
        nights = int(b.rng.integers(1, 6))
        person = b.person_aged(b.random_gender(), int(b.rng.integers(20, 80)))
        day = b.day(hi_margin=20)
        v = b.visit(person, b.hospital(2), 21, day, nights, diag=c.free_diag(), low_standard=True)
        if hard:  # one examination or laboratory test makes the stay an ordinary one
            code = int(c.pools.free_tests[int(b.rng.integers(0, len(c.pools.free_tests)))])
            b.add_line(v, code, ts(day + 1, 9) if nights > 1 else b.begin_of(v) + 1800)
            continue
        b.case("low_standard_admission", v, ("all",), "住院期间无任何检查、化验或手术项目")


def decomposed_charge(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    pairs = decomposition_pairs(b.cat)
    if not pairs:
        raise ValueError("no usable item pair of 规则_项目分解 in the knowledge base")
    for _ in range(n):
        main, part = pairs[int(b.rng.integers(0, len(pairs)))]
        gender = _gender_of(b, main, _gender_of(b, part))
        v = b.visit(b.person_aged(gender, 45), b.hospital(3), 21, b.day(), 3, diag=c.free_diag())
        day = b.begin_of(v) // DAY + 1
        b.add_line(v, main, ts(day, 9))
        line = b.add_line(v, part, ts(day + (1 if hard else 0), 11))
        if not hard:
            b.case("decomposed_charge", v, ("extra", [line]), "同日收取主项目及其内涵组成部分")


PLANTERS: dict[str, Planter] = {
    "drug_child_contraindicated": drug_child_contraindicated,
    "drug_elderly": drug_elderly,
    "drug_pregnancy": drug_pregnancy,
    "drug_contraindication": drug_contraindication,
    "drug_label_indication": drug_label_indication,
    "drug_interaction": drug_interaction,
    "item_visit_type": item_visit_type,
    "item_newborn": item_newborn,
    "drug_newborn": drug_newborn,
    "low_standard_admission": low_standard_admission,
    "decomposed_charge": decomposed_charge,
    "item_contraindication": item_contraindication,
    "item_indication": item_indication,
}
