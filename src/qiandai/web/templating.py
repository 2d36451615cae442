"""Jinja2 templates of the console and the filters they use (money, Shanghai time, masking).

:func:`render` adds what every page needs: the user, the role menu, the CSRF token, a flash message.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from qiandai.domain.masking import mask_code, mask_id_number, mask_name, mask_phone
from qiandai.store.base import SHANGHAI
from qiandai.web.nav import menu
from qiandai.web.security import csrf_token

FLASH_COOKIE = "qiandai_flash"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def money(value: Decimal | float | int | str | None) -> str:
    """``1234.5`` → ``1,234.50``; empty for None."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.2f}"


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC-aware time (or ISO text) shown in Asia/Shanghai."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(SHANGHAI).strftime(fmt)


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value, "%Y-%m-%d")
    return value.isoformat()


_env = templates.env
_env.filters.update(
    money=money,
    dt=local_time,
    d=local_date,
    mask_code=mask_code,
    mask_id=mask_id_number,
    mask_name=mask_name,
    mask_phone=mask_phone,
)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render template ``name`` with the page context; a pending flash message is shown once."""
    principal = getattr(request.state, "principal", None)
    flash = request.cookies.get(FLASH_COOKIE)
    ctx = {
        "me": principal,
        "nav": menu(principal, request.url.path),
        "csrf": csrf_token(request),
        "flash": unquote(flash) if flash else None,
        "path": request.url.path,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response
