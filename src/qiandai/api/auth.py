"""Authentication for the HTTP face: login/logout/me, and the dependencies every router uses.

``current_principal`` accepts ``Authorization: Bearer <token>`` or the ``qiandai_session`` cookie set by
login. ``require_roles(*roles)`` additionally demands one of ``roles`` (403 otherwise).

A cookie is sent by the browser on its own, so an unsafe request (POST, PUT, PATCH, DELETE) that
authenticates *only* by the cookie must also prove it comes from our pages: no foreign ``Origin`` and the
browser's CSRF token (``qiandai_csrf`` cookie) repeated in the ``X-CSRF-Token`` header — the same double
submit the web console uses. Bearer-token callers (scripts, other systems) are not affected.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from qiandai.api.deps import get_session
from qiandai.domain.errors import AuthenticationError, PermissionDeniedError
from qiandai.identity import service
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role

COOKIE = "qiandai_session"
CSRF_COOKIE = "qiandai_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _bearer_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _token_of(request: Request) -> str | None:
    return _bearer_of(request) or request.cookies.get(COOKIE)


def check_cookie_request(request: Request) -> None:
    """Refuse a cookie-authenticated unsafe request from a foreign origin or without the CSRF token."""
    if request.method not in UNSAFE:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise PermissionDeniedError("请求来源不被允许")
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDeniedError("使用登录 Cookie 调用接口时须在 X-CSRF-Token 请求头中提供页面令牌")


def current_principal(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Principal:
    """The logged-in caller; 401 (AuthenticationError) when no valid token or cookie is present."""
    token = _bearer_of(request)
    if token is None:
        token = request.cookies.get(COOKIE)
        if not token:
            raise AuthenticationError("未登录或登录已失效")
        check_cookie_request(request)
    return service.principal_for_token(session, token)


def require_roles(*roles: Role) -> Callable[..., Principal]:
    """A dependency returning the caller when they hold one of ``roles`` (403 otherwise)."""
    labels = "、".join(r.label for r in roles)

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_role(*roles):
            raise PermissionDeniedError(f"无权执行此操作（需要角色：{labels}）")
        return principal

    return dependency


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
DbSession = Annotated[Session, Depends(get_session, scope="function")]


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64, description="用户名")
    password: str = Field(min_length=1, max_length=200, description="密码")


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class MeResponse(BaseModel):
    user_id: int
    username: str
    display_name: str
    roles: list[str]
    role_labels: list[str]
    org_code: str | None
    region_code: str | None
    institution_code: str | None


router = APIRouter(prefix="/api/auth", tags=["认证"])


@router.post("/login", response_model=LoginResponse, summary="登录")
def login(body: LoginRequest, response: Response, session: DbSession) -> LoginResponse:
    token, expires = service.login(session, body.username, body.password)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", expires=expires)
    return LoginResponse(access_token=token, expires_at=expires)


@router.post("/logout", summary="退出登录", status_code=204)
def logout(request: Request, response: Response, session: DbSession) -> Response:
    token = _token_of(request)
    if token:
        service.logout(session, token)
    response.status_code = 204
    response.delete_cookie(COOKIE)
    return response


@router.get("/me", response_model=MeResponse, summary="当前用户")
def me(principal: CurrentPrincipal) -> MeResponse:
    roles = sorted(principal.roles)
    return MeResponse(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        roles=[r.value for r in roles],
        role_labels=[r.label for r in roles],
        org_code=principal.org_code,
        region_code=principal.region_code,
        institution_code=principal.institution_code,
    )
