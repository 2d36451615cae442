"""惩戒名单 (punishment list): entries with their measures and dates, designation (police), appeals
(filed by bank staff or police, decided by police) with their decision records, and the expiry run.
ID numbers, names and accounts are masked. Each action commits in its own unit of work and then lets the
live transfer runtime reload its lists, so a designation blocks non-counter outflows at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.cards import live, punishment
from qiandai.domain.errors import InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.store.database import unit_of_work
from qiandai.web.deps import DbSession, User, require
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/dk/punish", [Depends(require(Role.ADMIN, Role.ANTIFRAUD, Role.BANK))])
ACTIONS = {
    "designated": "列入名单",
    "accounts_added": "追加账户",
    "appeal_filed": "提出申诉",
    "appeal_decided": "申诉处理",
    "expired": "期满移出",
}


def _police(me: User) -> None:
    if not me.has_role(Role.ANTIFRAUD, Role.ADMIN):
        raise PermissionDeniedError("此操作须由反诈中心民警办理")


def _accounts(text: str) -> list[str]:
    return [v.strip() for v in text.replace("，", ",").replace("\n", ",").split(",") if v.strip()]


@router.get("")
def persons(request: Request, session: DbSession, status: str = "active") -> Response:
    status = status if status in punishment.STATUS_LABELS else "active"
    rows = [punishment.person_view(p) for p in punishment.list_persons(session, status)]
    pending = {a.person_id for a in punishment.appeals(session, status="pending")}
    ctx = {
        "persons": rows,
        "status": status,
        "statuses": punishment.STATUS_LABELS,
        "pending": pending,
        "measures": punishment.MEASURES,
        "bases": list(punishment.Basis),
        "policy": punishment.PunishmentPolicy.from_env(),
        "today": punishment.today_local().isoformat(),
    }
    return render(request, "dk/punish.html", ctx)


@router.get("/{person_id}")
def person(request: Request, session: DbSession, person_id: str) -> Response:
    entry = punishment.get_person(session, person_id)
    events = [
        {"action": ACTIONS.get(e.action, e.action), "at": e.at, "actor": e.actor, "detail": e.detail}
        for e in punishment.events_of(session, person_id)
    ]
    ctx = {
        "p": punishment.person_view(entry),
        "events": events,
        "appeals": [punishment.appeal_view(a) for a in punishment.appeals(session, person_id)],
    }
    return render(request, "dk/punish_person.html", ctx)


@router.post("/add")
def designate(
    request: Request,
    me: User,
    id_number: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=100)],
    basis: Annotated[str, Form(max_length=16)],
    document_ref: Annotated[str, Form(max_length=100)],
    start_date: Annotated[str, Form(max_length=10)],
    accounts: Annotated[str, Form(max_length=10000)] = "",
    issuing_unit: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    _police(me)
    try:
        b, start = punishment.Basis(basis), date.fromisoformat(start_date)
    except ValueError as exc:
        raise InvalidInputError("请选择惩戒依据并填写正确的起始日期（YYYY-MM-DD）") from exc
    with unit_of_work(request.app.state.session_factory) as session:
        entry, created = punishment.designate(
            session,
            punishment.Designation(
                id_number, name, _accounts(accounts), b, document_ref, start, None, issuing_unit
            ),
            actor=me.username,
        )
        person_id = entry.id
    live.refresh_live_lists(request.app.state)
    message = f"已列入惩戒名单，编号 {person_id}" if created else f"该记录已存在，编号 {person_id}"
    return done(request, f"/dk/punish/{person_id}", message)


@router.post("/expire")
def expire(request: Request, me: User) -> Response:
    _police(me)
    with unit_of_work(request.app.state.session_factory) as session:
        expired = punishment.expire_due(session, actor=me.username)
    live.refresh_live_lists(request.app.state)
    return done(request, "/dk/punish", f"到期处理完成：移出 {len(expired)} 人")


@router.post("/{person_id}/appeal")
def appeal(
    request: Request, me: User, person_id: str, reason: Annotated[str, Form(max_length=2000)]
) -> Response:
    with unit_of_work(request.app.state.session_factory) as session:
        row, created = punishment.file_appeal(session, person_id, reason, actor=me.username)
        appeal_id = row.id
    message = f"已登记申诉 {appeal_id}" if created else f"已有待处理的申诉 {appeal_id}"
    return done(request, f"/dk/punish/{person_id}", message)


@router.post("/appeals/{appeal_id}/decide")
def decide(
    request: Request,
    me: User,
    appeal_id: str,
    outcome: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=2000)],
) -> Response:
    _police(me)
    if outcome not in ("upheld", "rejected"):
        raise InvalidInputError("请选择处理结果：申诉成立或驳回")
    with unit_of_work(request.app.state.session_factory) as session:
        row = punishment.decide_appeal(
            session, appeal_id, upheld=outcome == "upheld", note=note, actor=me.username
        )
        person_id, label = row.person_id, punishment.APPEAL_LABELS[row.status]
    live.refresh_live_lists(request.app.state)
    return done(request, f"/dk/punish/{person_id}", f"申诉 {appeal_id}：{label}")
