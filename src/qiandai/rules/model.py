"""The rule model shared by the batch and real-time engines.

A *rule set* (e.g. ``claims-default``) has numbered *versions*; a version is a draft until it is
published, and immutable afterwards. Each version holds *rules*: a stable ``rule_id``, the official
code and name it implements, the *template* (operator) that compiles it, the knowledge table it joins
against, its parameters, and its result type / scene / stage.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qiandai.domain.enums import ResultType, Scene, Stage


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class RuleDefinition(BaseModel):
    """One rule of a rule-set version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="stable identifier within the rule set")
    code: str = Field(min_length=1, description="official code (GZ…/ZB…), CAT2025-NNN or QD-NNNN")
    name: str = Field(min_length=1, description="official rule name in Chinese")
    template: str = Field(description="name of the operator in the engine's registry that compiles it")
    knowledge: str | None = Field(default=None, description="knowledge-base typed table the rule joins")
    params: dict[str, Any] = Field(default_factory=dict)
    result_type: ResultType
    scene: Scene = Scene.ALL
    stage: Stage = Stage.AFTER
    enabled: bool = True
    description: str = ""

    def param(self, name: str, default: Any = None) -> Any:
        """Return parameter ``name`` or ``default`` when the rule does not set it."""
        return self.params.get(name, default)


class RuleSetVersion(BaseModel):
    """A numbered version of a rule set. Published versions never change."""

    model_config = ConfigDict(extra="forbid")

    rule_set: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    status: VersionStatus = VersionStatus.DRAFT
    created_at: datetime
    published_at: datetime | None = None
    based_on: int | None = None
    note: str = ""
    rules: list[RuleDefinition]

    @field_validator("rules")
    @classmethod
    def _unique_rule_ids(cls, rules: list[RuleDefinition]) -> list[RuleDefinition]:
        seen: set[str] = set()
        for rule in rules:
            if rule.rule_id in seen:
                raise ValueError(f"规则标识重复：{rule.rule_id}")
            seen.add(rule.rule_id)
        return rules

    def rule(self, rule_id: str) -> RuleDefinition:
        """Return the rule with ``rule_id`` (KeyError when absent)."""
        for rule in self.rules:
            if rule.rule_id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def label(self) -> str:
        return f"{self.rule_set}@v{self.version}"
