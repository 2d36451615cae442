"""Every query of decisions, labels, lists and scenario versions (services never write SQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from qiandai.store.base import now_utc
from qiandai.transfers.lists import ListKind
from qiandai.transfers.model import DecisionResult, Transfer
from qiandai.transfers.models import DecisionRow, LabelRow, ListEntryRow, ScenarioVersionRow
from qiandai.transfers.state import Event

DECISIONS: Table = DecisionRow.__table__  # type: ignore[assignment]


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> int:
    """Insert ``rows``, skipping those whose ``key`` exists; returns how many were inserted."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing(index_elements=[key])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=[key])
    # RETURNING counts reliably for many rows on both backends (executemany's rowcount may be -1)
    return len(session.execute(stmt.returning(table.c[key]), list(rows)).all())


def decision_row(transfer: Transfer, result: DecisionResult, event: Event) -> dict[str, Any]:
    """The ``tx_decision`` row of a decided transfer."""
    return {
        "transfer_id": transfer.transfer_id,
        "occurred_at": transfer.occurred_at,
        "ts": event.ts,
        "payer_account": transfer.payer_account,
        "payee_account": transfer.payee_account,
        "amount": transfer.amount,
        "currency": transfer.currency,
        "amount_cny": event.amount,
        "channel": transfer.channel.value,
        "device_id": transfer.device_id,
        "ip": transfer.ip,
        "passed": event.passed,
        "first_time_payee": event.new_payee,
        "decision": result.decision.value,
        "score": result.score,
        "scenario": result.scenario,
        "rules": [h.rule_id for h in result.hits],
        "reasons": result.reasons,
        "likely_victim": result.likely_victim,
        "fraud_type": result.fraud_type,
        "features": result.features,
        "shadow": result.shadow,
        "response": result.public(),
        "request": transfer.model_dump(mode="json"),
        "decided_at": result.decided_at,
    }


def insert_decisions(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    return insert_ignoring_duplicates(session, DECISIONS, rows, "transfer_id")


def stored_response(session: Session, transfer_id: str) -> dict[str, Any] | None:
    return session.scalar(select(DecisionRow.response).where(DecisionRow.transfer_id == transfer_id))


def get_decision(session: Session, transfer_id: str) -> DecisionRow | None:
    return session.scalar(select(DecisionRow).where(DecisionRow.transfer_id == transfer_id))


def events_since(session: Session, since_ts: float) -> Iterator[tuple[str, Event]]:
    """(transfer_id, event) of every decision at or after ``since_ts``, in time order: state warm-up."""
    stmt = (
        select(
            DecisionRow.transfer_id,
            DecisionRow.ts,
            DecisionRow.payer_account,
            DecisionRow.payee_account,
            DecisionRow.amount_cny,
            DecisionRow.device_id,
            DecisionRow.ip,
            DecisionRow.passed,
            DecisionRow.first_time_payee,
        )
        .where(DecisionRow.ts >= since_ts)
        .order_by(DecisionRow.ts, DecisionRow.id)
        .execution_options(yield_per=5000)
    )
    for r in session.execute(stmt):
        yield r[0], Event(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])


def decisions_between(
    session: Session, start: datetime | None, end: datetime | None
) -> Iterator[tuple[str, float, str, dict[str, Any]]]:
    """(transfer_id, amount, decision, features) of stored decisions in ``[start, end)``: back-tests."""
    stmt = select(DecisionRow.transfer_id, DecisionRow.amount_cny, DecisionRow.decision, DecisionRow.features)
    if start is not None:
        stmt = stmt.where(DecisionRow.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(DecisionRow.occurred_at < end)
    for r in session.execute(stmt.order_by(DecisionRow.ts).execution_options(yield_per=5000)):
        yield r[0], r[1], r[2], r[3]


def shadowed_decisions(
    session: Session, start: datetime | None, end: datetime | None
) -> Iterator[tuple[str, float, str, dict[str, Any]]]:
    """(transfer_id, amount, live decision, shadow answer) of decisions that ran beside a shadow version."""
    stmt = select(DecisionRow.transfer_id, DecisionRow.amount_cny, DecisionRow.decision, DecisionRow.shadow)
    if start is not None:
        stmt = stmt.where(DecisionRow.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(DecisionRow.occurred_at < end)
    for r in session.execute(stmt.order_by(DecisionRow.ts).execution_options(yield_per=5000)):
        if r[3]:
            yield r[0], r[1], r[2], r[3]


def count_decisions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DecisionRow)) or 0)


def labels(session: Session) -> dict[str, tuple[bool, str]]:
    return {r.transfer_id: (r.is_fraud, r.fraud_type) for r in session.scalars(select(LabelRow))}


def put_labels(session: Session, rows: Iterable[tuple[str, bool, str]], source: str) -> int:
    payload = [{"transfer_id": t, "is_fraud": f, "fraud_type": k, "source": source} for t, f, k in rows]
    return insert_ignoring_duplicates(session, LabelRow.__table__, payload, "transfer_id")  # type: ignore[arg-type]


def list_entries(session: Session, kind: ListKind | None = None) -> list[ListEntryRow]:
    stmt = select(ListEntryRow).order_by(ListEntryRow.kind, ListEntryRow.value)
    if kind is not None:
        stmt = stmt.where(ListEntryRow.kind == kind.value)
    return list(session.scalars(stmt))


def change_marks(session: Session) -> tuple[tuple[int, int], tuple[int, int]]:
    """Cheap fingerprints of the lists and of the holds: (row count, highest id) of ``tx_list_entry``
    and of ``tx_hold_event`` (every hold change writes an event). Another process's change to either
    changes its mark, so a runtime can reload only when something changed."""
    from sqlalchemy import func

    from qiandai.transfers.models import HoldEventRow

    lists = session.execute(select(func.count(), func.coalesce(func.max(ListEntryRow.id), 0))).one()
    holds = session.execute(select(func.count(), func.coalesce(func.max(HoldEventRow.id), 0))).one()
    return (int(lists[0]), int(lists[1])), (int(holds[0]), int(holds[1]))


def add_list_entries(session: Session, kind: ListKind, values: Iterable[str], source: str, note: str) -> int:
    now = now_utc()
    rows = [
        {"kind": kind.value, "value": v, "source": source, "note": note, "added_at": now} for v in set(values)
    ]
    table: Table = ListEntryRow.__table__  # type: ignore[assignment]
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing(index_elements=["kind", "value"])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=["kind", "value"])
    return len(session.execute(stmt.returning(table.c.id), rows).all())


def remove_list_entries(session: Session, kind: ListKind, values: Iterable[str]) -> int:
    stmt = delete(ListEntryRow).where(ListEntryRow.kind == kind.value, ListEntryRow.value.in_(list(values)))
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def scenario_rows(session: Session, scenario: str) -> list[ScenarioVersionRow]:
    stmt = (
        select(ScenarioVersionRow)
        .where(ScenarioVersionRow.scenario == scenario)
        .order_by(ScenarioVersionRow.version)
    )
    return list(session.scalars(stmt))


def scenario_row(session: Session, scenario: str, version: int) -> ScenarioVersionRow | None:
    return session.get(ScenarioVersionRow, (scenario, version))
