"""A served worker is ready before its first decision; the decision path's token check is single-flight
and refreshed ahead, so neither start-up nor cache expiry makes a burst of live requests wait."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from test_shared_hot_path import run_in_fresh_loop
from tx_helpers import PASSWORD, add_personas, payload

from qiandai.api.app import create_app
from qiandai.api.transfers import _PrincipalCache
from qiandai.domain.errors import AuthenticationError
from qiandai.identity import service
from qiandai.identity.principal import Principal
from qiandai.store.database import make_engine, session_factory, unit_of_work


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    f = session_factory(engine)
    add_personas(f)
    yield f
    engine.dispose()


def test_a_served_app_starts_its_runtime_and_connections_before_the_first_request(
    database_url: str, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = database_url.startswith("postgresql")
    monkeypatch.setenv("QIANDAI_TRANSFER_STATE", "postgres" if shared else "embedded")
    app = create_app(database_url, warm_transfers=True)
    with TestClient(app) as client:
        rt = app.state.transfers  # created by the start-up, not by a request
        if shared:
            pool = rt.shared._async_pool
            assert len(pool._idle) == pool.size > 0  # every connection opened and primed
        login = client.post("/api/auth/login", json={"username": "teller", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        r = client.post("/api/transfers/decide", json=payload(occurred_at=now), headers=headers)
        assert r.status_code == 200 and r.json()["decision"] == "放行"
        assert app.state.transfers is rt
    rt.close()


def test_an_unserved_app_starts_its_runtime_lazily(database_url: str) -> None:
    app = create_app(database_url)
    with TestClient(app):
        assert getattr(app.state, "transfers", None) is None
    app.state.engine.dispose()


class _CountingCache(_PrincipalCache):
    """The real cache and database look-up, counting (and slowing) the look-ups."""

    def __init__(self, ttl: float) -> None:
        super().__init__(ttl=ttl)
        self.lookups = 0
        self._count_lock = threading.Lock()

    def load(self, token: str, factory: sessionmaker[Session]) -> Principal:
        with self._count_lock:
            self.lookups += 1
        time.sleep(0.05)  # a burst of requests arrives while the look-up runs
        return super().load(token, factory)


def test_token_lookups_are_single_flight_refreshed_ahead_and_evicted_on_logout(
    factory: sessionmaker[Session],
) -> None:
    with unit_of_work(factory) as s:
        token, _ = service.login(s, "teller", PASSWORD)
    cache = _CountingCache(ttl=1.0)
    pool = ThreadPoolExecutor(max_workers=4)

    async def scenario() -> None:
        burst = await asyncio.gather(*(cache.principal_async(token, factory, pool) for _ in range(20)))
        assert {p.username for p in burst} == {"teller"}
        assert cache.lookups == 1  # twenty requests, one database look-up

        await asyncio.sleep(0.6)  # second half of the entry's life
        started = time.monotonic()
        assert (await cache.principal_async(token, factory, pool)).username == "teller"
        assert time.monotonic() - started < 0.04  # answered from the cache, not after the look-up
        await asyncio.sleep(0.2)
        assert cache.lookups == 2  # one background re-check, entry renewed

        with unit_of_work(factory) as s:
            service.logout(s, token)
        await asyncio.sleep(0.6)
        await cache.principal_async(token, factory, pool)  # still cached; starts the re-check
        await asyncio.sleep(0.2)
        with pytest.raises(AuthenticationError):  # the re-check found the token revoked: evicted
            await cache.principal_async(token, factory, pool)

    try:
        run_in_fresh_loop(scenario())
    finally:
        pool.shutdown()
