"""Exact amounts for services: :func:`qiandai.store.base.to_money` with the error of the hierarchy."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from qiandai.domain.errors import InvalidInputError
from qiandai.store.base import to_money


def money(value: Decimal | int | str) -> Decimal:
    """Two-decimal amount; more decimals or a non-number raise :class:`InvalidInputError` (422)."""
    try:
        return to_money(value)
    except (ValueError, InvalidOperation):
        raise InvalidInputError(f"金额无效或超过两位小数：{value}") from None
