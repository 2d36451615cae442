"""All queries of the identity module."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qiandai.identity.models import AccessLogEntry, AuthToken, Organisation, User, UserRole


class IdentityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # organisations
    def organisation(self, code: str) -> Organisation | None:
        return self.session.get(Organisation, code)

    def add_organisation(self, org: Organisation) -> Organisation:
        self.session.add(org)
        self.session.flush()
        return org

    def organisations(self) -> Sequence[Organisation]:
        return self.session.scalars(select(Organisation).order_by(Organisation.code)).all()

    # users
    def user_by_name(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).one_or_none()

    def user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def users(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(User.id)).all()

    def add_user(self, user: User, roles: Sequence[str]) -> User:
        user.roles = [UserRole(role=r) for r in sorted(set(roles))]
        self.session.add(user)
        self.session.flush()
        return user

    # tokens
    def add_token(self, token: AuthToken) -> None:
        self.session.add(token)
        self.session.flush()

    def live_token(self, token_hash: str, now: datetime) -> AuthToken | None:
        stmt = select(AuthToken).where(
            AuthToken.token_hash == token_hash,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > now,
        )
        return self.session.scalars(stmt).one_or_none()

    def revoke_token(self, token_hash: str, now: datetime) -> None:
        self.session.execute(
            update(AuthToken)
            .where(AuthToken.token_hash == token_hash, AuthToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # access log
    def add_access(self, entry: AccessLogEntry) -> None:
        self.session.add(entry)
        self.session.flush()

    def access_log(self, subject_type: str | None = None, limit: int = 200) -> Sequence[AccessLogEntry]:
        stmt = select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(limit)
        if subject_type:
            stmt = stmt.where(AccessLogEntry.subject_type == subject_type)
        return self.session.scalars(stmt).all()
