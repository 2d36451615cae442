"""Shipped default rule sets for the claims engine (package data) and the store that versions them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from qiandai.rules.model import RuleSetVersion
from qiandai.rules.store import RuleSetStore

DEFAULT_RULE_SET = "claims-default"


def shipped_rule_sets() -> dict[str, RuleSetVersion]:
    """The rule sets shipped with the package, each as its version 1."""
    result = {}
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".json"):
            version = RuleSetVersion.model_validate_json(entry.read_text(encoding="utf-8"))
            result[version.rule_set] = version
    return result


def claims_rule_store(root: Path) -> RuleSetStore:
    """The rule-set store under ``root`` with the shipped claims rule sets as defaults."""
    return RuleSetStore(root, defaults=shipped_rule_sets())
