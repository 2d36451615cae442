"""The in-memory shape of a knowledge point while a file is merged into the knowledge base.

``PointState`` mirrors one row of the ``points`` table plus its codes and the origin of each
parameter ('xlsx', 'text' or 'inherited'); the origin decides what a later load may overwrite.
``XlsxRow`` is one row of an official xlsx before it is matched to a point.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from qiandai.domain.errors import KnowledgeBaseError

# Columns compared to decide whether a re-published point changed (source file/row are not content).
CONTENT_FIELDS = (
    "rule_class",
    "gz_code",
    "level1",
    "level2",
    "item_name",
    "constraint_text",
    "detect_logic",
    "batch",
    "batch_tag",
    "published_at",
    "supersedes",
    "codes",
)


@dataclass
class PointState:
    """One knowledge point with codes, parameters and parameter origins."""

    kp_id: str
    rule_class: str
    gz_code: str | None = None
    level1: str | None = None
    level2: str | None = None
    item_name: str | None = None
    constraint_text: str | None = None
    detect_logic: str | None = None
    batch: int | None = None
    batch_tag: str | None = None
    published_at: date | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    load_id: int = 0
    source_file: str | None = None
    source_row: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    codes: list[tuple[str, str]] = field(default_factory=list)

    def content(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in CONTENT_FIELDS)

    def copy(self) -> PointState:
        return replace(self, params=dict(self.params), origin=dict(self.origin), codes=list(self.codes))


@dataclass(frozen=True)
class XlsxRow:
    """One knowledge row of an official xlsx, not yet matched.

    ``rule_classes`` are the classes the row may belong to (batch 1 age drugs: child-only or
    child-limit); ``new_rule_class`` is used only when no existing point matches. ``group`` is an
    extra matching key where one code appears in several points (batch 2 surgery groups).
    """

    rule_classes: tuple[str, ...]
    new_rule_class: str
    codes: tuple[tuple[str, str], ...]
    item_name: str | None
    text: str | None
    params: dict[str, Any]
    source_row: int
    group: str | None = None


def derived_kp_id(rule_class: str, codes: list[str] | tuple[str, ...]) -> str:
    """Deterministic id for a point known only from an xlsx: 'KP-' + sha1(class + sorted codes)[:16]."""
    key = rule_class + "|" + ",".join(sorted(codes))
    return "KP-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def kb_error(source: str, reason: str) -> KnowledgeBaseError:
    """The one way this package words a file error: '知识库文件 «name»：«reason»'."""
    return KnowledgeBaseError(f"知识库文件 {source}：{reason}")
