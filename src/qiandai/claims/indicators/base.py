"""Per-visit and per-fee-line building blocks of the indicators (Ibis expressions, no rows in Python).

Contract:
- :func:`period_of` maps a timestamp to an integer period index and a label: natural month
  (``2025-03``), quarter (``2025Q1``), year (``2025``) or ``all`` (one period ``全部``). Consecutive
  periods have consecutive indices, so "the previous period" is ``index − 1``.
- :func:`fee_lines` classifies each fee line: amount (float yuan) and flags for drug, test/exam,
  consumable, treatment, CT, MRI and high-value lines (see ``docs/claims-indicators.md``).
- :func:`visit_base` returns one row per visit with the visit's period (by admission / visit start
  time), institution attributes, inpatient facts (stay days, weekend/night admission, readmission within
  15 and 31 days at the same institution) and the visit's fee sums by class.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from qiandai.claims.schema import HOSP_LEVEL_TIER

PERIODS = ("month", "quarter", "year", "all")
DRUG_CHRGITM = ("09", "10", "11")
DRUG_LIST_TYPES = ("101", "102")
LAB_EXAM_CHRGITM = ("03", "04")


@dataclass(frozen=True)
class IndicatorParams:
    """Parameters of the indicator computation (all have documented defaults)."""

    period: str = "month"
    ct_prefixes: tuple[str, ...] = ("002103",)  # 医疗服务项目分类：X线计算机体层（CT）扫描
    mri_prefixes: tuple[str, ...] = ("002102",)  # 磁共振扫描（MRI）
    high_value_price: float = 1000.0  # 元：单价达到此值的明细计入高值项目
    night_start_hour: int = 22  # 夜间入院：[22:00, 06:00)
    night_end_hour: int = 6
    min_peers: int = 5  # 同组有效机构少于此数时退到更粗的分组
    top_drivers: int = 3

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"期间须为 {'/'.join(PERIODS)} 之一：{self.period}")


def period_of(ts: ir.TimestampValue, period: str) -> tuple[ir.IntegerValue, ir.StringValue]:
    """(period index, label) of ``ts`` for the period kind ``period``."""
    year = ts.year().cast("int64")
    if period == "month":
        return year * 12 + ts.month().cast("int64") - 1, ts.strftime("%Y-%m")
    if period == "quarter":
        q = ts.quarter().cast("int64")
        return year * 4 + q - 1, year.cast("string") + "Q" + q.cast("string")
    if period == "year":
        return year, year.cast("string")
    return ibis.literal(0, "int64"), ibis.literal("全部")


def tier_label(hosp_lv: ir.StringValue) -> ir.StringValue:
    """三级 / 二级 / 一级 / 未定级 from ``hosp_lv``; 无等级 when the code is absent (pharmacies)."""
    names = {3: "三级", 2: "二级", 1: "一级", 0: "未定级"}
    cases = [(hosp_lv == code, names[tier]) for code, tier in HOSP_LEVEL_TIER.items()]
    return ibis.cases(*cases, else_="无等级")


def region_of(fix_blng_admdvs: ir.StringValue, fixmedins_code: ir.StringValue) -> ir.StringValue:
    """The institution's region: ``fix_blng_admdvs``, else the 6 digits after the code's letter
    (national codes are letter + 6-digit 区划 + sequence), else the code's first 6 characters."""
    national = fixmedins_code.re_search(r"^[A-Z][0-9]{11}$")
    from_code = ibis.cases((national, fixmedins_code.substr(1, 6)), else_=fixmedins_code.substr(0, 6))
    return fix_blng_admdvs.fill_null(from_code)


def _starts_with_any(code: ir.StringValue, prefixes: tuple[str, ...]) -> ir.BooleanValue:
    result: ir.BooleanValue = ibis.literal(False)
    for p in prefixes:
        result = result | code.startswith(p)
    return result.fill_null(False)


def fee_lines(fee: ir.Table, params: IndicatorParams) -> ir.Table:
    """One row per fee line: ids, doctor and department, amount (float) and class flags."""
    cat = fee.med_chrgitm_type
    lt = fee.list_type
    code = fee.hilist_code.fill_null(fee.med_list_codg)
    no_cat = cat.isnull()
    return fee.select(
        "mdtrt_id",
        "bilg_dr_code",
        "bilg_dept_codg",
        amount=fee.det_item_fee_sumamt.cast("float64"),
        is_drug=(cat.isin(DRUG_CHRGITM) | (no_cat & lt.isin(DRUG_LIST_TYPES))).fill_null(False),
        is_lab=cat.isin(LAB_EXAM_CHRGITM).fill_null(False),
        is_cons=((cat == "08") | (no_cat & (lt == "301"))).fill_null(False),
        is_treat=(cat == "05").fill_null(False),
        is_ct=_starts_with_any(code, params.ct_prefixes),
        is_mri=_starts_with_any(code, params.mri_prefixes),
        is_high=(fee.pric.cast("float64") >= params.high_value_price).fill_null(False),
    )


