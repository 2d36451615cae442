"""The decision engine: one class for live decisions, replays and benchmarks (in-process, no I/O).

``decide(transfer)`` computes the feature vector from the state as it stands *before* the transfer,
honours police holds, runs the live scenario program (and the shadow program, if any, whose would-be
decision is attached but never acted on), composes the answer, then records the transfer into the state.
The same ``transfer_id`` twice returns the first decision (``duplicate=True``) and counts once.
Thread-safe: one lock around evaluate-and-record keeps velocity counts exact within a process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from qiandai.transfers.features import build_features
from qiandai.transfers.guidance import guidance, main_fraud_type
from qiandai.transfers.holds import HoldIndex, blocks
from qiandai.transfers.lists import ListIndex
from qiandai.transfers.model import Channel, Decision, DecisionResult, Transfer
from qiandai.transfers.payment_check import PageCheck
from qiandai.transfers.scenario import ScenarioProgram
from qiandai.transfers.state import Event, MemoryState

#: ``(transfer, decision time, new device?) -> PageCheck`` for transfers carrying a payment order.
PageChecker = Callable[[Transfer, datetime, bool], PageCheck | None]
SECOND_CONFIRMATION = "支付页面存在风险，须付款人二次确认后方可支付"
IDEMPOTENCY_WINDOW = 200_000


class DecisionEngine:
    """Decides transfers against a scenario program with embedded state, lists and holds."""

    def __init__(
        self,
        program: ScenarioProgram,
        *,
        state: MemoryState | None = None,
        lists: ListIndex | None = None,
        holds: HoldIndex | None = None,
        shadow: ScenarioProgram | None = None,
        page_checker: PageChecker | None = None,
    ) -> None:
        self.program = program
        self.shadow = shadow
        self.state = state or MemoryState()
        self.lists = lists or ListIndex()
        self.holds = holds or HoldIndex()
        self.page_checker = page_checker
        self._questions = _questions(program)
        self._seen: OrderedDict[str, DecisionResult] = OrderedDict()
        self._lock = threading.Lock()

    def set_programs(self, program: ScenarioProgram, shadow: ScenarioProgram | None) -> None:
        """Switch the live (and shadow) version; takes effect from the next transfer."""
        with self._lock:
            self.program, self.shadow = program, shadow
            self._questions = _questions(program)

    def decide(self, transfer: Transfer, now: datetime | None = None) -> DecisionResult:
        """Decide and record ``transfer``; ``now`` is the decision time (default: the transfer's time)."""
        with self._lock:
            seen = self._seen.get(transfer.transfer_id)
            if seen is not None:
                return replace(seen, duplicate=True)
            result, event = self.evaluate(transfer, now)
            self.commit(result, event)
            return result

    def evaluate(self, transfer: Transfer, now: datetime | None = None) -> tuple[DecisionResult, Event]:
        """Decide without recording (callers holding the lock pair it with :meth:`commit`)."""
        t = transfer.occurred_at.timestamp()
        state_x = self.state.features(
            t, transfer.payer_account, transfer.payee_account, transfer.device_id, transfer.ip
        )
        return self.evaluate_features(transfer, state_x, now)

    def evaluate_features(
        self,
        transfer: Transfer,
        state_x: dict[str, Any],
        now: datetime | None = None,
        holds: HoldIndex | None = None,
    ) -> tuple[DecisionResult, Event]:
        """Decide from given state features and holds (the shared PostgreSQL state reads both in SQL)."""
        decided_at = now or transfer.occurred_at
        at = decided_at.timestamp()
        page = None
        if transfer.payment_order is not None and self.page_checker is not None:
            page = self.page_checker(transfer, decided_at, bool(state_x.get("new_device")))
        x = build_features(transfer, state_x, self.lists, page.risk if page else None)
        outcome = self.program.run(x)
        decision, score, hits = outcome.decision, outcome.score, outcome.hits
        reasons = [h.reason for h in hits if h.score > 0]
        confirm = False
        if page is not None and page.block:
            x["_page_block"] = True  # back-tests honour it as the live engine did
            decision = Decision.BLOCK
            reasons = [*page.block, *reasons]
        elif (
            page is not None
            and page.confirm
            and transfer.payment_order is not None
            and not transfer.payment_order.second_confirmation_passed
        ):
            confirm = True
            x["_confirm"] = True
            if decision.rank < Decision.VERIFY.rank:
                decision = Decision.VERIFY
            reasons = [*reasons, SECOND_CONFIRMATION, *page.confirm]
        # ``is not None``: an empty index read from the shared state (no active hold in the database)
        # must not fall back to this worker's memory, which may still hold one released elsewhere
        held = self._holds(transfer, at, holds if holds is not None else self.holds)
        if held:
            x["_held"] = True  # back-tests honour the hold as the live engine did
            decision = Decision.BLOCK
            reasons = [*held, *reasons]
        questions, text = guidance(transfer.channel, decision, hits, self._questions)
        app = transfer.channel is not Channel.COUNTER
        victim = decision.stops_money and any(h.victim for h in hits)
        result = DecisionResult(
            transfer_id=transfer.transfer_id,
            decision=decision,
            score=score,
            reasons=reasons,
            hits=hits,
            scenario=self.program.label,
            decided_at=decided_at.astimezone(UTC),
            questions=questions,
            warning_text=text,
            cooling_off_minutes=self.program.cooling_off(decision) if app else 0,
            holds=held,
            likely_victim=victim,
            fraud_type=main_fraud_type(hits),
            features=x,
            second_confirmation_required=confirm and decision is not Decision.BLOCK,
            payment_check=page.reasons if page else [],
        )
        if self.shadow is not None:
            shadow = self.shadow.run(x)
            result.shadow = {
                "scenario": self.shadow.label,
                "decision": shadow.decision.value,
                "score": shadow.score,
                "rules": [h.rule_id for h in shadow.hits],
            }
        passed = decision in (Decision.ALLOW, Decision.VERIFY)
        event = Event(
            ts=transfer.occurred_at.timestamp(),
            payer=transfer.payer_account,
            payee=transfer.payee_account,
            amount=transfer.amount_cny,
            device=transfer.device_id,
            ip=transfer.ip,
            passed=passed,
            new_payee=bool(x["first_time_payee"]),
        )
        return result, event

    def commit(self, result: DecisionResult, event: Event | None) -> None:
        """Record a decided transfer into the state and the idempotency window."""
        if event is not None:
            self.state.record(event)
        self._seen[result.transfer_id] = result
        if len(self._seen) > IDEMPOTENCY_WINDOW:
            self._seen.popitem(last=False)

    def remembered(self, transfer_id: str) -> DecisionResult | None:
        return self._seen.get(transfer_id)

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    @staticmethod
    def _holds(transfer: Transfer, at: float, index: HoldIndex) -> list[str]:
        found = [
            h.describe()
            for h in index.active(transfer.payer_account, at)
            if blocks(h, transfer.amount_cny, transfer.payer_balance)
        ]
        found += ["收款" + h.describe() for h in index.active(transfer.payee_account, at)]
        return found


def _questions(program: ScenarioProgram) -> dict[str, str]:
    return {r.rule_id: r.question for r in program.version.rules if r.question}
