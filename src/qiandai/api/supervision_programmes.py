"""Supervision API, part 3: rectification ledger, expert pool and random draws, self-inspection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from qiandai.api.supervision import Repo, finding_out
from qiandai.api.supervision_schemas import (
    Amount,
    EventOut,
    FindingOut,
    NoteIn,
    RectificationIn,
    RectificationOut,
    Shanghai,
)
from qiandai.supervision import inspections, rectification, selfinspection
from qiandai.supervision.models import Draw, Rectification

router = APIRouter(prefix="/api/supervision", tags=["医保监管：整改、双随机、自查自纠"])


def _rect(item: Rectification) -> RectificationOut:
    out = RectificationOut.model_validate(item)
    out.overdue = rectification.is_overdue(item)
    return out


@router.get("/rectifications", response_model=list[RectificationOut], summary="问题整改台账")
def rectifications(
    repo: Repo, status: str | None = None, case_id: int | None = None
) -> list[RectificationOut]:
    return [_rect(r) for r in repo.rectifications(case_id=case_id, status=status)]


@router.post("/rectifications", response_model=RectificationOut, status_code=201, summary="下达整改事项")
def add_rectification(body: RectificationIn, repo: Repo) -> RectificationOut:
    return _rect(rectification.create(repo, **body.model_dump()))


@router.get("/rectifications/{item_id}/events", response_model=list[EventOut], summary="整改记录")
def rectification_events(item_id: int, repo: Repo) -> list[EventOut]:
    repo.get(Rectification, item_id, "整改事项")
    return [EventOut.model_validate(e) for e in repo.events("rectification", item_id)]


@router.post("/rectifications/{item_id}/submit", response_model=RectificationOut, summary="提交整改材料")
def submit(item_id: int, body: NoteIn, repo: Repo) -> RectificationOut:
    return _rect(rectification.submit(repo, item_id, body.note, body.attachments))


@router.post("/rectifications/{item_id}/verify", response_model=RectificationOut, summary="核验整改")
def verify(item_id: int, body: NoteIn, repo: Repo) -> RectificationOut:
    return _rect(rectification.verify(repo, item_id, body.passed, body.note))


@router.post("/rectifications/{item_id}/close", response_model=RectificationOut, summary="销号")
def close(item_id: int, body: NoteIn, repo: Repo) -> RectificationOut:
    return _rect(rectification.close_out(repo, item_id, body.note))


@router.post("/rectifications/{item_id}/recheck", response_model=RectificationOut, summary="回头看")
def recheck(item_id: int, body: NoteIn, repo: Repo) -> RectificationOut:
    return _rect(rectification.recheck(repo, item_id, body.passed, body.note))


@router.post("/rectifications/escalate", response_model=list[RectificationOut], summary="逾期事项升级督办")
def escalate(repo: Repo) -> list[RectificationOut]:
    return [_rect(r) for r in rectification.escalate_overdue(repo)]


class ExpertIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    speciality: str = Field(description="医保 | 医务 | 药学 | 财务 | 物价")
    region_code: str = Field(pattern=r"^\d{6}$")
    employer_code: str | None = None
    username: str | None = None


class DrawIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    count: int = Field(ge=1, le=1000)
    seed: str = Field(min_length=1, max_length=64, description="随机种子（公开记录，可复现）")
    kinds: list[str] | None = None
    stratify: bool = True
    weighted: bool = True
    specialities: list[str] | None = None


class DrawOut(BaseModel):
    id: int
    draw_no: str
    title: str
    seed: str
    params: dict[str, Any]
    inputs_sha256: str
    result_sha256: str
    created_at: Shanghai
    published_at: Shanghai | None
    targets: list[dict[str, Any]]


class InspectionFindingIn(BaseModel):
    institution_code: str
    rule_name: str = Field(min_length=1, max_length=200)
    evidence: str = Field(min_length=1, max_length=5000)
    amount: Amount
    result_type: str = Field(default="明确违规", pattern=r"^(明确违规|可疑)$")


class ProblemIn(BaseModel):
    rule_name: str = Field(min_length=1, max_length=200)
    evidence: str = Field(min_length=1, max_length=5000)
    amount: Amount
    rule_code: str | None = None
    mdtrt_id: str | None = None
    event_date: date | None = None


class SelfInspectionIn(BaseModel):
    institution_code: str
    period: str = Field(pattern=r"^\d{4}(-\d{2}|-Q[1-4]|-H[12])?$", description="期间，如 2025-06、2025-Q2")
    summary: str = Field(min_length=1, max_length=10000)
    problems: list[ProblemIn] = Field(default_factory=list)
    refund_amount: Amount = Decimal("0")


@router.post("/experts", status_code=201, summary="专家入库")
def add_expert(body: ExpertIn, repo: Repo) -> dict[str, Any]:
    e = inspections.add_expert(
        repo, body.name, body.speciality, body.region_code, body.employer_code, body.username
    )
    return {"id": e.id, "name": e.name, "speciality": e.speciality}


def _draw(repo: Repo, draw_id: int) -> DrawOut:
    d = inspections.details(repo, draw_id)
    draw: Draw = d["draw"]
    return DrawOut(
        id=draw.id,
        draw_no=draw.draw_no,
        title=draw.title,
        seed=draw.seed,
        params=draw.params,
        inputs_sha256=draw.inputs_sha256,
        result_sha256=draw.result_sha256,
        created_at=draw.created_at,
        published_at=draw.published_at,
        targets=d["targets"],
    )


@router.post("/draws", response_model=DrawOut, status_code=201, summary="双随机抽取（检查对象与检查专家）")
def draw(body: DrawIn, repo: Repo) -> DrawOut:
    return _draw(repo, inspections.make_draw(repo, **body.model_dump()).id)


@router.get("/draws/{draw_id}", response_model=DrawOut, summary="抽取结果")
def get_draw(draw_id: int, repo: Repo) -> DrawOut:
    return _draw(repo, draw_id)


@router.get("/draws/{draw_id}/replay", summary="按记录的种子与输入复现抽取")
def replay(draw_id: int, repo: Repo) -> dict[str, bool]:
    return {"reproducible": inspections.replay(repo, draw_id)}


@router.post("/draws/{draw_id}/publish", response_model=DrawOut, summary="公开抽取结果")
def publish(draw_id: int, repo: Repo) -> DrawOut:
    inspections.publish(repo, draw_id)
    return _draw(repo, draw_id)


@router.post("/draws/{draw_id}/findings", response_model=FindingOut, status_code=201, summary="登记检查发现")
def inspection_finding(draw_id: int, body: InspectionFindingIn, repo: Repo) -> FindingOut:
    return finding_out(inspections.record_finding(repo, draw_id, **body.model_dump()))


@router.post("/self-inspections", status_code=201, summary="提交自查自纠报告")
def self_inspection(body: SelfInspectionIn, repo: Repo) -> dict[str, Any]:
    report = selfinspection.submit(
        repo,
        institution_code=body.institution_code,
        period=body.period,
        summary=body.summary,
        problems=[p.model_dump() for p in body.problems],
        refund_amount=body.refund_amount,
    )
    return {"id": report.id, "problem_count": report.problem_count, "refund_amount": report.refund_amount}


@router.get("/self-inspections", summary="自查报告列表")
def self_inspections(repo: Repo) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "institution_code": r.institution_code,
            "period": r.period,
            "problem_count": r.problem_count,
            "problem_amount": r.problem_amount,
            "refund_amount": r.refund_amount,
            "status": r.status,
            "status_label": selfinspection.STATUS_LABELS.get(r.status, r.status),
            "review_opinion": r.review_opinion,
        }
        for r in selfinspection.list_reports(repo)
    ]


class RefundIn(BaseModel):
    amount: Amount
    voucher: str = Field(min_length=1, max_length=60, description="退回凭证号（同一凭证号只登记一次）")


class SelfReviewIn(BaseModel):
    accepted: bool
    opinion: str = Field(min_length=1, max_length=2000)


def _self_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "institution_code": r.institution_code,
        "period": r.period,
        "problem_amount": r.problem_amount,
        "refund_amount": r.refund_amount,
        "status": r.status,
        "status_label": selfinspection.STATUS_LABELS.get(r.status, r.status),
        "reviewed_by": r.reviewed_by,
        "review_opinion": r.review_opinion,
    }


@router.post("/self-inspections/{report_id}/refunds", summary="登记自查主动退回（按凭证号幂等）")
def self_refund(report_id: int, body: RefundIn, repo: Repo) -> dict[str, Any]:
    return _self_out(selfinspection.record_refund(repo, report_id, body.amount, body.voucher))


@router.post("/self-inspections/{report_id}/review", summary="医保部门审核自查报告（认可或退回补充）")
def self_review(report_id: int, body: SelfReviewIn, repo: Repo) -> dict[str, Any]:
    return _self_out(selfinspection.review(repo, report_id, body.accepted, body.opinion))
