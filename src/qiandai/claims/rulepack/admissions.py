"""Admission patterns: frequent admissions of one person."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, text
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
        fee_ids=lines.bkkp_sn.collect(order_by=lines.bkkp_sn)
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
