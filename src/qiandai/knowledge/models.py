"""Value objects of the knowledge base: load reports, load records, catalog entries, points.

They are plain frozen dataclasses so that callers (rule engine, CLI, API) can use them without
touching DuckDB or pyarrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class LoadReport:
    """What one `KnowledgeBase.load_file` call did.

    ``already_loaded`` is true when a file with the same sha256 was loaded before; then nothing was
    written and every list is empty. ``changed_ids`` also holds points whose parameters changed
    because a point they supersede was enriched in this load (inheritance).
    """

    source_file: str
    sha256: str
    layout: str
    batch_tag: str | None
    load_id: int | None
    already_loaded: bool
    added_ids: tuple[str, ...] = ()
    changed_ids: tuple[str, ...] = ()
    superseded_ids: tuple[str, ...] = ()
    unchanged_ids: tuple[str, ...] = ()
    unresolved_supersedes: tuple[str, ...] = ()
    message: str = ""

    @property
    def added(self) -> int:
        return len(self.added_ids)

    @property
    def changed(self) -> int:
        return len(self.changed_ids)

    @property
    def superseded(self) -> int:
        return len(self.superseded_ids)

    @property
    def unchanged(self) -> int:
        return len(self.unchanged_ids)

    def summary_lines(self, show: int = 10) -> list[str]:
        """Chinese lines for the terminal: the message, then up to ``show`` ids of each change."""
        lines = [self.message]
        changes = (("新增", self.added_ids), ("变更", self.changed_ids), ("被替代", self.superseded_ids))
        for label, ids in changes:
            if ids:
                more = f" 等 {len(ids)} 个" if len(ids) > show else ""
                lines.append(f"  {label}：{'、'.join(ids[:show])}{more}")
        if self.unresolved_supersedes:
            lines.append(f"  未找到被替代的知识点：{'、'.join(self.unresolved_supersedes[:show])}")
        return lines


@dataclass(frozen=True)
class LoadRecord:
    """One row of the ``loads`` table: a file that changed the knowledge base."""

    load_id: int
    source_file: str
    sha256: str
    layout: str
    batch_tag: str | None
    loaded_at: datetime
    added: int
    changed: int
    superseded: int
    unchanged: int


@dataclass(frozen=True)
class KnowledgePoint:
    """One knowledge point (知识点) as stored, with its national codes and typed parameters.

    ``codes`` holds (med_code, role) pairs: role 'item' for single items, 'A'/'B' for the main and
    secondary item of a duplicate-charge pair.
    """

    kp_id: str
    rule_class: str
    gz_code: str | None
    level1: str | None
    level2: str | None
    item_name: str | None
    constraint_text: str | None
    detect_logic: str | None
    batch: int | None
    batch_tag: str | None
    published_at: date | None
    supersedes: str | None
    superseded_by: str | None
    load_id: int
    source_file: str | None
    source_row: int | None
    params: dict[str, Any] = field(default_factory=dict)
    codes: tuple[tuple[str, str], ...] = ()

    @property
    def active(self) -> bool:
        return self.superseded_by is None


@dataclass(frozen=True)
class RuleClass:
    """A rule class (规则类别) of the 2025 catalog (88 classes)."""

    seq: int
    tier1: str
    tier2: str
    name: str
    gz_code: str | None
    new_in_2025: bool
    has_kp_detail: bool


@dataclass(frozen=True)
class FrameworkRule:
    """A rule of the 1.0 framework (79 rules) with its official GZ/ZB code and cleaned name."""

    code: str
    tier1: str
    tier2: str
    name: str
    definition: str
