"""Spot checks (抽查) of reported installs: a reproducible weekly sample to phone, results, falsification.

The sample for (week, unit) is drawn from the installs reported in the unit's subtree up to that week,
ordered by id, with :class:`random.Random` seeded by SHA-256 of ``"<week>|<unit>"``: the same data give the
same list, so anyone can re-draw and verify it. Drawing again for the same week and unit returns the
list already drawn (idempotent).

Falsification rate = (未安装 + 号码错误) / (已安装 + 未安装 + 号码错误), per unit of the installs and rolled
up the hierarchy; 无法联系 is inconclusive and left out of both (ADR 0052).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from qiandai.governance.installs import closure
from qiandai.governance.models.installs import SPOT_RESULT_LABELS, Install, SpotCheck, SpotResult
from qiandai.governance.models.units import Unit
from qiandai.governance.rosters import week_of
from qiandai.governance.units import descendants, require_unit_in_scope, scope_units
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.identity.service import log_unmasked_view
from qiandai.store.base import now_utc
from qiandai.supervision import crypto

MAX_SAMPLE = 500


def seed_for(week: date, unit_code: str) -> str:
    return f"{week_of(week).isoformat()}|{unit_code}"


def sample_ids(install_ids: list[int], seed: str, size: int) -> list[int]:
    """A reproducible sample of ``size`` ids (fewer when there are fewer), sorted."""
    ordered = sorted(install_ids)
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    return sorted(rng.sample(ordered, min(size, len(ordered))))


def parse_result(value: str) -> SpotResult:
    text = value.strip()
    for res, label in SPOT_RESULT_LABELS.items():
        if text in (res.value, label):
            return res
    allowed = "、".join(SPOT_RESULT_LABELS.values())
    raise InvalidInputError(f"抽查结果无法识别：{text}（可选：{allowed}）")


def draw(session: Session, principal: Principal, *, unit_code: str, week: date, size: int) -> list[SpotCheck]:
    """Draw (or return the existing) spot-check list of ``unit_code`` for ``week``."""
    require_unit_in_scope(session, principal, unit_code)
    if not 1 <= size <= MAX_SAMPLE:
        raise InvalidInputError(f"抽查数量应在 1–{MAX_SAMPLE} 之间：{size}")
    week = week_of(week)
    existing = list(
        session.scalars(
            select(SpotCheck)
            .where(SpotCheck.week == week, SpotCheck.unit_code == unit_code)
            .order_by(SpotCheck.install_id)
        )
    )
    if existing:
        return existing
    subtree = descendants(session, unit_code)
    ids = list(
        session.scalars(select(Install.id).where(Install.unit_code.in_(subtree), Install.week <= week))
    )
    seed = seed_for(week, unit_code)
    now = now_utc()
    rows = [
        SpotCheck(week=week, unit_code=unit_code, install_id=i, seed=seed, drawn_at=now, note="")
        for i in sample_ids(ids, seed, size)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def record(
    session: Session, principal: Principal, check_id: int, result: str, *, note: str = ""
) -> SpotCheck:
    """Record the result of one phone check (a later record replaces an earlier one)."""
    row = session.get(SpotCheck, check_id)
    if row is None or row.unit_code not in scope_units(session, principal):
        raise NotFoundError(f"抽查记录不存在：{check_id}")
    row.result = parse_result(result).value
    row.checked_at = now_utc()
    row.checked_by = principal.username
    row.note = note.strip()[:200]
    session.flush()
    return row


def reveal(session: Session, principal: Principal, check_id: int, reason: str = "电话抽查") -> dict[str, str]:
    """Name and phone, unmasked, of a drawn install, for the person who phones; the view is access-logged.

    Only a drawn check can be revealed (not any install), so the clear data shown is limited to the
    sample; the ID number is never revealed here.
    """
    row = session.get(SpotCheck, check_id)
    if row is None or row.unit_code not in scope_units(session, principal):
        raise NotFoundError(f"抽查记录不存在：{check_id}")
    if not principal.has_role(Role.GOVERNANCE, Role.ADMIN):
        raise PermissionDeniedError("仅反诈办/平安办工作人员可查看抽查对象的完整号码")
    if not reason.strip():
        raise InvalidInputError("查看完整号码须填写理由")
    install = session.get(Install, row.install_id)
    assert install is not None
    full = crypto.decrypt(install.identity_enc)
    log_unmasked_view(session, principal, "gov_install", install.id, ["name", "phone"], reason.strip()[:200])
    return {"name": str(full.get("name", "")), "phone": str(full.get("phone", ""))}


@dataclass(frozen=True)
class CheckLine:
    id: int
    week: date
    draw_unit: str
    unit_code: str
    unit_name: str
    name_masked: str
    phone_masked: str
    install_date: date
    result: str | None
    result_label: str
    checked_by: str | None
    note: str


def checks(
    session: Session, principal: Principal, *, week: date | None = None, unit_code: str | None = None
) -> list[CheckLine]:
    """Drawn checks visible to the caller, optionally of one week and/or one drawing unit."""
    visible = scope_units(session, principal)
    stmt = (
        select(SpotCheck, Install, Unit)
        .join(Install, Install.id == SpotCheck.install_id)
        .join(Unit, Unit.code == Install.unit_code)
        .where(SpotCheck.unit_code.in_(visible))
        .order_by(SpotCheck.week.desc(), SpotCheck.unit_code, SpotCheck.install_id)
    )
    if week is not None:
        stmt = stmt.where(SpotCheck.week == week_of(week))
    if unit_code is not None:
        stmt = stmt.where(SpotCheck.unit_code == unit_code)
    return [
        CheckLine(
            id=c.id,
            week=c.week,
            draw_unit=c.unit_code,
            unit_code=u.code,
            unit_name=u.name,
            name_masked=i.name_masked,
            phone_masked=i.phone_masked,
            install_date=i.install_date,
            result=c.result,
            result_label=SpotResult(c.result).label if c.result else "待抽查",
            checked_by=c.checked_by,
            note=c.note,
        )
        for c, i, u in session.execute(stmt)
    ]


@dataclass(frozen=True)
class Falsification:
    code: str
    name: str
    level: int
    checked: int  # results recorded
    installed: int
    not_installed: int
    unreachable: int
    wrong_number: int
    rate: float | None  # (not installed + wrong number) / conclusive checks


def falsification(session: Session, principal: Principal, *, week: date | None = None) -> list[Falsification]:
    """Falsification rate per visible unit (by the install's unit, rolled up), all weeks or one."""
    visible = scope_units(session, principal)
    units = list(session.scalars(select(Unit).order_by(Unit.level, Unit.code)))
    stmt = (
        select(Install.unit_code, SpotCheck.result, SpotCheck.install_id, SpotCheck.week)
        .join(Install, Install.id == SpotCheck.install_id)
        .where(SpotCheck.result.is_not(None))
    )
    if week is not None:
        stmt = stmt.where(SpotCheck.week == week_of(week))
    results = pd.DataFrame(session.execute(stmt).all(), columns=["unit", "result", "install_id", "week"])
    # one install checked by two drawing units in one week counts once (its latest result wins)
    results = results.drop_duplicates(subset=["install_id", "week"], keep="last")
    counts = (
        results.groupby(["unit", "result"]).size().unstack(fill_value=0)
        if not results.empty
        else pd.DataFrame()
    )
    for res in SpotResult:
        if res.value not in counts.columns:
            counts[res.value] = 0
    pairs = closure(units)
    joined = pairs.merge(counts, left_on="unit", right_index=True, how="inner")
    rolled = joined.groupby("ancestor")[[r.value for r in SpotResult]].sum()
    table: dict[str, dict[str, int]] = {
        str(code): {str(k): int(v) for k, v in row.items()} for code, row in rolled.to_dict("index").items()
    }
    out: list[Falsification] = []
    for u in units:
        if u.code not in visible:
            continue
        row = table.get(u.code, {})
        n = {r: row.get(r.value, 0) for r in SpotResult}
        conclusive = n[SpotResult.INSTALLED] + n[SpotResult.NOT_INSTALLED] + n[SpotResult.WRONG_NUMBER]
        bad = n[SpotResult.NOT_INSTALLED] + n[SpotResult.WRONG_NUMBER]
        out.append(
            Falsification(
                code=u.code,
                name=u.name,
                level=u.level,
                checked=sum(n.values()),
                installed=n[SpotResult.INSTALLED],
                not_installed=n[SpotResult.NOT_INSTALLED],
                unreachable=n[SpotResult.UNREACHABLE],
                wrong_number=n[SpotResult.WRONG_NUMBER],
                rate=bad / conclusive if conclusive else None,
            )
        )
    return out
