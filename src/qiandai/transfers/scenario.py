"""Scenarios as versioned data: scenario → numbered version (draft/published) → rules with scores.

A rule carries a stable ``rule_id``, an expression tree (``qiandai.rules.expr``) over the features of
:data:`~qiandai.transfers.features.CATALOG`, a score modifier, a Chinese reason, the fraud type it
describes and whether a hit marks the payer as a likely victim (a 预警劝阻 candidate). The version holds
the thresholds (score at or above → 提示核实 / 延迟到账 / 拦截) and the cooling-off minutes for app
channels. :class:`ScenarioProgram` is the compiled, immutable form the engine runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qiandai.rules.expr import compile_expr
from qiandai.rules.model import VersionStatus
from qiandai.transfers.features import CATALOG
from qiandai.transfers.model import Decision, RuleHit

DEFAULT_SCENARIO = "transfer-default"


class ScenarioRule(BaseModel):
    """One rule of a scenario version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    expr: dict[str, Any]
    score: int = Field(ge=-1000, le=1000)
    reason: str = Field(min_length=1, description="shown to staff and customers, Chinese")
    fraud_type: str = ""
    victim: bool = False
    question: str = ""
    enabled: bool = True


class Thresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    verify: int = 30
    delay: int = 60
    block: int = 90

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if not self.verify <= self.delay <= self.block:
            raise ValueError("阈值应满足：提示核实 ≤ 延迟到账 ≤ 拦截")
        return self


class ScenarioVersion(BaseModel):
    """A numbered version of a scenario; published versions never change."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    status: VersionStatus = VersionStatus.DRAFT
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    published_at: datetime | None = None
    based_on: int | None = None
    note: str = ""
    thresholds: Thresholds = Thresholds()
    cooling_off_minutes: dict[str, int] = Field(default_factory=lambda: {"提示核实": 5, "延迟到账": 1440})
    rules: list[ScenarioRule]

    @field_validator("rules")
    @classmethod
    def _valid_rules(cls, rules: list[ScenarioRule]) -> list[ScenarioRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.rule_id in seen:
                raise ValueError(f"规则标识重复：{rule.rule_id}")
            seen.add(rule.rule_id)
            compile_expr(rule.expr, CATALOG)  # refuses unknown operators and features now
        return rules

    @property
    def label(self) -> str:
        return f"{self.scenario}@v{self.version}"


@dataclass(frozen=True)
class Evaluation:
    """The outcome of running a program on one feature vector."""

    decision: Decision
    score: int
    hits: list[RuleHit]


@dataclass(frozen=True)
class ScenarioProgram:
    """A compiled version: a tuple of (predicate, hit) pairs and the thresholds."""

    version: ScenarioVersion
    rules: tuple[tuple[Callable[[Mapping[str, Any]], Any], RuleHit], ...]

    @classmethod
    def compile(cls, version: ScenarioVersion) -> ScenarioProgram:
        compiled = tuple(
            (
                compile_expr(r.expr, CATALOG),
                RuleHit(r.rule_id, r.name, r.score, r.reason, r.fraud_type, r.victim),
            )
            for r in version.rules
            if r.enabled
        )
        return cls(version, compiled)

    @property
    def label(self) -> str:
        return self.version.label

    def run(self, features: Mapping[str, Any]) -> Evaluation:
        """Score = sum of the hit rules' modifiers; the decision is the highest threshold reached."""
        hits = [hit for predicate, hit in self.rules if predicate(features)]
        score = sum(h.score for h in hits)
        return Evaluation(self.decide(score), score, hits)

    def decide(self, score: int) -> Decision:
        t = self.version.thresholds
        if score >= t.block:
            return Decision.BLOCK
        if score >= t.delay:
            return Decision.DELAY
        if score >= t.verify:
            return Decision.VERIFY
        return Decision.ALLOW

    def cooling_off(self, decision: Decision) -> int:
        return self.version.cooling_off_minutes.get(decision.value, 0)


def default_version() -> ScenarioVersion:
    """Version 1 of ``transfer-default``, shipped as package data (published)."""
    text = resources.files("qiandai.transfers").joinpath("scenarios/transfer-default.json").read_text("utf-8")
    data = json.loads(text)
    return ScenarioVersion.model_validate(data)
