"""The append-only event log: every state change records who, when, why, and which attachments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from qiandai.domain.errors import InvalidInputError
from qiandai.store.base import now_utc
from qiandai.supervision.models import Event
from qiandai.supervision.repository import ScopedRepository


def record(
    repo: ScopedRepository,
    subject_type: str,
    subject_id: int,
    action: str,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    attachments: Sequence[int] = (),
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Append one event by ``repo.principal``. Attachments must be evidence of the same subject."""
    if attachments:
        found = {e.id for e in repo.evidence(attachments, subject_type, subject_id)}
        missing = sorted(set(attachments) - found)
        if missing:
            raise InvalidInputError(f"附件不存在或不属于该记录：{missing}")
    p = repo.principal
    return repo.add_event(
        Event(
            subject_type=subject_type,
            subject_id=subject_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_id=p.user_id,
            actor_name=p.display_name,
            at=at or now_utc(),
            reason=reason,
            attachments=list(attachments),
            detail=detail or {},
        )
    )
