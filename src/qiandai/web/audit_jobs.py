"""Audit runs started from the console: upload → background audit → import into the review queue.

Uploaded national-format files go to ``$QIANDAI_HOME/web-runs/<job>/data``; the audit writes to
``…/out``. The job's state lives in the database (table ``web_audit_job``, Alembic revision
``store_0002``): state (``queued`` | ``running`` | ``importing`` | ``done`` | ``failed``), progress
(done/total), stage text, message, run id and output folder, so that a progress page served by any
worker process shows the same run. The worker that runs the audit writes a heartbeat every
``QIANDAI_JOB_HEARTBEAT`` seconds (default 10) while the job is queued or running; an unfinished job
whose heartbeat is older than ``QIANDAI_JOB_STALE`` seconds (default 60) belonged to a worker that died
(restart, crash, OOM) and is marked failed with a Chinese message the first time anyone reads it.

One audit runs at a time per worker process (the others wait, shown as 排队中); the finished run is
registered (:mod:`qiandai.web.runs_store`) so its fee lines can be shown. The import uses the starting
user's scope and one unit of work.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import BigInteger, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from qiandai import settings
from qiandai.claims.audit import run_audit
from qiandai.claims.rulesets import DEFAULT_RULE_SET, claims_rule_store
from qiandai.config import get_settings
from qiandai.domain.errors import QiandaiError
from qiandai.identity.principal import Principal
from qiandai.knowledge import KnowledgeBase
from qiandai.store.base import Base, UtcDateTime, now_utc
from qiandai.store.database import unit_of_work
from qiandai.supervision import importer
from qiandai.supervision.repository import ScopedRepository
from qiandai.web.runs_store import register, runs_root
from qiandai.web.yb_kb import kb_lock

ACTIVE = ("queued", "running", "importing")
STALE_MESSAGE = "审核进程已中断（服务重启或工作进程退出），本次审核未完成，请重新上传数据发起审核"
_one_at_a_time = threading.Semaphore(1)
_PROGRESS_EVERY = 0.5  # seconds between progress writes (stage changes are written at once)


def heartbeat_seconds() -> float:
    return get_settings().job_heartbeat


def stale_seconds() -> float:
    return get_settings().job_stale


class AuditJob(Base):
    """One audit started from the console (the row every worker reads for the progress page)."""

    __tablename__ = "web_audit_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    files: Mapped[str] = mapped_column(Text)  # JSON list of the uploaded file names
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(200))
    done: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    run_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    imported: Mapped[int] = mapped_column(Integer)
    folder: Mapped[str] = mapped_column(String(1000))
    worker: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Job:
    """A snapshot of a job row, as the pages show it."""

    id: str
    owner: str
    files: list[str]
    state: str
    stage: str
    done: int
    total: int
    run_id: str | None
    message: str
    imported: int
    folder: Path
    created_at: datetime

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return min(99, int(100 * self.done / max(self.total, 1)))

    @property
    def output(self) -> Path:
        return self.folder / "out"


def _snapshot(row: AuditJob) -> Job:
    return Job(
        row.id,
        row.owner,
        list(json.loads(row.files)),
        row.state,
        row.stage,
        row.done,
        row.total,
        row.run_id,
        row.message,
        row.imported,
        Path(row.folder),
        row.created_at,
    )


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def expire_stale(factory: sessionmaker[Session], now: datetime | None = None) -> int:
    """Mark failed every unfinished job whose worker stopped beating; returns how many.

    One conditional UPDATE (idempotent, safe when several workers do it at once).
    """
    now = now or now_utc()
    cutoff = now - timedelta(seconds=stale_seconds())
    with unit_of_work(factory) as session:
        result = session.execute(
            update(AuditJob)
            .where(AuditJob.state.in_(ACTIVE), AuditJob.heartbeat_at < cutoff)
            .values(state="failed", stage="失败", message=STALE_MESSAGE, updated_at=now)
        )
    return int(getattr(result, "rowcount", 0) or 0)


def jobs(factory: sessionmaker[Session], limit: int = 50) -> list[Job]:
    """The most recent jobs of every worker, newest first (stale ones shown as failed)."""
    expire_stale(factory)
    with unit_of_work(factory) as session:
        rows = session.scalars(
            select(AuditJob).order_by(AuditJob.created_at.desc(), AuditJob.id.desc()).limit(limit)
        ).all()
        return [_snapshot(r) for r in rows]


def job(factory: sessionmaker[Session], job_id: str) -> Job | None:
    expire_stale(factory)
    with unit_of_work(factory) as session:
        row = session.get(AuditJob, job_id)
        return _snapshot(row) if row is not None else None


def _save(factory: sessionmaker[Session], job_id: str, **values: object) -> None:
    """Write ``values`` (and a fresh heartbeat) to the job row in its own transaction."""
    now = now_utc()
    with unit_of_work(factory) as session:
        session.execute(
            update(AuditJob).where(AuditJob.id == job_id).values(**values, updated_at=now, heartbeat_at=now)
        )


def start(factory: sessionmaker[Session], principal: Principal, files: list[tuple[str, bytes]]) -> Job:
    """Save the uploaded files, record the job and start the audit in a background thread."""
    job_id = secrets.token_hex(8)
    folder = runs_root() / job_id
    data = folder / "data"
    data.mkdir(parents=True)
    for name, content in files:
        (data / Path(name).name).write_bytes(content)
    now = now_utc()
    row = AuditJob(
        id=job_id,
        owner=principal.username,
        files=json.dumps([Path(n).name for n, _ in files], ensure_ascii=False),
        state="queued",
        stage="排队中",
        done=0,
        total=1,
        run_id=None,
        message="",
        imported=0,
        folder=str(folder),
        worker=_worker_name(),
        created_at=now,
        updated_at=now,
        heartbeat_at=now,
    )
    with unit_of_work(factory) as session:
        session.add(row)
        snapshot = _snapshot(row)
    threading.Thread(
        target=_run, args=(factory, principal, snapshot), daemon=True, name=f"audit-{job_id}"
    ).start()
    return snapshot


def _beat(factory: sessionmaker[Session], job_id: str, stop: threading.Event) -> None:
    """Refresh the heartbeat until ``stop`` is set (the job's worker is alive, even while waiting)."""
    while not stop.wait(heartbeat_seconds()):
        try:
            with unit_of_work(factory) as session:
                session.execute(
                    update(AuditJob)
                    .where(AuditJob.id == job_id, AuditJob.state.in_(ACTIVE))
                    .values(heartbeat_at=now_utc())
                )
        except Exception:  # a missed beat is retried; the job thread reports errors
            continue


def _run(factory: sessionmaker[Session], principal: Principal, job: Job) -> None:
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(factory, job.id, stop), daemon=True, name=f"beat-{job.id}")
    beat.start()
    try:
        with _one_at_a_time:
            started = time.monotonic()
            try:
                _audit_and_import(factory, principal, job)
            finally:
                _observe(factory, job.id, time.monotonic() - started)
    finally:
        stop.set()


