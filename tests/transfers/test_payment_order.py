"""Payment-page checks in the online channel and the punished-payer exemptions, engine and API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tx_helpers import T0, payload, token, tx

from qiandai.store.database import unit_of_work
from qiandai.texts.merchants import Merchant, MerchantRegistry
from qiandai.transfers.engine import DecisionEngine
from qiandai.transfers.lists import ListKind
from qiandai.transfers.model import Decision
from qiandai.transfers.models import DecisionRow
from qiandai.transfers.payment_check import MerchantPageChecker
from qiandai.transfers.scenario import ScenarioProgram, default_version

SHOP = Merchant("M001", "示例商城", ("shop-example.com",), ("203.0.113.0/24",), 900, 5000.0)
SHOP_URL = "https://pay.shop-example.com/cashier"
STRICT = Merchant("M002", "严格商户", ("pay.strict.cn",), ("198.51.100.0/24",), 600, 5000.0, True)


def order(at: datetime = T0, **over: Any) -> dict[str, Any]:
    """A clean payment order: placed 3 minutes before ``at``, paid on the registered page."""
    base: dict[str, Any] = {
        "merchant_id": "M001",
        "order_id": "O-1",
        "steps": [
            {"name": "created", "at": (at - timedelta(minutes=3)).isoformat()},
            {"name": "submitted", "at": (at - timedelta(minutes=1)).isoformat()},
        ],
        "page_url": "https://pay.shop-example.com/cashier?o=1",
        "page_ip": "203.0.113.7",
        "captcha_passed": True,
    }
    base.update(over)
    return base


@pytest.fixture
def engine() -> DecisionEngine:
    checker = MerchantPageChecker(registry=MerchantRegistry({"M001": SHOP, "M002": STRICT}))
    return DecisionEngine(ScenarioProgram.compile(default_version()), page_checker=checker)


def online(**over: Any) -> Any:
    return tx(channel="online", amount="300", **over)


def test_clean_order_on_the_registered_page_is_allowed(engine: DecisionEngine) -> None:
    engine.decide(tx(minutes=-1440, amount="300"))  # a known payee
    result = engine.decide(online(payment_order=order()))
    assert result.decision is Decision.ALLOW, result.reasons
    assert not result.second_confirmation_required and result.payment_check == []
    assert result.features["payment_page_risk"] == 0


def test_expired_order_is_blocked_with_a_chinese_reason(engine: DecisionEngine) -> None:
    stale = order(steps=[{"name": "created", "at": (T0 - timedelta(minutes=20)).isoformat()}])
    result = engine.decide(online(payment_order=stale))
    assert result.decision is Decision.BLOCK
    assert any("订单已过期" in r and "有效期 15 分钟" in r for r in result.reasons)
    assert result.public()["second_confirmation_required"] is False


def test_steps_out_of_order_and_failed_captcha_are_blocked(engine: DecisionEngine) -> None:
    backwards = order(
        steps=[
            {"name": "submitted", "at": (T0 - timedelta(minutes=1)).isoformat()},
            {"name": "created", "at": (T0 - timedelta(minutes=2)).isoformat()},
        ]
    )
    assert engine.decide(online(payment_order=backwards)).decision is Decision.BLOCK
    failed = engine.decide(online(payment_order=order(captcha_passed=False)))
    assert failed.decision is Decision.BLOCK and any("验证码未通过" in r for r in failed.reasons)


def test_foreign_page_raises_risk_and_requires_a_second_confirmation(engine: DecisionEngine) -> None:
    fake = order(page_url="https://shop-example.com.pay-check.top/cashier", page_ip="192.0.2.9")
    result = engine.decide(online(payment_order=fake))
    assert result.decision is Decision.VERIFY
    assert result.second_confirmation_required
    assert result.features["payment_page_risk"] == 100
    assert "payment_page_risky" in [h.rule_id for h in result.hits]
    assert any("不在商户登记的域名" in r for r in result.reasons)
    assert any("不在商户登记的地址段" in r for r in result.reasons)
    assert "支付页面存在风险，须付款人二次确认后方可支付" in result.reasons


def test_passed_second_confirmation_lifts_the_confirmation_only(engine: DecisionEngine) -> None:
    engine.decide(tx(minutes=-1440, amount="300"))
    odd_ip = order(page_ip="192.0.2.9", second_confirmation_passed=True)
    result = engine.decide(online(payment_order=odd_ip))
    assert result.decision is Decision.ALLOW and not result.second_confirmation_required
    assert any("IP 192.0.2.9" in r for r in result.payment_check)  # still reported
    assert result.features["payment_page_risk"] == 40


def test_strict_merchant_ip_mismatch_and_unknown_merchant(engine: DecisionEngine) -> None:
    strict = order(merchant_id="M002", page_url="https://pay.strict.cn/c", page_ip="192.0.2.9")
    assert engine.decide(online(payment_order=strict)).decision is Decision.BLOCK
    unknown = engine.decide(online(payment_order=order(merchant_id="M999")))
    assert unknown.second_confirmation_required and any("M999 未登记" in r for r in unknown.reasons)


def test_punished_payer_may_still_pay_utilities_tax_and_social_security(engine: DecisionEngine) -> None:
    engine.lists.add(ListKind.PUNISHED, ["6222020200001111"])
    for category in ("utility", "tax", "social_security"):
        result = engine.decide(tx(payee_category=category))
        assert "payer_punished_non_counter" not in [h.rule_id for h in result.hits], category
    for over in ({"payee_category": "other"}, {}):
        result = engine.decide(tx(**over))
        assert "payer_punished_non_counter" in [h.rule_id for h in result.hits]
        assert result.decision is Decision.BLOCK


# -- API -------------------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QIANDAI_HOME", str(tmp_path))
    return tmp_path


def _count(client: TestClient) -> int:
    with unit_of_work(client.app.state.session_factory) as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(DecisionRow)) or 0)


def test_api_registers_merchants_and_checks_orders(client: TestClient, home: Path) -> None:
    bank = token(client, "teller")
    m = {"name": "示例商城", "domains": ["shop-example.com"], "ip_networks": ["203.0.113.0/24"]}
    r = client.put("/api/transfers/merchants/M001", json=m, headers=bank)
    assert r.status_code == 200, r.text
    assert (home / "texts" / "merchants.json").exists()
    assert [x["merchant_id"] for x in client.get("/api/transfers/merchants", headers=bank).json()] == ["M001"]
    bad = client.put("/api/transfers/merchants/M9", json={**m, "ip_networks": ["10.0.0.300"]}, headers=bank)
    assert bad.status_code == 422 and "IP 段" in bad.json()["message"]

    now = datetime.now(UTC).replace(microsecond=0)
    body = payload(channel="online", occurred_at=now.isoformat(), payment_order=order(now))
    r = client.post("/api/transfers/decide", json=body, headers=bank)
    assert r.status_code == 200, r.text
    assert r.json()["second_confirmation_required"] is False

    fake = order(now, page_url="https://shop-example.com.evil.top/pay", captcha_passed=True)
    r = client.post(
        "/api/transfers/decide",
        json=payload(channel="online", occurred_at=now.isoformat(), payment_order=fake),
        headers=bank,
    )
    answer = r.json()
    assert answer["second_confirmation_required"] is True and answer["decision"] == "提示核实"
    assert any("疑似仿冒支付页" in x for x in answer["payment_check"])

    stale = order(now, steps=[{"name": "created", "at": (now - timedelta(hours=1)).isoformat()}])
    r = client.post(
        "/api/transfers/decide",
        json=payload(channel="online", occurred_at=now.isoformat(), payment_order=stale),
        headers=bank,
    )
    assert r.json()["decision"] == "拦截" and any("订单已过期" in x for x in r.json()["reasons"])
    assert _count(client) == 3
    assert client.delete("/api/transfers/merchants/M001", headers=bank).status_code == 200
    assert client.delete("/api/transfers/merchants/M001", headers=bank).status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channel": "mobile"}, "只有网上支付渠道"),
        ({"payment_order": order(page_url="javascript:alert(1)")}, "付款页面地址格式无效"),
        ({"payment_order": order(page_ip="999.1.1.1")}, "付款页面 IP 地址无效"),
        ({"payment_order": order(steps=[])}, "payment_order.steps"),
        ({"payment_order": order(steps=[{"name": "created", "at": "2025-03-03T10:00:00"}])}, "必须带时区"),
        ({"payment_order": {**order(), "merchant_id": ""}}, "payment_order.merchant_id"),
        ({"payee_category": "lottery"}, "payee_category"),
    ],
)
def test_malformed_orders_are_422_and_nothing_is_stored(
    client: TestClient, home: Path, change: dict[str, Any], message: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    body = payload(channel="online", occurred_at=now.isoformat(), payment_order=order(now))
    body.update(change)
    r = client.post("/api/transfers/decide", json=body, headers=token(client, "teller"))
    assert r.status_code == 422, r.text
    assert message in r.json()["message"]
    assert _count(client) == 0


def test_replay_reads_optional_order_and_category_columns(tmp_path: Path) -> None:
    import pandas as pd

    from qiandai.transfers.replay import replay

    base = {k: v for k, v in payload().items() if k not in ("transfer_id", "occurred_at")}
    rows = [
        {**base, "transfer_id": "R-1", "occurred_at": T0, "channel": "online", "merchant_id": "M001",
         "order_id": "O-1", "order_created_at": T0 - timedelta(minutes=40), "page_url": SHOP_URL,
         "captcha_passed": True},
        {**base, "transfer_id": "R-2", "occurred_at": T0 + timedelta(minutes=1), "channel": "online",
         "merchant_id": "M001", "order_id": "O-2", "order_created_at": T0 - timedelta(minutes=2),
         "order_submitted_at": T0 + timedelta(seconds=30), "page_url": SHOP_URL, "captcha_passed": True},
        {**base, "transfer_id": "R-3", "occurred_at": T0 + timedelta(minutes=2),
         "payee_category": "tax"},
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["amount"] = frame["amount"].astype(float)
    frame["payer_balance"] = frame["payer_balance"].astype(float)
    frame.to_parquet(tmp_path / "transfers.parquet", index=False)
    MerchantRegistry({"M001": SHOP}).save(tmp_path / "merchants.json")
    report = replay(tmp_path, tmp_path / "out")
    out = pd.read_parquet(tmp_path / "out" / "decisions.parquet").set_index("transfer_id")
    assert report.transfers == 3
    assert out.loc["R-1", "decision"] == "拦截"  # the order was 40 minutes old
    assert out.loc["R-2", "decision"] != "拦截"
    assert out.loc["R-3", "decision"] == "放行"
