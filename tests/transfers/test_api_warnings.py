"""预警劝阻 end to end: a decision marks a victim → warning routed by address → contact → outcome → stats."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tx_helpers import payload, token

NOW = datetime.now(UTC).replace(microsecond=0)
UNITS = [
    {"code": "AF-3301", "name": "杭州市反诈中心", "kind": "反诈中心", "region_code": "330100"},
    {"code": "PS-330106001", "name": "翠苑派出所", "kind": "派出所", "region_code": "330106001"},
    {"code": "GRID-A", "name": "翠苑一村网格", "kind": "村网格", "region_code": "330106001001"},
    {"code": "GRID-B", "name": "西溪村网格", "kind": "村网格", "region_code": "330106001002"},
]


def test_warning_lifecycle(client: TestClient) -> None:
    police, bank = token(client, "officer"), token(client, "teller")
    for unit in UNITS:
        assert client.post("/api/transfers/units", json=unit, headers=police).status_code == 200
    victim = payload(
        occurred_at=NOW.isoformat(),
        payer_age=71,
        amount="60000",
        payer_balance="65000",
        on_call=True,
        payer_region="330106001001",
        payer_name="张三丰",
        payer_phone="13800001234",
    )
    d = client.post("/api/transfers/decide", json=victim, headers=bank).json()
    assert d["decision"] == "拦截" and d["likely_victim"]
    listed = client.get("/api/transfers/warnings", headers=token(client, "grid_a")).json()
    assert len(listed) == 1
    w = listed[0]
    assert w["unit_code"] == "GRID-A" and w["level"] == "高" and w["victim_name"] == "张**"
    assert w["victim_phone"] == "138****1234"
    assert client.get("/api/transfers/warnings", headers=token(client, "grid_b")).json() == []
    other = token(client, "officer_sz")
    assert client.get(f"/api/transfers/warnings/{w['warning_id']}", headers=other).status_code == 404
    grid = token(client, "grid_a")
    r = client.post(
        f"/api/transfers/warnings/{w['warning_id']}/contacts",
        json={"channel": "上门", "reached": True, "note": "已上门劝阻，客户放弃转账"},
        headers=grid,
    )
    assert r.status_code == 200 and r.json()["status"] == "contacting"
    closed = client.post(
        f"/api/transfers/warnings/{w['warning_id']}/close", json={"outcome": "劝阻成功"}, headers=grid
    ).json()
    assert closed["outcome"] == "劝阻成功" and closed["status"] == "closed"
    stats = client.get("/api/transfers/warnings/stats", headers=police).json()
    row = next(s for s in stats if s["unit_code"] == "GRID-A")
    assert row["total"] == 1 and row["contacted_within_sla"] == 1 and row["outcomes"]["劝阻成功"] == 1


def test_feed_warnings_are_idempotent_and_routed(client: TestClient) -> None:
    police = token(client, "officer")
    for unit in UNITS:
        client.post("/api/transfers/units", json=unit, headers=police)
    feed = [
        {
            "external_id": "96110-0001",
            "level": "中",
            "reasons": ["上级平台下发：疑似正在被冒充客服诈骗"],
            "victim_region": "330106001",
            "victim_phone": "13900005678",
        }
    ]
    assert client.post("/api/transfers/warnings/import", json=feed, headers=police).json() == {"created": 1}
    assert client.post("/api/transfers/warnings/import", json=feed, headers=police).json() == {"created": 0}
    listed = client.get("/api/transfers/warnings", headers=police).json()
    assert [w["unit_code"] for w in listed] == ["PS-330106001"]
