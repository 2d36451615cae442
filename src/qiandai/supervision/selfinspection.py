"""Self-inspection (自查自纠): an institution reports problems found by running the audit on its own data,
with a voluntary refund. Self-reported problems are handled leniently (``self_inspection`` config):
in ``exempt`` mode they close as 自查自纠已退回 and are never fined; otherwise they wait for a case.
Problems the bureau finds later that were not self-reported are fined strictly (see cases._penalty).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from qiandai.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.supervision import events
from qiandai.supervision.config import get_config
from qiandai.supervision.importer import read_run
from qiandai.supervision.models import Finding, Institution, Payment, SelfInspection
from qiandai.supervision.money import money as to_money
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import DECISION, SELF_CORRECTED


def problems_from_audit(folder: Path, institution_code: str) -> list[dict[str, Any]]:
    """The institution's own rows of an audit output folder, as self-reported problems."""
    _, rows = read_run(folder)
    return [
        {
            "finding_id": r["finding_id"],
            "rule_code": r["rule_code"],
            "rule_name": r["rule_name"],
            "evidence": r["evidence"],
            "amount": r["amount"],
            "mdtrt_id": r["mdtrt_id"],
            "event_date": r["event_date"],
        }
        for r in rows
        if r["fixmedins_code"] == institution_code
    ]


def submit(
    repo: ScopedRepository,
    *,
    institution_code: str,
    period: str,
    summary: str,
    problems: Sequence[dict[str, Any]],
    refund_amount: Decimal,
    now: datetime | None = None,
) -> SelfInspection:
    """Record the report, its problems (as self-reported points) and the refund; once per period."""
    if not repo.principal.has_role(Role.INSTITUTION, Role.AUDITOR):
        raise PermissionDeniedError("仅机构用户（或代为录入的稽核员）可提交自查报告")
    inst = repo.get(Institution, institution_code, "机构")
    if any(
        s.period == period
        for s in repo.all(repo.select(SelfInspection).where(SelfInspection.institution_code == inst.code))
    ):
        raise ConflictError(f"{period} 的自查报告已提交")
    now = now or now_utc()
    refund = to_money(refund_amount)
    total = sum((to_money(p["amount"]) for p in problems), Decimal("0.00"))
    if refund < 0 or refund > total:
        raise InvalidInputError(f"主动退回金额应在 0 与问题金额合计 {total} 之间")
    report = repo.add(
        SelfInspection(
            institution_code=inst.code,
            region_code=inst.region_code,
            period=period,
            summary=summary,
            problem_count=len(problems),
            problem_amount=total,
            refund_amount=refund,
            submitted_by=repo.principal.username,
            submitted_at=now,
        )
    )
    exempt = get_config(repo.session, "self_inspection").get("self_reported_fine") == "exempt"
    stage = SELF_CORRECTED if exempt and refund == total else DECISION
    for i, p in enumerate(problems, start=1):
        amount = to_money(p["amount"])
        f = repo.add(
            Finding(
                finding_id=f"SELF-{inst.code}-{period}-{i:04d}",
                run_id=None,
                source="self_inspection",
                rule_id="self_inspection",
                rule_code=str(p.get("rule_code") or "SELF"),
                rule_name=str(p.get("rule_name") or "自查问题"),
                result_type="明确违规",
                institution_code=inst.code,
                region_code=inst.region_code,
                mdtrt_id=p.get("mdtrt_id"),
                event_date=p.get("event_date"),
                amount=amount,
                evidence=str(p.get("evidence") or ""),
                stage=stage,
                confirmed_amount=amount,
                self_reported=True,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        events.record(repo, "finding", f.id, "self_report", to_state=stage, at=now)
    if refund > 0:
        repo.add(
            Payment(
                case_id=None,
                institution_code=inst.code,
                region_code=inst.region_code,
                kind="refund",
                amount=refund,
                reference=f"SELF-{inst.code}-{period}",
                paid_at=now,
                recorded_by=repo.principal.username,
            )
        )
    events.record(
        repo,
        "self_inspection",
        report.id,
        "submit",
        to_state="submitted",
        detail={"problems": len(problems), "refund": str(refund)},
        at=now,
    )
    return report


def list_reports(repo: ScopedRepository) -> list[SelfInspection]:
    return repo.all(repo.select(SelfInspection).order_by(SelfInspection.id))
