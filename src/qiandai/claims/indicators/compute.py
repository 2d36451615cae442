"""Indicator values per institution × period and per doctor × period (wide Ibis tables).

Contract: :func:`institution_wide` and :func:`doctor_wide` return one row per entity and period with the
*entity columns* (:data:`ENTITY_COLUMNS`) and one float64 column per indicator of the level
(:func:`catalog.for_level`). An indicator whose denominator is zero is NULL (a pharmacy has no average
stay), never zero. Growth compares with the entity's previous period (index − 1); NULL when that period
has no activity.

Institution type (机构类型) is inferred once over all periods: 药店 when the code starts with ``P``
(national pharmacy codes) or every visit is a pharmacy purchase (med_type 41); 医院 when it has inpatient
visits or a tier-2/3 ``hosp_lv``; otherwise 门诊机构 (clinics, community health centres).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.indicators.base import class_sums, tier_label
from qiandai.claims.indicators.catalog import DOCTOR, INSTITUTION, for_level

ENTITY_COLUMNS = (
    "level",
    "entity_id",
    "entity_name",
    "fixmedins_code",
    "fixmedins_name",
    "period_idx",
    "period",
    "inst_type",
    "tier",
    "region",
    "dept",
)
TIER_2_3_LEVELS = ("01", "02", "03", "04", "05", "06", "07")


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    num = num.fill_null(0).cast("float64")
    return ibis.cases((den > 0, num / den.cast("float64")), else_=ibis.null("float64"))


def _growth(cur: ir.NumericValue, prev: ir.NumericValue) -> ir.FloatingValue:
    return ibis.cases(
        (prev > 0, (cur.cast("float64") - prev.cast("float64")) / prev.cast("float64")),
        else_=ibis.null("float64"),
    )


def _shares(t: ir.Table) -> dict[str, ir.Value]:
    return {
        "drug_share": _ratio(t.drug_amt, t.fee),
        "lab_exam_share": _ratio(t.lab_amt, t.fee),
        "consumable_share": _ratio(t.cons_amt, t.fee),
        "treatment_share": _ratio(t.treat_amt, t.fee),
        "ct_share": _ratio(t.ct_amt, t.fee),
        "mri_share": _ratio(t.mri_amt, t.fee),
        "high_value_share": _ratio(t.high_amt, t.fee),
        "cost_per_visit": _ratio(t.fee, t.visits),
        "cost_per_person": _ratio(t.fee, t.persons),
        "visits_per_person": _ratio(t.visits, t.persons),
        "lines_per_visit": _ratio(t.lines, t.visits),
    }


def _with_growth(agg: ir.Table, keys: list[str]) -> ir.Table:
    prev = agg.select(
        *[agg[k].name(f"p_{k}") for k in keys],
        p_idx=agg.period_idx + 1,
        p_fee=agg.fee,
        p_visits=agg.visits,
    )
    cond = [agg[k] == prev[f"p_{k}"] for k in keys] + [agg.period_idx == prev.p_idx]
    j = agg.left_join(prev, cond)
    j = j.mutate(fee_growth=_growth(j.fee, j.p_fee), visit_growth=_growth(j.visits, j.p_visits))
    return j.drop(*[f"p_{k}" for k in keys], "p_idx", "p_fee", "p_visits")


def institution_types(base: ir.Table) -> ir.Table:
    """``fixmedins_code`` → ``inst_type`` (药店 / 医院 / 门诊机构), inferred over all periods."""
    b = base
    k = b.group_by("fixmedins_code").aggregate(
        n=b.count(),
        n_pharm=b.count(where=b.scene == "购药"),
        n_ip=b.count(where=b.is_ip),
        high_tier=b.hosp_lv.isin(TIER_2_3_LEVELS).fill_null(False).any(),
    )
    kind = ibis.cases(
        (k.fixmedins_code.startswith("P") | (k.n_pharm == k.n), "药店"),
        ((k.n_ip > 0) | k.high_tier, "医院"),
        else_="门诊机构",
    )
    return k.select(t_code=k.fixmedins_code, inst_type=kind)


def institution_wide(base: ir.Table, setl: ir.Table) -> ir.Table:
    """Institution × period indicators (see the module docstring)."""
    s = setl.group_by("mdtrt_id").aggregate(
        hifp=setl.hifp_pay.sum().cast("float64"), medfee=setl.medfee_sumamt.sum().cast("float64")
    )
    s = s.rename(s_id="mdtrt_id")
    b = base.left_join(s, base.mdtrt_id == s.s_id).drop("s_id")
    agg = b.group_by(["fixmedins_code", "period_idx"]).aggregate(
        fixmedins_name=b.fixmedins_name.max(),
        period=b.period.max(),
        hosp_lv=b.hosp_lv.max(),
        region=b.region.max(),
        visits=b.count(),
        persons=b.psn_no.nunique(),
        op_visits=b.count(where=b.is_op),
        op_fee=b.fee.sum(where=b.is_op),
        ip_visits=b.count(where=b.is_ip),
        ip_fee=b.fee.sum(where=b.is_ip),
        stay_sum=b.stay_days.sum(),
        stay_n=b.stay_days.count(),
        weekend=b.count(where=b.weekend_adm),
        night=b.count(where=b.night_adm),
        re_den=b.count(where=b.readmit_den),
        re31=b.count(where=b.readmit31),
        re15=b.count(where=b.readmit15),
        hifp=b.hifp.sum(),
        medfee=b.medfee.sum(),
        fee=b.fee.sum(),
        lines=b.lines.sum(),
        drug_amt=b.drug_amt.sum(),
        lab_amt=b.lab_amt.sum(),
        cons_amt=b.cons_amt.sum(),
        treat_amt=b.treat_amt.sum(),
        ct_amt=b.ct_amt.sum(),
        mri_amt=b.mri_amt.sum(),
        high_amt=b.high_amt.sum(),
    )
    agg = _with_growth(agg, ["fixmedins_code"])
    types = institution_types(base)
    agg = agg.left_join(types, agg.fixmedins_code == types.t_code).drop("t_code")
    values = {
        **_shares(agg),
        "readmit_31d_rate": _ratio(agg.re31, agg.re_den),
        "readmit_15d_rate": _ratio(agg.re15, agg.re_den),
        "op_cost_per_visit": _ratio(agg.op_fee, agg.op_visits),
        "ip_cost_per_admission": _ratio(agg.ip_fee, agg.ip_visits),
        "avg_stay_days": _ratio(agg.stay_sum, agg.stay_n),
        "weekend_admission_rate": _ratio(agg.weekend, agg.ip_visits),
        "night_admission_rate": _ratio(agg.night, agg.ip_visits),
        "admission_rate": _ratio(agg.ip_visits, agg.visits),
        "fund_share": _ratio(agg.hifp, agg.medfee),
        "fee_growth": agg.fee_growth,
        "visit_growth": agg.visit_growth,
    }
    ids = [i.id for i in for_level(INSTITUTION)]
    return agg.select(
        level=ibis.literal(INSTITUTION),
        entity_id=agg.fixmedins_code,
        entity_name=agg.fixmedins_name,
        fixmedins_code=agg.fixmedins_code,
        fixmedins_name=agg.fixmedins_name,
        period_idx=agg.period_idx,
        period=agg.period,
        inst_type=agg.inst_type,
        tier=tier_label(agg.hosp_lv),
        region=agg.region,
        dept=ibis.null("string"),
        visits=agg.visits,
        fee=agg.fee,
        **{i: values[i] for i in ids},
    )


def doctor_wide(base: ir.Table, lines: ir.Table) -> ir.Table:
    """Doctor × period indicators from fee lines that carry ``bilg_dr_code`` (empty when none do).

    A doctor is keyed by institution and doctor code; the visit's period and institution attributes come
    from the visit. ``dept`` is the department the doctor billed most lines in (ties: smallest code).
    """
    fl = lines.filter(lines.bilg_dr_code.notnull())
    types = institution_types(base)
    v = base.select(
        "mdtrt_id", "psn_no", "fixmedins_code", "fixmedins_name", "period_idx", "period", "hosp_lv", "region"
    ).rename(v_id="mdtrt_id")
    j = fl.inner_join(v, fl.mdtrt_id == v.v_id)
    keys = ["fixmedins_code", "bilg_dr_code", "period_idx"]
    dept_counts = j.group_by([*keys, "bilg_dept_codg"]).aggregate(n=j.count())
    w = ibis.window(group_by=keys, order_by=[ibis.desc(dept_counts.n), dept_counts.bilg_dept_codg])
    dept = dept_counts.mutate(rn=ibis.row_number().over(w)).filter(lambda t: t.rn == 0)
    dept = dept.select(d_code=dept.fixmedins_code, d_dr=dept.bilg_dr_code, d_idx=dept.period_idx,
                       dept=dept.bilg_dept_codg)  # fmt: skip
    agg = j.group_by(keys).aggregate(
        fixmedins_name=j.fixmedins_name.max(),
        period=j.period.max(),
        hosp_lv=j.hosp_lv.max(),
        region=j.region.max(),
        visits=j.mdtrt_id.nunique(),
        persons=j.psn_no.nunique(),
        **class_sums(j),
    )
    agg = _with_growth(agg, ["fixmedins_code", "bilg_dr_code"])
    agg = agg.left_join(types, agg.fixmedins_code == types.t_code).drop("t_code")
    agg = agg.left_join(
        dept,
        [agg.fixmedins_code == dept.d_code, agg.bilg_dr_code == dept.d_dr, agg.period_idx == dept.d_idx],
    ).drop("d_code", "d_dr", "d_idx")
    values = {**_shares(agg), "fee_growth": agg.fee_growth, "visit_growth": agg.visit_growth}
    ids = [i.id for i in for_level(DOCTOR)]
    return agg.select(
        level=ibis.literal(DOCTOR),
        entity_id=agg.bilg_dr_code,
        entity_name=agg.bilg_dr_code,
        fixmedins_code=agg.fixmedins_code,
        fixmedins_name=agg.fixmedins_name,
        period_idx=agg.period_idx,
        period=agg.period,
        inst_type=agg.inst_type,
        tier=tier_label(agg.hosp_lv),
        region=agg.region,
        dept=agg.dept,
        visits=agg.visits.cast("int64"),
        fee=agg.fee,
        **{i: values[i] for i in ids},
    )
