"""Login, tokens, logout, roles: the identity interface every router relies on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from identity_helpers import PASSWORD, token
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.errors import AuthenticationError, ConflictError, InvalidInputError
from qiandai.identity import service
from qiandai.store.base import now_utc
from qiandai.store.database import unit_of_work


def test_login_me_logout(client: TestClient) -> None:
    headers = token(client, "auditor")
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["roles"] == ["auditor"] and me.json()["role_labels"] == ["稽核员"]
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    r = client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "AuthenticationError"


def test_cookie_session_works(client: TestClient) -> None:
    r = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert "qiandai_session" in r.cookies
    assert client.get("/api/auth/me").json()["username"] == "admin"


def test_wrong_password_and_missing_token_are_401(client: TestClient) -> None:
    r = client.post("/api/auth/login", json={"username": "admin", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["message"] == "用户名或密码错误"
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    client.cookies.clear()
    assert client.get("/api/auth/me").status_code == 401


def test_malformed_login_is_422_in_chinese(client: TestClient) -> None:
    r = client.post("/api/auth/login", json={"username": "admin"})
    assert r.status_code == 422
    assert r.json()["fields"][0] == {"field": "password", "message": "缺少必填字段"}


def test_admin_only_endpoints_answer_403_to_others(client: TestClient) -> None:
    r = client.get("/api/identity/users", headers=token(client, "auditor"))
    assert r.status_code == 403 and "系统管理员" in r.json()["message"]
    assert client.get("/api/identity/users", headers=token(client, "admin")).status_code == 200


def test_admin_creates_user_who_can_log_in(client: TestClient) -> None:
    body = {"username": "leader1", "password": "leader-pass-1", "display_name": "王局", "roles": ["leader"]}
    r = client.post("/api/identity/users", json=body, headers=token(client, "admin"))
    assert r.status_code == 201, r.text
    assert client.post("/api/identity/users", json=body, headers=token(client, "admin")).status_code == 409
    r = client.post("/api/auth/login", json={"username": "leader1", "password": "leader-pass-1"})
    assert r.status_code == 200


def test_tokens_are_stored_hashed_and_expire(factory: sessionmaker[Session], users: None) -> None:
    with unit_of_work(factory) as s:
        tok, _ = service.login(s, "admin", PASSWORD)
        stored = s.execute(text("SELECT token_hash FROM id_token")).scalars().all()
        assert tok not in stored and len(stored) == 1
        with pytest.raises(AuthenticationError):
            service.principal_for_token(s, tok, now=now_utc() + timedelta(hours=13))
        assert service.principal_for_token(s, tok).username == "admin"
        hashes = s.execute(text("SELECT password_hash FROM id_user")).scalars().all()
        assert all(h.startswith("$argon2id$") for h in hashes)


def test_create_user_validation(factory: sessionmaker[Session], users: None) -> None:
    with unit_of_work(factory) as s:
        with pytest.raises(ConflictError):
            service.create_user(s, username="admin", password=PASSWORD, display_name="x", roles="admin")
        with pytest.raises(InvalidInputError, match="未知角色"):
            service.create_user(s, username="x1", password=PASSWORD, display_name="x", roles="boss")
        with pytest.raises(InvalidInputError, match="机构用户"):
            service.create_user(s, username="x2", password=PASSWORD, display_name="x", roles="institution")
        with pytest.raises(InvalidInputError, match="密码"):
            service.create_user(s, username="x3", password="short", display_name="x", roles="admin")
