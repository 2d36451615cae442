"""Visits (就诊): the background schedule of one year and the container the scenarios append to.

The background is clean for every person-level rule by construction:
- a person's inpatient stays are at least 16 days apart (any institution), so there is neither a
  split admission nor an overlap;
- at most 7 outpatient and 5 pharmacy visits per person and month (contract thresholds 8 and 6);
- at most 6 inpatient stays per person in the year (frequent_admission threshold 6);
- a small share of persons die: the last inpatient stay ends with ``dscg_way`` '5' and ``die_date``
  on its discharge date, and every visit after that date is dropped;
- visits never start before the person's birth.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from qiandai.datagen.common import DAY, HOUR, YEAR_END, YEAR_START, IntArray, age_years, ymd
from qiandai.datagen.diagnoses import DiagnosisCatalog, draw
from qiandai.datagen.institutions import CLINIC, HOSPITAL, PHARMACY, Institutions
from qiandai.datagen.population import INSUTYPE_MATERNITY, Population

OUTPATIENT, INPATIENT, PHARMACY_SCENE = 0, 1, 2
ORIGIN_BACKGROUND, ORIGIN_INJECTED, ORIGIN_HARD_NEGATIVE = 0, 1, 2
MAX_OUTPATIENT_PER_MONTH = 7
MAX_PHARMACY_PER_MONTH = 5
MIN_READMISSION_GAP = 16
MAX_STAYS_PER_YEAR = 6


@dataclass
class Visits:
    """Visits as parallel arrays; index = visit id inside the run."""

    person: IntArray
    inst: IntArray
    med_type: IntArray  # 11, 13, 14, 21, 41, 51, 52
    scene: IntArray  # OUTPATIENT / INPATIENT / PHARMACY_SCENE
    begin: IntArray  # seconds
    end: IntArray  # seconds
    nights: IntArray  # inpatient: discharge date − admission date; 0 otherwise
    diag: IntArray  # main diagnosis (-1: none, pharmacy)
    diag2: IntArray  # secondary diagnoses (-1: none)
    diag3: IntArray
    dscg_way: IntArray  # 0 none (not inpatient), 1 ordinary, 5 death …
    die: np.ndarray  # bool: die_date = discharge date
    refl_old: IntArray  # visit id of the earlier stay this one was transferred from, -1
    bed_only_start: IntArray  # first night without treatment lines (-1: none)
    bed_only_len: IntArray
    low_standard: IntArray  # 1: a stay billed without any test (no admission test, drug-only treatment)
    origin: IntArray

    def __len__(self) -> int:
        return len(self.person)

    @classmethod
    def empty(cls) -> Visits:
        kw = {f.name: np.zeros(0, dtype=bool if f.name == "die" else np.int64) for f in fields(cls)}
        return cls(**kw)

    def take(self, idx: IntArray) -> Visits:
        return Visits(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def concat(self, other: Visits) -> Visits:
        return Visits(
            **{f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self)}
        )

    @property
    def begin_day(self) -> IntArray:
        return self.begin // DAY

    @property
    def end_day(self) -> IntArray:
        return self.end // DAY


def _pick(rng: np.random.Generator, choices: IntArray, n: int) -> IntArray:
    return choices[rng.integers(0, len(choices), size=n)]


def choose_institutions(rng: np.random.Generator, insts: Institutions, med_type: IntArray) -> IntArray:
    """An institution of a fitting kind per visit (inpatient at hospitals, maternity at tier ≥ 2)."""
    n = len(med_type)
    hospitals = insts.of_kind(HOSPITAL)
    big = hospitals[insts.tier[hospitals] >= 2]
    primary = np.concatenate([hospitals, insts.of_kind(CLINIC)])
    out = _pick(rng, primary, n)
    out = np.where(np.isin(med_type, [13, 21]), _pick(rng, hospitals, n), out)
    out = np.where(np.isin(med_type, [51, 52]), _pick(rng, big, n), out)
    return np.where(med_type == 41, _pick(rng, insts.of_kind(PHARMACY), n), out)


def times_for(
    rng: np.random.Generator, scene: IntArray, begin_day: IntArray, nights: IntArray
) -> tuple[IntArray, IntArray]:
    """Begin and end seconds: clinics 08:00–17:00 (2 h), pharmacies 08:00–21:00 (15 min), stays
    admitted 08:00–20:00 and discharged 09:00–12:00 ``nights`` days later."""
    n = len(scene)
    begin = begin_day * DAY + np.select(
        [scene == INPATIENT, scene == PHARMACY_SCENE],
        [rng.integers(8 * HOUR, 20 * HOUR, size=n), rng.integers(8 * HOUR, 21 * HOUR, size=n)],
        rng.integers(8 * HOUR, 17 * HOUR, size=n),
    )
    end = np.select(
        [scene == INPATIENT, scene == PHARMACY_SCENE],
        [(begin_day + nights) * DAY + rng.integers(9 * HOUR, 12 * HOUR, size=n), begin + 900],
        begin + 2 * HOUR,
    )
    return begin, end


def background_visits(
    rng: np.random.Generator, pop: Population, insts: Institutions, dx: DiagnosisCatalog, n: int
) -> Visits:
    """About ``n`` clean visits of the background population over the year."""
    p = len(pop)
    age0 = np.maximum(age_years(pop.birth, np.full(p, YEAR_START)), 0)
    weight = np.select([age0 < 1, age0 < 18, age0 < 45, age0 < 60], [1.6, 0.8, 0.7, 1.1], 2.0)
    weight = weight * rng.gamma(2.0, 0.5, size=p)
    person = rng.choice(p, size=n, p=weight / weight.sum())
    age = age0[person]
    u = rng.random(n)
    inpatient_p = np.where(age >= 60, 0.16, 0.10)
    pharmacy_p = np.where(age < 3, 0.05, 0.25)
    scene = np.where(
        u < inpatient_p, INPATIENT, np.where(u < inpatient_p + pharmacy_p, PHARMACY_SCENE, OUTPATIENT)
    )
    nights = np.where(scene == INPATIENT, np.clip(2 + rng.geometric(0.17, size=n) - 1, 2, 15), 0)
    lo = np.maximum(YEAR_START, pop.birth[person])
    hi = YEAR_END - nights
    scene = np.where(hi < lo, OUTPATIENT, scene)
    nights = np.where(scene == INPATIENT, nights, 0)
    hi = YEAR_END - nights
    day = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)

    scene, nights = _space_stays(person, scene, day, nights)
    maternity = pop.insutype[person] == INSUTYPE_MATERNITY
    r = rng.random(n)
    med_type = np.select(
        [scene == INPATIENT, scene == PHARMACY_SCENE, r < 0.12, (r < 0.27) & (age >= 40)],
        [21, 41, 13, 14],
        11,
    )
    med_type = np.where(maternity & (med_type == 21), 52, med_type)
    med_type = np.where(maternity & (med_type == 11), 51, med_type)
    keep = _monthly_caps(person, scene, day, rng)
    person, scene, nights, day, med_type = person[keep], scene[keep], nights[keep], day[keep], med_type[keep]
    n = len(person)
    inst = choose_institutions(rng, insts, med_type)
    begin, end = times_for(rng, scene, day, nights)

    # Deaths: some persons die at the end of their last stay; later visits are dropped.
    die = np.zeros(n, dtype=bool)
    stays = np.flatnonzero(scene == INPATIENT)
    order = stays[np.lexsort((begin[stays], person[stays]))]
    last = order[np.r_[person[order][1:] != person[order][:-1], True]] if len(order) else order
    death_p = np.where(age0[person[last]] >= 70, 0.12, 0.01)
    dying = last[rng.random(len(last)) < death_p]
    die[dying] = True
    death_day = np.full(p, np.iinfo(np.int64).max)
    death_day[person[dying]] = end[dying] // DAY
    alive = begin // DAY <= death_day[person]
    v = Visits(
        person=person,
        inst=inst,
        med_type=med_type,
        scene=scene,
        begin=begin,
        end=end,
        nights=nights,
        diag=np.full(n, -1),
        diag2=np.full(n, -1),
        diag3=np.full(n, -1),
        dscg_way=np.where(scene == INPATIENT, np.where(die, 5, 1), 0),
        die=die,
        refl_old=np.full(n, -1),
        bed_only_start=np.full(n, -1),
        bed_only_len=np.zeros(n, dtype=np.int64),
        low_standard=np.zeros(n, dtype=np.int64),
        origin=np.zeros(n, dtype=np.int64),
    ).take(np.flatnonzero(alive))
    assign_diagnoses(rng, v, pop, dx)
    return v.take(np.argsort(v.begin, kind="stable"))


def _space_stays(
    person: IntArray, scene: IntArray, day: IntArray, nights: IntArray
) -> tuple[IntArray, IntArray]:
    """Turn stays that start less than 16 days after the person's previous stay, and stays after the
    person's 6th of the year, into clinic visits."""
    scene = scene.copy()
    while True:
        stays = np.flatnonzero(scene == INPATIENT)
        order = stays[np.lexsort((day[stays], person[stays]))]
        if len(order) < 2:
            break
        same = person[order][1:] == person[order][:-1]
        gap = day[order][1:] - (day[order][:-1] + nights[order][:-1])
        bad = same & (gap < MIN_READMISSION_GAP)
        # only the first violation of a run is converted per pass, so later gaps are recomputed
        first_bad = bad & ~np.r_[False, bad[:-1]]
        if not first_bad.any():
            break
        scene[order[1:][first_bad]] = OUTPATIENT
    stays = np.flatnonzero(scene == INPATIENT)
    order = stays[np.lexsort((day[stays], person[stays]))]
    if len(order):
        p = person[order]
        start = np.r_[True, p[1:] != p[:-1]]
        first = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
        scene[order[np.arange(len(order)) - first >= MAX_STAYS_PER_YEAR]] = OUTPATIENT
    return scene, np.where(scene == INPATIENT, nights, 0)


