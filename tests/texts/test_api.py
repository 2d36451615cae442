"""The /api/screening router through the real application and its one error translation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from qiandai.api.app import create_app
from qiandai.api.texts import router
from qiandai.texts.merchants import Merchant, MerchantRegistry, registry_path


@pytest.fixture
def client(home: Path) -> TestClient:
    app = create_app()
    app.include_router(router)
    return TestClient(app)


def test_screen_text_types_flags_entities(client: TestClient) -> None:
    text = "我是公安局的民警，你涉嫌洗錢，馬上把錢轉到安全賬戶6222021234567890128，聯繫 +86 138 1234 5678 😀"
    body = client.post("/api/screening/text", json={"text": text}).json()
    assert body["risk"] == "high" and body["risk_label"] == "高"
    assert body["types"][0]["method_id"] == "impersonate_police"
    flag = next(f for f in body["red_flags"] if f["id"] == "safe_account")
    span = flag["spans"][0]
    assert text[span["start"] : span["end"]] == span["text"] == "安全賬戶"
    kinds = {e["kind"]: e["value"] for e in body["entities"]}
    assert kinds["bank_card"] == "6222021234567890128" and kinds["phone"] == "13812345678"


def test_screen_text_with_link(client: TestClient) -> None:
    body = client.post(
        "/api/screening/text", json={"text": "您的ETC已失效，请点击 http://etc-renzheng.top 认证"}
    ).json()
    assert body["links"][0]["risk"] in ("medium", "high")
    assert body["risk"] in ("medium", "high")


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"text": ""}, "为空"),
        ({"text": "骗" * 20_001}, "过长"),
        ({}, "缺少必填字段"),
        ({"text": 5}, "应为文本"),
    ],
)
def test_bad_text_requests_get_422_in_chinese(
    client: TestClient, payload: dict[str, object], fragment: str
) -> None:
    resp = client.post("/api/screening/text", json=payload)
    assert resp.status_code == 422
    assert fragment in resp.json()["message"]


def test_link_endpoint(client: TestClient) -> None:
    body = client.post("/api/screening/link", json={"url": "http://icbc.com.cn.login-check.top"}).json()
    assert body["risk"] == "high" and body["reasons"]
    bad = client.post("/api/screening/link", json={"url": "http://[::1"})
    assert bad.status_code == 422 and "链接格式无效" in bad.json()["message"]


def test_payment_page_endpoint(client: TestClient, home: Path) -> None:
    registry = MerchantRegistry()
    registry.put(Merchant("M001", "示例商城", ("shop.example.com",), ("203.0.113.0/24",)))
    registry.save(registry_path(home))
    payload = {
        "order_id": "O1",
        "merchant_id": "M001",
        "page_url": "https://shop.example.com/pay",
        "page_ip": "203.0.113.9",
        "amount": 100,
        "steps": [{"name": "下单", "at": "2025-06-01T10:00:00+08:00"}],
        "now": "2025-06-01T10:05:00+08:00",
        "captcha_passed": True,
    }
    assert client.post("/api/screening/payment-page", json=payload).json()["decision"] == "allow"
    expired = client.post(
        "/api/screening/payment-page", json={**payload, "now": "2025-06-01T11:00:00+08:00"}
    ).json()
    assert expired["decision"] == "reject" and "订单已过期" in expired["reasons"][0]
    naive = client.post("/api/screening/payment-page", json={**payload, "now": "2025-06-01T10:05:00"})
    assert naive.status_code == 422 and "时区" in naive.json()["message"]
    negative = client.post("/api/screening/payment-page", json={**payload, "amount": -1})
    assert negative.status_code == 422


def test_methods_list_get_search_export(client: TestClient) -> None:
    listing = client.get("/api/screening/methods").json()
    ids = {m["id"] for m in listing["methods"]}
    assert {"order_brushing", "flight_refund", "counterfeit_swap"} <= ids and listing["version"] >= 1
    detail = client.get("/api/screening/methods/impersonate_police").json()
    assert detail["name"] == "冒充公检法" and detail["advice"]
    assert client.get("/api/screening/methods/nope").status_code == 404
    found = client.get("/api/screening/methods/search", params={"q": "屏幕共享"}).json()["methods"]
    assert "fake_customer_service" in {m["id"] for m in found}
    xlsx = client.get("/api/screening/methods/export", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content))["诈骗手法"]
    assert next(sheet.iter_rows(values_only=True))[:2] == ("编号", "名称")
    assert client.get("/api/screening/methods/export", params={"format": "pdf"}).status_code == 422
