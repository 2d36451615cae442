"""Figures of the anti-fraud live dashboard: decisions per minute, interceptions, money protected,
warnings and holds. Read-only queries on the transfer module's tables, portable SQL.

"Money protected" is the amount of transfers the engine stopped or delayed (拦截 + 延迟到账) plus the
amount under active holds; it is a gross figure, as the anti-fraud centres report it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qiandai.store.base import SHANGHAI
from qiandai.transfers.models import DecisionRow, HoldRow, WarningRow

STOPPED = ("拦截", "延迟到账")


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def totals(session: Session, now: datetime, warning_scope: Any) -> dict[str, Any]:
    """Headline figures since local midnight (Asia/Shanghai) and right now."""
    midnight = now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    today = DecisionRow.decided_at >= midnight
    by_kind = dict(
        session.execute(
            select(DecisionRow.decision, func.count()).where(today).group_by(DecisionRow.decision)
        ).all()
    )
    stopped = session.scalar(
        select(func.coalesce(func.sum(DecisionRow.amount), 0)).where(today, DecisionRow.decision.in_(STOPPED))
    )
    held = session.execute(
        select(func.count(), func.coalesce(func.sum(HoldRow.amount), 0)).where(HoldRow.status == "active")
    ).one()
    last_minute = session.scalar(
        select(func.count()).where(DecisionRow.decided_at >= now - timedelta(minutes=1))
    )
    open_warnings = session.scalar(select(func.count()).where(warning_scope, WarningRow.status != "closed"))
    overdue = session.scalar(
        select(func.count()).where(
            warning_scope,
            WarningRow.status != "closed",
            WarningRow.first_contact_at.is_(None),
            WarningRow.due_at < now,
        )
    )
    return {
        "decisions": sum(int(v) for v in by_kind.values()),
        "by_kind": {k: int(v) for k, v in by_kind.items()},
        "blocked": int(by_kind.get("拦截", 0)),
        "delayed": int(by_kind.get("延迟到账", 0)),
        "stopped_amount": _dec(stopped),
        "holds": int(held[0]),
        "held_amount": _dec(held[1]),
        "protected": _dec(stopped) + _dec(held[1]),
        "per_minute": int(last_minute or 0),
        "open_warnings": int(open_warnings or 0),
        "overdue_warnings": int(overdue or 0),
        "as_of": now.astimezone(SHANGHAI),
    }


def per_minute(
    session: Session, now: datetime, minutes: int = 60
) -> tuple[list[str], dict[str, list[float]]]:
    """Decisions per minute over the last ``minutes``, split into 全部 and 拦截/延迟."""
    start = now - timedelta(minutes=minutes)
    rows = session.execute(
        select(DecisionRow.decided_at, DecisionRow.decision).where(DecisionRow.decided_at >= start)
    ).all()
    labels = [
        (start + timedelta(minutes=i + 1)).astimezone(SHANGHAI).strftime("%H:%M") for i in range(minutes)
    ]
    total = [0.0] * minutes
    stopped = [0.0] * minutes
    for at, decision in rows:
        i = min(minutes - 1, max(0, int((at - start).total_seconds() // 60)))
        total[i] += 1
        if decision in STOPPED:
            stopped[i] += 1
    return labels, {"决策笔数": total, "拦截/延迟": stopped}
