"""Cases (案件办理): list with export, the case page (timeline, documents, money), its actions, a
printable case summary and printable 告知书 / 处罚决定书 (the stored proposal and decision).
Documents (告知书, 处罚决定书) download through the caller's scope."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from qiandai.domain.errors import NotFoundError
from qiandai.supervision import cases, documents, penalties
from qiandai.supervision.models import Case, Decision, Document, Institution
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import STAGE_LABELS
from qiandai.web import forms
from qiandai.web.deps import SUPERVISION_ALL, Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.stats import institution_names
from qiandai.web.templating import render

router = page_router("/yb", [Depends(require(*SUPERVISION_ALL))])
STATUS = {"open": "已立案", "notified": "已告知", "decided": "已决定", "closed": "已结案"}
EVENT_LABELS = {
    "open": "立案",
    "hearing_notice": "发出行政处罚事先告知书",
    "statement": "陈述申辩",
    "decide": "作出处罚决定",
    "payment_recovery": "登记追回款",
    "payment_fine": "登记罚款缴纳",
    "decision": "作出处罚决定",
    "close": "对账销号，结案",
}


def case_table(repo: ScopedRepository, status: str | None) -> Table:
    rows = repo.cases(status or None)
    names = institution_names(repo, sorted({c.institution_code for c in rows if c.institution_code}))
    data = [
        [
            c.case_no,
            c.title,
            names.get(c.institution_code or "", ""),
            STATUS.get(c.status, c.status),
            c.loss_amount,
            c.created_at,
            c.id,
        ]
        for c in rows
    ]
    headers = ["案件编号", "案件名称", "涉案机构", "状态", "违规金额（元）", "立案时间", "_id"]
    return Table("案件", headers, data, frozenset({4}))


@router.get("/cases")
def case_list(request: Request, repo: Repo, status: str = "") -> Response:
    return render(
        request, "yb/cases.html", {"t": case_table(repo, status), "status": status, "labels": STATUS}
    )


@router.get("/cases.xlsx")
def case_export(repo: Repo, status: str = "") -> Response:
    t = case_table(repo, status)
    t.headers, t.rows = t.headers[:-1], [r[:-1] for r in t.rows]
    return xlsx_response(t, "案件列表.xlsx")


def _context(repo: ScopedRepository, case_id: int) -> dict[str, object]:
    case = repo.get(Case, case_id, "案件")
    decision = repo.session.scalars(select(Decision).where(Decision.case_id == case.id)).one_or_none()
    return {
        "c": case,
        "status_label": STATUS.get(case.status, case.status),
        "inst": repo.session.get(Institution, case.institution_code) if case.institution_code else None,
        "findings": repo.findings_of_case(case.id),
        "stage_labels": STAGE_LABELS,
        "decision": decision,
        "balance": cases.balance(repo, case),
        "payments": repo.payments(case.id),
        "documents": documents.list_for(repo, "case", case.id),
        "events": repo.events("case", case.id),
        "event_labels": EVENT_LABELS,
        "articles": list(penalties.ARTICLES.values()),
        "idempotency_key": secrets.token_urlsafe(16),
        "role": repo.principal.has_role,
    }


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, repo: Repo) -> Response:
    return render(request, "yb/case.html", _context(repo, case_id))


@router.get("/cases/{case_id}/print")
def case_print(request: Request, case_id: int, repo: Repo) -> Response:
    return render(request, "yb/case_print.html", _context(repo, case_id))


@router.get("/cases/{case_id}/decision/print")
def decision_print(case_id: int, repo: Repo) -> Response:
    """The 处罚决定书 as a printable web page (same template and text as the stored PDF)."""
    case = repo.get(Case, case_id, "案件")
    decision = repo.session.scalars(select(Decision).where(Decision.case_id == case.id)).one_or_none()
    if decision is None:
        raise NotFoundError("该案件尚未作出处罚决定")
    template, context = documents.decision_context(repo, case, decision)
    return HTMLResponse(documents.render_html(template, **context, **_web_print(case)))


@router.get("/cases/{case_id}/notice/print")
def notice_print(case_id: int, repo: Repo) -> Response:
    """The 行政处罚事先告知书 as a printable web page, with the penalty proposed when it was issued."""
    case, notice = cases.hearing_notice_of(repo, case_id)
    template, context = documents.hearing_notice_context(
        repo,
        case,
        cases.proposed_penalty(notice),
        recovery=notice.recovery_amount,
        issued_at=notice.issued_at,
    )
    context["deadline"] = documents.date_text(notice.hearing_deadline)
    return HTMLResponse(documents.render_html(template, **context, **_web_print(case)))


def _web_print(case: Case) -> dict[str, object]:
    """The 打印 button (hidden when printing) and the way back, only on the web pages of documents."""
    return {"web_print": True, "back_url": f"/yb/cases/{case.id}"}


def _penalty(article: str, multiple: str, suspension: str) -> dict[str, object]:
    out: dict[str, object] = {"article": article}
    if multiple.strip():
        out["multiple"] = forms.amount(multiple, what="倍数")
    months = forms.optional_int(suspension, "暂停月数")
    if months:
        out["suspension_months"] = months
    return out


@router.post("/cases/{case_id}/hearing-notice")
def hearing_notice(
    request: Request,
    case_id: int,
    repo: Repo,
    article: Annotated[str, Form()],
    multiple: Annotated[str, Form()] = "",
    suspension_months: Annotated[str, Form()] = "",
) -> Response:
    cases.issue_hearing_notice(repo, case_id, _penalty(article, multiple, suspension_months))
    return done(request, f"/yb/cases/{case_id}", "已发出行政处罚事先告知书")


@router.post("/cases/{case_id}/statement")
def statement(
    request: Request,
    case_id: int,
    repo: Repo,
    text: Annotated[str, Form(max_length=10000)] = "",
    waive: Annotated[bool, Form()] = False,
) -> Response:
    cases.record_statement(repo, case_id, text, waive)
    return done(request, f"/yb/cases/{case_id}", "已记录陈述申辩")


@router.post("/cases/{case_id}/decision")
def decide(
    request: Request,
    case_id: int,
    repo: Repo,
    idempotency_key: Annotated[str, Form(min_length=8, max_length=100)],
    article: Annotated[str, Form()],
    multiple: Annotated[str, Form()] = "",
    suspension_months: Annotated[str, Form()] = "",
    basis: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The form carries a key generated when it was shown: a double submit returns the first decision."""
    choice = _penalty(article, multiple, suspension_months)
    req = cases.DecisionRequest(idempotency_key=idempotency_key, basis=basis, **choice)  # type: ignore[arg-type]
    cases.decide(repo, case_id, req)
    return done(request, f"/yb/cases/{case_id}", "已作出处罚决定，已生成处罚决定书")


@router.post("/cases/{case_id}/payments")
def payment(
    request: Request,
    case_id: int,
    repo: Repo,
    kind: Annotated[str, Form(pattern="^(recovery|fine)$")],
    amount: Annotated[str, Form()],
    reference: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    value = forms.amount(amount, required=True)
    assert value is not None
    cases.record_payment(repo, case_id, kind, value, reference.strip())
    return done(request, f"/yb/cases/{case_id}", "已登记缴款")


@router.post("/cases/{case_id}/close")
def close(request: Request, case_id: int, repo: Repo) -> Response:
    cases.close_case(repo, case_id)
    return done(request, f"/yb/cases/{case_id}", "已对账销号，案件办结")


@router.get("/documents/{document_id}")
def document(document_id: int, repo: Repo) -> Response:
    doc = repo.get(Document, document_id, "文书")
    return Response(
        doc.content,
        media_type=doc.media_type,
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(doc.filename)}"},
    )
