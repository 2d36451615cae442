"""Fee lines (费用明细) of a batch of visits, vectorised.

Contract of the background lines (each keeps every rule of ``docs/claims-rules.md`` quiet):
- inpatient: every night a bed fee (01), nursing (07) and ward examination fee (02), one line each
  (all limited to 1 per day), plus 1–4 treatment lines (drugs, tests, treatments) on every such day,
  so no stay has even one bed-only day unless the visit asks for it (``bed_only_start``/``_len``);
  0–2 discharge lines on the discharge date; every line inside [begntime, endtime];
- outpatient: 3–9 lines (an emergency visit starts with 急诊诊查费); pharmacy: 1–4 drug lines;
- treatment codes come from pools of the pair-free set with no frequency, course or cycle limit,
  distinct within a visit (a rotating offset), and a line whose code the patient, institution,
  scene or insurance does not allow is replaced by an unrestricted code of the same kind;
- ``pric`` ≤ ``pric_uplmt_amt`` (institutions at 100 % bill exactly the ceiling);
  ``det_item_fee_sumamt`` = ``cnt`` × ``pric``;
- every line is uploaded (``crte_time``) 1 min – 6 h after it occurred; outpatient and pharmacy drug
  lines carry ``prd_days`` 1–14 (inpatient drug lines 1) and a prescription number grouping at most
  5 drug lines; every inpatient stay bills at least one drug on its admission day.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from qiandai.datagen.catalog import (
    BED_CODE,
    ER_EXAM_CODE,
    NURSING_CODE,
    WARD_EXAM_CODE,
    Catalog,
    LineContext,
    any_violation,
)
from qiandai.datagen.common import DAY, HOUR, IntArray, age_years
from qiandai.datagen.institutions import Institutions
from qiandai.datagen.population import Population
from qiandai.datagen.visits import INPATIENT, PHARMACY_SCENE, Visits

ROLE_BED, ROLE_NURSING, ROLE_EXAM, ROLE_ER_EXAM, ROLE_TREAT, ROLE_TEST = 0, 1, 2, 3, 4, 5
TEST_TYPES = ("03", "04")  # 检查费, 化验费: every background stay bills one on its admission day


@dataclass
class Lines:
    """Fee lines as parallel arrays (``visit`` is the run-wide visit id)."""

    visit: IntArray
    code: IntArray
    time: IntArray  # seconds
    cnt: IntArray
    pric: IntArray  # cents
    ceil: IntArray  # cents, -1: none
    delay: IntArray  # seconds from fee_ocur_time to crte_time (upload)
    prd: IntArray  # prd_days (用药天数), 0: NULL
    rx: IntArray  # prescription group within the visit (rx_drord_no), -1: NULL
    adj: IntArray  # cents added to cnt × pric in det_item_fee_sumamt (0 for clean lines)

    def __len__(self) -> int:
        return len(self.visit)

    @classmethod
    def empty(cls) -> Lines:
        return cls(**{f.name: np.zeros(0, dtype=np.int64) for f in fields(cls)})

    def concat(self, other: Lines) -> Lines:
        return Lines(
            **{f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self)}
        )

    def take(self, idx: IntArray) -> Lines:
        return Lines(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @property
    def amount(self) -> IntArray:
        return self.cnt * self.pric + self.adj


@dataclass
class Pools:
    """Code pools the background draws from (catalogue ids)."""

    drugs: IntArray
    services: IntArray
    free_drugs: IntArray  # no line restriction at all: fallbacks
    free_services: IntArray
    reserved_drugs: IntArray  # never in the background: extra lines of scenarios
    reserved_services: IntArray
    tests: IntArray  # the 检查/化验 services of ``services``: the admission test of every stay
    free_tests: IntArray
    bed: int
    nursing: int
    exam: int
    er_exam: int


def one_per_point(cat: Catalog, ids: IntArray) -> IntArray:
    """Keep one code per knowledge point: the rules count a point's codes as one item, so a pool
    of distinct points never bills one drug on more days than the visit has lines for it."""
    seen: set[str] = set()
    keep = []
    for i in ids.tolist():
        kps = cat.code_kps.get(i, ())
        if any(kp in seen for kp in kps):
            continue
        seen.update(kps)
        keep.append(i)
    return np.array(keep, dtype=np.int64)


def build_pools(cat: Catalog, exclude: set[int]) -> Pools:
    """Split the catalogue into background pools; ``exclude``: codes the scenarios keep to themselves."""
    k = len(cat)
    ids = np.arange(k)
    no_limits = (cat.item_course_days == 0) & (cat.cycle_n == 0) & (cat.freq_max == 0) & cat.in_safe_set
    restricted = (
        (cat.gender_req != 0)
        | (cat.child_target != 0)
        | cat.work_age
        | (cat.min_tier != 0)
        | cat.inpatient_only
        | cat.work_injury
        | cat.maternity
    )
    drug_ok = cat.is_drug & no_limits & ((cat.drug_course_days == 0) | (cat.drug_course_days >= 5))
    svc_ok = ~cat.is_drug & no_limits & np.isin(np.array(cat.chrgitm), ["03", "04", "05"])
    excluded = np.isin(ids, sorted(exclude))
    free_drugs = one_per_point(cat, np.flatnonzero(drug_ok & ~restricted & ~excluded))
    free_services = one_per_point(cat, np.flatnonzero(svc_ok & ~restricted & ~excluded))
    reserved_drugs, free_drugs = free_drugs[::8], np.setdiff1d(free_drugs, free_drugs[::8])
    reserved_services, free_services = free_services[::6], np.setdiff1d(free_services, free_services[::6])
    reserved = np.isin(ids, np.concatenate([reserved_drugs, reserved_services]))
    drugs = one_per_point(cat, np.flatnonzero(drug_ok & ~excluded & ~reserved))
    services = one_per_point(cat, np.flatnonzero(svc_ok & ~excluded & ~reserved))
    chrg = np.array(cat.chrgitm)
    tests = services[np.isin(chrg[services], TEST_TYPES)]
    free_tests = free_services[np.isin(chrg[free_services], TEST_TYPES)]
    sizes = (free_drugs, free_services, reserved_drugs, reserved_services, tests, free_tests)
    if min(len(x) for x in sizes) == 0:
        raise ValueError("the knowledge base has too few unrestricted codes to generate claims")
    return Pools(
        drugs=drugs,
        services=services,
        free_drugs=free_drugs,
        free_services=free_services,
        reserved_drugs=reserved_drugs,
        reserved_services=reserved_services,
        tests=tests,
        free_tests=free_tests,
        bed=cat.index(BED_CODE),
        nursing=cat.index(NURSING_CODE),
        exam=cat.index(WARD_EXAM_CODE),
        er_exam=cat.index(ER_EXAM_CODE),
    )


def line_context(pop: Population, insts: Institutions, v: Visits, visit: IntArray) -> LineContext:
    """The context of lines billed on ``visit`` (local ids into ``v``), ages over the whole stay."""
    person = v.person[visit]
    birth = pop.birth[person]
    begin_day = v.begin[visit] // DAY
    end_day = np.maximum(v.end[visit] // DAY, begin_day)
    return LineContext(
        gender=pop.gender[person],
        age_years_min=age_years(birth, begin_day),
        age_years_max=age_years(birth, end_day),
        age_days_max=end_day - birth,
        tier=insts.tier[v.inst[visit]],
        inpatient=v.scene[visit] == INPATIENT,
        insutype=pop.insutype[person],
        maternity_med_type=np.isin(v.med_type[visit], [51, 52]),
    )


def _rank_within(group: IntArray, flag: np.ndarray) -> IntArray:
    """0-based running count of ``flag`` lines within each run of equal ``group`` (sorted)."""
    c = np.cumsum(flag)
    start = np.r_[True, group[1:] != group[:-1]]
    base = np.maximum.accumulate(np.where(start, c - flag, 0))
    return c - flag - base


_STRIDES = (7919, 104_729, 15_485_863, 2_147_483_647)


def _stride(n: int) -> int:
    """A step coprime with ``n`` and far from 1, so neighbouring codes (often one drug's several
    codes, which the rules count as one item) are not billed in one visit."""
    for s in _STRIDES:
        if np.gcd(s, n) == 1 and s % n not in (0, 1):
            return s
    return 1


def _rotate(offset: IntArray, rank: IntArray, n: int) -> IntArray:
    """Pool positions ``offset + rank × stride`` (mod ``n``): distinct for ranks below ``n``."""
    return (offset + rank * _stride(n)) % n


def generate_lines(
    rng: np.random.Generator,
    cat: Catalog,
    pools: Pools,
    pop: Population,
    insts: Institutions,
    v: Visits,
    visit_ids: IntArray,
) -> Lines:
    """Clean fee lines for the visits ``visit_ids`` of ``v``, sorted by visit and time."""
    m = len(visit_ids)
    if m == 0:
        return Lines.empty()
    local = np.arange(m)
    scene = v.scene[visit_ids]
    nights = v.nights[visit_ids]
    inpatient = scene == INPATIENT
    # day records: inpatient nights 0..L (L = discharge day), one record for other visits
    ndays = np.where(inpatient, nights + 1, 1)
    rec_visit = np.repeat(local, ndays)
    rec_first = np.repeat(np.cumsum(ndays) - ndays, ndays)
    k = np.arange(len(rec_visit)) - rec_first
    r_inp = inpatient[rec_visit]
    r_last = nights[rec_visit]
    ward_day = r_inp & (k < r_last)
    er = (v.med_type[visit_ids] == 13)[rec_visit] & ~r_inp
    fixed = np.where(ward_day, 3, np.where(er, 1, 0))
    nrec = len(rec_visit)
    treat = np.select(
        [ward_day, r_inp, scene[rec_visit] == PHARMACY_SCENE],
        [1 + rng.binomial(3, 0.5, size=nrec), rng.integers(0, 3, size=nrec), rng.integers(1, 5, size=nrec)],
        rng.integers(3, 10, size=nrec) - fixed,
    )
    bo_start = v.bed_only_start[visit_ids][rec_visit]
    bed_only = (bo_start >= 0) & (k >= bo_start) & (k < bo_start + v.bed_only_len[visit_ids][rec_visit])
    treat = np.where(bed_only & ward_day, 0, treat)
    # one admission test (检查/化验) on the first day of every stay, except bed-only days and the
    # low-standard stays that the 无指征住院 scenarios plant
    low = v.low_standard[visit_ids] == 1
    admit = r_inp & (k == 0) & ~bed_only & ~low[rec_visit]
    treat_from = fixed + admit
    per_rec = treat_from + treat
    line_rec = np.repeat(np.arange(nrec), per_rec)
    j = np.arange(len(line_rec)) - np.repeat(np.cumsum(per_rec) - per_rec, per_rec)
    lv = rec_visit[line_rec]
    lk = k[line_rec]
    n = len(lv)
    is_fixed = j < fixed[line_rec]
    role = np.where(is_fixed, np.where(er[line_rec], ROLE_ER_EXAM, np.minimum(j, ROLE_EXAM)), ROLE_TREAT)
    role = np.where(admit[line_rec] & (j == fixed[line_rec]), ROLE_TEST, role)
    first_treat = inpatient[lv] & (lk == 0) & (j == treat_from[line_rec])
    drug_only = (scene[lv] == PHARMACY_SCENE) | low[lv] | first_treat
    is_drug = (role == ROLE_TREAT) & (drug_only | (rng.random(n) < 0.55))
    is_svc = (role == ROLE_TREAT) & ~is_drug
    is_test = role == ROLE_TEST

    # codes: rotating offsets give distinct codes within a visit
    off = rng.integers(0, 1 << 30, size=(m, 5))
    rank_d = _rank_within(lv, is_drug)
    rank_s = _rank_within(lv, is_svc)
    code = np.select(
        [role == ROLE_BED, role == ROLE_NURSING, role == ROLE_EXAM, role == ROLE_ER_EXAM],
        [pools.bed, pools.nursing, pools.exam, pools.er_exam],
        -1,
    )
    code = np.where(is_drug, pools.drugs[_rotate(off[lv, 0], rank_d, len(pools.drugs))], code)
    code = np.where(is_svc, pools.services[_rotate(off[lv, 1], rank_s, len(pools.services))], code)
    code = np.where(is_test, pools.tests[off[lv, 4] % len(pools.tests)], code)
    ctx = line_context(pop, insts, v, visit_ids[lv])
    bad = any_violation(cat, code, ctx)
    fd = pools.free_drugs[_rotate(off[lv, 2], rank_d, len(pools.free_drugs))]
    fs = pools.free_services[_rotate(off[lv, 3], rank_s, len(pools.free_services))]
    ft = pools.free_tests[off[lv, 4] % len(pools.free_tests)]
    code = np.where(bad & is_drug, fd, np.where(bad & is_svc, fs, np.where(bad & is_test, ft, code)))

    # times
    begin = v.begin[visit_ids][lv]
    end = v.end[visit_ids][lv]
    day_start = (begin // DAY + lk) * DAY
    t_inp = np.select(
        [lk == 0, lk >= nights[lv]],
        [begin + rng.integers(60, 2 * HOUR, size=n), end - rng.integers(60, 2 * HOUR, size=n)],
        day_start + rng.integers(7 * HOUR, 21 * HOUR, size=n),
    )
    t_other = begin + np.where(
        scene[lv] == PHARMACY_SCENE, rng.integers(0, 600, size=n), rng.integers(0, 90 * 60, size=n)
    )
    t_other = np.where(role == ROLE_ER_EXAM, begin, t_other)
    time = np.where(inpatient[lv], t_inp, t_other)

    # quantities and prices
    cnt = np.where(is_drug, rng.integers(1, 6, size=n), 1)
    permille = insts.price_permille[v.inst[visit_ids][lv]]
    ceil = cat.ceil_cents[code]
    pric = np.where(
        ceil > 0,
        np.maximum(ceil * permille // 1000, 1),
        np.maximum(cat.base_cents[code] * (permille + 50) // 1000, 1),
    )
    not_inp = ~inpatient[lv]
    lines = Lines(
        visit=visit_ids[lv],
        code=code,
        time=time,
        cnt=cnt,
        pric=pric,
        ceil=ceil,
        delay=rng.integers(60, 6 * HOUR, size=n),
        prd=np.where(is_drug, np.where(not_inp, rng.integers(1, 15, size=n), 1), 0),
        rx=np.where(is_drug & not_inp, rank_d // 5, -1),
        adj=np.zeros(n, dtype=np.int64),
    )
    return lines.take(np.lexsort((lines.time, lines.visit)))


def price_of(cat: Catalog, insts: Institutions, code: int, inst: int) -> tuple[int, int]:
    """(pric, ceiling) in cents of one code at one institution, as the background would bill it."""
    ceil = int(cat.ceil_cents[code])
    permille = int(insts.price_permille[inst])
    if ceil > 0:
        return max(ceil * permille // 1000, 1), ceil
    return max(int(cat.base_cents[code]) * (permille + 50) // 1000, 1), -1
