"""Domain lists the user maintains: blocked, allowed, newly registered, extra official domains.

Stored as ``$QIANDAI_HOME/texts/domain_lists.json``, written atomically. The shipped official domains,
shorteners and risky top-level domains are in ``texts/data/brands.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from qiandai.domain.errors import InvalidInputError, KnowledgeBaseError

LIST_KINDS = ("blocked", "allowed", "new", "official")
LIST_NAMES = {"blocked": "黑名单", "allowed": "白名单", "new": "新注册域名", "official": "官方域名"}


@dataclass
class DomainLists:
    """The user's lists. ``new`` maps a domain to its registration date; the rest map domain → note."""

    blocked: dict[str, str] = field(default_factory=dict)
    allowed: dict[str, str] = field(default_factory=dict)
    new: dict[str, date] = field(default_factory=dict)
    official: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> DomainLists:
        """Read ``path``; a missing file is empty lists."""
        if not path.exists():
            return cls()
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                blocked=dict(data.get("blocked", {})),
                allowed=dict(data.get("allowed", {})),
                new={d: date.fromisoformat(v) for d, v in data.get("new", {}).items()},
                official=dict(data.get("official", {})),
            )
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise KnowledgeBaseError(f"域名名单 {path} 无法读取：{exc}") from None

    def save(self, path: Path) -> None:
        data = {
            "blocked": self.blocked,
            "allowed": self.allowed,
            "new": {d: v.isoformat() for d, v in self.new.items()},
            "official": self.official,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    def add(self, kind: str, domain: str, note: str = "", registered: date | None = None) -> None:
        """Add ``domain`` (lower-cased, no scheme) to list ``kind``."""
        domain = domain.strip().lower().rstrip(".")
        if "://" in domain or "/" in domain or not domain or " " in domain:
            raise InvalidInputError(f"域名 {domain!r} 无效：只填写域名，如 example.com")
        if kind == "new":
            self.new[domain] = registered or date.today()
        elif kind in ("blocked", "allowed", "official"):
            getattr(self, kind)[domain] = note
        else:
            raise InvalidInputError(f"名单类型 {kind!r} 无效：可选 {', '.join(LIST_KINDS)}")


def lists_path(home: Path) -> Path:
    return home / "texts" / "domain_lists.json"


def shipped_brands() -> dict[str, Any]:
    """The shipped official domains, shorteners, risky TLDs and multi-label suffixes."""
    text = resources.files("qiandai.texts").joinpath("data/brands.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
