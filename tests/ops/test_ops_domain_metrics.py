"""Domain metrics on /metrics after real actions: decision latency, console audit runs, queue ages."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ops_seed import add_bank_user, bearer, hold
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from qiandai.api.app import create_app
from qiandai.api.transfers import install_decision_fast_path
from qiandai.domain.errors import InputFolderError
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.store.database import unit_of_work
from qiandai.transfers.demo import seed_demo_antifraud
from qiandai.web import audit_jobs


def _value(body: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def _transfer(n: int) -> dict[str, Any]:
    return {
        "transfer_id": f"ops-metrics-{n}-{time.monotonic_ns()}",
        "payer_account": "6222020200001111",
        "payee_account": "6228480400002222",
        "amount": "200.00",
        "currency": "CNY",
        "channel": "mobile",
        "occurred_at": now_utc().isoformat(),
        "payer_region": "330102001001",
        "payer_age": 40,
        "payer_balance": "50000.00",
    }


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(database_url, decision_fast_path=False)
    install_decision_fast_path(app)
    add_bank_user(app.state.session_factory)
    with TestClient(app) as c:
        yield c
    rt = getattr(app.state, "transfers", None)
    if rt is not None:
        rt.close()
    app.state.engine.dispose()


def test_decision_latency_on_the_lean_path(client: TestClient) -> None:
    before = client.get("/metrics").text
    count0 = _value(before, "qiandai_transfer_decision_seconds_count") or 0.0
    sum0 = _value(before, "qiandai_transfer_decision_seconds_sum") or 0.0
    released0 = _value(before, "qiandai_transfer_decisions_total", decision="放行") or 0.0
    routed0 = _value(before, "qiandai_http_requests_total", route="/api/transfers/decide") or 0.0
    headers = bearer(client)
    for n in range(2):
        answer = client.post("/api/transfers/decide", json=_transfer(n), headers=headers).json()
        assert answer["decision"] == "放行"
    after = client.get("/metrics").text
    assert _value(after, "qiandai_transfer_decision_seconds_count") == count0 + 2
    assert (_value(after, "qiandai_transfer_decision_seconds_sum") or 0.0) > sum0
    assert _value(after, "qiandai_transfer_decision_seconds_bucket", le="+Inf") == count0 + 2
    assert _value(after, "qiandai_transfer_decisions_total", decision="放行") == released0 + 2
    # served by the lean path: the FastAPI route's request counter did not move
    assert (_value(after, "qiandai_http_requests_total", route="/api/transfers/decide") or 0.0) == routed0


def test_decision_latency_through_the_fastapi_route(database_url: str) -> None:
    app = create_app(database_url, decision_fast_path=False)  # every decision takes the route
    add_bank_user(app.state.session_factory)
    with TestClient(app) as c:
        count0 = _value(c.get("/metrics").text, "qiandai_transfer_decision_seconds_count") or 0.0
        headers = bearer(c)
        for n in range(3):
            assert c.post("/api/transfers/decide", json=_transfer(n), headers=headers).status_code == 200
        assert _value(c.get("/metrics").text, "qiandai_transfer_decision_seconds_count") == count0 + 3
    app.state.transfers.close()
    app.state.engine.dispose()


def test_queue_gauges_follow_the_database(client: TestClient) -> None:
    empty = client.get("/metrics").text
    assert _value(empty, "qiandai_queue_metrics_up") == 1
    for level in ("高", "中", "低"):
        assert _value(empty, "qiandai_transfer_warnings_open", level=level) == 0
        assert _value(empty, "qiandai_transfer_warning_oldest_open_age_seconds", level=level) == 0
    assert _value(empty, "qiandai_audit_jobs_queued") == 0
    assert _value(empty, "qiandai_transfer_holds_expiring_soon") == 0

    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    seed_demo_antifraud(factory)  # three feed warnings created 10 minutes ago, plus the stopped transfers'
    hold(factory, "ZF-Q-1", "6222020200001111", hours_ago=47.5)  # ends in 30 minutes
    hold(factory, "ZF-Q-2", "6222020200002222", hours_ago=1)  # ends in 47 hours
    with unit_of_work(factory) as s:
        s.add(_queued_job("ops-q-1", minutes_ago=5))
        s.add(_queued_job("ops-q-2", minutes_ago=1))
    body = client.get("/metrics").text
    assert _value(body, "qiandai_queue_metrics_up") == 1
    levels = ("高", "中", "低")
    open_total = sum(_value(body, "qiandai_transfer_warnings_open", level=lv) or 0 for lv in levels)
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        stored = conn.execute(text("SELECT count(*) FROM tx_warning WHERE status = 'open'")).scalar_one()
    assert open_total == stored >= 3
    ages = [_value(body, "qiandai_transfer_warning_oldest_open_age_seconds", level=lv) or 0 for lv in levels]
    oldest = max(ages)
    assert 600 <= oldest < 900  # the feed's warnings were created 10 minutes before now
    assert _value(body, "qiandai_audit_jobs_queued") == 2
    assert 300 <= (_value(body, "qiandai_audit_job_oldest_queued_age_seconds") or 0) < 400
    assert _value(body, "qiandai_transfer_holds_expiring_soon") == 1


def test_queue_gauges_survive_a_missing_table(client: TestClient) -> None:
    with client.app.state.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text("DROP TABLE web_audit_job"))
    r = client.get("/metrics")
    assert r.status_code == 200
    assert _value(r.text, "qiandai_queue_metrics_up") == 0
    assert _value(r.text, "qiandai_audit_jobs_queued") is None  # left out, not reported as 0
    assert _value(r.text, "qiandai_transfer_holds_expiring_soon") == 0  # the other queries still answer
    assert _value(r.text, "qiandai_transfer_warnings_open", level="高") == 0


def _queued_job(job_id: str, minutes_ago: float) -> audit_jobs.AuditJob:
    at = now_utc() - timedelta(minutes=minutes_ago)
    return audit_jobs.AuditJob(
        id=job_id,
        owner="aud",
        files="[]",
        state="queued",
        stage="排队中",
        done=0,
        total=1,
        run_id=None,
        message="",
        imported=0,
        folder="/nonexistent",
        worker="test",
        created_at=at,
        updated_at=at,
        heartbeat_at=at,
    )


class _Audit:
    """Stands in for the claims audit engine (the job machinery around it is the real one)."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def __call__(self, _data: Path, out_dir: Path, **_kwargs: Any) -> Any:
        time.sleep(0.05)
        if self.fail:
            raise InputFolderError("数据文件夹缺少 FEE_LIST_D（费用明细）")
        out_dir.mkdir(parents=True, exist_ok=True)
        return type("Result", (), {"run_id": f"RUN-OPS-{time.monotonic_ns()}", "findings": 2})()


