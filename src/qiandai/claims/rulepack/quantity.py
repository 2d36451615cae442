"""Quantity rules: per-day frequency (8-1), per-cycle frequency (8-4) and payable course days (6, 8-3)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import TEMPLATES, emit, group_lines, sorted_collect, text
from qiandai.domain.errors import RuleDefinitionError
from qiandai.rules.model import RuleDefinition


@TEMPLATES.register("daily_quantity_limit")
def daily_quantity_limit(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Per visit, item and fee date: sum(cnt) above the knowledge point's daily limit.

    The unit is what ``cnt`` counts: 日 (one per day, limit 1) or 小时 (hours, limit 24 per day).
    Lines: that day's lines of the item; amount: (sum − limit) × the highest unit price that day.
    """
    kb = ctx.knowledge(rule.knowledge or "item_frequency")
    f = ctx.fee.inner_join(kb, ctx.fee.item_code == kb.code)
    g = f.group_by(["mdtrt_id", "kp_id", "name", "unit", "max_count", "fee_day"]).aggregate(
        total=f.cnt.sum(),
        fee_ids=sorted_collect(f.bkkp_sn),
        top_price=f.pric.max(),
    )
    g = g.filter(g.total > g.max_count)
    evidence = (
        day_to_date_text(g.fee_day)
        + "「"
        + g.name
        + "」计费"
        + text(g.total.cast("decimal(18, 2)"))
        + ibis.cases((g.unit == "小时", "小时"), else_="次")
        + "，超过限定频次（单日不超过"
        + text(g.max_count)
        + ibis.cases((g.unit == "小时", "小时"), else_="次")
        + "）"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=g.kp_id,
        fee_ids=g.fee_ids,
        amount=(g.total - g.max_count) * g.top_price,
        evidence=evidence,
        event_day=g.fee_day,
    )


@TEMPLATES.register("cycle_quantity_limit")
def cycle_quantity_limit(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Per person and item: a line on day d hits when the item's units on days [d − (P − 1), d] exceed N.

    One finding per visit and knowledge point; lines: the hitting lines; amount: their sum.
    """
    kb = ctx.knowledge(rule.knowledge or "item_cycle")
    f = ctx.fee.inner_join(kb, ctx.fee.item_code == kb.code).select(
        "bkkp_sn",
        "mdtrt_id",
        "psn_no",
        "kp_id",
        "name",
        "max_count",
        "period_days",
        "fee_day",
        "cnt",
        "amount",
    )
    other = f.select(o_psn=f.psn_no, o_kp=f.kp_id, o_day=f.fee_day, o_cnt=f.cnt)
    j = f.inner_join(
        other,
        [
            f.psn_no == other.o_psn,
            f.kp_id == other.o_kp,
            other.o_day <= f.fee_day,
            other.o_day > f.fee_day - f.period_days,
        ],
    )
    per_line = j.group_by(
        ["bkkp_sn", "mdtrt_id", "kp_id", "name", "max_count", "period_days", "fee_day", "amount"]
    ).aggregate(in_window=j.o_cnt.sum())
    hits = per_line.filter(per_line.in_window > per_line.max_count)
    g = group_lines(
        hits,
        ["mdtrt_id", "kp_id", "name", "max_count", "period_days"],
        top=hits.in_window.max(),
    )
    evidence = (
        "「"
        + g.name
        + "」在"
        + text(g.period_days)
        + "天内计费"
        + text(g.top.cast("decimal(18, 2)"))
        + "次，超过周期限定（"
        + text(g.period_days)
        + "天内不超过"
        + text(g.max_count)
        + "次）；本次计费日期"
        + day_to_date_text(g.first_day)
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


@TEMPLATES.register("course_days_limit")
def course_days_limit(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Distinct days of use above ``max_days``: per visit (``per='visit'``) or per person and year.

    Lines on the days after the N-th distinct day hit; one finding per visit and knowledge point.
    """
    per = rule.param("per", "visit")
    kb = ctx.knowledge(rule.knowledge or "drug_course")
    f = ctx.fee.filter(ctx.fee.cnt > 0)
    f = f.inner_join(kb, f.item_code == kb.code)
    f = f.mutate(fee_year=f.fee_time.year())
    if per == "visit":
        scope = ["mdtrt_id", "kp_id"]
        scope_text = "单次就诊中"
    elif per == "person_year":
        scope = ["psn_no", "kp_id", "fee_year"]
        scope_text = "自然年内"
    else:
        raise RuleDefinitionError(f"规则 {rule.rule_id} 的参数 per 只能是 visit 或 person_year，实际为 {per}")
    ranked = f.mutate(day_rank=ibis.dense_rank().over(group_by=scope, order_by=f.fee_day) + 1)
    hits = ranked.filter(ranked.day_rank > ranked.max_days)
    g = group_lines(
        hits,
        ["mdtrt_id", "kp_id", "name", "max_days"],
        days=hits.day_rank.max(),
    )
    evidence = (
        "「"
        + g.name
        + "」"
        + scope_text
        + "使用"
        + text(g.days)
        + "天，超过限定支付天数"
        + text(g.max_days)
        + "天；超出部分自"
        + day_to_date_text(g.first_day)
        + "起"
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
