"""GET /readyz: 200 on a migrated database, 503 with Chinese reasons when behind, unmigrated or down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from qiandai.api.app import create_app
from qiandai.api.ops import expected_heads


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(database_url, decision_fast_path=False)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def test_ready_on_migrated_database(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "就绪" and body["checks"]["database"] == "正常"
    assert set(body["checks"]["migrations"]["expected"]) == set(expected_heads())
    assert body["checks"]["migrations"]["current"]
    assert len(expected_heads()) > 5  # one head per module branch
    assert client.get("/healthz").json() == {"status": "ok"}


def test_branch_behind_head_is_not_ready(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    behind = sorted(rows & expected_heads())[0]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": behind})
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["status"] == "未就绪"
    assert any("迁移未到最新版本" in reason and behind in reason for reason in r.json()["reasons"])


def test_unmigrated_database_is_not_ready(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    r = client.get("/readyz")
    assert r.status_code == 503
    assert any("尚未迁移" in reason and "qiandai db upgrade" in reason for reason in r.json()["reasons"])


def test_unknown_revision_is_reported(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('ffffffffffff')"))
    r = client.get("/readyz")
    assert r.status_code == 503
    assert any("不认识的迁移版本" in reason for reason in r.json()["reasons"])


def test_database_down_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'missing-folder' / 'x.db').as_posix()}"
    app = create_app(url, decision_fast_path=False)
    with TestClient(app) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == "不可用"
    assert "数据库无法连接" in r.json()["reasons"][0]
