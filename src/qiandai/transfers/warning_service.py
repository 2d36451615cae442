"""Warnings in the database: create (idempotent by transfer or feed id), list in scope, contact, close, stats.

Scope: a principal sees warnings whose victim address lies in their region (the identity module's one
definition); a grid worker (网格员) additionally only those routed to their own unit. Out of scope is 404.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qiandai.domain.errors import ConflictError, NotFoundError
from qiandai.domain.masking import mask_code, mask_name, mask_phone
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.identity.scope import ensure_in_scope, scope_clause
from qiandai.transfers.models import UnitRow, WarningContactRow, WarningRow
from qiandai.transfers.repository import insert_ignoring_duplicates
from qiandai.transfers.warnings import (
    ContactChannel,
    Level,
    Outcome,
    SlaPolicy,
    Unit,
    WarningDraft,
    WarningStatus,
    route,
)


def units(session: Session) -> list[Unit]:
    return [Unit(u.code, u.name, u.kind, u.region_code) for u in session.scalars(select(UnitRow))]


def put_unit(session: Session, unit: Unit) -> None:
    row = session.get(UnitRow, unit.code)
    if row is None:
        session.add(UnitRow(code=unit.code, name=unit.name, kind=unit.kind, region_code=unit.region_code))
    else:
        row.name, row.kind, row.region_code = unit.name, unit.kind, unit.region_code
    session.flush()


def warning_rows(
    drafts: Sequence[WarningDraft], all_units: list[Unit], sla: SlaPolicy, now: datetime
) -> list[dict[str, Any]]:
    """Routed ``tx_warning`` rows for ``drafts`` (inserted by the caller, duplicates skipped)."""
    rows = []
    for d in drafts:
        unit = route(all_units, d.victim_region)
        rows.append(
            {
                "id": uuid.uuid4().hex,
                "source": d.source,
                "external_id": d.external_id,
                "transfer_id": d.transfer_id,
                "level": d.level.value,
                "fraud_type": d.fraud_type,
                "reasons": d.reasons,
                "victim_name": d.victim_name,
                "victim_phone": d.victim_phone,
                "victim_account": d.victim_account,
                "victim_region": d.victim_region,
                "amount": d.amount,
                "unit_code": unit.code if unit else None,
                "status": WarningStatus.OPEN.value,
                "outcome": None,
                "created_at": now,
                "due_at": sla.due(d.level, now),
                "first_contact_at": None,
                "closed_at": None,
            }
        )
    return rows


def create_warnings(session: Session, drafts: Sequence[WarningDraft], sla: SlaPolicy, now: datetime) -> int:
    """Route and insert; a draft whose transfer or external id already has a warning is skipped."""
    rows = warning_rows(drafts, units(session), sla, now)
    table = WarningRow.__table__
    by_transfer = [r for r in rows if r["transfer_id"]]
    by_feed = [r for r in rows if not r["transfer_id"]]
    n = insert_ignoring_duplicates(session, table, by_transfer, "transfer_id")  # type: ignore[arg-type]
    return n + insert_ignoring_duplicates(session, table, by_feed, "external_id")  # type: ignore[arg-type]


def _scoped(principal: Principal) -> Any:
    clause = scope_clause(principal, region_col=WarningRow.victim_region)
    if principal.has_role(Role.GRID) and not principal.has_role(Role.ADMIN, Role.ANTIFRAUD, Role.LEADER):
        clause = clause & (WarningRow.unit_code == (principal.org_code or ""))
    return clause


def list_warnings(
    session: Session, principal: Principal, status: WarningStatus | None = None, limit: int = 200
) -> list[WarningRow]:
    stmt = select(WarningRow).where(_scoped(principal))
    if status is not None:
        stmt = stmt.where(WarningRow.status == status.value)
    return list(session.scalars(stmt.order_by(WarningRow.due_at).limit(limit)))


def get_warning(session: Session, principal: Principal, warning_id: str) -> WarningRow:
    row = session.scalar(select(WarningRow).where(WarningRow.id == warning_id, _scoped(principal)))
    if row is None:
        raise NotFoundError("预警不存在")
    ensure_in_scope(principal, region_code=row.victim_region, what="预警")
    return row


def record_contact(
    session: Session,
    principal: Principal,
    warning_id: str,
    channel: ContactChannel,
    reached: bool,
    note: str,
    now: datetime,
) -> WarningRow:
    """Log one contact attempt; the first one stamps ``first_contact_at`` (the SLA clock stops)."""
    row = get_warning(session, principal, warning_id)
    if row.status == WarningStatus.CLOSED.value:
        raise ConflictError("预警已办结，不能再登记联系")
    session.add(
        WarningContactRow(
            warning_id=row.id,
            at=now,
            by_user=principal.username,
            channel=channel.value,
            reached=reached,
            note=note,
        )
    )
    if row.first_contact_at is None:
        row.first_contact_at = now
    row.status = WarningStatus.CONTACTING.value
    session.flush()
    return row


def close_warning(
    session: Session, principal: Principal, warning_id: str, outcome: Outcome, now: datetime
) -> WarningRow:
    row = get_warning(session, principal, warning_id)
    if row.status == WarningStatus.CLOSED.value:
        if row.outcome == outcome.value:
            return row  # idempotent
        raise ConflictError(f"预警已办结（{row.outcome}）")
    row.status, row.outcome, row.closed_at = WarningStatus.CLOSED.value, outcome.value, now
    session.flush()
    return row


def contacts(session: Session, warning_id: str) -> list[WarningContactRow]:
    stmt = (
        select(WarningContactRow)
        .where(WarningContactRow.warning_id == warning_id)
        .order_by(WarningContactRow.id)
    )
    return list(session.scalars(stmt))


def statistics(session: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """Per unit: totals by level and outcome, open and overdue counts, contacted-within-SLA rate."""
    names = {u.code: u.name for u in units(session)}
    per: dict[str | None, list[WarningRow]] = {}
    for row in session.scalars(select(WarningRow).where(_scoped(principal))):
        per.setdefault(row.unit_code, []).append(row)
    out = []
    for code, rows in sorted(per.items(), key=lambda kv: kv[0] or ""):
        levels = Counter(r.level for r in rows)
        outcomes = Counter(r.outcome for r in rows if r.outcome)
        contacted = [r for r in rows if r.first_contact_at is not None]
        on_time = sum(1 for r in contacted if r.first_contact_at and r.first_contact_at <= r.due_at)
        overdue = sum(1 for r in rows if r.first_contact_at is None and r.due_at < now)
        closed = sum(outcomes.values())
        out.append(
            {
                "unit_code": code,
                "unit_name": names.get(code or "", "未分派"),
                "total": len(rows),
                "by_level": {lv.value: levels.get(lv.value, 0) for lv in Level},
                "open": sum(1 for r in rows if r.status != WarningStatus.CLOSED.value),
                "overdue": overdue,
                "contacted_within_sla": on_time,
                "sla_rate": round(on_time / len(rows), 4) if rows else None,
                "outcomes": {o.value: outcomes.get(o.value, 0) for o in Outcome},
                "dissuasion_rate": round(outcomes.get(Outcome.DISSUADED.value, 0) / closed, 4)
                if closed
                else None,
            }
        )
    return out


def warning_view(row: WarningRow, *, unmasked: bool = False) -> dict[str, Any]:
    """JSON view; personal data masked unless the caller asked for (and was logged for) the full view."""
    return {
        "warning_id": row.id,
        "source": row.source,
        "level": row.level,
        "fraud_type": row.fraud_type,
        "reasons": row.reasons,
        "transfer_id": row.transfer_id,
        "victim_name": row.victim_name if unmasked else mask_name(row.victim_name),
        "victim_phone": row.victim_phone if unmasked else mask_phone(row.victim_phone),
        "victim_account": row.victim_account if unmasked else mask_code(row.victim_account),
        "victim_region": row.victim_region,
        "amount": None if row.amount is None else str(row.amount),
        "unit_code": row.unit_code,
        "status": row.status,
        "status_label": WarningStatus(row.status).label,
        "outcome": row.outcome,
        "created_at": row.created_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "first_contact_at": row.first_contact_at.isoformat() if row.first_contact_at else None,
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
    }
