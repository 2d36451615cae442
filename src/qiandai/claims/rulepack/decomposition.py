"""医疗服务项目分解收费 (class 26): the parts of a service item billed on the day the whole item is billed.

The community table 规则_项目分解.csv lists, for a main item, the parts its content already includes
(颅内血肿清除术 → 脑内血肿清除 / 硬膜外血肿清除 …). Its codes are prefixes of the national 15-digit codes;
:func:`prefix_join` joins fee lines to prefixes of several lengths with one equi-join per length
(vectorised, no per-row Python).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow.compute as pc

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, sorted_collect
from qiandai.rules.model import RuleDefinition


def prefix_join(f: ir.Table, t: ir.Table, column: str, lengths: list[int]) -> ir.Table:
    """Lines of ``f`` joined to the rows of ``t`` whose ``column`` is a prefix of the line's item code."""
    parts = [
        f.inner_join(t.filter(t[column].length() == n), f.item_code.substr(0, n) == t[column])
        for n in lengths
    ]
    if not parts:
        return f.inner_join(t, ibis.literal(False))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


@TEMPLATES.register("decomposed_charge")
def decomposed_charge(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A part of a main item billed in the same visit on the same fee date as the main item.

    Lines (cnt > 0) match the main item by its prefix unless they also match one of that row's part
    prefixes (a part coded as a sub-code of the main item is a part, not the main item). One finding per
    visit, fee date and main item; lines: the part lines; amount: their sum.
    """
    name = rule.knowledge or "decomposition_rules"
    arrow = ctx.knowledge_loader(name)
    t = ctx.knowledge(name)

    def lengths(col: str) -> list[int]:
        return sorted(int(n) for n in pc.unique(pc.utf8_length(arrow[col])).to_pylist() if n)

    f = ctx.fee.filter(ctx.fee.cnt > 0).select(
        "mdtrt_id", "fee_day", "bkkp_sn", "item_code", "item_name", "amount"
    )
    parts = prefix_join(f, t, "part_prefix", lengths("part_prefix"))
    parts = parts.select("mdtrt_id", "fee_day", "bkkp_sn", "item_code", "item_name", "amount", "row_id",
                         "main_name", "part_name", "domain")  # fmt: skip
    mains_t = t.select("row_id", "main_prefix").distinct()
    mains = prefix_join(f, mains_t, "main_prefix", lengths("main_prefix"))
    mains = mains.select(
        m_visit="mdtrt_id", m_day="fee_day", m_sn="bkkp_sn", m_row="row_id", m_code="item_code"
    )
    as_part = parts.select(p_sn="bkkp_sn", p_row="row_id").distinct()
    mains = mains.anti_join(as_part, [mains.m_sn == as_part.p_sn, mains.m_row == as_part.p_row])
    whole = mains.group_by(["m_visit", "m_day", "m_row"]).aggregate(main_item=mains.m_code.min())
    j = parts.inner_join(
        whole, [parts.mdtrt_id == whole.m_visit, parts.fee_day == whole.m_day, parts.row_id == whole.m_row]
    )
    g = j.group_by(["mdtrt_id", "fee_day", "row_id"]).aggregate(
        main_name=j.main_name.max(),
        domain=j.domain.max(),
        items=sorted_collect(j.item_name, distinct=True),
        fee_ids=sorted_collect(j.bkkp_sn, distinct=True),
        amount=j.amount.sum(),
    )
    evidence = (
        day_to_date_text(g.fee_day)
        + "已收取「"
        + g.main_name
        + "」，又单独收取其内涵组成部分「"
        + g.items.join("」「")
        + "」（规则_项目分解："
        + g.domain
        + "），疑似分解收费"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.fee_day,
    )
