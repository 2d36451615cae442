"""Shared-state decisions survive dropped connections (what a PostgreSQL restart does to the pools).

In process, no HTTP: every backend of the database is terminated (as a restart does) while the
runtime's pools hold several idle connections; the next decision — on the event-loop path and on the
synchronous path (the one that writes warnings) — is answered, not failed, and decided once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from scaleout_helpers import run_async, transfer
from sqlalchemy import create_engine, text

from databases import PostgresCluster
from qiandai.store.database import make_engine, session_factory
from qiandai.transfers.model import Transfer
from qiandai.transfers.runtime import TransferRuntime

pytestmark = pytest.mark.postgres


@pytest.fixture
def runtime(request: pytest.FixtureRequest) -> Iterator[tuple[TransferRuntime, str]]:
    cluster: PostgresCluster = request.getfixturevalue("_postgres_cluster")
    url = cluster.fresh_database()
    rt = TransferRuntime(session_factory(make_engine(url)), shared=True)
    yield rt, url
    rt.close()


def _terminate_all(url: str) -> int:
    """Terminate every other backend of the database (the pools' connections), as a restart does."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    return int(killed)


def _tx(tid: str, payer: str) -> Transfer:
    body: dict[str, Any] = transfer(tid, payer, "6228090000000001", datetime.now(UTC), device_id=f"d-{tid}")
    return Transfer.model_validate(body)


def test_event_loop_path_discards_every_dead_connection(runtime: tuple[TransferRuntime, str]) -> None:
    rt, url = runtime

    async def run() -> None:
        # four concurrent decisions leave four idle connections in the asyncio pool
        first = await asyncio.gather(*(rt.decide_async(_tx(f"A-{i}", f"62220900{i:08d}")) for i in range(4)))
        assert [a["duplicate"] for a in first] == [False] * 4
        assert len(rt.shared._async_pool._idle) == 4  # type: ignore[union-attr]
        assert _terminate_all(url) >= 4
        after = await rt.decide_async(_tx("A-9", "6222090000000009"))
        assert after["duplicate"] is False
        again = await rt.decide_async(_tx("A-9", "6222090000000009"))
        assert again["duplicate"] is True and again["decided_at"] == after["decided_at"]

    run_async(run())


def test_synchronous_path_reconnects_after_the_pool_was_dropped(runtime: tuple[TransferRuntime, str]) -> None:
    rt, url = runtime
    assert rt.decide(_tx("S-1", "6222091000000001"))["duplicate"] is False
    assert _terminate_all(url) >= 1
    after = rt.decide(_tx("S-2", "6222091000000002"))
    assert after["duplicate"] is False
    assert rt.decide(_tx("S-2", "6222091000000002"))["duplicate"] is True
