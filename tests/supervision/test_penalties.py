"""Fines under the Regulations: ranges per article, exact decimals, required suspensions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qiandai.domain.errors import InvalidInputError
from qiandai.supervision.penalties import compute


def test_article_38_fine_is_base_times_multiple() -> None:
    p = compute("38", fine_base=Decimal("128586.54"), multiple=Decimal("1.5"))
    assert p.fine_amount == Decimal("192879.81") and p.suspension_months is None


@pytest.mark.parametrize(
    ("article", "kwargs", "message"),
    [
        ("38", {"multiple": Decimal("2.5")}, "1–2 倍"),
        ("40", {"multiple": Decimal("1.5"), "suspension_months": 6}, "2–5 倍"),
        ("40", {"multiple": Decimal("3")}, "6–12 个月"),
        ("38", {"multiple": Decimal("1"), "suspension_months": 13}, "6–12 个月"),
        ("38", {"multiple": Decimal("1.555")}, "两位小数"),
        ("39", {"fixed_fine": Decimal("60000")}, "10000–50000"),
        ("41", {"settlement_suspension_months": 2}, "3–12 个月"),
        ("41", {}, "暂停联网结算月数"),
        ("38", {"multiple": Decimal("1"), "terminate_agreement": True}, "解除服务协议"),
        ("99", {}, "未知条款"),
    ],
)
def test_choices_outside_the_article_are_refused(
    article: str, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        compute(article, fine_base=Decimal("1000"), **kwargs)  # type: ignore[arg-type]


def test_fraud_terminates_agreement_and_individual_suspension() -> None:
    p = compute("40", fine_base=Decimal("1000.10"), multiple=Decimal("5"), terminate_agreement=True)
    assert p.fine_amount == Decimal("5000.50") and p.terminate_agreement
    ind = compute("41-2", fine_base=Decimal("300"), multiple=Decimal("2"), settlement_suspension_months=12)
    assert ind.fine_amount == Decimal("600.00") and ind.settlement_suspension_months == 12
    assert compute("39", fine_base=Decimal("0"), fixed_fine=Decimal("10000")).fine_amount == Decimal(
        "10000.00"
    )


def test_strict_minimum_after_self_inspection() -> None:
    with pytest.raises(InvalidInputError, match=r"1\.5–2"):
        compute("38", fine_base=Decimal("100"), multiple=Decimal("1.2"), min_multiple=Decimal("1.5"))
