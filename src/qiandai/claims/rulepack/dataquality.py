"""Data-quality rules (信息数据监管类): amounts that do not add up, late uploads, malformed codes.

They read the ingested national tables directly (``ctx.raw``), because they judge columns that the
enriched tables do not carry. Thresholds are parameters with the defaults of docs/claims-rules.md.
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_number
from qiandai.claims.rulepack.base import NO_FEE_IDS, NO_KP, TEMPLATES, emit, money_text, sorted_collect, text
from qiandai.rules.model import RuleDefinition

# ICD-10 (national clinical version): a letter, two digits, optionally '.' and up to 8 more characters.
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.[0-9A-Za-z]{1,8})?$"
# ICD-9-CM-3 (national clinical version): two digits, '.', a digit, up to 7 more characters.
ICD9CM3_PATTERN = r"^[0-9]{2}\.[0-9][0-9A-Za-z]{0,7}$"


def _item_name(f: ir.Table) -> ir.StringValue:
    return f.hilist_name.fill_null(f.medins_list_name).fill_null(f.med_list_codg)


@TEMPLATES.register("fee_amount_mismatch")
def fee_amount_mismatch(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines whose det_item_fee_sumamt differs from cnt × pric by more than ``tolerance`` (0.005 yuan)."""
    tolerance = Decimal(str(rule.param("tolerance", "0.005")))
    f = ctx.raw("fee")
    diff = (f.det_item_fee_sumamt - f.cnt * f.pric).abs()
    f = f.mutate(diff=diff, fee_day=day_number(f.fee_ocur_time.date()), iname=_item_name(f))
    f = f.filter(f.diff > tolerance)
    g = f.group_by("mdtrt_id").aggregate(
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=f.diff.sum(),
        first_day=f.fee_day.min(),
        first_name=f.iname.min(),
    )
    evidence = (
        "「"
        + g.first_name
        + "」等"
        + text(g.fee_ids.length())
        + "条费用明细的明细总额与数量×单价不符，差额合计"
        + money_text(g.amount)
        + "元"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


@TEMPLATES.register("settlement_mismatch")
def settlement_mismatch(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A visit whose settlements' medfee_sumamt differs from the sum of its fee lines, or a settlement
    whose fund_pay_sumamt + psn_pay differs from its medfee_sumamt (both by more than ``tolerance``)."""
    tolerance = Decimal(str(rule.param("tolerance", "0.005")))
    s = ctx.raw("setl")
    parts_off = (
        s.fund_pay_sumamt.notnull()
        & s.psn_pay.notnull()
        & ((s.fund_pay_sumamt + s.psn_pay - s.medfee_sumamt).abs() > tolerance)
    )
    per_visit = (
        s.filter(s.medfee_sumamt.notnull())
        .group_by("mdtrt_id")
        .aggregate(setl_total=s.medfee_sumamt.sum(), parts_off=parts_off.any())
    )
    v = ctx.visits.select("mdtrt_id", "total_fee", "begn_day")
    j = per_visit.inner_join(v, "mdtrt_id")
    j = j.mutate(gap=(j.setl_total - j.total_fee).abs())
    j = j.filter((j.gap > tolerance) | j.parts_off)
    evidence = (
        "结算医疗费总额"
        + money_text(j.setl_total)
        + "元，费用明细合计"
        + money_text(j.total_fee)
        + "元"
        + ibis.cases((j.gap > tolerance, "，二者不符"), else_="")
        + ibis.cases((j.parts_off, "；基金支付与个人支付之和不等于医疗费总额"), else_="")
    )
    return emit(
        j,
        mdtrt_id=j.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=j.gap,
        evidence=evidence,
        event_day=j.begn_day,
    )


@TEMPLATES.register("late_upload")
def late_upload(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines uploaded (crte_time) more than ``max_hours`` (24) after they occurred (fee_ocur_time)."""
    max_hours = int(rule.param("max_hours", 24))
    f = ctx.raw("fee").filter(lambda t: t.crte_time.notnull())
    delay = f.crte_time.epoch_seconds() - f.fee_ocur_time.epoch_seconds()
    f = f.mutate(delay=delay, fee_day=day_number(f.fee_ocur_time.date()))
    f = f.filter(f.delay > max_hours * 3600)
    g = f.group_by("mdtrt_id").aggregate(
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=f.det_item_fee_sumamt.sum(),
        first_day=f.fee_day.min(),
        longest=f.delay.max(),
    )
    evidence = (
        text(g.fee_ids.length())
        + f"条费用明细在发生后超过{max_hours}小时才上传，最长延迟"
        + text((g.longest / 3600).round(1))
        + "小时（非实时上传）"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


@TEMPLATES.register("diagnosis_code_invalid")
def diagnosis_code_invalid(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Western-medicine diagnosis codes (diag_type NULL or '1', and dscg_maindiag_code) that are not
    ICD-10 shaped: a capital letter, two digits, optionally '.' and 1–8 letters or digits."""
    d = ctx.raw("diag")
    d = d.filter(d.diag_type.isnull() | (d.diag_type == "1")).select("mdtrt_id", code=d.diag_code)
    m = ctx.raw("mdtrt")
    m = m.filter(m.dscg_maindiag_code.notnull()).select("mdtrt_id", code=m.dscg_maindiag_code)
    both = d.union(m)
    bad = both.filter(~both.code.re_search(ICD10_PATTERN))
    bad = bad.group_by("mdtrt_id").aggregate(codes=sorted_collect(bad.code, distinct=True))
    v = ctx.visits.select("mdtrt_id", "begn_day")
    g = bad.inner_join(v, "mdtrt_id")
    evidence = "诊断编码 " + g.codes.join("、") + " 不符合ICD-10编码格式（疾病诊断编码异常）"
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=ibis.literal(0),
        evidence=evidence,
        event_day=g.begn_day,
    )


@TEMPLATES.register("operation_code_invalid")
def operation_code_invalid(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Operation codes that are not ICD-9-CM-3 shaped (``NN.N…``), or dated outside the stay."""
    o = ctx.raw("oprn")
    v = ctx.visits.select("mdtrt_id", "begn_day", "end_day")
    j = o.inner_join(v, "mdtrt_id")
    day = day_number(j.oprn_oprt_date.date())
    malformed = ~j.oprn_oprt_code.re_search(ICD9CM3_PATTERN)
    outside = j.oprn_oprt_date.notnull() & ((day < j.begn_day) | (j.end_day.notnull() & (day > j.end_day)))
    j = j.mutate(malformed=malformed, outside=outside).filter(lambda t: t.malformed | t.outside)
    g = j.group_by(["mdtrt_id", "begn_day"]).aggregate(
        codes=sorted_collect(j.oprn_oprt_code, distinct=True),
        malformed=j.malformed.any(),
        outside=j.outside.any(),
    )
    evidence = (
        "手术操作编码 "
        + g.codes.join("、")
        + ibis.cases((g.malformed, " 不符合ICD-9-CM-3编码格式"), else_="")
        + ibis.cases((g.outside, " 手术日期不在就诊期间"), else_="")
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=ibis.literal(0),
        evidence=evidence,
        event_day=g.begn_day,
    )
