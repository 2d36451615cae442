"""Policy-limit rules: institution level, visit type, insurance type, and prices above the ceiling."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, group_lines, money_text, sorted_collect, text
from qiandai.claims.schema import MATERNITY_INSUTYPES, WORK_INJURY_INSUTYPES
from qiandai.domain.errors import RuleDefinitionError
from qiandai.rules.model import RuleDefinition

TIER_TEXT = {3: "三级", 2: "二级", 1: "一级", 0: "无等级"}
MATERNITY_MED_TYPES = ("51", "52")


def _tier_text(value: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(*[(value == k, v) for k, v in TIER_TEXT.items()], else_="未知等级")


@TEMPLATES.register("institution_level_item")
def institution_level_item(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Drugs limited to institutions of tier ≥ ``min_tier`` used at a lower (known) tier."""
    kb = ctx.knowledge(rule.knowledge or "drug_institution_level")
    f = ctx.fee.filter(ctx.fee.hosp_tier.notnull())
    f = f.inner_join(kb, f.item_code == kb.code)
    f = f.filter(f.hosp_tier < f.min_tier)
    g = group_lines(f, ["mdtrt_id", "kp_id", "name", "min_tier", "hosp_tier"])
    evidence = (
        "「"
        + g.name
        + "」限"
        + _tier_text(g.min_tier)
        + "及以上医疗机构使用，本机构为"
        + _tier_text(g.hosp_tier)
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=g.kp_id,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


@TEMPLATES.register("visit_type_item")
def visit_type_item(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Drugs limited to a scene (住院 / 门诊) used in a visit of another scene."""
    kb = ctx.knowledge(rule.knowledge or "drug_visit_type")
    f = ctx.fee.inner_join(kb, ctx.fee.item_code == kb.code)
    f = f.filter(f.scene != f.required_scene)
    g = group_lines(f, ["mdtrt_id", "kp_id", "name", "required_scene", "scene"])
    evidence = "「" + g.name + "」限" + g.required_scene + "使用，本次为" + g.scene + "就医"
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=g.kp_id,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


@TEMPLATES.register("insurance_restricted_item")
def insurance_restricted_item(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Drugs limited to work-injury (工伤: insutype 410) or maternity (生育: insutype 510 or med_type
    51/52) insurance used by a person or visit that does not qualify."""
    insurance = rule.param("insurance")
    kb = ctx.knowledge(rule.knowledge or "drug_work_injury")
    f = ctx.fee.inner_join(kb, ctx.fee.item_code == kb.code)
    if insurance == "工伤":
        qualifies = f.insutype.isin(WORK_INJURY_INSUTYPES)
    elif insurance == "生育":
        qualifies = f.insutype.isin(MATERNITY_INSUTYPES) | f.med_type.isin(MATERNITY_MED_TYPES)
    else:
        raise RuleDefinitionError(
            f"规则 {rule.rule_id} 的参数 insurance 只能是 工伤 或 生育，实际为 {insurance}"
        )
    f = f.filter(~qualifies.fill_null(False))
    g = group_lines(f, ["mdtrt_id", "kp_id", "name", "insutype"])
    evidence = "「" + g.name + f"」限{insurance}保险支付，参保人险种为" + g.insutype.fill_null("未知")
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=g.kp_id,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


@TEMPLATES.register("price_over_ceiling")
def price_over_ceiling(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Unit price above the line's ceiling (pric > pric_uplmt_amt > 0); amount = (pric − ceiling) × cnt.

    One finding per visit and item code.
    """
    f = ctx.fee.filter((ctx.fee.pric_uplmt_amt > 0) & (ctx.fee.pric > ctx.fee.pric_uplmt_amt))
    g = f.group_by(["mdtrt_id", "item_code", "item_name"]).aggregate(
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=((f.pric - f.pric_uplmt_amt) * f.cnt).sum(),
        first_day=f.fee_day.min(),
        top_price=f.pric.max(),
        ceiling=f.pric_uplmt_amt.min(),
    )
    evidence = (
        "「"
        + g.item_name
        + "」单价"
        + money_text(g.top_price)
        + "元，超过定价上限"
        + money_text(g.ceiling)
        + "元（"
        + text(g.fee_ids.length())
        + "条明细）"
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
