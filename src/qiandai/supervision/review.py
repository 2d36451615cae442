"""The review workflow of suspect points: one function moves one point; bulk applies all or none.

Every move checks the action's roles and source stages (:mod:`qiandai.supervision.stages`), the
optional ``expected_version`` (a stale screen gets a conflict, not a silent overwrite), sets the next
stage's deadline from configuration, and appends an event. Institution users may only ``appeal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from qiandai.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.identity.service import log_unmasked_view
from qiandai.store.base import now_utc
from qiandai.supervision import events
from qiandai.supervision.config import get_config
from qiandai.supervision.models import Finding, Payment
from qiandai.supervision.money import money as to_money
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import DEDUCTED, STAGE_LABELS, TERMINAL, TRANSITIONS, Transition


@dataclass(frozen=True)
class Move:
    """One requested action on a suspect point."""

    action: str
    reason: str | None = None
    confirmed_amount: Decimal | None = None
    attachments: Sequence[int] = ()
    expected_version: int | None = None


def _check(repo: ScopedRepository, finding: Finding, move: Move) -> Transition:
    transition = TRANSITIONS.get(move.action)
    if transition is None:
        raise InvalidInputError(f"未知操作：{move.action}")
    if not repo.principal.has_role(*transition.roles):
        labels = "、".join(r.label for r in transition.roles)
        raise PermissionDeniedError(f"无权执行「{transition.label}」（需要角色：{labels}）")
    if finding.stage not in transition.sources:
        raise ConflictError(
            f"疑点 {finding.id} 处于「{STAGE_LABELS[finding.stage]}」，不能执行「{transition.label}」"
        )
    if move.expected_version is not None and move.expected_version != finding.version:
        raise ConflictError(f"疑点 {finding.id} 已被他人更新，请刷新后重试")
    if transition.target == DEDUCTED:
        rule = get_config(repo.session, "direct_deduction")
        if not rule.get("enabled") or finding.result_type not in rule.get("result_types", []):
            raise ConflictError(f"疑点 {finding.id}（{finding.result_type}）按配置不能直接扣款")
    if (
        move.action in ("dismiss", "accept_appeal", "reject_appeal", "appeal")
        and not (move.reason or "").strip()
    ):
        raise InvalidInputError("请填写理由")
    if move.action == "conclude" and move.confirmed_amount is None:
        raise InvalidInputError("调查确认需填写违规金额")
    return transition


def _apply(
    repo: ScopedRepository, finding: Finding, move: Move, transition: Transition, now: datetime
) -> None:
    before = finding.stage
    if move.action == "conclude":
        assert move.confirmed_amount is not None
        amount = to_money(move.confirmed_amount)
        if amount <= 0:
            raise InvalidInputError("违规金额应大于 0")
        finding.confirmed_amount = amount
    if transition.target == DEDUCTED:
        finding.confirmed_amount = finding.amount
        repo.add(
            Payment(
                case_id=None,
                institution_code=finding.institution_code,
                region_code=finding.region_code,
                kind="deduction",
                amount=finding.amount,
                reference=f"DEDUCT-{finding.finding_id}",
                paid_at=now,
                recorded_by=repo.principal.username,
            )
        )
    if transition.target is not None:
        finding.stage = transition.target
        days = get_config(repo.session, "stage_deadline_days").get(transition.target)
        finding.stage_deadline = now + timedelta(days=int(days)) if days is not None else None
        if transition.target in TERMINAL:
            finding.stage_deadline = None
    finding.version += 1
    finding.updated_at = now
    events.record(
        repo,
        "finding",
        finding.id,
        move.action,
        from_state=before,
        to_state=finding.stage,
        reason=move.reason,
        attachments=move.attachments,
        detail={"confirmed_amount": str(finding.confirmed_amount)} if move.action == "conclude" else None,
        at=now,
    )


def act(repo: ScopedRepository, finding_id: int, move: Move, now: datetime | None = None) -> Finding:
    """Apply ``move`` to one suspect point in the caller's scope (404 outside it)."""
    finding = repo.get(Finding, finding_id, "疑点")
    transition = _check(repo, finding, move)
    _apply(repo, finding, move, transition, now or now_utc())
    return finding


def bulk(
    repo: ScopedRepository, ids: Sequence[int], move: Move, now: datetime | None = None
) -> list[Finding]:
    """Apply the same move to many points: every point is checked first; any failure changes nothing."""
    if not ids:
        raise InvalidInputError("请选择至少一个疑点")
    if len(ids) > 1000:
        raise InvalidInputError("一次最多处理 1000 个疑点")
    findings = repo.findings_by_ids(sorted(set(ids)))
    problems: list[str] = []
    checked: list[tuple[Finding, Transition]] = []
    for f in findings:
        try:
            checked.append((f, _check(repo, f, Move(move.action, move.reason, move.confirmed_amount))))
        except (ConflictError, InvalidInputError) as exc:
            problems.append(exc.message)
    if problems:
        raise ConflictError(
            "批量操作未执行：" + "；".join(problems[:10]) + ("…" if len(problems) > 10 else "")
        )
    now = now or now_utc()
    for f, t in checked:
        _apply(repo, f, move, t, now)
    return findings


def is_overdue(finding: Finding, now: datetime | None = None) -> bool:
    """A point is overdue when it is still open and its stage deadline has passed."""
    return (
        finding.stage not in TERMINAL
        and finding.stage_deadline is not None
        and finding.stage_deadline < (now or now_utc())
    )


def reveal_person(repo: ScopedRepository, finding_id: int, reason: str) -> dict[str, str | None]:
    """The unmasked insured-person number of a point, for staff roles; the view is access-logged."""
    finding = repo.get(Finding, finding_id, "疑点")
    if repo.principal.is_institution_user or not repo.principal.has_role(Role.AUDITOR, Role.REVIEWER):
        raise PermissionDeniedError("仅稽核员、审核员可查看参保人明文信息")
    if not reason.strip():
        raise InvalidInputError("查看明文信息须填写理由")
    log_unmasked_view(repo.session, repo.principal, "finding", finding.id, ["psn_no"], reason)
    return {"psn_no": finding.psn_no, "mdtrt_id": finding.mdtrt_id}
