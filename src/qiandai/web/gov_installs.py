"""反诈治理 · 国家反诈App推广: install rates with targets, the weekly ranking (bar chart), roster upload
with its problem report, spot-check lists and results, falsification rates. Every table exports to xlsx
and shows masked personal data only; everything is limited to the caller's units."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from qiandai.domain.errors import InvalidInputError
from qiandai.governance import installs, rosters, spotcheck, targets, units
from qiandai.governance.installs_tables import (
    Sheet,
    checks_sheet,
    falsification_sheet,
    imports_sheet,
    problems_sheet,
    ranking_sheet,
    rates_sheet,
    targets_sheet,
)
from qiandai.governance.models import SPOT_RESULT_LABELS
from qiandai.identity.roles import Role
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.web import charts
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.templating import render

GOV_ROLES = (Role.GOVERNANCE, Role.ADMIN, Role.LEADER)
router = page_router("/gov/installs", [Depends(require(*GOV_ROLES))])


def _today() -> date:
    return now_utc().astimezone(SHANGHAI).date()


def _week(value: str | None) -> date:
    return rosters.check_week(value) if value else rosters.week_of(_today())


def _t(sheet: Sheet) -> Table:
    return Table(sheet.title, sheet.headers, sheet.rows)


def _group(session: DbSession, me: User, group: str | None) -> tuple[str, list[tuple[str, str]]]:
    groups = installs.ranking_groups(session, me)
    keys = [k for k, _ in groups]
    if group is None:
        group = "3" if "3" in keys else (keys[0] if keys else "3")
    if group not in keys:
        raise InvalidInputError(f"排名分组不存在：{group}")
    return group, groups


@router.get("")
def page(
    request: Request, session: DbSession, me: User, week: str | None = None, group: str | None = None
) -> Response:
    w = _week(week)
    g, groups = _group(session, me, group)
    rates = installs.unit_rates(session, me, week=w)
    ranking = installs.ranking(session, me, group=g, week=w)
    ctx = {
        "week": w,
        "group": g,
        "groups": groups,
        "group_label": dict(groups)[g],
        "rates": _t(rates_sheet(rates)),
        "ranking": _t(ranking_sheet(ranking, dict(groups)[g])),
        "targets": _t(targets_sheet(targets.list_targets(session))),
        "no_scope": not units.scope_units(session, me),
        "met": sum(1 for r in rates if r.target.meets),
        "with_target": sum(1 for r in rates if r.target.meets is not None),
    }
    return render(request, "gov/installs.html", ctx)


@router.get("/rates.xlsx")
def export_rates(session: DbSession, me: User, week: str | None = None) -> Response:
    w = _week(week)
    return xlsx_response(
        _t(rates_sheet(installs.unit_rates(session, me, week=w))), f"安装率-{w.isoformat()}.xlsx"
    )


@router.get("/ranking.xlsx")
def export_ranking(
    session: DbSession, me: User, week: str | None = None, group: str | None = None
) -> Response:
    w = _week(week)
    g, groups = _group(session, me, group)
    sheet = ranking_sheet(installs.ranking(session, me, group=g, week=w), dict(groups)[g])
    return xlsx_response(_t(sheet), f"安装率排名-{w.isoformat()}.xlsx")


@router.get("/targets.xlsx")
def export_targets(session: DbSession) -> Response:
    return xlsx_response(_t(targets_sheet(targets.list_targets(session))), "安装目标.xlsx")


@router.get("/charts/ranking.json")
def chart_ranking(
    session: DbSession, me: User, week: str | None = None, group: str | None = None
) -> JSONResponse:
    w = _week(week)
    g, groups = _group(session, me, group)
    lines = installs.ranking(session, me, group=g, week=w)
    option: dict[str, Any] = charts.series_line(
        f"{dict(groups)[g]}安装率排名（%）",
        [x.name for x in lines],
        {
            "本周": [round((x.rate or 0) * 100, 1) for x in lines],
            "上周": [round((x.previous_rate or 0) * 100, 1) for x in lines],
        },
    )
    for s in option["series"]:
        s["type"] = "bar"
        s.pop("smooth", None)
    return JSONResponse(option)


@router.post("/targets")
def save_target(
    session: DbSession,
    request: Request,
    me: User,
    rate: Annotated[str, Form(max_length=16)],
    due: Annotated[date, Form()],
    level: Annotated[str, Form(max_length=2)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    units.require_manager(session, me)
    if level and not level.isdigit():
        raise InvalidInputError(f"层级应为数字：{level}")
    targets.set_target(
        session,
        level=int(level) if level else None,
        kind=targets.parse_target_kind(kind or None),
        rate=targets.parse_rate(rate),
        due=due,
        note=note,
    )
    return done(request, "/gov/installs#targets", "安装目标已保存")


# --- rosters ---------------------------------------------------------------------------------------


def _visible_units(session: DbSession, me: User) -> list[tuple[str, str]]:
    visible = units.scope_units(session, me)
    return [(u.code, u.name) for u in units.all_units(session) if u.code in visible]


@router.get("/rosters")
def rosters_page(
    request: Request, session: DbSession, me: User, unit: str | None = None, week: str | None = None
) -> Response:
    w = rosters.check_week(week) if week else None
    lines = rosters.problem_lines(session, me, unit_code=unit or None, week=w)
    names = dict(_visible_units(session, me))
    ctx = {
        "units": _visible_units(session, me),
        "unit": unit or "",
        "week": week or "",
        "this_week": rosters.week_of(_today()),
        "imports": _t(imports_sheet(rosters.roster_imports(session, me), names)),
        "problems": _t(problems_sheet(lines)),
        "no_scope": not names,
    }
    return render(request, "gov/installs_rosters.html", ctx)


@router.get("/problems.xlsx")
def export_problems(
    session: DbSession, me: User, unit: str | None = None, week: str | None = None
) -> Response:
    w = rosters.check_week(week) if week else None
    lines = rosters.problem_lines(session, me, unit_code=unit or None, week=w)
    return xlsx_response(_t(problems_sheet(lines)), "花名册问题清单.xlsx")


@router.post("/rosters")
def upload_roster(
    request: Request,
    session: DbSession,
    me: User,
    file: Annotated[UploadFile, File()],
    unit_code: Annotated[str, Form(max_length=32)],
    week: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    content = file.file.read()
    if not content:
        raise InvalidInputError("上传的花名册文件为空")
    name = Path(file.filename or "roster.xlsx").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        report = rosters.import_roster_xlsx(
            session,
            me,
            unit_code,
            path,
            week=rosters.check_week(week) if week else None,
            today=_today(),
            filename=name,
        )
    lines = rosters.problem_lines(session, me, import_id=report.import_id)
    ctx = {"r": report, "problems": _t(problems_sheet(lines)), "unit": unit_code}
    return render(request, "gov/installs_roster_result.html", ctx)


# --- spot checks -----------------------------------------------------------------------------------


@router.get("/spotchecks")
def spotchecks_page(
    request: Request, session: DbSession, me: User, week: str | None = None, unit: str | None = None
) -> Response:
    w = _week(week)
    ctx = {
        "week": w,
        "unit": unit or "",
        "units": _visible_units(session, me),
        "checks": spotcheck.checks(session, me, week=w, unit_code=unit or None),
        "falsification": _t(falsification_sheet(spotcheck.falsification(session, me))),
        "results": list(SPOT_RESULT_LABELS.values()),
    }
    return render(request, "gov/installs_spotchecks.html", ctx)


@router.get("/spotchecks.xlsx")
def export_checks(session: DbSession, me: User, week: str | None = None, unit: str | None = None) -> Response:
    w = _week(week)
    return xlsx_response(
        _t(checks_sheet(spotcheck.checks(session, me, week=w, unit_code=unit or None))),
        f"抽查清单-{w.isoformat()}.xlsx",
    )


@router.get("/falsification.xlsx")
def export_falsification(session: DbSession, me: User) -> Response:
    return xlsx_response(_t(falsification_sheet(spotcheck.falsification(session, me))), "虚报率.xlsx")


@router.post("/spotchecks/draw")
def draw(
    request: Request,
    session: DbSession,
    me: User,
    unit_code: Annotated[str, Form(max_length=32)],
    week: Annotated[date, Form()],
    size: Annotated[int, Form(ge=1, le=spotcheck.MAX_SAMPLE)] = 20,
) -> Response:
    rows = spotcheck.draw(session, me, unit_code=unit_code, week=week, size=size)
    w = rosters.week_of(week)
    return done(
        request, f"/gov/installs/spotchecks?week={w.isoformat()}&unit={unit_code}", f"已抽取 {len(rows)} 人"
    )


@router.post("/spotchecks/{check_id}/reveal")
def reveal(
    request: Request,
    session: DbSession,
    me: User,
    check_id: int,
    reason: Annotated[str, Form(max_length=200)] = "电话抽查",
    back: Annotated[str, Form(max_length=200)] = "/gov/installs/spotchecks",
) -> Response:
    shown = spotcheck.reveal(session, me, check_id, reason)
    target = back if back.startswith("/gov/installs/spotchecks") else "/gov/installs/spotchecks"
    return render(request, "gov/installs_reveal.html", {"check_id": check_id, "shown": shown, "back": target})


@router.post("/spotchecks/{check_id}")
def record(
    request: Request,
    session: DbSession,
    me: User,
    check_id: int,
    result: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=200)] = "",
    back: Annotated[str, Form(max_length=200)] = "/gov/installs/spotchecks",
) -> Response:
    spotcheck.record(session, me, check_id, result, note=note)
    target = back if back.startswith("/gov/installs/spotchecks") else "/gov/installs/spotchecks"
    return done(request, target, f"抽查 {check_id} 已登记")
