"""Fixtures of the card-crackdown tests: a session factory and an API client with personas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cards_helpers import add_personas
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from qiandai.api.app import create_app
from qiandai.store.database import make_engine, session_factory


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(database_url)
    add_personas(app.state.session_factory)
    with TestClient(app) as c:
        yield c
    rt = getattr(app.state, "transfers", None)
    if rt is not None:
        rt.close()
    app.state.engine.dispose()
