"""Planted cases (one per ground-truth row) and hard negatives for the 25 rules of the contract.

Every function plants ``n`` cases of one rule exactly as ``docs/claims-rules.md`` defines a hit,
each on a dedicated person, and ``hard`` look-alikes that sit just on the no-hit side of the same
boundary (written to no truth table). Boundaries used (contract → case / hard negative):

- duplicate_charge: 6小时 at exactly 6 h / 6 h + 1 s; 同一小时 hh:05–hh:50 / 08:59:59–09:00:00;
  单日 08:30–18:00 / 23:30–00:30 next day; 单次就诊 on two days of one stay.
- item_frequency: N + 1 / exactly N, on items limited per day (日); a second daily ward line.
  Items limited in hours (小时) are left out: the knowledge base stores their daily limit (24) as
  ``max_count`` while the contract text reads "> 24·N", so their boundary is ambiguous.
- item_cycle: second use P − 1 days later / P days later.
- drug_course / item_course: N + 1 distinct days / exactly N days.
- gender, child, age, tier, scene, insurance rules: the other gender, the limit age (18th, 3rd
  birthday, 28 days, 61st birthday) / the eve of it (17 y 364 d …), a lower tier / the tier itself,
  an outpatient or pharmacy visit / a stay, insurance 310 / 410 or 510 (or med_type 51/52).
- over_price: ceiling + 0.01 … +30 % / background lines at exactly the ceiling.
- fee_outside_stay: 1–3 days after discharge or before admission / discharge and admission dates.
- split_admission: gap 0–15 days, same category / 16 days, Z51.1 cycles, transfers, other category.
- concurrent_stays: overlap ≥ 1 night / admission on the other stay's discharge date.
- phantom_bed: 3–5 bed-only days in a row / 2.
- frequent_outpatient / frequent_pharmacy: 9–10 / 7–8 visits in a month / exactly 8 / 6.
- fee_after_death: visits 1–20 days after the death date / a purchase on the death date.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qiandai.datagen.codesets import WINDOWS, CodeSets
from qiandai.datagen.common import DAY, HOUR, YEAR_END, YEAR_START, add_years
from qiandai.datagen.diagnoses import DiagnosisCatalog
from qiandai.datagen.fees import Pools
from qiandai.datagen.institutions import CLINIC, HOSPITAL, PHARMACY
from qiandai.datagen.scenarios import ScenarioBuilder, date_text, ts

RULES: dict[str, str] = {
    "duplicate_charge": "GZ10000102012000",
    "item_frequency": "GZ10000102014000",
    "item_cycle": "CAT2025-031",
    "drug_course": "GZ10000101010000",
    "item_course": "GZ10000102010000",
    "drug_gender": "GZ10000301004000",
    "item_gender": "GZ10000302004000",
    "diag_gender": "GZ10000204006000",
    "drug_child_only": "GZ10000301002000",
    "drug_child_limit": "GZ10000101007000",
    "item_child_only": "GZ10000302003000",
    "diag_age": "GZ10000204007000",
    "item_age": "CAT2025-029",
    "drug_institution_level": "GZ10000101012000",
    "drug_visit_type": "CAT2025-013",
    "drug_work_injury": "GZ10000101001000",
    "drug_maternity": "GZ10000101002000",
    "over_price": "GZ10000102001000",
    "fee_outside_stay": "GZ10000201008000",
    "split_admission": "GZ10000204001000",
    "concurrent_stays": "QD-0002",
    "phantom_bed": "QD-0001",
    "frequent_outpatient": "GZ10000204002000",
    "frequent_pharmacy": "GZ10000204003000",
    "fee_after_death": "QD-0003",
}

Planter = Callable[[ScenarioBuilder, "Context", int, bool], None]


class Context:
    """What the planters share: the builder, chosen codes, pools and diagnoses."""

    def __init__(self, b: ScenarioBuilder, codes: CodeSets, pools: Pools, dx: DiagnosisCatalog) -> None:
        self.b = b
        self.codes = codes
        self.pools = pools
        self.dx = dx
        self.ordered_pairs = {(p.a, p.b, p.window) for p in b.cat.pairs}

    def code(self, rule: str) -> int:
        ids = self.codes.by_rule[rule]
        if len(ids) == 0:
            raise ValueError(f"no usable code for rule {rule} in the knowledge base")
        return int(ids[self.b.rng.integers(0, len(ids))])

    def gender_for(self, code: int) -> int:
        req = int(self.b.cat.gender_req[code])
        return req if req else self.b.random_gender()

    def name(self, code: int) -> str:
        return self.b.cat.names[code]

    def free_diag(self) -> int:
        dx = self.dx
        ids = np.flatnonzero(
            dx.background & (dx.gender_req == 0) & (dx.min_age < 0) & (dx.max_age < 0) & (dx.max_age_days < 0)
        )
        return int(ids[self.b.rng.integers(0, len(ids))])

    def reserved(self, drug: bool) -> int:
        ids = self.pools.reserved_drugs if drug else self.pools.reserved_services
        return int(ids[self.b.rng.integers(0, len(ids))])


def _stay_line_time(b: ScenarioBuilder, visit: int, k: int) -> int:
    """A time on day ``k`` of a stay that lies inside [begntime, endtime]."""
    begin, end = b.begin_of(visit), b.end_of(visit)
    day = begin // DAY + k
    if k == 0:
        return begin + 1800
    if day >= end // DAY:
        return end - 1800
    return ts(day, 10, int(b.rng.integers(0, 50)))


def _stay(b: ScenarioBuilder, person: int, nights: int, inst: int | None = None, **kw: object) -> int:
    day = int(b.rng.integers(YEAR_START + 10, YEAR_END - nights - 5))
    return b.visit(person, b.hospital(3) if inst is None else inst, 21, day, nights, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Quantity and pair rules


def duplicate_charge(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    windows = [w for w in WINDOWS if c.codes.pairs[w]]
    if not windows:
        raise ValueError("no usable duplicate pair in the knowledge base")
    for i in range(n):
        w = windows[i % len(windows)]
        if hard and w == "单次就诊":
            w = windows[(i + 1) % len(windows)] if len(windows) > 1 else w
            if w == "单次就诊":
                continue
        pairs = c.codes.pairs[w]
        p = pairs[int(b.rng.integers(0, len(pairs)))]
        req = int(b.cat.gender_req[p.a] or b.cat.gender_req[p.b])
        person = b.person_aged(req or b.random_gender(), int(b.rng.integers(30, 51)))
        v = _stay(b, person, int(b.rng.integers(3, 9)))
        d1 = b.begin_of(v) // DAY + 1
        if w == "单次就诊":
            ta, tb = ts(d1, 10), ts(d1 + 1, 15)
        elif w == "单日":
            ta, tb = (ts(d1, 23, 30), ts(d1 + 1, 0, 30)) if hard else (ts(d1, 8, 30), ts(d1, 18))
        elif w == "6小时":
            gap = 6 * HOUR + 1 if hard else (6 * HOUR if i % 3 == 0 else int(b.rng.integers(600, 6 * HOUR)))
            ta, tb = ts(d1, 8), ts(d1, 8) + gap
        else:
            h = int(b.rng.integers(8, 20))
            ta, tb = (ts(d1, 8, 59, 59), ts(d1, 9)) if hard else (ts(d1, h, 5), ts(d1, h, 50))
        if b.rng.random() < 0.5:
            ta, tb = tb, ta  # B may come first: the contract compares |t(A) − t(B)|
        la = b.add_line(v, p.a, ta)
        lb = b.add_line(v, p.b, tb)
        if hard:
            continue
        ids = [lb] + ([la] if (p.b, p.a, p.window) in c.ordered_pairs else [])
        b.case(
            "duplicate_charge",
            v,
            ("extra", ids),
            f"{w}内同时收取「{c.name(p.a)}」与「{c.name(p.b)}」",
        )


def item_frequency(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    cat = b.cat
    ward = c.codes.ward_codes
    for i in range(n):
        use_ward = not hard and len(ward) > 0 and i % 2 == 0
        code = int(ward[i % len(ward)]) if use_ward else c.code("item_frequency")
        person = b.person_aged(c.gender_for(code), int(b.rng.integers(30, 51)))
        v = _stay(b, person, int(b.rng.integers(3, 9)))
        k = int(b.rng.integers(1, 3))
        day = b.begin_of(v) // DAY + k
        limit = int(cat.freq_max[code])
        # a ward code adds N on top of the daily background line; another code bills N + 1 (or N)
        cnt = limit if use_ward or hard else limit + 1
        b.add_line(v, code, ts(day, 15, int(b.rng.integers(0, 50))), cnt=cnt)
        if not hard:
            b.case(
                "item_frequency",
                v,
                ("code_day", code, day),
                f"{date_text(day)}「{c.name(code)}」计{limit + 1}次，超过限定{limit}次",
            )


def item_cycle(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    cat = b.cat
    for _ in range(n):
        code = c.code("item_cycle")
        limit, period = int(cat.cycle_n[code]), int(cat.cycle_p[code])
        person = b.person_aged(c.gender_for(code), int(b.rng.integers(30, 51)))
        d0 = int(b.rng.integers(YEAR_START + 5, YEAR_END - period - 5))
        d1 = d0 + (period if hard else period - 1)
        v0 = b.visit(person, b.hospital(3), 11, d0)
        v1 = b.visit(person, b.hospital(3), 11, d1)
        b.add_line(v0, code, b.begin_of(v0) + 600, cnt=limit)
        l1 = b.add_line(v1, code, b.begin_of(v1) + 600)
        if not hard:
            b.case(
                "item_cycle",
                v1,
                ("extra", [l1]),
                f"「{c.name(code)}」{period}天内计{limit + 1}次，超过{limit}次（间隔{period - 1}天）",
            )


def _course(b: ScenarioBuilder, c: Context, n: int, hard: bool, rule: str) -> None:
    cat = b.cat
    for _ in range(n):
        code = c.code(rule)
        limit = int(cat.drug_course_days[code] if rule == "drug_course" else cat.item_course_days[code])
        days = limit if hard else limit + int(b.rng.integers(1, 3))
        person = b.person_aged(c.gender_for(code), int(b.rng.integers(30, 51)))
        v = _stay(b, person, days + int(b.rng.integers(1, 4)))
        lines = [b.add_line(v, code, _stay_line_time(b, v, k)) for k in range(days)]
        if not hard:
            scope = "本次住院" if rule == "drug_course" else "本年度"
            b.case(rule, v, ("extra", lines[limit:]), f"「{c.name(code)}」{scope}使用{days}天，超过{limit}天")


def drug_course(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _course(b, c, n, hard, "drug_course")


def item_course(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _course(b, c, n, hard, "item_course")


# --------------------------------------------------------------------------------------------------
# Restrictions on who, where and how


def _gender(b: ScenarioBuilder, c: Context, n: int, hard: bool, rule: str) -> None:
    for _ in range(n):
        code = c.code(rule)
        req = int(b.cat.gender_req[code])
        person = b.person_aged(req if hard else 3 - req, int(b.rng.integers(30, 51)))
        v = _stay(b, person, int(b.rng.integers(2, 7)))
        line = b.add_line(v, code, _stay_line_time(b, v, 1))
        if not hard:
            who = "男性" if req == 1 else "女性"
            b.case(
                rule,
                v,
                ("extra", [line]),
                f"限{who}的「{c.name(code)}」用于{'女性' if req == 1 else '男性'}患者",
            )


def drug_gender(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _gender(b, c, n, hard, "drug_gender")


def item_gender(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _gender(b, c, n, hard, "item_gender")


_CHILD_LIMIT = {1: 18, 2: 3}
_TARGET_NAME = {1: "儿童", 2: "婴幼儿", 3: "新生儿"}


def _child(b: ScenarioBuilder, c: Context, n: int, hard: bool, rule: str) -> None:
    for i in range(n):
        code = c.code(rule)
        target = int(b.cat.child_target[code])
        day = b.day_in_months(3)
        exact = hard or i % 4 == 0
        if target == 3:
            birth = day - (27 if hard else 28 if exact else int(b.rng.integers(29, 700)))
        else:
            limit = _CHILD_LIMIT[target]
            if hard:
                birth = add_years(day + 1, -limit)  # the eve of the birthday: still under the limit
            elif exact:
                birth = add_years(day, -limit)  # the birthday itself: at the limit
            else:
                age = int(b.rng.integers(limit, limit + 25 if target == 1 else limit + 8))
                birth = add_years(day, -age) - int(b.rng.integers(1, 300))
        person = b.person(c.gender_for(code), birth)
        v = b.visit(person, b.hospital(3), 11, day)
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case(rule, v, ("extra", [line]), f"限{_TARGET_NAME[target]}的「{c.name(code)}」用于超龄患者")


def drug_child_only(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _child(b, c, n, hard, "drug_child_only")


def drug_child_limit(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _child(b, c, n, hard, "drug_child_limit")


def item_child_only(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _child(b, c, n, hard, "item_child_only")


def item_age(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        code = c.code("item_age")
        lo, hi = int(b.cat.work_age_min[code]), int(b.cat.work_age_max[code])
        day = b.day_in_months(3)
        if hard:
            birth = add_years(day + 1, -(hi + 1)) if i % 2 == 0 else add_years(day, -lo)
        elif i % 4 == 0:
            birth = add_years(day, -(hi + 1))  # the 61st birthday
        elif i % 4 == 1:
            birth = add_years(day + 1, -lo)  # the eve of the 16th birthday
        else:
            birth = add_years(day, -int(b.rng.integers(hi + 1, 86))) - int(b.rng.integers(1, 300))
        person = b.person(c.gender_for(code), birth)
        v = b.visit(person, b.hospital(3), 11, day)
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case("item_age", v, ("extra", [line]), f"「{c.name(code)}」限{lo}–{hi}岁，患者年龄不符")


def drug_institution_level(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    insts = b.insts
    for _ in range(n):
        code = c.code("drug_institution_level")
        tier = int(b.cat.min_tier[code])
        if hard:
            inst = b.inst(HOSPITAL, tier)
        else:
            lower = np.flatnonzero((insts.kind != PHARMACY) & (insts.tier >= 0) & (insts.tier < tier))
            inst = int(lower[b.rng.integers(0, len(lower))])
        person = b.person_aged(c.gender_for(code), int(b.rng.integers(30, 71)))
        v = b.visit(person, inst, 11, b.day())
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case(
                "drug_institution_level",
                v,
                ("extra", [line]),
                f"限{tier}级及以上机构的「{c.name(code)}」在{int(insts.tier[inst])}级机构使用",
            )


def drug_visit_type(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        code = c.code("drug_visit_type")
        person = b.person_aged(c.gender_for(code), int(b.rng.integers(30, 71)))
        if hard:
            v = _stay(b, person, int(b.rng.integers(2, 7)))
            t = _stay_line_time(b, v, 1)
        elif i % 3 == 0:
            v = b.visit(person, b.inst(PHARMACY), 41, b.day())
            t = b.begin_of(v) + 120
        else:
            v = b.visit(person, b.hospital(3), 11, b.day())
            t = b.begin_of(v) + 900
        line = b.add_line(v, code, t)
        if not hard:
            b.case("drug_visit_type", v, ("extra", [line]), f"限住院使用的「{c.name(code)}」用于门诊/购药")


def drug_work_injury(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for _ in range(n):
        code = c.code("drug_work_injury")
        person = b.person_aged(c.gender_for(code), int(b.rng.integers(25, 56)), 410 if hard else 310)
        v = b.visit(person, b.hospital(3), 11, b.day())
        line = b.add_line(v, code, b.begin_of(v) + 900)
        if not hard:
            b.case(
                "drug_work_injury", v, ("extra", [line]), f"限工伤保险的「{c.name(code)}」用于职工医保患者"
            )


def drug_maternity(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        code = c.code("drug_maternity")
        age = int(b.rng.integers(24, 38))
        if hard and i % 2 == 0:
            person = b.person_aged(2, age, 510)
            v = b.visit(person, b.hospital(2), 51, b.day())
            t = b.begin_of(v) + 900
        elif hard:
            person = b.person_aged(2, age, 310)
            v = b.visit(person, b.hospital(2), 52, b.day(hi_margin=20), int(b.rng.integers(2, 5)))
            t = _stay_line_time(b, v, 1)
        else:
            person = b.person_aged(2, age, 310)
            v = b.visit(person, b.hospital(3), 11, b.day())
            t = b.begin_of(v) + 900
        line = b.add_line(v, code, t)
        if not hard:
            b.case("drug_maternity", v, ("extra", [line]), f"限生育保险的「{c.name(code)}」用于非生育就诊")


def over_price(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    if hard:
        return  # the background bills exactly at the ceiling in about 30 % of institutions
    for i in range(n):
        code = c.reserved(drug=False)
        person = b.person_aged(b.random_gender(), int(b.rng.integers(20, 80)))
        if i % 2:
            v = _stay(b, person, int(b.rng.integers(2, 7)))
            t = _stay_line_time(b, v, 1)
        else:
            v = b.visit(person, b.hospital(1), 11, b.day())
            t = b.begin_of(v) + 900
        ceil = int(b.cat.ceil_cents[code])
        over = 1 if i % 3 == 0 else max(1, int(ceil * b.rng.uniform(0.01, 0.3)))
        line = b.add_line(v, code, t, cnt=int(b.rng.integers(1, 3)), pric=ceil + over)
        b.case(
            "over_price",
            v,
            ("extra", [line]),
            f"「{c.name(code)}」单价{(ceil + over) / 100:.2f}元，超过限价{ceil / 100:.2f}元",
        )


# --------------------------------------------------------------------------------------------------
# Stays and visit patterns


def fee_outside_stay(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(20, 80)))
        v = _stay(b, person, int(b.rng.integers(2, 8)))
        begin_day, end_day = b.begin_of(v) // DAY, b.end_of(v) // DAY
        code = c.reserved(drug=bool(i % 2))
        if hard:
            t = b.end_of(v) + HOUR if i % 2 else ts(begin_day, 6, 30)
            b.add_line(v, code, t)
            continue
        if i % 3:
            k = int(b.rng.integers(1, 4))
            t, when = ts(end_day + k, 10), f"出院后第{k}天"
        else:
            k = int(b.rng.integers(1, 3))
            t, when = ts(begin_day - k, 15), f"入院前{k}天"
        line = b.add_line(v, code, t)
        b.case("fee_outside_stay", v, ("extra", [line]), f"「{c.name(code)}」计费于{when}，不在住院期间")


def split_admission(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(40, 81)))
        inst = b.hospital(1)
        n1, n2 = int(b.rng.integers(3, 8)), int(b.rng.integers(2, 7))
        diag = c.free_diag()
        diag2 = diag
        refl = False
        if hard:
            mode = i % 4
            gap = 16 if mode == 0 else int(b.rng.integers(0, 11))
            if mode == 1:
                diag = diag2 = c.dx.index("Z51.1")
            elif mode == 2:
                refl = True
            elif mode == 3:
                while c.dx.category[diag2] == c.dx.category[diag]:
                    diag2 = c.free_diag()
        else:
            gap = 15 if i % 5 == 0 else 0 if i % 5 == 1 else int(b.rng.integers(1, 15))
        d = int(b.rng.integers(YEAR_START + 5, YEAR_END - n1 - gap - n2 - 3))
        v1 = b.visit(person, inst, 21, d, n1, diag=diag)
        d2 = d + n1 + gap
        begin2 = max(ts(d2, int(b.rng.integers(8, 20))), b.end_of(v1) + 2 * HOUR)
        end2 = ts(d2 + n2, int(b.rng.integers(9, 12)))
        v2 = b.visit(
            person, inst, 21, d2, n2, begin=begin2, end=end2, diag=diag2, refl_old=v1 if refl else -1
        )
        if not hard:
            b.case(
                "split_admission",
                v2,
                ("all",),
                f"同一机构出院{gap}天后再次入院，主诊断同为{c.dx.category[diag]}",
            )


def concurrent_stays(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for _ in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(30, 81)))
        a = b.hospital(1)
        other = b.hospital(1, exclude=a)
        n1, n2 = int(b.rng.integers(4, 9)), int(b.rng.integers(3, 7))
        d = int(b.rng.integers(YEAR_START + 5, YEAR_END - n1 - n2 - 3))
        v1 = b.visit(person, a, 21, d, n1)
        s = n1 if hard else int(b.rng.integers(1, n1))
        begin2 = max(ts(d + s, int(b.rng.integers(8, 20))), b.end_of(v1) + HOUR) if hard else None
        v2 = b.visit(person, other, 21, d + s, n2, begin=begin2)
        if not hard:
            b.case(
                "concurrent_stays",
                v2,
                ("days", d + s, d + n1),
                f"与另一机构住院重叠{n1 - s}晚",
            )


def phantom_bed(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for _ in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(55, 86)))
        nights = int(b.rng.integers(6, 13))
        start = int(b.rng.integers(1, nights - 3))
        run = 2 if hard else int(b.rng.integers(3, min(5, nights - start) + 1))
        v = _stay(b, person, nights, bed_only=(start, run))
        if not hard:
            d = b.begin_of(v) // DAY + start
            b.case("phantom_bed", v, ("days", d, d + run - 1), f"连续{run}天仅收取床位、护理、诊查费")


def _frequent(b: ScenarioBuilder, n: int, hard: bool, pharmacy: bool) -> None:
    limit = 6 if pharmacy else 8
    rule = "frequent_pharmacy" if pharmacy else "frequent_outpatient"
    for i in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(20, 86)))
        month = int(b.rng.integers(1, 13))
        start = np.datetime64(f"2025-{month:02d}", "M")
        first = int(start.astype("datetime64[D]").astype(np.int64))
        last = int((start + np.timedelta64(1, "M")).astype("datetime64[D]").astype(np.int64)) - 1
        count = limit if hard else limit + (1 if i % 3 else 2)
        days = np.sort(b.rng.choice(np.arange(first, last + 1), size=count, replace=False))
        vs = []
        for day in days:
            if pharmacy:
                vs.append(b.visit(person, b.inst(PHARMACY), 41, int(day)))
            else:
                inst = b.inst(CLINIC) if b.rng.random() < 0.5 else b.hospital(1)
                vs.append(b.visit(person, inst, 11, int(day)))
        if not hard:
            for k, v in enumerate(vs[limit:], start=limit + 1):
                kind = "购药" if pharmacy else "门诊"
                b.case(rule, v, ("all",), f"{month}月第{k}次{kind}，超过每月{limit}次")


def frequent_outpatient(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _frequent(b, n, hard, pharmacy=False)


def frequent_pharmacy(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    _frequent(b, n, hard, pharmacy=True)


def fee_after_death(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    for i in range(n):
        person = b.person_aged(b.random_gender(), int(b.rng.integers(65, 91)))
        nights = int(b.rng.integers(3, 9))
        d = int(b.rng.integers(YEAR_START + 5, YEAR_END - nights - 25))
        stay = b.visit(person, b.hospital(1), 21, d, nights, die=True)
        die_day = d + nights
        if hard:
            b.visit(person, b.inst(PHARMACY), 41, die_day, begin=b.end_of(stay) + HOUR)
            continue
        k = int(b.rng.integers(1, 21))
        if i % 2:
            v = b.visit(person, b.inst(PHARMACY), 41, die_day + k)
        else:
            v = b.visit(person, b.inst(CLINIC), 11, die_day + k)
        b.case("fee_after_death", v, ("all",), f"死亡（{date_text(die_day)}）后第{k}天发生费用")


# --------------------------------------------------------------------------------------------------
# Diagnoses


def diag_gender(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    if hard:
        return  # the background bills gender-specific diagnoses to the matching gender
    for i in range(n):
        gender = b.random_gender()
        ids = c.dx.gender_only(3 - gender)
        diag = int(ids[b.rng.integers(0, len(ids))])
        person = b.person_aged(gender, int(b.rng.integers(20, 71)))
        if i % 3 == 0:
            v = _stay(b, person, int(b.rng.integers(2, 7)), inst=b.hospital(2), diag=diag)
        else:
            v = b.visit(person, b.hospital(1), 11, b.day(), diag=diag)
        who = "男性" if gender == 1 else "女性"
        b.case("diag_gender", v, ("none",), f"{who}患者诊断为{c.dx.code[diag]}（{c.dx.name[diag]}）")


def diag_age(b: ScenarioBuilder, c: Context, n: int, hard: bool) -> None:
    dx = c.dx
    perinatal = np.flatnonzero((dx.max_age_days >= 0) & (dx.gender_req == 0) & dx.perinatal)
    adult_f = np.flatnonzero((dx.min_age >= 0) & (dx.max_age >= 0) & (dx.gender_req == 2) & dx.pregnancy)
    for i in range(n):
        day = b.day_in_months(3)
        use_perinatal = len(perinatal) > 0 and (i % 2 == 0 or len(adult_f) == 0)
        if use_perinatal:
            diag = int(perinatal[b.rng.integers(0, len(perinatal))])
            limit = int(dx.max_age_days[diag])
            if hard:
                birth = day - limit
            elif i % 4 == 0:
                birth = day - limit - 1
            else:
                birth = day - int(b.rng.integers(limit + 2, 365 * 70))
            person = b.person(b.random_gender(), birth)
        else:
            diag = int(adult_f[b.rng.integers(0, len(adult_f))])
            lo, hi = int(dx.min_age[diag]), int(dx.max_age[diag])
            if hard:
                birth = add_years(day + 1, -(hi + 1)) if i % 3 else add_years(day, -lo)
            elif i % 4 == 1:
                birth = add_years(day, -(hi + 1))
            else:
                birth = add_years(day, -int(b.rng.integers(hi + 1, 90))) - int(b.rng.integers(1, 300))
            person = b.person(2, birth)
        v = b.visit(person, b.hospital(1), 11, day, diag=diag)
        if not hard:
            b.case("diag_age", v, ("none",), f"诊断{dx.code[diag]}（{dx.name[diag]}）与患者年龄不符")


PLANTERS: dict[str, Planter] = {
    "duplicate_charge": duplicate_charge,
    "item_frequency": item_frequency,
    "item_cycle": item_cycle,
    "drug_course": drug_course,
    "item_course": item_course,
    "drug_gender": drug_gender,
    "item_gender": item_gender,
    "diag_gender": diag_gender,
    "drug_child_only": drug_child_only,
    "drug_child_limit": drug_child_limit,
    "item_child_only": item_child_only,
    "diag_age": diag_age,
    "item_age": item_age,
    "drug_institution_level": drug_institution_level,
    "drug_visit_type": drug_visit_type,
    "drug_work_injury": drug_work_injury,
    "drug_maternity": drug_maternity,
    "over_price": over_price,
    "fee_outside_stay": fee_outside_stay,
    "split_admission": split_admission,
    "concurrent_stays": concurrent_stays,
    "phantom_bed": phantom_bed,
    "frequent_outpatient": frequent_outpatient,
    "frequent_pharmacy": frequent_pharmacy,
    "fee_after_death": fee_after_death,
}
