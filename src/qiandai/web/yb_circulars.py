"""Circulars (通报/曝光): draft a circular of typical decided cases (PDF generated), the leader signs and
publishes it, then it appears on the public 曝光台 (``/exposure``, :mod:`qiandai.web.public`).

Bureau roles only (the API's: reviewer or leader drafts, leader publishes; auditors and admins look);
an institution user gets 403. Drafts never leave the bureau."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.identity.roles import Role
from qiandai.supervision import credit, documents
from qiandai.supervision.models import Circular
from qiandai.supervision.repository import ScopedRepository
from qiandai.web.deps import Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.stats import institution_names
from qiandai.web.templating import render

router = page_router(
    "/yb/circulars", [Depends(require(Role.REVIEWER, Role.LEADER, Role.AUDITOR, Role.ADMIN))]
)
STATE = {"draft": "待签发", "published": "已发布"}


def circular_table(repo: ScopedRepository, state: str) -> Table:
    published = {"draft": False, "published": True}.get(state)
    rows = [
        [
            c.id,
            c.title,
            len(c.case_ids),
            c.created_by,
            c.created_at,
            STATE["published" if c.published_at else "draft"],
            c.published_at,
        ]
        for c in credit.list_circulars(repo, published)
    ]
    return Table("通报", ["编号", "标题", "收录案例数", "起草人", "起草时间", "状态", "发布时间"], rows)


@router.get("")
def circulars(request: Request, repo: Repo, state: str = "") -> Response:
    decided = credit.decided_cases(repo)
    names = institution_names(repo, sorted({c.institution_code for c in decided if c.institution_code}))
    ctx = {
        "t": circular_table(repo, state),
        "state": state,
        "labels": STATE,
        "decided": decided,
        "names": names,
        "can_draft": repo.principal.has_role(Role.REVIEWER, Role.LEADER),
    }
    return render(request, "yb/circulars.html", ctx)


@router.get(".xlsx")
def export(repo: Repo, state: str = "") -> Response:
    return xlsx_response(circular_table(repo, state), "通报.xlsx")


@router.post("")
def draft(
    request: Request,
    repo: Repo,
    title: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=10000)] = "",
    case_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    if len(title.strip()) < 2 or len(body.strip()) < 2:
        raise InvalidInputError("请填写通报标题和正文（各至少 2 个字）")
    if not case_ids:
        raise InvalidInputError("请至少勾选一个已作出处理决定的案件")
    circ = credit.create_circular(repo, title.strip(), body.strip(), case_ids)
    return done(request, f"/yb/circulars/{circ.id}", "通报已起草，已生成 PDF，待领导签发")


def _context(repo: ScopedRepository, circular_id: int) -> dict[str, object]:
    circ = repo.get(Circular, circular_id, "通报")
    return {
        "c": circ,
        "items": credit.circular_items(repo.session, circ),
        "documents": documents.list_for(repo, "circular", circ.id),
        "events": repo.events("circular", circ.id),
        "leader": repo.principal.has_role(Role.LEADER),
    }


@router.get("/{circular_id}")
def circular(request: Request, circular_id: int, repo: Repo) -> Response:
    return render(request, "yb/circular.html", _context(repo, circular_id))


@router.get("/{circular_id}/print")
def circular_print(request: Request, circular_id: int, repo: Repo) -> Response:
    return render(request, "yb/circular_print.html", _context(repo, circular_id))


@router.post("/{circular_id}/publish")
def publish(request: Request, circular_id: int, repo: Repo) -> Response:
    credit.publish_circular(repo, circular_id)
    return done(request, f"/yb/circulars/{circular_id}", "通报已签发，已在曝光台公开")
