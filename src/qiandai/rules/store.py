"""File-backed store of rule-set versions: draft → publish, published versions immutable.

Layout: ``<root>/<rule_set>/v<N>.json``. Shipped default rule sets (package data) are version 1 of
their rule set and are read when the store has no files for that set yet. Edits happen on a draft;
``publish`` freezes it. Writes go through a temporary file and an atomic rename.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from qiandai.domain.errors import RuleSetVersionError
from qiandai.rules.model import RuleDefinition, RuleSetVersion, VersionStatus


class RuleSetStore:
    """Versions of rule sets under ``root``, falling back to shipped defaults for version 1."""

    def __init__(self, root: Path, defaults: dict[str, RuleSetVersion] | None = None) -> None:
        self.root = root
        self.defaults = defaults or {}

    def _dir(self, rule_set: str) -> Path:
        return self.root / rule_set

    def versions(self, rule_set: str) -> list[RuleSetVersion]:
        """All versions of ``rule_set``, oldest first (the shipped default counts as version 1)."""
        found: dict[int, RuleSetVersion] = {}
        if rule_set in self.defaults:
            found[1] = self.defaults[rule_set]
        folder = self._dir(rule_set)
        if folder.is_dir():
            for path in folder.glob("v*.json"):
                version = RuleSetVersion.model_validate_json(path.read_text(encoding="utf-8"))
                found[version.version] = version
        return [found[k] for k in sorted(found)]

    def rule_sets(self) -> list[str]:
        names = set(self.defaults)
        if self.root.is_dir():
            names.update(p.name for p in self.root.iterdir() if p.is_dir())
        return sorted(names)

    def get(self, rule_set: str, version: int | None = None) -> RuleSetVersion:
        """Return ``version`` of the set, or its latest *published* version when ``version`` is None."""
        versions = self.versions(rule_set)
        if not versions:
            raise RuleSetVersionError(f"规则集「{rule_set}」不存在")
        if version is None:
            published = [v for v in versions if v.status is VersionStatus.PUBLISHED]
            if not published:
                raise RuleSetVersionError(f"规则集「{rule_set}」尚无已发布版本")
            return published[-1]
        for v in versions:
            if v.version == version:
                return v
        raise RuleSetVersionError(f"规则集「{rule_set}」没有第 {version} 版")

    def create_draft(self, rule_set: str, *, based_on: int | None = None, note: str = "") -> RuleSetVersion:
        """Copy a version (default: latest published) into a new draft with the next number."""
        base = self.get(rule_set, based_on)
        existing = self.versions(rule_set)
        if any(v.status is VersionStatus.DRAFT for v in existing):
            raise RuleSetVersionError(f"规则集「{rule_set}」已有未发布的草稿，请先发布或修改该草稿")
        draft = RuleSetVersion(
            rule_set=rule_set,
            version=existing[-1].version + 1,
            status=VersionStatus.DRAFT,
            created_at=datetime.now(UTC),
            based_on=base.version,
            note=note,
            rules=list(base.rules),
        )
        self._write(draft)
        return draft

    def update_rule(self, rule_set: str, version: int, rule: RuleDefinition) -> RuleSetVersion:
        """Replace (or add) one rule in a draft version."""
        current = self.get(rule_set, version)
        if current.status is VersionStatus.PUBLISHED:
            raise RuleSetVersionError(f"{current.label} 已发布，不能修改；请新建草稿")
        rules = [r for r in current.rules if r.rule_id != rule.rule_id] + [rule]
        updated = current.model_copy(update={"rules": sorted(rules, key=lambda r: r.rule_id)})
        self._write(updated)
        return updated

    def publish(self, rule_set: str, version: int) -> RuleSetVersion:
        """Freeze a draft. Publishing an already published version is a no-op (idempotent)."""
        current = self.get(rule_set, version)
        if current.status is VersionStatus.PUBLISHED:
            return current
        published = current.model_copy(
            update={"status": VersionStatus.PUBLISHED, "published_at": datetime.now(UTC)}
        )
        self._write(published)
        return published

    def _write(self, version: RuleSetVersion) -> None:
        folder = self._dir(version.rule_set)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"v{version.version}.json"
        if target.exists():
            on_disk = RuleSetVersion.model_validate_json(target.read_text(encoding="utf-8"))
            if on_disk.status is VersionStatus.PUBLISHED:
                raise RuleSetVersionError(f"{on_disk.label} 已发布，不能覆盖")
        tmp = target.with_suffix(".json.tmp")
        payload = json.dumps(version.model_dump(mode="json"), ensure_ascii=False, indent=2)
        tmp.write_text(payload + "\n", encoding="utf-8")
        os.replace(tmp, target)
