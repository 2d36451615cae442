"""Knowledge-base browser (知识库): search a drug or item by name or national code and see every
knowledge point about it and the audit rules of the published rule set that apply those points.

The knowledge base is one DuckDB file; it is opened per search under a process lock and closed at
once, so command-line loads (``qiandai kb load``) are not locked out for long.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from fastapi import Depends, Query, Request, Response

from qiandai import settings
from qiandai.claims.rulesets import DEFAULT_RULE_SET, claims_rule_store
from qiandai.knowledge import KnowledgeBase
from qiandai.knowledge.rule_tables import TABLES
from qiandai.rules.model import RuleDefinition
from qiandai.web.deps import SUPERVISION_ALL, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/yb/kb", [Depends(require(*SUPERVISION_ALL))])
kb_lock = threading.Lock()
"""Serialises use of the knowledge-base file within this process (searches and audits)."""
MAX_POINTS = 200


def search(text: str) -> list[dict[str, Any]]:
    with kb_lock, KnowledgeBase.open(settings.knowledge_base_path()) as kb:
        return kb.search(text).slice(0, MAX_POINTS).to_pylist()


def published_rules() -> list[RuleDefinition]:
    return list(claims_rule_store(settings.rulesets_path()).get(DEFAULT_RULE_SET).rules)


def rules_by_class(rules: Sequence[RuleDefinition]) -> dict[str, list[RuleDefinition]]:
    """Knowledge rule class → the rules whose typed knowledge table reads points of that class."""
    out: dict[str, list[RuleDefinition]] = {}
    for rule in rules:
        spec = TABLES.get(rule.knowledge or "")
        for rule_class in spec.rule_classes if spec else ():
            out.setdefault(rule_class, []).append(rule)
    return out


def _table(points: list[dict[str, Any]], mapping: dict[str, list[RuleDefinition]]) -> Table:
    rows = [
        [
            p["kp_id"],
            p["rule_class"],
            p["item_name"],
            "、".join(p["codes"] or []),
            p["constraint_text"] or "",
            p["batch_tag"],
            "有效" if p["active"] else "已被替代",
            "、".join(f"{r.code} {r.name}" for r in mapping.get(p["rule_class"], [])),
        ]
        for p in points
    ]
    headers = ["知识点编号", "规则类别", "名称", "国家编码", "限定内容", "批次", "状态", "适用审核规则"]
    return Table("知识点", headers, rows)


@router.get("")
def browse(request: Request, q: str = Query("", max_length=100)) -> Response:
    points = search(q) if q.strip() else []
    mapping = rules_by_class(published_rules()) if points else {}
    ctx = {"q": q, "points": points, "mapping": mapping, "limit": MAX_POINTS}
    return render(request, "yb/kb.html", ctx)


@router.get(".xlsx")
def export(q: str = Query("", min_length=1, max_length=100)) -> Response:
    points = search(q)
    return xlsx_response(_table(points, rules_by_class(published_rules())), f"知识点-{q}.xlsx")
