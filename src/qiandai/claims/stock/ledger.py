"""The stock ledger: what an institution had of a drug between two stock counts, and what left it.

Conventions (docs/claims-stock-checkins.md):

- all quantities are *packs* (包装单位); a split-pack sale (``trdn_flag = '1'``) counts minimal units and
  is divided by the drug's pack ratio, the largest positive ``pack_ratio`` of the institution's purchases
  of that drug (a split sale of a drug without a known ratio is left out of the sums: it cannot be
  converted, and leaving it out can only lower the excess);
- the institution's stock on a count date is the sum of ``stock_cnt`` over its stores for that date,
  taken at the end of the day; a *period* runs from one count date ``d0`` (exclusive) to the next
  ``d1`` (inclusive), and movements dated in it belong to it;
- internal transfers (结转 药库→药房, 退库) do not change the institution's stock; consumption
  (``transfer_type = '2'``: ward use, breakage, destruction) leaves it like a sale.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from ibis import _

from qiandai.claims.context import day_number

KEY = ("fixmedins_code", "med_list_codg")
CONSUMPTION = "2"


def pack_ratios(purchase: ir.Table) -> ir.Table:
    """(fixmedins_code, med_list_codg, pack_ratio): the largest positive ratio purchased."""
    p = purchase.filter(purchase.pack_ratio > 0)
    return p.group_by(list(KEY)).aggregate(pack_ratio=p.pack_ratio.max().cast("float64"))


def sales_in_packs(sale: ir.Table, ratios: ir.Table) -> ir.Table:
    """Sales plus ``day`` (day number), ``pack_ratio``, ``packs``, ``settled`` and ``value`` (cnt × pric)."""
    s = sale.left_join(ratios, list(KEY)).drop("fixmedins_code_right", "med_list_codg_right")
    split = s.trdn_flag.fill_null("0") == "1"
    cnt = s.cnt.cast("float64")
    return s.mutate(
        day=day_number(s.sale_time.date()),
        packs=ibis.cases((split, cnt / s.pack_ratio), else_=cnt),
        value=(s.cnt * s.pric.fill_null(0)).cast("float64"),
        settled=s.setl_flag.fill_null("0") == "1",
    )


def stock_periods(stock: ir.Table) -> ir.Table:
    """One row per period: KEY, ``d0``, ``d1`` (day numbers), ``opening`` and ``closing`` stock in packs."""
    levels = stock.group_by([*KEY, "count_date"]).aggregate(level=stock.stock_cnt.sum().cast("float64"))
    levels = levels.mutate(day=day_number(levels.count_date))
    w = ibis.window(group_by=list(KEY), order_by=levels.day)
    p = levels.mutate(d0=levels.day.lag().over(w), opening=levels.level.lag().over(w))
    p = p.filter(p.d0.notnull())
    return p.select(*KEY, "d0", "opening", d1=p.day, closing=p.level)


def _in_period(periods: ir.Table, moves: ir.Table, day: str, **sums: ir.Deferred) -> ir.Table:
    """Sum ``moves`` per period over the rows dated in (d0, d1]; one row per period (0 when none)."""
    j = periods.left_join(
        moves,
        [
            periods.fixmedins_code == moves.fixmedins_code,
            periods.med_list_codg == moves.med_list_codg,
            moves[day] > periods.d0,
            moves[day] <= periods.d1,
        ],
    )
    return j.group_by([*KEY, "d1"]).aggregate(**sums)


def reconcile(purchase: ir.Table, sale: ir.Table, stock: ir.Table, transfer: ir.Table) -> ir.Table:
    """Per institution, drug and period: the stock equation and its ``excess`` (packs).

    Columns: KEY, d0, d1, opening, purchased, consumed, closing, sold (all sales), settled (settled
    sales), settled_value, excess = sold + consumed − (opening + purchased − closing).
    """
    periods = stock_periods(stock)
    buys = purchase.mutate(day=day_number(purchase.purchase_date), packs=purchase.cnt.cast("float64"))
    used = transfer.filter(transfer.transfer_type == CONSUMPTION)
    used = used.mutate(day=day_number(used.transfer_date), packs=used.cnt.cast("float64"))
    sold = sales_in_packs(sale, pack_ratios(purchase))
    parts = [
        _in_period(periods, buys, "day", purchased=_.packs.sum()),
        _in_period(periods, used, "day", consumed=_.packs.sum()),
        _in_period(
            periods,
            sold,
            "day",
            sold=_.packs.sum(),
            settled=_.packs.sum(where=_.settled),
            settled_value=_.value.sum(where=_.settled),
        ),
    ]
    r = periods
    for part in parts:
        r = r.left_join(part, [*KEY, "d1"]).drop("fixmedins_code_right", "med_list_codg_right", "d1_right")
    r = r.mutate(
        purchased=r.purchased.fill_null(0),
        consumed=r.consumed.fill_null(0),
        sold=r.sold.fill_null(0),
        settled=r.settled.fill_null(0),
        settled_value=r.settled_value.fill_null(0),
    )
    return r.mutate(excess=r.sold + r.consumed - (r.opening + r.purchased - r.closing))
