"""POST /api/transfers/decide: roles, bad input (422, nothing stored), duplicates, storage."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tx_helpers import make_api, payload, token

from qiandai.store.database import unit_of_work
from qiandai.transfers.models import DecisionRow

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["route", "fast-path"])
def client(request: pytest.FixtureRequest, database_url: str) -> Iterator[TestClient]:
    """The API served by the FastAPI route and by the lean ASGI fast path (ADR 0026): same contract."""
    app = make_api(database_url, fast_path=request.param == "fast-path")
    with TestClient(app) as c:
        yield c
    rt = getattr(app.state, "transfers", None)
    if rt is not None:
        rt.close()
    app.state.engine.dispose()


def _count(client: TestClient) -> int:
    with unit_of_work(client.app.state.session_factory) as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(DecisionRow)) or 0)


def test_bank_decides_and_the_decision_is_stored(client: TestClient) -> None:
    h = token(client, "teller")
    r = client.post("/api/transfers/decide", json=payload(occurred_at=NOW.isoformat()), headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "放行" and r.json()["scenario"] == "transfer-default@v1"
    assert _count(client) == 1


def test_answered_decisions_are_counted_for_metrics(client: TestClient) -> None:
    """Both the lean path and the FastAPI route count what they answer (qiandai_transfer_decisions)."""
    from prometheus_client import REGISTRY

    def counted() -> float:
        return REGISTRY.get_sample_value("qiandai_transfer_decisions_total", {"decision": "放行"}) or 0.0

    before = counted()
    r = client.post(
        "/api/transfers/decide", json=payload(occurred_at=NOW.isoformat()), headers=token(client, "teller")
    )
    assert r.status_code == 200 and r.json()["decision"] == "放行"
    assert counted() == before + 1
    client.cookies.clear()  # the login's session cookie would make this a CSRF refusal (403)
    assert client.post("/api/transfers/decide", json=payload()).status_code == 401
    assert counted() == before + 1  # refused requests are not decisions


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


def test_fast_path_answers_exactly_as_the_route(database_url: str) -> None:
    """Byte-for-byte the same answers, errors included; a session cookie works too; other paths pass."""
    apps = [make_api(database_url, fast_path=fast, personas=not fast) for fast in (False, True)]
    with TestClient(apps[0]) as route, TestClient(apps[1]) as fast:
        clients = (route, fast)
        heads = [token(c, "teller") for c in clients]
        body = payload(amount="90000", payer_age=75, occurred_at=NOW.isoformat())
        cases = [
            ({"transfer_id": "same-1"}, True, 200),  # decided
            ({"transfer_id": "same-1"}, True, 200),  # duplicate
            ({"transfer_id": "same-2", "amount": "abc"}, True, 422),  # in Chinese
            ({"transfer_id": "same-3"}, False, 401),
        ]
        for c in clients:
            c.cookies.clear()  # the bearer header only (the login also set a session cookie)
        for over, auth, status in cases:
            got = []
            for i, (c, h) in enumerate(zip(clients, heads, strict=True)):  # own accounts and ids each
                case = {**body, **over, "payer_account": f"622202020000{i}111"}
                case.update(payee_account=f"622848040000{i}222", transfer_id=f"{over['transfer_id']}-{i}")
                got.append(c.post("/api/transfers/decide", json=case, headers=h if auth else {}))
            assert [g.status_code for g in got] == [status] * 2, got[1].text
            answers = [g.json() for g in got]
            for a in answers:
                a.pop("decided_at", None)
                a.pop("transfer_id", None)
            assert answers[0] == answers[1], over
            assert got[1].headers["content-type"] == "application/json"
        bad = fast.post("/api/transfers/decide", content=b"{not json", headers=heads[1])
        assert bad.status_code == 422 and "不是有效的 JSON" in bad.json()["message"]
        login = fast.post("/api/auth/login", json={"username": "teller", "password": "correct-horse-1"})
        fast.cookies.update(login.cookies)
        by_cookie = fast.post("/api/transfers/decide", json={**body, "transfer_id": "same-4"}, headers={})
        assert by_cookie.status_code == 403, by_cookie.text  # a cookie alone: the CSRF check applies
        fast.get("/login")  # the page gives the browser its CSRF cookie
        page = {"X-CSRF-Token": fast.cookies.get("qiandai_csrf")}
        by_cookie = fast.post("/api/transfers/decide", json={**body, "transfer_id": "same-4"}, headers=page)
        assert by_cookie.status_code == 200, by_cookie.text
        assert fast.get("/healthz").json() == {"status": "ok"}  # everything else goes to the app
        assert fast.get("/api/transfers/decide").status_code == 405
    for app in apps:
        rt = getattr(app.state, "transfers", None)
        if rt is not None:
            rt.close()
        app.state.engine.dispose()


def test_decide_with_only_the_session_cookie_needs_the_csrf_token(database_url: str) -> None:
    """Browsers send cookies on their own: the application (with its lean path) refuses a cookie-only
    decision without the page's CSRF token, and serves one that carries it."""
    from fastapi.testclient import TestClient

    from qiandai.api.app import create_app
    from qiandai.identity import service
    from qiandai.store.database import make_engine, session_factory, unit_of_work

    with unit_of_work(session_factory(make_engine(database_url))) as s:
        service.create_user(
            s, username="teller", password="secret-pass-2025", display_name="柜员", roles="bank"
        )
    with TestClient(create_app(database_url)) as c:
        assert c.post(
            "/api/auth/login", json={"username": "teller", "password": "secret-pass-2025"}
        ).is_success
        c.get("/login")  # the browser's CSRF cookie
        body = {"transfer_id": "csrf-1"}
        r = c.post("/api/transfers/decide", json=body)
        assert r.status_code == 403 and "X-CSRF-Token" in r.json()["message"]
        r = c.post(
            "/api/transfers/decide", json=body, headers={"X-CSRF-Token": c.cookies.get("qiandai_csrf")}
        )
        assert r.status_code == 422  # past authentication: the incomplete transfer is refused as such
