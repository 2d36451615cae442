"""Dependencies of web pages: the request's unit of work, the logged-in principal, role checks.

The session cookie carries the identity module's opaque token; an absent or expired token raises
:class:`~qiandai.web.routing.LoginRequired` (the page redirects to the login form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from qiandai.domain.errors import AuthenticationError, PermissionDeniedError
from qiandai.identity import service
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.supervision.repository import ScopedRepository
from qiandai.web.routing import LoginRequired
from qiandai.web.security import SESSION_COOKIE


def get_session(request: Request) -> Session:
    """The request's unit of work, opened by :class:`~qiandai.web.routing.WebRoute`: committed before
    the response is sent, rolled back on any error."""
    session: Session = request.state.db
    return session


DbSession = Annotated[Session, Depends(get_session)]


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    """The logged-in user, or None (public pages)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        principal = service.principal_for_token(session, token)
    except AuthenticationError:
        return None
    request.state.principal = principal
    return principal


def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise LoginRequired("请先登录")
    return principal


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency returning the user when they hold one of ``roles`` (403 page otherwise)."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_role(*roles):
            raise PermissionDeniedError("您的角色无权访问此页面")
        return principal

    return dependency


User = Annotated[Principal, Depends(current_principal)]


def scoped_repo(principal: User, session: DbSession) -> ScopedRepository:
    """The caller's scoped repository of the supervision module (scope defined in one place)."""
    return ScopedRepository(session, principal)


Repo = Annotated[ScopedRepository, Depends(scoped_repo)]

SUPERVISION_STAFF = (Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.LEADER, Role.INTAKE, Role.EXPERT)
SUPERVISION_ALL = (*SUPERVISION_STAFF, Role.INSTITUTION)
ANTIFRAUD_ALL = (Role.ADMIN, Role.ANTIFRAUD, Role.LEADER, Role.BANK, Role.GRID)
