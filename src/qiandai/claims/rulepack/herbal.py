"""Herbal-piece rules (batch 11): pieces never payable, and pieces not payable on their own.

A *drug line* here is a line of 目录类别 ``list_type`` 101 / 102 (西药、中成药、中药饮片) or, where
list_type is missing, of 收费类别 09 / 10 / 11. A *prescription* is the visit's ``rx_drord_no``;
drug lines without one form one prescription per visit and fee date.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_number, day_to_date_text
from qiandai.claims.rulepack.base import TEMPLATES, emit, sorted_collect, text
from qiandai.rules.model import RuleDefinition


@TEMPLATES.register("excluded_item")
def excluded_item(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Every billed line (cnt > 0) of an item the fund never pays (单复方均不予支付).

    One finding per visit; lines: those lines; amount: their sum.
    """
    kb = ctx.knowledge(rule.knowledge or "herbal_excluded")
    f = ctx.fee.filter(ctx.fee.cnt > 0)
    f = f.inner_join(kb, f.item_code == kb.code)
    g = f.group_by("mdtrt_id").aggregate(
        kp_id=f.kp_id.min(),
        names=sorted_collect(f.name, distinct=True),
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=f.amount.sum(),
        first_day=f.fee_day.min(),
    )
    evidence = (
        "「"
        + g.names.join("、")
        + "」属单方、复方均不予支付的中药饮片，计费"
        + text(g.fee_ids.length())
        + "条（第十一批知识点）"
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


def _drug_lines(ctx: AuditContext) -> ir.Table:
    f = ctx.raw("fee")
    drug = ibis.cases(
        (f.list_type.notnull(), f.list_type.isin(("101", "102"))),
        else_=f.med_chrgitm_type.isin(("09", "10", "11")),
    )
    f = f.filter(drug.fill_null(False) & (f.cnt > 0))
    fee_day = day_number(f.fee_ocur_time.date())
    return f.select(
        "mdtrt_id",
        "bkkp_sn",
        item_code=f.hilist_code.fill_null(f.med_list_codg),
        amount=f.det_item_fee_sumamt,
        fee_day=fee_day,
        rx=f.rx_drord_no.fill_null("（无处方号）" + day_to_date_text(fee_day)),
    )


@TEMPLATES.register("single_use_prescription")
def single_use_prescription(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A prescription whose drug lines are all pieces not payable on their own (单方使用不予支付).

    A single listed piece, or several listed pieces with no other drug, hit; one other drug on the
    prescription (a non-listed piece, a patent or western medicine) makes it payable.
    Lines: the prescription's lines; amount: their sum.
    """
    kb = ctx.knowledge(rule.knowledge or "herbal_single")
    f = _drug_lines(ctx)
    listed = kb.select(l_code=kb.code, l_kp=kb.kp_id, l_name=kb.name)
    # only prescriptions holding a listed piece are aggregated (a small share of all drug lines)
    with_listed = f.semi_join(listed, f.item_code == listed.l_code).select(k_visit="mdtrt_id", k_rx="rx")
    with_listed = with_listed.distinct()
    f = f.semi_join(with_listed, [f.mdtrt_id == with_listed.k_visit, f.rx == with_listed.k_rx])
    f = f.left_join(listed, f.item_code == listed.l_code)
    per_rx = f.group_by(["mdtrt_id", "rx"]).aggregate(
        n_lines=f.count(),
        n_listed=f.l_code.count(),
        kp_id=f.l_kp.min(),
        names=sorted_collect(f.l_name, distinct=True),
        fee_ids=sorted_collect(f.bkkp_sn),
        amount=f.amount.sum(),
        first_day=f.fee_day.min(),
    )
    g = per_rx.filter((per_rx.n_listed > 0) & (per_rx.n_listed == per_rx.n_lines))
    evidence = (
        "处方 "
        + g.rx
        + " 仅由「"
        + g.names.join("、")
        + "」组成，该类饮片单独使用或全部由其组成的处方不予支付（第十一批知识点）"
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
