"""Governance units (``gov_unit``) and the user → unit scope (``gov_user_unit``).

A unit is a node of the county's hierarchy: the county, its townships and streets, their villages and
communities, and the departments, schools, hospitals and companies attached anywhere in the tree. The
stable key is ``code`` (the code used in the county's own spreadsheets); ``parent_code`` is checked by the
importer, not by a foreign key, so that a whole hierarchy can be (re)loaded in any row order.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qiandai.store.base import Base, UtcDateTime, now_utc


class UnitKind(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    STREET = "street"
    VILLAGE = "village"
    COMMUNITY = "community"
    DEPARTMENT = "department"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    COMPANY = "company"
    OTHER = "other"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]

    @property
    def is_area(self) -> bool:
        """Areas (county, township, street, village, community) count residents; organisations count staff."""
        return self in AREA_KINDS


UNIT_KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.COUNTY: "县（区）",
    UnitKind.TOWNSHIP: "乡镇",
    UnitKind.STREET: "街道",
    UnitKind.VILLAGE: "村",
    UnitKind.COMMUNITY: "社区",
    UnitKind.DEPARTMENT: "部门",
    UnitKind.SCHOOL: "学校",
    UnitKind.HOSPITAL: "医院",
    UnitKind.COMPANY: "企业",
    UnitKind.OTHER: "其他单位",
}

AREA_KINDS = frozenset(
    {UnitKind.COUNTY, UnitKind.TOWNSHIP, UnitKind.STREET, UnitKind.VILLAGE, UnitKind.COMMUNITY}
)


def parse_unit_kind(value: str) -> UnitKind:
    """A kind from its code (``village``) or its Chinese label (``村``, ``县``, ``单位`` …)."""
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        return UnitKind(text.lower())
    except ValueError:
        pass
    for kind, label in UNIT_KIND_LABELS.items():
        if text in (label, unicodedata.normalize("NFKC", label)):
            return kind
    aliases = {
        "县": UnitKind.COUNTY,
        "区": UnitKind.COUNTY,
        "县区": UnitKind.COUNTY,
        "镇": UnitKind.TOWNSHIP,
        "乡": UnitKind.TOWNSHIP,
        "村委会": UnitKind.VILLAGE,
        "行政村": UnitKind.VILLAGE,
        "居委会": UnitKind.COMMUNITY,
        "机关": UnitKind.DEPARTMENT,
        "单位": UnitKind.OTHER,
        "公司": UnitKind.COMPANY,
        "其他": UnitKind.OTHER,
    }
    if text in aliases:
        return aliases[text]
    allowed = "、".join(UNIT_KIND_LABELS.values())
    raise ValueError(f"未知单位类型“{text}”（可选：{allowed}）")


class Unit(Base):
    """One node of the hierarchy. ``level`` is the depth: the county is 1, its townships 2, villages 3."""

    __tablename__ = "gov_unit"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # a UnitKind value
    parent_code: Mapped[str | None] = mapped_column(String(32), index=True)
    level: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer, default=0)  # residents (areas)
    staff: Mapped[int] = mapped_column(Integer, default=0)  # staff (organisations; areas: cadres)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)

    @property
    def unit_kind(self) -> UnitKind:
        return UnitKind(self.kind)

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label

    @property
    def base_count(self) -> int:
        """The denominator of rates: population for areas, staff for organisations."""
        return self.population if UnitKind(self.kind).is_area else self.staff


class UserUnit(Base):
    """The unit a user works for; the user sees that unit and everything below it."""

    __tablename__ = "gov_user_unit"

    user_id: Mapped[int] = mapped_column(ForeignKey("id_user.id", ondelete="CASCADE"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("gov_unit.code", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now_utc)
