"""Suspect point detail (疑点详情): facts, the evidence sentence, fee lines, history, allowed actions,
and the explicit, access-logged "show" of the insured person's number (masked by default)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Request, Response, UploadFile

from qiandai.domain.errors import InvalidInputError
from qiandai.domain.masking import mask_code
from qiandai.identity.roles import Role
from qiandai.supervision import evidence, review
from qiandai.supervision.models import Finding, Institution
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import STAGE_LABELS, TRANSITIONS
from qiandai.web import feelines, forms
from qiandai.web.deps import SUPERVISION_ALL, Repo, require
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/yb/findings", [Depends(require(*SUPERVISION_ALL))])
ACTION_LABELS = {"open_case": "立案", "import": "导入", **{a: t.label for a, t in TRANSITIONS.items()}}


def allowed_actions(repo: ScopedRepository, finding: Finding) -> list[str]:
    """Actions this user may take on this point now (the service checks again on submit)."""
    return [
        a
        for a, t in TRANSITIONS.items()
        if finding.stage in t.sources
        and repo.principal.has_role(*t.roles)
        and not (repo.principal.is_institution_user and a != "appeal")
    ]


@router.get("/{finding_id}")
def detail(request: Request, finding_id: int, repo: Repo) -> Response:
    finding = repo.get(Finding, finding_id, "疑点")
    inst = repo.session.get(Institution, finding.institution_code)
    ctx = {
        "f": finding,
        "inst": inst,
        "stage_label": STAGE_LABELS[finding.stage],
        "overdue": review.is_overdue(finding),
        "psn_masked": mask_code(finding.psn_no),
        "fees": feelines.lines_for(finding.run_id, finding.finding_id, finding.mdtrt_id),
        "fee_headers": feelines.HEADERS,
        "events": repo.events("finding", finding.id),
        "actions": [(a, TRANSITIONS[a].label) for a in allowed_actions(repo, finding)],
        "action_labels": ACTION_LABELS,
        "stage_labels": STAGE_LABELS,
        "can_reveal": not repo.principal.is_institution_user
        and repo.principal.has_role(Role.AUDITOR, Role.REVIEWER),
    }
    return render(request, "yb/finding.html", ctx)


@router.post("/{finding_id}/act")
async def act(
    request: Request,
    finding_id: int,
    repo: Repo,
    action: Annotated[str, Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=5000)] = "",
    confirmed_amount: Annotated[str, Form(max_length=30)] = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """One action on one point; ``version`` makes a stale screen fail instead of overwriting."""
    attachments: list[int] = []
    if attachment is not None and attachment.filename:
        content = await attachment.read()
        row = evidence.upload(
            repo, "finding", finding_id, attachment.filename, attachment.content_type or "", content
        )
        attachments.append(row.id)
    move = review.Move(
        action, reason.strip() or None, forms.amount(confirmed_amount, what="违规金额"), attachments, version
    )
    review.act(repo, finding_id, move)
    label = TRANSITIONS[action].label if action in TRANSITIONS else action
    return done(request, f"/yb/findings/{finding_id}", f"已执行「{label}」")


@router.post("/{finding_id}/reveal")
def reveal(
    request: Request, finding_id: int, repo: Repo, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    """Show the insured-person number once, for a stated reason; the service writes the access log."""
    if len(reason.strip()) < 2:
        raise InvalidInputError("查看明文信息须填写理由（至少 2 个字）")
    shown = review.reveal_person(repo, finding_id, reason.strip())
    return render(request, "partials/revealed.html", {"value": shown["psn_no"] or "（无）"})
