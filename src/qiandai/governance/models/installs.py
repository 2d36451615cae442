"""Anti-fraud app install campaign tables: roster imports, installs, problems, targets, spot checks.

Personal data: an install keeps the person's name, ID number and phone only encrypted (Fernet, the
supervision module's key) plus masked copies for display; duplicates are found through keyed hashes
(HMAC-SHA256) of the ID number and the phone, never through the clear values.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime, now_utc


class RosterImport(Base):
    """One uploaded roster file (花名册) of one unit for one week.

    ``content_sha256`` makes a re-upload of the same file by the same unit a no-op.
    """

    __tablename__ = "gov_roster_import"
    __table_args__ = (UniqueConstraint("unit_code", "content_sha256", name="uq_gov_roster_import_unit_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("gov_unit.code"), index=True)
    week: Mapped[date] = mapped_column(Date, index=True)  # the Monday of the reporting week
    filename: Mapped[str] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64))
    rows_total: Mapped[int] = mapped_column(Integer)  # non-blank data rows
    accepted: Mapped[int] = mapped_column(Integer)  # new installs recorded
    repeated: Mapped[int] = mapped_column(Integer)  # persons already recorded by an earlier roster
    rejected: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class Install(Base):
    """One person's reported installation of the national anti-fraud app (国家反诈中心App)."""

    __tablename__ = "gov_install"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_key: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC of the ID number
    phone_key: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC of the phone number
    unit_code: Mapped[str] = mapped_column(ForeignKey("gov_unit.code"), index=True)
    install_date: Mapped[date] = mapped_column(Date)
    week: Mapped[date] = mapped_column(Date, index=True)  # the roster's week (Monday)
    import_id: Mapped[int] = mapped_column(ForeignKey("gov_roster_import.id"), index=True)
    source_row: Mapped[int] = mapped_column(Integer)
    name_masked: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(32))
    phone_masked: Mapped[str] = mapped_column(String(32))
    identity_enc: Mapped[str] = mapped_column(Text)  # Fernet({"name","id_number","phone"})
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)


class RosterProblem(Base):
    """A roster row that was not counted, with its place and a Chinese reason.

    ``severity`` is ``rejected`` (unreadable or invalid: fix and re-report) or ``repeated`` (the person
    is already counted: nothing to fix, shown so that units see their double reports).
    """

    __tablename__ = "gov_roster_problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("gov_roster_import.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    sheet: Mapped[str] = mapped_column(String(100))
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(16))
    name_masked: Mapped[str] = mapped_column(String(64), default="")


class InstallTarget(Base):
    """A dated install-rate target: units of ``kind`` (or any) at ``level`` (or any) reach ``rate``
    by ``due``."""

    __tablename__ = "gov_install_target"
    __table_args__ = (UniqueConstraint("level", "kind", "due", name="uq_gov_install_target_scope_due"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    level: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(16))  # a UnitKind value, or "org" for all organisations
    rate: Mapped[float] = mapped_column(Float)  # 0..1
    due: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")


class SpotResult(StrEnum):
    INSTALLED = "installed"
    NOT_INSTALLED = "not_installed"
    UNREACHABLE = "unreachable"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return SPOT_RESULT_LABELS[self]


SPOT_RESULT_LABELS: dict[SpotResult, str] = {
    SpotResult.INSTALLED: "已安装",
    SpotResult.NOT_INSTALLED: "未安装",
    SpotResult.UNREACHABLE: "无法联系",
    SpotResult.WRONG_NUMBER: "号码错误",
}


class SpotCheck(Base):
    """One install drawn for a phone check in the week's sample of ``unit_code`` (the drawing unit),
    and its result."""

    __tablename__ = "gov_spot_check"
    __table_args__ = (
        UniqueConstraint("week", "unit_code", "install_id", name="uq_gov_spot_check_week_unit_install"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week: Mapped[date] = mapped_column(Date, index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("gov_unit.code"), index=True)
    install_id: Mapped[int] = mapped_column(ForeignKey("gov_install.id", ondelete="CASCADE"), index=True)
    seed: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
    result: Mapped[str | None] = mapped_column(String(16))  # a SpotResult value
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
