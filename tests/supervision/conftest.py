"""Persona fixtures of the supervision tests (each test runs on SQLite and PostgreSQL).

Personas (password :data:`sv_helpers.PASSWORD`): admin (national), auditor, reviewer, leader, intake,
expert (Hangzhou, region 330100), inst_a / inst_b (institution users of A and B), and outsider (a
reviewer of Nanjing, 320100) for cross-scope 404s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from sv_helpers import INST_A, INST_B, PASSWORD, write_audit

from qiandai.api.app import create_app
from qiandai.api.supervision import routers
from qiandai.identity import Principal, service
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.supervision.repository import ScopedRepository

PERSONAS = {
    "admin": ("管理员", "admin", None, None),
    "auditor": ("稽核员李", "auditor", "330100", None),
    "reviewer": ("审核员王", "reviewer", "330100", None),
    "leader": ("局长赵", "leader", "330100", None),
    "intake": ("受理员陈", "intake", "330100", None),
    "expert": ("专家周", "expert", "330100", None),
    "inst_a": ("上城人民医院医保办", "institution", "330102", INST_A),
    "inst_b": ("米市巷社区医保员", "institution", "330105", INST_B),
    "outsider": ("南京审核员", "reviewer", "320100", None),
}


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def personas(factory: sessionmaker[Session]) -> dict[str, Principal]:
    out = {}
    with unit_of_work(factory) as s:
        for username, (name, role, region, inst) in PERSONAS.items():
            out[username] = service.create_user(
                s,
                username=username,
                password=PASSWORD,
                display_name=name,
                roles=role,
                region_code=region,
                institution_code=inst,
            )
    return out


@pytest.fixture
def audit_dir(tmp_path: Path) -> Path:
    return write_audit(tmp_path / "audit")


@pytest.fixture
def repo_of(
    factory: sessionmaker[Session], personas: dict[str, Principal]
) -> Iterator[Callable[[str], ScopedRepository]]:
    """``repo_of("reviewer")``: a scoped repository of that persona on one shared session (caller commits)."""
    session = factory()
    yield lambda who: ScopedRepository(session, personas[who])
    session.rollback()
    session.close()


@pytest.fixture
def client(database_url: str, personas: dict[str, Principal]) -> Iterator[TestClient]:
    app = create_app(database_url)
    for router in routers():
        app.include_router(router)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture
def as_(client: TestClient) -> Callable[[str], dict[str, str]]:
    """``as_("reviewer")`` → Authorization headers of that persona (one login per persona)."""
    tokens: dict[str, dict[str, str]] = {}

    def headers(who: str) -> dict[str, str]:
        if who not in tokens:
            r = client.post("/api/auth/login", json={"username": who, "password": PASSWORD})
            assert r.status_code == 200, r.text
            tokens[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        client.cookies.clear()
        return tokens[who]

    return headers
