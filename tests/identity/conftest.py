"""Fixtures of the identity tests: a migrated database with users, and an API client over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from identity_helpers import PASSWORD
from sqlalchemy.orm import Session, sessionmaker

from qiandai.api.app import create_app
from qiandai.api.auth import router as auth_router
from qiandai.api.identity import router as identity_router
from qiandai.identity import service
from qiandai.store.database import make_engine, session_factory, unit_of_work


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def users(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        service.create_user(s, username="admin", password=PASSWORD, display_name="管理员", roles="admin")
        service.create_user(
            s,
            username="auditor",
            password=PASSWORD,
            display_name="稽核员甲",
            roles="auditor",
            region_code="330100",
        )
        service.create_user(
            s,
            username="inst",
            password=PASSWORD,
            display_name="机构甲",
            roles="institution",
            region_code="330102",
            institution_code="H33010200001",
        )


@pytest.fixture
def client(database_url: str, users: None) -> Iterator[TestClient]:
    app = create_app(database_url)
    app.include_router(auth_router)
    app.include_router(identity_router)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()
