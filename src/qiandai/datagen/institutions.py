"""Designated medical institutions (定点医药机构): hospitals of tiers 1–3, community clinics and
pharmacies spread over the city's districts.

``kind`` is 0 hospital, 1 community clinic, 2 pharmacy. Hospitals and clinics carry a ``hosp_lv``
code of :data:`qiandai.claims.schema.HOSP_LEVEL_TIER`; pharmacies have none (NULL), so the
institution-level rule never judges them. ``price_permille`` is the share of the price ceiling the
institution charges for service items (1000 = exactly at the ceiling, a hard negative of over_price).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qiandai.claims.schema import HOSP_LEVEL_TIER
from qiandai.datagen.common import IntArray
from qiandai.datagen.population import CITY, DISTRICTS

HOSPITAL, CLINIC, PHARMACY = 0, 1, 2

_TIER_LEVELS = {3: ("01", "02", "03"), 2: ("05", "06"), 1: ("08", "09")}
_HOSPITAL_NAMES = {
    3: ("人民医院", "第一人民医院", "中医院", "妇幼保健院", "中西医结合医院"),
    2: ("第二人民医院", "中医院", "妇幼保健院", "骨伤科医院", "康复医院"),
    1: ("医院", "中心卫生院", "康复医院", "仁和医院", "济民医院"),
}
_STREETS = ("湖滨", "清波", "小营", "望江", "米市巷", "和睦", "北山", "灵隐", "西兴", "长河", "城厢", "北干",
            "五常", "良渚", "银湖", "锦城", "东湖", "下沙", "城南", "千岛湖")  # fmt: skip
_PHARMACY_BRANDS = (
    "老百姓大药房",
    "九州大药房",
    "海王星辰",
    "华东大药房",
    "方回春堂",
    "胡庆余堂",
    "益丰大药房",
)


@dataclass
class Institutions:
    """Institutions as parallel arrays; index = institution id."""

    code: list[str]
    name: list[str]
    kind: IntArray
    tier: IntArray  # -1 pharmacy (no hosp_lv)
    hosp_lv: list[str | None]
    district: IntArray
    price_permille: IntArray

    def __len__(self) -> int:
        return len(self.code)

    def of_kind(self, kind: int, tier: int | None = None) -> IntArray:
        """Ids of the institutions of one kind (and tier)."""
        mask = self.kind == kind
        if tier is not None:
            mask &= self.tier == tier
        return np.flatnonzero(mask)

    def admdvs(self, i: int) -> str:
        return DISTRICTS[int(self.district[i])][0]


def build_institutions(rng: np.random.Generator, n: int) -> Institutions:
    """At least 20 institutions: about 20 % hospitals (≥ 3 per tier), 40 % clinics, 40 % pharmacies."""
    n = max(20, n)
    n_hosp = max(9, n // 5)
    n_clinic = max(5, (n - n_hosp) // 2)
    n_pharm = max(6, n - n_hosp - n_clinic)
    tiers = np.concatenate(
        [[3, 3, 3, 2, 2, 2, 1, 1, 1], rng.choice([3, 2, 1], size=n_hosp - 9, p=[0.25, 0.4, 0.35])]
    )
    codes: list[str] = []
    names: list[str] = []
    kinds: list[int] = []
    tier_out: list[int] = []
    levels: list[str | None] = []
    districts: list[int] = []
    seq = {"H": 0, "P": 0}

    def new_code(prefix: str, district: int) -> str:
        seq[prefix] += 1
        return f"{prefix}{DISTRICTS[district][0]}{seq[prefix]:05d}"

    used_names: set[str] = set()
    for t in tiers:
        d = int(rng.integers(0, len(DISTRICTS)))
        base = _HOSPITAL_NAMES[int(t)][int(rng.integers(0, 5))]
        district_name = DISTRICTS[d][1]
        name = f"{CITY}{base}" if t == 3 else f"{CITY}{district_name}{base}"
        k = 2
        while name in used_names:
            name = f"{CITY}{district_name}{base}{'第' + '一二三四五六七八九十'[k % 10] + '分院'}"
            k += 1
        used_names.add(name)
        codes.append(new_code("H", d))
        names.append(name)
        kinds.append(HOSPITAL)
        tier_out.append(int(t))
        levels.append(str(rng.choice(_TIER_LEVELS[int(t)])))
        districts.append(d)
    for i in range(n_clinic):
        d = int(rng.integers(0, len(DISTRICTS)))
        street = _STREETS[(i + d) % len(_STREETS)]
        level = "11" if rng.random() < 0.3 else str(rng.choice(("09", "10")))
        codes.append(new_code("H", d))
        names.append(
            f"{CITY}{DISTRICTS[d][1]}{street}街道社区卫生服务中心" + (f"（{i + 1}站）" if i >= 20 else "")
        )
        kinds.append(CLINIC)
        tier_out.append(HOSP_LEVEL_TIER[level])
        levels.append(level)
        districts.append(d)
    for i in range(n_pharm):
        d = int(rng.integers(0, len(DISTRICTS)))
        brand = _PHARMACY_BRANDS[i % len(_PHARMACY_BRANDS)]
        codes.append(new_code("P", d))
        names.append(f"{brand}（{DISTRICTS[d][1]}{_STREETS[i % len(_STREETS)]}{i + 1}店）")
        kinds.append(PHARMACY)
        tier_out.append(-1)
        levels.append(None)
        districts.append(d)
    total = len(codes)
    permille = np.where(rng.random(total) < 0.3, 1000, rng.integers(850, 1000, size=total))
    return Institutions(
        code=codes,
        name=names,
        kind=np.array(kinds, dtype=np.int64),
        tier=np.array(tier_out, dtype=np.int64),
        hosp_lv=levels,
        district=np.array(districts, dtype=np.int64),
        price_permille=permille.astype(np.int64),
    )
