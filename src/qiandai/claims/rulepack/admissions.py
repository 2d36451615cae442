"""Admission patterns: frequent admissions of one person, and stays without any test (低标准入院)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, money_text, sorted_collect, text
from qiandai.claims.rulepack.stays import exempt_diagnosis
from qiandai.rules.model import RuleDefinition


@TEMPLATES.register("frequent_admission")
def frequent_admission(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Every inpatient admission of a person after the ``max_stays``-th (default 6) in a natural year,
    ordered by admission time then visit id; stays whose main diagnosis is in ``exempt_diagnoses``
    (periodic treatment: Z51 放化疗, Z49 透析准备, Z99.2 依赖透析, N18.5) are neither counted nor hit."""
    max_stays = int(rule.param("max_stays", 6))
    exempt = list(rule.param("exempt_diagnoses", ["Z51", "Z49", "Z99.2", "N18.5"]))
    v = ctx.visits.filter(ctx.visits.scene == "住院")
    v = v.filter(~exempt_diagnosis(v.diag_code.fill_null(""), exempt))
    v = v.mutate(year=v.begntime.year())
    w = ibis.window(group_by=["psn_no", "year"], order_by=[v.begntime, v.mdtrt_id])
    v = v.mutate(
        seq=ibis.row_number().over(w) + 1, total=v.count().over(ibis.window(group_by=["psn_no", "year"]))
    )
    hits = v.filter(v.seq > max_stays)
    f = ctx.fee.select("mdtrt_id", "bkkp_sn")
    lines = hits.left_join(f, "mdtrt_id")
    g = lines.group_by(["mdtrt_id", "year", "seq", "total", "total_fee", "begn_day"]).aggregate(
        fee_ids=sorted_collect(lines.bkkp_sn)
    )
    evidence = (
        "参保人"
        + text(g.year)
        + "年住院"
        + text(g.total)
        + f"次，超过{max_stays}次；本次为当年第"
        + text(g.seq)
        + "次入院"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.total_fee,
        evidence=evidence,
        event_day=g.begn_day,
    )


@TEMPLATES.register("low_standard_admission")
def low_standard_admission(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Discharged inpatient stays billed without any examination, laboratory test or operation.

    A stay hits when it has at least one fee line (cnt > 0), none of its lines (cnt > 0) is of a
    ``test_types`` charge type (default 03 检查费, 04 化验费, 06 手术费), it has no operation record
    (SETL_LIST_OPRN_D) and its main diagnosis is not in ``exempt_diagnoses`` (periodic treatment:
    Z51 放化疗, Z49 透析准备, Z99.2 依赖透析). Stays without a discharge time are not judged.
    Lines: all the stay's lines; amount: its total fees.
    """
    types = [str(t) for t in rule.param("test_types", ["03", "04", "06"])]
    exempt = list(rule.param("exempt_diagnoses", ["Z51", "Z49", "Z99.2"]))
    v = ctx.visits.filter((ctx.visits.scene == "住院") & ctx.visits.end_day.notnull())
    v = v.filter(~exempt_diagnosis(v.diag_code.fill_null(""), exempt))
    f = ctx.fee.filter(ctx.fee.cnt > 0)
    tested = f.filter(f.chrgitm_type.isin(types)).select(t_id="mdtrt_id").distinct()
    oprn = ctx.raw("oprn").select(o_id="mdtrt_id").distinct()
    v = v.anti_join(tested, v.mdtrt_id == tested.t_id).anti_join(oprn, v.mdtrt_id == oprn.o_id)
    lines = f.select(l_id="mdtrt_id", bkkp_sn="bkkp_sn")
    j = v.inner_join(lines, v.mdtrt_id == lines.l_id)
    g = j.group_by(["mdtrt_id", "begn_day", "end_day", "total_fee"]).aggregate(
        fee_ids=sorted_collect(j.bkkp_sn), n_lines=j.count()
    )
    evidence = (
        "住院"
        + text(g.end_day - g.begn_day)
        + "天（"
        + day_to_date_text(g.begn_day)
        + "至"
        + day_to_date_text(g.end_day)
        + "），"
        + text(g.n_lines)
        + "条费用明细合计"
        + money_text(g.total_fee)
        + "元，无任何检查、化验或手术项目，也无手术操作记录，疑似无指征（低标准）入院"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.total_fee,
        evidence=evidence,
        event_day=g.begn_day,
    )