def test_console_audit_runs_are_counted(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    class _NoKb:
        @staticmethod
        def open(_path: Path) -> Any:
            from contextlib import nullcontext

            return nullcontext(None)

    monkeypatch.setattr(audit_jobs, "KnowledgeBase", _NoKb)
    imported = type("Imported", (), {"imported": 1})()
    monkeypatch.setattr(audit_jobs.importer, "import_run", lambda repo, folder, default_region: imported)
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    principal = Principal(0, "aud", "审核员", frozenset({Role.ADMIN}), region_code="330100")
    before = client.get("/metrics").text

    def count(body: str, status: str) -> float:
        return _value(body, "qiandai_audit_runs_total", kind="claims", status=status) or 0.0

    for fail in (False, True, False):
        monkeypatch.setattr(audit_jobs, "run_audit", _Audit(fail))
        job = audit_jobs.start(factory, principal, [("MDTRT_D.csv", b"mdtrt_id\n1\n")])
        _wait_finished(job.id)
        state = audit_jobs.job(factory, job.id)
        assert state is not None and state.state == ("failed" if fail else "done")
    after = client.get("/metrics").text
    assert count(after, "done") == count(before, "done") + 2
    assert count(after, "failed") == count(before, "failed") + 1
    runs = _value(after, "qiandai_audit_run_seconds_count", kind="claims", status="done") or 0
    seconds = _value(after, "qiandai_audit_run_seconds_sum", kind="claims", status="done") or 0
    assert runs >= 2 and seconds > 0


def _wait_finished(job_id: str) -> None:
    for thread in threading.enumerate():
        if thread.name == f"audit-{job_id}":
            thread.join(20)
            assert not thread.is_alive()
            return
