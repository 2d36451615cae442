"""Helpers of the transfers tests: transfers with sensible defaults, a fixed clock."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from qiandai.transfers.model import Transfer

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
PASSWORD = "correct-horse-1"
_ids = itertools.count(1)


def payload(**over: Any) -> dict[str, Any]:
    """A JSON-ready transfer request; ``over`` replaces fields."""
    base: dict[str, Any] = {
        "transfer_id": f"tx-{next(_ids)}",
        "payer_account": "6222020200001111",
        "payee_account": "6228480400002222",
        "amount": "200.00",
        "currency": "CNY",
        "channel": "mobile",
        "occurred_at": T0.isoformat(),
        "device_id": "dev-1",
        "ip": "10.0.0.1",
        "payer_region": "330102001001",
        "location_region": "330102",
        "payer_age": 40,
        "payer_balance": "50000.00",
    }
    base.update(over)
    return base


def tx(minutes: float = 0, **over: Any) -> Transfer:
    """A :class:`Transfer` ``minutes`` after ``T0``."""
    data = payload(**over)
    data.setdefault("occurred_at", T0.isoformat())
    if minutes:
        data["occurred_at"] = (T0 + timedelta(minutes=minutes)).isoformat()
    if "amount" in over and not isinstance(over["amount"], str):
        data["amount"] = str(Decimal(over["amount"]))
    return Transfer.model_validate(data)


def token(client: Any, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
