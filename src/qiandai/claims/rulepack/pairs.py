"""Pair rules: item B billed together with item A that already includes it (重复收费, batch 7)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import TEMPLATES, emit, group_lines
from qiandai.rules.model import RuleDefinition

SIX_HOURS_SECONDS = 6 * 3600

WINDOW_PHRASE = {
    "单次就诊": "同一次就诊中",
    "单日": "同日",
    "6小时": "6小时内",
    "同一小时": "同一小时内",
}


@TEMPLATES.register("pair_in_window")
def pair_in_window(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Hit the B lines of a visit that have an A line of the same knowledge point within its window.

    Windows: 单次就诊 (same visit), 单日 (same fee date), 6小时 (|t(A) − t(B)| ≤ 6 h), 同一小时 (same
    clock hour). One finding per visit and knowledge point; amount = the B lines' sum.
    """
    pairs = ctx.knowledge(rule.knowledge or "duplicate_pairs")
    fee = ctx.fee.filter(ctx.fee.cnt > 0)
    a_codes = pairs.select(code=pairs.code_a).distinct()
    b_codes = pairs.select(code=pairs.code_b).distinct()
    a = fee.semi_join(a_codes, fee.item_code == a_codes.code).select(
        a_visit=fee.mdtrt_id,
        a_code=fee.item_code,
        a_time=fee.fee_time,
        a_day=fee.fee_day,
    )
    b = fee.semi_join(b_codes, fee.item_code == b_codes.code)
    pv = pairs.view()
    bp = b.inner_join(pv, b.item_code == pv.code_b)
    j = bp.inner_join(a, [bp.mdtrt_id == a.a_visit, bp.code_a == a.a_code])
    seconds_apart = (j.a_time.epoch_seconds() - j.fee_time.epoch_seconds()).abs()
    in_window = (
        (j.window == "单次就诊")
        | ((j.window == "单日") & (j.a_day == j.fee_day))
        | ((j.window == "6小时") & (seconds_apart <= SIX_HOURS_SECONDS))
        | ((j.window == "同一小时") & (j.a_time.truncate("h") == j.fee_time.truncate("h")))
    )
    hits = (
        j.filter(in_window)
        .select("mdtrt_id", "kp_id", "name_a", "name_b", "window", "note", "bkkp_sn", "amount", "fee_day")
        .distinct()
    )
    g = group_lines(hits, ["mdtrt_id", "kp_id", "name_a", "name_b", "window", "note"])
    phrase = ibis.cases(*[(g.window == k, v) for k, v in WINDOW_PHRASE.items()], else_="同时")
    note = ibis.cases((g.note.notnull() & (g.note != ""), "，前者" + g.note), else_="")
    evidence = (
        phrase
        + "收取「"
        + g.name_a
        + "」与「"
        + g.name_b
        + "」"
        + note
        + "，不得另收后者（"
        + day_to_date_text(g.first_day)
        + "起，第七批重复收费知识点）"
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
