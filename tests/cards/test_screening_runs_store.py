"""Screening runs stored with their accounts and networks; 高 accounts published to RISK_ACCOUNT and
withdrawn when a later run clears them; hand-added entries untouched (SQLite and PostgreSQL)."""

from __future__ import annotations

from cards_helpers import frame, tx
from sqlalchemy.orm import Session, sessionmaker

from qiandai.cards import runs
from qiandai.store.database import unit_of_work
from qiandai.transfers import repository
from qiandai.transfers.lists import ListKind
from qiandai.transfers.runtime import TransferRuntime

GANG = {"device_id": "gang-dev", "ip": "gang-ip"}


def _mules(collector: str) -> list[dict[str, object]]:
    rows = []
    for i, amount in enumerate([6000.0, 9000.0]):
        rows.append(tx(f"V{collector}{i}", collector, amount, i * 60))
        rows.append(tx(collector, "MOVER1", amount * 0.95, i * 60 + 8, **GANG))
        rows.append(tx("MOVER1", "CASH1", amount * 0.9, i * 60 + 15, **GANG))
    rows.append(tx("GANG3", "SHOP", 10.0, 500, **GANG))
    return rows


def _risk(factory: sessionmaker[Session]) -> dict[str, tuple[str, str]]:
    with unit_of_work(factory) as s:
        return {e.value: (e.source, e.note) for e in repository.list_entries(s, ListKind.RISK_ACCOUNT)}


def test_run_is_stored_and_published_idempotently(factory: sessionmaker[Session]) -> None:
    data = frame([*_mules("COLL1"), tx("P1", "SHOP", 20.0, 3)])
    with unit_of_work(factory) as s:
        first = runs.run_and_store(s, frame=data, publish=True)
    high = first.result.high_accounts()
    assert {"COLL1", "MOVER1", "CASH1"} <= set(high)
    assert first.published == len(high) and first.withdrawn == 0
    listed = _risk(factory)
    assert set(listed) == set(high)
    assert listed["COLL1"] == (runs.SOURCE, f"筛查批次 {first.run_id}")
    with unit_of_work(factory) as s:
        run = runs.get_run(s, first.run_id)
        assert (run.high, run.published, run.transfers) == (len(high), len(high), len(data))
        stored = {a.account: a for a in runs.run_accounts(s, first.run_id, "高")}
        assert set(stored) == set(high)
        assert any("快进快出" in r for r in stored["COLL1"].reasons)
        assert stored["COLL1"].features["f_device_accounts"] == 3  # COLL1, MOVER1, GANG3
        nets = runs.run_networks(s, first.run_id)
        assert len(nets) == 1 and nets[0].size >= 4 and nets[0].links["edges"]
        again = runs.run_and_store(s, frame=data, publish=True)
    assert (again.published, again.withdrawn) == (0, 0)
    assert _risk(factory)["COLL1"][1] == f"筛查批次 {again.run_id}"


def test_later_run_withdraws_cleared_accounts_but_not_manual_entries(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        first = runs.run_and_store(s, frame=frame(_mules("COLL1")), publish=True)
        repository.add_list_entries(s, ListKind.RISK_ACCOUNT, ["MANUAL1"], "公安部下发", "")
    calm = frame([tx("COLL1", "SHOP", 30.0, 1), tx("P2", "SHOP", 40.0, 2)])
    with unit_of_work(factory) as s:
        later = runs.run_and_store(s, frame=calm, publish=True)
    assert later.published == 0 and later.withdrawn == len(first.result.high_accounts()) >= 3
    assert _risk(factory) == {"MANUAL1": ("公安部下发", "")}


def test_unpublished_run_changes_no_list(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        outcome = runs.run_and_store(s, frame=frame(_mules("COLL2")))
    assert outcome.published == 0 and _risk(factory) == {}


def test_published_accounts_reach_the_decision_engine(factory: sessionmaker[Session]) -> None:
    rt = TransferRuntime(factory)
    try:
        with unit_of_work(factory) as s:
            runs.run_and_store(s, frame=frame(_mules("COLL3")), publish=True)
            rt.reload_lists(s)
        assert rt.engine.lists.risk_account("COLL3")
        assert not rt.engine.lists.risk_account("SHOP")
    finally:
        rt.close()


def test_run_over_an_empty_store_is_an_empty_run(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        outcome = runs.run_and_store(s, publish=True)
        run = runs.get_run(s, outcome.run_id)
    assert (run.transfers, run.accounts, run.high, run.networks) == (0, 0, 0, 0)
    assert "已存储的转账" in run.source
