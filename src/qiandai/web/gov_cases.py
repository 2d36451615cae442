"""反诈治理 · 案件统计: figures by unit (rolled up, the caller's units only) and by fraud type for a
period with 环比/同比, charts, xlsx export, case-sheet import and the targets with each unit's result.

The small helpers at the top (scope, period argument, import result page, bar chart option) are shared
by the other governance statistics pages (``gov_fraudfree``, ``gov_publicity``, ``gov_persons``,
``gov_reports``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from qiandai.governance import cases, periods
from qiandai.governance.periods import Period
from qiandai.governance.units import scope_units
from qiandai.identity.roles import Role
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.web import charts
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.routing import page_router
from qiandai.web.templating import render

GOV_ROLES = (Role.GOVERNANCE, Role.ADMIN, Role.LEADER)
router = page_router("/gov/cases", [Depends(require(*GOV_ROLES))])


def scope_of(session: DbSession, me: User) -> frozenset[str]:
    return scope_units(session, me)


def period_arg(value: str | None, default_kind: str = periods.MONTH) -> Period:
    """The period of a query string (``2026-11``), default: the current month (Asia/Shanghai)."""
    if value:
        return periods.parse(value)
    return periods.of_kind(default_kind, now_utc().astimezone(SHANGHAI).date())


def save_upload(upload: UploadFile, folder: Path) -> Path:
    name = Path(upload.filename or "upload.xlsx").name
    path = folder / name
    path.write_bytes(upload.file.read())
    return path


def import_page(request: Request, title: str, back: str, report: dict[str, Any]) -> Response:
    """The result of an import: counts and every rejected row (sheet, row, field, reason)."""
    return render(request, "gov/stats_import.html", {"title": title, "back": back, "r": report})


def bars(title: str, labels: list[str], series: dict[str, list[float]]) -> dict[str, Any]:
    """A vertical bar chart option (one bar series per entry of ``series``)."""
    option = charts.series_line(title, labels, series)
    for s in option["series"]:
        s["type"] = "bar"
        s.pop("smooth", None)
    return option


def _figures_table(figs: list[cases.Figures], first: str, indent: bool = False) -> Table:
    headers = [
        first,
        "发案数",
        "上期",
        "环比",
        "去年同期",
        "同比",
        "损失金额（元）",
        "损失环比",
        "损失同比",
        "挽回金额（元）",
        "破案数",
    ]
    rows = [
        [
            ("　" * max(f.level - 1, 0) if indent else "") + f.label,
            f.count,
            f.count_prev,
            periods.pct_text(f.count_mom),
            f.count_yoy,
            periods.pct_text(f.count_yoy_pct),
            f.loss,
            periods.pct_text(f.loss_mom),
            periods.pct_text(f.loss_yoy_pct),
            f.recovered,
            f.solved,
        ]
        for f in figs
    ]
    return Table("案件统计", headers, rows, frozenset({6, 9}))


def _data(session: DbSession, me: User, period: Period, indent: bool = False) -> tuple[Table, Table]:
    """The unit table (hierarchy order; indented by level on the page, not in exports) and the type table."""
    scope = scope_of(session, me)
    units = cases.unit_figures(session, period, scope)
    types = cases.type_figures(session, period, scope)
    return _figures_table(units, "单位", indent), _figures_table(types, "诈骗类型")


@router.get("")
def page(request: Request, session: DbSession, me: User, period: str | None = None) -> Response:
    p = period_arg(period)
    by_unit, by_type = _data(session, me, p, indent=True)
    scope = scope_of(session, me)
    targets = []
    for t in cases.targets(session):
        tp = periods.of_kind(t.period_kind, p.last_day)
        results = cases.evaluate_target(session, t, tp, scope)
        targets.append((t, tp, results))
    ctx = {
        "p": p,
        "prev": periods.previous(p),
        "yoy": periods.year_ago(p),
        "by_unit": by_unit,
        "by_type": by_type,
        "targets": targets,
        "no_scope": not scope,
    }
    return render(request, "gov/cases.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, me: User, period: str | None = None) -> Response:
    p = period_arg(period)
    by_unit, _ = _data(session, me, p)
    by_unit.title = f"案件统计{p.code}"
    return xlsx_response(by_unit, f"案件统计-{p.code}.xlsx")


@router.get("/types.xlsx")
def export_types(session: DbSession, me: User, period: str | None = None) -> Response:
    p = period_arg(period)
    _, by_type = _data(session, me, p)
    by_type.title = f"案件类型{p.code}"
    return xlsx_response(by_type, f"案件类型-{p.code}.xlsx")


@router.get("/charts/types.json")
def chart_types(session: DbSession, me: User, period: str | None = None) -> JSONResponse:
    p = period_arg(period)
    figs = [f for f in cases.type_figures(session, p, scope_of(session, me)) if f.count or f.count_prev]
    return JSONResponse(
        bars(
            "各类型发案数",
            [f.label for f in figs],
            {"本期": [float(f.count) for f in figs], "上期": [float(f.count_prev) for f in figs]},
        )
    )


@router.post("/import")
def upload(request: Request, session: DbSession, me: User, file: Annotated[UploadFile, File()]) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = save_upload(file, Path(tmp))
        report = cases.import_cases(session, path, me.username, scope=scope_of(session, me))
    return import_page(request, "案件导入结果", "/gov/cases", report.as_dict())
