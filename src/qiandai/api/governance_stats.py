"""Governance statistics endpoints: case statistics and targets, the fraud-free evaluation, publicity
coverage and surveys, high-risk persons and reduction progress, circulars. Every query is limited to
the caller's units (:func:`qiandai.governance.units.scope_units`); imports accept only rows of those units.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Response, UploadFile
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession, require_roles
from qiandai.domain.errors import InvalidInputError
from qiandai.governance import cases, circulars, fraudfree, periods, persons, publicity
from qiandai.governance.units import scope_units, sees_all
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role

router = APIRouter(prefix="/api/governance", tags=["反诈治理统计"])
Staff = Annotated[Principal, Depends(require_roles(Role.GOVERNANCE, Role.ADMIN, Role.LEADER))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(file: UploadFile, handler: Any) -> Any:
    suffix = Path(file.filename or "upload.xlsx").suffix.lower() or ".xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{Path(file.filename or 'upload').stem}{suffix}"
        path.write_bytes(file.file.read())
        return handler(path)


@router.post("/cases/import", summary="导入案件表（xlsx/csv；按案件编号去重，坏行逐行报告）")
def import_cases(session: DbSession, who: Staff, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    scope = scope_units(session, who)
    report = _upload(file, lambda p: cases.import_cases(session, p, who.username, scope=scope))
    return dict(report.as_dict())


@router.get("/cases/stats", summary="案件统计：按单位（逐级汇总）或类型，含环比、同比")
def case_stats(session: DbSession, who: Staff, period: str, by: str = "unit") -> list[dict[str, Any]]:
    scope = scope_units(session, who)
    p = periods.parse(period)
    if by == "unit":
        return [f.as_dict() for f in cases.unit_figures(session, p, scope)]
    if by == "type":
        return [f.as_dict() for f in cases.type_figures(session, p, None if sees_all(who) else scope)]
    raise InvalidInputError("by 应为 unit（按单位）或 type（按类型）")


class TargetIn(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    metric: str = Field(pattern=r"^(cases|loss)$")
    period_kind: str = Field(pattern=r"^(half|year|month)$")
    change_pct: float = Field(ge=-100, le=1000)


@router.put("/cases/targets/{code}", summary="设置考核目标（如案件数半年环比下降 10%）")
def put_target(code: str, body: TargetIn, session: DbSession, who: Staff) -> dict[str, Any]:
    from decimal import Decimal

    t = cases.put_target(
        session, code, body.label, body.metric, body.period_kind, Decimal(str(body.change_pct)), who.username
    )
    return {"code": t.code, "label": t.label, "metric": t.metric, "period_kind": t.period_kind}


@router.get("/cases/targets/{code}/check", summary="逐单位判断是否达到考核目标")
def check_target(code: str, period: str, session: DbSession, who: Staff) -> list[dict[str, Any]]:
    target = cases.get_target(session, code)
    rows = cases.evaluate_target(session, target, periods.parse(period), scope_units(session, who))
    return [
        {
            "unit": r.unit_code,
            "name": r.unit_name,
            "current": str(r.current),
            "base": str(r.base),
            "change_pct": None if r.change is None else str(r.change),
            "meets": r.meets,
        }
        for r in rows
    ]


def _evaluation(r: Any) -> dict[str, Any]:
    return {
        "unit": r.unit_code,
        "category": r.category,
        "passed": r.passed,
        "status": r.status,
        "status_label": fraudfree.STATUS_LABELS[r.status],
        "note": r.note,
        "evidence": r.evidence,
    }


@router.post("/fraudfree/{year}/draft", summary="生成（刷新）无诈村/无诈单位评价草稿")
def ff_draft(year: int, session: DbSession, who: Staff) -> dict[str, int]:
    return fraudfree.build_draft(session, year, who.username, scope_units(session, who))


@router.get("/fraudfree/{year}", summary="评价结果及每项标准的依据")
def ff_list(year: int, session: DbSession, who: Staff) -> list[dict[str, Any]]:
    return [_evaluation(r) for r in fraudfree.rows(session, year, scope_units(session, who))]


class ReviewIn(BaseModel):
    accept: bool
    note: str = Field(default="", max_length=500)


@router.post("/fraudfree/{year}/{unit_code}/review", summary="审核（通过/不通过，不通过须填写理由）")
def ff_review(year: int, unit_code: str, body: ReviewIn, session: DbSession, who: Staff) -> dict[str, Any]:
    row = fraudfree.review(
        session, year, unit_code, body.accept, body.note, who.username, scope_units(session, who)
    )
    return _evaluation(row)


@router.post("/fraudfree/{year}/publish", summary="公布名单（须县级或管理员；达标单位须全部审核）")
def ff_publish(year: int, session: DbSession, who: Staff) -> list[dict[str, Any]]:
    if not sees_all(who):
        from qiandai.domain.errors import PermissionDeniedError

        raise PermissionDeniedError("公布名单须由县级领导或管理员操作")
    return [_evaluation(r) for r in fraudfree.publish(session, year, who.username)]


@router.get("/publicity/coverage", summary="宣传覆盖（逐级汇总）")
def pub_coverage(period: str, session: DbSession, who: Staff) -> list[dict[str, Any]]:
    return [
        {
            "unit": c.unit_code,
            "name": c.unit_name,
            "events": c.events,
            "people": c.people,
            "leaflets": c.leaflets,
            "banners": c.banners,
            "screens": c.screens,
            "reach_pct": None if c.reach_pct is None else str(c.reach_pct),
            "by_kind": c.by_kind,
        }
        for c in publicity.coverage(session, periods.parse(period), scope_units(session, who))
    ]


@router.post("/publicity/import", summary="导入宣传台账（重复导入不重复计数）")
def pub_import(session: DbSession, who: Staff, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    scope = scope_units(session, who)
    report = _upload(file, lambda p: publicity.import_events(session, p, who.username, scope=scope))
    return dict(report.as_dict())


@router.get("/publicity/surveys/{code}", summary="知晓率（逐级汇总）")
def pub_survey(code: str, session: DbSession, who: Staff) -> list[dict[str, Any]]:
    survey = publicity.get_survey(session, code)
    return [
        {
            "unit": a.unit_code,
            "name": a.unit_name,
            "respondents": a.respondents,
            "rate": None if a.rate is None else str(a.rate),
        }
        for a in publicity.awareness(session, survey, scope_units(session, who))
    ]


@router.get("/persons", summary="重点人员档案（脱敏）")
def person_list(session: DbSession, who: Staff, category: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "file_no": p.file_no,
            "category": p.category,
            "name": p.name_masked,
            "id_number": p.id_masked,
            "phone": p.phone_masked,
            "unit": p.unit_code,
            "relation": p.relation,
            "officer": p.officer,
            "opened_on": str(p.opened_on),
            "reduced_on": None if p.reduced_on is None else str(p.reduced_on),
        }
        for p in persons.persons(session, scope_units(session, who), category=category)
    ]


class ReduceIn(BaseModel):
    on: date
    note: str = Field(min_length=2, max_length=500)


@router.post("/persons/{file_no}/reduce", summary="核减一份档案")
def person_reduce(file_no: str, body: ReduceIn, session: DbSession, who: Staff) -> dict[str, str]:
    p = persons.get_person(session, file_no, scope_units(session, who))
    persons.reduce(session, p, body.on, body.note, who.username)
    return {"file_no": p.file_no, "reduced_on": str(p.reduced_on)}


@router.get("/persons/campaigns/{campaign_id}/progress", summary="核减进度（各单位与逐日累计）")
def campaign_progress(
    campaign_id: int, session: DbSession, who: Staff, as_of: date | None = None
) -> dict[str, Any]:
    scope = scope_units(session, who)
    c = persons.get_campaign(session, campaign_id, scope)
    p = persons.progress(session, c, as_of)
    return {
        "campaign": c.name,
        "target_pct": c.target_pct,
        "due_on": str(c.due_on),
        "units": [
            {
                "unit": u.unit_code,
                "name": u.unit_name,
                "enrolled": u.enrolled,
                "reduced": u.reduced,
                "target": u.target,
                "pct": None if u.pct is None else str(u.pct),
                "meets": u.meets,
            }
            for u in p.units
            if u.unit_code in scope
        ],
        "daily": [{"day": str(d), "reduced": n} for d, n in p.daily],
    }


@router.get("/report", summary="周通报/月通报下载（xlsx 或 pdf）")
def report(
    session: DbSession,
    who: Staff,
    level: str = "township",
    week: str | None = None,
    month: str | None = None,
    unit: str | None = None,
    format: str = "xlsx",
) -> Response:
    from qiandai.governance.circulars_pdf import pdf_bytes
    from qiandai.governance.circulars_xlsx import xlsx_bytes

    if (week is None) == (month is None):
        raise InvalidInputError("请指定 week 或 month 之一")
    if format not in ("xlsx", "pdf"):
        raise InvalidInputError("format 应为 xlsx 或 pdf")
    period = periods.parse(week or month or "")
    if period.kind != (periods.WEEK if week else periods.MONTH):
        raise InvalidInputError(f"周期 {week or month} 与参数不符（week=2026-W47 或 month=2026-11）")
    c = circulars.build(session, who, period, level, root=unit)
    body, media = (xlsx_bytes(c), XLSX) if format == "xlsx" else (pdf_bytes(c), "application/pdf")
    name = quote(f"{c.file_stem}.{format}")
    return Response(
        body, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    )
