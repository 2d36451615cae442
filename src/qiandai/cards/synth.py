"""A fast, vectorised synthetic transfer set with mule gangs, for the demo and the benchmark.

``qiandai.datagen.transfers`` is the realistic generator (per-customer behaviour, ten fraud types, one
Python loop per customer); it is too slow for ten million rows, and this module sits below ``datagen``
in the import layers. This one draws everything with numpy: ordinary accounts paying each other and
merchants, plus gangs of 14 mule accounts (8 collectors, 4 movers, 2 cash-out) sharing two devices and
two IPs; each victim payment to a collector is moved on within minutes (collector → mover → cash-out),
keeping 90–98 % each hop. Returns the frame (datagen column names) and the set of mule accounts.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

START = datetime(2025, 3, 1, tzinfo=UTC)
PERSON_BASE = 6222_0000_0000_0000
MERCHANT_BASE = 6229_0000_0000_0000
MULE_BASE = 6217_0000_0000_0000
GANG_SIZE, COLLECTORS, MOVERS = 14, 8, 4


def generate(
    transfers: int = 100_000,
    *,
    accounts: int | None = None,
    gangs: int | None = None,
    victims_per_gang: int = 12,
    days: int = 30,
    seed: int = 7,
    text: bool = True,
) -> tuple[pd.DataFrame, set[str]]:
    """About ``transfers`` rows over ``days`` days; see the module docstring. ``text=False`` keeps the
    accounts, devices and IPs as integers (the screening casts them; saves time at ten million rows)."""
    rng = np.random.default_rng(seed)
    accounts = accounts or max(200, transfers // 10)
    gangs = gangs if gangs is not None else max(2, transfers // 5000)
    merchants = max(10, accounts // 20)
    span = days * 86400.0
    n_victim = gangs * victims_per_gang
    n_pay = n_victim * 2
    n_normal = max(0, transfers - 3 * n_pay)

    # ordinary transfers: a fifth to merchants (Zipf-like popularity), the rest between people
    payer = rng.integers(0, accounts, n_normal)
    to_merchant = rng.random(n_normal) < 0.2
    person_payee = (payer + 1 + rng.integers(0, accounts - 1, n_normal)) % accounts
    merchant_payee = np.minimum(rng.zipf(1.6, n_normal) - 1, merchants - 1)
    payee = np.where(to_merchant, MERCHANT_BASE + merchant_payee, PERSON_BASE + person_payee)
    amount = np.round(np.exp(rng.normal(5.0, 1.2, n_normal)), 2) + 1.0
    ts = rng.random(n_normal) * span
    normal = pd.DataFrame(
        {
            "payer_account": PERSON_BASE + payer,
            "payee_account": payee,
            "amount": amount,
            "ts": ts,
            "device_id": payer,
            "ip": payer // 2,  # two accounts of one household share an address
        }
    )

    # victims pay collectors; each payment travels collector -> mover -> cash-out within minutes
    gang = np.repeat(np.arange(gangs), victims_per_gang * 2)
    victim = np.repeat(rng.choice(accounts, n_victim, replace=False), 2)
    base = MULE_BASE + gang * GANG_SIZE
    collector = base + rng.integers(0, COLLECTORS, n_pay)
    mover = base + COLLECTORS + rng.integers(0, MOVERS, n_pay)
    cashout = base + COLLECTORS + MOVERS + rng.integers(0, GANG_SIZE - COLLECTORS - MOVERS, n_pay)
    t0 = rng.random(n_pay) * (span - 7200)
    a0 = np.round(rng.uniform(2000, 50000, n_pay), 2)
    t1 = t0 + rng.uniform(120, 1500, n_pay)
    a1 = np.round(a0 * rng.uniform(0.9, 0.98, n_pay), 2)
    t2 = t1 + rng.uniform(120, 1500, n_pay)
    a2 = np.round(a1 * rng.uniform(0.9, 0.98, n_pay), 2)
    gang_device = -(gang * 2 + rng.integers(0, 2, n_pay)) - 1  # negative ids never clash with people's
    gang_ip = -(gang * 2 + rng.integers(0, 2, n_pay)) - 1
    fraud = pd.DataFrame(
        {
            "payer_account": np.concatenate([PERSON_BASE + victim, collector, mover]),
            "payee_account": np.concatenate([collector, mover, cashout]),
            "amount": np.concatenate([a0, a1, a2]),
            "ts": np.concatenate([t0, t1, t2]),
            "device_id": np.concatenate([victim, gang_device, gang_device]),
            "ip": np.concatenate([victim // 2, gang_ip, gang_ip]),
        }
    )
    frame = pd.concat([normal, fraud], ignore_index=True)
    frame = frame.sort_values("ts", kind="stable").reset_index(drop=True)
    frame["occurred_at"] = pd.Timestamp(START) + pd.to_timedelta(frame.pop("ts"), unit="s")
    frame["transfer_id"] = np.arange(len(frame))
    if text:
        frame["device_id"] = "d" + frame["device_id"].astype(str)
        frame["ip"] = "i" + frame["ip"].astype(str)
        for column in ("payer_account", "payee_account", "transfer_id"):
            frame[column] = frame[column].astype(str)
    used = pd.unique(np.concatenate([collector, mover, cashout]))
    return frame, {str(a) for a in used}
