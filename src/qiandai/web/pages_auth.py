"""Login, logout and the landing page (each user lands on the first page of their menu)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from qiandai.domain.errors import AuthenticationError
from qiandai.identity import service
from qiandai.web.deps import DbSession, User
from qiandai.web.nav import home_for
from qiandai.web.ratelimit import RateLimiter
from qiandai.web.routing import page_router
from qiandai.web.security import SESSION_COOKIE, set_session_cookie
from qiandai.web.templating import render

router = page_router()
login_limiter = RateLimiter.from_env("login", "20/300")  # per username + client address, all workers


def client_key(request: Request) -> str:
    """The client address used for rate limits (the direct peer; proxies set it via uvicorn)."""
    return request.client.host if request.client else "unknown"


def _safe_next(value: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "",
) -> Response:
    if not login_limiter.check(request, f"{username.strip().lower()}|{client_key(request)}"):
        ctx = {"error": "登录尝试过于频繁，请稍后再试", "username": username}
        return render(request, "login.html", ctx, status_code=429)
    try:
        token, expires = service.login(session, username.strip(), password)
    except AuthenticationError as exc:
        ctx = {"error": exc.message, "username": username, "next": _safe_next(next)}
        return render(request, "login.html", ctx, status_code=401)
    principal = service.principal_for_token(session, token)
    response = RedirectResponse(_safe_next(next) or home_for(principal), status_code=303)
    set_session_cookie(response, request, token, expires)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.logout(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(me: User) -> Response:
    return RedirectResponse(home_for(me), status_code=303)
