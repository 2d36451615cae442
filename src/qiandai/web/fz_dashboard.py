"""反诈 live dashboard: headline cards refreshed by htmx every 5 s and a per-minute chart."""

from __future__ import annotations

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.transfers.models import WarningRow
from qiandai.web import charts, fz_stats
from qiandai.web.deps import DbSession, User, require
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/fz", [Depends(require(Role.ADMIN, Role.ANTIFRAUD, Role.LEADER, Role.BANK))])


def _warning_scope(me: User) -> object:
    from qiandai.identity.scope import scope_clause

    return scope_clause(me, region_col=WarningRow.victim_region)


@router.get("")
def dashboard(request: Request, session: DbSession, me: User) -> Response:
    ctx = {"t": fz_stats.totals(session, now_utc(), _warning_scope(me))}
    name = "fz/cards.html" if request.headers.get("hx-request") == "true" else "fz/dashboard.html"
    return render(request, name, ctx)


@router.get("/charts/per-minute.json")
def per_minute(session: DbSession) -> JSONResponse:
    labels, series = fz_stats.per_minute(session, now_utc())
    return JSONResponse(charts.series_line("近 60 分钟每分钟决策笔数", labels, series))