def _monthly_caps(person: IntArray, scene: IntArray, day: IntArray, rng: np.random.Generator) -> np.ndarray:
    """Keep at most 7 clinic and 5 pharmacy visits per person and month."""
    _, month, _ = ymd(day)
    key = (person * 16 + month) * 4 + scene
    order = np.lexsort((rng.random(len(key)), key))
    sorted_key = key[order]
    start = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(key)), 0))
    rank = np.arange(len(key)) - group_start
    cap = np.where(scene[order] == PHARMACY_SCENE, MAX_PHARMACY_PER_MONTH, MAX_OUTPATIENT_PER_MONTH)
    keep = np.ones(len(key), dtype=bool)
    keep[order] = (scene[order] == INPATIENT) | (rank < cap)
    return keep


def assign_diagnoses(rng: np.random.Generator, v: Visits, pop: Population, dx: DiagnosisCatalog) -> None:
    """Main and secondary diagnoses that agree with the patient's gender and age (pharmacy: none)."""
    n = len(v)
    gender = pop.gender[v.person]
    day = v.begin_day
    age = age_years(pop.birth[v.person], day)
    age_days = day - pop.birth[v.person]
    generic = np.flatnonzero(dx.background)
    main = draw(rng, dx, gender, age, age_days, generic)
    pregnancy = np.flatnonzero(dx.pregnancy)
    if len(pregnancy):
        mat = np.isin(v.med_type, [51, 52])
        if mat.any():
            main[mat] = draw(rng, dx, gender[mat], age[mat], age_days[mat], pregnancy)
    perinatal = np.flatnonzero(dx.perinatal)
    infant = (age_days <= 200) & (rng.random(n) < 0.4)
    if len(perinatal) and infant.any():
        main[infant] = draw(rng, dx, gender[infant], age[infant], age_days[infant], perinatal)
    second = draw(rng, dx, gender, age, age_days, generic)
    third = draw(rng, dx, gender, age, age_days, generic)
    n_sec = np.where(v.scene == INPATIENT, rng.integers(1, 3, size=n), rng.integers(0, 2, size=n))
    pharmacy = v.scene == PHARMACY_SCENE
    keep = v.diag < 0  # only fill what the caller left open
    v.diag[:] = np.where(keep, np.where(pharmacy, -1, main), v.diag)
    v.diag2[:] = np.where(keep, np.where(pharmacy | (n_sec < 1) | (second == main), -1, second), v.diag2)
    v.diag3[:] = np.where(
        keep, np.where(pharmacy | (n_sec < 2) | (third == main) | (third == second), -1, third), v.diag3
    )
