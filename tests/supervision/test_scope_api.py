"""Scope through the API: every persona sees only its region or institution; others answer 404."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sv_helpers import INST_A, INST_B, OTHER_CITY

Headers = Callable[[str], dict[str, str]]


def _import(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    files = {"suspects": ("suspects.parquet", (audit_dir / "suspects.parquet").read_bytes())}
    assert client.post("/api/supervision/imports", files=files, headers=as_("admin")).status_code == 201


def test_each_persona_sees_its_scope(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    _import(client, as_, audit_dir)

    def institutions(who: str) -> set[str]:
        r = client.get("/api/supervision/findings", headers=as_(who))
        assert r.status_code == 200
        return {f["institution_code"] for f in r.json()}

    assert OTHER_CITY in institutions("admin") and len(institutions("admin")) == 4
    assert OTHER_CITY not in institutions("auditor") and len(institutions("auditor")) == 3
    assert institutions("inst_a") == {INST_A}
    assert institutions("inst_b") == {INST_B}
    assert institutions("outsider") == {OTHER_CITY}


def test_out_of_scope_resources_answer_404(client: TestClient, as_: Headers, audit_dir: Path) -> None:
    _import(client, as_, audit_dir)
    all_findings = client.get("/api/supervision/findings", headers=as_("admin")).json()
    of_a = next(f["id"] for f in all_findings if f["institution_code"] == INST_A)
    of_nanjing = next(f["id"] for f in all_findings if f["institution_code"] == OTHER_CITY)
    assert client.get(f"/api/supervision/findings/{of_a}", headers=as_("inst_b")).status_code == 404
    assert client.get(f"/api/supervision/findings/{of_a}/events", headers=as_("inst_b")).status_code == 404
    assert client.get(f"/api/supervision/findings/{of_nanjing}", headers=as_("reviewer")).status_code == 404
    up = client.post(
        f"/api/supervision/evidence/finding/{of_a}", files={"file": ("a.txt", b"x")}, headers=as_("inst_b")
    )
    assert up.status_code == 404
    r = client.get("/api/supervision/findings/999999", headers=as_("admin"))
    assert r.status_code == 404 and r.json() == {"error": "NotFoundError", "message": "疑点不存在"}


def test_no_token_401_wrong_role_403_bad_input_422(client: TestClient, as_: Headers) -> None:
    assert client.get("/api/supervision/findings").status_code == 401
    files = {"suspects": ("suspects.parquet", b"not parquet")}
    assert client.post("/api/supervision/imports", files=files, headers=as_("inst_a")).status_code == 403
    r = client.post("/api/supervision/imports", files=files, headers=as_("auditor"))
    assert r.status_code == 422 and "无法读取" in r.json()["message"]
    r = client.post(
        "/api/supervision/findings/bulk", json={"ids": [], "action": "pass"}, headers=as_("auditor")
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "ids"
    r = client.post("/api/public/reports", json={"subject": "x", "content": "短", "alleged_amount": "1.234"})
    assert r.status_code == 422 and {f["field"] for f in r.json()["fields"]} == {
        "subject",
        "content",
        "alleged_amount",
    }
