"""Risk lists in memory: 涉案账户, 涉诈电话, 惩戒名单, and allow-lists (whole payee or payer→payee pair).

The database (``tx_list_entry``) is the record; :class:`ListIndex` is a set-per-kind copy loaded at
start-up and updated with every change made through the service, so a lookup is a set membership test.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class ListKind(StrEnum):
    CASE_ACCOUNT = "case_account"  # 涉案账户
    FRAUD_PHONE = "fraud_phone"  # 涉诈电话
    PUNISHED = "punished"  # 惩戒名单（账户）
    ALLOW = "allow"  # 白名单：收款账户，或「付款账号>收款账号」
    RISK_ACCOUNT = "risk_account"  # 断卡筛查发布的高风险账户（疑似“两卡”/跑分账户）

    @property
    def label(self) -> str:
        return {
            "case_account": "涉案账户",
            "fraud_phone": "涉诈电话",
            "punished": "惩戒名单",
            "allow": "白名单",
            "risk_account": "高风险账户（断卡筛查）",
        }[self.value]


class ListIndex:
    """Set-backed membership tests for every list kind."""

    def __init__(self) -> None:
        self._sets: dict[ListKind, set[str]] = {kind: set() for kind in ListKind}

    def add(self, kind: ListKind, values: Iterable[str]) -> None:
        self._sets[kind].update(values)

    def remove(self, kind: ListKind, values: Iterable[str]) -> None:
        self._sets[kind].difference_update(values)

    def size(self, kind: ListKind) -> int:
        return len(self._sets[kind])

    def case_account(self, account: str) -> bool:
        return account in self._sets[ListKind.CASE_ACCOUNT]

    def punished(self, account: str) -> bool:
        return account in self._sets[ListKind.PUNISHED]

    def risk_account(self, account: str) -> bool:
        return account in self._sets[ListKind.RISK_ACCOUNT]

    def fraud_phone(self, number: str | None) -> bool | None:
        if not number:
            return None
        return number in self._sets[ListKind.FRAUD_PHONE]

    def allowed(self, payer: str, payee: str) -> bool:
        allow = self._sets[ListKind.ALLOW]
        return payee in allow or f"{payer}>{payee}" in allow
