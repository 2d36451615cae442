"""The shared-state decision (one read statement after the locks): holds, duplicates and payment-page
checks behave as in the embedded engine; the decision endpoint's short token cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import payload, token, tx

from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.texts.merchants import Merchant, MerchantRegistry
from qiandai.transfers.hold_service import HoldInstruction
from qiandai.transfers.models import DecisionRow, WarningRow
from qiandai.transfers.payment_check import MerchantPageChecker
from qiandai.transfers.runtime import TransferRuntime

pytestmark = pytest.mark.postgres
PAYER = "6222020200001111"


def run_in_fresh_loop(coro: Any) -> Any:
    """``asyncio.run`` on a thread of its own: a browser test in the same worker process may have left
    Playwright's event loop marked as running on the main thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def shared(database_url: str) -> Iterator[TransferRuntime]:
    if not database_url.startswith("postgresql"):
        pytest.skip("shared state is PostgreSQL only")
    factory: sessionmaker[Session] = session_factory(make_engine(database_url))
    registry = MerchantRegistry({"M1": Merchant("M1", "商城", ("shop.example.cn",))})
    rt = TransferRuntime(factory, shared=True, page_checker=MerchantPageChecker(registry=registry))
    yield rt
    rt.close()


def test_shared_decisions_honour_holds_duplicates_and_orders(shared: TransferRuntime) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    first = shared.decide(tx(transfer_id="S-1", occurred_at=now.isoformat()), now=now)
    assert first["decision"] == "放行" and not first["duplicate"]
    again = shared.decide(tx(transfer_id="S-1", occurred_at=now.isoformat()), now=now)
    assert again["duplicate"] and again["decision"] == first["decision"]
    shared.apply_hold(
        HoldInstruction.model_validate(
            {
                "instruction_id": "H-1",
                "type": "stop_payment",
                "issuing_unit": "杭州市公安局",
                "document_ref": "杭公止〔2025〕1号",
                "issued_at": now.isoformat(),
                "account": PAYER,
            }
        ),
        now,
    )
    held = shared.decide(tx(transfer_id="S-2", occurred_at=now.isoformat()), now=now)
    assert held["decision"] == "拦截" and held["holds"] and "紧急止付" in held["reasons"][0]
    order = {
        "merchant_id": "M1",
        "order_id": "O-9",
        "steps": [{"name": "created", "at": (now - timedelta(hours=2)).isoformat()}],
        "page_url": "https://shop.example.cn/pay",
        "captcha_passed": True,
    }
    stale = shared.decide(
        tx(transfer_id="S-3", payer_account="6222020200003333", channel="online",
           occurred_at=now.isoformat(), payment_order=order),
        now=now,
    )  # fmt: skip
    assert stale["decision"] == "拦截" and any("订单已过期" in r for r in stale["reasons"])
    victim = shared.decide(
        tx(transfer_id="S-4", payer_account="6222020200004444", payee_account="6228480400009999",
           amount="90000", payer_age=75, on_call=True, occurred_at=now.isoformat()),
        now=now,
    )  # fmt: skip
    assert victim["likely_victim"], victim
    with unit_of_work(shared.factory) as s:  # the warning was committed with the decision
        warning = s.scalar(select(WarningRow).where(WarningRow.transfer_id == "S-4"))
        assert warning is not None and warning.level in ("高", "中")
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == 4


def test_decide_endpoint_caches_the_token_briefly(client: TestClient) -> None:
    h = token(client, "teller")
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    assert client.post("/api/transfers/decide", json=payload(occurred_at=now), headers=h).status_code == 200
    assert client.post("/api/auth/logout", headers=h).status_code == 204
    # the other endpoints refuse the token at once; /decide within the cache's few seconds
    assert client.get("/api/transfers/holds?account=6222020200001111", headers=h).status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert (
        client.post("/api/transfers/decide", json=payload(occurred_at=now), headers=forged).status_code == 401
    )
    grid = token(client, "grid_a")
    assert (
        client.post("/api/transfers/decide", json=payload(occurred_at=now), headers=grid).status_code == 403
    )


