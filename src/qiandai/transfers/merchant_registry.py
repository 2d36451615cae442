"""Registering merchants for the payment-page checks (API and CLI share these functions).

The registry is the JSON file of :mod:`qiandai.texts.merchants` in ``$QIANDAI_HOME`` (written atomically);
a process-wide lock serialises read-modify-write within a process, and every decision worker notices the
new file by its modification time (:class:`~qiandai.transfers.payment_check.MerchantPageChecker`).
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from qiandai import settings
from qiandai.texts.merchants import Merchant, MerchantRegistry, registry_path

_lock = threading.Lock()


def _path(home: Path | None) -> Path:
    return registry_path(home or settings.home())


def list_merchants(home: Path | None = None) -> list[dict[str, Any]]:
    registry = MerchantRegistry.load(_path(home))
    return [asdict(m) for m in sorted(registry.merchants.values(), key=lambda m: m.merchant_id)]


def put_merchant(
    merchant_id: str,
    *,
    name: str,
    domains: list[str],
    ip_networks: list[str] | None = None,
    validity_seconds: int = 900,
    confirm_amount: float = 5000.0,
    strict_ip: bool = False,
    home: Path | None = None,
) -> dict[str, Any]:
    """Register or replace a merchant (validated: domains present, networks parse, validity > 0)."""
    merchant = Merchant(
        merchant_id.strip(),
        name,
        tuple(d for d in domains if d.strip()),
        tuple(n.strip() for n in ip_networks or () if n.strip()),
        validity_seconds,
        confirm_amount,
        strict_ip,
    )
    with _lock:
        path = _path(home)
        registry = MerchantRegistry.load(path)
        registry.put(merchant)
        registry.save(path)
    return asdict(merchant)


def remove_merchant(merchant_id: str, home: Path | None = None) -> None:
    """Remove a merchant; an unknown id is a :class:`~qiandai.domain.errors.NotFoundError`."""
    with _lock:
        path = _path(home)
        registry = MerchantRegistry.load(path)
        registry.get(merchant_id)  # raises NotFoundError in Chinese
        del registry.merchants[merchant_id]
        registry.save(path)