def _observe(factory: sessionmaker[Session], job_id: str, seconds: float) -> None:
    """Count the finished run in the Prometheus metrics by its final state (``/metrics``)."""
    from qiandai.api.ops import observe_audit_run

    try:
        with unit_of_work(factory) as session:
            row = session.get(AuditJob, job_id)
            state = row.state if row is not None else "failed"
    except Exception:  # the database is gone: the job could not record its end either
        state = "failed"
    observe_audit_run("claims", state if state in ("done", "failed") else "failed", seconds)


def _audit_and_import(factory: sessionmaker[Session], principal: Principal, job: Job) -> None:
    _save(factory, job.id, state="running", stage="读取数据", worker=_worker_name())
    last_at, last_label = [0.0], [""]

    def progress(label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if label == last_label[0] and now - last_at[0] < _PROGRESS_EVERY and done < total:
            return
        last_at[0], last_label[0] = now, label
        try:
            _save(factory, job.id, stage=label[:200], done=done, total=max(total, 1))
        except Exception:  # a lost progress write must not stop the audit
            last_at[0] = 0.0

    try:
        version = claims_rule_store(settings.rulesets_path()).get(DEFAULT_RULE_SET)
        with kb_lock, KnowledgeBase.open(settings.knowledge_base_path()) as kb:
            result = run_audit(
                job.folder / "data",
                job.output,
                version=version,
                knowledge=kb,
                progress=progress,
                write_xlsx=False,
            )
        _save(factory, job.id, run_id=result.run_id, state="importing", stage="导入审核队列")
        register(result.run_id, job.output, job.folder / "data")
        with unit_of_work(factory) as session:
            imported = importer.import_run(
                ScopedRepository(session, principal),
                job.output,
                default_region=principal.region_code or "000000",
            )
        _save(
            factory,
            job.id,
            state="done",
            stage="完成",
            imported=imported.imported,
            message=f"发现疑点 {result.findings} 个，新增到审核队列 {imported.imported} 个",
        )
    except QiandaiError as exc:
        _save(factory, job.id, state="failed", stage="失败", message=exc.message)
    except Exception as exc:  # the page must show a failure rather than spin forever
        _save(factory, job.id, state="failed", stage="失败", message=f"审核出错：{type(exc).__name__}")
