"""Self-inspection (自查自纠): an institution submits its report with the problems it found (uploaded
xlsx/CSV, every bad row named) and its voluntary refund, records further refunds; the bureau accepts
(认可) or returns it (退回补充). Exportable list, printable report with the bureau's opinion.

Scope as in the API: an institution user sees and acts on its own reports only (another institution's
report is 404); bureau users see their region. Experts and intake staff have no access (403)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, File, Form, Request, Response, UploadFile

from qiandai.domain.errors import InvalidInputError
from qiandai.identity.roles import Role
from qiandai.supervision import selfinspection
from qiandai.supervision.models import SelfInspection
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import STAGE_LABELS
from qiandai.web import forms
from qiandai.web.deps import Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.stats import institution_names
from qiandai.web.templating import render

router = page_router(
    "/yb/self-inspections",
    [Depends(require(Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.LEADER, Role.INSTITUTION))],
)
MAX_UPLOAD = 5 * 1024 * 1024
_PERIOD = re.compile(r"^\d{4}(-\d{2}|-Q[1-4]|-H[12])?$")


def si_table(repo: ScopedRepository, status: str) -> Table:
    reports = [r for r in selfinspection.list_reports(repo) if not status or r.status == status]
    names = institution_names(repo, sorted({r.institution_code for r in reports}))
    rows = [
        [
            r.id,
            r.institution_code,
            names.get(r.institution_code, ""),
            r.period,
            r.problem_count,
            r.problem_amount,
            r.refund_amount,
            selfinspection.STATUS_LABELS.get(r.status, r.status),
            r.submitted_at,
            r.reviewed_by or "",
            r.review_opinion or "",
        ]
        for r in reports
    ]
    headers = [
        "编号",
        "机构编码",
        "机构名称",
        "自查期间",
        "问题数",
        "问题金额（元）",
        "主动退回（元）",
        "状态",
        "提交时间",
        "审核人",
        "审核意见",
    ]
    return Table("自查自纠", headers, rows, frozenset({5, 6}))


@router.get("")
def reports(request: Request, repo: Repo, status: str = "") -> Response:
    ctx = {
        "t": si_table(repo, status),
        "status": status,
        "labels": selfinspection.STATUS_LABELS,
        "institution": repo.principal.institution_code,
        "can_submit": repo.principal.has_role(Role.INSTITUTION, Role.AUDITOR),
        "headers": selfinspection.PROBLEM_HEADERS,
    }
    return render(request, "yb/self_inspections.html", ctx)


@router.get(".xlsx")
def export(repo: Repo, status: str = "") -> Response:
    return xlsx_response(si_table(repo, status), "自查自纠.xlsx")


@router.get("/template.xlsx")
def template() -> Response:
    """The problem list template (Chinese headers and one example row)."""
    t = Table("自查问题清单", list(selfinspection.PROBLEM_HEADERS), selfinspection.template_rows())
    return xlsx_response(t, "自查问题清单模板.xlsx")


@router.post("")
def submit(
    request: Request,
    repo: Repo,
    period: Annotated[str, Form(max_length=16)] = "",
    summary: Annotated[str, Form(max_length=5000)] = "",
    refund_amount: Annotated[str, Form(max_length=30)] = "",
    institution_code: Annotated[str, Form(max_length=32)] = "",
    problems: Annotated[UploadFile | None, File()] = None,
) -> Response:
    code = repo.principal.institution_code or institution_code.strip()
    if not code:
        raise InvalidInputError("请填写机构编码（代为录入）")
    if not _PERIOD.match(period.strip()):
        raise InvalidInputError("自查期间格式应为 2026、2026-10、2026-Q3 或 2026-H1")
    if len(summary.strip()) < 2:
        raise InvalidInputError("请填写自查情况说明")
    if problems is None or not problems.filename:
        raise InvalidInputError("请上传自查问题清单（xlsx 或 CSV，可下载模板）")
    content = problems.file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise InvalidInputError(f"{problems.filename}：文件超过 5 MB")
    rows = selfinspection.parse_problems(content, problems.filename)
    refund = forms.amount(refund_amount, what="主动退回金额") or forms.amount("0")
    assert refund is not None
    report = selfinspection.submit(
        repo,
        institution_code=code,
        period=period.strip(),
        summary=summary.strip(),
        problems=rows,
        refund_amount=refund,
    )
    return done(
        request,
        f"/yb/self-inspections/{report.id}",
        f"自查报告已提交：问题 {report.problem_count} 个，主动退回 {report.refund_amount} 元",
    )


def _context(repo: ScopedRepository, report_id: int) -> dict[str, object]:
    report = repo.get(SelfInspection, report_id, "自查报告")
    return {
        "s": report,
        "name": institution_names(repo, [report.institution_code]).get(report.institution_code, ""),
        "status_label": selfinspection.STATUS_LABELS.get(report.status, report.status),
        "problems": selfinspection.problems_of(repo, report),
        "refunds": selfinspection.refunds_of(repo, report),
        "events": repo.events("self_inspection", report.id),
        "stage_labels": STAGE_LABELS,
        "can_refund": repo.principal.has_role(Role.INSTITUTION, Role.AUDITOR) and report.status != "accepted",
        "can_review": repo.principal.has_role(Role.AUDITOR, Role.REVIEWER) and report.status != "accepted",
    }


@router.get("/{report_id}")
def detail(request: Request, report_id: int, repo: Repo) -> Response:
    return render(request, "yb/self_inspection.html", _context(repo, report_id))


@router.get("/{report_id}/print")
def print_view(request: Request, report_id: int, repo: Repo) -> Response:
    return render(request, "yb/self_inspection_print.html", _context(repo, report_id))


@router.post("/{report_id}/refund")
def refund(
    request: Request,
    report_id: int,
    repo: Repo,
    amount: Annotated[str, Form(max_length=30)],
    voucher: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    value = forms.amount(amount, required=True, what="退回金额")
    assert value is not None
    selfinspection.record_refund(repo, report_id, value, voucher)
    return done(request, f"/yb/self-inspections/{report_id}", f"已登记主动退回 {value} 元")


@router.post("/{report_id}/review")
def review(
    request: Request,
    report_id: int,
    repo: Repo,
    accepted: Annotated[bool, Form()],
    opinion: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    selfinspection.review(repo, report_id, accepted, opinion)
    return done(request, f"/yb/self-inspections/{report_id}", "已认可自查报告" if accepted else "已退回补充")
