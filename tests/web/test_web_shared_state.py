"""State the console shares across worker processes, in the database: the rate limits of the public
form and the login, and the progress of audits started from the console. Two ``create_app`` over one
database stand in for two ``qiandai serve`` workers; runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qiandai.api.app import create_app
from qiandai.domain.errors import InputFolderError
from qiandai.identity import service
from qiandai.store.base import now_utc
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.web import audit_jobs, install_web, pages_auth, public
from qiandai.web.audit_jobs import AuditJob
from qiandai.web.ratelimit import RateLimiter, RateWindow

PASSWORD = "secret-pass-2025"


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def workers(database_url: str, factory: sessionmaker[Session]) -> Iterator[tuple[TestClient, TestClient]]:
    """Two app instances ("workers") over the same database, each with its own engine and pool."""
    with unit_of_work(factory) as s:
        for username, role in (("aud", "auditor"), ("rev", "reviewer")):
            service.create_user(
                s,
                username=username,
                password=PASSWORD,
                display_name=username,
                roles=role,
                region_code="330100",
            )
    apps = [create_app(database_url), create_app(database_url)]
    for app in apps:
        install_web(app)
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
        yield a, b
    for app in apps:
        app.state.engine.dispose()


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
    assert r.status_code == 303, r.text


def _fresh(monkeypatch: pytest.MonkeyPatch, module: Any, attr: str, limiter: RateLimiter) -> None:
    """Replace the limiter object, as a new process would have: any in-memory count is gone."""
    monkeypatch.setattr(module, attr, RateLimiter(limiter.limit, limiter.window, limiter.name))


# --- rate limits ------------------------------------------------------------------------------------


def test_two_workers_share_the_public_form_limit(
    workers: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = workers
    limiter = RateLimiter(3, 3600, "report")
    form = {"subject": "虚开检查", "content": "某医院虚开检查费用。", "region": "330102"}
    codes = []
    for client in (a, b, a, b):
        _fresh(monkeypatch, public, "report_limiter", limiter)
        codes.append(
            client.post("/report", data={**form, "csrf_token": _csrf(client, "/report")}).status_code
        )
    assert codes == [200, 200, 200, 429]
    refused = b.post("/report", data={**form, "csrf_token": _csrf(b, "/report")})
    assert "提交过于频繁，请稍后再试" in refused.text and "12393" in refused.text


def test_login_limit_is_per_username_and_address_across_workers(
    workers: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = workers
    limiter = RateLimiter(2, 300, "login")
    codes = []
    for client in (a, b, a):
        _fresh(monkeypatch, pages_auth, "login_limiter", limiter)
        r = client.post("/login", data={"username": "rev", "password": "wrong", "csrf_token": _csrf(client)})
        codes.append(r.status_code)
    assert codes == [401, 401, 429]
    r = b.post("/login", data={"username": " REV ", "password": PASSWORD, "csrf_token": _csrf(b)})
    assert r.status_code == 429 and "登录尝试过于频繁，请稍后再试" in r.text  # same user, any spelling
    r = a.post(
        "/login",
        data={"username": "aud", "password": PASSWORD, "csrf_token": _csrf(a)},
        follow_redirects=False,
    )
    assert r.status_code == 303  # another username from the same address is not blocked


def test_sliding_window_and_pruning(factory: sessionmaker[Session]) -> None:
    limiter = RateLimiter(4, 10, "unit")
    t0 = 1_000_000.0  # slot 100000 starts here
    assert [limiter.allow(factory, "k", t0 + i) for i in range(5)] == [True] * 4 + [False]
    assert limiter.allow(factory, "other", t0 + 1)  # keys are independent
    # half-way into the next slot half of the previous slot's 4 hits still count: 2 more allowed
    assert [limiter.allow(factory, "k", t0 + 15) for _ in range(3)] == [True, True, False]
    # 90 % into it only 0.4 → floor 0 of them count, the current slot has 2: 2 more allowed
    assert [limiter.allow(factory, "k", t0 + 19) for _ in range(3)] == [True, True, False]
    with unit_of_work(factory) as s:
        keys = s.scalars(select(RateWindow.key_hash).where(RateWindow.bucket == "unit")).all()
        assert all(len(k) == 64 and k not in ("k", "other") for k in keys)  # stored hashed
    # a new slot two windows later prunes everything older than the previous slot
    assert limiter.allow(factory, "k", t0 + 35)
    with unit_of_work(factory) as s:
        slots = s.scalars(select(RateWindow.slot).where(RateWindow.bucket == "unit")).all()
    assert slots == [100003]


def test_concurrent_attempts_never_exceed_the_limit(database_url: str) -> None:
    """32 threads on two engines (two "workers") race for 40 slots with 128 attempts: exactly 40 win."""
    engines = [make_engine(database_url), make_engine(database_url)]
    factories = [session_factory(e) for e in engines]
    limiter = RateLimiter(40, 3600, "race")
    start = threading.Barrier(32)

    def attempt(i: int) -> list[bool]:
        start.wait()
        return [limiter.allow(factories[i % 2], "203.0.113.7") for _ in range(4)]

    try:
        with ThreadPoolExecutor(32) as pool:
            results = [ok for batch in pool.map(attempt, range(32)) for ok in batch]
        assert sum(results) == 40 and len(results) == 128
        with unit_of_work(factories[0]) as s:
            assert s.scalar(select(func.sum(RateWindow.hits)).where(RateWindow.bucket == "race")) == 40
    finally:
        for engine in engines:
            engine.dispose()


# --- audit jobs -------------------------------------------------------------------------------------


@dataclass
class FakeAudit:
    """Stands in for the audit engine (tested on its own in tests/claims): reports progress, then waits
    for the test to let it finish or fail."""

    release: threading.Event
    reached: threading.Event
    fail: bool = False

    def __call__(self, input_dir: Path, out_dir: Path, **kwargs: Any) -> Any:
        progress: Callable[[str, int, int], None] = kwargs["progress"]
        assert sorted(p.name for p in input_dir.iterdir()) == ["MDTRT_D.csv", "SETL_D.csv"]
        progress("执行规则 R01", 3, 8)
        self.reached.set()
        assert self.release.wait(20)
        if self.fail:
            raise InputFolderError("数据文件夹缺少 FEE_LIST_D（费用明细）")
        out_dir.mkdir(parents=True, exist_ok=True)
        return type("Result", (), {"run_id": "RUN-SHARED-1", "findings": 7})()


@pytest.fixture
def fake_audit(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAudit]:
    fake = FakeAudit(threading.Event(), threading.Event())
    monkeypatch.setattr(audit_jobs, "run_audit", fake)

    class _NoKb:
        @staticmethod
        def open(_path: Path) -> Any:
            from contextlib import nullcontext

            return nullcontext(None)

    monkeypatch.setattr(audit_jobs, "KnowledgeBase", _NoKb)
    monkeypatch.setattr(
        audit_jobs.importer,
        "import_run",
        lambda repo, folder, default_region: type("R", (), {"imported": 5})(),
    )
    monkeypatch.setenv("QIANDAI_JOB_HEARTBEAT", "0.05")
    yield fake
    fake.release.set()


def _start(client: TestClient) -> str:
    files = [("files", ("MDTRT_D.csv", b"mdtrt_id\n1\n")), ("files", ("SETL_D.csv", b"setl_id\n1\n"))]
    r = client.post(
        "/yb/runs",
        data={"csrf_token": client.cookies.get("qiandai_csrf")},
        files=files,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def _wait_for(client: TestClient, job_id: str, state: str) -> str:
    for _ in range(200):
        text = client.get(f"/yb/runs/jobs/{job_id}", headers={"HX-Request": "true"}).text
        if f'data-state="{state}"' in text:
            return text
        threading.Event().wait(0.05)
    raise AssertionError(f"job never reached {state}: {text}")


def test_progress_of_a_run_is_seen_by_the_other_worker(
    workers: tuple[TestClient, TestClient], fake_audit: FakeAudit, factory: sessionmaker[Session]
) -> None:
    a, b = workers
    _login(a, "aud")
    b.cookies.update(a.cookies)  # the session lives in the database: one login serves both workers
    job_id = _start(a)
    assert fake_audit.reached.wait(20)
    running = _wait_for(b, job_id, "running")
    assert "执行规则 R01" in running and "（3/8）" in running and 'aria-valuenow="37"' in running
    assert "MDTRT_D.csv、SETL_D.csv" in running and 'hx-trigger="every 1s"' in running
    with unit_of_work(factory) as s:
        first_beat = s.get(AuditJob, job_id).heartbeat_at  # type: ignore[union-attr]
    threading.Event().wait(0.3)
    with unit_of_work(factory) as s:
        row = s.get(AuditJob, job_id)
        assert row is not None and row.heartbeat_at > first_beat  # the running worker keeps beating
        assert row.folder.endswith(job_id) and row.state == "running"
    fake_audit.release.set()
    done = _wait_for(b, job_id, "done")
    assert "发现疑点 7 个，新增到审核队列 5 个" in done and "/yb/runs/RUN-SHARED-1" in done
    assert "hx-trigger" not in done
    listing = b.get("/yb/runs").text
    assert "最近的审核任务" in listing and job_id in listing and "完成（100%）" in listing


def test_a_failed_run_shows_its_chinese_message_on_every_worker(
    workers: tuple[TestClient, TestClient], fake_audit: FakeAudit
) -> None:
    a, b = workers
    _login(a, "aud")
    b.cookies.update(a.cookies)
    fake_audit.fail = True
    job_id = _start(a)
    fake_audit.release.set()
    failed = _wait_for(b, job_id, "failed")
    assert "数据文件夹缺少 FEE_LIST_D（费用明细）" in failed and "error-text" in failed


def test_a_run_whose_worker_died_is_shown_failed(
    workers: tuple[TestClient, TestClient], factory: sessionmaker[Session]
) -> None:
    _a, b = workers
    _login(b, "rev")
    old = now_utc() - timedelta(seconds=audit_jobs.stale_seconds() + 5)
    with unit_of_work(factory) as s:
        for job_id, beat in (("deadbeefdeadbeef", old), ("a1a1a1a1a1a1a1a1", now_utc())):
            s.add(
                AuditJob(
                    id=job_id,
                    owner="aud",
                    files='["MDTRT_D.csv"]',
                    state="running",
                    stage="执行规则 R02",
                    done=4,
                    total=8,
                    run_id=None,
                    message="",
                    imported=0,
                    folder="/nonexistent/" + job_id,
                    worker="other-host:4242",
                    created_at=old,
                    updated_at=old,
                    heartbeat_at=beat,
                )
            )
    page = b.get("/yb/runs/jobs/deadbeefdeadbeef").text
    assert 'data-state="failed"' in page and audit_jobs.STALE_MESSAGE in page and "hx-trigger" not in page
    alive = b.get("/yb/runs/jobs/a1a1a1a1a1a1a1a1").text
    assert 'data-state="running"' in alive and "执行规则 R02" in alive  # a live worker's job is left alone
    with unit_of_work(factory) as s:
        dead = s.get(AuditJob, "deadbeefdeadbeef")
        assert dead is not None and dead.state == "failed" and dead.message == audit_jobs.STALE_MESSAGE
    assert audit_jobs.expire_stale(factory) == 0  # idempotent
    assert b.get("/yb/runs/jobs/0000000000000000").status_code == 404
