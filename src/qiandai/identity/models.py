"""Identity tables (``id_*``): organisations, users and their roles, login tokens, the access log.

Tokens are stored as SHA-256 digests of the random token, never the token itself. The access log is
append-only: nothing in the code updates or deletes its rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qiandai.store.base import Base, UtcDateTime, now_utc


class Organisation(Base):
    """A bureau (医保局), agency (经办机构), institution (定点医药机构), anti-fraud centre or bank branch."""

    __tablename__ = "id_organisation"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # bureau | agency | institution | antifraud | bank | other
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(32))


class User(Base):
    __tablename__ = "id_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    org_code: Mapped[str | None] = mapped_column(ForeignKey("id_organisation.code"))
    region_code: Mapped[str | None] = mapped_column(String(12))
    institution_code: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class UserRole(Base):
    __tablename__ = "id_user_role"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_id_user_role_user_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("id_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    user: Mapped[User] = relationship(back_populates="roles")


class AuthToken(Base):
    __tablename__ = "id_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("id_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AccessLogEntry(Base):
    """One view of unmasked personal information: who saw which fields of what, when and why."""

    __tablename__ = "id_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc, index=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
