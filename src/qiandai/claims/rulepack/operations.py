"""Operation rules: an operation code that contradicts the patient's sex or the visit's diagnoses.

Both join the operations of ``SETL_LIST_OPRN_D`` to Qiandai's ICD-9-CM-3 category table
(``operation_rules``: two-digit category ranges with a sex and required diagnosis prefixes).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext
from qiandai.claims.rulepack.base import NO_FEE_IDS, NO_KP, TEMPLATES, emit, sorted_collect
from qiandai.rules.model import RuleDefinition

_GENDER = {"1": "男", "2": "女"}


def _gender_text(value: ir.StringValue) -> ir.StringValue:
    return ibis.cases(*[(value == k, v) for k, v in _GENDER.items()], else_="未知")


def _operations(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    o = ctx.raw("oprn")
    o = o.select("mdtrt_id", code=o.oprn_oprt_code, category=o.oprn_oprt_code.substr(0, 2))
    kb = ctx.knowledge(rule.knowledge or "operation_rules")
    return o.inner_join(kb, [o.category >= kb.category_from, o.category <= kb.category_to])


@TEMPLATES.register("operation_gender")
def operation_gender(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """An operation whose category is specific to the other sex than the patient's known gender."""
    o = _operations(ctx, rule).filter(lambda t: t.gender.isin(("1", "2")))
    v = ctx.visits.select("mdtrt_id", p_gender=ctx.visits.gender, begn_day=ctx.visits.begn_day)
    j = o.inner_join(v, "mdtrt_id")
    j = j.filter(j.p_gender.isin(("1", "2")) & (j.p_gender != j.gender))
    g = j.group_by(["mdtrt_id", "p_gender", "begn_day"]).aggregate(
        codes=sorted_collect(j.code, distinct=True), limit=j.gender.max(), note=j.note.max()
    )
    evidence = (
        "手术操作 "
        + g.codes.join("、")
        + "（"
        + g.note
        + "）仅适用于"
        + _gender_text(g.limit)
        + "性，参保人性别为"
        + _gender_text(g.p_gender)
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


@TEMPLATES.register("operation_diagnosis")
def operation_diagnosis(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """An operation whose category requires a diagnosis context (``diag_prefixes``) that none of the
    visit's diagnoses (diagnosis list or dscg_maindiag_code) has."""
    o = _operations(ctx, rule).filter(lambda t: t.diag_prefixes.notnull())
    # re_split, not split("|"): Spark's split() takes a regular expression, DuckDB's a literal.
    o = o.mutate(prefix=o.diag_prefixes.re_split(r"\|").unnest())
    d = ctx.diag.select("mdtrt_id", dcode=ctx.diag.diag_code.upper())
    m = ctx.visits.filter(ctx.visits.diag_code.notnull()).select("mdtrt_id", dcode=ctx.visits.diag_code)
    dx = d.union(m).rename(d_id="mdtrt_id")
    matched = o.inner_join(dx, [o.mdtrt_id == dx.d_id, dx.dcode.startswith(o.prefix)])
    ok = matched.select("mdtrt_id", "code").distinct().rename(ok_id="mdtrt_id", ok_code="code")
    o = o.left_join(ok, [o.mdtrt_id == ok.ok_id, o.code == ok.ok_code]).filter(lambda t: t.ok_id.isnull())
    v = ctx.visits.select("mdtrt_id", "begn_day")
    j = o.inner_join(v, "mdtrt_id")
    g = j.group_by(["mdtrt_id", "begn_day"]).aggregate(
        codes=sorted_collect(j.code, distinct=True), note=j.note.max()
    )
    evidence = "手术操作 " + g.codes.join("、") + "（" + g.note + "），但本次就诊无相应诊断"
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=ibis.literal(0),
        evidence=evidence,
        event_day=g.begn_day,
    )
