"""`/api/screening/sim/…`: runs and ranked numbers (masked) for the antifraud role; others refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qiandai.api.app import create_app
from qiandai.identity import service
from qiandai.simcards import model as sim_model
from qiandai.simcards import repository
from qiandai.store.database import unit_of_work

PASSWORD = "sim-api-password-2025"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(database_url)
    with unit_of_work(app.state.session_factory) as s:
        for name, role in (("carrier", "antifraud"), ("teller", "bank")):
            service.create_user(
                s, username=name, password=PASSWORD, display_name=name, roles=role, region_code="330100"
            )
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def _auth(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_runs_and_results(client: TestClient, trained: sim_model.TrainResult, cdr_small: Path) -> None:
    carrier, teller = _auth(client, "carrier"), _auth(client, "teller")
    assert client.get("/api/screening/sim/runs/latest", headers=carrier).status_code == 404
    result = sim_model.score(cdr_small, model=trained.model)
    with unit_of_work(client.app.state.session_factory) as s:  # type: ignore[attr-defined]
        run, _ = repository.store_run(s, result, cdr_small, trained.metrics.as_dict())
    assert client.get("/api/screening/sim/runs", headers=teller).status_code == 403
    latest = client.get("/api/screening/sim/runs/latest", headers=carrier).json()
    assert latest["id"] == run.id and latest["high"] == result.counts["高"]
    rows = client.get(
        f"/api/screening/sim/runs/{run.id}/results", params={"level": "高"}, headers=carrier
    ).json()
    assert rows and all(r["level"] == "高" for r in rows)
    assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", r["number"]) for r in rows)
    assert rows[0]["reasons"] or rows[0]["top_features"]
    assert client.get("/api/screening/sim/runs/999/results", headers=carrier).status_code == 404
    bad = client.get(f"/api/screening/sim/runs/{run.id}/results", params={"level": "极高"}, headers=carrier)
    assert bad.status_code == 422
