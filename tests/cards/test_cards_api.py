"""The card-crackdown API: roles, the screening run over stored transfers, punishment list with appeals,
the account-opening check, and list changes reaching the live decision runtime."""

from __future__ import annotations

from datetime import date

from cards_helpers import token, valid_id
from fastapi.testclient import TestClient

from qiandai.transfers.lists import ListKind
from qiandai.transfers.runtime import runtime_for

ID = valid_id("33010619900312123")


def test_roles_are_enforced(client: TestClient) -> None:
    assert client.get("/api/screening/punishments").status_code == 401
    grid = token(client, "grid")
    assert client.get("/api/screening/punishments", headers=grid).status_code == 403
    teller = token(client, "teller")
    body = {
        "id_number": ID,
        "name": "陈某某",
        "basis": "designated",
        "document_ref": "D",
        "start_date": "2025-01-01",
    }
    r = client.post("/api/screening/punishments", json=body, headers=teller)
    assert r.status_code == 403
    r = client.post("/api/screening/account-opening", json={}, headers=token(client, "officer"))
    assert r.status_code == 403


def test_punishment_appeal_and_live_list(client: TestClient) -> None:
    officer, teller = token(client, "officer"), token(client, "teller")
    # the process's decision runtime is running, so list changes must reach it at once
    rt = runtime_for(client.app.state)  # type: ignore[attr-defined]
    body = {
        "id_number": ID,
        "name": "陈某某",
        "accounts": ["6222600000001001"],
        "basis": "convicted",
        "document_ref": "(2025)浙0106刑初1号",
        "start_date": date.today().isoformat(),
    }
    r = client.post("/api/screening/punishments", json=body, headers=officer)
    assert r.status_code == 200, r.text
    person = r.json()
    assert person["created"] and person["id_number"].startswith("330***") and ID not in r.text
    assert rt.engine.lists.punished("6222600000001001")
    assert client.post("/api/screening/punishments", json=body, headers=officer).json()["created"] is False
    r = client.post(
        f"/api/screening/punishments/{person['id']}/appeals", json={"reason": "被冒用"}, headers=teller
    )
    assert r.status_code == 201
    appeal = r.json()
    r = client.post(
        f"/api/screening/appeals/{appeal['id']}/decision",
        json={"upheld": True, "note": "属实"},
        headers=officer,
    )
    assert r.status_code == 200 and r.json()["status_label"] == "申诉成立"
    assert not rt.engine.lists.punished("6222600000001001")
    detail = client.get(f"/api/screening/punishments/{person['id']}", headers=teller).json()
    assert detail["status"] == "removed"
    assert [e["action"] for e in detail["events"]] == ["designated", "appeal_filed", "appeal_decided"]
    r = client.post(
        f"/api/screening/appeals/{appeal['id']}/decision",
        json={"upheld": False, "note": "改"},
        headers=officer,
    )
    assert r.status_code == 409 and "不能改判" in r.text
    assert client.post("/api/screening/punishments/expire", json={}, headers=officer).json() == {
        "expired": []
    }


def test_invalid_designation_answers_422_in_chinese(client: TestClient) -> None:
    body = {
        "id_number": "123",
        "name": "某",
        "basis": "designated",
        "document_ref": "D",
        "start_date": "2025-01-01",
    }
    r = client.post("/api/screening/punishments", json=body, headers=token(client, "officer"))
    assert r.status_code == 422 and "身份证号应为18位" in r.text


def test_account_opening(client: TestClient) -> None:
    teller = token(client, "teller")
    body = {
        "id_number": ID,
        "name": "陈某某",
        "phone": "13800001234",
        "purpose": "出租银行卡",
        "bank": "农行",
    }
    r = client.post("/api/screening/account-opening", json={**body, "request_id": "R1"}, headers=teller)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["outcome"] == "拒绝" and any("出租" in x for x in answer["reasons"])
    assert ID not in r.text and "13800001234" not in r.text
    again = client.post(
        "/api/screening/account-opening", json={**body, "request_id": "R1"}, headers=teller
    ).json()
    assert again["id"] == "R1" and again["created"] is False
    assert [x["id"] for x in client.get("/api/screening/account-opening", headers=teller).json()] == ["R1"]


def test_screening_run_over_stored_transfers(client: TestClient) -> None:
    teller, officer = token(client, "teller"), token(client, "officer")
    from datetime import UTC, datetime, timedelta

    t0 = datetime.now(UTC) - timedelta(hours=5)
    n = 0

    def decide(payer: str, payee: str, amount: float, minutes: float, device: str) -> None:
        nonlocal n
        n += 1
        body = {
            "transfer_id": f"api-{n}",
            "payer_account": payer,
            "payee_account": payee,
            "amount": f"{amount:.2f}",
            "currency": "CNY",
            "channel": "mobile",
            "occurred_at": (t0 + timedelta(minutes=minutes)).isoformat(),
            "device_id": device,
            "ip": "10.0.0." + str(len(device)),
            "payer_age": 30,
            "payer_balance": "900000.00",
        }
        r = client.post("/api/transfers/decide", json=body, headers=teller)
        assert r.status_code == 200, r.text

    for i, amount in enumerate([6000.0, 9000.0, 7000.0]):
        decide(f"622200000000010{i}", "6217000000000001", amount, i * 60, f"victim-{i}")
        decide("6217000000000001", "6214000000000001", amount * 0.95, i * 60 + 6, "gang")
        decide("6214000000000001", "6213000000000001", amount * 0.9, i * 60 + 12, "gang")
    decide("6217000000000002", "6229000000000001", 50.0, 300, "gang")
    client.app.state.transfers.wait_idle()  # type: ignore[attr-defined]
    r = client.post("/api/screening/accounts/runs", json={"publish": True}, headers=officer)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["transfers"] == n and run["high"] >= 3 and run["published"] == run["high"]
    rt = client.app.state.transfers  # type: ignore[attr-defined]
    assert rt.engine.lists.risk_account("6217000000000001")
    assert rt.engine.lists.size(ListKind.RISK_ACCOUNT) == run["high"]
    detail = client.get(f"/api/screening/accounts/runs/{run['id']}?grade=高", headers=teller).json()
    assert all(a["account"].startswith("****") for a in detail["accounts"])
    assert detail["networks"] and detail["networks"][0]["size"] >= 3
    assert client.get("/api/screening/accounts/runs", headers=token(client, "boss")).status_code == 200
    assert client.post("/api/screening/accounts/runs", json={}, headers=teller).status_code == 403
