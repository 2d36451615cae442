"""Police holds on accounts (Art. 20): 紧急止付 and 快速冻结 — their rules and their in-memory index.

* 紧急止付 (stop-payment) lasts 48 h and may be renewed at most twice (48 h each, from the current end).
* 快速冻结 (freeze) lasts 6 months (183 days) and may be renewed (6 months each).
* 解冻 / 解除止付 ends a hold; 资金返还 records money returned to the victim and ends it.

The database is the record (written and committed before an instruction is acknowledged);
:class:`HoldIndex` is the copy the decision engine consults on every transfer. It checks the end time
itself, so a hold stops counting the moment it expires even before the expiry job logs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class HoldKind(StrEnum):
    STOP_PAYMENT = "stop_payment"
    FREEZE = "freeze"

    @property
    def label(self) -> str:
        return "紧急止付" if self is HoldKind.STOP_PAYMENT else "快速冻结"

    @property
    def duration(self) -> timedelta:
        return timedelta(hours=48) if self is HoldKind.STOP_PAYMENT else timedelta(days=183)

    @property
    def max_renewals(self) -> int | None:
        return 2 if self is HoldKind.STOP_PAYMENT else None


class HoldStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    RETURNED = "returned"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {"active": "生效中", "released": "已解除", "returned": "已返还", "expired": "已到期"}[
            self.value
        ]


class InstructionType(StrEnum):
    """What a police instruction asks for."""

    STOP_PAYMENT = "stop_payment"  # 紧急止付
    FREEZE = "freeze"  # 快速冻结
    RENEW = "renew"  # 续止付 / 续冻
    RELEASE = "release"  # 解冻 / 解除止付
    RETURN = "return"  # 资金返还

    @property
    def label(self) -> str:
        return {
            "stop_payment": "紧急止付",
            "freeze": "快速冻结",
            "renew": "续期",
            "release": "解冻/解除止付",
            "return": "资金返还",
        }[self.value]


@dataclass(frozen=True, slots=True)
class ActiveHold:
    """What the engine needs to honour a hold."""

    hold_id: str
    kind: HoldKind
    account: str
    amount: Decimal | None
    document_ref: str
    issuing_unit: str
    ends_at: float  # epoch seconds

    def describe(self) -> str:
        scope = "全部资金" if self.amount is None else f"{self.amount} 元"
        return f"账户已被{self.issuing_unit}{self.kind.label}（{scope}，文书 {self.document_ref}）"


class HoldIndex:
    """Active holds by account; thread-safe replacement of one hold at a time."""

    def __init__(self) -> None:
        self._by_account: dict[str, dict[str, ActiveHold]] = {}
        self._lock = threading.Lock()

    def put(self, hold: ActiveHold) -> None:
        with self._lock:
            self._by_account.setdefault(hold.account, {})[hold.hold_id] = hold

    def drop(self, account: str, hold_id: str) -> None:
        with self._lock:
            holds = self._by_account.get(account)
            if holds is not None:
                holds.pop(hold_id, None)
                if not holds:
                    del self._by_account[account]

    def active(self, account: str, at: float) -> list[ActiveHold]:
        """Holds on ``account`` in force at ``at`` (epoch seconds)."""
        holds = self._by_account.get(account)
        if not holds:
            return []
        return [h for h in list(holds.values()) if h.ends_at > at]

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_account.values())


def blocks(hold: ActiveHold, amount: float, balance: Decimal | None) -> bool:
    """Whether ``hold`` stops a payment of ``amount`` from its account.

    A hold on the whole account stops every payment; a hold on a sum stops a payment that would take
    the balance below it (or any payment when the balance is unknown).
    """
    if hold.amount is None or balance is None:
        return True
    return balance - Decimal(str(amount)) < hold.amount


def end_after_renewal(kind: HoldKind, current_end: datetime, renewals: int) -> datetime:
    """The new end of a renewed hold; refuses a third renewal of a stop-payment."""
    from qiandai.domain.errors import ConflictError

    limit = kind.max_renewals
    if limit is not None and renewals >= limit:
        raise ConflictError(f"{kind.label}最多续期 {limit} 次，本止付已续期 {renewals} 次；请依法办理冻结")
    return current_end + kind.duration
