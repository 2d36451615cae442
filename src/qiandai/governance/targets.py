"""Dated install-rate targets (e.g. villages 30%, organisations 100% by year end) and who meets them.

A target applies to a unit when its ``kind`` (a :class:`UnitKind` value, ``area``, ``org`` or none) and
its ``level`` (or none) match. Of the targets that apply, the one in force on ``as_of`` is the nearest
deadline not yet passed; once all have passed, the latest one. At equal deadlines the more specific
target (kind and level > kind > level > none) wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.governance.models.installs import InstallTarget
from qiandai.governance.models.units import Unit, UnitKind, parse_unit_kind

GROUP_KINDS = {"area": "辖区（县/乡镇/街道/村/社区）", "org": "单位（部门/学校/医院/企业）"}


def kind_label(kind: str | None) -> str:
    if kind is None:
        return "全部"
    if kind in GROUP_KINDS:
        return GROUP_KINDS[kind]
    return UnitKind(kind).label


def parse_target_kind(value: str | None) -> str | None:
    if value is None or value.strip() in ("", "全部", "all"):
        return None
    text = value.strip()
    if text in ("area", "辖区"):
        return "area"
    if text in ("org", "单位"):
        return "org"
    try:
        return parse_unit_kind(text).value
    except ValueError as exc:
        raise InvalidInputError(f"{exc}；也可用 area（辖区）/ org（单位）") from None


def parse_rate(value: str | float) -> float:
    """``30%`` / ``30`` / ``0.3`` → 0.3; refuses values outside 0–100%."""
    text = str(value).strip().rstrip("%").strip()
    try:
        number = float(text)
    except ValueError:
        raise InvalidInputError(f"目标比例无法识别：{value}") from None
    if number > 1 or str(value).strip().endswith("%"):
        number = number / 100
    if not 0 < number <= 1:
        raise InvalidInputError(f"目标比例应在 0–100% 之间：{value}")
    return round(number, 6)


def set_target(
    session: Session, *, level: int | None, kind: str | None, rate: float, due: date, note: str = ""
) -> InstallTarget:
    """Create or update the target for (level, kind, due)."""
    if level is not None and level < 1:
        raise InvalidInputError(f"层级应为正整数：{level}")
    stmt = select(InstallTarget).where(InstallTarget.due == due)
    stmt = stmt.where(InstallTarget.level.is_(None) if level is None else InstallTarget.level == level)
    stmt = stmt.where(InstallTarget.kind.is_(None) if kind is None else InstallTarget.kind == kind)
    row = session.scalar(stmt)
    if row is None:
        row = InstallTarget(level=level, kind=kind, rate=rate, due=due, note=note)
        session.add(row)
    else:
        row.rate = rate
        row.note = note
    session.flush()
    return row


def delete_target(session: Session, target_id: int) -> None:
    row = session.get(InstallTarget, target_id)
    if row is None:
        raise NotFoundError(f"目标不存在：{target_id}")
    session.delete(row)
    session.flush()


def list_targets(session: Session) -> list[InstallTarget]:
    return list(session.scalars(select(InstallTarget).order_by(InstallTarget.due, InstallTarget.id)))


def _matches(target: InstallTarget, unit: Unit) -> bool:
    if target.level is not None and target.level != unit.level:
        return False
    if target.kind is None:
        return True
    is_area = UnitKind(unit.kind).is_area
    if target.kind == "area":
        return is_area
    if target.kind == "org":
        return not is_area
    return target.kind == unit.kind


def _specificity(target: InstallTarget) -> int:
    kind = 0 if target.kind is None else (1 if target.kind in GROUP_KINDS else 2)
    return kind * 2 + (1 if target.level is not None else 0)


def target_for(targets: list[InstallTarget], unit: Unit, as_of: date) -> InstallTarget | None:
    """The target in force for ``unit`` on ``as_of`` (see the module docstring), or None."""
    matching = [t for t in targets if _matches(t, unit)]
    if not matching:
        return None
    upcoming = [t for t in matching if t.due >= as_of]
    due = min(t.due for t in upcoming) if upcoming else max(t.due for t in matching)
    same_due = [t for t in matching if t.due == due]
    return max(same_due, key=lambda t: (_specificity(t), -t.id))


@dataclass(frozen=True)
class TargetStatus:
    rate: float | None  # the target rate
    due: date | None
    meets: bool | None  # None when no target or no base to measure
    label: str  # 达标 / 未达标 / 逾期未达标 / 无目标 / 无基数


def status(target: InstallTarget | None, rate: float | None, as_of: date) -> TargetStatus:
    if target is None:
        return TargetStatus(None, None, None, "无目标")
    if rate is None:
        return TargetStatus(target.rate, target.due, None, "无基数")
    if rate + 1e-12 >= target.rate:
        return TargetStatus(target.rate, target.due, True, "达标")
    label = "逾期未达标" if target.due < as_of else "未达标"
    return TargetStatus(target.rate, target.due, False, label)
