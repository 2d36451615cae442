"""Fixtures of the transfers tests: session factory, runtime, and an API app with personas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import make_api

from qiandai.store.database import make_engine, session_factory
from qiandai.transfers.runtime import TransferRuntime


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def runtime(factory: sessionmaker[Session]) -> Iterator[TransferRuntime]:
    rt = TransferRuntime(factory)
    yield rt
    rt.close()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = make_api(database_url)
    with TestClient(app) as c:
        yield c
    rt = getattr(app.state, "transfers", None)
    if rt is not None:
        rt.close()
    app.state.engine.dispose()
