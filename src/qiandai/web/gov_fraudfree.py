"""反诈治理 · 无诈村/无诈单位: the year's evaluation with the evidence of every criterion, draft
(re)build, review (accept / reject with a note), publication of the list (county level only), and
the fraud dens record. Only the caller's units are listed and can be reviewed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.governance import fraudfree
from qiandai.governance.cases_io import UnitIndex
from qiandai.governance.units import sees_all
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.gov_cases import GOV_ROLES, scope_of
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/gov/fraudfree", [Depends(require(*GOV_ROLES))])


def _year(year: int | None) -> int:
    return year or now_utc().astimezone(SHANGHAI).year


def _table(session: DbSession, me: User, year: int) -> Table:
    units = UnitIndex.load(session)
    headers = ["单位", "类别", "结论", *fraudfree.CRITERIA.values(), "审核状态", "审核意见"]
    rows = []
    for r in fraudfree.rows(session, year, scope_of(session, me)):
        ev = {e["key"]: e for e in r.evidence}
        rows.append(
            [
                units.name(r.unit_code),
                fraudfree.CATEGORY_LABELS[r.category],
                "达标" if r.passed else "不达标",
                *(("✓ " if ev[k]["passed"] else "✗ ") + ev[k]["detail"] for k in fraudfree.CRITERIA),
                fraudfree.STATUS_LABELS[r.status],
                r.note,
            ]
        )
    return Table(f"无诈评价{year}", headers, rows)


@router.get("")
def page(request: Request, session: DbSession, me: User, year: int | None = None) -> Response:
    y = _year(year)
    scope = scope_of(session, me)
    units = UnitIndex.load(session)
    ctx = {
        "year": y,
        "rows": fraudfree.rows(session, y, scope),
        "units": units,
        "criteria": fraudfree.CRITERIA,
        "categories": fraudfree.CATEGORY_LABELS,
        "statuses": fraudfree.STATUS_LABELS,
        "can_publish": sees_all(me),
        "published": fraudfree.published(session, y),
        "dens": fraudfree.dens(session, scope),
        "unit_choices": [units.by_code[c] for c in units.by_code if c in scope],
    }
    return render(request, "gov/fraudfree.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, me: User, year: int | None = None) -> Response:
    y = _year(year)
    return xlsx_response(_table(session, me, y), f"无诈村无诈单位评价-{y}.xlsx")


@router.post("/draft")
def draft(
    request: Request, session: DbSession, me: User, year: Annotated[int, Form(ge=2000, le=2100)]
) -> Response:
    c = fraudfree.build_draft(session, year, me.username, scope_of(session, me))
    msg = (
        f"已生成{year}年草稿：新增 {c['created']}，刷新 {c['refreshed']}，"
        f"已审核保留 {c['kept']}；达标 {c['passed']} 个"
    )
    return done(request, f"/gov/fraudfree?year={year}", msg)


@router.post("/review")
def review(
    request: Request,
    session: DbSession,
    me: User,
    year: Annotated[int, Form()],
    unit_code: Annotated[str, Form(max_length=32)],
    decision: Annotated[str, Form(pattern="^(accept|reject)$")],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    row = fraudfree.review(
        session, year, unit_code, decision == "accept", note, me.username, scope_of(session, me)
    )
    return done(request, f"/gov/fraudfree?year={year}", f"{unit_code}：{fraudfree.STATUS_LABELS[row.status]}")


@router.post("/publish")
def publish(request: Request, session: DbSession, me: User, year: Annotated[int, Form()]) -> Response:
    if not sees_all(me):
        from qiandai.domain.errors import PermissionDeniedError

        raise PermissionDeniedError("公布名单须由县级领导或管理员操作")
    rows = fraudfree.publish(session, year, me.username)
    return done(request, f"/gov/fraudfree?year={year}", f"已公布{year}年名单，共 {len(rows)} 个")


@router.post("/dens")
def den(
    request: Request,
    session: DbSession,
    me: User,
    unit_code: Annotated[str, Form(max_length=32)],
    found_on: Annotated[date, Form()],
    description: Annotated[str, Form(min_length=2, max_length=500)],
) -> Response:
    from qiandai.governance.units import require_unit_in_scope

    require_unit_in_scope(session, me, unit_code)
    fraudfree.record_den(session, unit_code, found_on, description, me.username)
    return done(request, f"/gov/fraudfree?year={found_on.year}", "已登记涉诈窝点")
