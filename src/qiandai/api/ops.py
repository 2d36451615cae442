"""Operations endpoints: readiness (``/readyz``), Prometheus metrics (``/metrics``), request metrics.

``/healthz`` (liveness, in :mod:`qiandai.api.app`) answers as long as the process serves requests.
``/readyz`` answers 200 only when the database answers ``SELECT 1`` and every Alembic branch is at its
head; otherwise 503 with the reasons in Chinese, so a load balancer keeps traffic away from a worker
whose database is down or not yet migrated.

``/metrics`` is the Prometheus text exposition. It is **not authenticated**: like ``/healthz`` it is
meant to be reachable only on the bind address / intranet segment of the scraper (``qiandai serve``
binds to 127.0.0.1 by default; see ``docs/deployment.md``). When ``PROMETHEUS_MULTIPROC_DIR`` is set
(required with ``--workers N > 1``), metrics are written to files in that folder by every worker and
``/metrics`` aggregates them (``prometheus_client.multiprocess``); otherwise the process's default
registry is exposed.

:class:`RequestMetrics` is a small pure-ASGI middleware counting requests by route template, method and
status, with a latency histogram. It sits *inside* the decision fast path (ADR 0026), so the lean
``POST /api/transfers/decide`` path does not pay for it; decisions served there are not counted here.

Domain metrics: answered transfer decisions and their server-side latency (both decision paths call
:func:`count_decision`), console audit runs (:func:`observe_audit_run`, called by
:mod:`qiandai.web.audit_jobs`) and queue ages. Queue ages are not kept in process memory: a
:class:`QueueCollector` runs three small aggregate queries against the database each time
``/metrics`` is scraped (so every worker answers the same, with or without multiprocess mode); a
missing table or an unreachable database leaves those gauges out and sets
``qiandai_queue_metrics_up`` to 0 instead of failing the scrape.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qiandai.config import get_settings
from qiandai.logs import request_id_var

router = APIRouter(tags=["运维"])

HTTP_REQUESTS = Counter(
    "qiandai_http_requests",
    "HTTP requests by route template, method and status code",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "qiandai_http_request_duration_seconds",
    "HTTP request latency by route template and method (seconds)",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "unmatched"
TRANSFER_DECISIONS = Counter(
    "qiandai_transfer_decisions",
    "Transfer decisions answered over HTTP (both the lean path and the FastAPI route), by decision",
    ["decision"],
)
_DECISION_CHILDREN = {d: TRANSFER_DECISIONS.labels(d) for d in ("放行", "提示核实", "延迟到账", "拦截")}


DECISION_LATENCY = Histogram(
    "qiandai_transfer_decision_seconds",
    "Server-side latency of answered transfer decisions, from the request reaching the decision "
    "handler to the answer being ready (seconds)",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
AUDIT_RUNS = Counter(
    "qiandai_audit_runs",
    "Finished console audit runs by kind and final status (done | failed)",
    ["kind", "status"],
)
AUDIT_SECONDS = Histogram(
    "qiandai_audit_run_seconds",
    "Duration of console audit runs, from start of work (after waiting in the queue) to completion",
    ["kind", "status"],
    buckets=(1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0),
)
log = logging.getLogger(__name__)


def count_decision(answer: dict[str, Any], started: float | None = None) -> None:
    """Count one answered decision (a duplicate transfer id answered from the store counts again);
    with ``started`` (a :func:`time.perf_counter` reading) also observe its latency."""
    decision = str(answer.get("decision", ""))
    child = _DECISION_CHILDREN.get(decision)
    (child if child is not None else TRANSFER_DECISIONS.labels(decision)).inc()
    if started is not None:
        DECISION_LATENCY.observe(time.perf_counter() - started)


def observe_audit_run(kind: str, status: str, seconds: float) -> None:
    """Record one finished audit run (``status``: the job's final state, ``done`` or ``failed``)."""
    AUDIT_RUNS.labels(kind, status).inc()
    AUDIT_SECONDS.labels(kind, status).observe(max(seconds, 0.0))


class QueueCollector(Collector):
    """Queue-age gauges computed from the database when ``/metrics`` is scraped.

    - ``qiandai_transfer_warning_oldest_open_age_seconds{level}`` and
      ``qiandai_transfer_warnings_open{level}``: warnings not yet handled (status ``open``: no contact
      recorded), per level 高/中/低 (0 when none);
    - ``qiandai_audit_jobs_queued`` and ``qiandai_audit_job_oldest_queued_age_seconds``: console audit
      jobs waiting for their turn;
    - ``qiandai_transfer_holds_expiring_soon``: active holds ending within the next hour (those already
      past their end but not yet expired by the runtime's loop included).

    Each query is an aggregate over one table; a failing query (table absent, database down) drops its
    gauges and sets ``qiandai_queue_metrics_up`` to 0.
    """

    HOLD_HORIZON = timedelta(hours=1)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        up = 1
        queries = (self._warnings, self._audit_jobs, self._holds)
        try:
            with self.engine.connect() as conn:
                for query in queries:
                    try:
                        yield from query(conn, now)
                    except Exception as exc:
                        up = 0
                        log.warning("queue metrics: %s failed (%s)", query.__name__, type(exc).__name__)
                        conn.rollback()
        except Exception as exc:  # database unreachable
            up = 0
            log.warning("queue metrics: database unavailable (%s)", type(exc).__name__)
        gauge = GaugeMetricFamily(
            "qiandai_queue_metrics_up", "1 when every queue-age query of this scrape succeeded"
        )
        gauge.add_metric([], up)
        yield gauge

    @staticmethod
    def _age(now: datetime, oldest: datetime | None) -> float:
        return max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0

    def _warnings(self, conn: Connection, now: datetime) -> Iterator[Metric]:
        from qiandai.transfers.models import WarningRow
        from qiandai.transfers.warnings import Level, WarningStatus

        rows = conn.execute(
            select(WarningRow.level, func.min(WarningRow.created_at), func.count())
            .where(WarningRow.status == WarningStatus.OPEN.value)
            .group_by(WarningRow.level)
        ).all()
        found = {str(level): (oldest, int(count)) for level, oldest, count in rows}
        age = GaugeMetricFamily(
            "qiandai_transfer_warning_oldest_open_age_seconds",
            "Age of the oldest warning not yet handled (no contact recorded), by level; 0 when none",
            labels=["level"],
        )
        count = GaugeMetricFamily(
            "qiandai_transfer_warnings_open", "Warnings not yet handled, by level", labels=["level"]
        )
        for level in [*(lv.value for lv in Level), *sorted(set(found) - {lv.value for lv in Level})]:
            oldest, n = found.get(level, (None, 0))
            age.add_metric([level], self._age(now, oldest))
            count.add_metric([level], n)
        yield age
        yield count

    def _audit_jobs(self, conn: Connection, now: datetime) -> Iterator[Metric]:
        from qiandai.web.audit_jobs import AuditJob

        oldest, n = conn.execute(
            select(func.min(AuditJob.created_at), func.count()).where(AuditJob.state == "queued")
        ).one()
        count = GaugeMetricFamily("qiandai_audit_jobs_queued", "Console audit jobs waiting to run")
        count.add_metric([], int(n))
        age = GaugeMetricFamily(
            "qiandai_audit_job_oldest_queued_age_seconds",
            "Age of the oldest console audit job waiting to run; 0 when none",
        )
        age.add_metric([], self._age(now, oldest))
        yield count
        yield age

    def _holds(self, conn: Connection, now: datetime) -> Iterator[Metric]:
        from qiandai.transfers.holds import HoldStatus
        from qiandai.transfers.models import HoldRow

        n = conn.execute(
            select(func.count()).where(
                HoldRow.status == HoldStatus.ACTIVE.value, HoldRow.ends_at <= now + self.HOLD_HORIZON
            )
        ).scalar_one()
        gauge = GaugeMetricFamily(
            "qiandai_transfer_holds_expiring_soon",
            "Active holds (stop payment / freeze) ending within the next hour, overdue ones included",
        )
        gauge.add_metric([], int(n))
        yield gauge


@lru_cache(maxsize=1)
def _script() -> Any:
    """The Alembic script directory of every module's branch in this installed package (read once)."""
    from alembic.script import ScriptDirectory

    from qiandai.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def expected_heads() -> frozenset[str]:
    """Head revisions of every module's migration branch."""
    return frozenset(_script().get_heads())


def _applied(current: frozenset[str]) -> frozenset[str]:
    """Every revision applied given the database's version rows (ancestors and ``depends_on`` too).

    Alembic stores no separate row for a branch head that another applied revision depends on, so
    comparing rows with heads directly would report a false gap.
    """
    return frozenset(r.revision for r in _script().iterate_revisions(tuple(current), "base"))


def readiness(engine: Engine) -> tuple[bool, dict[str, Any]]:
    """Check the database and its migrations; ``(ready, report)`` with Chinese reasons when not ready."""
    from alembic.runtime.migration import MigrationContext

    checks: dict[str, Any] = {}
    reasons: list[str] = []
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:
        checks["database"] = "不可用"
        reasons.append(f"数据库无法连接或查询失败（{type(exc).__name__}）")
        return False, {"status": "未就绪", "checks": checks, "reasons": reasons}
    checks["database"] = "正常"
    expected = expected_heads()
    known = frozenset(r.revision for r in _script().walk_revisions())
    unknown = sorted(current - known)
    missing = sorted(expected - _applied(current & known))
    checks["migrations"] = {"expected": sorted(expected), "current": sorted(current)}
    if not current:
        reasons.append("数据库尚未迁移，请执行 qiandai db upgrade")
    elif missing:
        reasons.append(f"数据库迁移未到最新版本，缺少：{', '.join(missing)}；请执行 qiandai db upgrade")
    if unknown:
        reasons.append(f"数据库包含本程序不认识的迁移版本：{', '.join(unknown)}（程序版本可能过旧）")
    ready = not reasons
    report: dict[str, Any] = {"status": "就绪" if ready else "未就绪", "checks": checks}
    if reasons:
        report["reasons"] = reasons
    return ready, report


@router.get("/readyz", summary="就绪检查：数据库可用且所有迁移分支已到最新")
def readyz(request: Request) -> JSONResponse:
    ready, report = readiness(request.app.state.engine)
    return JSONResponse(report, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus 指标（不鉴权，仅应在内网/本机地址暴露）")
def metrics(request: Request) -> Response:
    queues = CollectorRegistry(auto_describe=False)
    queues.register(QueueCollector(request.app.state.engine))
    body = generate_latest(_registry()) + generate_latest(queues)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    if get_settings().prometheus_multiproc_dir is None:
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class RequestMetrics:
    """Pure-ASGI middleware: request count by route template/method/status and a latency histogram.

    Also puts the caller's ``X-Request-ID`` header (if any) into :data:`qiandai.logs.request_id_var`
    so JSON log lines of that request carry it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        token = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                token = request_id_var.set(value.decode("latin-1")[:64])
                break

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = scope["method"]
            HTTP_REQUESTS.labels(template, method, str(status)).inc()
            HTTP_LATENCY.labels(template, method).observe(elapsed)
            if token is not None:
                request_id_var.reset(token)


def install_request_metrics(app: FastAPI) -> None:
    """Add :class:`RequestMetrics` (call before the decision fast path so that one stays outermost)."""
    app.add_middleware(RequestMetrics)