def class_sums(lines: ir.Table) -> dict[str, ir.Value]:
    """Aggregations shared by the visit and doctor levels: fee total, lines and amounts per class."""
    a = lines.amount
    return {
        "fee": a.sum(),
        "lines": lines.count(),
        "drug_amt": a.sum(where=lines.is_drug),
        "lab_amt": a.sum(where=lines.is_lab),
        "cons_amt": a.sum(where=lines.is_cons),
        "treat_amt": a.sum(where=lines.is_treat),
        "ct_amt": a.sum(where=lines.is_ct),
        "mri_amt": a.sum(where=lines.is_mri),
        "high_amt": a.sum(where=lines.is_high),
    }


def visit_base(visit_x: ir.Table, mdtrt: ir.Table, lines: ir.Table, params: IndicatorParams) -> ir.Table:
    """One row per visit (see the module docstring); ``visit_x`` is :func:`claims.context.build_visit_x`."""
    extra = mdtrt.select(
        v_id=mdtrt.mdtrt_id,
        hosp_lv=mdtrt.hosp_lv,
        region=region_of(mdtrt.fix_blng_admdvs, mdtrt.fixmedins_code),
        dscg_way=mdtrt.dscg_way,
    )
    v = visit_x.inner_join(extra, visit_x.mdtrt_id == extra.v_id).drop("v_id")
    idx, label = period_of(v.begntime, params.period)
    is_ip = v.scene == "住院"
    hour = v.begntime.hour()
    night = (hour >= params.night_start_hour) | (hour < params.night_end_hour)
    v = v.mutate(
        period_idx=idx,
        period=label,
        is_ip=is_ip,
        is_op=v.scene == "门诊",
        stay_days=ibis.cases(
            (is_ip & v.end_day.notnull(), ibis.greatest(v.end_day - v.begn_day, 1)), else_=ibis.null("int64")
        ),
        weekend_adm=is_ip & (v.begntime.day_of_week.index() >= 5),
        night_adm=is_ip & night,
    )
    v = _readmissions(v)
    sums = lines.group_by("mdtrt_id").aggregate(**class_sums(lines)).rename(s_id="mdtrt_id")
    v = v.left_join(sums, v.mdtrt_id == sums.s_id).drop("s_id")
    fill = ["fee", "drug_amt", "lab_amt", "cons_amt", "treat_amt", "ct_amt", "mri_amt", "high_amt"]
    return v.mutate(**{c: v[c].fill_null(0.0) for c in fill}, lines=v.lines.fill_null(0))


def _readmissions(v: ir.Table) -> ir.Table:
    """Flag inpatient stays followed by an admission of the same person at the same institution within
    0–15 / 0–31 days of discharge, not counting a transfer (the next stay names this one in
    ``refl_old_mdtrt_id``). Stays ending in death (``dscg_way`` 5) are excluded from the denominator."""
    ip = v.filter(v.is_ip & v.end_day.notnull())
    w = ibis.window(group_by=[ip.psn_no, ip.fixmedins_code], order_by=[ip.begntime, ip.mdtrt_id])
    nxt = ip.select(
        r_id=ip.mdtrt_id,
        next_begn=ip.begn_day.lead().over(w),
        next_refl=ip.refl_old_mdtrt_id.lead().over(w),
        end_day_r=ip.end_day,
    )
    gap = nxt.next_begn - nxt.end_day_r
    real = nxt.next_begn.notnull() & (nxt.next_refl.isnull() | (nxt.next_refl != nxt.r_id)) & (gap >= 0)
    nxt = nxt.select(
        "r_id", re31=(real & (gap <= 31)).fill_null(False), re15=(real & (gap <= 15)).fill_null(False)
    )
    v = v.left_join(nxt, v.mdtrt_id == nxt.r_id).drop("r_id")
    eligible = v.is_ip & v.end_day.notnull() & (v.dscg_way.fill_null("") != "5")
    return v.mutate(
        readmit_den=eligible,
        readmit31=eligible & v.re31.fill_null(False),
        readmit15=eligible & v.re15.fill_null(False),
    ).drop("re31", "re15")
