"""Holds end to end through the API: police issue, banks' decisions honour, expiry, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tx_helpers import payload, token

NOW = datetime.now(UTC).replace(microsecond=0)


def _hold(**over: str) -> dict[str, str]:
    body = {
        "instruction_id": "ZF-2025-0001",
        "type": "stop_payment",
        "issuing_unit": "杭州市公安局反诈中心",
        "document_ref": "杭公反诈止〔2025〕1号",
        "issued_at": NOW.isoformat(),
        "account": "6222020200001111",
    }
    body.update(over)
    return body


def test_stop_payment_through_the_api(client: TestClient) -> None:
    police, bank = token(client, "officer"), token(client, "teller")
    assert client.post("/api/transfers/holds", json=_hold(), headers=bank).status_code == 403
    r = client.post("/api/transfers/holds", json=_hold(), headers=police)
    assert r.status_code == 200, r.text
    hold = r.json()
    assert hold["kind_label"] == "紧急止付" and hold["status"] == "active"
    again = client.post("/api/transfers/holds", json=_hold(), headers=police).json()
    assert again["hold_id"] == hold["hold_id"] and again["duplicate"] is True
    d = client.post("/api/transfers/decide", json=payload(occurred_at=NOW.isoformat()), headers=bank).json()
    assert d["decision"] == "拦截" and "紧急止付" in d["reasons"][0]
    listed = client.get("/api/transfers/holds", params={"account": "6222020200001111"}, headers=bank).json()
    assert [h["hold_id"] for h in listed] == [hold["hold_id"]]
    detail = client.get(f"/api/transfers/holds/{hold['hold_id']}", headers=police).json()
    assert [e["action"] for e in detail["events"]] == ["stop_payment"]
    release = _hold(instruction_id="ZF-2025-0002", type="release", hold_id=hold["hold_id"], account="")
    release.pop("account")
    assert client.post("/api/transfers/holds", json=release, headers=police).json()["status"] == "released"
    later = (NOW + timedelta(seconds=1)).isoformat()
    d2 = client.post("/api/transfers/decide", json=payload(occurred_at=later), headers=bank).json()
    assert d2["decision"] == "放行"


def test_bad_instruction_is_422(client: TestClient) -> None:
    police = token(client, "officer")
    body = _hold()
    body.pop("account")
    r = client.post("/api/transfers/holds", json=body, headers=police)
    assert r.status_code == 422 and "必须写明账号" in r.json()["message"]
