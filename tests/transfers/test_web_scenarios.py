"""The scenario editor in the console (/fz/scenarios) without a browser: remove a rule from a draft,
start and stop shadow mode, per-rule recall in the back-test; roles and CSRF. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tx_helpers import PASSWORD, add_personas

from qiandai.api.app import create_app
from qiandai.store.database import unit_of_work
from qiandai.transfers import scenario_store
from qiandai.transfers.scenario import DEFAULT_SCENARIO
from qiandai.web import install_web


@pytest.fixture
def web(database_url: str) -> Iterator[TestClient]:
    app = create_app(database_url)
    install_web(app)
    add_personas(app.state.session_factory)
    with TestClient(app) as c:
        yield c
    rt = getattr(app.state, "transfers", None)
    if rt is not None:
        rt.close()
    app.state.engine.dispose()


def _csrf(c: TestClient, path: str = "/login") -> str:
    c.get(path)
    token = c.cookies.get("qiandai_csrf")
    assert token
    return token


def _login(c: TestClient, username: str) -> str:
    token = _csrf(c)
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return _csrf(c, "/fz/scenarios")


def _draft(c: TestClient, token: str) -> int:
    r = c.post("/fz/scenarios/drafts", data={"based_on": "1", "note": "试运行", "csrf_token": token})
    assert r.status_code == 200 and "已新建草稿 v2" in r.text, r.text
    return 2


def _rules(c: TestClient, version: int) -> list[str]:
    factory = c.app.state.session_factory  # type: ignore[attr-defined]
    with unit_of_work(factory) as s:
        return [r.rule_id for r in scenario_store.get(s, DEFAULT_SCENARIO, version).rules]


def test_police_remove_a_rule_from_a_draft(web: TestClient) -> None:
    token = _login(web, "officer")
    v = _draft(web, token)
    page = web.get(f"/fz/scenarios?version={v}").text
    assert 'action="/fz/scenarios/2/rules/payee_case_account/delete"' in page
    rule = _rules(web, v)[0]
    r = web.post(f"/fz/scenarios/{v}/rules/{rule}/delete", data={"csrf_token": token})
    assert r.status_code == 200 and f"规则 {rule} 已从草稿 v2 删除" in r.text
    assert rule not in _rules(web, v) and rule in _rules(web, 1)
    again = web.post(f"/fz/scenarios/{v}/rules/{rule}/delete", data={"csrf_token": token})
    assert f"草稿中没有规则 {rule}" in again.text
    published = web.post(f"/fz/scenarios/1/rules/{_rules(web, 1)[0]}/delete", data={"csrf_token": token})
    assert "已发布，不能修改" in published.text
    assert 'data-action="delete-rule"' not in web.get("/fz/scenarios?version=1").text
    forged = web.post(f"/fz/scenarios/{v}/rules/{_rules(web, v)[0]}/delete", data={"csrf_token": "x"})
    assert forged.status_code == 403


def test_police_start_and_stop_shadow_mode(web: TestClient) -> None:
    token = _login(web, "officer")
    v = _draft(web, token)
    r = web.post(f"/fz/scenarios/{v}/shadow", data={"on": "true", "csrf_token": token})
    assert "v2 已设为影子运行" in r.text
    page = web.get(f"/fz/scenarios?version={v}").text
    assert 'id="stop-shadow"' in page and 'id="start-shadow"' not in page and "影子运行中" in page
    rt = web.app.state.transfers  # type: ignore[attr-defined]
    assert rt.engine.shadow is not None and rt.engine.shadow.label.endswith("@v2")
    r = web.post(f"/fz/scenarios/{v}/shadow", data={"on": "false", "csrf_token": token})
    assert "v2 已停止影子运行" in r.text
    assert rt.engine.shadow is None
    page = web.get(f"/fz/scenarios?version={v}").text
    assert 'id="stop-shadow"' not in page and 'id="start-shadow"' in page and "影子运行中" not in page
    r = web.post(f"/fz/scenarios/{v}/shadow", data={"on": "false", "csrf_token": token})
    assert "v2 当前没有在影子运行" in r.text


def test_bank_staff_see_scenarios_but_cannot_change_them(web: TestClient) -> None:
    token = _login(web, "teller")
    page = web.get("/fz/scenarios?version=1")
    assert page.status_code == 200 and "转账风控场景" in page.text
    r = web.post("/fz/scenarios/1/shadow", data={"on": "false", "csrf_token": token})
    assert "仅反诈中心可修改场景规则" in r.text
    r = web.post("/fz/scenarios/1/backtest", data={"csrf_token": token})
    assert r.status_code == 200 and "召回率" in r.text
