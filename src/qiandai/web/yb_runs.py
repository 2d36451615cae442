"""Audit runs (审核批次): the imported runs, upload of national tables to start a run with a live
progress bar (htmx polling), and a run's results by rule. Job state is read from the database
(:mod:`qiandai.web.audit_jobs`), so any worker process serves the progress page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Request, Response, UploadFile
from sqlalchemy import select

from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.identity.roles import Role
from qiandai.supervision.models import ImportRun
from qiandai.web import audit_jobs
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.runs_store import manifest
from qiandai.web.templating import render

router = page_router("/yb/runs", [Depends(require(Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.LEADER))])
MAX_UPLOAD = 512 * 1024 * 1024
ALLOWED = (".csv", ".parquet", ".xlsx")


@router.get("")
def runs(request: Request, session: DbSession, me: User) -> Response:
    rows = session.scalars(select(ImportRun).order_by(ImportRun.imported_at.desc())).all()
    ctx = {
        "runs": rows,
        "jobs": audit_jobs.jobs(request.app.state.session_factory),
        "can_start": me.has_role(Role.AUDITOR, Role.ADMIN),
    }
    return render(request, "yb/runs.html", ctx)


@router.get(".xlsx")
def runs_export(session: DbSession) -> Response:
    rows = [
        [
            r.run_id,
            f"{r.rule_set} v{r.rule_set_version}",
            r.finding_count,
            r.amount,
            r.imported_at,
            r.imported_by,
        ]
        for r in session.scalars(select(ImportRun).order_by(ImportRun.imported_at.desc())).all()
    ]
    headers = ["审核批次", "规则集", "疑点数", "涉及金额（元）", "导入时间", "导入人"]
    return xlsx_response(Table("审核批次", headers, rows, frozenset({3})), "审核批次.xlsx")


@router.post("")
async def start(
    request: Request,
    me: Annotated[object, Depends(require(Role.AUDITOR, Role.ADMIN))],
    user: User,
    files: Annotated[list[UploadFile], File()],
) -> Response:
    """Start an audit on uploaded national tables (MDTRT_D, SETL_D, FEE_LIST_D … as CSV/Parquet/xlsx)."""
    payload: list[tuple[str, bytes]] = []
    total = 0
    for f in files:
        name = f.filename or ""
        if not name.lower().endswith(ALLOWED):
            raise InvalidInputError(f"不支持的文件类型：{name}（应为 CSV、Parquet 或 xlsx）")
        content = await f.read()
        total += len(content)
        if total > MAX_UPLOAD:
            raise InvalidInputError("上传文件合计超过 512 MB，请使用命令行 qiandai claims audit")
        payload.append((name, content))
    if not payload:
        raise InvalidInputError("请选择国家标准格式的数据文件")
    job = audit_jobs.start(request.app.state.session_factory, user, payload)
    return done(request, f"/yb/runs/jobs/{job.id}", "已开始审核")


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    job = audit_jobs.job(request.app.state.session_factory, job_id)
    if job is None:
        raise NotFoundError("审核任务不存在")
    name = "yb/job_progress.html" if request.headers.get("hx-request") == "true" else "yb/job.html"
    return render(request, name, {"job": job})


@router.get("/{run_id}")
def run_page(request: Request, run_id: str, session: DbSession) -> Response:
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFoundError("审核批次不存在")
    return render(request, "yb/run.html", {"run": run, "manifest": manifest(run_id)})
