"""Diagnoses for generated visits: ICD-10 codes from the knowledge base's disease dictionary
(西医诊断 categories such as ``J18.`` become ``J18.9``) with the gender / age limits of
``kb.diagnosis_rules()`` attached, so that the background never contradicts the patient.

Categories exempt from the split-admission rule (Z49, Z51, Z99, N18) are kept out of the
background; the scenarios use them on purpose (e.g. ``Z51.1`` chemotherapy cycles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from qiandai.datagen.common import IntArray

EXEMPT_CATEGORIES = ("Z49", "Z51", "Z99", "N18")
_BUILTIN = (("Z51.1", "为肿瘤化学治疗疗程"), ("C34.9", "支气管或肺恶性肿瘤"), ("N18.5", "慢性肾脏病5期"))


class DiagnosisSource(Protocol):
    """The disease dictionary and the ICD-10 gender/age table."""

    def diagnosis_categories(self) -> pa.Table: ...

    def diagnosis_rules(self) -> pa.Table: ...


@dataclass
class DiagnosisCatalog:
    """Diagnosis codes with their limits; index = diagnosis id."""

    code: list[str]
    name: list[str]
    category: list[str]  # 3-character ICD-10 category
    gender_req: IntArray  # 0 none, 1 male, 2 female
    min_age: IntArray  # -1 none
    max_age: IntArray  # -1 none
    max_age_days: IntArray  # -1 none
    background: np.ndarray  # bool: may be drawn for ordinary visits
    pregnancy: np.ndarray  # bool: O-chapter (maternity visits)
    perinatal: np.ndarray  # bool: P-chapter (infants)

    def __post_init__(self) -> None:
        self.position = {c: i for i, c in enumerate(self.code)}

    def index(self, code: str) -> int:
        return self.position[code]

    def violations(self, diag: IntArray, gender: IntArray, age: IntArray, age_days: IntArray) -> np.ndarray:
        """Mask of diagnoses that contradict the patient's gender or age at the visit's start."""
        g = self.gender_req[diag]
        lo, hi, hd = self.min_age[diag], self.max_age[diag], self.max_age_days[diag]
        return (
            ((g != 0) & (g != gender))
            | ((lo >= 0) & (age < lo))
            | ((hi >= 0) & (age > hi))
            | ((hd >= 0) & (age_days > hd))
        )

    def gender_only(self, gender: int) -> IntArray:
        """Diagnoses limited to ``gender`` with no age limit."""
        return np.flatnonzero(
            (self.gender_req == gender) & (self.min_age < 0) & (self.max_age < 0) & (self.max_age_days < 0)
        )


def _num(value: Any) -> int:
    if value is None:
        return -1
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def build_diagnoses(kb: DiagnosisSource) -> DiagnosisCatalog:
    """Diagnosis codes from the dictionary, sorted, with the rule limits of their category."""
    cats = kb.diagnosis_categories().to_pylist()
    entries: dict[str, str] = {}
    for row in cats:
        code = str(row.get("code") or "")
        if str(row.get("type") or "") != "西医诊断" or not re.fullmatch(r"[A-Z]\d\d\.", code):
            continue
        entries.setdefault(code + "9", str(row.get("name") or code))
    for code, name in _BUILTIN:
        entries.setdefault(code, name)
    codes = sorted(entries)
    n = len(codes)
    category = [c[:3] for c in codes]
    gender = np.zeros(n, dtype=np.int64)
    min_age = np.full(n, -1, dtype=np.int64)
    max_age = np.full(n, -1, dtype=np.int64)
    max_days = np.full(n, -1, dtype=np.int64)
    for rule in kb.diagnosis_rules().to_pylist():
        lo = str(rule.get("category_from") or "")[:3]
        hi = str(rule.get("category_to") or lo)[:3]
        if not lo:
            continue
        for i, cat in enumerate(category):
            if lo <= cat <= hi:
                g = _num(rule.get("gender"))
                if g in (1, 2):
                    gender[i] = g
                if _num(rule.get("min_age_years")) >= 0:
                    min_age[i] = max(min_age[i], _num(rule.get("min_age_years")))
                if _num(rule.get("max_age_years")) >= 0:
                    m = _num(rule.get("max_age_years"))
                    max_age[i] = m if max_age[i] < 0 else min(max_age[i], m)
                if _num(rule.get("max_age_days")) >= 0:
                    m = _num(rule.get("max_age_days"))
                    max_days[i] = m if max_days[i] < 0 else min(max_days[i], m)
    first = np.array([c[0] for c in category])
    exempt = np.isin(np.array(category), EXEMPT_CATEGORIES)
    external = np.isin(first, ["U", "V", "W", "X", "Y"])
    builtin = np.isin(np.array(codes), [c for c, _ in _BUILTIN])
    background = ~exempt & ~external & ~builtin
    return DiagnosisCatalog(
        code=codes,
        name=[entries[c] for c in codes],
        category=category,
        gender_req=gender,
        min_age=min_age,
        max_age=max_age,
        max_age_days=max_days,
        background=background & (first != "O") & (first != "P"),
        pregnancy=background & (first == "O"),
        perinatal=background & (first == "P"),
    )


def draw(
    rng: np.random.Generator,
    dx: DiagnosisCatalog,
    gender: IntArray,
    age: IntArray,
    age_days: IntArray,
    pool: IntArray,
) -> IntArray:
    """One diagnosis per visit from ``pool``, redrawn (then replaced by an unrestricted one) when it
    would contradict the patient."""
    n = len(gender)
    out = pool[rng.integers(0, len(pool), size=n)]
    for _ in range(3):
        bad = dx.violations(out, gender, age, age_days)
        if not bad.any():
            return out
        out[bad] = pool[rng.integers(0, len(pool), size=int(bad.sum()))]
    free = np.flatnonzero(
        dx.background & (dx.gender_req == 0) & (dx.min_age < 0) & (dx.max_age < 0) & (dx.max_age_days < 0)
    )
    bad = dx.violations(out, gender, age, age_days)
    out[bad] = free[rng.integers(0, len(free), size=int(bad.sum()))]
    return out
