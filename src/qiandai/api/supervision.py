"""Supervision API, part 1: import of audit runs, the review queue, evidence uploads, configuration.

:func:`routers` returns every router of the identity and supervision modules, for ``create_app``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response

from qiandai.api.auth import CurrentPrincipal, DbSession, require_roles
from qiandai.api.supervision_schemas import BulkIn, EventOut, FindingOut, MoveIn
from qiandai.domain.errors import InvalidInputError
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.supervision import evidence, importer, review
from qiandai.supervision.config import DEFAULTS, get_config, set_config
from qiandai.supervision.models import Evidence, Finding
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import STAGE_LABELS

router = APIRouter(prefix="/api/supervision", tags=["医保监管：疑点审核"])


def repo_for(principal: CurrentPrincipal, session: DbSession) -> ScopedRepository:
    """The caller's scoped repository (every supervision endpoint reads through it)."""
    return ScopedRepository(session, principal)


Repo = Annotated[ScopedRepository, Depends(repo_for)]


def finding_out(f: Finding) -> FindingOut:
    out = FindingOut.model_validate(f)
    out.stage_label = STAGE_LABELS[f.stage]
    out.overdue = review.is_overdue(f)
    return out


@router.post("/imports", summary="导入审核批次疑点（幂等）", status_code=201)
def import_run(
    repo: Repo,
    _: Annotated[Principal, Depends(require_roles(Role.AUDITOR, Role.ADMIN))],
    suspects: Annotated[UploadFile, File(description="suspects.parquet")],
    run_json: Annotated[UploadFile | None, File(description="run.json（可选）")] = None,
    default_region: Annotated[str, Form(pattern=r"^\d{6}$")] = "000000",
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "suspects.parquet").write_bytes(suspects.file.read())
        if run_json is not None:
            (folder / "run.json").write_bytes(run_json.file.read())
        result = importer.import_run(repo, folder, default_region=default_region)
    return result.__dict__


@router.get("/findings", response_model=list[FindingOut], summary="疑点队列")
def findings(
    repo: Repo,
    stage: str | None = None,
    institution_code: str | None = None,
    run_id: str | None = None,
    overdue: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[FindingOut]:
    if stage and stage not in STAGE_LABELS:
        raise InvalidInputError(f"未知环节：{stage}")
    rows = repo.findings(
        stage=stage,
        institution_code=institution_code,
        run_id=run_id,
        overdue_at=repo.now() if overdue else None,
        limit=min(max(limit, 1), 1000),
        offset=max(offset, 0),
    )
    return [finding_out(f) for f in rows if not overdue or review.is_overdue(f)]


@router.get("/findings/summary", summary="各环节疑点数")
def summary(repo: Repo) -> dict[str, Any]:
    counts = repo.stage_counts()
    return {
        "stages": [
            {"stage": s, "label": label, "count": counts.get(s, 0)} for s, label in STAGE_LABELS.items()
        ]
    }


@router.get("/findings/{finding_id}", response_model=FindingOut, summary="疑点详情（脱敏）")
def finding(finding_id: int, repo: Repo) -> FindingOut:
    return finding_out(repo.get(Finding, finding_id, "疑点"))


@router.get("/findings/{finding_id}/events", response_model=list[EventOut], summary="疑点处理记录")
def finding_events(finding_id: int, repo: Repo) -> list[EventOut]:
    repo.get(Finding, finding_id, "疑点")
    return [EventOut.model_validate(e) for e in repo.events("finding", finding_id)]


@router.post("/findings/{finding_id}/actions", response_model=FindingOut, summary="处理疑点")
def act(finding_id: int, body: MoveIn, repo: Repo) -> FindingOut:
    move = review.Move(
        body.action, body.reason, body.confirmed_amount, body.attachments, body.expected_version
    )
    return finding_out(review.act(repo, finding_id, move))


@router.post(
    "/findings/bulk", response_model=list[FindingOut], summary="批量处理疑点（全部成功或全部不执行）"
)
def bulk(body: BulkIn, repo: Repo) -> list[FindingOut]:
    move = review.Move(body.action, body.reason, body.confirmed_amount)
    return [finding_out(f) for f in review.bulk(repo, body.ids, move)]


@router.post("/findings/{finding_id}/reveal", summary="查看参保人明文信息（记录访问日志）")
def reveal(finding_id: int, repo: Repo, reason: Annotated[str, Form(min_length=2)]) -> dict[str, Any]:
    return review.reveal_person(repo, finding_id, reason)


@router.post("/evidence/{subject_type}/{subject_id}", status_code=201, summary="上传附件")
def upload(
    subject_type: str, subject_id: int, repo: Repo, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    row = evidence.upload(
        repo, subject_type, subject_id, file.filename or "附件", file.content_type or "", file.file.read()
    )
    return {"id": row.id, "filename": row.filename, "sha256": row.sha256}


@router.get("/evidence/{evidence_id}", summary="下载附件")
def download(evidence_id: int, repo: Repo) -> Response:
    row = repo.session.get(Evidence, evidence_id)
    if row is None:
        raise InvalidInputError("附件不存在")
    model, what = evidence.SUBJECTS[row.subject_type]
    repo.get(model, row.subject_id, what)
    return Response(row.content, media_type=row.media_type)


@router.get("/config", summary="配置项（规则即数据）")
def config(repo: Repo) -> dict[str, Any]:
    return {key: get_config(repo.session, key) for key in DEFAULTS}


@router.put("/config/{key}", summary="修改配置项（管理员）")
def put_config(
    key: str,
    value: dict[str, Any] | int,
    repo: Repo,
    admin: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
) -> dict[str, Any]:
    set_config(repo.session, key, value, admin.username)
    return {key: get_config(repo.session, key)}


def routers() -> list[APIRouter]:
    """Every router of the identity and supervision modules."""
    from qiandai.api import auth, identity, supervision_cases, supervision_programmes, supervision_reports

    return [
        auth.router,
        identity.router,
        router,
        supervision_cases.router,
        supervision_programmes.router,
        supervision_reports.router,
        supervision_reports.public_router,
    ]
