"""Supervision API, part 2: cases, hearing notices, decisions (idempotent), payments, documents, close-out.

Cases are against an institution or an insured person (条例第四十一条, ``subject_kind="person"``). Person
cases are visible to bureau roles only (institution users get 404, as for anything out of scope); their
party is shown masked, and ``POST /cases/{id}/reveal`` returns the full identity with an access-log entry.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from qiandai.api.supervision import Repo, finding_out
from qiandai.api.supervision_schemas import (
    CaseIn,
    CaseOut,
    DecisionIn,
    DecisionOut,
    DocumentOut,
    EventOut,
    FindingOut,
    PaymentIn,
    PaymentOut,
    PenaltyIn,
    RevealIn,
    StatementIn,
)
from qiandai.supervision import cases, documents, penalties, persons
from qiandai.supervision.models import Case, Decision, Document

router = APIRouter(prefix="/api/supervision", tags=["医保监管：案件与处罚"])


@router.get("/penalty-articles", summary="处罚条款（条例第38–41条）")
def articles() -> list[dict[str, Any]]:
    return [
        a.__dict__ | {"multiple": a.multiple, "fixed_fine": a.fixed_fine} for a in penalties.ARTICLES.values()
    ]


@router.post("/cases", response_model=CaseOut, status_code=201, summary="立案（已确认疑点；机构或参保个人）")
def open_case(body: CaseIn, repo: Repo) -> CaseOut:
    identity = persons.PersonIdentity(body.person.name, body.person.id_number) if body.person else None
    case = cases.open_case(repo, body.finding_ids, body.title, body.subject_kind, identity)
    return CaseOut.model_validate(case)


@router.get("/cases", response_model=list[CaseOut], summary="案件列表")
def list_cases(repo: Repo, status: str | None = None, subject_kind: str | None = None) -> list[CaseOut]:
    return [CaseOut.model_validate(c) for c in repo.cases(status, subject_kind)]


@router.post("/cases/{case_id}/reveal", summary="查看个人案件当事人明文信息（记录访问日志）")
def reveal(case_id: int, body: RevealIn, repo: Repo) -> dict[str, str | None]:
    return persons.reveal(repo, case_id, body.reason)


@router.get("/cases/{case_id}", summary="案件详情")
def case_detail(case_id: int, repo: Repo) -> dict[str, Any]:
    case = repo.get(Case, case_id, "案件")
    decision = repo.session.scalars(select(Decision).where(Decision.case_id == case.id)).one_or_none()
    return {
        "case": CaseOut.model_validate(case),
        "findings": [finding_out(f) for f in repo.findings_of_case(case.id)],
        "decision": DecisionOut.model_validate(decision) if decision else None,
        "balance": cases.balance(repo, case),
        "payments": [PaymentOut.model_validate(p) for p in repo.payments(case.id)],
        "documents": [DocumentOut.model_validate(d) for d in documents.list_for(repo, "case", case.id)],
        "events": [EventOut.model_validate(e) for e in repo.events("case", case.id)],
    }


@router.post("/cases/{case_id}/hearing-notice", response_model=CaseOut, summary="发出行政处罚事先告知书")
def hearing_notice(case_id: int, body: PenaltyIn, repo: Repo) -> CaseOut:
    return CaseOut.model_validate(cases.issue_hearing_notice(repo, case_id, body.model_dump()))


@router.post("/cases/{case_id}/statement", response_model=CaseOut, summary="陈述申辩（或放弃）")
def statement(case_id: int, body: StatementIn, repo: Repo) -> CaseOut:
    return CaseOut.model_validate(cases.record_statement(repo, case_id, body.statement, body.waive))


@router.post("/cases/{case_id}/decision", response_model=DecisionOut, summary="作出处罚决定（幂等）")
def decide(case_id: int, body: DecisionIn, repo: Repo) -> DecisionOut:
    req = cases.DecisionRequest(**body.model_dump())
    return DecisionOut.model_validate(cases.decide(repo, case_id, req))


@router.post(
    "/cases/{case_id}/payments", response_model=PaymentOut, status_code=201, summary="登记追回款/罚款"
)
def payment(case_id: int, body: PaymentIn, repo: Repo) -> PaymentOut:
    row = cases.record_payment(repo, case_id, body.kind, body.amount, body.reference, body.paid_at)
    return PaymentOut.model_validate(row)


@router.post("/cases/{case_id}/close", response_model=CaseOut, summary="对账销号，结案")
def close(case_id: int, repo: Repo) -> CaseOut:
    return CaseOut.model_validate(cases.close_case(repo, case_id))


@router.get("/cases/{case_id}/findings", response_model=list[FindingOut], summary="案件涉及疑点")
def case_findings(case_id: int, repo: Repo) -> list[FindingOut]:
    repo.get(Case, case_id, "案件")
    return [finding_out(f) for f in repo.findings_of_case(case_id)]


@router.get("/documents/{document_id}", summary="下载文书（PDF）")
def document(document_id: int, repo: Repo) -> Response:
    doc = repo.get(Document, document_id, "文书")
    return Response(
        doc.content,
        media_type=doc.media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(doc.filename)}"},
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
