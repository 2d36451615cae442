"""Install rates of the anti-fraud app per unit, rolled up the hierarchy; targets; weekly rankings.

Definitions (see ``docs/governance.md`` and ADR 0051):

* a unit's **base** is the sum, over the unit and every unit below it, of each unit's own base count —
  population for areas, staff for organisations (a township row with population 0 takes its villages');
* **installed** is the number of distinct persons recorded (one :class:`Install` per person) by rosters
  of weeks up to and including the week asked for, in the unit and every unit below it;
* **rate** = installed / base (None when the base is 0).

Rankings compare the areas of one level (townships and streets; villages and communities) and, as a
separate group, the organisations; week-on-week change is the rate minus the previous week's rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError
from qiandai.governance.models.installs import Install
from qiandai.governance.models.units import Unit, UnitKind
from qiandai.governance.rosters import week_of
from qiandai.governance.targets import TargetStatus, list_targets, status, target_for
from qiandai.governance.units import scope_units
from qiandai.identity.principal import Principal

ORG_GROUP = "org"


@dataclass(frozen=True)
class UnitRate:
    code: str
    name: str
    kind: str
    kind_label: str
    level: int
    parent_code: str | None
    base: int
    installed: int
    rate: float | None
    target: TargetStatus


def closure(units: list[Unit]) -> pd.DataFrame:
    """(ancestor, unit) pairs, each unit being its own ancestor: the hierarchy as a join table."""
    parents = {u.code: u.parent_code for u in units}
    pairs: list[tuple[str, str]] = []
    for code in parents:
        node: str | None = code
        seen: set[str] = set()
        while node is not None and node in parents and node not in seen:
            pairs.append((node, code))
            seen.add(node)
            node = parents[node]
    return pd.DataFrame(pairs, columns=["ancestor", "unit"])


def _installed_per_unit(session: Session, week: date) -> pd.Series:
    stmt = (
        select(Install.unit_code, func.count(Install.id))
        .where(Install.week <= week)
        .group_by(Install.unit_code)
    )
    rows = session.execute(stmt).all()
    return pd.Series({code: int(n) for code, n in rows}, dtype="int64")


def rollup(units: list[Unit], installed: pd.Series) -> pd.DataFrame:
    """Per unit: base and installed summed over its subtree (vectorised over the closure table)."""
    pairs = closure(units)
    own = pd.DataFrame(
        {
            "unit": [u.code for u in units],
            "own_base": [u.base_count for u in units],
        }
    )
    own["own_installed"] = own["unit"].map(installed).fillna(0).astype("int64")
    joined = pairs.merge(own, on="unit", how="left")
    sums = joined.groupby("ancestor", sort=False)[["own_base", "own_installed"]].sum()
    sums.columns = pd.Index(["base", "installed"])
    return sums


def unit_rates(
    session: Session,
    principal: Principal,
    *,
    week: date | None = None,
    as_of: date | None = None,
) -> list[UnitRate]:
    """Rates of every unit the caller may see, as of the end of ``week`` (default: this week)."""
    as_of = as_of or date.today()
    week = week_of(week or as_of)
    visible = scope_units(session, principal)
    units = list(session.scalars(select(Unit).order_by(Unit.level, Unit.code)))
    sums = rollup(units, _installed_per_unit(session, week))
    targets = list_targets(session)
    bases: dict[str, int] = {str(k): int(v) for k, v in sums["base"].items()}
    counts: dict[str, int] = {str(k): int(v) for k, v in sums["installed"].items()}
    out: list[UnitRate] = []
    for u in units:
        if u.code not in visible:
            continue
        base = bases.get(u.code, 0)
        installed = counts.get(u.code, 0)
        rate = installed / base if base > 0 else None
        out.append(
            UnitRate(
                code=u.code,
                name=u.name,
                kind=u.kind,
                kind_label=UnitKind(u.kind).label,
                level=u.level,
                parent_code=u.parent_code,
                base=base,
                installed=installed,
                rate=rate,
                target=status(target_for(targets, u, as_of), rate, as_of),
            )
        )
    return out


@dataclass(frozen=True)
class RankLine:
    rank: int
    code: str
    name: str
    kind_label: str
    base: int
    installed: int
    rate: float | None
    previous_rate: float | None
    change: float | None  # rate − previous rate (fraction; ×100 = percentage points)
    previous_rank: int | None
    target: TargetStatus


def _group_of(rate: UnitRate) -> str:
    return str(rate.level) if UnitKind(rate.kind).is_area else ORG_GROUP


def ranking_groups(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """The groups that can be ranked for the caller: ``(key, Chinese label)``."""
    levels = sorted(
        {
            u.level
            for u in session.scalars(select(Unit))
            if u.code in scope_units(session, principal) and UnitKind(u.kind).is_area
        }
    )
    names = {1: "县（区）", 2: "乡镇（街道）", 3: "村（社区）"}
    return [(str(lv), names.get(lv, f"第{lv}级辖区")) for lv in levels] + [
        (ORG_GROUP, "单位（部门/学校/医院/企业）")
    ]


def _ranked(rates: list[UnitRate]) -> list[tuple[int, UnitRate]]:
    ordered = sorted(rates, key=lambda r: (-(r.rate if r.rate is not None else -1.0), r.code))
    out: list[tuple[int, UnitRate]] = []
    rank = 0
    last: float | str | None = "none"
    for i, r in enumerate(ordered, start=1):
        if r.rate != last:
            rank = i
            last = r.rate
        out.append((rank, r))
    return out


def ranking(
    session: Session,
    principal: Principal,
    *,
    group: str,
    week: date | None = None,
    as_of: date | None = None,
) -> list[RankLine]:
    """The weekly ranking of ``group`` (a level number as text, or ``org``) by rate, with week-on-week change.

    Equal rates share a rank (1, 2, 2, 4); units without a base rank last.
    """
    if group != ORG_GROUP and not group.isdigit():
        raise InvalidInputError(f"排名分组应为层级数字（2=乡镇街道，3=村社区）或 org（单位）：{group}")
    as_of = as_of or date.today()
    week = week_of(week or as_of)
    end_of_week = min(as_of, week + timedelta(days=6))
    current = [
        r for r in unit_rates(session, principal, week=week, as_of=end_of_week) if _group_of(r) == group
    ]
    previous = {
        r.code: r
        for r in unit_rates(session, principal, week=week - timedelta(days=7), as_of=week - timedelta(days=1))
        if _group_of(r) == group
    }
    previous_rank = {r.code: rank for rank, r in _ranked(list(previous.values()))}
    lines: list[RankLine] = []
    for rank, r in _ranked(current):
        before = previous.get(r.code)
        prev_rate = before.rate if before is not None else None
        change = r.rate - prev_rate if r.rate is not None and prev_rate is not None else None
        lines.append(
            RankLine(
                rank=rank,
                code=r.code,
                name=r.name,
                kind_label=r.kind_label,
                base=r.base,
                installed=r.installed,
                rate=r.rate,
                previous_rate=prev_rate,
                change=change,
                previous_rank=previous_rank.get(r.code),
                target=r.target,
            )
        )
    return lines


def percent(value: float | None, digits: int = 1) -> str:
    """``0.3`` → ``30.0%``; None → ``—``."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def points(value: float | None) -> str:
    """A week-on-week change in percentage points: ``+2.5个百分点``."""
    if value is None:
        return "—"
    return f"{value * 100:+.1f}个百分点"
