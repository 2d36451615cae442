"""The catalogue of supervision indicators (监测指标): identifiers, Chinese names, national codes, formulas.

Contract:
- every indicator has a stable English ``id`` (the column name in wide tables and the ``indicator`` value
  in long tables), a Chinese ``name`` for exports, a ``unit`` and a one-line ``formula``; the eight national
  statistical indicators of the 1.0 rule framework (``ZB10000205001000``–``ZB10000205008000``) carry their
  national ``code``; local indicators carry a ``QD-IND-NN`` code;
- ``levels`` says where an indicator is computed: ``institution`` (定点医药机构) and/or ``doctor`` (开单医生);
- ``ZB10000205007000`` 院内感染发生率 is *not* computed: the national extraction tables hold no infection
  register (see :data:`NOT_COMPUTED`).

The exact definitions live in ``docs/claims-indicators.md``; the code in :mod:`.compute` follows them.
"""

from __future__ import annotations

from dataclasses import dataclass

INSTITUTION = "institution"
DOCTOR = "doctor"
BOTH = frozenset({INSTITUTION, DOCTOR})
INST_ONLY = frozenset({INSTITUTION})


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: higher values are the suspicious direction for every indicator of the catalogue."""

    id: str
    code: str
    name: str
    unit: str
    formula: str
    levels: frozenset[str] = INST_ONLY


INDICATORS: tuple[Indicator, ...] = (
    Indicator("drug_share", "ZB10000205001000", "药费占比", "比例",
              "药品费用（收费项目类别 09/10/11，缺类别时目录类别 101/102）÷ 医疗费用总额", BOTH),
    Indicator("lab_exam_share", "ZB10000205002000", "检验检查占比", "比例",
              "检查费（03）+ 化验费（04）÷ 医疗费用总额", BOTH),
    Indicator("consumable_share", "ZB10000205003000", "耗材占比", "比例",
              "卫生材料费（08，缺类别时目录类别 301）÷ 医疗费用总额", BOTH),
    Indicator("treatment_share", "ZB10000205004000", "治疗占比", "比例",
              "治疗费（05）÷ 医疗费用总额", BOTH),
    Indicator("ct_share", "ZB10000205005000", "CT检查占比", "比例",
              "CT 项目（医疗服务项目编码前缀 002103）费用 ÷ 医疗费用总额", BOTH),
    Indicator("mri_share", "ZB10000205006000", "核磁检查占比", "比例",
              "磁共振项目（医疗服务项目编码前缀 002102）费用 ÷ 医疗费用总额", BOTH),
    Indicator("readmit_31d_rate", "ZB10000205008000", "31天非计划再入院率", "比例",
              "出院后 0–31 天内在同一机构再次入院（转院除外）的住院人次 ÷ 出院人次（死亡除外）"),
    Indicator("readmit_15d_rate", "QD-IND-01", "15天再入院率", "比例",
              "出院后 0–15 天内在同一机构再次入院（转院除外）的住院人次 ÷ 出院人次（死亡除外）"),
    Indicator("op_cost_per_visit", "QD-IND-02", "门诊次均费用", "元",
              "门诊（含门诊慢特病、生育门诊）医疗费用 ÷ 门诊人次"),
    Indicator("ip_cost_per_admission", "QD-IND-03", "住院次均费用", "元", "住院医疗费用 ÷ 住院人次"),
    Indicator("cost_per_visit", "QD-IND-04", "次均费用", "元",
              "医疗费用总额 ÷ 就诊人次（医生：开单金额 ÷ 开单就诊人次）", BOTH),
    Indicator("cost_per_person", "QD-IND-05", "人均费用", "元", "医疗费用总额 ÷ 就诊人数", BOTH),
    Indicator("avg_stay_days", "QD-IND-06", "平均住院日", "天",
              "Σ max(出院日期 − 入院日期, 1) ÷ 住院人次（有出院时间的住院）"),
    Indicator("weekend_admission_rate", "QD-IND-07", "周末入院占比", "比例",
              "周六、周日入院的住院人次 ÷ 住院人次"),
    Indicator("night_admission_rate", "QD-IND-08", "夜间入院占比", "比例",
              "入院时间在 22:00–05:59 的住院人次 ÷ 住院人次"),
    Indicator("visits_per_person", "QD-IND-09", "人次人头比", "次/人", "就诊人次 ÷ 就诊人数", BOTH),
    Indicator("admission_rate", "QD-IND-10", "住院人次占比", "比例", "住院人次 ÷ 就诊人次"),
    Indicator("high_value_share", "QD-IND-11", "高值项目费用占比", "比例",
              "单价 ≥ 高值阈值（默认 1000 元）的明细费用 ÷ 医疗费用总额", BOTH),
    Indicator("lines_per_visit", "QD-IND-12", "次均明细条数", "条", "费用明细条数 ÷ 就诊人次", BOTH),
    Indicator("fee_growth", "QD-IND-13", "费用环比增长率", "比例",
              "（本期医疗费用 − 上期医疗费用）÷ 上期医疗费用；上期无费用时为空", BOTH),
    Indicator("visit_growth", "QD-IND-14", "人次环比增长率", "比例",
              "（本期就诊人次 − 上期就诊人次）÷ 上期就诊人次；上期无就诊时为空", BOTH),
    Indicator("fund_share", "QD-IND-15", "统筹基金支付占比", "比例",
              "统筹基金支出（SETL_D.hifp_pay）÷ 医疗费用总额（SETL_D.medfee_sumamt）；无结算表时为空"),
)  # fmt: skip

BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}

# National statistical indicators (管理类 / 统计指标监测类) and what computes them.
ZB_COMPUTED: dict[str, str] = {i.code: i.id for i in INDICATORS if i.code.startswith("ZB")}
NOT_COMPUTED: dict[str, str] = {
    "ZB10000205007000": "院内感染发生率：需院内感染监测登记（感染病例、感染日期），国家提取表不含",
}


def for_level(level: str) -> tuple[Indicator, ...]:
    """The indicators computed at ``level`` (``institution`` or ``doctor``), in catalogue order."""
    return tuple(i for i in INDICATORS if level in i.levels)
