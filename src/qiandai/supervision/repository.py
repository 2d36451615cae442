"""Queries of the supervision module. Every read goes through the caller's scope.

:class:`ScopedRepository` loads one row (:meth:`get`, 404 outside scope) or builds a scoped SELECT
(:meth:`select`); both delegate to :mod:`qiandai.identity.scope`, the one place scope is defined.
Domain-specific queries live here too, so services never write SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import NotFoundError
from qiandai.identity.principal import Principal
from qiandai.identity.scope import ensure_in_scope, scope_clause
from qiandai.store.base import now_utc
from qiandai.supervision.models import (
    Case,
    Event,
    Evidence,
    Finding,
    ImportRun,
    Institution,
    Payment,
    Rectification,
)
from qiandai.supervision.stages import DECISION

T = TypeVar("T")


def _inst_col(model: Any) -> Any:
    if model is Institution:
        return Institution.code
    return getattr(model, "institution_code", None)


class ScopedRepository:
    """Data access for one principal; rows outside their scope do not exist for them."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    # generic
    def get(self, model: type[T], key: Any, what: str) -> T:
        row = self.session.get(model, key)
        if row is None:
            raise NotFoundError(f"{what}不存在")
        inst = _inst_col(model)
        ensure_in_scope(
            self.principal,
            region_code=getattr(row, "region_code", None),
            institution_code=getattr(row, inst.key) if inst is not None else None,
            what=what,
        )
        return row

    def select(self, model: type[T]) -> Select[Any]:
        clause = scope_clause(self.principal, region_col=model.region_code, institution_col=_inst_col(model))  # type: ignore[attr-defined]
        return select(model).where(clause)

    def all(self, stmt: Select[Any]) -> list[Any]:
        return list(self.session.scalars(stmt).all())

    def add(self, row: T) -> T:
        self.session.add(row)
        self.session.flush()
        return row

    # events and evidence
    def add_event(self, event: Event) -> Event:
        return self.add(event)

    def events(self, subject_type: str, subject_id: int) -> list[Event]:
        stmt = (
            select(Event)
            .where(Event.subject_type == subject_type, Event.subject_id == subject_id)
            .order_by(Event.id)
        )
        return list(self.session.scalars(stmt).all())

    def evidence(self, ids: Sequence[int], subject_type: str, subject_id: int) -> list[Evidence]:
        stmt = select(Evidence).where(
            Evidence.id.in_(list(ids)),
            Evidence.subject_type == subject_type,
            Evidence.subject_id == subject_id,
        )
        return list(self.session.scalars(stmt).all())

    # institutions and imports (register lookups are unscoped: imports need the full register)
    def institution_any(self, code: str) -> Institution | None:
        return self.session.get(Institution, code)

    def import_run(self, run_id: str) -> ImportRun | None:
        return self.session.get(ImportRun, run_id)

    def existing_finding_ids(self, finding_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        ids = list(finding_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            found.update(
                self.session.scalars(select(Finding.finding_id).where(Finding.finding_id.in_(chunk)))
            )
        return found

    # findings
    def findings(
        self,
        *,
        stage: str | None = None,
        institution_code: str | None = None,
        run_id: str | None = None,
        overdue_at: datetime | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[Finding]:
        stmt = self.select(Finding).order_by(Finding.id).limit(limit).offset(offset)
        if stage:
            stmt = stmt.where(Finding.stage == stage)
        if institution_code:
            stmt = stmt.where(Finding.institution_code == institution_code)
        if run_id:
            stmt = stmt.where(Finding.run_id == run_id)
        if overdue_at is not None:
            stmt = stmt.where(Finding.stage_deadline < overdue_at)
        return self.all(stmt)

    def findings_by_ids(self, ids: Sequence[int]) -> list[Finding]:
        rows = self.all(self.select(Finding).where(Finding.id.in_(list(ids))).order_by(Finding.id))
        missing = set(ids) - {f.id for f in rows}
        if missing:
            raise NotFoundError(f"疑点不存在：{'、'.join(str(i) for i in sorted(missing))}")
        return rows

    def findings_of_case(self, case_id: int) -> list[Finding]:
        return self.all(self.select(Finding).where(Finding.case_id == case_id).order_by(Finding.id))

    def stage_counts(self) -> dict[str, int]:
        stmt = self.select(Finding).with_only_columns(Finding.stage, func.count()).group_by(Finding.stage)
        return {stage: int(n) for stage, n in self.session.execute(stmt).all()}

    # cases and money
    def next_number(self, model: Any, column: Any, prefix: str) -> str:
        count = self.session.scalar(select(func.count()).select_from(model).where(column.like(f"{prefix}%")))
        return f"{prefix}{int(count or 0) + 1:04d}"

    def paid(self, case_id: int, kind: str) -> Decimal:
        total = self.session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(
                Payment.case_id == case_id, Payment.kind == kind
            )
        )
        return Decimal(str(total)).quantize(Decimal("0.01"))

    def payment_by_reference(self, kind: str, reference: str) -> Payment | None:
        stmt = select(Payment).where(Payment.kind == kind, Payment.reference == reference)
        return self.session.scalars(stmt).one_or_none()

    def payments(self, case_id: int) -> list[Payment]:
        return list(
            self.session.scalars(select(Payment).where(Payment.case_id == case_id).order_by(Payment.id))
        )

    def cases(self, status: str | None = None, subject_kind: str | None = None) -> list[Case]:
        stmt = self.select(Case).order_by(Case.id)
        if status:
            stmt = stmt.where(Case.status == status)
        if subject_kind:
            stmt = stmt.where(Case.subject_kind == subject_kind)
        return self.all(stmt)

    def decision_findings_of_person(self, psn_no: str) -> list[Finding]:
        """Points of insured person ``psn_no`` awaiting a case (stage 待立案处理), in scope."""
        stmt = self.select(Finding).where(Finding.psn_no == psn_no, Finding.stage == DECISION)
        return self.all(stmt.order_by(Finding.id))

    def rectification_by_key(self, key: str) -> Rectification | None:
        return self.session.scalars(
            select(Rectification).where(Rectification.source_key == key)
        ).one_or_none()

    def rectifications(self, *, case_id: int | None = None, status: str | None = None) -> list[Rectification]:
        stmt = self.select(Rectification).order_by(Rectification.id)
        if case_id is not None:
            stmt = stmt.where(Rectification.case_id == case_id)
        if status:
            stmt = stmt.where(Rectification.status == status)
        return self.all(stmt)

    def now(self) -> datetime:
        return now_utc()
