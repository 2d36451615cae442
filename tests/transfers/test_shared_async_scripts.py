"""The event-loop decision path (two scripts over per-connection prepared statements) computes the same
features as the in-memory engine and stays exact when many decisions on the same keys run at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from test_shared_hot_path import run_in_fresh_loop
from test_shared_state import MULE, _features, _same
from tx_helpers import T0, tx

from qiandai.datagen.transfers import generate_transfers
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.transfers.engine import DecisionEngine
from qiandai.transfers.model import Transfer
from qiandai.transfers.models import DecisionRow
from qiandai.transfers.replay import _clean
from qiandai.transfers.scenario import ScenarioProgram, default_version
from qiandai.transfers.shared import SharedDecider
from qiandai.transfers.warnings import SlaPolicy

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_factory(database_url: str) -> sessionmaker[Session]:
    if not database_url.startswith("postgresql"):
        pytest.skip("shared state is PostgreSQL only")
    return session_factory(make_engine(database_url, pool_size=10, max_overflow=0))


def test_event_loop_features_equal_memory_features(pg_factory: sessionmaker[Session], tmp_path: Path) -> None:
    generate_transfers(tmp_path, customers=120, days=12, seed=11)
    frame = pd.read_parquet(tmp_path / "transfers.parquet").sort_values(["occurred_at", "transfer_id"])
    records = frame.head(600).to_dict("records")
    transfers = [Transfer.model_validate(_clean({str(k): v for k, v in r.items()})) for r in records]
    program = ScenarioProgram.compile(default_version())
    memory = DecisionEngine(program)
    shared = SharedDecider(pg_factory, DecisionEngine(program), SlaPolicy())
    expected = {t.transfer_id: memory.decide(t).features for t in transfers}

    async def decide_all() -> dict[str, dict[str, object]]:
        loop, out = asyncio.get_running_loop(), {}
        for t in transfers:  # a decision that writes a warning goes through the thread path, as live
            answer = await shared.decide_async(t, t.occurred_at)
            if answer is None:
                answer = await loop.run_in_executor(None, shared.decide, t, t.occurred_at)
            out[t.transfer_id] = answer
        return out

    try:
        answers = run_in_fresh_loop(decide_all())
    finally:
        shared.close()
    stored = _features(pg_factory)
    assert len(stored) == len(transfers)
    for transfer_id, features in expected.items():
        assert _same(stored[transfer_id], features), transfer_id
        remembered = memory.remembered(transfer_id)
        assert remembered is not None
        assert answers[transfer_id]["decision"] == remembered.decision.value


def test_event_loop_velocity_is_exact_under_concurrency(pg_factory: sessionmaker[Session]) -> None:
    program = ScenarioProgram.compile(default_version())
    shared = SharedDecider(pg_factory, DecisionEngine(program), SlaPolicy())
    same_time = T0.isoformat()
    burst = [
        tx(transfer_id=f"a-{i}", payee_account=f"62170000{i:08d}", amount="100", occurred_at=same_time)
        for i in range(40)
    ]
    fan_in = [
        tx(transfer_id=f"g-{i}", payer_account=f"62220000{i:08d}", payee_account=MULE, occurred_at=same_time)
        for i in range(40)
    ]
    dupes = [tx(transfer_id="dup-id", amount="100", occurred_at=same_time) for _ in range(10)]

    async def one(t: Transfer) -> dict[str, object]:
        answer = await shared.decide_async(t, T0)
        if answer is None:  # needs a warning: decided again, with the warning, on the thread path
            answer = await asyncio.get_running_loop().run_in_executor(None, shared.decide, t, T0)
        return answer

    async def all_at_once() -> list[dict[str, object]]:
        return list(await asyncio.gather(*(one(t) for t in burst + fan_in + dupes)))

    try:
        answers = run_in_fresh_loop(all_at_once())
    finally:
        shared.close()
    stored = _features(pg_factory)
    counts = sorted(int(stored[f"a-{i}"]["payer_out_count_10m"]) for i in range(40))  # type: ignore[call-overload]
    assert counts == list(range(40))  # each decision saw exactly the decisions committed before it
    payers = sorted(int(stored[f"g-{i}"]["payee_distinct_payers_24h"]) for i in range(40))  # type: ignore[call-overload]
    assert payers == list(range(40))
    assert sum(not a["duplicate"] for a in answers[-10:]) == 1
    with unit_of_work(pg_factory) as s:
        assert s.scalar(select(func.count()).where(DecisionRow.transfer_id == "dup-id")) == 1
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == 81
