"""Shared PostgreSQL state: the same features as the embedded state, exact under concurrency."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import T0, tx

from qiandai.datagen.transfers import generate_transfers
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.transfers.engine import DecisionEngine
from qiandai.transfers.model import Transfer
from qiandai.transfers.models import DecisionRow
from qiandai.transfers.replay import _clean
from qiandai.transfers.runtime import TransferRuntime
from qiandai.transfers.scenario import ScenarioProgram, default_version
from qiandai.transfers.shared import SharedDecider
from qiandai.transfers.warnings import SlaPolicy

pytestmark = pytest.mark.postgres
MULE = "6217999900001111"


@pytest.fixture
def pg_factory(database_url: str) -> sessionmaker[Session]:
    if not database_url.startswith("postgresql"):
        pytest.skip("shared state is PostgreSQL only")
    return session_factory(make_engine(database_url, pool_size=10, max_overflow=10))


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    """Equal feature vectors; averages may differ in the last rounded cent (float summation order)."""
    if a.keys() != b.keys():
        return False
    for k, x in a.items():
        y = b[k]
        if isinstance(x, float | int) and isinstance(y, float | int) and not isinstance(x, bool):
            if not math.isclose(x, y, rel_tol=1e-3, abs_tol=0.011):
                return False
        elif x != y:
            return False
    return True


def _features(factory: sessionmaker[Session]) -> dict[str, dict[str, object]]:
    with unit_of_work(factory) as s:
        return {r.transfer_id: r.features for r in s.scalars(select(DecisionRow))}


def test_sql_features_equal_memory_features(pg_factory: sessionmaker[Session], tmp_path: Path) -> None:
    generate_transfers(tmp_path, customers=150, days=16, seed=5)
    frame = pd.read_parquet(tmp_path / "transfers.parquet").sort_values(["occurred_at", "transfer_id"])
    records = frame.head(1200).to_dict("records")
    transfers = [Transfer.model_validate(_clean({str(k): v for k, v in r.items()})) for r in records]
    program = ScenarioProgram.compile(default_version())
    memory = DecisionEngine(program)
    shared = SharedDecider(pg_factory, DecisionEngine(program), SlaPolicy())
    expected = {t.transfer_id: memory.decide(t).features for t in transfers}
    answers = {t.transfer_id: shared.decide(t, t.occurred_at) for t in transfers}
    stored = _features(pg_factory)
    for transfer_id, features in expected.items():
        assert _same(stored[transfer_id], features), transfer_id
        assert answers[transfer_id]["decision"] == memory.remembered(transfer_id).decision.value  # type: ignore[union-attr]


def test_velocity_is_exact_under_concurrency(pg_factory: sessionmaker[Session]) -> None:
    rt = TransferRuntime(pg_factory, shared=True)
    try:
        same_time = T0.isoformat()
        burst = [
            tx(transfer_id=f"c-{i}", payee_account=f"62170000{i:08d}", amount="100", occurred_at=same_time)
            for i in range(40)
        ]
        fan_in = [
            tx(
                transfer_id=f"f-{i}",
                payer_account=f"62220000{i:08d}",
                payee_account=MULE,
                occurred_at=same_time,
            )
            for i in range(40)
        ]
        dupes = [tx(transfer_id="same-id", amount="100", occurred_at=same_time) for _ in range(10)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda t: rt.decide(t, now=T0), burst + fan_in + dupes))
    finally:
        rt.close()
    stored = _features(pg_factory)
    counts = sorted(int(stored[f"c-{i}"]["payer_out_count_10m"]) for i in range(40))  # type: ignore[call-overload]
    assert counts == list(range(40))  # each decision saw exactly the decisions committed before it
    payers = sorted(int(stored[f"f-{i}"]["payee_distinct_payers_24h"]) for i in range(40))  # type: ignore[call-overload]
    assert payers == list(range(40))
    assert sum(not a["duplicate"] for a in answers[-10:]) == 1
    assert len({a["score"] for a in answers[-10:]}) == 1
