"""预警劝阻 queue: warnings in the caller's scope ordered by SLA, live countdowns, contact attempts,
outcome recording, xlsx export, and the logged "show" of the person's phone and account."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.identity.roles import Role
from qiandai.identity.service import log_unmasked_view
from qiandai.store.base import now_utc
from qiandai.transfers import warning_service
from qiandai.transfers.warnings import ContactChannel, Outcome, WarningStatus
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/fz/warnings", [Depends(require(Role.ADMIN, Role.ANTIFRAUD, Role.LEADER, Role.GRID))])


def _status(value: str) -> WarningStatus | None:
    if not value:
        return None
    try:
        return WarningStatus(value)
    except ValueError:
        raise InvalidInputError(f"未知状态：{value}") from None


def warning_table(session: DbSession, me: User, status: str) -> Table:
    rows = [
        [
            v["warning_id"],
            v["level"],
            v["fraud_type"],
            "；".join(v["reasons"]),
            v["victim_name"],
            v["victim_phone"],
            v["victim_region"],
            v["amount"],
            v["status_label"],
            v["outcome"] or "",
            v["created_at"],
            v["due_at"],
            v["first_contact_at"] or "",
        ]
        for v in map(
            warning_service.warning_view, warning_service.list_warnings(session, me, _status(status), 1000)
        )
    ]
    headers = [
        "预警编号",
        "等级",
        "诈骗类型",
        "预警原因",
        "对象（脱敏）",
        "电话（脱敏）",
        "所在区划",
        "金额（元）",
        "状态",
        "处置结果",
        "预警时间",
        "联系时限",
        "首次联系时间",
    ]
    return Table("预警", headers, rows)


@router.get("")
def queue(request: Request, session: DbSession, me: User, status: str = "") -> Response:
    views = [
        warning_service.warning_view(w) for w in warning_service.list_warnings(session, me, _status(status))
    ]
    if not status:
        views.sort(key=lambda v: (v["status"] == "closed", v["due_at"]))
    ctx = {"warnings": views, "status": status, "statuses": WarningStatus, "now": now_utc().isoformat()}
    return render(request, "fz/warnings.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, me: User, status: str = "") -> Response:
    return xlsx_response(warning_table(session, me, status), "预警劝阻.xlsx")


@router.get("/{warning_id}")
def detail(request: Request, warning_id: str, session: DbSession, me: User) -> Response:
    row = warning_service.get_warning(session, me, warning_id)
    ctx = {
        "w": warning_service.warning_view(row),
        "contacts": warning_service.contacts(session, warning_id),
        "channels": list(ContactChannel),
        "outcomes": list(Outcome),
    }
    return render(request, "fz/warning.html", ctx)


@router.post("/{warning_id}/contacts")
def contact(
    request: Request,
    warning_id: str,
    session: DbSession,
    me: User,
    channel: Annotated[ContactChannel, Form()],
    reached: Annotated[bool, Form()] = False,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    warning_service.record_contact(session, me, warning_id, channel, reached, note, now_utc())
    return done(request, f"/fz/warnings/{warning_id}", "已登记联系情况")


@router.post("/{warning_id}/close")
def close(
    request: Request, warning_id: str, session: DbSession, me: User, outcome: Annotated[Outcome, Form()]
) -> Response:
    warning_service.close_warning(session, me, warning_id, outcome, now_utc())
    return done(request, f"/fz/warnings/{warning_id}", f"预警已办结：{outcome.value}")


@router.post("/{warning_id}/reveal")
def reveal(
    request: Request,
    warning_id: str,
    session: DbSession,
    me: User,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The person's name, phone and account in full, for a stated reason; written to the access log."""
    if len(reason.strip()) < 2:
        raise InvalidInputError("查看明文信息须填写理由（至少 2 个字）")
    row = warning_service.get_warning(session, me, warning_id)
    fields = ["victim_name", "victim_phone", "victim_account"]
    log_unmasked_view(session, me, "warning", row.id, fields, reason.strip())
    view = warning_service.warning_view(row, unmasked=True)
    text = f"{view['victim_name']}，电话 {view['victim_phone']}，账户 {view['victim_account']}"
    return render(request, "partials/revealed.html", {"value": text})
