"""Synthetic 进销存 tables (DRUG_PURCHASE_D, DRUG_SALE_D, DRUG_STOCK_D, DRUG_TRANSFER_D) with ground truth.

The world: up to :data:`MAX_INSTITUTIONS` institutions of the generated visits, :data:`DRUGS` drugs each,
monthly stock counts (the eve of the first visit's month, then every month end). Each period has one
purchase, a little consumption and a few sales (settled ones name a visit of the institution dated in
the period; some are split-pack sales below the pack ratio); the closing count is
``floor(opening + purchased − consumed − sold) − slack`` with ``slack ≥ 0``, so the background never
sells more than it had. The world is small and bounded (≤ 30 × 6 × 13 cells), so plain Python builds it.

Injected cases and hard negatives (``cases`` / ``hard`` per rule; docs/claims-stock-checkins.md):

- ``stock_reconciliation``: a settled sale of k ≥ 1 packs left out of the closing count (excess k);
  hard: the same sale accounted for, no split sales and slack 0 (excess exactly 0);
- ``stock_split_pack``: a settled split sale of ratio + j minimal units (j ≥ 1); hard: exactly ratio;
- ``stock_goods_as_drug``: a settled sale of a code the institution never purchased or counted;
  hard: a code whose only purchase is dated on the sale's date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qiandai.claims.findings import GROUND_TRUTH_SCHEMA

RULES: dict[str, str] = {
    "stock_reconciliation": "GZ10000202001000",
    "stock_split_pack": "GZ10000202001000",
    "stock_goods_as_drug": "QD-0201",
}
MAX_INSTITUTIONS = 30
DRUGS = (
    ("XJ01CAA040A001010100001", "阿莫西林胶囊", 24), ("XC09AAA020A001010100002", "卡托普利片", 100),
    ("XA10BAA020A001010100003", "盐酸二甲双胍片", 48), ("ZA04AAA0001010100004", "连花清瘟胶囊", 36),
    ("XN02BEA010A001010100005", "对乙酰氨基酚片", 20), ("XC10AAA050A001010100006", "阿托伐他汀钙片", 7),
)  # fmt: skip


@dataclass
class _Tables:
    """Rows of the four tables and the truth, as column lists."""

    purchase: list[dict[str, Any]] = field(default_factory=list)
    sale: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    transfer: list[dict[str, Any]] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)

    def add_sale(self, inst: str, drug: tuple[str, str], when: datetime, cnt: float, split: bool,
                 price: float, visit: tuple[str, str] | None) -> None:  # fmt: skip
        """One sale; settled (with the visit's mdtrt_id and psn_no) when ``visit`` is given."""
        row: dict[str, Any] = dict(
            sale_id=f"S{len(self.sale) + 1:08d}", fixmedins_code=inst, med_list_codg=drug[0]
        )
        row |= dict(drug_name=drug[1], sale_time=when, cnt=cnt, trdn_flag="1" if split else "0", pric=price)
        row |= dict(setl_flag="1" if visit else "0", mdtrt_id=visit[0] if visit else None)
        self.sale.append(row | dict(psn_no=visit[1] if visit else None))

    def add_purchase(self, inst: str, drug: tuple[str, str], day: date, cnt: float, ratio: float,
                     price: float) -> None:  # fmt: skip
        row: dict[str, Any] = dict(
            purchase_id=f"PU{len(self.purchase) + 1:08d}", fixmedins_code=inst, med_list_codg=drug[0]
        )
        row |= dict(drug_name=drug[1], batch_no=f"B{day:%Y%m}", purchase_date=day, cnt=cnt)
        self.purchase.append(row | dict(pack_ratio=ratio, pric=price, supplier="国药控股"))

    def add_transfer(self, inst: str, code: str, kind: str, day: date, cnt: float) -> None:
        row: dict[str, Any] = dict(
            transfer_id=f"T{len(self.transfer) + 1:08d}", fixmedins_code=inst, med_list_codg=code
        )
        row |= dict(transfer_type=kind, from_store="YK01" if kind == "1" else "YF01")
        self.transfer.append(row | dict(to_store="YF01" if kind == "1" else None, transfer_date=day, cnt=cnt))

    def add_count(self, inst: str, code: str, day: date, level: float) -> None:
        row: dict[str, Any] = dict(
            count_id=f"C{len(self.stock) + 1:08d}", fixmedins_code=inst, med_list_codg=code
        )
        self.stock.append(row | dict(store_code="YF01", count_date=day, stock_cnt=level))


def _month_ends(first: date, last: date) -> list[date]:
    ends = [date(first.year, first.month, 1) - timedelta(days=1)]
    while ends[-1] < last:
        nxt = ends[-1] + timedelta(days=1)
        ends.append(date(nxt.year + nxt.month // 12, nxt.month % 12 + 1, 1) - timedelta(days=1))
    return ends


def generate(
    mdtrt: pa.Table, rng: np.random.Generator, cases: int, hard: int
) -> tuple[dict[str, pa.Table], pa.Table]:
    """Return the four tables (national name → Arrow table) and their ground truth rows."""
    begin = mdtrt["begntime"].to_pylist()
    visits: dict[tuple[str, int], list[tuple[str, str, datetime]]] = {}
    ends = _month_ends(min(begin).date(), max(begin).date())
    period_of = {d: i for i in range(1, len(ends)) for d in _days(ends[i - 1], ends[i])}
    for vid, psn, inst, t in zip(mdtrt["mdtrt_id"].to_pylist(), mdtrt["psn_no"].to_pylist(),
                                 mdtrt["fixmedins_code"].to_pylist(), begin, strict=True):  # fmt: skip
        visits.setdefault((inst, period_of[t.date()]), []).append((vid, psn, t))
    insts = sorted(pc.unique(mdtrt["fixmedins_code"]).to_pylist())[:MAX_INSTITUTIONS]
    cells = [(i, d, p) for i in insts for d in range(len(DRUGS)) for p in range(1, len(ends))]
    order = rng.permutation(len(cells))
    # a planted cell bills one fresh visit of its institution and month: take cells in random order
    # while their (institution, month) still has a visit to spare (one stays for the goods cases)
    room = {key: len(found) - 1 for key, found in visits.items()}
    chosen: list[tuple[str, int, int]] = []
    for k in order.tolist():
        i, _, p = cells[k]
        if room.get((i, p), 0) > 0 and len(chosen) < 2 * (cases + hard):
            room[(i, p)] -= 1
            chosen.append(cells[k])
    # alternate, so that both rules get their share when a large run has fewer cells than cases
    recon = {c: n < cases for n, c in enumerate(chosen[0::2])}
    split = {c: n < cases for n, c in enumerate(chosen[1::2])}
    used: set[str] = set()

    def fresh_visit(inst: str, period: int) -> tuple[str, str, datetime] | None:
        for v in visits.get((inst, period), []):
            if v[0] not in used:
                used.add(v[0])
                return v
        return None

    t = _Tables()
    for inst in insts:
        for d, (code, name, ratio) in enumerate(DRUGS):
            level = float(rng.integers(20, 60))
            t.add_count(inst, code, ends[0], level)
            for p in range(1, len(ends)):
                cell, lo, hi = (inst, d, p), ends[p - 1] + timedelta(days=1), ends[p]
                price = round(float(rng.uniform(5, 80)), 2)
                bought = float(rng.integers(20, 60))
                t.add_purchase(
                    inst, (code, name), _pick(rng, lo, hi), bought, float(ratio), round(price * 0.8, 2)
                )
                used_packs = float(rng.integers(0, 3))
                if used_packs:
                    t.add_transfer(inst, code, "2", _pick(rng, lo, hi), used_packs)
                t.add_transfer(inst, code, "1", _pick(rng, lo, hi), bought)
                budget = 0.8 * (level + bought - used_packs)
                sold, plain = 0.0, cell in recon and not recon[cell]
                for _ in range(int(rng.integers(1, 5))):
                    v = _some_visit(rng, visits.get((inst, p), []))
                    loose = not plain and rng.random() < 0.3
                    cnt = float(rng.integers(1, ratio)) if loose else float(rng.integers(1, 4))
                    packs = cnt / ratio if loose else cnt
                    if sold + packs > budget:
                        break
                    when = v[2] if v else datetime.combine(_pick(rng, lo, hi), datetime.min.time())
                    unit_price = round(price / ratio, 2) if loose else price
                    t.add_sale(inst, (code, name), when, cnt, loose, unit_price, v[:2] if v else None)
                    sold += packs
                key = f"STOCK:{inst}:{code}:{hi.isoformat()}"
                extra = float(rng.integers(1, 4))
                if cell in split and (v := fresh_visit(inst, p)) is not None:
                    cnt = float(ratio + (rng.integers(1, ratio) if split[cell] else 0))
                    t.add_sale(inst, (code, name), v[2], cnt, True, round(price / ratio, 2), v[:2])
                    sold += cnt / ratio
                    _truth(t, split[cell], "stock_split_pack", v[0], v[1], f"拆零{cnt:g}，转换比{ratio}")
                if cell in recon and not recon[cell] and (v := fresh_visit(inst, p)) is not None:
                    t.add_sale(inst, (code, name), v[2], extra, False, price, v[:2])  # accounted: excess 0
                    sold += extra
                slack = 0.0 if cell in recon else float(rng.integers(0, 3))
                rest = math.floor(level + bought - used_packs - sold)  # ≥ 0: sales keep within budget
                level = float(rest - min(slack, rest))
                t.add_count(inst, code, hi, level)
                if cell in recon and recon[cell] and (v := fresh_visit(inst, p)) is not None:
                    t.add_sale(inst, (code, name), v[2], extra, False, price, v[:2])  # not in the count
                    _truth(t, True, "stock_reconciliation", key, None, f"超出{extra:g}包装")
    _goods(t, rng, insts, visits, fresh_visit, len(ends) - 1, cases, hard)
    tables = {
        "DRUG_PURCHASE_D": t.purchase, "DRUG_SALE_D": t.sale, "DRUG_STOCK_D": t.stock,
        "DRUG_TRANSFER_D": t.transfer,
    }  # fmt: skip
    return {name: _arrow(rows) for name, rows in tables.items()}, _truth_table(t.truth)


def _goods(t: _Tables, rng: np.random.Generator, insts: list[str], visits: dict[tuple[str, int], Any],
           fresh_visit: Any, periods: int, cases: int, hard: int) -> None:  # fmt: skip
    """Settled sales of never-stocked codes (cases) and of codes purchased on the sale date (hard)."""
    planted = 0
    for n in range(4 * (cases + hard)):
        if planted == cases + hard:
            break
        inst, p = insts[int(rng.integers(len(insts)))], int(rng.integers(1, periods + 1))
        v = fresh_visit(inst, p)
        if v is None:
            continue
        positive = planted < cases
        code, name = f"XG{n:04d}", "保健食品（以药品编码结算）" if positive else "新进药品"
        if not positive:
            t.add_purchase(inst, (code, name), v[2].date(), 10.0, 10.0, 8.0)
        t.add_sale(inst, (code, name), v[2], 2.0, False, 35.0, v[:2])
        _truth(t, positive, "stock_goods_as_drug", v[0], v[1], name)
        planted += 1


def _truth(t: _Tables, positive: bool, rule_id: str, key: str, psn: str | None, note: str) -> None:
    if positive:
        t.truth.append(dict(rule_code=RULES[rule_id], rule_id=rule_id, mdtrt_id=key, psn_no=psn,
                            fee_ids=[], note=note))  # fmt: skip


def _truth_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=GROUND_TRUTH_SCHEMA)


def _days(after: date, until: date) -> list[date]:
    return [after + timedelta(days=i) for i in range(1, (until - after).days + 1)]


def _pick(rng: np.random.Generator, lo: date, hi: date) -> date:
    return lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def _some_visit(
    rng: np.random.Generator, pool: list[tuple[str, str, datetime]]
) -> tuple[str, str, datetime] | None:
    if not pool or rng.random() < 0.2:
        return None
    return pool[int(rng.integers(len(pool)))]


def _arrow(rows: list[dict[str, Any]]) -> pa.Table:
    table = pa.Table.from_pylist(rows)
    decimals = [i for i, f in enumerate(table.schema) if pa.types.is_floating(f.type)]
    for i in decimals:
        table = table.set_column(i, table.schema[i].name, table.column(i).cast(pa.decimal128(18, 4)))
    return table
