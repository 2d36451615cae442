"""Bad input is refused with a specific Chinese message before anything is decided."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tx_helpers import T0, payload, tx

from qiandai.domain.errors import InvalidInputError
from qiandai.transfers.model import check_not_future, parse_transfer


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"amount": "0"}, "金额必须大于 0"),
        ({"amount": "-5"}, "金额必须大于 0"),
        ({"amount": "1.005"}, "最多两位小数"),
        ({"amount": "200000000"}, "单笔上限"),
        ({"currency": "XYZ"}, "未知币种"),
        ({"payer_account": "12ab"}, "付款账号格式不正确"),
        ({"payee_account": "123"}, "收款账号格式不正确"),
        ({"payee_account": "6222020200001111"}, "不能向本账户转账"),
        ({"occurred_at": "2025-03-03T10:00:00"}, "必须带时区"),
        ({"payer_region": "33"}, "行政区划代码"),
    ],
)
def test_invalid_transfer_is_refused_in_chinese(over: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_transfer(payload(**over))


def test_future_timestamp_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="晚于当前时间"):
        check_not_future(tx(minutes=60), T0)
    check_not_future(tx(minutes=4), T0)  # within the clock tolerance


def test_foreign_currency_is_compared_in_cny() -> None:
    assert tx(amount="100", currency="usd").amount_cny == pytest.approx(720.0)
    assert tx().occurred_at - T0 == timedelta(0)
