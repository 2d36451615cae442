"""Security of the web face without a browser: CSRF, cookies, headers, rate limits, masking and the
access log of explicit "show" actions, exports with Chinese headers. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient

from qiandai.api.app import create_app
from qiandai.identity import service
from qiandai.identity.models import AccessLogEntry
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.supervision.models import Institution
from qiandai.web import install_web, pages_auth, public
from qiandai.web.ratelimit import RateLimiter

PASSWORD = "secret-pass-2025"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    factory = session_factory(make_engine(database_url))
    with unit_of_work(factory) as s:
        s.add(Institution(code="H33010200001", name="上城人民医院", kind="hospital", region_code="330102"))
        service.create_user(
            s,
            username="rev",
            password=PASSWORD,
            display_name="审核员",
            roles="reviewer",
            region_code="330100",
        )
        service.create_user(
            s,
            username="intake",
            password=PASSWORD,
            display_name="受理员",
            roles="intake",
            region_code="330100",
        )
    app = create_app(database_url)
    install_web(app)
    install_web(app)  # idempotent
    with TestClient(app) as c:
        yield c


def _csrf(c: TestClient, path: str = "/login") -> str:
    c.get(path)
    token = c.cookies.get("qiandai_csrf")
    assert token
    return token


def _login(c: TestClient, username: str) -> None:
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(c)},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    _csrf(client)
    r = client.post("/login", data={"username": "rev", "password": PASSWORD})
    assert r.status_code == 403 and "请刷新页面" in r.text
    r = client.post("/login", data={"username": "rev", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    token = client.cookies.get("qiandai_csrf")
    r = client.post(
        "/login",
        data={"username": "rev", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403


def test_session_and_csrf_cookies_are_httponly_and_strict(client: TestClient) -> None:
    r = client.post(
        "/login",
        data={"username": "rev", "password": PASSWORD, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("qiandai_session")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain-HTTP test server; HTTPS or QIANDAI_COOKIE_SECURE=1 adds it


def test_secure_flag_when_forced(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_COOKIE_SECURE", "1")
    client.cookies.clear()
    r = client.get("/login")
    assert "Secure" in r.headers["set-cookie"]


def test_pages_send_security_headers_and_no_cdn(client: TestClient) -> None:
    r = client.get("/report")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert not re.search(r"(src|href)=\"https?://", r.text), "assets must be served locally"
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_pages_need_login_and_roles(client: TestClient) -> None:
    r = client.get("/yb/review", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    _login(client, "intake")
    assert client.get("/fz/holds").status_code == 403
    assert "无权访问" in client.get("/fz/holds").text


def test_public_report_form_is_rate_limited(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public, "report_limiter", RateLimiter(2, 3600))
    token = _csrf(client, "/report")
    form = {"subject": "虚开检查", "content": "某医院虚开检查费用。", "region": "330102", "csrf_token": token}
    codes = [client.post("/report", data=form).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_reporter_identity_is_shown_only_on_a_logged_action(client: TestClient, database_url: str) -> None:
    token = _csrf(client, "/report")
    form = {
        "subject": "挂床住院",
        "content": "病房无人，疑似挂床。",
        "institution": "H33010200001",
        "named": "true",
        "name": "张三",
        "phone": "13800001234",
        "csrf_token": token,
    }
    receipt = client.post("/report", data=form)
    code = re.search(r"JB[A-Z0-9]{12}", receipt.text).group(0)  # type: ignore[union-attr]
    status = client.post("/report/status", data={"receipt_code": code, "csrf_token": token})
    assert "已接收，待受理" in status.text and code not in str(status.url)
    _login(client, "intake")
    page = client.get("/yb/reports")
    assert "张三" not in page.text and "13800001234" not in page.text
    report_id = re.search(r'action="/yb/reports/(\d+)/reveal"', page.text).group(1)  # type: ignore[union-attr]
    token = client.cookies.get("qiandai_csrf")
    refused = client.post(f"/yb/reports/{report_id}/reveal", data={"reason": "", "csrf_token": token})
    assert refused.status_code == 422
    shown = client.post(
        f"/yb/reports/{report_id}/reveal", data={"reason": "核实举报人身份", "csrf_token": token}
    )
    assert "张三" in shown.text and "13800001234" in shown.text
    factory = session_factory(make_engine(database_url))
    with unit_of_work(factory) as s:
        entries = s.query(AccessLogEntry).filter_by(subject_type="report").all()
        assert [e.username for e in entries] == ["intake"]


def test_exports_have_chinese_headers(client: TestClient) -> None:
    _login(client, "rev")
    for path, first in [
        ("/yb/review.xlsx", "疑点序号"),
        ("/yb/rectifications.xlsx", "编号"),
        ("/yb/cases.xlsx", "案件编号"),
        ("/yb/institutions.xlsx", "机构编码"),
    ]:
        r = client.get(path)
        assert r.status_code == 200, path
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None and sheet.cell(1, 1).value == first, path


def test_login_is_rate_limited(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages_auth, "login_limiter", RateLimiter(2, 300))
    token = _csrf(client)
    form = {"username": "rev", "password": "wrong", "csrf_token": token}
    codes = [client.post("/login", data=form).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_api_calls_authenticated_only_by_the_session_cookie_need_the_csrf_token(client: TestClient) -> None:
    _login(client, "rev")
    url = "/api/supervision/findings/999999/reveal"
    r = client.post(url)
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["message"]
    token = client.cookies.get("qiandai_csrf")
    r = client.post(url, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert r.status_code == 403 and "来源" in r.json()["message"]
    r = client.post(url, data={"reason": "核查需要"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 404  # authenticated, the check passed: the finding does not exist
    assert client.get("/api/auth/me").status_code == 200  # safe methods need no token
