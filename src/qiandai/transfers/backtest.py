"""Back-tests: run a scenario version over stored history and report what it would have done.

Each stored decision keeps the feature vector computed at that moment (point-in-time correct by
construction), so a back-test re-runs only the rules: per-rule hits, the decision mix, how many
decisions differ from those taken, and — where labels exist (``tx_label``) — precision and recall of
"money stopped" (延迟到账 or 拦截) and the fraud money it would have stopped. A rule reading a feature
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
                    "fraud_hits": self.rule_fraud_hits.get(rule, 0),
                    "precision": round(self.rule_fraud_hits.get(rule, 0) / hits, 4)
                    if self.labelled
                    else None,
                }
                for rule, hits in sorted(self.rule_hits.items())
            },
            "labelled": self.labelled,
            "precision": None if precision is None else round(precision, 4),
            "recall": None if recall is None else round(recall, 4),
            "fraud_amount": round(self.fraud_amount, 2),
            "stopped_fraud_amount": round(self.stopped_fraud_amount, 2),
        }


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
        decision = Decision.BLOCK if features.get("_held") else outcome.decision
        report.transfers += 1
        report.decisions[decision.value] += 1
        report.changed += decision.value != taken
        label = labels.get(transfer_id)
        is_fraud = bool(label and label[0])
        for hit in outcome.hits:
            report.rule_hits[hit.rule_id] += 1
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
