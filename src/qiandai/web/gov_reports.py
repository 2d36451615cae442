"""反诈治理 · 通报: generate the weekly or monthly circular of the caller's unit for a level and download
it as xlsx or PDF (built on request from the current data; nothing is stored)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.governance import circulars, periods
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.web.deps import DbSession, User, require
from qiandai.web.exports import XLSX
from qiandai.web.gov_cases import GOV_ROLES
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/gov/reports", [Depends(require(*GOV_ROLES))])


@router.get("")
def page(request: Request, me: User) -> Response:
    today = now_utc().astimezone(SHANGHAI).date()
    last_week = periods.previous(periods.of_kind(periods.WEEK, today))
    ctx = {
        "week": last_week.code,
        "month": periods.of_kind(periods.MONTH, today).code,
        "levels": circulars.LEVELS,
    }
    return render(request, "gov/reports.html", ctx)


@router.get("/download")
def download(
    session: DbSession, me: User, kind: str, period: str, level: str = "township", fmt: str = "xlsx"
) -> Response:
    from qiandai.governance.circulars_pdf import pdf_bytes
    from qiandai.governance.circulars_xlsx import xlsx_bytes

    p = periods.parse(period)
    if (kind == "week" and p.kind != periods.WEEK) or (kind == "month" and p.kind != periods.MONTH):
        raise InvalidInputError(f"周期 {period} 与通报类型不符（周报如 2026-W47，月报如 2026-11）")
    if fmt not in ("xlsx", "pdf"):
        raise InvalidInputError("格式应为 xlsx 或 pdf")
    c = circulars.build(session, me, p, level)
    body, media = (xlsx_bytes(c), XLSX) if fmt == "xlsx" else (pdf_bytes(c), "application/pdf")
    name = quote(f"{c.file_stem}.{fmt}")
    return Response(
        body, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    )
