"""Audit runs started from the console: upload → background audit → import into the review queue.

Uploaded national-format files go to ``$QIANDAI_HOME/web-runs/<job>/data``; the audit writes to
``…/out``. One audit runs at a time per process (the others wait, shown as 排队中); progress is kept in
memory for the progress bar, and the finished run is registered (:mod:`qiandai.web.runs_store`) so
its fee lines can be shown. The import uses the starting user's scope and one unit of work.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from qiandai import settings
from qiandai.claims.audit import run_audit
from qiandai.claims.rulesets import DEFAULT_RULE_SET, claims_rule_store
from qiandai.domain.errors import QiandaiError
from qiandai.identity.principal import Principal
from qiandai.knowledge import KnowledgeBase
from qiandai.store.database import unit_of_work
from qiandai.supervision import importer
from qiandai.supervision.repository import ScopedRepository
from qiandai.web.runs_store import register, runs_root
from qiandai.web.yb_kb import kb_lock

_one_at_a_time = threading.Semaphore(1)


@dataclass
class Job:
    id: str
    owner: str
    files: list[str]
    state: str = "queued"  # queued | running | importing | done | failed
    stage: str = "排队中"
    done: int = 0
    total: int = 1
    run_id: str | None = None
    message: str = ""
    imported: int = 0
    folder: Path = field(default_factory=Path)

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return min(99, int(100 * self.done / max(self.total, 1)))


_jobs: dict[str, Job] = {}
_jobs_lock = threading.Lock()


def jobs() -> list[Job]:
    with _jobs_lock:
        return sorted(_jobs.values(), key=lambda j: j.id, reverse=True)


def job(job_id: str) -> Job | None:
    with _jobs_lock:
        return _jobs.get(job_id)


def start(factory: sessionmaker[Session], principal: Principal, files: list[tuple[str, bytes]]) -> Job:
    """Save the uploaded files and start the audit in a background thread; returns the job."""
    job_id = secrets.token_hex(8)
    folder = runs_root() / job_id
    data = folder / "data"
    data.mkdir(parents=True)
    for name, content in files:
        (data / Path(name).name).write_bytes(content)
    new = Job(job_id, principal.username, [Path(n).name for n, _ in files], folder=folder)
    with _jobs_lock:
        _jobs[job_id] = new
    threading.Thread(target=_run, args=(factory, principal, new), daemon=True, name=f"audit-{job_id}").start()
    return new


def _run(factory: sessionmaker[Session], principal: Principal, job: Job) -> None:
    with _one_at_a_time:
        job.state, job.stage = "running", "读取数据"

        def progress(label: str, done: int, total: int) -> None:
            job.stage, job.done, job.total = label, done, total

        try:
            version = claims_rule_store(settings.rulesets_path()).get(DEFAULT_RULE_SET)
            with kb_lock, KnowledgeBase.open(settings.knowledge_base_path()) as kb:
                result = run_audit(
                    job.folder / "data",
                    job.folder / "out",
                    version=version,
                    knowledge=kb,
                    progress=progress,
                    write_xlsx=False,
                )
            job.run_id, job.state, job.stage = result.run_id, "importing", "导入审核队列"
            register(result.run_id, job.folder / "out", job.folder / "data")
            with unit_of_work(factory) as session:
                imported = importer.import_run(
                    ScopedRepository(session, principal),
                    job.folder / "out",
                    default_region=principal.region_code or "000000",
                )
            job.imported = imported.imported
            job.state, job.stage = "done", "完成"
            job.message = f"发现疑点 {result.findings} 个，新增到审核队列 {imported.imported} 个"
        except QiandaiError as exc:
            job.state, job.stage, job.message = "failed", "失败", exc.message
        except Exception as exc:  # the page must show a failure rather than spin forever
            job.state, job.stage, job.message = "failed", "失败", f"审核出错：{type(exc).__name__}"
