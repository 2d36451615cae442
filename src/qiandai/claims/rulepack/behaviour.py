"""Behaviour rules: frequent visits or purchases, and fees after the insured person's death."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, group_lines, sorted_collect, text
from qiandai.rules.model import RuleDefinition


@TEMPLATES.register("frequent_visits")
def frequent_visits(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Every visit after the ``max_visits``-th of a person in a natural month (visits of ``med_types``,
    ordered by start time then visit id). Amount: the visit's fees; lines: the visit's lines."""
    max_visits = int(rule.param("max_visits", 8))
    med_types = tuple(rule.param("med_types", ["11"]))
    label = str(rule.param("label", "就诊"))
    v = ctx.visits.filter(ctx.visits.med_type.isin(med_types))
    v = v.mutate(month=v.begntime.truncate("M"))
    w = ibis.window(group_by=["psn_no", "month"], order_by=[v.begntime, v.mdtrt_id])
    v = v.mutate(
        seq=ibis.row_number().over(w) + 1, total=v.count().over(ibis.window(group_by=["psn_no", "month"]))
    )
    hits = v.filter(v.seq > max_visits)
    f = ctx.fee.select("mdtrt_id", "bkkp_sn")
    lines = hits.left_join(f, "mdtrt_id")
    g = lines.group_by(["mdtrt_id", "month", "seq", "total", "total_fee", "begn_day"]).aggregate(
        fee_ids=sorted_collect(lines.bkkp_sn)
    )
    evidence = (
        "参保人"
        + g.month.strftime("%Y年%m月")
        + label
        + text(g.total)
        + f"次，超过{max_visits}次；本次为当月第"
        + text(g.seq)
        + "次"
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


@TEMPLATES.register("fee_after_death")
def fee_after_death(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Fee lines dated after the person's death date (earliest ``die_date`` of their visits)."""
    f = ctx.fee.filter(ctx.fee.death_day.notnull() & (ctx.fee.fee_day > ctx.fee.death_day))
    g = group_lines(f, ["mdtrt_id", "death_day"])
    evidence = (
        "参保人已于"
        + day_to_date_text(g.death_day)
        + "死亡，其后于"
        + day_to_date_text(g.first_day)
        + "仍发生费用"
        + text(g.fee_ids.length())
        + "条"
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
