"""Antibiotic rules: special-use grade below the required institution tier, and prophylaxis that
runs on after an operation without an infection diagnosis.

Antibiotics are identified by the national drug code: ``XJ01`` (全身用抗菌药, ATC J01). Grades and
infection diagnoses come from Qiandai's own tables ``antibiotic_grades`` and ``infection_diagnoses``.
"""

from __future__ import annotations

import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_number, day_to_date_text
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, sorted_collect, text
from qiandai.claims.rulepack.indications import in_ranges, visit_diagnoses
from qiandai.rules.model import RuleDefinition

_TIER = {0: "未定级", 1: "一级", 2: "二级", 3: "三级"}


def _tier_text(tier: ir.IntegerValue) -> ir.StringValue:
    return tier.cases(*_TIER.items(), else_="未知")


@TEMPLATES.register("antibiotic_grade")
def antibiotic_grade(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines (cnt > 0) of a listed antibiotic class at an institution whose known tier is below
    ``min_tier`` of the class. Unknown tier (pharmacies, missing ``hosp_lv``) is not judged.
    One finding per visit; lines: those lines; amount: their sum.
    """
    grades = ctx.knowledge(rule.knowledge or "antibiotic_grades")
    f = ctx.fee.filter((ctx.fee.cnt > 0) & ctx.fee.hosp_tier.notnull())
    f = f.inner_join(grades, f.item_code.substr(0, 6) == grades.atc_prefix)
    f = f.filter(f.hosp_tier < f.min_tier)
    g = f.group_by(["mdtrt_id", "hosp_tier"]).aggregate(
        name=f.item_name.min(),
        grade=f.grade.max(),
        note=f.note.max(),
        min_tier=f.min_tier.max(),
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=f.amount.sum(),
        first_day=f.fee_day.min(),
    )
    evidence = (
        "「"
        + g.name
        + "」属"
        + g.grade
        + "抗菌药物（"
        + g.note
        + "），限"
        + _tier_text(g.min_tier)
        + "及以上医疗机构使用，本机构为"
        + _tier_text(g.hosp_tier)
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


@TEMPLATES.register("perioperative_antibiotic")
def perioperative_antibiotic(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Antibiotic lines of a stay dated more than ``max_days`` (2) days after its last operation,
    when no diagnosis of the visit is an infection.

    Last operation: the latest ``oprn_oprt_date`` of the visit. Day op + 2: no hit; op + 3: hit.
    Lines: those lines; amount: their sum.
    """
    prefix = str(rule.param("antibiotic_prefix", "XJ01"))
    max_days = int(rule.param("max_days", 2))
    oprn = ctx.raw("oprn").filter(lambda t: t.oprn_oprt_date.notnull())
    ops = oprn.group_by("mdtrt_id").aggregate(op_day=day_number(oprn.oprn_oprt_date.max().date()))
    ops = ops.rename(o_visit="mdtrt_id")
    infect = ctx.knowledge("infection_diagnoses")
    dx = visit_diagnoses(ctx)
    infected = dx.inner_join(infect, in_ranges(dx.code, infect.category_from, infect.category_to))
    infected = infected.select(i_visit="mdtrt_id").distinct()
    f = ctx.fee.filter((ctx.fee.cnt > 0) & (ctx.fee.scene == "住院") & ctx.fee.item_code.startswith(prefix))
    f = f.inner_join(ops, f.mdtrt_id == ops.o_visit)
    f = f.filter(f.fee_day > f.op_day + max_days)
    f = f.anti_join(infected, f.mdtrt_id == infected.i_visit)
    g = f.group_by(["mdtrt_id", "op_day"]).aggregate(
        name=f.item_name.min(),
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=f.amount.sum(),
        first_day=f.fee_day.min(),
        last_day=f.fee_day.max(),
    )
    evidence = (
        "末次手术（"
        + day_to_date_text(g.op_day)
        + "）后第"
        + text(g.last_day - g.op_day)
        + "天仍使用抗菌药物「"
        + g.name
        + f"」等，超过围手术期预防用药{max_days}天，且无感染相关诊断"
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
