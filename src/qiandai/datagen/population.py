"""Insured persons (参保人) of one city: identity numbers, names, gender, birth dates, insurance type.

Identity numbers are valid 18-digit numbers built with :func:`qiandai.domain.idcard.make_id_number`
from real district codes of Hangzhou; the sequence digit's parity matches the gender. Births on
29 February are avoided so that "age in whole years" has one reading. Persons are appended in
batches (the background population, then the dedicated persons of injected cases and hard
negatives), so a :class:`Population` grows through :meth:`Population.add`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from qiandai.datagen.common import YEAR_END, YEAR_START, IntArray, ymd
from qiandai.domain.idcard import make_id_number

CITY = "杭州市"
CITY_ADMDVS = "330100"
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("330102", "上城区"),
    ("330105", "拱墅区"),
    ("330106", "西湖区"),
    ("330108", "滨江区"),
    ("330109", "萧山区"),
    ("330110", "余杭区"),
    ("330111", "富阳区"),
    ("330112", "临安区"),
    ("330113", "临平区"),
    ("330114", "钱塘区"),
    ("330122", "桐庐县"),
    ("330127", "淳安县"),
)
# Older region codes still printed on many identity cards (下城区, 江干区 before 2021).
ID_REGIONS = (*(code for code, _ in DISTRICTS), "330103", "330104")

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_CHARS = list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋勇毅峰建国志文博")
FEMALE_CHARS = list("芳娜敏静丽艳娟霞秀玲桂英萍红燕琳雪梅洁婷倩颖慧琪欣怡佳悦蕾晶瑶薇璐馨雯月兰")

INSUTYPE_EMPLOYEE = 310  # 职工基本医疗保险
INSUTYPE_RESIDENT = 390  # 城乡居民基本医疗保险
INSUTYPE_WORK_INJURY = 410
INSUTYPE_MATERNITY = 510


@dataclass
class Population:
    """Persons as parallel arrays; index = person id inside the run."""

    birth: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gender: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    insutype: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    district: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    certno: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.birth)

    def add(
        self,
        rng: np.random.Generator,
        birth: IntArray,
        gender: IntArray,
        insutype: IntArray,
    ) -> IntArray:
        """Append persons with the given birth days, genders and insurance types; return their ids."""
        n = len(birth)
        start = len(self)
        district = rng.integers(0, len(DISTRICTS), size=n)
        region_pick = rng.integers(0, len(ID_REGIONS), size=n)
        seq = rng.integers(0, 500, size=n) * 2 + (np.asarray(gender) == 1)
        y, m, d = ymd(birth)
        certs = [
            make_id_number(ID_REGIONS[int(r)], date(int(yy), int(mm), int(dd)), int(s))
            for r, yy, mm, dd, s in zip(region_pick, y, m, d, seq, strict=True)
        ]
        sur = rng.integers(0, len(SURNAMES), size=n)
        two = rng.random(n) < 0.7
        c1 = rng.integers(0, 1_000_000, size=n)
        c2 = rng.integers(0, 1_000_000, size=n)
        names = []
        for i in range(n):
            chars = MALE_CHARS if gender[i] == 1 else FEMALE_CHARS
            given = chars[c1[i] % len(chars)] + (chars[c2[i] % len(chars)] if two[i] else "")
            names.append(SURNAMES[sur[i]] + given)
        self.birth = np.concatenate([self.birth, np.asarray(birth, dtype=np.int64)])
        self.gender = np.concatenate([self.gender, np.asarray(gender, dtype=np.int64)])
        self.insutype = np.concatenate([self.insutype, np.asarray(insutype, dtype=np.int64)])
        self.district = np.concatenate([self.district, district])
        self.certno.extend(certs)
        self.name.extend(names)
        return np.arange(start, start + n, dtype=np.int64)


def avoid_feb29(days: IntArray) -> IntArray:
    """Move births on 29 February to 28 February."""
    _, m, d = ymd(days)
    return np.where((m == 2) & (d == 29), days - 1, days)


def background_population(rng: np.random.Generator, n: int) -> Population:
    """``n`` persons with a realistic age pyramid (newborns of the year, children, adults, elderly).

    Insurance: mostly employee (310) and resident (390); a few work-injury (410) workers and
    maternity (510) women of child-bearing age.
    """
    band = rng.choice(6, size=n, p=[0.012, 0.07, 0.11, 0.33, 0.22, 0.258])
    lo = np.array([0, 0, 3, 18, 45, 60])
    hi = np.array([0, 3, 18, 45, 60, 96])
    age = rng.integers(lo[band], np.maximum(hi[band], lo[band] + 1))
    day_in_year = rng.integers(0, 365, size=n)
    birth = YEAR_START - age * 365 - day_in_year
    # newborns of the year: born during 2025 (before December so they have visits)
    newborn = band == 0
    birth = np.where(newborn, rng.integers(YEAR_START, YEAR_END - 40, size=n), birth)
    birth = avoid_feb29(birth)
    gender = rng.integers(1, 3, size=n)
    insutype = np.where(rng.random(n) < 0.55, INSUTYPE_EMPLOYEE, INSUTYPE_RESIDENT)
    working = (age >= 20) & (age <= 55)
    insutype = np.where(working & (rng.random(n) < 0.02), INSUTYPE_WORK_INJURY, insutype)
    fertile = (gender == 2) & (age >= 22) & (age <= 40)
    insutype = np.where(fertile & (rng.random(n) < 0.08), INSUTYPE_MATERNITY, insutype)
    pop = Population()
    pop.add(rng, birth, gender, insutype)
    return pop
