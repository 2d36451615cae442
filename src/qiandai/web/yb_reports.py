"""Whistleblower intake (举报受理): the list (no reporter identity), accept / reject, conclude, and the
intake role's explicit, access-logged view of a named reporter's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.identity.roles import Role
from qiandai.supervision import whistle
from qiandai.supervision.repository import ScopedRepository
from qiandai.web import forms
from qiandai.web.deps import Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/yb/reports", [Depends(require(Role.INTAKE, Role.LEADER, Role.AUDITOR, Role.ADMIN))])


def report_table(repo: ScopedRepository, status: str) -> Table:
    rows = [
        [
            r.id,
            r.receipt_code,
            "匿名" if r.anonymous else "实名",
            r.subject,
            r.content,
            r.institution_code or "",
            r.region_code,
            r.alleged_amount,
            whistle.STATUS_LABELS[r.status],
            r.stage_deadline,
            r.created_at,
        ]
        for r in whistle.list_reports(repo, status or None)
    ]
    headers = [
        "编号",
        "回执编号",
        "方式",
        "举报事项",
        "举报内容",
        "被举报机构",
        "行政区划",
        "举报金额（元）",
        "状态",
        "办理期限",
        "接收时间",
    ]
    return Table("举报", headers, rows, frozenset({7}))


@router.get("")
def reports(request: Request, repo: Repo, status: str = "") -> Response:
    ctx = {
        "t": report_table(repo, status),
        "status": status,
        "labels": whistle.STATUS_LABELS,
        "intake": repo.principal.has_role(Role.INTAKE),
    }
    return render(request, "yb/reports.html", ctx)


@router.get(".xlsx")
def export(repo: Repo, status: str = "") -> Response:
    return xlsx_response(report_table(repo, status), "举报线索.xlsx")


@router.post("/{report_id}/accept")
def accept(
    request: Request,
    report_id: int,
    repo: Repo,
    accepted: Annotated[bool, Form()],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    whistle.accept(repo, report_id, accepted, reason)
    return done(request, "/yb/reports", f"举报 {report_id} 已{'受理' if accepted else '不予受理'}")


@router.post("/{report_id}/conclude")
def conclude(
    request: Request,
    report_id: int,
    repo: Repo,
    conclusion: Annotated[str, Form(min_length=1, max_length=5000)],
    verified_amount: Annotated[str, Form()] = "",
) -> Response:
    whistle.conclude(repo, report_id, forms.amount(verified_amount, what="查实金额"), conclusion)
    return done(request, "/yb/reports", f"举报 {report_id} 已登记核查结论")


@router.post("/{report_id}/reveal")
def reveal(
    request: Request, report_id: int, repo: Repo, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    if len(reason.strip()) < 2:
        raise InvalidInputError("查看举报人身份须填写理由（至少 2 个字）")
    who = whistle.reveal_reporter(repo, report_id, reason.strip())
    labels = {"name": "姓名", "phone": "电话", "id_number": "身份证号"}
    text = "，".join(f"{labels.get(k, k)}：{v}" for k, v in who.items() if v)
    return render(request, "partials/revealed.html", {"value": text or "（匿名）"})
