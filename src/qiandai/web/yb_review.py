"""Review queue (疑点审核): filters, paging, bulk actions (all or none), xlsx export, keyboard use.

Keyboard (explained on the page): ``j``/``k`` move, ``x`` selects, ``p``/``d`` choose pass/dismiss
for the selection, ``Enter`` opens the point.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.supervision import review
from qiandai.supervision.stages import STAGE_LABELS, TRANSITIONS
from qiandai.web import queue
from qiandai.web.deps import SUPERVISION_ALL, Repo, require
from qiandai.web.exports import xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/yb/review", [Depends(require(*SUPERVISION_ALL))])
BULK_ACTIONS = ("pass", "confirm", "dismiss", "deduct")


def _filters(
    stage: str = "",
    institution: str = "",
    rule: str = "",
    run: str = "",
    result_type: str = "",
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> queue.Filters:
    if stage and stage not in STAGE_LABELS:
        raise InvalidInputError(f"未知环节：{stage}")
    return queue.Filters(stage, institution, rule, run, result_type, overdue, page)


FiltersDep = Annotated[queue.Filters, Depends(_filters)]


@router.get("")
def queue_page(request: Request, repo: Repo, f: FiltersDep) -> Response:
    total = queue.count(repo, f)
    rows = queue.page(repo, f)
    actions = [
        (a, TRANSITIONS[a].label) for a in BULK_ACTIONS if repo.principal.has_role(*TRANSITIONS[a].roles)
    ]
    ctx = {
        "f": f,
        "rows": rows,
        "total": total,
        "pages": max(1, -(-total // queue.PAGE_SIZE)),
        "stages": STAGE_LABELS,
        "rules": queue.rule_options(repo),
        "institutions": queue.institution_options(repo),
        "actions": actions,
        "now": repo.now(),
        "overdue": review.is_overdue,
    }
    name = "yb/queue_table.html" if request.headers.get("hx-request") == "true" else "yb/queue.html"
    return render(request, name, ctx)


@router.get(".xlsx")
def export(repo: Repo, f: FiltersDep) -> Response:
    return xlsx_response(queue.export_table(repo, queue.all_rows(repo, f)), "疑点审核队列.xlsx")


@router.post("/bulk")
def bulk(
    request: Request,
    repo: Repo,
    ids: Annotated[list[int], Form()],
    action: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Apply one action to every selected point; a single failure changes nothing (service rule)."""
    if action not in BULK_ACTIONS:
        raise InvalidInputError("请选择批量操作")
    moved = review.bulk(repo, ids, review.Move(action, reason.strip() or None))
    target = back if back.startswith("/yb/review") else "/yb/review"
    return done(request, target, f"已对 {len(moved)} 个疑点执行「{TRANSITIONS[action].label}」")
