"""Injected fraud for the synthetic transfer history: the ten high-incidence types and mule chains.

Each victim is given one fraud type; the scenario writes the victim's payments to first-level mule
accounts and, for every such payment, the mule chain that moves the money on within minutes
(level 1 → level 2 → cash-out). Gangs share devices and IPs. Every injected row carries its label
(``fraud_type``, ``role`` = victim / mule).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

FRAUD_TYPES = (
    "刷单返利",
    "虚假网络投资理财",
    "虚假网络贷款",
    "冒充电商物流客服",
    "冒充公检法",
    "虚假征信",
    "虚假购物服务",
    "冒充领导熟人",
    "网络游戏产品虚假交易",
    "婚恋交友",
)
AGE_RANGES = {
    "刷单返利": (18, 45),
    "虚假网络投资理财": (30, 70),
    "虚假网络贷款": (20, 45),
    "冒充电商物流客服": (20, 70),
    "冒充公检法": (55, 85),
    "虚假征信": (20, 35),
    "虚假购物服务": (16, 60),
    "冒充领导熟人": (30, 55),
    "网络游戏产品虚假交易": (12, 25),
    "婚恋交友": (30, 60),
}


@dataclass
class Gang:
    """Mule accounts of one gang: collectors (level 1), movers (level 2), cash-out; shared devices."""

    collectors: list[str]
    movers: list[str]
    cashout: list[str]
    devices: list[str]
    ips: list[str]
    region: str
    ages: dict[str, int] = field(default_factory=dict)
    opened: dict[str, int] = field(default_factory=dict)


def make_gangs(rng: random.Random, n: int, regions: list[str], next_account: Any) -> list[Gang]:
    gangs = []
    for g in range(n):
        gang = Gang(
            collectors=[next_account("6217") for _ in range(8)],
            movers=[next_account("6214") for _ in range(4)],
            cashout=[next_account("6213") for _ in range(2)],
            devices=[f"gang{g}-dev{i}" for i in range(2)],
            ips=[f"103.{g % 250}.{i}.9" for i in range(2)],
            region=rng.choice(regions)[:6],
        )
        for account in gang.collectors + gang.movers + gang.cashout:
            gang.ages[account] = rng.randint(18, 30)
            gang.opened[account] = rng.randint(3, 60)
        gangs.append(gang)
    return gangs


def _payments(rng: random.Random, kind: str, balance: float) -> list[tuple[float, float, bool]]:
    """(minutes after start, amount, to a new collector?) of one victim's payments."""
    r = rng.uniform
    if kind == "刷单返利":
        small = [(i * r(8, 25), round(r(100, 800), 2), i == 0) for i in range(rng.randint(3, 5))]
        big = [
            (120 + i * r(20, 60), round(r(3000, 30000) * (i + 1), 2), True) for i in range(rng.randint(1, 3))
        ]
        return small + big
    if kind == "虚假网络投资理财":
        return [
            (d * 1440 + r(0, 600), round(r(10000, 80000) * (1 + d * 0.5), 2), True)
            for d in range(rng.randint(2, 4))
        ]
    if kind == "虚假网络贷款":
        return [(i * r(10, 60), round(r(500, 8000), 2), True) for i in range(rng.randint(2, 4))]
    if kind in ("冒充电商物流客服", "虚假征信"):
        return [(i * r(5, 20), round(r(5000, 50000), 2), True) for i in range(rng.randint(1, 3))]
    if kind == "冒充公检法":
        share = r(0.85, 1.0)
        n = rng.randint(1, 2)
        return [(i * r(10, 40), round(balance * share / n, 2), True) for i in range(n)]
    if kind == "虚假购物服务":
        return [(0.0, round(r(300, 5000), 2), False)]
    if kind == "冒充领导熟人":
        return [(i * r(10, 60), round(r(20000, 150000), 2), True) for i in range(rng.randint(1, 2))]
    if kind == "网络游戏产品虚假交易":
        return [(i * r(10, 90), round(r(200, 5000), 2), True) for i in range(rng.randint(1, 3))]
    # 婚恋交友: growing amounts over days to the same "partner"
    return [(d * 1440 + r(0, 300), round(2000 * (2.2**d), 2), d == 0) for d in range(rng.randint(3, 6))]


def victim_rows(
    rng: random.Random, victim: dict[str, Any], kind: str, start: datetime, gang: Gang, shop_mule: str
) -> list[dict[str, Any]]:
    """The victim's payments plus the mule chain of each one."""
    rows: list[dict[str, Any]] = []
    collector = rng.choice(gang.collectors)
    on_call = kind in ("冒充公检法", "冒充电商物流客服", "虚假征信", "冒充领导熟人") and rng.random() < 0.7
    sharing = kind in ("冒充电商物流客服", "虚假征信") and rng.random() < 0.6
    for minutes, amount, new in _payments(rng, kind, victim["balance"]):
        if new:
            collector = rng.choice(gang.collectors)
        payee = shop_mule if kind == "虚假购物服务" else collector
        at = start + timedelta(minutes=minutes)
        channel = (
            "counter"
            if (amount >= 50000 and rng.random() < 0.4) or (victim["age"] >= 70 and rng.random() < 0.5)
            else "mobile"
        )
        rows.append(
            {
                **_customer_side(victim),
                "payee_account": payee,
                "amount": amount,
                "channel": channel,
                "occurred_at": at,
                "on_call": on_call,
                "screen_sharing": sharing and channel != "counter",
                "caller_number": victim.get("caller") if on_call else None,
                "payee_account_age_days": gang.opened.get(payee) if rng.random() < 0.5 else None,
                "fraud_type": kind,
                "role": "victim",
                "victim": victim["customer_id"],
            }
        )
        rows.extend(_chain(rng, gang, payee, amount, at, kind, victim["customer_id"]))
    return rows


def _chain(
    rng: random.Random, gang: Gang, first: str, amount: float, at: datetime, kind: str, victim: str
) -> list[dict[str, Any]]:
    rows = []
    hops = [first, rng.choice(gang.movers), rng.choice(gang.cashout)]
    for payer, payee in itertools.pairwise(hops):
        at += timedelta(minutes=rng.uniform(2, 25))
        amount = round(amount * rng.uniform(0.9, 0.98), 2)
        rows.append(
            {
                "payer_account": payer,
                "payer_age": gang.ages[payer],
                "payer_account_age_days": gang.opened[payer],
                "payer_region": gang.region,
                "location_region": gang.region,
                "payer_balance": round(amount * rng.uniform(1.0, 1.05), 2),
                "device_id": rng.choice(gang.devices),
                "ip": rng.choice(gang.ips),
                "payee_account": payee,
                "payee_account_age_days": gang.opened[payee] if rng.random() < 0.5 else None,
                "amount": amount,
                "channel": "mobile",
                "occurred_at": at,
                "fraud_type": kind,
                "role": "mule",
                "victim": victim,
            }
        )
    return rows


def _customer_side(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "payer_account": c["account"],
        "payer_age": c["age"],
        "payer_account_age_days": c["account_age"],
        "payer_region": c["region"],
        "location_region": c["region"][:6],
        "payer_name": c["name"],
        "payer_phone": c["phone"],
        "device_id": c["device"],
        "ip": c["ip"],
    }
