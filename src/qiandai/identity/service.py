"""Users, login and logout, token resolution, and the access log of unmasked views.

Services never commit: the caller's unit of work does. Tokens are 32 random bytes (URL-safe base64)
handed to the client once; the database keeps only their SHA-256 digest and an expiry.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from qiandai.domain.errors import AuthenticationError, ConflictError, InvalidInputError
from qiandai.identity.models import AccessLogEntry, AuthToken, Organisation, User
from qiandai.identity.passwords import DUMMY_HASH, hash_password, verify_password
from qiandai.identity.principal import Principal
from qiandai.identity.repository import IdentityRepository
from qiandai.identity.roles import Role, parse_roles
from qiandai.store.base import now_utc

TOKEN_LIFETIME = timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=frozenset(Role(r.role) for r in user.roles),
        org_code=user.org_code,
        region_code=user.region_code,
        institution_code=user.institution_code,
    )


def ensure_organisation(
    session: Session, code: str, name: str, kind: str, region_code: str | None = None
) -> Organisation:
    """Return organisation ``code``, creating it when missing (idempotent)."""
    repo = IdentityRepository(session)
    org = repo.organisation(code)
    if org is None:
        org = repo.add_organisation(Organisation(code=code, name=name, kind=kind, region_code=region_code))
    return org


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    roles: Iterable[str] | str,
    org_code: str | None = None,
    region_code: str | None = None,
    institution_code: str | None = None,
) -> Principal:
    """Create a user; a duplicate username raises :class:`ConflictError`, bad input InvalidInputError."""
    repo = IdentityRepository(session)
    try:
        parsed = parse_roles(roles if isinstance(roles, str) else list(roles))
        hashed = hash_password(password)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    if not parsed:
        raise InvalidInputError("至少指定一个角色")
    if Role.INSTITUTION in parsed and not institution_code:
        raise InvalidInputError("机构用户必须指定所属机构编码")
    if repo.user_by_name(username) is not None:
        raise ConflictError(f"用户名已存在：{username}")
    if org_code and repo.organisation(org_code) is None:
        raise InvalidInputError(f"组织不存在：{org_code}")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hashed,
        org_code=org_code,
        region_code=region_code,
        institution_code=institution_code,
        active=True,
    )
    return principal_of(repo.add_user(user, [r.value for r in parsed]))


def login(
    session: Session, username: str, password: str, now: datetime | None = None
) -> tuple[str, datetime]:
    """Check the password and issue a token; returns ``(token, expires_at)``. Wrong → 401 error."""
    repo = IdentityRepository(session)
    user = repo.user_by_name(username)
    if user is None or not user.active:
        verify_password(DUMMY_HASH, password)
        raise AuthenticationError("用户名或密码错误")
    if not verify_password(user.password_hash, password):
        raise AuthenticationError("用户名或密码错误")
    now = now or now_utc()
    token = secrets.token_urlsafe(32)
    expires = now + TOKEN_LIFETIME
    repo.add_token(AuthToken(token_hash=_digest(token), user_id=user.id, created_at=now, expires_at=expires))
    return token, expires


def principal_for_token(session: Session, token: str, now: datetime | None = None) -> Principal:
    """The principal of a live token; an unknown, expired or revoked token raises AuthenticationError."""
    repo = IdentityRepository(session)
    row = repo.live_token(_digest(token), now or now_utc())
    user = repo.user(row.user_id) if row else None
    if user is None or not user.active:
        raise AuthenticationError("登录已失效，请重新登录")
    return principal_of(user)


def logout(session: Session, token: str) -> None:
    IdentityRepository(session).revoke_token(_digest(token), now_utc())


def user_principal(session: Session, username: str) -> Principal | None:
    user = IdentityRepository(session).user_by_name(username)
    return principal_of(user) if user else None


def list_users(session: Session) -> Sequence[Principal]:
    return [principal_of(u) for u in IdentityRepository(session).users()]


def log_unmasked_view(
    session: Session,
    principal: Principal,
    subject_type: str,
    subject_id: str | int,
    fields: Sequence[str],
    reason: str,
) -> None:
    """Record that ``principal`` saw ``fields`` of ``subject_type``/``subject_id`` unmasked, and why.

    Call it in the same unit of work that returns the unmasked data: if the response fails, neither
    the view nor its log entry happened.
    """
    IdentityRepository(session).add_access(
        AccessLogEntry(
            at=now_utc(),
            user_id=principal.user_id,
            username=principal.username,
            subject_type=subject_type,
            subject_id=str(subject_id),
            fields=list(fields),
            reason=reason or "未说明",
        )
    )


def access_log(session: Session, subject_type: str | None = None, limit: int = 200) -> list[AccessLogEntry]:
    return list(IdentityRepository(session).access_log(subject_type, limit))
