"""The fraud-method knowledge base (防诈骗宝典) as versioned, editable data.

The shipped copy is ``texts/data/methods.json``. A user's edited copy lives in
``$QIANDAI_HOME/texts/methods.json`` and, when present, replaces the shipped one. Every import of an
edited file is validated, gets the next version number and a changelog entry; the file is written
atomically (temporary file, then rename), so a reader sees either the old or the new book.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from qiandai.domain.errors import InvalidInputError, KnowledgeBaseError, NotFoundError

_REQUIRED_METHOD_FIELDS = ("id", "name", "description", "scripts", "red_flags", "targets", "advice")
_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class FraudMethod:
    """One fraud method: what it is, how it sounds, how to recognise it, who it targets, what to do."""

    id: str
    name: str
    description: str
    scripts: tuple[str, ...]
    red_flags: tuple[str, ...]
    targets: tuple[str, ...]
    advice: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "aliases": list(self.aliases),
            "description": self.description,
            "scripts": list(self.scripts),
            "red_flags": list(self.red_flags),
            "targets": list(self.targets),
            "advice": list(self.advice),
            "keywords": list(self.keywords),
            "lists": list(self.lists),
        }

    def haystack(self) -> str:
        """All searchable text of the method, one string."""
        parts = [self.id, self.name, self.description, *self.aliases, *self.keywords, *self.scripts]
        return "\n".join([*parts, *self.red_flags, *self.targets, *self.advice])


@dataclass(frozen=True)
class RedFlagPattern:
    """A named red-flag rule (an official “凡是……都是诈骗” line or a 2025 keyword) and its regexes."""

    id: str
    name: str
    rule: str
    source: str
    weight: float
    methods: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class MethodBook:
    """One version of the knowledge base: methods, official lists, red-flag and counter patterns."""

    version: int
    updated: str
    methods: tuple[FraudMethod, ...]
    red_flags: tuple[RedFlagPattern, ...]
    counter_patterns: tuple[RedFlagPattern, ...]
    lists: tuple[dict[str, Any], ...] = ()
    changelog: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, method_id: str) -> FraudMethod:
        for m in self.methods:
            if m.id == method_id:
                return m
        raise NotFoundError(f"诈骗手法 {method_id} 不存在")

    def name_of(self, method_id: str) -> str:
        for m in self.methods:
            if m.id == method_id:
                return m.name
        return "非诈骗" if method_id == NEGATIVE_LABEL else method_id

    def search(self, query: str) -> list[FraudMethod]:
        """Methods whose text contains every whitespace-separated term of ``query`` (case-insensitive)."""
        from qiandai.texts.normalize import normalize

        terms = [normalize(t) for t in query.split() if t]
        if not terms:
            return list(self.methods)
        return [m for m in self.methods if all(t in normalize(m.haystack()) for t in terms)]


#: The label of texts that are not fraud (the hard negatives of the seed corpus).
NEGATIVE_LABEL = "normal"


def parse_book(data: dict[str, Any], *, source: str = "知识库") -> MethodBook:
    """Validate a decoded methods document and build a :class:`MethodBook` (Chinese errors)."""
    if not isinstance(data, dict) or not isinstance(data.get("methods"), list):
        raise KnowledgeBaseError(f"{source}：缺少 methods 列表")
    methods: list[FraudMethod] = []
    seen: set[str] = set()
    for i, m in enumerate(data["methods"], start=1):
        if not isinstance(m, dict):
            raise KnowledgeBaseError(f"{source}：第 {i} 个手法不是对象")
        missing = [f for f in _REQUIRED_METHOD_FIELDS if not m.get(f)]
        if missing:
            raise KnowledgeBaseError(f"{source}：第 {i} 个手法缺少字段 {', '.join(missing)}")
        if not _ID.match(str(m["id"])) or m["id"] == NEGATIVE_LABEL:
            raise KnowledgeBaseError(f"{source}：手法编号 {m['id']!r} 无效（小写字母、数字、下划线）")
        if m["id"] in seen:
            raise KnowledgeBaseError(f"{source}：手法编号 {m['id']} 重复")
        seen.add(m["id"])
        methods.append(
            FraudMethod(
                id=m["id"],
                name=str(m["name"]),
                description=str(m["description"]),
                **{k: tuple(str(x) for x in m.get(k) or ()) for k in _TUPLE_FIELDS},
            )
        )
    lists = tuple(data.get("lists") or ())
    by_list = {mid: tuple(lst["name"] for lst in lists if mid in lst.get("methods", ())) for mid in seen}
    methods = [_with_lists(m, by_list[m.id]) for m in methods]
    return MethodBook(
        version=int(data.get("version") or 1),
        updated=str(data.get("updated") or ""),
        methods=tuple(methods),
        red_flags=_patterns(data.get("red_flag_patterns") or [], seen, source),
        counter_patterns=_patterns(data.get("counter_patterns") or [], seen, source),
        lists=lists,
        changelog=tuple(data.get("changelog") or ()),
        raw=data,
    )


_TUPLE_FIELDS = ("scripts", "red_flags", "targets", "advice", "aliases", "keywords")


def _with_lists(m: FraudMethod, lists: tuple[str, ...]) -> FraudMethod:
    return replace(m, lists=lists)


def _patterns(items: list[Any], method_ids: set[str], source: str) -> tuple[RedFlagPattern, ...]:
    out: list[RedFlagPattern] = []
    for p in items:
        pid = str(p.get("id", ""))
        unknown = [m for m in p.get("methods", ()) if m not in method_ids]
        if unknown:
            raise KnowledgeBaseError(f"{source}：红旗规则 {pid} 引用了不存在的手法 {', '.join(unknown)}")
        for rx in p.get("patterns", ()):
            try:
                re.compile(rx)
            except re.error as exc:
                raise KnowledgeBaseError(f"{source}：红旗规则 {pid} 的正则 {rx!r} 无效（{exc}）") from None
        out.append(
            RedFlagPattern(
                id=pid,
                name=str(p.get("name", pid)),
                rule=str(p.get("rule", "")),
                source=str(p.get("source", "")),
                weight=float(p.get("weight", 0.5)),
                methods=tuple(p.get("methods", ())),
                patterns=tuple(p.get("patterns", ())),
            )
        )
    return tuple(out)


def shipped_document() -> dict[str, Any]:
    """The shipped knowledge base as a decoded JSON document."""
    text = resources.files("qiandai.texts").joinpath("data/methods.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def user_book_path(home: Path) -> Path:
    return home / "texts" / "methods.json"


def load_book(home: Path | None = None) -> MethodBook:
    """The user's edited book in ``home`` if there is one, else the shipped book."""
    if home is not None and user_book_path(home).exists():
        path = user_book_path(home)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KnowledgeBaseError(f"诈骗手法知识库 {path} 无法读取：{exc}") from None
        return parse_book(data, source=str(path))
    return parse_book(shipped_document(), source="内置诈骗手法知识库")


def import_book(file: Path, home: Path, *, author: str, note: str) -> MethodBook:
    """Validate ``file`` (an edited export), store it as the next version in ``home`` and return it."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"文件 {file} 不是有效的 JSON：{exc}") from None
    parse_book(data, source=str(file))  # validate before anything is written
    current = load_book(home)
    data["version"] = current.version + 1
    data["updated"] = date.today().isoformat()
    log = list(current.changelog)
    log.append({"version": data["version"], "date": data["updated"], "author": author, "note": note})
    data["changelog"] = log
    path = user_book_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return parse_book(data, source=str(path))
