"""Synthetic transfer history with ground truth: ``qiandai datagen transfers --out DIR``.

Writes ``customers.parquet`` (ages, home regions, accounts, devices), ``transfers.parquet`` (every
transfer request in time order, in the decision API's fields), ``lists.parquet`` (list entries with the
time they became known) and ``truth.parquet`` (``transfer_id, is_fraud, fraud_type, role, victim,
warmup``). The first ``warmup_days`` hold normal behaviour only (salary-funded bills, shopping at
registered merchants, family and friends transfers, occasional large legitimate payments to new payees)
so that the engine has a history; fraud is injected after it. Same seed → same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from qiandai.datagen.transfers_fraud import AGE_RANGES, FRAUD_TYPES, make_gangs, victim_rows

CST = timezone(timedelta(hours=8))
START = datetime(2025, 1, 1, tzinfo=CST)
REGIONS = [
    "330106001001", "330106001002", "330106002001", "330102003001", "330110004002",
    "440305001001", "440306002003", "110105003004", "510104002001", "420106001002",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


@dataclass
class GenerationReport:
    out: Path
    customers: int
    transfers: int
    fraud_transfers: int
    victims: int

    def summary_lines(self) -> list[str]:
        return [
            f"输出目录：{self.out}",
            f"客户 {self.customers:,} 人；转账 {self.transfers:,} 笔，"
            f"其中诈骗相关 {self.fraud_transfers:,} 笔（受害人 {self.victims:,} 人）",
        ]


class _Accounts:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set[str]()

    def __call__(self, prefix: str) -> str:
        while True:
            acc = prefix + "".join(str(self.rng.randrange(10)) for _ in range(12))
            if acc not in self.used:
                self.used.add(acc)
                return acc


def _customers(rng: random.Random, n: int, accounts: _Accounts) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        u = rng.random()
        age = rng.randint(12, 17) if u < 0.04 else rng.randint(60, 88) if u < 0.26 else rng.randint(18, 59)
        out.append(
            {
                "customer_id": f"C{i:06d}",
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "phone": "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9)),
                "age": age,
                "region": rng.choice(REGIONS),
                "account": accounts("6222"),
                "account_age": rng.randint(200, 6000),
                "balance": round(rng.lognormvariate(10.3, 1.0), 2),
                "device": f"dev-{i:06d}",
                "ip": f"10.{i // 65000}.{(i // 250) % 260}.{i % 250}",
                "salary": 0.0 if age < 18 else round(rng.uniform(3000, 20000), 2),
            }
        )
    for c in out:  # family: two or three other customers
        c["family"] = [rng.choice(out)["account"] for _ in range(rng.randint(2, 3))]
        c["friends"] = [rng.choice(out)["account"] for _ in range(rng.randint(3, 8))]
    return out


def _normal(
    rng: random.Random, c: dict[str, Any], day: datetime, merchants: list[str], bills: list[str]
) -> list[dict[str, Any]]:
    rows = []
    for _ in range(min(6, int(rng.expovariate(1 / 0.7)))):
        at = day + timedelta(hours=rng.triangular(7, 23, 14), seconds=rng.randrange(3600))
        kind = rng.random()
        if kind < 0.5:
            payee, amount = rng.choice(merchants), rng.lognormvariate(4.5, 1.0)
        elif kind < 0.62:
            payee, amount = rng.choice(bills), rng.uniform(50, 500)
        elif kind < 0.82:
            high = 500 if c["age"] < 18 else rng.choice([3000, 20000])
            payee, amount = rng.choice(c["family"]), rng.uniform(100, high)
        else:
            payee, amount = rng.choice(c["friends"]), rng.uniform(20, 800)
        if payee == c["account"]:
            continue
        rows.append(_row(rng, c, payee, amount, at))
    if (
        c["age"] >= 18 and rng.random() < 0.003
    ):  # a large legitimate payment to a new payee (car, renovation, tuition)
        at = day + timedelta(hours=rng.uniform(9, 17))
        rows.append(_row(rng, c, "6230" + str(rng.randrange(10**11, 10**12)), rng.uniform(10000, 120000), at))
    return rows


def _row(rng: random.Random, c: dict[str, Any], payee: str, amount: float, at: datetime) -> dict[str, Any]:
    elderly = c["age"] >= 65
    channel = rng.choices(
        ["mobile", "online", "counter", "atm"], [0.5, 0.1, 0.3, 0.1] if elderly else [0.8, 0.1, 0.05, 0.05]
    )[0]
    new_device = rng.random() < 0.002
    return {
        "payer_account": c["account"],
        "payer_age": c["age"],
        "payer_account_age_days": c["account_age"],
        "payer_region": c["region"],
        "location_region": c["region"][:6] if rng.random() < 0.97 else rng.choice(REGIONS)[:6],
        "payer_name": c["name"],
        "payer_phone": c["phone"],
        "device_id": f"{c['device']}-new" if new_device else c["device"],
        "ip": c["ip"],
        "payee_account": payee,
        "amount": round(max(amount, 1.0), 2),
        "channel": channel,
        "occurred_at": at,
        "fraud_type": "",
        "role": "normal",
        "victim": "",
    }


def generate_transfers(
    out: Path, *, customers: int = 2000, days: int = 30, seed: int = 7, warmup_days: int = 14
) -> GenerationReport:
    """Generate the files described in the module docstring into ``out``."""
    rng = random.Random(seed)
    accounts = _Accounts(rng)
    people = _customers(rng, customers, accounts)
    merchants = [accounts("6229") for _ in range(max(50, customers // 20))]
    bills = [accounts("6228") for _ in range(12)]
    rows: list[dict[str, Any]] = []
    for d in range(days):
        day = START + timedelta(days=d)
        for c in people:
            rows.extend(_normal(rng, c, day, merchants, bills))
    for c in people:  # history before the window: every regular payee has been paid once
        for payee in set(c["family"] + c["friends"]) - {c["account"]}:
            at = START + timedelta(days=rng.uniform(0, warmup_days - 1), hours=rng.uniform(8, 20))
            rows.append(_row(rng, c, payee, rng.uniform(50, 500), at))
    gangs = make_gangs(rng, max(3, customers // 400), REGIONS, accounts)
    fraud_days = max(1, days - warmup_days)
    n_victims = max(10, customers // 100)
    lists: list[dict[str, Any]] = [
        {"kind": "allow", "value": a, "listed_at": START} for a in merchants + bills
    ]
    shop_mules = [rng.choice(g.collectors) for g in gangs]
    victims = 0
    for i in range(n_victims):
        kind = FRAUD_TYPES[i % len(FRAUD_TYPES)]
        low, high = AGE_RANGES[kind]
        candidates = [c for c in people if low <= c["age"] <= high] or people
        victim = dict(rng.choice(candidates))
        victim["caller"] = "170" + "".join(str(rng.randrange(10)) for _ in range(8))
        start = START + timedelta(days=warmup_days + rng.uniform(0, fraud_days - 0.5), hours=0)
        start = start.replace(hour=rng.randint(8, 21))
        j = rng.randrange(len(gangs))
        rows.extend(victim_rows(rng, victim, kind, start, gangs[j], shop_mules[j]))
        victims += 1
        if rng.random() < 0.5:  # the number was reported by earlier victims
            lists.append(
                {"kind": "fraud_phone", "value": victim["caller"], "listed_at": start - timedelta(days=1)}
            )
    for g in gangs:  # police list a third of the collectors, a few days into the fraud period
        for acc in rng.sample(g.collectors, k=len(g.collectors) // 3):
            at = START + timedelta(days=warmup_days + rng.uniform(1, fraud_days))
            lists.append({"kind": "case_account", "value": acc, "listed_at": at})
    frame = _finish(rows, people, warmup_days)
    out.mkdir(parents=True, exist_ok=True)
    truth = frame[["transfer_id", "is_fraud", "fraud_type", "role", "victim", "warmup"]]
    frame.drop(columns=["is_fraud", "fraud_type", "role", "victim", "warmup"]).to_parquet(
        out / "transfers.parquet", index=False
    )
    truth.to_parquet(out / "truth.parquet", index=False)
    pd.DataFrame(lists).to_parquet(out / "lists.parquet", index=False)
    pd.DataFrame([{k: v for k, v in c.items() if k not in ("family", "friends")} for c in people]).to_parquet(
        out / "customers.parquet", index=False
    )
    return GenerationReport(out, customers, len(frame), int(truth["is_fraud"].sum()), victims)


def _finish(rows: list[dict[str, Any]], people: list[dict[str, Any]], warmup_days: int) -> pd.DataFrame:
    """Sort by time, number the transfers, and compute each customer's balance before each transfer."""
    rows.sort(key=lambda r: r["occurred_at"])
    balance = {c["account"]: c["balance"] for c in people}
    salary = {c["account"]: c["salary"] for c in people}
    month = -1
    cutoff = START + timedelta(days=warmup_days)
    for i, r in enumerate(rows):
        if r["occurred_at"].month != month:  # payday: salaries arrive (credits, not transfers)
            month = r["occurred_at"].month
            for acc, pay in salary.items():
                balance[acc] += pay
        r["transfer_id"] = f"T{i:08d}"
        payer, payee, amount = r["payer_account"], r["payee_account"], r["amount"]
        if payer in balance:
            if balance[payer] < amount and r["role"] == "normal":
                balance[payer] = amount * 1.3 + 1000  # a deposit we do not model
            r["payer_balance"] = round(max(balance[payer], amount), 2)
            balance[payer] = max(0.0, balance[payer] - amount)
        if payee in balance:
            balance[payee] += amount
        r["is_fraud"] = r["role"] != "normal"
        r["warmup"] = r["occurred_at"] < cutoff
    frame = pd.DataFrame(rows)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame
