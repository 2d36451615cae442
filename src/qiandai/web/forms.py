"""Parsing of form values the way the API validates them (exact amounts, at most two decimals)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from qiandai.domain.errors import InvalidInputError


def amount(text: str, *, required: bool = False, what: str = "金额") -> Decimal | None:
    """``"1,234.5"`` → ``Decimal("1234.5")``; empty → None (or an error when ``required``)."""
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        if required:
            raise InvalidInputError(f"请填写{what}")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInputError(f"{what}格式不正确") from None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or (isinstance(exponent, int) and exponent < -2):
        raise InvalidInputError(f"{what}小数位数过多")
    if value < 0:
        raise InvalidInputError(f"{what}不能为负数")
    return value


def optional_int(text: str, what: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInputError(f"{what}应为整数")
    return int(text)
