"""涉诈账户筛查 (mule-account screening): runs, graded accounts with reasons, and the network view.
Accounts are masked; police (and admins) may start a run over the stored transfers and publish its
高 accounts to the decision service's high-risk list."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.cards import live, runs
from qiandai.domain.errors import PermissionDeniedError
from qiandai.domain.masking import mask_code
from qiandai.identity.roles import Role
from qiandai.store.database import unit_of_work
from qiandai.web.deps import DbSession, User, require
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/dk/accounts", [Depends(require(Role.ADMIN, Role.ANTIFRAUD, Role.BANK, Role.LEADER))])
PAGE = 200
KIND_LABELS = {"flow": "资金往来", "device": "共用设备", "ip": "共用IP", "phone": "共用手机号"}


@router.get("")
def accounts(request: Request, session: DbSession, run: str | None = None, grade: str = "高") -> Response:
    all_runs = runs.list_runs(session)
    current = runs.get_run(session, run) if run else (all_runs[0] if all_runs else None)
    grade = grade if grade in runs.GRADES else "高"
    ctx: dict[str, object] = {"runs": all_runs, "run": current, "grade": grade, "grades": runs.GRADES}
    if current is not None:
        rows = runs.run_accounts(session, current.id, grade, PAGE)
        ctx["accounts"] = [
            {
                "account": mask_code(a.account),
                "grade": a.grade,
                "score": a.score,
                "reasons": a.reasons,
                "network": a.network_id,
            }
            for a in rows
        ]
        ctx["shown_total"] = runs.count_accounts(session, current.id, grade)
        ctx["networks"] = [
            {
                "id": n.network_id,
                "size": n.size,
                "high": n.high,
                "communities": n.communities,
                "flow_in": n.flow_in,
                "flow_internal": n.flow_internal,
                "flow_out": n.flow_out,
                "total_links": n.links.get("total", 0),
                "links": [
                    {
                        "from": mask_code(e["from"]),
                        "to": mask_code(e["to"]),
                        "kind": KIND_LABELS.get(e["kind"], e["kind"]),
                        "amount": e["amount"],
                        "count": e["count"],
                    }
                    for e in n.links.get("edges", [])[:40]
                ],
            }
            for n in runs.run_networks(session, current.id)[:50]
        ]
    return render(request, "dk/accounts.html", ctx)


@router.post("/run")
def start_run(request: Request, me: User, publish: Annotated[str | None, Form()] = None) -> Response:
    if not me.has_role(Role.ANTIFRAUD, Role.ADMIN):
        raise PermissionDeniedError("筛查须由反诈中心民警发起")
    with unit_of_work(request.app.state.session_factory) as session:
        outcome = runs.run_and_store(session, publish=bool(publish))
    if publish:
        live.refresh_live_lists(request.app.state)
    message = f"筛查完成：批次 {outcome.run_id}，高风险 {outcome.result.count('高')} 个"
    if publish:
        message += f"；名单新发布 {outcome.published} 个、撤回 {outcome.withdrawn} 个"
    return done(request, f"/dk/accounts?run={outcome.run_id}", message)
