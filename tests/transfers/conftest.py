"""Fixtures of the transfers tests: session factory, runtime, and an API app with personas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import PASSWORD

from qiandai.api.app import create_app
from qiandai.api.auth import router as auth_router
from qiandai.api.transfers import router as transfers_router
from qiandai.api.transfers_warnings import router as warnings_router
from qiandai.identity import service
from qiandai.store.database import make_engine, session_factory, unit_of_work
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


def add_personas(factory: sessionmaker[Session]) -> None:
    """Bank teller, anti-fraud officer (Hangzhou), grid workers of two villages, an admin."""
    with unit_of_work(factory) as s:
        service.ensure_organisation(s, "GRID-A", "翠苑一村网格", "other", "330106")
        service.ensure_organisation(s, "GRID-B", "西溪村网格", "other", "330106")
        for name, roles, region, org in [
            ("teller", "bank", None, None),
            ("officer", "antifraud", "330100", None),
            ("officer_sz", "antifraud", "440300", None),
            ("grid_a", "grid", "330106", "GRID-A"),
            ("grid_b", "grid", "330106", "GRID-B"),
            ("admin", "admin", None, None),
        ]:
            service.create_user(
                s,
                username=name,
                password=PASSWORD,
                display_name=name,
                roles=roles,
                region_code=region,
                org_code=org,
            )


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(database_url)
    included = {getattr(r, "path", "") for r in app.routes}
    for router in (auth_router, transfers_router, warnings_router):
        if not any(getattr(r, "path", "") in included for r in router.routes):
            app.include_router(router)
    add_personas(app.state.session_factory)
    with TestClient(app) as c:
        yield c
    rt = getattr(app.state, "transfers", None)
    if rt is not None:
        rt.close()
    app.state.engine.dispose()
