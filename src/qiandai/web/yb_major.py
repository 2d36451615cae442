"""Major-case reports (要情报告/上报): opened automatically when a decision reaches the configured loss
threshold or a fraud article; due within ``major_case.report_hours``. The list highlights overdue ones,
a reviewer or leader writes the summary and submits it (上报), and each report prints as a form.

Bureau roles only (institution users: 403); rows come through the caller's region scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Request, Response
from sqlalchemy import select

from qiandai.domain.errors import InvalidInputError
from qiandai.identity.roles import Role
from qiandai.supervision import credit
from qiandai.supervision.models import Case, Decision, MajorReport
from qiandai.supervision.repository import ScopedRepository
from qiandai.web.deps import Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.stats import institution_names
from qiandai.web.templating import render

router = page_router(
    "/yb/major-reports", [Depends(require(Role.REVIEWER, Role.LEADER, Role.AUDITOR, Role.ADMIN))]
)


def _state(m: MajorReport, now: datetime) -> str:
    if m.submitted_at is not None:
        return "已上报（逾期）" if m.submitted_at > m.due_at else "已上报"
    return "逾期未报" if m.due_at < now else "待上报"


def major_table(repo: ScopedRepository, state: str) -> Table:
    now = repo.now()
    reports = credit.major_reports(repo)
    case_of = {m.case_id: repo.session.get(Case, m.case_id) for m in reports}
    codes = sorted({c.institution_code for c in case_of.values() if c is not None and c.institution_code})
    names = institution_names(repo, codes)
    rows = []
    for m in reports:
        label = _state(m, now)
        if state and not label.startswith(state):
            continue
        case = case_of[m.case_id]
        party = names.get(case.institution_code or "", "参保个人") if case else ""
        rows.append(
            [
                m.id,
                case.case_no if case else "",
                party,
                m.reason,
                m.due_at,
                label,
                m.submitted_by or "",
                m.submitted_at,
                m.summary or "",
                m.case_id,
            ]
        )
    headers = [
        "编号",
        "案件编号",
        "当事人",
        "报告事由",
        "报送时限",
        "状态",
        "报送人",
        "报送时间",
        "要情摘要",
        "_case",
    ]
    return Table("要情报告", headers, rows)


@router.get("")
def major_reports(request: Request, repo: Repo, state: str = "") -> Response:
    ctx = {
        "t": major_table(repo, state),
        "state": state,
        "states": ("待上报", "逾期未报", "已上报"),
        "can_submit": repo.principal.has_role(Role.REVIEWER, Role.LEADER),
    }
    return render(request, "yb/major_reports.html", ctx)


@router.get(".xlsx")
def export(repo: Repo, state: str = "") -> Response:
    t = major_table(repo, state)
    t.headers, t.rows = t.headers[:-1], [r[:-1] for r in t.rows]
    return xlsx_response(t, "要情报告.xlsx")


@router.post("/{report_id}/submit")
def submit(
    request: Request,
    report_id: int,
    repo: Repo,
    summary: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    if len(summary.strip()) < 5:
        raise InvalidInputError("请填写要情摘要（至少 5 个字）")
    credit.submit_major_report(repo, report_id, summary.strip())
    return done(request, "/yb/major-reports", f"要情报告 {report_id} 已上报")


@router.get("/{report_id}/print")
def print_view(request: Request, report_id: int, repo: Repo) -> Response:
    m = repo.get(MajorReport, report_id, "要情报告")
    case = repo.get(Case, m.case_id, "案件")
    decision = repo.session.scalars(select(Decision).where(Decision.case_id == case.id)).one_or_none()
    names = institution_names(repo, [case.institution_code] if case.institution_code else [])
    ctx = {
        "m": m,
        "c": case,
        "d": decision,
        "party": names.get(case.institution_code or "", "参保个人" if not case.institution_code else ""),
        "state": _state(m, repo.now()),
    }
    return render(request, "yb/major_print.html", ctx)
