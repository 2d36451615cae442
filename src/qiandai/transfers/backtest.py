"""Back-tests: run a scenario version over stored history and report what it would have done.

Each stored decision keeps the feature vector computed at that moment (point-in-time correct by
construction), so a back-test re-runs only the rules: per-rule hits, the decision mix, how many
decisions differ from those taken, and — where labels exist (``tx_label``) — precision and recall of
"money stopped" (延迟到账 or 拦截), per rule and overall, and the fraud money it would have stopped.
:func:`shadow_report` compares live decisions with the shadow version's would-be decisions stored
beside them, on the same labels (imported with :mod:`qiandai.transfers.labels`). A rule reading a feature
that older decisions did not store sees it as unknown; use ``qiandai transfers replay`` to recompute.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from qiandai.transfers import repository
from qiandai.transfers.model import Decision
from qiandai.transfers.scenario import ScenarioProgram, ScenarioVersion


@dataclass
class BacktestReport:
    scenario: str
    transfers: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    rule_hits: Counter[str] = field(default_factory=Counter)
    rule_fraud_hits: Counter[str] = field(default_factory=Counter)
    rule_labelled_hits: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    labelled: int = 0
    fraud: int = 0
    flagged: int = 0
    flagged_fraud: int = 0
    fraud_amount: float = 0.0
    stopped_fraud_amount: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        precision = self.flagged_fraud / self.flagged if self.flagged else None
        recall = self.flagged_fraud / self.fraud if self.fraud else None
        return {
            "scenario": self.scenario,
            "transfers": self.transfers,
            "decisions": dict(self.decisions),
            "changed_vs_live": self.changed,
            "rules": {
                rule: {
                    "hits": hits,
                    "labelled_hits": self.rule_labelled_hits.get(rule, 0),
                    "fraud_hits": self.rule_fraud_hits.get(rule, 0),
                    "precision": _ratio(
                        self.rule_fraud_hits.get(rule, 0), self.rule_labelled_hits.get(rule, 0)
                    ),
                    "recall": _ratio(self.rule_fraud_hits.get(rule, 0), self.fraud),
                }
                for rule, hits in sorted(self.rule_hits.items())
            },
            "labelled": self.labelled,
            "precision": None if precision is None else round(precision, 4),
            "recall": None if recall is None else round(recall, 4),
            "fraud_amount": round(self.fraud_amount, 2),
            "stopped_fraud_amount": round(self.stopped_fraud_amount, 2),
        }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def backtest(
    version: ScenarioVersion,
    history: Iterable[tuple[str, float, str, dict[str, Any]]],
    labels: dict[str, tuple[bool, str]],
) -> BacktestReport:
    """Run ``version`` over ``(transfer_id, amount, decision taken, features)`` rows."""
    program = ScenarioProgram.compile(version)
    report = BacktestReport(version.label)
    for transfer_id, amount, taken, features in history:
        outcome = program.run(features)
        decision = outcome.decision
        if features.get("_held") or features.get("_page_block"):
            decision = Decision.BLOCK
        elif features.get("_confirm") and decision.rank < Decision.VERIFY.rank:
            decision = Decision.VERIFY  # the payment page still asks for a second confirmation
        report.transfers += 1
        report.decisions[decision.value] += 1
        report.changed += decision.value != taken
        label = labels.get(transfer_id)
        is_fraud = bool(label and label[0])
        for hit in outcome.hits:
            report.rule_hits[hit.rule_id] += 1
            if label is not None:
                report.rule_labelled_hits[hit.rule_id] += 1
                report.rule_fraud_hits[hit.rule_id] += is_fraud
        if label is None:
            continue
        report.labelled += 1
        stopped = decision.stops_money
        report.flagged += stopped
        if is_fraud:
            report.fraud += 1
            report.fraud_amount += amount
            if stopped:
                report.flagged_fraud += 1
                report.stopped_fraud_amount += amount
    return report


def backtest_stored(
    session: Session, version: ScenarioVersion, start: datetime | None = None, end: datetime | None = None
) -> BacktestReport:
    """Back-test ``version`` over the decisions stored in ``[start, end)``."""
    return backtest(version, repository.decisions_between(session, start, end), repository.labels(session))


@dataclass
class _Side:
    """Decision counts and labelled outcome of one side (live or shadow) of a shadow report."""

    decisions: Counter[str] = field(default_factory=Counter)
    flagged: int = 0
    flagged_fraud: int = 0
    stopped_fraud_amount: float = 0.0

    def as_dict(self, fraud: int) -> dict[str, Any]:
        return {
            "decisions": dict(self.decisions),
            "precision": _ratio(self.flagged_fraud, self.flagged),
            "recall": _ratio(self.flagged_fraud, fraud),
            "stopped_fraud_amount": round(self.stopped_fraud_amount, 2),
        }


def shadow_report(
    session: Session, start: datetime | None = None, end: datetime | None = None
) -> dict[str, Any]:
    """Live decisions against the shadow version's would-be decisions stored beside them, per shadow
    version: agreement, decision mix and — on labelled transfers — precision and recall of each side."""
    labels = repository.labels(session)
    by_version: dict[str, dict[str, Any]] = {}
    for transfer_id, amount, live, shadow in repository.shadowed_decisions(session, start, end):
        entry = by_version.setdefault(
            str(shadow.get("scenario", "")),
            {"live": _Side(), "shadow": _Side(), "transfers": 0, "changed": 0, "labelled": 0, "fraud": 0},
        )
        entry["transfers"] += 1
        entry["changed"] += shadow.get("decision") != live
        label = labels.get(transfer_id)
        for side, decision in (("live", live), ("shadow", str(shadow.get("decision", "")))):
            entry[side].decisions[decision] += 1
            if label is not None and decision in STOPPED:
                entry[side].flagged += 1
                if label[0]:
                    entry[side].flagged_fraud += 1
                    entry[side].stopped_fraud_amount += amount
        if label is not None:
            entry["labelled"] += 1
            entry["fraud"] += bool(label[0])
    return {
        "versions": [
            {
                "shadow_scenario": name,
                "transfers": e["transfers"],
                "changed": e["changed"],
                "labelled": e["labelled"],
                "fraud": e["fraud"],
                "live": e["live"].as_dict(e["fraud"]),
                "shadow": e["shadow"].as_dict(e["fraud"]),
            }
            for name, e in sorted(by_version.items())
        ]
    }


STOPPED = (Decision.DELAY.value, Decision.BLOCK.value)
