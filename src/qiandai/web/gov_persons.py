"""反诈治理 · 重点人员（一人一档）: files of the caller's units, masked (a logged "显示" with a reason for
the full identity), contacts and reduction (核减) on a file's page, import, and the reduction campaigns
with each unit's progress and the day-by-day chart."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from qiandai.governance import persons
from qiandai.governance.cases_io import UnitIndex
from qiandai.web import charts
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.gov_cases import GOV_ROLES, import_page, save_upload, scope_of
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/gov/persons", [Depends(require(*GOV_ROLES))])


def _table(session: DbSession, me: User, category: str | None) -> Table:
    units = UnitIndex.load(session)
    headers = [
        "档案编号",
        "类别",
        "姓名",
        "身份证号",
        "手机号",
        "单位",
        "关系",
        "涉诈嫌疑",
        "责任人",
        "建档日期",
        "核减日期",
    ]
    rows = [
        [
            p.file_no,
            p.category,
            p.name_masked,
            p.id_masked,
            p.phone_masked,
            units.name(p.unit_code),
            p.relation,
            p.suspect,
            p.officer,
            p.opened_on,
            p.reduced_on or "",
        ]
        for p in persons.persons(session, scope_of(session, me), category=category or None)
    ]
    return Table("重点人员", headers, rows)


@router.get("")
def page(request: Request, session: DbSession, me: User, category: str | None = None) -> Response:
    scope = scope_of(session, me)
    campaigns = [(c, persons.progress(session, c)) for c in persons.campaigns(session, scope)]
    units = UnitIndex.load(session)
    ctx = {
        "table": _table(session, me, category),
        "category": category or "",
        "categories": persons.CATEGORIES,
        "campaigns": campaigns,
        "scope": scope,
        "unit_choices": [units.by_code[c] for c in units.by_code if c in scope],
    }
    return render(request, "gov/persons.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, me: User, category: str | None = None) -> Response:
    return xlsx_response(_table(session, me, category), "重点人员.xlsx")


@router.post("/import")
def upload(request: Request, session: DbSession, me: User, file: Annotated[UploadFile, File()]) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = save_upload(file, Path(tmp))
        report = persons.import_persons(session, path, me.username, scope=scope_of(session, me))
    return import_page(request, "重点人员导入结果", "/gov/persons", report.as_dict())


@router.post("")
def add(
    request: Request,
    session: DbSession,
    me: User,
    name: Annotated[str, Form(min_length=1, max_length=50)],
    id_number: Annotated[str, Form(min_length=15, max_length=20)],
    category: Annotated[str, Form(max_length=16)],
    unit_code: Annotated[str, Form(max_length=32)],
    phone: Annotated[str, Form(max_length=20)] = "",
    relation: Annotated[str, Form(max_length=8)] = "本人",
    suspect: Annotated[bool, Form()] = False,
    officer: Annotated[str, Form(max_length=64)] = "",
    opened_on: Annotated[date | None, Form()] = None,
) -> Response:
    fields = {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "category": category,
        "unit_code": unit_code,
        "relation": relation,
        "suspect": suspect,
        "officer": officer,
        "opened_on": opened_on,
    }
    p = persons.add_person(session, fields, me.username, scope=scope_of(session, me))
    return done(request, f"/gov/persons/{p.file_no}", f"已保存档案 {p.file_no}")


@router.get("/campaigns/{campaign_id}/daily.json")
def daily(session: DbSession, me: User, campaign_id: int) -> JSONResponse:
    c = persons.get_campaign(session, campaign_id, scope_of(session, me))
    p = persons.progress(session, c)
    target = persons.target_count(p.total.enrolled, c.target_pct)
    return JSONResponse(
        charts.series_line(
            f"{c.name}：逐日累计核减",
            [f"{d:%m-%d}" for d, _ in p.daily],
            {"累计核减": [float(n) for _, n in p.daily], "目标人数": [float(target)] * len(p.daily)},
        )
    )


@router.post("/campaigns")
def create_campaign(
    request: Request,
    session: DbSession,
    me: User,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    unit_code: Annotated[str, Form(max_length=32)],
    target_pct: Annotated[int, Form(ge=1, le=100)],
    start_on: Annotated[date, Form()],
    due_on: Annotated[date, Form()],
    category: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    from qiandai.governance.units import require_unit_in_scope

    require_unit_in_scope(session, me, unit_code)
    c = persons.create_campaign(
        session, name, unit_code, target_pct, start_on, due_on, me.username, category=category or None
    )
    return done(request, "/gov/persons", f"已创建核减任务 #{c.id}")


@router.get("/{file_no}")
def detail(request: Request, session: DbSession, me: User, file_no: str) -> Response:
    p = persons.get_person(session, file_no, scope_of(session, me))
    ctx = {
        "p": p,
        "contacts": persons.contacts(session, p),
        "channels": persons.CONTACT_CHANNELS,
        "unit_name": UnitIndex.load(session).name(p.unit_code),
    }
    return render(request, "gov/person.html", ctx)


@router.post("/{file_no}/reveal")
def reveal(
    session: DbSession, me: User, file_no: str, reason: Annotated[str, Form(min_length=2, max_length=200)]
) -> Response:
    from html import escape

    p = persons.get_person(session, file_no, scope_of(session, me))
    full = persons.reveal(session, me, p, reason)
    body = f"{escape(full['name'])}　{escape(full['id_number'])}　{escape(full['phone'])}"
    return HTMLResponse(f'<span class="revealed">{body}</span>', headers={"Cache-Control": "no-store"})


@router.post("/{file_no}/contacts")
def contact(
    request: Request,
    session: DbSession,
    me: User,
    file_no: str,
    on: Annotated[date, Form()],
    channel: Annotated[str, Form(max_length=8)],
    note: Annotated[str, Form(min_length=1, max_length=1000)],
) -> Response:
    p = persons.get_person(session, file_no, scope_of(session, me))
    persons.add_contact(session, p, on, channel, note, me.username)
    return done(request, f"/gov/persons/{file_no}", "已记录联系情况")


@router.post("/{file_no}/reduce")
def reduce(
    request: Request,
    session: DbSession,
    me: User,
    file_no: str,
    on: Annotated[date, Form()],
    note: Annotated[str, Form(min_length=2, max_length=500)],
) -> Response:
    p = persons.get_person(session, file_no, scope_of(session, me))
    persons.reduce(session, p, on, note, me.username)
    return done(request, f"/gov/persons/{file_no}", f"已核减（{on}）")
