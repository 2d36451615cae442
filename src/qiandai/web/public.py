"""Public whistleblower pages (群众举报, no account): the report form and the status check.

Phone-width first. The receipt code never travels in a URL (the status check is a POST form); the form
is CSRF-protected and rate-limited per client address (``QIANDAI_RATE_REPORT``, default 5 per hour).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Form, Request, Response

from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.supervision import credit, whistle
from qiandai.supervision.repository import ScopedRepository
from qiandai.web import forms
from qiandai.web.deps import DbSession
from qiandai.web.pages_auth import client_key
from qiandai.web.ratelimit import RateLimiter
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/report")
report_limiter = RateLimiter.from_env("report", "5/3600")
status_limiter = RateLimiter.from_env("report_status", "30/600")
_PHONE = re.compile(r"^\d{7,15}$")


@router.get("")
def form(request: Request) -> Response:
    return render(request, "public/report.html", {"v": {}})


@router.post("")
def submit(
    request: Request,
    session: DbSession,
    subject: Annotated[str, Form(max_length=200)] = "",
    content: Annotated[str, Form(max_length=10000)] = "",
    institution: Annotated[str, Form(max_length=64)] = "",
    region: Annotated[str, Form(max_length=12)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    named: Annotated[bool, Form()] = False,
    name: Annotated[str, Form(max_length=50)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    values = {
        "subject": subject,
        "content": content,
        "institution": institution,
        "region": region,
        "amount": amount,
        "named": named,
    }
    if not report_limiter.check(request, client_key(request)):
        msg = "提交过于频繁，请稍后再试。紧急情况请拨打 12393 医保服务热线。"
        return render(request, "public/report.html", {"v": values, "error": msg}, status_code=429)
    try:
        if len(subject.strip()) < 2 or len(content.strip()) < 5:
            raise InvalidInputError("请填写举报事项（至少 2 个字）和具体内容（至少 5 个字）")
        if named and not (name.strip() and _PHONE.match(phone.strip())):
            raise InvalidInputError("实名举报请填写姓名和有效的联系电话")
        if region and not re.fullmatch(r"\d{6}", region.strip()):
            raise InvalidInputError("行政区划代码应为 6 位数字")
        report = whistle.submit(
            ScopedRepository(session, whistle.PUBLIC),
            subject=subject.strip(),
            content=content.strip(),
            anonymous=not named,
            reporter={"name": name.strip(), "phone": phone.strip()} if named else None,
            institution_code=institution.strip() or None,
            region_code=region.strip() or None,
            alleged_amount=forms.amount(amount, what="涉及金额"),
            channel="form",
        )
    except InvalidInputError as exc:
        return render(request, "public/report.html", {"v": values, "error": exc.message}, status_code=422)
    return render(request, "public/receipt.html", {"code": report.receipt_code})


@router.get("/status")
def status_form(request: Request) -> Response:
    return render(request, "public/status.html", {})


@router.post("/status")
def status(
    request: Request, session: DbSession, receipt_code: Annotated[str, Form(max_length=40)] = ""
) -> Response:
    if not status_limiter.check(request, client_key(request)):
        return render(request, "public/status.html", {"error": "查询过于频繁，请稍后再试"}, status_code=429)
    try:
        found = whistle.status_by_receipt(ScopedRepository(session, whistle.PUBLIC), receipt_code)
    except NotFoundError:
        return render(
            request, "public/status.html", {"error": "未找到该回执编号，请核对后重试"}, status_code=404
        )
    return render(request, "public/status.html", {"result": found})


exposure_router = page_router("/exposure")
extra_routers = (exposure_router,)


@exposure_router.get("")
def exposure(request: Request, session: DbSession) -> Response:
    """曝光台: published circulars of typical cases, public (no login), phone-width first."""
    items = [(c, credit.circular_items(session, c)) for c in credit.published_circulars(session)]
    return render(request, "public/exposure.html", {"circulars": items})


@exposure_router.get("/{circular_id}")
def exposure_one(request: Request, circular_id: int, session: DbSession) -> Response:
    """One published circular; drafts answer 404 like missing ones."""
    circ = credit.published_circular(session, circular_id)
    return render(
        request,
        "public/exposure.html",
        {"circulars": [(circ, credit.circular_items(session, circ))], "one": True},
    )
