"""Institutions (定点机构): the list in scope, and one institution's profile — credit rating with its
reasons and history, suspect points by stage, cases, rectification items, blacklist status.

An institution user sees only their own institution (the list redirects to it; others answer 404).
"""

from __future__ import annotations

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func

from qiandai.supervision import rectification
from qiandai.supervision.models import Blacklist, CreditRating, Finding, Institution
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import STAGE_LABELS
from qiandai.web.deps import SUPERVISION_ALL, Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.routing import page_router
from qiandai.web.templating import render
from qiandai.web.yb_cases import STATUS as CASE_STATUS
from qiandai.web.yb_programmes import KIND_LABELS

router = page_router("/yb/institutions", [Depends(require(*SUPERVISION_ALL))])


def institution_table(repo: ScopedRepository) -> Table:
    counts = dict(
        repo.session.execute(
            repo.select(Finding)
            .with_only_columns(Finding.institution_code, func.count())
            .group_by(Finding.institution_code)
        ).all()
    )
    latest: dict[str, CreditRating] = {}
    for r in repo.all(repo.select(CreditRating).order_by(CreditRating.period)):
        latest[r.institution_code] = r
    rows = [
        [
            i.code,
            i.name,
            KIND_LABELS.get(i.kind, i.kind),
            i.level or "",
            i.region_code,
            i.risk_score,
            int(counts.get(i.code, 0)),
            latest[i.code].grade if i.code in latest else "",
            latest[i.code].score if i.code in latest else None,
        ]
        for i in repo.all(repo.select(Institution).order_by(Institution.risk_score.desc(), Institution.code))
    ]
    headers = ["机构编码", "机构名称", "类型", "等级", "行政区划", "风险分", "疑点数", "信用等级", "信用分"]
    return Table("定点机构", headers, rows)


@router.get("")
def institutions(request: Request, repo: Repo) -> Response:
    if repo.principal.institution_code:
        return RedirectResponse(f"/yb/institutions/{repo.principal.institution_code}", status_code=303)
    return render(request, "yb/institutions.html", {"t": institution_table(repo)})


@router.get(".xlsx")
def export(repo: Repo) -> Response:
    return xlsx_response(institution_table(repo), "定点机构.xlsx")


@router.get("/{code}")
def profile(request: Request, code: str, repo: Repo) -> Response:
    inst = repo.get(Institution, code, "机构")
    by_stage = dict(
        repo.session.execute(
            repo.select(Finding)
            .with_only_columns(Finding.stage, func.count())
            .where(Finding.institution_code == code)
            .group_by(Finding.stage)
        ).all()
    )
    ratings = repo.all(
        repo.select(CreditRating)
        .where(CreditRating.institution_code == code)
        .order_by(CreditRating.period.desc())
    )
    black = repo.all(
        repo.select(Blacklist).where(Blacklist.institution_code == code, Blacklist.removed_at.is_(None))
    )
    ctx = {
        "i": inst,
        "kind": KIND_LABELS.get(inst.kind, inst.kind),
        "stages": [(STAGE_LABELS[s], n) for s, n in by_stage.items()],
        "ratings": ratings,
        "blacklist": black,
        "cases": [c for c in repo.cases() if c.institution_code == code],
        "case_status": CASE_STATUS,
        "items": [r for r in repo.rectifications() if r.institution_code == code],
        "item_labels": rectification.STATUS_LABELS,
        "overdue": rectification.is_overdue,
    }
    return render(request, "yb/institution.html", ctx)
