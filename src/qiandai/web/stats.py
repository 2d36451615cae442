"""Statistics of suspect points for the 医保 dashboard, always through the caller's scoped SELECT.

Every query starts from :meth:`ScopedRepository.select`, so an institution user's charts contain only
their institution (scope is defined once, in ``qiandai.identity.scope``). Grouping by month is done in
Python over per-day groups, which keeps the SQL portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func

from qiandai.store.base import SHANGHAI
from qiandai.supervision.models import Finding, Institution, Payment
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import STAGE_LABELS, TERMINAL

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    count: int
    amount: Decimal


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _grouped(repo: ScopedRepository, *cols: Any) -> list[tuple[Any, ...]]:
    stmt = (
        repo.select(Finding)
        .with_only_columns(*cols, func.count(), func.coalesce(func.sum(Finding.amount), 0))
        .group_by(*cols)
    )
    return [tuple(row) for row in repo.session.execute(stmt).all()]


def by_rule(repo: ScopedRepository, limit: int = 10) -> list[Group]:
    rows = _grouped(repo, Finding.rule_code, Finding.rule_name)
    groups = [Group(code, name, int(n), _dec(s)) for code, name, n, s in rows]
    return sorted(groups, key=lambda g: (-g.amount, g.key))[:limit]


def institution_names(repo: ScopedRepository, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    stmt = repo.select(Institution).where(Institution.code.in_(codes))
    return {i.code: i.name for i in repo.all(stmt)}


def by_institution(repo: ScopedRepository, limit: int = 10) -> list[Group]:
    rows = _grouped(repo, Finding.institution_code)
    top = sorted(rows, key=lambda r: (-_dec(r[2]), r[0]))[:limit]
    names = institution_names(repo, [r[0] for r in top])
    return [Group(code, names.get(code, code), int(n), _dec(s)) for code, n, s in top]


def by_month(repo: ScopedRepository) -> list[Group]:
    """Points and amount per month of the date the point refers to (event date)."""
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for day, n, s in _grouped(repo, Finding.event_date):
        month = day.strftime("%Y-%m") if day else "未知"
        counts[month] += int(n)
        amounts[month] += _dec(s)
    return [Group(m, m, counts[m], amounts[m]) for m in sorted(counts)]


def by_stage(repo: ScopedRepository) -> list[Group]:
    rows = {stage: (int(n), _dec(s)) for stage, n, s in _grouped(repo, Finding.stage)}
    return [Group(s, label, *rows[s]) for s, label in STAGE_LABELS.items() if s in rows]


def totals(repo: ScopedRepository) -> dict[str, Any]:
    """Headline figures: points, amount at stake, open and overdue points, confirmed and recovered."""
    stages = by_stage(repo)
    now = repo.now()
    overdue_stmt = (
        repo.select(Finding)
        .with_only_columns(func.count())
        .where(Finding.stage.not_in(list(TERMINAL)), Finding.stage_deadline < now)
    )
    confirmed_stmt = repo.select(Finding).with_only_columns(
        func.coalesce(func.sum(Finding.confirmed_amount), 0)
    )
    paid_stmt = repo.select(Payment).with_only_columns(func.coalesce(func.sum(Payment.amount), 0))
    return {
        "count": sum(g.count for g in stages),
        "amount": sum((g.amount for g in stages), ZERO),
        "open": sum(g.count for g in stages if g.key not in TERMINAL),
        "overdue": int(repo.session.scalar(overdue_stmt) or 0),
        "confirmed": _dec(repo.session.scalar(confirmed_stmt)),
        "recovered": _dec(repo.session.scalar(paid_stmt)),
        "as_of": now.astimezone(SHANGHAI),
    }
