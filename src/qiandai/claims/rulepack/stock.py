"""进销存 rules over the optional DRUG_*_D tables: stock reconciliation, split packs, goods without stock.

Findings of stock periods are not visits: their ``mdtrt_id`` is the synthetic key
``STOCK:<fixmedins_code>:<med_list_codg>:<closing count date YYYY-MM-DD>``. Sale findings use the
settled sale's ``mdtrt_id`` and ``SALE:<sale_id>`` when the sale names no visit. Only settled sales
(``setl_flag = '1'``) are judged: they are what the fund paid. Semantics: docs/claims-stock-checkins.md.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import NO_FEE_IDS, NO_KP, TEMPLATES, emit, money_text, text
from qiandai.claims.stock.ledger import KEY, pack_ratios, reconcile, sales_in_packs
from qiandai.rules.model import RuleDefinition


def _qty(value: ir.NumericValue) -> ir.StringValue:
    """A quantity for evidence: two decimals, trailing zeros kept (``12.50``)."""
    return value.round(2).cast("decimal(18, 2)").cast("string")


def _sale_key(t: ir.Table) -> ir.StringValue:
    return t.mdtrt_id.fill_null("SALE:" + t.sale_id)


def _drug(t: ir.Table) -> ir.StringValue:
    return "「" + t.drug_name.fill_null(t.med_list_codg) + "」（" + t.med_list_codg + "）"


@TEMPLATES.register("stock_reconciliation")
def stock_reconciliation(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Periods whose sales and consumption exceed opening + purchases − closing by more than
    ``tolerance`` packs (default 0.001) and that have settled sales.

    Amount: min(excess, settled packs) × the settled sales' mean value per pack.
    """
    tolerance = float(rule.param("tolerance", 0.001))
    r = reconcile(
        ctx.raw("drug_purchase"), ctx.raw("drug_sale"), ctx.raw("drug_stock"), ctx.raw("drug_transfer")
    )
    r = r.filter((r.excess > tolerance) & (r.settled > 0))
    names = ctx.raw("drug_sale").group_by(list(KEY)).aggregate(drug_name=ctx.raw("drug_sale").drug_name.max())
    r = r.left_join(names, list(KEY)).drop("fixmedins_code_right", "med_list_codg_right")
    over = ibis.least(r.excess, r.settled)
    evidence = (
        "盘存期"
        + day_to_date_text(r.d0 + 1)
        + "至"
        + day_to_date_text(r.d1)
        + _drug(r)
        + "：期初库存"
        + _qty(r.opening)
        + " + 采购入库"
        + _qty(r.purchased)
        + " − 期末库存"
        + _qty(r.closing)
        + " = "
        + _qty(r.opening + r.purchased - r.closing)
        + "（包装单位），而销售"
        + _qty(r.sold)
        + "（其中医保结算"
        + _qty(r.settled)
        + "）、消耗"
        + _qty(r.consumed)
        + "，超出"
        + _qty(r.excess)
        + "，疑似虚构销售或串换药品"
    )
    key = "STOCK:" + r.fixmedins_code + ":" + r.med_list_codg + ":" + day_to_date_text(r.d1)
    return emit(
        r,
        mdtrt_id=key,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=over * r.settled_value / r.settled,
        evidence=evidence,
        event_day=r.d1,
        fixmedins_code=r.fixmedins_code,
    )


def _settled_sales(ctx: AuditContext) -> ir.Table:
    s = sales_in_packs(ctx.raw("drug_sale"), pack_ratios(ctx.raw("drug_purchase")))
    return s.filter(s.settled)


def _per_key(s: ir.Table, reason: ir.StringValue) -> ir.Table:
    """One finding per sale key: amount = the sales' value, evidence = the first sale's ``reason``."""
    s = s.mutate(key=_sale_key(s), reason=reason)
    g = s.group_by("key").aggregate(
        amount=s.value.sum(),
        n=s.count(),
        first=s.reason.argmin(s.sale_time),
        day=s.day.min(),
        inst=s.fixmedins_code.max(),
    )
    evidence = g.first + ibis.cases((g.n > 1, "等" + text(g.n) + "笔销售"), else_="")
    return emit(g, mdtrt_id=g.key, kp_id=NO_KP, fee_ids=NO_FEE_IDS, amount=g.amount, evidence=evidence,
                event_day=g.day, fixmedins_code=g.inst)  # fmt: skip


@TEMPLATES.register("split_pack_sale")
def split_pack_sale(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Settled split-pack sales (``trdn_flag = '1'``) of more minimal units than the pack ratio.

    cnt = ratio does not hit (a whole pack sold loose), ratio + 1 does. Drugs without a known ratio are
    not judged. Amount: the sales' cnt × pric.
    """
    s = _settled_sales(ctx)
    s = s.filter((s.trdn_flag == "1") & s.pack_ratio.notnull() & (s.cnt.cast("float64") > s.pack_ratio))
    reason = (
        day_to_date_text(s.day)
        + "拆零销售"
        + _drug(s)
        + _qty(s.cnt)
        + "个最小单位，超过包装转换比"
        + _qty(s.pack_ratio)
        + "（销售ID "
        + s.sale_id
        + "），应按整包装销售"
    )
    return _per_key(s, reason)


@TEMPLATES.register("sale_without_stock")
def sale_without_stock(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Settled sales of a drug that the institution never stocked up to the sale date.

    *Stocked* = a purchase dated on or before the sale date, or a stock count with stock_cnt > 0 on or
    before it. Only institutions present in the purchase or stock tables are judged (the others supplied
    no 进销存 data). Reading: daily goods or unlisted items billed under a drug code.
    """
    purchase, stock = ctx.raw("drug_purchase"), ctx.raw("drug_stock")
    sources = purchase.select(*KEY, date=purchase.purchase_date).union(
        stock.filter(stock.stock_cnt > 0).select(*KEY, date=stock.count_date)
    )
    first = sources.group_by(list(KEY)).aggregate(first=sources.date.min())
    insts = purchase.select(inst=purchase.fixmedins_code).union(
        stock.select(inst=stock.fixmedins_code), distinct=True
    )
    s = _settled_sales(ctx)
    s = s.inner_join(insts, s.fixmedins_code == insts.inst)
    s = s.left_join(first, list(KEY)).drop("fixmedins_code_right", "med_list_codg_right")
    s = s.filter(s["first"].isnull() | (s["first"] > s.sale_time.date()))
    reason = (
        day_to_date_text(s.day)
        + "医保结算销售"
        + _drug(s)
        + _qty(s.cnt)
        + "，金额"
        + money_text(s.value)
        + "元，但本机构在销售日前无该药品的采购入库或库存（销售ID "
        + s.sale_id
        + "），疑似以药品编码结算日用品或目录外商品"
    )
    return _per_key(s, reason)
