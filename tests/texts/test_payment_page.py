"""Payment-page checks: validity window, page origin and IP against the registry, second confirmation."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from qiandai.domain.errors import InvalidInputError
from qiandai.texts.merchants import Merchant, MerchantRegistry
from qiandai.texts.payment_page import (
    PaymentDecision,
    PaymentPageContext,
    PaymentStep,
    check_payment_page,
)

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 6, 1, 10, 0, tzinfo=CST)
REGISTRY = MerchantRegistry()
REGISTRY.put(Merchant("M001", "示例商城", ("shop.example.com",), ("203.0.113.0/24",), validity_seconds=900))
REGISTRY.put(Merchant("M002", "严格商户", ("pay.strict.cn",), ("198.51.100.7",), strict_ip=True))


def _ctx(**changes: object) -> PaymentPageContext:
    base = PaymentPageContext(
        order_id="O1",
        merchant_id="M001",
        page_url="https://pay.shop.example.com/cashier?o=O1",
        page_ip="203.0.113.10",
        amount=199.0,
        steps=(PaymentStep("下单", T0), PaymentStep("进入收银台", T0 + timedelta(minutes=1))),
        now=T0 + timedelta(minutes=3),
        captcha_passed=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_matching_page_within_window_is_allowed() -> None:
    v = check_payment_page(_ctx(), REGISTRY)
    assert v.decision is PaymentDecision.ALLOW and not v.second_confirmation_required


def test_expired_order_is_rejected() -> None:
    v = check_payment_page(_ctx(now=T0 + timedelta(minutes=16)), REGISTRY)
    assert v.decision is PaymentDecision.REJECT
    assert any("订单已过期" in r for r in v.reasons)


def test_origin_mismatch_is_rejected() -> None:
    v = check_payment_page(_ctx(page_url="https://shop-example.com.pay-check.top/cashier"), REGISTRY)
    assert v.decision is PaymentDecision.REJECT
    assert any("不在商户登记的域名" in r for r in v.reasons)


def test_ip_mismatch_needs_second_confirmation_or_rejects_when_strict() -> None:
    v = check_payment_page(_ctx(page_ip="192.0.2.99"), REGISTRY)
    assert v.decision is PaymentDecision.CONFIRM and v.second_confirmation_required
    assert any("IP" in r for r in v.reasons)
    strict = _ctx(merchant_id="M002", page_url="https://pay.strict.cn/p", page_ip="198.51.100.8")
    assert check_payment_page(strict, REGISTRY).decision is PaymentDecision.REJECT


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"amount": 8000.0}, "二次确认门槛"),
        ({"new_device": True}, "新设备"),
        ({"captcha_passed": None}, "验证码"),
        ({"page_url": "http://shop.example.com/pay"}, "HTTPS"),
    ],
)
def test_risky_cases_require_second_confirmation(changes: dict[str, object], fragment: str) -> None:
    v = check_payment_page(_ctx(**changes), REGISTRY)
    assert v.decision is PaymentDecision.CONFIRM and v.second_confirmation_required
    assert any(fragment in r for r in v.reasons)


def test_failed_captcha_future_steps_unknown_merchant_are_rejected() -> None:
    assert check_payment_page(_ctx(captcha_passed=False), REGISTRY).decision is PaymentDecision.REJECT
    future = (PaymentStep("下单", T0), PaymentStep("提交支付", T0 + timedelta(hours=1)))
    assert check_payment_page(_ctx(steps=future), REGISTRY).decision is PaymentDecision.REJECT
    assert check_payment_page(_ctx(merchant_id="NOPE"), REGISTRY).decision is PaymentDecision.REJECT


@pytest.mark.parametrize(
    "changes",
    [
        {"steps": ()},
        {"page_url": "not a url"},
        {"page_ip": "999.1.1.1"},
        {"now": datetime(2025, 6, 1, 10, 3)},
    ],
)
def test_invalid_context_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        check_payment_page(_ctx(**changes), REGISTRY)


def test_registry_roundtrip_and_validation(tmp_path: Path) -> None:
    path = tmp_path / "merchants.json"
    REGISTRY.save(path)
    again = MerchantRegistry.load(path)
    assert again.get("M001").domains == ("shop.example.com",)
    assert MerchantRegistry.load(tmp_path / "missing.json").merchants == {}
    with pytest.raises(InvalidInputError):
        Merchant("M3", "坏", ("a.com",), ("not-an-ip",))
