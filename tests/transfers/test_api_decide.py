"""POST /api/transfers/decide: roles, bad input (422, nothing stored), duplicates, storage."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tx_helpers import payload, token

from qiandai.store.database import unit_of_work
from qiandai.transfers.models import DecisionRow

NOW = datetime.now(UTC).replace(microsecond=0)


def _count(client: TestClient) -> int:
    with unit_of_work(client.app.state.session_factory) as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(DecisionRow)) or 0)


def test_bank_decides_and_the_decision_is_stored(client: TestClient) -> None:
    h = token(client, "teller")
    r = client.post("/api/transfers/decide", json=payload(occurred_at=NOW.isoformat()), headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "放行" and r.json()["scenario"] == "transfer-default@v1"
    assert _count(client) == 1


def test_other_roles_and_anonymous_are_refused(client: TestClient) -> None:
    assert client.post("/api/transfers/decide", json=payload()).status_code == 401
    r = client.post("/api/transfers/decide", json=payload(), headers=token(client, "grid_a"))
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"amount": "-1"}, "金额必须大于 0"),
        ({"amount": "abc"}, "应为数字"),
        ({"currency": "ABC"}, "未知币种"),
        ({"payee_account": "6222020200001111"}, "不能向本账户转账"),
        ({"payer_account": "62-22"}, "付款账号格式不正确"),
        ({"occurred_at": (NOW + timedelta(hours=2)).isoformat()}, "晚于当前时间"),
        ({"channel": "fax"}, "取值不在允许范围内"),
    ],
)
def test_bad_input_is_422_in_chinese_and_nothing_is_stored(
    client: TestClient, over: dict[str, str], message: str
) -> None:
    body = payload(occurred_at=NOW.isoformat())
    body.update(over)
    r = client.post("/api/transfers/decide", json=body, headers=token(client, "teller"))
    assert r.status_code == 422, r.text
    assert message in r.json()["message"]
    assert _count(client) == 0


def test_a_burst_of_duplicates_gets_one_decision(client: TestClient) -> None:
    h = token(client, "teller")
    body = payload(transfer_id="burst-1", amount="90000", payer_age=75, occurred_at=NOW.isoformat())
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: client.post("/api/transfers/decide", json=body, headers=h), range(16))
        )
    assert all(a.status_code == 200 for a in answers)
    decisions = {(a.json()["decision"], a.json()["score"]) for a in answers}
    assert len(decisions) == 1
    assert sum(not a.json()["duplicate"] for a in answers) == 1
    assert _count(client) == 1
