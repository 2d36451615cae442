"""Security of the web face: session and CSRF cookies, the CSRF check, response headers.

* Session: the identity module's opaque token in the ``qiandai_session`` cookie (HttpOnly,
  SameSite=Strict, ``Secure`` when the request came over HTTPS or ``QIANDAI_COOKIE_SECURE=1``).
* CSRF: a random token in the HttpOnly ``qiandai_csrf`` cookie (double submit). Every unsafe request
  to a web route must repeat it in the ``csrf_token`` form field or the ``X-CSRF-Token`` header
  (htmx sends the header from ``<body hx-headers>``); a foreign ``Origin`` is refused as well.
* Headers: a strict Content-Security-Policy (scripts only from ``/static``), no framing, no caching
  of pages that may show personal information.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response

from qiandai.config import get_settings
from qiandai.domain.errors import PermissionDeniedError

SESSION_COOKIE = "qiandai_session"
CSRF_COOKIE = "qiandai_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def cookie_secure(request: Request) -> bool:
    """Whether cookies get the ``Secure`` flag: behind HTTPS, or forced by ``QIANDAI_COOKIE_SECURE=1``."""
    return request.url.scheme == "https" or get_settings().cookie_secure


def set_session_cookie(response: Response, request: Request, token: str, expires: datetime) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        expires=expires,
        path="/",
    )


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser (created by the middleware on its first visit)."""
    token: str = getattr(request.state, "csrf_token", "") or request.cookies.get(CSRF_COOKIE, "")
    return token


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request without the browser's CSRF token or from a foreign origin (403)."""
    if request.method not in UNSAFE:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise PermissionDeniedError("请求来源不被允许")
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDeniedError("页面已过期或请求无效，请刷新页面后重试")


def _is_web_path(path: str) -> bool:
    return not (path.startswith("/api/") or path in ("/docs", "/redoc", "/openapi.json", "/healthz"))


def install_security(app: FastAPI) -> None:
    """Give every browser a CSRF cookie and add the security headers to web responses."""

    @app.middleware("http")
    async def _web_security(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        new_token = None
        if _is_web_path(request.url.path) and not request.cookies.get(CSRF_COOKIE):
            new_token = secrets.token_urlsafe(32)
            request.state.csrf_token = new_token
        response = await call_next(request)
        if not _is_web_path(request.url.path):
            return response
        if new_token:
            response.set_cookie(
                CSRF_COOKIE, new_token, httponly=True, samesite="strict", secure=cookie_secure(request)
            )
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        return response
