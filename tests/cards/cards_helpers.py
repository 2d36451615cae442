"""Helpers of the card-crackdown tests: hand-built transfer frames, valid demo ID numbers, personas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from qiandai.domain.idcard import check_char
from qiandai.identity import service
from qiandai.store.database import unit_of_work

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct-horse-1"


def valid_id(first17: str) -> str:
    return first17 + check_char(first17)


def tx(payer: str, payee: str, amount: float, minutes: float, **extra: Any) -> dict[str, Any]:
    return {
        "payer_account": payer,
        "payee_account": payee,
        "amount": amount,
        "occurred_at": T0 + timedelta(minutes=minutes),
        "device_id": extra.get("device_id", f"dev-{payer}"),
        "ip": extra.get("ip", f"ip-{payer}"),
        "payer_phone": extra.get("payer_phone"),
    }


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    out["transfer_id"] = [f"T{i:05d}" for i in range(len(out))]
    return out


def add_personas(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        for name, roles in [
            ("teller", "bank"),
            ("officer", "antifraud"),
            ("boss", "leader"),
            ("grid", "grid"),
        ]:
            service.create_user(
                s,
                username=name,
                password=PASSWORD,
                display_name=name,
                roles=roles,
                region_code=None,
                org_code=None,
            )


def token(client: Any, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
