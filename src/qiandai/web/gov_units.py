"""反诈治理 · 单位: the unit tree the caller may see, with population, staff and install counts; xlsx
export; unit-sheet import (county staff and administrators)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Request, Response, UploadFile

from qiandai.governance import installs, units
from qiandai.governance.installs import percent
from qiandai.identity.roles import Role
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.routing import page_router
from qiandai.web.templating import render

GOV_ROLES = (Role.GOVERNANCE, Role.ADMIN, Role.LEADER)
router = page_router("/gov/units", [Depends(require(*GOV_ROLES))])


def _table(session: DbSession, me: User) -> Table:
    rates = {r.code: r for r in installs.unit_rates(session, me)}
    rows = []
    for depth, u in units.flatten(units.tree(session, me)):
        r = rates.get(u.code)
        rows.append(
            [
                ("　" * depth) + u.name,
                u.code,
                u.kind_label,
                u.level,
                u.population,
                u.staff,
                r.base if r else 0,
                r.installed if r else 0,
                percent(r.rate) if r else "—",
            ]
        )
    headers = [
        "单位",
        "编码",
        "类型",
        "层级",
        "人口",
        "职工数",
        "基数（含下级）",
        "已安装（含下级）",
        "安装率",
    ]
    return Table("单位", headers, rows)


@router.get("")
def page(request: Request, session: DbSession, me: User) -> Response:
    t = _table(session, me)
    ctx = {
        "t": t,
        "no_scope": not units.scope_units(session, me),
        "can_manage": units.can_manage(session, me),
        "my_unit": units.user_unit(session, me.user_id),
    }
    return render(request, "gov/units.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, me: User) -> Response:
    return xlsx_response(_table(session, me), "单位.xlsx")


@router.post("/import")
def upload(request: Request, session: DbSession, me: User, file: Annotated[UploadFile, File()]) -> Response:
    units.require_manager(session, me)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file.filename or "units.xlsx").name
        path.write_bytes(file.file.read())
        report = units.import_units_xlsx(session, path)
    return render(request, "gov/units_import.html", {"r": report})
