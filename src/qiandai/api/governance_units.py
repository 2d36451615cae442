"""Governance API: units (list, tree, import, user assignment) and the anti-fraud app install campaign
(roster upload with its problem report, rates, targets, weekly rankings, spot checks, falsification).

Every read is limited to the caller's units (:func:`qiandai.governance.units.scope_units`); a unit outside
that scope answers 404 like a missing one. Tables can be downloaded as xlsx with ``?format=xlsx``.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession, require_roles
from qiandai.domain.errors import InvalidInputError
from qiandai.governance import installs, rosters, spotcheck, targets, units
from qiandai.governance.installs_tables import (
    Sheet,
    checks_sheet,
    falsification_sheet,
    problems_sheet,
    ranking_sheet,
    rates_sheet,
)
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role

router = APIRouter(prefix="/api/governance", tags=["反诈治理：单位与国家反诈App推广"])
Staff = Annotated[Principal, Depends(require_roles(Role.GOVERNANCE, Role.LEADER, Role.ADMIN))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def _week(value: str | None) -> date | None:
    return rosters.check_week(value) if value else None


def _xlsx(sheet: Sheet) -> Response:
    from qiandai.web.exports import Table, xlsx_response

    return xlsx_response(Table(sheet.title, sheet.headers, sheet.rows), f"{sheet.title}.xlsx")


def _sheet_json(sheet: Sheet) -> list[dict[str, Any]]:
    return [dict(zip(sheet.headers, row, strict=True)) for row in sheet.rows]


def require_county_staff(session: DbSession, principal: Staff) -> Principal:
    return units.require_manager(session, principal)


CountyStaff = Annotated[Principal, Depends(require_county_staff)]


# --- units ----------------------------------------------------------------------------------------


@router.get("/units", summary="单位列表（本人可见范围）")
def list_units(session: DbSession, principal: Staff) -> list[dict[str, Any]]:
    visible = units.scope_units(session, principal)
    return [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "kind_label": u.kind_label,
            "level": u.level,
            "parent_code": u.parent_code,
            "population": u.population,
            "staff": u.staff,
        }
        for u in units.all_units(session)
        if u.code in visible
    ]


@router.get("/units/tree", summary="单位树（本人可见范围）")
def units_tree(session: DbSession, principal: Staff) -> list[dict[str, Any]]:
    return [r.as_dict() for r in units.tree(session, principal)]


@router.get("/units/{code}", summary="单位详情：上级链与直接下级")
def unit_detail(code: str, session: DbSession, principal: Staff) -> dict[str, Any]:
    unit = units.require_unit_in_scope(session, principal, code)
    visible = units.scope_units(session, principal)
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": unit.kind_label,
        "level": unit.level,
        "population": unit.population,
        "staff": unit.staff,
        "ancestors": [
            {"code": a.code, "name": a.name} for a in units.ancestors(session, code) if a.code in visible
        ],
        "children": [
            {"code": c.code, "name": c.name, "kind_label": c.kind_label}
            for c in units.children(session, code)
        ],
    }


@router.post("/units/import", summary="导入单位层级（xlsx）；重复导入只更新变化")
def import_units(
    session: DbSession,
    _: CountyStaff,
    file: Annotated[UploadFile, File(description="单位表 xlsx")],
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.xlsx"
        path.write_bytes(file.file.read())
        report = units.import_units_xlsx(session, path)
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "changes": report.changes,
        "rejected": report.rejected,
        "problems": [p.__dict__ for p in report.problems],
    }


class AssignIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    unit_code: str = Field(min_length=1, max_length=32)


@router.post("/units/assign-user", summary="指定用户所属单位（数据范围）")
def assign_user(body: AssignIn, session: DbSession, _: Admin) -> dict[str, str]:
    units.assign_user(session, body.username, body.unit_code)
    return body.model_dump()


# --- installs -------------------------------------------------------------------------------------


@router.post("/installs/rosters", summary="上传一周花名册（xlsx）：返回采用、重复、未采用行及原因")
def upload_roster(
    session: DbSession,
    principal: Staff,
    file: Annotated[UploadFile, File(description="花名册 xlsx")],
    unit_code: Annotated[str, Form(min_length=1, max_length=32)],
    week: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    content = file.file.read()
    if not content:
        raise InvalidInputError("上传的花名册文件为空")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{hashlib.sha256(content).hexdigest()[:16]}.xlsx"
        path.write_bytes(content)
        report = rosters.import_roster_xlsx(
            session, principal, unit_code, path, week=_week(week), filename=file.filename or path.name
        )
    return {
        "import_id": report.import_id,
        "unit_code": report.unit_code,
        "week": report.week.isoformat(),
        "rows_total": report.rows_total,
        "accepted": report.accepted,
        "repeated": report.repeated,
        "rejected": report.rejected,
        "already_imported": report.already_imported,
        "summary": report.summary(),
        "problems": [{**p.__dict__, "severity": sev} for p, sev in report.problems],
    }


@router.get("/installs/problems", summary="花名册问题清单（按单位，可导出 xlsx）", response_model=None)
def roster_problems(
    session: DbSession,
    principal: Staff,
    unit: str | None = None,
    week: str | None = None,
    format: str = "json",
) -> list[dict[str, Any]] | Response:
    sheet = problems_sheet(rosters.problem_lines(session, principal, unit_code=unit, week=_week(week)))
    return _xlsx(sheet) if format == "xlsx" else _sheet_json(sheet)


@router.get("/installs/rates", summary="各单位安装率（逐级汇总）与目标达标情况", response_model=None)
def install_rates(
    session: DbSession, principal: Staff, week: str | None = None, format: str = "json"
) -> list[dict[str, Any]] | Response:
    rates = installs.unit_rates(session, principal, week=_week(week))
    if format == "xlsx":
        return _xlsx(rates_sheet(rates))
    return [
        {
            "code": r.code,
            "name": r.name,
            "kind": r.kind,
            "level": r.level,
            "base": r.base,
            "installed": r.installed,
            "rate": r.rate,
            "target_rate": r.target.rate,
            "target_due": r.target.due.isoformat() if r.target.due else None,
            "meets_target": r.target.meets,
            "target_status": r.target.label,
        }
        for r in rates
    ]


@router.get("/installs/ranking", summary="周排名（同层级按安装率，含周环比）", response_model=None)
def install_ranking(
    session: DbSession, principal: Staff, group: str = "3", week: str | None = None, format: str = "json"
) -> list[dict[str, Any]] | Response:
    lines = installs.ranking(session, principal, group=group, week=_week(week))
    if format == "xlsx":
        label = dict(installs.ranking_groups(session, principal)).get(group, group)
        return _xlsx(ranking_sheet(lines, label))
    return [
        {
            "rank": x.rank,
            "code": x.code,
            "name": x.name,
            "base": x.base,
            "installed": x.installed,
            "rate": x.rate,
            "previous_rate": x.previous_rate,
            "change": x.change,
            "previous_rank": x.previous_rank,
            "target_status": x.target.label,
        }
        for x in lines
    ]


class TargetIn(BaseModel):
    level: int | None = Field(default=None, ge=1, le=9)
    kind: str | None = None
    rate: str = Field(min_length=1, max_length=16, description="30% 或 0.3")
    due: date
    note: str = Field(default="", max_length=200)


@router.get("/installs/targets", summary="安装率目标")
def list_install_targets(session: DbSession, _: Staff) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "level": t.level,
            "kind": t.kind,
            "rate": t.rate,
            "due": t.due.isoformat(),
            "note": t.note,
        }
        for t in targets.list_targets(session)
    ]


@router.post("/installs/targets", summary="设置（或修改）安装率目标")
def put_install_target(body: TargetIn, session: DbSession, _: CountyStaff) -> dict[str, Any]:
    row = targets.set_target(
        session,
        level=body.level,
        kind=targets.parse_target_kind(body.kind),
        rate=targets.parse_rate(body.rate),
        due=body.due,
        note=body.note,
    )
    return {"id": row.id, "level": row.level, "kind": row.kind, "rate": row.rate, "due": row.due.isoformat()}


class DrawIn(BaseModel):
    unit_code: str = Field(min_length=1, max_length=32)
    week: date
    size: int = Field(default=20, ge=1, le=spotcheck.MAX_SAMPLE)


@router.post("/installs/spotchecks/draw", summary="抽取电话抽查名单（按周次+单位可复现）")
def draw_spotchecks(body: DrawIn, session: DbSession, principal: Staff) -> list[dict[str, Any]]:
    spotcheck.draw(session, principal, unit_code=body.unit_code, week=body.week, size=body.size)
    return _sheet_json(
        checks_sheet(spotcheck.checks(session, principal, week=body.week, unit_code=body.unit_code))
    )


@router.get("/installs/spotchecks", summary="抽查清单与结果", response_model=None)
def list_spotchecks(
    session: DbSession,
    principal: Staff,
    week: str | None = None,
    unit: str | None = None,
    format: str = "json",
) -> list[dict[str, Any]] | Response:
    sheet = checks_sheet(spotcheck.checks(session, principal, week=_week(week), unit_code=unit))
    return _xlsx(sheet) if format == "xlsx" else _sheet_json(sheet)


class ResultIn(BaseModel):
    result: str = Field(min_length=1, max_length=16, description="已安装 / 未安装 / 无法联系 / 号码错误")
    note: str = Field(default="", max_length=200)


@router.post("/installs/spotchecks/{check_id}", summary="登记抽查结果")
def record_spotcheck(check_id: int, body: ResultIn, session: DbSession, principal: Staff) -> dict[str, Any]:
    row = spotcheck.record(session, principal, check_id, body.result, note=body.note)
    return {"id": row.id, "result": row.result, "checked_by": row.checked_by}


class RevealIn(BaseModel):
    reason: str = Field(default="电话抽查", min_length=1, max_length=200)


@router.post("/installs/spotchecks/{check_id}/reveal", summary="查看抽查对象的完整姓名和号码（记录访问日志）")
def reveal_spotcheck(check_id: int, body: RevealIn, session: DbSession, principal: Staff) -> dict[str, str]:
    return spotcheck.reveal(session, principal, check_id, body.reason)


@router.get("/installs/falsification", summary="各单位虚报率（抽查）", response_model=None)
def falsification_rates(
    session: DbSession, principal: Staff, week: str | None = None, format: str = "json"
) -> list[dict[str, Any]] | Response:
    sheet = falsification_sheet(spotcheck.falsification(session, principal, week=_week(week)))
    return _xlsx(sheet) if format == "xlsx" else _sheet_json(sheet)
