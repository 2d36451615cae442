"""Operations billed without the discount for the second and later operation (batch 2).

Batch 2 names the operation groups (胃肠手术组 …); the community table 规则_项目主次 gives the
discount rate (主次折率, 0.5 for every row shipped). Operations of one group billed in the same
visit on the same fee date are taken as one incision (the national tables carry no incision).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import MONEY, AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import TEMPLATES, emit, money_text, sorted_collect
from qiandai.rules.model import RuleDefinition

TOLERANCE = 0.005


@TEMPLATES.register("surgery_discount")
def surgery_discount(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines of the 2nd and later operations of a group and day billed above rate × price ceiling.

    Per visit, fee date and group, the distinct operations (cnt > 0, ``pric_uplmt_amt`` > 0) are
    ranked by their ceiling (highest first, then code): the first is the main operation, billed in
    full. A later one hits when ``pric`` > rate × ceiling + 0.005 (exactly the discounted price: no
    hit). Rate: 规则_项目主次 for the code, else ``default_rate`` (0.5). Amount: Σ (pric − rate ×
    ceiling) × cnt over the hit lines.
    """
    default_rate = float(rule.param("default_rate", 0.5))
    groups = ctx.knowledge(rule.knowledge or "surgery_groups")
    rates = ctx.knowledge("surgery_discount_rates")
    rates = rates.group_by("code").aggregate(rate=rates.rate.min()).rename(r_code="code")
    f = ctx.fee.filter((ctx.fee.cnt > 0) & (ctx.fee.pric_uplmt_amt > 0))
    f = f.inner_join(groups, f.item_code == groups.code)
    f = f.left_join(rates, f.item_code == rates.r_code)
    f = f.mutate(rate=f.rate.fill_null(default_rate), ceiling=f.pric_uplmt_amt.cast("float64"))
    ops = f.group_by(["mdtrt_id", "fee_day", "surgery_group", "item_code"]).aggregate(std=f.ceiling.max())
    w = ibis.window(
        group_by=[ops.mdtrt_id, ops.fee_day, ops.surgery_group],
        order_by=[ops.std.desc(), ops.item_code],
    )
    ops = ops.mutate(op_rank=ibis.row_number().over(w)).select(
        o_visit="mdtrt_id", o_day="fee_day", o_group="surgery_group", o_code="item_code", op_rank="op_rank"
    )
    j = f.inner_join(
        ops,
        [
            f.mdtrt_id == ops.o_visit,
            f.fee_day == ops.o_day,
            f.surgery_group == ops.o_group,
            f.item_code == ops.o_code,
        ],
    )
    j = j.filter((j.op_rank > 0) & (j.pric.cast("float64") > j.rate * j.ceiling + TOLERANCE))
    # Money in exact decimals (a float 551.795 rounds to .79 on DuckDB and .80 on Spark): the discounted
    # price at 4 decimals, then (price − discounted) × count; rounding to cents happens once, half up.
    discounted = (j.rate.cast("decimal(9, 4)") * j.pric_uplmt_amt).cast("decimal(18, 4)")
    j = j.mutate(excess=((j.pric - discounted) * j.cnt).cast("decimal(38, 8)"))
    g = j.group_by(["mdtrt_id", "surgery_group"]).aggregate(
        kp_id=j.kp_id.min(),
        name=j.name.min(),
        fee_ids=sorted_collect(j.bkkp_sn),
        amount=j.excess.sum(),
        pric=j.pric.max(),
        rate=j.rate.min(),
        first_day=j.fee_day.min(),
    )
    evidence = (
        day_to_date_text(g.first_day)
        + "同一手术组（"
        + g.surgery_group
        + "）的第二及以后手术「"
        + g.name
        + "」按"
        + money_text(g.pric)
        + "元全价收费，未按"
        + (g.rate * 100).round().cast("int64").cast("string")
        + "%折价计收"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=g.kp_id,
        fee_ids=g.fee_ids,
        amount=g.amount.cast(MONEY),
        evidence=evidence,
        event_day=g.first_day,
    )
