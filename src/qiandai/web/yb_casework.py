"""Case intake (立案): confirmed points awaiting a case (待立案处理), grouped by institution, opened as a
case in one step; verified whistleblower reports turned into such points first. Bureau roles only: an
institution user gets 403, and every row comes through the caller's scoped repository."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.identity.roles import Role
from qiandai.supervision import cases, whistle
from qiandai.supervision.models import Finding, Report
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import DECISION
from qiandai.web.deps import Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.stats import institution_names
from qiandai.web.templating import render

router = page_router(
    "/yb/case-intake", [Depends(require(Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.LEADER))]
)
SOURCES = {"audit": "智能审核", "inspection": "现场检查", "self_inspection": "自查自纠", "report": "举报查实"}


def _awaiting(repo: ScopedRepository) -> list[Finding]:
    stmt = repo.select(Finding).where(Finding.stage == DECISION, Finding.case_id.is_(None))
    return repo.all(stmt.order_by(Finding.institution_code, Finding.id).limit(2000))


def intake_table(repo: ScopedRepository) -> Table:
    rows = _awaiting(repo)
    names = institution_names(repo, sorted({f.institution_code for f in rows}))
    data = [
        [
            f.id,
            f.institution_code,
            names.get(f.institution_code, ""),
            SOURCES.get(f.source, f.source),
            f.rule_name,
            f.event_date,
            f.confirmed_amount,
            f.evidence,
        ]
        for f in rows
    ]
    headers = ["疑点序号", "机构编码", "机构名称", "来源", "问题", "发生日期", "确认金额（元）", "疑点说明"]
    return Table("待立案疑点", headers, data, frozenset({6}))


def _reports(repo: ScopedRepository) -> list[tuple[Report, bool]]:
    """Verified reports against an institution, and whether each is already a point."""
    stmt = repo.select(Report).where(
        Report.status.in_(["verified", "rewarded"]), Report.institution_code.is_not(None)
    )
    rows = repo.all(stmt.order_by(Report.id))
    keys = {whistle.report_finding_key(r) for r in rows}
    done_keys = repo.existing_finding_ids(sorted(keys)) if keys else set()
    return [(r, whistle.report_finding_key(r) in done_keys) for r in rows]


@router.get("")
def intake(request: Request, repo: Repo) -> Response:
    t = intake_table(repo)
    groups: dict[str, list[list[object]]] = {}
    for row in t.rows:
        groups.setdefault(str(row[1]), []).append(list(row))
    can_open = repo.principal.has_role(Role.AUDITOR, Role.REVIEWER)
    leads = _reports(repo) if can_open else []
    names = institution_names(repo, sorted({r.institution_code for r, _ in leads if r.institution_code}))
    ctx = {"t": t, "groups": groups, "can_open": can_open, "reports": leads, "names": names}
    return render(request, "yb/case_intake.html", ctx)


@router.get(".xlsx")
def export(repo: Repo) -> Response:
    return xlsx_response(intake_table(repo), "待立案疑点.xlsx")


@router.post("")
def open_case(
    request: Request,
    repo: Repo,
    finding_ids: Annotated[list[int] | None, Form()] = None,
    title: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    if not finding_ids:
        raise InvalidInputError("请勾选要立案的疑点（同一机构）")
    case = cases.open_case(repo, finding_ids, title.strip() or None)
    return done(request, f"/yb/cases/{case.id}", f"已立案：{case.case_no}，涉及疑点 {len(finding_ids)} 个")


@router.post("/reports/{report_id}")
def from_report(request: Request, report_id: int, repo: Repo) -> Response:
    f = whistle.report_to_finding(repo, report_id)
    return done(request, "/yb/case-intake", f"举报线索已转为待立案疑点（序号 {f.id}）")
