"""Supervision API, part 4: whistleblower reports and rewards (public intake and receipt lookup), credit
ratings, blacklist export, circulars and major-case reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession
from qiandai.api.supervision import Repo
from qiandai.api.supervision_schemas import Amount, Shanghai
from qiandai.supervision import credit, whistle
from qiandai.supervision.repository import ScopedRepository

router = APIRouter(prefix="/api/supervision", tags=["医保监管：举报、信用、通报"])
public_router = APIRouter(prefix="/api/public", tags=["公众：举报"])


class ReporterIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=r"^\d{7,15}$")
    id_number: str | None = Field(default=None, pattern=r"^\d{17}[\dXx]$")


class ReportIn(BaseModel):
    subject: str = Field(min_length=2, max_length=200, description="举报事项")
    content: str = Field(min_length=5, max_length=10000, description="举报内容")
    anonymous: bool = True
    reporter: ReporterIn | None = None
    institution_code: str | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    alleged_amount: Amount | None = None


class ReportOut(BaseModel):
    id: int
    receipt_code: str
    anonymous: bool
    institution_code: str | None
    region_code: str
    subject: str
    content: str
    status: str
    status_label: str
    stage_deadline: Shanghai | None
    verified_amount: Any
    created_at: Shanghai


class DecisionNote(BaseModel):
    accepted: bool = True
    reason: str = Field(min_length=1, max_length=2000)


class ConcludeIn(BaseModel):
    verified_amount: Amount | None = None
    conclusion: str = Field(min_length=1, max_length=5000)


class PayIn(BaseModel):
    reference: str = Field(min_length=1, max_length=100)


def public_repo(session: DbSession) -> ScopedRepository:
    return ScopedRepository(session, whistle.PUBLIC)


PublicRepo = Annotated[ScopedRepository, Depends(public_repo)]


def _out(r: Any) -> ReportOut:
    return ReportOut(
        **{k: getattr(r, k) for k in ReportOut.model_fields if hasattr(r, k)},
        status_label=whistle.STATUS_LABELS[r.status],
    )


@public_router.post("/reports", status_code=201, summary="举报（无需登录，可匿名）")
def submit_public(body: ReportIn, repo: PublicRepo) -> dict[str, str]:
    report = whistle.submit(repo, **_submit_args(body), channel="form")
    return {"receipt_code": report.receipt_code, "message": "举报已接收，请妥善保存回执编号以查询办理进度"}


@public_router.get("/reports/{receipt_code}", summary="凭回执编号查询办理进度")
def receipt(receipt_code: str, repo: PublicRepo) -> dict[str, Any]:
    return whistle.status_by_receipt(repo, receipt_code)


def _submit_args(body: ReportIn) -> dict[str, Any]:
    return {
        "subject": body.subject,
        "content": body.content,
        "anonymous": body.anonymous,
        "reporter": body.reporter.model_dump(exclude_none=True) if body.reporter else None,
        "institution_code": body.institution_code,
        "region_code": body.region_code,
        "alleged_amount": body.alleged_amount,
    }


@router.post("/reports", response_model=ReportOut, status_code=201, summary="受理员录入举报（电话、来信）")
def submit_staff(body: ReportIn, repo: Repo) -> ReportOut:
    whistle.list_reports(repo)  # role check: intake / leader / auditor
    return _out(whistle.submit(repo, **_submit_args(body), channel="api"))


@router.get("/reports", response_model=list[ReportOut], summary="举报列表（不含举报人身份）")
def reports(repo: Repo, status: str | None = None) -> list[ReportOut]:
    return [_out(r) for r in whistle.list_reports(repo, status)]


@router.post("/reports/{report_id}/accept", response_model=ReportOut, summary="受理或不予受理")
def accept(report_id: int, body: DecisionNote, repo: Repo) -> ReportOut:
    return _out(whistle.accept(repo, report_id, body.accepted, body.reason))


@router.post("/reports/{report_id}/conclude", response_model=ReportOut, summary="核查结论（查实金额）")
def conclude(report_id: int, body: ConcludeIn, repo: Repo) -> ReportOut:
    return _out(whistle.conclude(repo, report_id, body.verified_amount, body.conclusion))


@router.post("/reports/{report_id}/reveal", summary="查看举报人身份（仅受理员，记录访问日志）")
def reveal(report_id: int, body: DecisionNote, repo: Repo) -> dict[str, str]:
    return whistle.reveal_reporter(repo, report_id, body.reason)


def _reward(r: Any) -> dict[str, Any]:
    return {
        k: getattr(r, k)
        for k in (
            "report_id",
            "verified_amount",
            "rate",
            "amount",
            "rule",
            "status",
            "approved_by",
            "approved_at",
            "paid_at",
            "payment_reference",
        )
    }


@router.post("/reports/{report_id}/reward", summary="计算举报奖励")
def propose(report_id: int, repo: Repo) -> dict[str, Any]:
    return _reward(whistle.propose_reward(repo, report_id))


@router.get("/rewards", summary="举报奖励列表（不含举报人身份）")
def rewards(repo: Repo, status: str | None = None) -> list[dict[str, Any]]:
    return [
        {**_reward(w), "subject": r.subject, "institution_code": r.institution_code}
        for w, r in whistle.list_rewards(repo, status)
    ]


@router.post("/reports/{report_id}/finding", status_code=201, summary="查实举报转为待立案疑点（幂等）")
def report_finding(report_id: int, repo: Repo) -> dict[str, Any]:
    f = whistle.report_to_finding(repo, report_id)
    return {"finding_id": f.id, "stage": f.stage, "confirmed_amount": f.confirmed_amount}


@router.post("/reports/{report_id}/reward/approve", summary="审批举报奖励（领导）")
def approve(report_id: int, repo: Repo) -> dict[str, Any]:
    return _reward(whistle.approve_reward(repo, report_id))


@router.post("/reports/{report_id}/reward/pay", summary="发放举报奖励")
def pay(report_id: int, body: PayIn, repo: Repo) -> dict[str, Any]:
    return _reward(whistle.pay_reward(repo, report_id, body.reference))


class PeriodIn(BaseModel):
    period: str = Field(pattern=r"^\d{4}(-\d{2}|-Q[1-4]|-H[12])?$")


class CircularIn(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    body: str = Field(min_length=2, max_length=10000)
    case_ids: list[int] = Field(min_length=1)


@router.post("/credit/ratings", summary="计算信用评价（含扣分理由）")
def ratings(body: PeriodIn, repo: Repo) -> list[dict[str, Any]]:
    rows = credit.compute_ratings(repo, body.period)
    return [
        {
            "institution_code": r.institution_code,
            "period": r.period,
            "score": r.score,
            "grade": r.grade,
            "reasons": r.reasons,
        }
        for r in rows
    ]


@router.get("/credit/blacklist", summary="黑名单")
def blacklist(repo: Repo) -> list[dict[str, Any]]:
    return [
        {"institution_code": i.code, "institution_name": i.name, "reason": b.reason, "listed_at": b.listed_at}
        for b, i in credit.blacklist(repo)
    ]


@router.get("/credit/blacklist.xlsx", summary="导出联合惩戒名单（xlsx）")
def blacklist_xlsx(repo: Repo) -> Response:
    return Response(
        credit.blacklist_xlsx(repo),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@router.post("/circulars", status_code=201, summary="起草典型案例通报（生成 PDF）")
def circular(body: CircularIn, repo: Repo) -> dict[str, Any]:
    c = credit.create_circular(repo, body.title, body.body, body.case_ids)
    return {"id": c.id, "title": c.title, "published_at": c.published_at}


@router.get("/circulars", summary="通报列表（本辖区，含待签发）")
def circulars(repo: Repo, published: bool | None = None) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "title": c.title,
            "case_ids": c.case_ids,
            "created_at": c.created_at,
            "published_at": c.published_at,
        }
        for c in credit.list_circulars(repo, published)
    ]


@public_router.get("/circulars", summary="已发布的典型案例通报（曝光台）")
def public_circulars(session: DbSession) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "title": c.title,
            "body": c.body,
            "published_at": c.published_at,
            "cases": credit.circular_items(session, c),
        }
        for c in credit.published_circulars(session)
    ]


@router.post("/circulars/{circular_id}/publish", summary="签发通报（领导）")
def publish_circular(circular_id: int, repo: Repo) -> dict[str, Any]:
    c = credit.publish_circular(repo, circular_id)
    return {"id": c.id, "title": c.title, "published_at": c.published_at}


@router.get("/major-reports", summary="要情报告（含逾期标记）")
def major_reports(repo: Repo) -> list[dict[str, Any]]:
    now = repo.now()
    return [
        {
            "id": m.id,
            "case_id": m.case_id,
            "reason": m.reason,
            "due_at": m.due_at,
            "submitted_at": m.submitted_at,
            "overdue": m.submitted_at is None and m.due_at < now,
        }
        for m in credit.major_reports(repo)
    ]


@router.post("/major-reports/{report_id}/submit", summary="报送要情")
def submit_major(report_id: int, body: CircularIn | DecisionNote, repo: Repo) -> dict[str, Any]:
    summary_text = body.body if isinstance(body, CircularIn) else body.reason
    m = credit.submit_major_report(repo, report_id, summary_text)
    return {"id": m.id, "submitted_at": m.submitted_at}
