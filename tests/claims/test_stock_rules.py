"""Hit / miss / boundary cases of the 进销存 rules: stock reconciliation, split packs, goods without stock."""

from __future__ import annotations

from typing import Any

import pytest
from harness import run_rule, visit

VISITS = [visit("V1", "2025-01-10 09:00", med_type="41"), visit("V2", "2025-01-11 09:00", med_type="41")]


def purchase(day: str = "2025-01-05", cnt: float = 10, code: str = "XA", **kw: Any) -> dict[str, Any]:
    row = dict(purchase_id=f"P-{code}-{day}", fixmedins_code="H1", med_list_codg=code, purchase_date=day)
    return row | dict(cnt=cnt, pack_ratio=10, pric=5) | kw


def count(day: str, level: float, code: str = "XA") -> dict[str, Any]:
    return dict(
        count_id=f"C-{code}-{day}", fixmedins_code="H1", med_list_codg=code, count_date=day, stock_cnt=level
    )


def sale(sale_id: str, cnt: float, *, split: bool = False, settled: bool = True, **kw: Any) -> dict[str, Any]:
    row = dict(
        sale_id=sale_id, fixmedins_code="H1", med_list_codg="XA", sale_time="2025-01-10 10:00", cnt=cnt
    )
    row |= dict(trdn_flag="1" if split else "0", pric=6, setl_flag="1" if settled else "0")
    return row | dict(mdtrt_id="V1" if settled else None) | kw


def run(rule_id: str, **tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return run_rule(rule_id, visits=VISITS, tables=tables)


# opening 5 + purchased 10 − closing 3 = 12 packs available in (2025-01-01, 2025-01-31]
STOCK = [count("2025-01-01", 5), count("2025-01-31", 3)]


@pytest.mark.parametrize(
    ("sales", "hits"),
    [
        ([sale("A", 12)], False),  # sold exactly what was available
        ([sale("A", 11), sale("B", 10, split=True)], False),  # 11 + 10/10 = 12 packs
        ([sale("A", 11), sale("B", 11, split=True)], True),  # one minimal unit over
        ([sale("A", 13)], True),
        ([sale("A", 13, settled=False)], False),  # nothing settled: no fund money at stake
    ],
)
def test_stock_reconciliation_boundary(sales: list[dict[str, Any]], hits: bool) -> None:
    found = run("stock_reconciliation", drug_purchase=[purchase()], drug_stock=STOCK, drug_sale=sales)
    assert [f["mdtrt_id"] for f in found] == (["STOCK:H1:XA:2025-01-31"] if hits else [])


def test_stock_reconciliation_counts_consumption_and_period_edges() -> None:
    used = [dict(transfer_id="T1", fixmedins_code="H1", med_list_codg="XA", transfer_type="2",
                 transfer_date="2025-01-20", cnt=1)]  # fmt: skip
    internal = [{**used[0], "transfer_id": "T2", "transfer_type": "1"}]
    sales = [sale("A", 12)]
    tables = dict(drug_purchase=[purchase()], drug_stock=STOCK, drug_sale=sales)
    hit = run("stock_reconciliation", **tables, drug_transfer=used)
    assert len(hit) == 1 and "超出1.00" in hit[0]["evidence"] and str(hit[0]["amount"]) == "6.00"
    assert run("stock_reconciliation", **tables, drug_transfer=internal) == []  # 结转 is internal
    # a purchase dated on the opening count date belongs to the previous period
    late = run(
        "stock_reconciliation", drug_purchase=[purchase("2025-01-01")], drug_stock=STOCK, drug_sale=sales
    )
    assert len(late) == 1


@pytest.mark.parametrize(
    ("cnt", "settled", "hits"), [(10, True, False), (11, True, True), (11, False, False)]
)
def test_split_pack_boundary(cnt: int, settled: bool, hits: bool) -> None:
    found = run(
        "stock_split_pack",
        drug_purchase=[purchase()],
        drug_sale=[sale("A", cnt, split=True, settled=settled)],
    )
    assert [f["mdtrt_id"] for f in found] == (["V1"] if hits else [])
    if hits:
        assert str(found[0]["amount"]) == "66.00" and "转换比10.00" in found[0]["evidence"]


def test_split_pack_needs_a_known_ratio_and_a_split_sale() -> None:
    assert (
        run(
            "stock_split_pack",
            drug_purchase=[purchase(pack_ratio=None)],
            drug_sale=[sale("A", 50, split=True)],
        )
        == []
    )
    assert run("stock_split_pack", drug_purchase=[purchase()], drug_sale=[sale("A", 50)]) == []


@pytest.mark.parametrize(
    ("purchase_day", "hits"),
    [("2025-01-10", False), ("2025-01-09", False), ("2025-01-11", True), (None, True)],
)
def test_goods_without_stock_boundary(purchase_day: str | None, hits: bool) -> None:
    bought = [purchase(code="XZ"), purchase("2025-02-01", code="XY")] + (
        [purchase(purchase_day)] if purchase_day else []
    )
    found = run("stock_goods_as_drug", drug_purchase=bought, drug_sale=[sale("A", 2)])
    assert [f["mdtrt_id"] for f in found] == (["V1"] if hits else [])
    if hits:  # one finding, not one per purchase row of the institution
        assert str(found[0]["amount"]) == "12.00" and "等" not in found[0]["evidence"]


def test_goods_without_stock_stock_count_and_unjudged_institutions() -> None:
    counted = run("stock_goods_as_drug", drug_stock=[count("2025-01-01", 4)], drug_sale=[sale("A", 2)])
    assert counted == []
    empty_count = run("stock_goods_as_drug", drug_stock=[count("2025-01-01", 0)], drug_sale=[sale("A", 2)])
    assert [f["mdtrt_id"] for f in empty_count] == ["V1"]
    # an institution with no purchase or stock rows supplied no 进销存 data: not judged
    other = run(
        "stock_goods_as_drug", drug_purchase=[purchase(fixmedins_code="H9")], drug_sale=[sale("A", 2)]
    )
    assert other == []
    unlinked = run("stock_goods_as_drug", drug_purchase=[purchase(code="XZ")],
                   drug_sale=[sale("A", 2, mdtrt_id=None)])  # fmt: skip
    assert [f["mdtrt_id"] for f in unlinked] == ["SALE:A"]
