"""止付/冻结 management: holds with their expiry countdown, place a stop-payment or freeze, renew,
release; account numbers masked by default with a logged "show". Banks see, police act.

Each form carries an instruction id generated when it was shown, so a double submit is one
instruction (the transfer runtime is idempotent by instruction id). Accounts never go in URLs:
the search by account is a POST form.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Form, Request, Response
from sqlalchemy import select

from qiandai.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.identity.service import log_unmasked_view
from qiandai.store.base import now_utc
from qiandai.transfers import hold_service
from qiandai.transfers.hold_service import HoldInstruction
from qiandai.transfers.holds import HoldKind, HoldStatus, InstructionType
from qiandai.transfers.models import HoldRow
from qiandai.web import forms
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.fz_runtime import runtime
from qiandai.web.routing import page_router
from qiandai.web.templating import local_time, render

router = page_router("/fz/holds", [Depends(require(Role.ADMIN, Role.ANTIFRAUD, Role.BANK))])


def _police(me: User) -> None:
    if not me.has_role(Role.ANTIFRAUD, Role.ADMIN):
        raise PermissionDeniedError("止付、冻结指令须由反诈中心民警发出")


def _new_id() -> str:
    return "WEB-" + secrets.token_hex(8)


def recent(session: DbSession, account: str | None = None, limit: int = 300) -> list[HoldRow]:
    if account:
        return hold_service.holds_for_account(session, account)
    stmt = select(HoldRow).order_by(HoldRow.status != "active", HoldRow.ends_at).limit(limit)
    return list(session.scalars(stmt))


def _page(request: Request, session: DbSession, me: User, account: str | None) -> Response:
    ctx = {
        "holds": recent(session, account),
        "searched": bool(account),
        "police": me.has_role(Role.ANTIFRAUD, Role.ADMIN),
        "kinds": list(HoldKind),
        "status": HoldStatus,
        "new_id": _new_id,
        "now": now_utc(),
    }
    return render(request, "fz/holds.html", ctx)


@router.get("")
def holds(request: Request, session: DbSession, me: User) -> Response:
    return _page(request, session, me, None)


@router.post("/search")
def search(
    request: Request, session: DbSession, me: User, account: Annotated[str, Form(pattern=r"^\d{8,32}$")]
) -> Response:
    return _page(request, session, me, account)


@router.get(".xlsx")
def export(session: DbSession) -> Response:
    rows = [
        [
            h.id,
            HoldKind(h.kind).label,
            h.account[:4] + "****" + h.account[-4:],
            h.bank,
            h.amount,
            h.issuing_unit,
            h.document_ref,
            h.case_no,
            HoldStatus(h.status).label,
            h.starts_at,
            h.ends_at,
            h.renewals,
        ]
        for h in recent(session)
    ]
    headers = [
        "编号",
        "类型",
        "账号（脱敏）",
        "开户行",
        "金额（元）",
        "发出单位",
        "法律文书编号",
        "案件编号",
        "状态",
        "开始时间",
        "到期时间",
        "续期次数",
    ]
    return xlsx_response(Table("止付冻结", headers, rows, frozenset({4})), "止付冻结.xlsx")


@router.post("")
def place(
    request: Request,
    me: User,
    instruction_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")],
    kind: Annotated[HoldKind, Form()],
    account: Annotated[str, Form(pattern=r"^\d{8,32}$")],
    issuing_unit: Annotated[str, Form(min_length=1, max_length=100)],
    document_ref: Annotated[str, Form(min_length=1, max_length=100)],
    bank: Annotated[str, Form(max_length=64)] = "",
    account_name: Annotated[str, Form(max_length=100)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    case_no: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    _police(me)
    value = forms.amount(amount, what="止付金额")
    if value is not None and value <= Decimal(0):
        raise InvalidInputError("止付金额应大于 0")
    instruction = HoldInstruction(
        instruction_id=instruction_id,
        type=InstructionType(kind.value),
        issuing_unit=issuing_unit,
        document_ref=document_ref,
        issued_at=now_utc(),
        account=account,
        bank=bank,
        account_name=account_name,
        amount=value,
        case_no=case_no,
    )
    view = runtime(request).apply_hold(instruction)
    ends = local_time(str(view["ends_at"]))
    return done(request, "/fz/holds", f"已{kind.label}，编号 {view['hold_id']}，到期 {ends}")


@router.post("/{hold_id}/{action}")
def change(
    request: Request,
    hold_id: str,
    action: str,
    session: DbSession,
    me: User,
    instruction_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")],
    document_ref: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    """``renew`` or ``release`` an existing hold (a police instruction like the original)."""
    _police(me)
    if action not in ("renew", "release"):
        raise NotFoundError("操作不存在")
    hold = session.get(HoldRow, hold_id)
    if hold is None:
        raise NotFoundError("止付/冻结不存在")
    instruction = HoldInstruction(
        instruction_id=instruction_id,
        type=InstructionType(action),
        issuing_unit=hold.issuing_unit,
        document_ref=document_ref,
        issued_at=now_utc(),
        hold_id=hold_id,
    )
    runtime(request).apply_hold(instruction)
    return done(request, "/fz/holds", f"已{InstructionType(action).label}：{hold_id}")


@router.post("/{hold_id}/reveal")
def reveal(
    request: Request,
    hold_id: str,
    session: DbSession,
    me: User,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if len(reason.strip()) < 2:
        raise InvalidInputError("查看明文账号须填写理由（至少 2 个字）")
    hold = session.get(HoldRow, hold_id)
    if hold is None:
        raise NotFoundError("止付/冻结不存在")
    log_unmasked_view(session, me, "hold", hold.id, ["account", "account_name"], reason.strip())
    return render(request, "partials/revealed.html", {"value": f"{hold.account} {hold.account_name}"})
