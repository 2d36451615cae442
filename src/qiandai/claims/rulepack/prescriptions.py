"""Prescription rules: supply days above the limit, too many drug kinds on one prescription.

Both judge drugs dispensed outside a stay (outpatient and pharmacy visits). A drug line is a line of
目录类别 ``list_type`` 101 (西药、中成药) or, where list_type is missing, of 收费类别 09 / 11.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_number
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, sorted_collect, text
from qiandai.claims.schema import INPATIENT_MED_TYPES
from qiandai.rules.model import RuleDefinition


def _drug_lines_outside_stays(ctx: AuditContext) -> ir.Table:
    f = ctx.raw("fee")
    western = ibis.cases(
        (f.list_type.notnull(), f.list_type == "101"), else_=f.med_chrgitm_type.isin(("09", "11"))
    )
    v = ctx.visits.filter(~ctx.visits.med_type.isin(INPATIENT_MED_TYPES)).select(v_id="mdtrt_id")
    f = f.filter(western.fill_null(False))
    f = f.inner_join(v, f.mdtrt_id == v.v_id)
    return f.mutate(
        item_code=f.hilist_code.fill_null(f.med_list_codg),
        iname=f.hilist_name.fill_null(f.medins_list_name).fill_null(f.med_list_codg),
        fee_day=day_number(f.fee_ocur_time.date()),
    )


@TEMPLATES.register("supply_days_limit")
def supply_days_limit(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Drug lines outside a stay whose prd_days (用药天数) exceeds ``max_days`` (default 30)."""
    max_days = int(rule.param("max_days", 30))
    f = _drug_lines_outside_stays(ctx).filter(lambda t: t.prd_days > max_days)
    g = f.group_by("mdtrt_id").aggregate(
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=f.det_item_fee_sumamt.sum(),
        first_day=f.fee_day.min(),
        first_name=f.iname.min(),
        longest=f.prd_days.max(),
    )
    evidence = (
        "「"
        + g.first_name
        + "」等"
        + text(g.fee_ids.length())
        + "条药品一次开药"
        + text(g.longest.cast("int64"))
        + f"天，超过最大开药天数{max_days}天"
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


@TEMPLATES.register("drug_kinds_limit")
def drug_kinds_limit(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A prescription (rx_drord_no) outside a stay with more than ``max_kinds`` (5) distinct drugs.

    Lines: the prescription's drug lines; amount: the lines of the drugs after the ``max_kinds``-th
    (drugs ranked by their first line's bkkp_sn).
    """
    max_kinds = int(rule.param("max_kinds", 5))
    f = _drug_lines_outside_stays(ctx).filter(lambda t: t.rx_drord_no.notnull())
    first = f.group_by(["mdtrt_id", "rx_drord_no", "item_code"]).aggregate(
        first_sn=f.bkkp_sn.min(), item_amount=f.det_item_fee_sumamt.sum()
    )
    w = ibis.window(group_by=["mdtrt_id", "rx_drord_no"], order_by=first.first_sn)
    first = first.mutate(rank=ibis.row_number().over(w) + 1)
    per_rx = first.group_by(["mdtrt_id", "rx_drord_no"]).aggregate(
        kinds=first.count(), excess=first.item_amount.sum(where=first["rank"] > max_kinds)
    )
    per_rx = per_rx.filter(per_rx.kinds > max_kinds)
    lines = per_rx.inner_join(f, ["mdtrt_id", "rx_drord_no"])
    g = lines.group_by(["mdtrt_id", "rx_drord_no", "kinds", "excess"]).aggregate(
        fee_ids=sorted_collect(lines.bkkp_sn), first_day=lines.fee_day.min()
    )
    evidence = "处方 " + g.rx_drord_no + " 开具药品" + text(g.kinds) + f"种，超过每张处方{max_kinds}种"
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.excess,
        evidence=evidence,
        event_day=g.first_day,
    )
