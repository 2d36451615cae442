"""Helpers shared by the identity tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

PASSWORD = "correct-horse-1"


def token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
