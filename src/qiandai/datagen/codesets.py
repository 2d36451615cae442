"""The codes each scenario bills, chosen so that a planted line violates exactly its own rule.

For every rule a *template* context (who, where, how) is fixed for the injected case and for its
hard negative; a code qualifies when the injected context violates only the target rule and the
hard-negative context violates nothing. Codes must also be *pair-safe*: none of their batch-7
partners can appear in a background visit (so a planted line never forms an unplanned pair).
All chosen codes are withheld from the background pools, so a scenario visit never bills them twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qiandai.datagen.catalog import (
    BED_CODE,
    ER_EXAM_CODE,
    NURSING_CODE,
    WARD_EXAM_CODE,
    Catalog,
    DuplicatePair,
    LineContext,
    violations,
)
from qiandai.datagen.common import IntArray

MAX_PER_RULE = 40
WINDOWS = ("单次就诊", "单日", "6小时", "同一小时")


@dataclass(frozen=True)
class Template:
    """A context for candidate checks; ``gender`` 0 means "the code's own gender (or male)"."""

    inpatient: bool = True
    tier: int = 3
    insutype: int = 310
    age: int = 40
    age_days: int | None = None
    gender: int = 0
    maternity: bool = False
    flip_gender: bool = False


def _ctx(cat: Catalog, ids: IntArray, t: Template) -> LineContext:
    n = len(ids)
    req = cat.gender_req[ids]
    gender = np.where(req == 0, 1, req) if t.gender == 0 else np.full(n, t.gender)
    if t.flip_gender:
        gender = 3 - gender
    full = np.full
    age_days = t.age_days if t.age_days is not None else t.age * 365 + 100
    return LineContext(
        gender=gender,
        age_years_min=full(n, t.age),
        age_years_max=full(n, t.age),
        age_days_max=full(n, age_days),
        tier=full(n, t.tier),
        inpatient=full(n, t.inpatient),
        insutype=full(n, t.insutype),
        maternity_med_type=full(n, t.maternity),
    )


def only(cat: Catalog, ids: IntArray, t: Template, rule: str | None) -> np.ndarray:
    """Mask of ``ids`` that under template ``t`` violate exactly ``rule`` (None: nothing)."""
    if len(ids) == 0:
        return np.zeros(0, dtype=bool)
    v = violations(cat, ids, _ctx(cat, ids, t))
    ok = np.ones(len(ids), dtype=bool)
    for name, mask in v.items():
        ok &= mask if name == rule else ~mask
    return ok


def background_candidates(cat: Catalog) -> np.ndarray:
    """Mask of codes that may ever appear in a background line (pool candidates and ward codes)."""
    no_limits = (cat.item_course_days == 0) & (cat.cycle_n == 0) & (cat.freq_max == 0) & cat.in_safe_set
    chrg = np.array(cat.chrgitm)
    mask = no_limits & (cat.is_drug | np.isin(chrg, ["03", "04", "05"]))
    for code in (BED_CODE, NURSING_CODE, WARD_EXAM_CODE, ER_EXAM_CODE):
        mask[cat.index(code)] = True
    return mask


@dataclass
class CodeSets:
    """Chosen codes per rule (catalogue ids) and the duplicate pairs per window."""

    by_rule: dict[str, IntArray]
    hard_by_rule: dict[str, IntArray]
    pairs: dict[str, list[DuplicatePair]]
    ward_codes: IntArray  # bed / nursing / ward exam: limited to 1 per day, billed daily

    def excluded(self, cat: Catalog) -> set[int]:
        """Codes the background must not bill: the chosen codes and every code of their knowledge points."""
        chosen: set[int] = set()
        for ids in (*self.by_rule.values(), *self.hard_by_rule.values()):
            chosen.update(int(i) for i in ids)
        for pairs in self.pairs.values():
            for p in pairs:
                chosen.update((p.a, p.b))
        out: set[int] = set()
        for i in sorted(chosen):
            out |= cat.siblings(i)
        return out - {int(i) for i in self.ward_codes}


def choose_codes(cat: Catalog, rng: np.random.Generator) -> CodeSets:
    """Pick up to :data:`MAX_PER_RULE` qualifying codes for every rule."""
    base = background_candidates(cat)
    ids_all = np.arange(len(cat))
    base_set = set(np.flatnonzero(base).tolist())
    partner_in_base = np.array([bool(cat.partners.get(int(i), set()) & base_set) for i in ids_all])
    pair_safe = ~partner_in_base
    plain = (cat.item_course_days == 0) & (cat.cycle_n == 0) & (cat.freq_max == 0) & pair_safe
    drug_plain = cat.is_drug & plain & ((cat.drug_course_days == 0) | (cat.drug_course_days >= 5))
    item_plain = ~cat.is_drug & plain & np.isin(np.array(cat.chrgitm), ["03", "04", "05", "06"])
    inp, out3 = Template(), Template(inpatient=False)

    def members(table: str) -> IntArray:
        return cat.table_members.get(table, np.zeros(0, dtype=np.int64))

    def pick(ids: IntArray, k: int = MAX_PER_RULE) -> IntArray:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) <= k:
            return ids
        return np.sort(rng.choice(ids, size=k, replace=False))

    by_rule: dict[str, IntArray] = {}
    hard: dict[str, IntArray] = {}

    def both(rule: str, ids: IntArray, inj: Template, neg: Template, basis: np.ndarray) -> None:
        ids = ids[basis[ids]]
        ok = only(cat, ids, inj, rule) & only(cat, ids, neg, None)
        chosen = pick(ids[ok])
        by_rule[rule] = chosen
        hard[rule] = chosen

    both("drug_gender", members("drug_gender"), Template(flip_gender=True), inp, drug_plain)
    both("item_gender", members("item_gender"), Template(flip_gender=True), inp, item_plain)
    for rule, basis in (
        ("drug_child_only", drug_plain),
        ("drug_child_limit", drug_plain),
        ("item_child_only", item_plain),
    ):
        ids = members(rule)
        ids = ids[basis[ids]]
        chosen: list[IntArray] = []
        for target, (adult_age, child_age, child_days) in {
            1: (30, 17, 17 * 365 + 300),
            2: (5, 2, 2 * 365 + 300),
            3: (1, 0, 27),
        }.items():
            sub = ids[cat.child_target[ids] == target]
            inj = Template(inpatient=False, age=adult_age)
            neg = Template(inpatient=False, age=child_age, age_days=child_days)
            chosen.append(pick(sub[only(cat, sub, inj, rule) & only(cat, sub, neg, None)], MAX_PER_RULE // 3))
        by_rule[rule] = hard[rule] = np.concatenate(chosen)
    both("item_age", members("item_age"), Template(inpatient=False, age=70), out3, ~cat.is_drug & pair_safe)
    ids = members("drug_institution_level")
    ids = ids[drug_plain[ids]]
    chosen = []
    for tier in (2, 3):
        sub = ids[cat.min_tier[ids] == tier]
        inj = Template(inpatient=False, tier=tier - 1)
        neg = Template(inpatient=False, tier=tier)
        chosen.append(
            pick(sub[only(cat, sub, inj, "drug_institution_level") & only(cat, sub, neg, None)], 20)
        )
    by_rule["drug_institution_level"] = hard["drug_institution_level"] = np.concatenate(chosen)
    both("drug_visit_type", members("drug_visit_type"), out3, inp, drug_plain)
    both(
        "drug_work_injury",
        members("drug_work_injury"),
        Template(inpatient=False),
        Template(inpatient=False, insutype=410),
        drug_plain,
    )
    both(
        "drug_maternity",
        members("drug_maternity"),
        Template(inpatient=False, gender=2),
        Template(inpatient=False, gender=2, insutype=510, maternity=True),
        drug_plain,
    )
    # quantity rules: codes allowed in the template, limited only by the rule at hand
    ids = members("drug_course")
    ids = ids[
        cat.is_drug[ids]
        & pair_safe[ids]
        & (cat.drug_course_days[ids] >= 3)
        & (cat.drug_course_days[ids] <= 21)
    ]
    ids = ids[only(cat, ids, inp, None)]
    # a few knowledge points only: their sibling codes leave the background, which needs the rest
    firsts = sorted({min(cat.siblings(int(i)) & set(ids.tolist())) for i in ids})
    by_rule["drug_course"] = hard["drug_course"] = pick(np.array(firsts, dtype=np.int64), 8)
    ids = members("item_course")
    ids = ids[
        pair_safe[ids]
        & (cat.cycle_n[ids] == 0)
        & (cat.freq_max[ids] == 0)
        & (cat.item_course_days[ids] <= 90)
    ]
    short = ids[cat.item_course_days[ids] <= 30]
    ids = short if len(short) else ids  # shorter courses keep the planted stays short
    by_rule["item_course"] = hard["item_course"] = pick(ids[only(cat, ids, inp, None)])
    ids = members("item_cycle")
    ids = ids[
        pair_safe[ids]
        & (cat.cycle_p[ids] >= 2)
        & (cat.cycle_p[ids] <= 120)
        & (cat.freq_max[ids] == 0)
        & ((cat.item_course_days[ids] == 0) | (cat.item_course_days[ids] >= 3))
    ]
    by_rule["item_cycle"] = hard["item_cycle"] = pick(ids[only(cat, ids, out3, None)])
    ward = np.array([cat.index(c) for c in (BED_CODE, NURSING_CODE, WARD_EXAM_CODE)], dtype=np.int64)
    ward = ward[cat.freq_max[ward] > 0]
    ids = members("item_frequency")
    ids = ids[
        pair_safe[ids]
        & ~base[ids]
        & ~cat.freq_hourly[ids]
        & (cat.item_course_days[ids] == 0)
        & (cat.cycle_n[ids] == 0)
    ]
    by_rule["item_frequency"] = hard["item_frequency"] = pick(ids[only(cat, ids, inp, None)])

    pairs: dict[str, list[DuplicatePair]] = {w: [] for w in WINDOWS}
    usable = np.zeros(len(cat), dtype=bool)
    ok_codes = ~base & (cat.item_course_days == 0) & (cat.cycle_n == 0) & ~cat.is_drug
    ok_codes &= only(cat, ids_all, inp, None)
    usable[ok_codes] = True
    between: dict[tuple[int, int], set[str]] = {}
    for p in cat.pairs:
        between.setdefault((min(p.a, p.b), max(p.a, p.b)), set()).add(p.window)
    for p in cat.pairs:
        if p.window not in pairs or not (usable[p.a] and usable[p.b]):
            continue
        if (cat.partners[p.a] & base_set) or (cat.partners[p.b] & base_set):
            continue
        if len(between[(min(p.a, p.b), max(p.a, p.b))]) > 1:
            continue  # the same two codes under two windows: keep the cases unambiguous
        pairs[p.window].append(p)
    for w, lst in pairs.items():
        if len(lst) > MAX_PER_RULE // 2:
            keep = rng.choice(len(lst), size=MAX_PER_RULE // 2, replace=False)
            pairs[w] = [lst[i] for i in sorted(keep)]
    return CodeSets(by_rule=by_rule, hard_by_rule=hard, pairs=pairs, ward_codes=ward)
