"""The billable-code catalogue of the claims generator, built from the knowledge base.

Every national code that appears in one of the knowledge tables the claims rules read becomes one
catalogue entry with its name, charge type, a plausible price and *all* its restrictions merged
(a code may sit in several tables). The generator draws background fee lines only from entries whose
restrictions the visit satisfies (:func:`violations`), and the injections draw from entries that
violate exactly one rule, so that a planted case fires the rule it is meant for and nothing else.

Prices are derived from a CRC of the code (not from the run's seed), so the same code costs the
same in every generated data set.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from qiandai.datagen.common import IntArray

# Child targets of batch 1 (0 = none).
CHILD_TARGETS = {"儿童": 1, "婴幼儿": 2, "新生儿": 3}
CHILD_MAX_AGE_YEARS = 18
INFANT_MAX_AGE_YEARS = 3
NEWBORN_MAX_DAYS = 28
WORK_AGE_MIN = 16
WORK_AGE_MAX = 60

# Codes the background needs every inpatient day (kept in the catalogue even if a table lacks them).
BED_CODE = "001109000010000"  # 普通病房床位费
NURSING_CODE = "001201000040000"  # Ⅱ级护理
WARD_EXAM_CODE = "001102000050000"  # 住院诊查费
ER_EXAM_CODE = "001102000030000"  # 急诊诊查费
_BUILTIN_NAMES = {
    BED_CODE: "普通病房床位费",
    NURSING_CODE: "Ⅱ级护理",
    WARD_EXAM_CODE: "住院诊查费",
    ER_EXAM_CODE: "急诊诊查费",
}

RULE_TABLES = (
    "duplicate_pairs",
    "item_frequency",
    "item_cycle",
    "drug_course",
    "item_course",
    "drug_gender",
    "item_gender",
    "drug_child_only",
    "drug_child_limit",
    "item_child_only",
    "item_age",
    "drug_institution_level",
    "drug_visit_type",
    "drug_work_injury",
    "drug_maternity",
)

# Tables of the breadth rules (issue 5): their codes join the catalogue and their rows are kept in
# ``Catalog.extra_rows`` for :mod:`qiandai.datagen.injections_breadth` (which withholds them from the
# background).
BREADTH_TABLES = ("herbal_excluded", "herbal_single", "surgery_groups", "drug_indication")

# Rules whose violation depends only on one line and its visit (checked by :func:`violations`).
LINE_RULES = (
    "drug_gender",
    "item_gender",
    "drug_child_only",
    "drug_child_limit",
    "item_child_only",
    "item_age",
    "drug_institution_level",
    "drug_visit_type",
    "drug_work_injury",
    "drug_maternity",
)


class KnowledgeSource(Protocol):
    """The part of :class:`qiandai.knowledge.KnowledgeBase` the generator reads."""

    def rule_table(self, name: str) -> pa.Table: ...

    def diagnosis_rules(self) -> pa.Table: ...


@dataclass(frozen=True)
class DuplicatePair:
    """One batch-7 pair: item ``a`` and item ``b`` (catalogue indices) must not share ``window``."""

    a: int
    b: int
    window: str


@dataclass
class Catalog:
    """All billable codes with their restrictions, as parallel numpy arrays (index = code id)."""

    codes: list[str]
    names: list[str]
    is_drug: np.ndarray
    chrgitm: list[str]  # med_chrgitm_type per code
    list_type: list[str]
    base_cents: IntArray  # typical price
    ceil_cents: IntArray  # pric_uplmt_amt in cents, -1 when none
    gender_req: IntArray  # 0 none, 1 male only, 2 female only
    child_target: IntArray  # 0 none, 1 儿童, 2 婴幼儿, 3 新生儿
    work_age: np.ndarray  # bool: item_age (法定就业年龄)
    work_age_min: IntArray
    work_age_max: IntArray
    min_tier: IntArray  # 0 none
    inpatient_only: np.ndarray
    work_injury: np.ndarray
    maternity: np.ndarray
    drug_course_days: IntArray  # 0 none
    item_course_days: IntArray
    cycle_n: IntArray
    cycle_p: IntArray
    freq_max: IntArray  # 0 none
    freq_hourly: np.ndarray
    child_only_drug: np.ndarray  # bool: the child target comes from drug_child_only (not _limit)
    in_pairs: np.ndarray  # bool: appears in a batch-7 pair
    in_safe_set: np.ndarray  # bool: member of the pair-free set the background bills from
    pairs: list[DuplicatePair]
    table_members: dict[str, IntArray]  # rule table → code ids in it
    partners: dict[int, set[int]] = field(default_factory=dict)
    kp_codes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # knowledge point → its codes
    code_kps: dict[int, tuple[str, ...]] = field(default_factory=dict)
    extra_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # BREADTH_TABLES rows

    def siblings(self, idx: int) -> set[int]:
        """Codes that share a knowledge point with ``idx`` (rules count a point's codes as one item)."""
        out = {idx}
        for kp in self.code_kps.get(idx, ()):
            out.update(self.kp_codes[kp])
        return out

    def __len__(self) -> int:
        return len(self.codes)

    def __post_init__(self) -> None:
        self.position = {c: i for i, c in enumerate(self.codes)}

    def index(self, code: str) -> int:
        """Catalogue id of ``code`` (KeyError when absent)."""
        return self.position[code]


@dataclass(frozen=True)
class LineContext:
    """Who, where and how a set of lines is billed (arrays broadcast against the code ids).

    Ages are the smallest and largest age over the line's possible fee dates, so a stay that
    crosses a birthday is judged on the safe side for the background.
    """

    gender: IntArray  # 1 / 2
    age_years_min: IntArray
    age_years_max: IntArray
    age_days_max: IntArray
    tier: IntArray  # -1 unknown (pharmacy)
    inpatient: np.ndarray  # bool
    insutype: IntArray  # 310 / 390 / 410 / 510
    maternity_med_type: np.ndarray  # bool: med_type 51 / 52


def violations(cat: Catalog, code: IntArray, ctx: LineContext) -> dict[str, np.ndarray]:
    """Per line rule of :data:`LINE_RULES`, a mask of the lines that would hit it (contract semantics)."""
    g = cat.gender_req[code]
    gender_hit = (g != 0) & (g != ctx.gender)
    t = cat.child_target[code]
    child_hit = (
        ((t == 1) & (ctx.age_years_max >= CHILD_MAX_AGE_YEARS))
        | ((t == 2) & (ctx.age_years_max >= INFANT_MAX_AGE_YEARS))
        | ((t == 3) & (ctx.age_days_max >= NEWBORN_MAX_DAYS))
    )
    drug = cat.is_drug[code]
    work_age = cat.work_age[code]
    mt = cat.min_tier[code]
    return {
        "drug_gender": gender_hit & drug,
        "item_gender": gender_hit & ~drug,
        "drug_child_only": child_hit & drug & cat.child_only_drug[code],
        "drug_child_limit": child_hit & drug & ~cat.child_only_drug[code],
        "item_child_only": child_hit & ~drug,
        "item_age": work_age
        & ((ctx.age_years_min < cat.work_age_min[code]) | (ctx.age_years_max > cat.work_age_max[code])),
        "drug_institution_level": (mt > 0) & (ctx.tier >= 0) & (ctx.tier < mt),
        "drug_visit_type": cat.inpatient_only[code] & ~ctx.inpatient,
        "drug_work_injury": cat.work_injury[code] & (ctx.insutype != 410),
        "drug_maternity": cat.maternity[code] & (ctx.insutype != 510) & ~ctx.maternity_med_type,
    }


def any_violation(cat: Catalog, code: IntArray, ctx: LineContext) -> np.ndarray:
    """Mask of lines that would hit any line rule."""
    out = np.zeros(np.broadcast(code, ctx.gender).shape, dtype=bool)
    for mask in violations(cat, code, ctx).values():
        out |= mask
    return out


# ---------------------------------------------------------------------------------------------------
# Building the catalogue


def _col(table: pa.Table, name: str) -> list[Any]:
    return table.column(name).to_pylist() if name in table.column_names else [None] * table.num_rows


def _int(value: Any, default: int = 0) -> int:
    if value is None:
        return default
    if isinstance(value, int | float):
        return int(value)
    m = re.search(r"\d+", str(value))
    return int(m.group(0)) if m else default


def _service_chrgitm(code: str) -> str:
    """med_chrgitm_type of a national service-item code, from its section prefix."""
    p4, p6 = code[:4], code[:6]
    if p6 in ("001109", "001107", "001108"):
        return "01"  # 床位费 (heating / cooling of the ward count as bed)
    if p6 == "001102":
        return "02"  # 诊察费
    if p6 == "001201":
        return "07"  # 护理费
    if p4 in ("0021", "0022", "0023", "0027"):
        return "03"  # 检查费
    if p4 in ("0025", "0026"):
        return "04"  # 化验费
    if p4 in ("0032", "0033"):
        return "06"  # 手术费
    if p4 == "0048":
        return "14"
    return "05"  # 治疗费


_PRICE_RANGES = {  # yuan: (low, high) per med_chrgitm_type
    "01": (30, 90),
    "02": (10, 30),
    "07": (15, 45),
    "03": (40, 400),
    "04": (8, 120),
    "05": (20, 260),
    "06": (800, 12000),
    "14": (5, 40),
    "09": (3, 260),
    "10": (2, 60),
    "11": (5, 120),
}


def _base_cents(code: str, chrgitm: str) -> int:
    low, high = _PRICE_RANGES.get(chrgitm, (10, 100))
    u = (zlib.crc32(code.encode()) % 10_000) / 10_000
    return round(low * (high / low) ** u * 100)


def build_catalog(kb: KnowledgeSource) -> Catalog:
    """Merge the knowledge tables into one :class:`Catalog` (codes sorted, so order is stable)."""
    tables = {name: kb.rule_table(name) for name in (*RULE_TABLES, *BREADTH_TABLES)}
    names: dict[str, str] = dict(_BUILTIN_NAMES)
    drug_codes: set[str] = set()
    for tname, table in tables.items():
        if tname == "duplicate_pairs":
            for key in ("a", "b"):
                for c, n in zip(_col(table, f"code_{key}"), _col(table, f"name_{key}"), strict=True):
                    if c:
                        names.setdefault(str(c), str(n or c))
            continue
        for c, n in zip(_col(table, "code"), _col(table, "name"), strict=True):
            if c:
                names.setdefault(str(c), str(n or c))
                if tname.startswith("drug_"):
                    drug_codes.add(str(c))
    codes = sorted(names)
    k = len(codes)
    index = {c: i for i, c in enumerate(codes)}
    is_drug = np.array([c in drug_codes or not c[:1].isdigit() for c in codes], dtype=bool)
    chrgitm: list[str] = []
    list_type: list[str] = []
    for c, drug in zip(codes, is_drug, strict=True):
        if drug:
            chrgitm.append({"Z": "11", "T": "10"}.get(c[:1], "09"))
            list_type.append("102" if c[:1] == "T" else "101")
        elif c[:1] == "C":
            chrgitm.append("08")
            list_type.append("301")
        else:
            chrgitm.append(_service_chrgitm(c))
            list_type.append("201")
    base = np.array([_base_cents(c, t) for c, t in zip(codes, chrgitm, strict=True)], dtype=np.int64)
    ceil = np.where(is_drug, -1, base).astype(np.int64)

    def zeros() -> IntArray:
        return np.zeros(k, dtype=np.int64)

    def flags() -> np.ndarray:
        return np.zeros(k, dtype=bool)

    gender_req, child_target, min_tier = zeros(), zeros(), zeros()
    child_only_drug = flags()
    work_age, inpatient_only, work_injury, maternity = flags(), flags(), flags(), flags()
    work_age_min = np.full(k, WORK_AGE_MIN, dtype=np.int64)
    work_age_max = np.full(k, WORK_AGE_MAX, dtype=np.int64)
    drug_course, item_course, cycle_n, cycle_p, freq_max = zeros(), zeros(), zeros(), zeros(), zeros()
    freq_hourly = flags()
    members: dict[str, list[int]] = {t: [] for t in RULE_TABLES}
    kp_codes: dict[str, set[int]] = {}

    def rows(tname: str) -> list[dict[str, Any]]:
        out = [r for r in tables[tname].to_pylist() if r.get("code")]
        for r in out:
            i = index[str(r["code"])]
            members[tname].append(i)
            kp_codes.setdefault(f"{tname}:{r.get('kp_id')}", set()).add(i)
        return out

    for tname in ("drug_gender", "item_gender"):
        for r in rows(tname):
            gender_req[index[str(r["code"])]] = _int(r.get("gender"))
    for tname in ("drug_child_only", "drug_child_limit", "item_child_only"):
        for r in rows(tname):
            i = index[str(r["code"])]
            target = CHILD_TARGETS.get(str(r.get("target") or "儿童"), 1)
            child_target[i] = max(int(child_target[i]), target)
            if tname == "drug_child_only":
                child_only_drug[i] = True
    for r in rows("item_age"):
        i = index[str(r["code"])]
        work_age[i] = True
        nums = [int(x) for x in re.findall(r"\d+", str(r.get("constraint_text") or ""))]
        if len(nums) >= 2:
            work_age_min[i], work_age_max[i] = min(nums[:2]), max(nums[:2])
    for r in rows("drug_institution_level"):
        i = index[str(r["code"])]
        min_tier[i] = max(int(min_tier[i]), _int(r.get("min_tier"), 2))
    for r in rows("drug_visit_type"):
        inpatient_only[index[str(r["code"])]] = True
    for r in rows("drug_work_injury"):
        work_injury[index[str(r["code"])]] = True
    for r in rows("drug_maternity"):
        maternity[index[str(r["code"])]] = True
    for r in rows("drug_course"):
        i = index[str(r["code"])]
        n = _int(r.get("max_days"))
        drug_course[i] = n if drug_course[i] == 0 else min(int(drug_course[i]), n)
    for r in rows("item_course"):
        i = index[str(r["code"])]
        n = _int(r.get("max_days"))
        item_course[i] = n if item_course[i] == 0 else min(int(item_course[i]), n)
    for r in rows("item_cycle"):
        i = index[str(r["code"])]
        cycle_n[i] = _int(r.get("max_count"), 1)
        cycle_p[i] = _int(r.get("period_days"), 1)
    for r in rows("item_frequency"):
        i = index[str(r["code"])]
        n = _int(r.get("max_count"), 1)
        freq_max[i] = n if freq_max[i] == 0 else min(int(freq_max[i]), n)
        freq_hourly[i] = str(r.get("unit") or "日").strip() == "小时"

    pairs: list[DuplicatePair] = []
    partners: dict[int, set[int]] = {}
    dup = tables["duplicate_pairs"]
    for a, b, w in zip(_col(dup, "code_a"), _col(dup, "code_b"), _col(dup, "window"), strict=True):
        if not a or not b or a == b:
            continue
        ia, ib = index[str(a)], index[str(b)]
        pairs.append(DuplicatePair(ia, ib, str(w or "单次就诊")))
        partners.setdefault(ia, set()).add(ib)
        partners.setdefault(ib, set()).add(ia)
        members["duplicate_pairs"].extend((ia, ib))
    in_pairs = flags()
    in_pairs[list(partners)] = True

    code_kps: dict[int, list[str]] = {}
    for kp, ids in sorted(kp_codes.items()):
        for i in ids:
            code_kps.setdefault(i, []).append(kp)
    cat = Catalog(
        codes=codes,
        names=[names[c] for c in codes],
        is_drug=is_drug,
        chrgitm=chrgitm,
        list_type=list_type,
        base_cents=base,
        ceil_cents=ceil,
        gender_req=gender_req,
        child_target=child_target,
        work_age=work_age,
        work_age_min=work_age_min,
        work_age_max=work_age_max,
        min_tier=min_tier,
        inpatient_only=inpatient_only,
        work_injury=work_injury,
        maternity=maternity,
        drug_course_days=drug_course,
        item_course_days=item_course,
        cycle_n=cycle_n,
        cycle_p=cycle_p,
        freq_max=freq_max,
        freq_hourly=freq_hourly,
        child_only_drug=child_only_drug,
        in_pairs=in_pairs,
        in_safe_set=flags(),
        pairs=pairs,
        table_members={t: np.array(sorted(set(m)), dtype=np.int64) for t, m in members.items()},
        partners=partners,
        kp_codes={kp: tuple(sorted(ids)) for kp, ids in kp_codes.items()},
        code_kps={i: tuple(kps) for i, kps in code_kps.items()},
        extra_rows={t: tables[t].to_pylist() for t in BREADTH_TABLES},
    )
    cat.in_safe_set[:] = _pair_free_set(cat)
    return cat


def _pair_free_set(cat: Catalog) -> np.ndarray:
    """A set of codes no two of which form a batch-7 pair (greedy, the daily ward codes first).

    Codes outside every pair are members trivially; among paired codes the greedy pass prefers the
    codes the background needs, then the least-connected ones.
    """
    member = ~cat.in_pairs.copy()
    taken: set[int] = set()
    must = [cat.index(c) for c in (BED_CODE, NURSING_CODE, WARD_EXAM_CODE, ER_EXAM_CODE) if c in cat.position]
    rest = sorted(cat.partners, key=lambda i: (len(cat.partners[i]), cat.codes[i]))
    for i in must + rest:
        if i in taken or not cat.in_pairs[i]:
            continue
        if cat.partners[i] & taken:
            continue
        taken.add(i)
    member[list(taken)] = True
    return member
