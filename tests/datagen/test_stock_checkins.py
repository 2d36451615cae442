"""The 进销存 and check-in generators: reproducible, with the planted counts and a clean ledger."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import ibis
import pyarrow.parquet as pq

from qiandai.claims.stock.ledger import reconcile
from qiandai.datagen import checkins, stock
from qiandai.datagen.claims import GenerationReport

EPOCH = date(1970, 1, 1)


def test_side_tables_are_written_with_their_truth(small: tuple[Path, GenerationReport]) -> None:
    folder, report = small
    for name in ("DRUG_PURCHASE_D", "DRUG_SALE_D", "DRUG_STOCK_D", "DRUG_TRANSFER_D", "CHECKIN_D"):
        assert report.tables[name] == pq.read_metadata(folder / f"{name}.parquet").num_rows > 0
    for rule_id in (*stock.RULES, *checkins.RULES):
        assert report.injected[rule_id] >= 25, rule_id


def test_background_never_sells_more_than_it_had(small: tuple[Path, GenerationReport]) -> None:
    """Every period whose key is not planted balances (the ledger of docs/claims-stock-checkins.md)."""
    folder, _ = small
    con = ibis.duckdb.connect()
    tables = [con.read_parquet(folder / f"{name}.parquet") for name in ("DRUG_PURCHASE_D", "DRUG_SALE_D")]
    tables += [con.read_parquet(folder / f"{name}.parquet") for name in ("DRUG_STOCK_D", "DRUG_TRANSFER_D")]
    ledger = con.to_pyarrow(reconcile(*tables)).to_pylist()
    planted = set(pq.read_table(folder / "ground_truth.parquet")["mdtrt_id"].to_pylist())
    assert len(ledger) > 1000
    keys = [
        f"STOCK:{r['fixmedins_code']}:{r['med_list_codg']}:{EPOCH + timedelta(days=r['d1'])}" for r in ledger
    ]
    unbalanced = [k for k, r in zip(keys, ledger, strict=True) if r["excess"] > 1e-9 and k not in planted]
    assert unbalanced == []
