"""Uploading evidence files (申诉材料、整改佐证) to a subject the caller can see."""

from __future__ import annotations

import hashlib
from typing import Any

from qiandai.domain.errors import InvalidInputError
from qiandai.store.base import now_utc
from qiandai.supervision.models import Case, Evidence, Finding, Rectification, SelfInspection
from qiandai.supervision.repository import ScopedRepository

SUBJECTS: dict[str, tuple[Any, str]] = {
    "finding": (Finding, "疑点"),
    "case": (Case, "案件"),
    "rectification": (Rectification, "整改事项"),
    "self_inspection": (SelfInspection, "自查报告"),
}
MAX_BYTES = 20 * 1024 * 1024


def upload(
    repo: ScopedRepository, subject_type: str, subject_id: int, filename: str, media_type: str, content: bytes
) -> Evidence:
    """Store ``content`` as evidence of a subject in the caller's scope (404 otherwise); ≤ 20 MiB."""
    if subject_type not in SUBJECTS:
        raise InvalidInputError(f"不支持的附件对象：{subject_type}")
    if not content:
        raise InvalidInputError("附件为空")
    if len(content) > MAX_BYTES:
        raise InvalidInputError("附件超过 20 MB")
    model, what = SUBJECTS[subject_type]
    repo.get(model, subject_id, what)
    return repo.add(
        Evidence(
            subject_type=subject_type,
            subject_id=subject_id,
            filename=filename[:255] or "附件",
            media_type=media_type or "application/octet-stream",
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=repo.principal.username,
            uploaded_at=now_utc(),
        )
    )
