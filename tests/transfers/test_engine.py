"""The decision engine on the typologies of the default scenario, and its state contract."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tx_helpers import T0, tx

from qiandai.transfers.engine import DecisionEngine
from qiandai.transfers.guidance import THREE_TWO_ONE
from qiandai.transfers.holds import ActiveHold, HoldKind
from qiandai.transfers.lists import ListKind
from qiandai.transfers.model import Decision
from qiandai.transfers.scenario import ScenarioProgram, default_version


@pytest.fixture
def engine() -> DecisionEngine:
    return DecisionEngine(ScenarioProgram.compile(default_version()))


def history(engine: DecisionEngine, payee: str = "6228480400002222", n: int = 5) -> None:
    """A few ordinary payments to a known payee in the days before T0."""
    for i in range(n):
        engine.decide(tx(minutes=-1440 * (i + 1), payee_account=payee, amount="300"))


def test_ordinary_payment_to_known_payee_is_allowed(engine: DecisionEngine) -> None:
    history(engine)
    result = engine.decide(tx(amount="350"))
    assert result.decision is Decision.ALLOW
    assert result.reasons == [] and result.warning_text == "" and result.cooling_off_minutes == 0


def test_elderly_large_sum_to_new_payee_while_on_call_is_stopped(engine: DecisionEngine) -> None:
    history(engine)
    result = engine.decide(
        tx(
            payer_age=72,
            amount="80000",
            payee_account="6217000099998888",
            on_call=True,
            payer_balance="90000",
        )
    )
    assert result.decision is Decision.BLOCK
    assert result.likely_victim
    assert any("60 岁以上" in r for r in result.reasons)
    assert result.fraud_type == "冒充公检法"
    assert "公检法" in result.warning_text and result.cooling_off_minutes == 0


def test_order_brushing_small_payments_then_large_to_new_payee(engine: DecisionEngine) -> None:
    history(engine)
    for i in range(4):
        engine.decide(tx(minutes=10 * i, payee_account=f"62155500000{i:05d}", amount="200"))
    result = engine.decide(tx(minutes=60, payee_account="6215550000099999", amount="6000", payer_age=28))
    assert "order_brushing" in {h.rule_id for h in result.hits}
    assert result.decision.stops_money
    assert result.fraud_type == "刷单返利"
    expected = 1440 if result.decision is Decision.DELAY else 0  # a blocked transfer has nothing to wait for
    assert result.cooling_off_minutes == expected


def test_emptying_savings_to_a_safe_account(engine: DecisionEngine) -> None:
    history(engine)
    result = engine.decide(tx(amount="48000", payer_balance="50000", payee_account="6217000011112222"))
    assert {"drain_savings", "drain_to_new_payee"} <= {h.rule_id for h in result.hits}
    assert result.decision.stops_money


def test_counter_gets_questions_and_app_gets_warning(engine: DecisionEngine) -> None:
    history(engine)
    counter = engine.decide(
        tx(channel="counter", payer_age=70, amount="30000", payee_account="6217000033334444")
    )
    assert counter.decision is not Decision.ALLOW
    assert counter.questions[: len(THREE_TWO_ONE)] == list(THREE_TWO_ONE)
    assert counter.warning_text == "" and counter.cooling_off_minutes == 0


def test_fan_in_to_one_payee_from_many_payers(engine: DecisionEngine) -> None:
    results = [
        engine.decide(tx(minutes=i, payer_account=f"62220202000{i:05d}", payee_account="6217999900001111"))
        for i in range(6)
    ]
    assert results[0].decision is Decision.ALLOW
    assert results[-1].features["payee_distinct_payers_24h"] == 5
    assert "fan_in_payee" in {h.rule_id for h in results[-1].hits}


def test_same_transfer_id_is_decided_once(engine: DecisionEngine) -> None:
    first = engine.decide(tx(transfer_id="dup-1", amount="100"))
    again = engine.decide(tx(transfer_id="dup-1", amount="100"))
    assert again.duplicate and again.decision == first.decision and again.score == first.score
    nxt = engine.decide(tx(minutes=1, amount="100"))
    assert nxt.features["payer_out_count_10m"] == 1  # counted once


def test_features_come_only_from_earlier_events(engine: DecisionEngine) -> None:
    engine.decide(tx(minutes=30, amount="100"))
    earlier = engine.decide(tx(minutes=10, amount="100"))  # arrives late, happened before
    assert earlier.features["payer_out_count_1h"] == 0
    later = engine.decide(tx(minutes=39, amount="100"))
    assert later.features["payer_out_count_1h"] == 2
    assert later.features["payer_out_count_10m"] == 1


def test_lists_and_allow_list(engine: DecisionEngine) -> None:
    engine.lists.add(ListKind.CASE_ACCOUNT, ["6217000055556666"])
    engine.lists.add(ListKind.ALLOW, ["6217000077778888"])
    assert engine.decide(tx(payee_account="6217000055556666")).decision is Decision.BLOCK
    ok = engine.decide(tx(minutes=1, payee_account="6217000077778888", amount="20000"))
    assert ok.decision is Decision.ALLOW


def test_holds_are_honoured_until_they_end(engine: DecisionEngine) -> None:
    end = (T0.timestamp()) + 3600
    hold = ActiveHold(
        "h1", HoldKind.STOP_PAYMENT, "6222020200001111", None, "杭公止〔2025〕1号", "杭州市反诈中心", end
    )
    engine.holds.put(hold)
    blocked = engine.decide(tx(amount="10"))
    assert blocked.decision is Decision.BLOCK and "紧急止付" in blocked.reasons[0]
    assert engine.decide(tx(minutes=61, amount="10")).decision is Decision.ALLOW
    partial = ActiveHold("h2", HoldKind.FREEZE, "6222020200003333", Decimal("1000"), "文书2", "派出所", end)
    engine.holds.put(partial)
    rich = engine.decide(tx(minutes=1, payer_account="6222020200003333", amount="10", payer_balance="5000"))
    assert rich.decision is Decision.ALLOW  # balance stays above the frozen sum
    poor = engine.decide(tx(minutes=2, payer_account="6222020200003333", amount="4500", payer_balance="5000"))
    assert poor.decision is Decision.BLOCK


def test_shadow_version_is_recorded_not_acted_on(engine: DecisionEngine) -> None:
    strict = default_version().model_copy(update={"version": 2})
    strict = strict.model_copy(
        update={"thresholds": strict.thresholds.model_copy(update={"verify": 0, "delay": 0, "block": 0})}
    )
    engine.set_programs(engine.program, ScenarioProgram.compile(strict))
    result = engine.decide(tx(amount="10"))
    assert result.decision is Decision.ALLOW
    assert result.shadow is not None and result.shadow["decision"] == "拦截"
