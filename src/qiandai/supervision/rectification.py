"""Rectification ledger (问题台账): confirmed problems → items with owner and deadline → evidence →
verification → close-out (销号) → follow-up re-check (回头看). Overdue items escalate.

Statuses: open → submitted (institution uploads evidence) → verified (bureau checks) → closed.
A failed verification or a failed re-check reopens the item (reopened, then submitted again).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from qiandai.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.supervision import events
from qiandai.supervision.config import get_config
from qiandai.supervision.models import Case, Rectification
from qiandai.supervision.repository import ScopedRepository

STATUS_LABELS = {
    "open": "整改中",
    "submitted": "已提交整改材料",
    "verified": "已核验",
    "closed": "已销号",
    "reopened": "重新整改",
}
STAFF = (Role.AUDITOR, Role.REVIEWER)


def create_for_case(repo: ScopedRepository, case: Case, now: datetime | None = None) -> list[Rectification]:
    """One item per confirmed point of ``case`` (idempotent: keyed by the point)."""
    now = now or now_utc()
    days = int(get_config(repo.session, "rectification")["default_days"])
    items = []
    for f in repo.findings_of_case(case.id):
        key = f"finding:{f.id}"
        item = repo.rectification_by_key(key)
        if item is None:
            item = repo.add(
                Rectification(
                    source_key=key,
                    institution_code=case.institution_code,
                    region_code=case.region_code,
                    case_id=case.id,
                    finding_id=f.id,
                    title=f"{f.rule_name}（{case.case_no}）",
                    requirement=f"针对「{f.evidence}」问题完成整改，建立长效机制并提交佐证材料。",
                    owner="机构医保办负责人",
                    deadline=now + timedelta(days=days),
                    status="open",
                    escalation_level=0,
                    created_at=now,
                )
            )
            events.record(repo, "rectification", item.id, "create", to_state="open", at=now)
        items.append(item)
    return items


def create(
    repo: ScopedRepository,
    *,
    institution_code: str,
    title: str,
    requirement: str,
    owner: str,
    deadline: datetime,
    source_key: str,
) -> Rectification:
    """A rectification item raised by hand (inspection record, self-inspection problem …)."""
    from qiandai.supervision.models import Institution

    if not repo.principal.has_role(*STAFF):
        raise PermissionDeniedError("仅稽核员、审核员可下达整改事项")
    inst = repo.get(Institution, institution_code, "机构")
    existing = repo.rectification_by_key(source_key)
    if existing is not None:
        return existing
    item = repo.add(
        Rectification(
            source_key=source_key,
            institution_code=inst.code,
            region_code=inst.region_code,
            title=title,
            requirement=requirement,
            owner=owner,
            deadline=deadline,
            status="open",
            escalation_level=0,
            created_at=now_utc(),
        )
    )
    events.record(repo, "rectification", item.id, "create", to_state="open")
    return item


def _move(
    repo: ScopedRepository,
    item: Rectification,
    action: str,
    to: str,
    sources: set[str],
    reason: str | None = None,
    attachments: list[int] | None = None,
) -> Rectification:
    if item.status not in sources:
        raise ConflictError(f"整改事项处于「{STATUS_LABELS[item.status]}」，不能执行此操作")
    before, item.status = item.status, to
    events.record(
        repo,
        "rectification",
        item.id,
        action,
        from_state=before,
        to_state=to,
        reason=reason,
        attachments=attachments or [],
    )
    return item


def submit(repo: ScopedRepository, item_id: int, note: str, attachments: list[int]) -> Rectification:
    """The institution reports the rectification done, with evidence files already uploaded."""
    item = repo.get(Rectification, item_id, "整改事项")
    if not repo.principal.has_role(Role.INSTITUTION, *STAFF):
        raise PermissionDeniedError("无权提交整改材料")
    if not attachments:
        raise InvalidInputError("请上传整改佐证材料")
    return _move(repo, item, "submit", "submitted", {"open", "reopened"}, note, attachments)


def verify(
    repo: ScopedRepository, item_id: int, passed: bool, note: str, now: datetime | None = None
) -> Rectification:
    """The bureau checks the evidence: passed → verified (re-check scheduled), failed → reopened."""
    item = repo.get(Rectification, item_id, "整改事项")
    if not repo.principal.has_role(*STAFF):
        raise PermissionDeniedError("仅稽核员、审核员可核验整改")
    if not passed:
        return _move(repo, item, "verify_failed", "reopened", {"submitted"}, note)
    days = int(get_config(repo.session, "rectification")["recheck_days"])
    item.recheck_due = (now or now_utc()) + timedelta(days=days)
    return _move(repo, item, "verify", "verified", {"submitted"}, note)


def close_out(
    repo: ScopedRepository, item_id: int, note: str = "", now: datetime | None = None
) -> Rectification:
    """销号: a verified item is closed."""
    item = repo.get(Rectification, item_id, "整改事项")
    if not repo.principal.has_role(Role.REVIEWER):
        raise PermissionDeniedError("仅审核员可销号")
    item.closed_at = now or now_utc()
    return _move(repo, item, "close", "closed", {"verified"}, note)


def recheck(repo: ScopedRepository, item_id: int, passed: bool, note: str) -> Rectification:
    """回头看: a closed item is re-checked; a relapse reopens it with a new deadline."""
    item = repo.get(Rectification, item_id, "整改事项")
    if not repo.principal.has_role(*STAFF):
        raise PermissionDeniedError("仅稽核员、审核员可回头看")
    if item.status != "closed":
        raise ConflictError("只有已销号的事项可以回头看")
    item.recheck_result = "passed" if passed else "failed"
    if passed:
        events.record(repo, "rectification", item.id, "recheck", reason=note, detail={"passed": True})
        return item
    days = int(get_config(repo.session, "rectification")["default_days"])
    item.deadline, item.closed_at = now_utc() + timedelta(days=days), None
    return _move(repo, item, "recheck_failed", "reopened", {"closed"}, note)


def escalate_overdue(repo: ScopedRepository, now: datetime | None = None) -> list[Rectification]:
    """Raise the escalation level of overdue open items, one level per ``escalate_every_days`` late.

    Idempotent for a given ``now``: an item already at its due level is left alone.
    """
    now = now or now_utc()
    every = int(get_config(repo.session, "rectification")["escalate_every_days"])
    changed = []
    for item in repo.rectifications():
        if item.status not in ("open", "reopened") or item.deadline >= now:
            continue
        level = 1 + (now - item.deadline).days // every
        if level > item.escalation_level:
            before, item.escalation_level = item.escalation_level, level
            events.record(
                repo,
                "rectification",
                item.id,
                "escalate",
                reason=f"逾期未整改，升级至 {level} 级督办",
                detail={"from": before, "to": level},
                at=now,
            )
            changed.append(item)
    return changed


def is_overdue(item: Rectification, now: datetime | None = None) -> bool:
    return item.status in ("open", "reopened") and item.deadline < (now or now_utc())