def test_the_event_loop_path_decides_as_the_thread_path(shared: TransferRuntime) -> None:
    """decide_async (the HTTP fast path's, asyncio psycopg): same answers, duplicates, holds and
    warnings; concurrent decisions on one loop keep one decision per id and exact velocity counts."""
    import asyncio

    now = datetime.now(UTC).replace(microsecond=0)
    at = now.isoformat()

    async def run() -> None:
        first = await shared.decide_async(tx(transfer_id="A-1", occurred_at=at))
        again = await shared.decide_async(tx(transfer_id="A-1", occurred_at=at))
        assert first["decision"] == "放行" and not first["duplicate"]
        assert again["duplicate"] and again["decision"] == first["decision"]
        # the same transfer id 12 times at once: one decision, every other answer a duplicate of it
        burst = await asyncio.gather(
            *(shared.decide_async(tx(transfer_id="A-2", payer_account="6222020200007777", occurred_at=at))
              for _ in range(12))
        )  # fmt: skip
        assert sum(not a["duplicate"] for a in burst) == 1
        assert len({(a["decision"], a["score"]) for a in burst}) == 1
        # 15 transfers of one payer at once: each sees exactly the ones committed before it
        await asyncio.gather(
            *(shared.decide_async(tx(transfer_id=f"V-{i}", payer_account="6222020200008888",
                                     payee_account=f"62284804000{i:05d}", amount="100", occurred_at=at))
              for i in range(15))
        )  # fmt: skip
        victim = await shared.decide_async(
            tx(transfer_id="A-4", payer_account="6222020200004444", payee_account="6228480400009999",
               amount="90000", payer_age=75, on_call=True, occurred_at=at)
        )  # fmt: skip
        assert victim["likely_victim"] and not victim["duplicate"], victim  # via the thread path

    run_in_fresh_loop(run())
    shared.apply_hold(
        HoldInstruction.model_validate(
            {"instruction_id": "H-9", "type": "stop_payment", "issuing_unit": "杭州市公安局",
             "document_ref": "杭公止〔2025〕9号", "issued_at": at, "account": PAYER}
        ),
        now,
    )  # fmt: skip
    held = run_in_fresh_loop(shared.decide_async(tx(transfer_id="A-5", occurred_at=at)))
    assert held["decision"] == "拦截" and "紧急止付" in held["reasons"][0]  # honoured at once
    with unit_of_work(shared.factory) as s:
        counts = sorted(
            r.features["payer_out_count_10m"]
            for r in s.scalars(select(DecisionRow).where(DecisionRow.payer_account == "6222020200008888"))
        )
        assert counts == list(range(15))
        assert (
            s.scalar(select(func.count()).select_from(DecisionRow).where(DecisionRow.transfer_id == "A-2"))
            == 1
        )
        assert s.scalar(select(WarningRow).where(WarningRow.transfer_id == "A-4")) is not None


def test_the_event_loop_path_recovers_from_dropped_connections(shared: TransferRuntime) -> None:
    """A database restart costs no decision: the dropped connection (and the idle ones) are discarded
    and the decision is retried once on a new connection (tests/scaleout/ does it under load)."""

    from sqlalchemy import text

    at = datetime.now(UTC).replace(microsecond=0).isoformat()

    async def run() -> None:
        assert not (await shared.decide_async(tx(transfer_id="R-1", occurred_at=at)))["duplicate"]
        with shared.factory() as s:  # the restart, as the pool's connections see it
            s.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        first = await shared.decide_async(tx(transfer_id="R-2", occurred_at=at))
        assert not first["duplicate"] and first["decision"] == "放行"
        again = await shared.decide_async(tx(transfer_id="R-2", occurred_at=at))  # a bank's retry
        assert again["duplicate"] and again["decision"] == "放行"

    run_in_fresh_loop(run())
