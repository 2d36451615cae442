"""反诈治理 · 宣传台账: coverage per unit and kind for a period, the events (form, ledger import, photos)
and the awareness surveys (知晓率) per unit. Only the caller's units are shown or accepted."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Form, Request, Response, UploadFile

from qiandai.domain.errors import NotFoundError
from qiandai.governance import periods, publicity
from qiandai.governance.cases_io import UnitIndex
from qiandai.governance.models.publicity import PublicityEvent, PublicityPhoto
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.gov_cases import GOV_ROLES, import_page, period_arg, save_upload, scope_of
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/gov/publicity", [Depends(require(*GOV_ROLES))])


def _coverage_table(session: DbSession, me: User, p: periods.Period) -> Table:
    headers = [
        "单位",
        "活动次数",
        "覆盖人次",
        "发放资料",
        "悬挂横幅",
        "电子屏",
        "基数（人）",
        "每百人覆盖人次",
        *publicity.KINDS,
    ]
    rows = [
        [
            c.unit_name,
            c.events,
            c.people,
            c.leaflets,
            c.banners,
            c.screens,
            c.base,
            "—" if c.reach_pct is None else f"{c.reach_pct}",
            *(c.by_kind[k] for k in publicity.KINDS),
        ]
        for c in publicity.coverage(session, p, scope_of(session, me))
    ]
    return Table(f"宣传覆盖{p.code}", headers, rows)


@router.get("")
def page(
    request: Request, session: DbSession, me: User, period: str | None = None, survey: str | None = None
) -> Response:
    p = period_arg(period)
    scope = scope_of(session, me)
    units = UnitIndex.load(session)
    surveys = publicity.surveys(session)
    chosen = next((s for s in surveys if s.code == survey), surveys[0] if surveys else None)
    ctx = {
        "p": p,
        "coverage": _coverage_table(session, me, p),
        "events": publicity.events(session, p, scope, limit=300),
        "units": units,
        "kinds": publicity.KINDS,
        "unit_choices": [units.by_code[c] for c in units.by_code if c in scope],
        "surveys": surveys,
        "survey": chosen,
        "awareness": publicity.awareness(session, chosen, scope) if chosen else [],
        "photo_counts": {
            e.id: len(publicity.photos(session, e.id)) for e in publicity.events(session, p, scope, limit=300)
        },
    }
    return render(request, "gov/publicity.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, me: User, period: str | None = None) -> Response:
    p = period_arg(period)
    return xlsx_response(_coverage_table(session, me, p), f"宣传覆盖-{p.code}.xlsx")


@router.post("/events")
def add(
    request: Request,
    session: DbSession,
    me: User,
    unit_code: Annotated[str, Form(max_length=32)],
    kind: Annotated[str, Form(max_length=8)],
    held_on: Annotated[date, Form()],
    place: Annotated[str, Form(min_length=1, max_length=200)],
    organiser: Annotated[str, Form(max_length=100)] = "",
    people: Annotated[int, Form(ge=0)] = 0,
    leaflets: Annotated[int, Form(ge=0)] = 0,
    banners: Annotated[int, Form(ge=0)] = 0,
    screens: Annotated[int, Form(ge=0)] = 0,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    fields = {
        "unit_code": unit_code,
        "kind": kind,
        "held_on": held_on,
        "place": place,
        "organiser": organiser,
        "people": people,
        "leaflets": leaflets,
        "banners": banners,
        "screens": screens,
        "note": note,
    }
    publicity.add_event(session, fields, me.username, scope=scope_of(session, me))
    return done(request, f"/gov/publicity?period={held_on:%Y-%m}", "已登记宣传活动")


@router.post("/import")
def upload(request: Request, session: DbSession, me: User, file: Annotated[UploadFile, File()]) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = save_upload(file, Path(tmp))
        report = publicity.import_events(session, path, me.username, scope=scope_of(session, me))
    return import_page(request, "宣传台账导入结果", "/gov/publicity", report.as_dict())


def _event(session: DbSession, me: User, event_id: int) -> PublicityEvent:
    event = session.get(PublicityEvent, event_id)
    if event is None or event.unit_code not in scope_of(session, me):
        raise NotFoundError(f"宣传活动 {event_id} 不存在")
    return event


@router.post("/events/{event_id}/photos")
def add_photo(
    request: Request, session: DbSession, me: User, event_id: int, photo: Annotated[UploadFile, File()]
) -> Response:
    event = _event(session, me, event_id)
    publicity.add_photo(
        session, event.id, photo.filename or "photo", photo.content_type or "", photo.file.read(), me.username
    )
    return done(request, f"/gov/publicity?period={event.held_on:%Y-%m}", "已上传照片")


@router.get("/photos/{photo_id}")
def show_photo(session: DbSession, me: User, photo_id: int) -> Response:
    photo = session.get(PublicityPhoto, photo_id)
    if photo is None:
        raise NotFoundError("照片不存在")
    _event(session, me, photo.event_id)
    return Response(
        photo.data, media_type=photo.content_type, headers={"Cache-Control": "private, max-age=3600"}
    )


@router.get("/events/{event_id}")
def event_photos(request: Request, session: DbSession, me: User, event_id: int) -> Response:
    event = _event(session, me, event_id)
    ctx = {"e": event, "photos": publicity.photos(session, event.id), "units": UnitIndex.load(session)}
    return render(request, "gov/publicity_event.html", ctx)


@router.post("/surveys")
def create_survey(
    request: Request,
    session: DbSession,
    me: User,
    code: Annotated[str, Form(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")],
    title: Annotated[str, Form(min_length=1, max_length=200)],
    held_on: Annotated[date, Form()],
    questions: Annotated[int, Form(ge=1, le=100)],
) -> Response:
    publicity.create_survey(session, code, title, held_on, questions, me.username)
    return done(request, f"/gov/publicity?survey={code}#awareness", f"已登记调查 {code}")


@router.post("/surveys/{code}/results")
def survey_result(
    request: Request,
    session: DbSession,
    me: User,
    code: str,
    unit_code: Annotated[str, Form(max_length=32)],
    respondents: Annotated[int, Form(ge=1)],
    correct: Annotated[int, Form(ge=0)],
) -> Response:
    from qiandai.governance.units import require_unit_in_scope

    require_unit_in_scope(session, me, unit_code)
    survey = publicity.get_survey(session, code)
    publicity.put_result(session, survey, unit_code, respondents, correct, me.username)
    return done(request, f"/gov/publicity?survey={code}#awareness", "已保存调查结果")
