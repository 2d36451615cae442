"""A second process's list entries and holds reach a running runtime through the background refresh
(CLI commands, the 断卡 screening and other workers write to the database, not to this process)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from test_holds import instruction
from tx_helpers import T0, tx

from qiandai.transfers.lists import ListKind
from qiandai.transfers.runtime import TransferRuntime


def test_lists_and_holds_written_elsewhere_are_picked_up(factory: sessionmaker[Session]) -> None:
    serving, other = TransferRuntime(factory), TransferRuntime(factory)
    try:
        assert serving.refresh_from_database() is False  # nothing changed since start-up
        payee = "6228480400002222"
        other.add_to_list(ListKind.RISK_ACCOUNT, [payee], source="断卡筛查")
        assert not serving.engine.lists.risk_account(payee)
        assert serving.refresh_from_database() is True
        assert serving.engine.lists.risk_account(payee)
        assert serving.refresh_from_database() is False  # unchanged: no reload

        assert serving.decide(tx(amount="10"), now=T0)["decision"] != "拦截"
        other.apply_hold(instruction("X-1"), now=T0)
        assert serving.refresh_from_database() is True
        assert serving.decide(tx(amount="10"), now=T0)["decision"] == "拦截"

        other.remove_from_list(ListKind.RISK_ACCOUNT, [payee])
        serving.refresh_from_database()
        assert not serving.engine.lists.risk_account(payee)
    finally:
        serving.close()
        other.close()
