"""Whistleblower reports (举报): intake without an account, receipt-code status, stages with deadlines,
verification, and the reward (举报奖励) computed by configurable rules and approved by a leader.

Statuses: received (已接收) → accepted (已受理) | rejected (不予受理); accepted → verified (查实) |
unfounded (未查实); the reward of a verified report goes proposed → approved → paid. The reporter's
identity is Fernet-encrypted at rest and decrypted only for the intake role, each time access-logged.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from qiandai.domain.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.identity.service import log_unmasked_view
from qiandai.store.base import now_utc
from qiandai.supervision import crypto, events
from qiandai.supervision.config import get_config
from qiandai.supervision.models import Finding, Institution, Report, Reward
from qiandai.supervision.money import money as to_money
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import DECISION

PUBLIC = Principal(user_id=0, username="public", display_name="举报人")
STATUS_LABELS = {
    "received": "已接收，待受理",
    "accepted": "已受理，核查中",
    "rejected": "不予受理",
    "verified": "已查实",
    "unfounded": "未查实",
    "rewarded": "已查实，奖励已发放",
}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _deadline(repo: ScopedRepository, status: str, now: datetime) -> datetime | None:
    days = get_config(repo.session, "report_deadline_days").get(status)
    return now + timedelta(days=int(days)) if days is not None else None


def submit(
    repo: ScopedRepository,
    *,
    subject: str,
    content: str,
    anonymous: bool,
    reporter: dict[str, str] | None,
    institution_code: str | None,
    region_code: str | None,
    alleged_amount: Decimal | None,
    channel: str = "form",
    now: datetime | None = None,
) -> Report:
    """Receive a report; returns it with its ``receipt_code`` (the reporter's only handle)."""
    if not anonymous and not (reporter and reporter.get("name") and reporter.get("phone")):
        raise InvalidInputError("实名举报须填写举报人姓名和联系电话")
    region = region_code
    inst = repo.institution_any(institution_code) if institution_code else None
    if institution_code and inst is None:
        raise InvalidInputError(f"被举报机构不存在：{institution_code}")
    if inst is not None:
        region = inst.region_code
    if not region:
        raise InvalidInputError("请填写被举报机构或所在行政区划")
    now = now or now_utc()
    code = "JB" + "".join(secrets.choice(_ALPHABET) for _ in range(12))
    report = repo.add(
        Report(
            receipt_code=code,
            channel=channel,
            anonymous=anonymous,
            reporter_cipher=None if anonymous or not reporter else crypto.encrypt(reporter),
            institution_code=inst.code if inst else None,
            region_code=region,
            subject=subject,
            content=content,
            alleged_amount=to_money(alleged_amount) if alleged_amount is not None else None,
            status="received",
            stage_deadline=_deadline(repo, "received", now),
            created_at=now,
        )
    )
    events.record(repo, "report", report.id, "submit", to_state="received", at=now)
    return report


def status_by_receipt(repo: ScopedRepository, receipt_code: str) -> dict[str, Any]:
    """What a reporter may learn with the receipt code: status and dates, nothing about others."""
    report = repo.session.scalars(
        select(Report).where(Report.receipt_code == receipt_code.strip().upper())
    ).one_or_none()
    if report is None:
        raise NotFoundError("回执编号不存在")
    reward = repo.session.scalars(select(Reward).where(Reward.report_id == report.id)).one_or_none()
    return {
        "receipt_code": report.receipt_code,
        "status": report.status,
        "status_label": STATUS_LABELS[report.status],
        "received_at": report.created_at,
        "reward_status": reward.status if reward else None,
    }


def _staff(repo: ScopedRepository, *roles: Role) -> None:
    if not repo.principal.has_role(*roles):
        raise PermissionDeniedError("无权处理举报（需要举报受理员角色）")


def _move(
    repo: ScopedRepository, report: Report, to: str, sources: set[str], reason: str | None, now: datetime
) -> Report:
    if report.status not in sources:
        raise ConflictError(f"举报处于「{STATUS_LABELS[report.status]}」，不能执行此操作")
    before, report.status = report.status, to
    report.stage_deadline = _deadline(repo, to, now)
    events.record(repo, "report", report.id, to, from_state=before, to_state=to, reason=reason, at=now)
    return report


def accept(
    repo: ScopedRepository, report_id: int, accepted: bool, reason: str, now: datetime | None = None
) -> Report:
    _staff(repo, Role.INTAKE)
    report = repo.get(Report, report_id, "举报")
    return _move(repo, report, "accepted" if accepted else "rejected", {"received"}, reason, now or now_utc())


def conclude(
    repo: ScopedRepository,
    report_id: int,
    verified_amount: Decimal | None,
    conclusion: str,
    now: datetime | None = None,
) -> Report:
    """Record the investigation's result: a positive verified amount means 查实."""
    _staff(repo, Role.INTAKE, Role.AUDITOR)
    report = repo.get(Report, report_id, "举报")
    amount = to_money(verified_amount) if verified_amount is not None else Decimal("0.00")
    if amount < 0:
        raise InvalidInputError("查实金额不能为负")
    report.verified_amount, report.conclusion = amount, conclusion
    return _move(
        repo, report, "verified" if amount > 0 else "unfounded", {"accepted"}, conclusion, now or now_utc()
    )


def reward_amount(session: Any, verified: Decimal) -> tuple[Decimal, Decimal, str]:
    """``(rate, amount, rule text)``: share of the verified amount, bounded by the configured min/max."""
    rule = get_config(session, "reward")
    rate, low, high = Decimal(rule["rate"]), Decimal(rule["min"]), Decimal(rule["max"])
    raw = (verified * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    amount = min(max(raw, low), high).quantize(Decimal("0.01"))
    return rate, amount, f"查实金额 {verified} 元 × {rate}，最低 {low} 元，最高 {high} 元"


def propose_reward(repo: ScopedRepository, report_id: int) -> Reward:
    """Compute the reward of a verified report (idempotent: a second call returns the same)."""
    _staff(repo, Role.INTAKE)
    report = repo.get(Report, report_id, "举报")
    existing = repo.session.scalars(select(Reward).where(Reward.report_id == report.id)).one_or_none()
    if existing is not None:
        return existing
    if report.status != "verified" or not report.verified_amount:
        raise ConflictError("只有查实的举报可以计算奖励")
    rate, amount, rule = reward_amount(repo.session, report.verified_amount)
    reward = repo.add(
        Reward(
            report_id=report.id,
            verified_amount=report.verified_amount,
            rate=rate,
            amount=amount,
            rule=rule,
            status="proposed",
            proposed_by=repo.principal.username,
        )
    )
    events.record(repo, "report", report.id, "reward_proposed", detail={"amount": str(amount)})
    return reward


def approve_reward(repo: ScopedRepository, report_id: int, now: datetime | None = None) -> Reward:
    _staff(repo, Role.LEADER)
    reward = _reward(repo, report_id, "proposed", "待审批")
    reward.status, reward.approved_by, reward.approved_at = (
        "approved",
        repo.principal.display_name,
        now or now_utc(),
    )
    events.record(repo, "report", report_id, "reward_approved", detail={"amount": str(reward.amount)})
    return reward


def pay_reward(repo: ScopedRepository, report_id: int, reference: str, now: datetime | None = None) -> Reward:
    _staff(repo, Role.INTAKE)
    reward = _reward(repo, report_id, "approved", "已审批")
    reward.status, reward.paid_at, reward.payment_reference = "paid", now or now_utc(), reference
    report = repo.get(Report, report_id, "举报")
    report.status = "rewarded"
    events.record(repo, "report", report_id, "reward_paid", from_state="verified", to_state="rewarded")
    return reward


def _reward(repo: ScopedRepository, report_id: int, status: str, label: str) -> Reward:
    repo.get(Report, report_id, "举报")
    reward = repo.session.scalars(select(Reward).where(Reward.report_id == report_id)).one_or_none()
    if reward is None or reward.status != status:
        raise ConflictError(f"奖励不在「{label}」状态")
    return reward


def reveal_reporter(repo: ScopedRepository, report_id: int, reason: str) -> dict[str, str]:
    """The decrypted reporter identity — intake role only; every view goes to the access log."""
    if not repo.principal.has_role(Role.INTAKE):
        raise PermissionDeniedError("仅举报受理员可查看举报人身份")
    report = repo.get(Report, report_id, "举报")
    if report.anonymous or not report.reporter_cipher:
        raise ConflictError("匿名举报无举报人信息")
    if not reason.strip():
        raise InvalidInputError("查看举报人信息须填写理由")
    log_unmasked_view(repo.session, repo.principal, "report", report.id, ["reporter"], reason)
    return {k: str(v) for k, v in crypto.decrypt(report.reporter_cipher).items()}


def list_reports(repo: ScopedRepository, status: str | None = None) -> list[Report]:
    _staff(repo, Role.INTAKE, Role.LEADER, Role.AUDITOR)
    stmt = repo.select(Report).order_by(Report.id)
    if status:
        stmt = stmt.where(Report.status == status)
    return repo.all(stmt)


def institution_name(repo: ScopedRepository, code: str | None) -> str | None:
    inst = repo.institution_any(code) if code else None
    return inst.name if isinstance(inst, Institution) else None


REWARD_LABELS = {"proposed": "已核定，待审批", "approved": "已审批，待发放", "paid": "已发放"}


def list_rewards(repo: ScopedRepository, status: str | None = None) -> list[tuple[Reward, Report]]:
    """Rewards with their reports, in the caller's scope (by the report's region and institution)."""
    _staff(repo, Role.INTAKE, Role.LEADER, Role.AUDITOR)
    stmt = (
        repo.select(Report)
        .join(Reward, Reward.report_id == Report.id)
        .add_columns(Reward)
        .order_by(Reward.id)
    )
    if status:
        stmt = stmt.where(Reward.status == status)
    return [(reward, report) for report, reward in repo.session.execute(stmt).all()]


def awaiting_reward(repo: ScopedRepository) -> list[Report]:
    """Verified reports in scope whose reward has not been computed yet."""
    _staff(repo, Role.INTAKE, Role.LEADER, Role.AUDITOR)
    has_reward = select(Reward.id).where(Reward.report_id == Report.id).exists()
    stmt = repo.select(Report).where(Report.status == "verified", ~has_reward).order_by(Report.id)
    return repo.all(stmt)


def report_finding_key(report: Report) -> str:
    return f"REPORT-{report.receipt_code}"


def report_to_finding(repo: ScopedRepository, report_id: int, now: datetime | None = None) -> Finding:
    """Turn a verified report against an institution into a confirmed point awaiting a case (待立案处理),
    so that it can be opened as a case (立案) with the institution's other points. Idempotent: a second
    call returns the same point. The point carries no reporter information."""
    if not repo.principal.has_role(Role.AUDITOR, Role.REVIEWER):
        raise PermissionDeniedError("仅稽核员、审核员可将举报线索转为待立案疑点")
    report = repo.get(Report, report_id, "举报")
    key = report_finding_key(report)
    existing = repo.session.scalars(select(Finding).where(Finding.finding_id == key)).one_or_none()
    if existing is not None:
        return existing
    if report.status not in ("verified", "rewarded") or not report.verified_amount:
        raise ConflictError("只有查实（有查实金额）的举报可以转为待立案疑点")
    if report.institution_code is None:
        raise ConflictError("该举报未指明被举报机构，不能转为机构案件的疑点")
    now = now or now_utc()
    finding = repo.add(
        Finding(
            finding_id=key,
            run_id=None,
            source="report",
            rule_id="report",
            rule_code="JB",
            rule_name=f"举报查实：{report.subject}"[:200],
            result_type="明确违规",
            institution_code=report.institution_code,
            region_code=report.region_code,
            amount=report.verified_amount,
            evidence=report.conclusion or report.subject,
            stage=DECISION,
            confirmed_amount=report.verified_amount,
            self_reported=False,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    events.record(
        repo, "finding", finding.id, "from_report", to_state=DECISION, detail={"report": report.id}, at=now
    )
    events.record(repo, "report", report.id, "to_finding", detail={"finding": finding.id}, at=now)
    return finding
