"""开户核验 (account-opening check): the five-step check form for bank staff, its answer with the
reason of each step, and the recent checks. ID numbers, names and phones are masked on screen."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.cards import opening
from qiandai.cards.models import AccountOpeningRow
from qiandai.identity.roles import Role
from qiandai.store.database import unit_of_work
from qiandai.web.deps import DbSession, User, require
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/dk/opening", [Depends(require(Role.ADMIN, Role.BANK))])


@router.get("")
def form(request: Request, session: DbSession, result: str | None = None) -> Response:
    shown = None
    if result:
        row = session.get(AccountOpeningRow, result)
        shown = opening.view(row) if row is not None else None
    ctx = {
        "result": shown,
        "recent": [opening.view(r) for r in opening.recent(session, 50)],
        "purposes": opening.PURPOSES,
        "request_id": f"W{secrets.token_hex(8).upper()}",
    }
    return render(request, "dk/opening.html", ctx)


@router.post("")
def check(
    request: Request,
    me: User,
    id_number: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=100)],
    phone: Annotated[str, Form(max_length=20)],
    bank: Annotated[str, Form(max_length=64)],
    request_id: Annotated[str, Form(max_length=40)],
    purpose: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    with unit_of_work(request.app.state.session_factory) as session:
        row, _ = opening.check(
            session,
            opening.OpeningRequest(id_number, name, phone, purpose, bank, request_id),
            actor=me.username,
        )
        rid, outcome = row.id, row.outcome
    return done(request, f"/dk/opening?result={rid}", f"核验结果：{outcome}")
