"""The merchant registry: each merchant's registered domains and IP networks and its payment settings.

Stored as ``$QIANDAI_HOME/texts/merchants.json`` (written atomically); a missing file is an empty
registry. The payment-page check (:mod:`qiandai.texts.payment_page`) reads it.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qiandai.domain.errors import InvalidInputError, KnowledgeBaseError, NotFoundError

DEFAULT_VALIDITY_SECONDS = 900
DEFAULT_CONFIRM_AMOUNT = 5_000.0


@dataclass(frozen=True)
class Merchant:
    """A registered merchant. ``ip_networks`` are CIDR strings (a single IP is a /32 or /128)."""

    merchant_id: str
    name: str
    domains: tuple[str, ...]
    ip_networks: tuple[str, ...] = ()
    validity_seconds: int = DEFAULT_VALIDITY_SECONDS
    confirm_amount: float = DEFAULT_CONFIRM_AMOUNT
    strict_ip: bool = False

    def __post_init__(self) -> None:
        if not self.merchant_id.strip():
            raise InvalidInputError("商户编号不能为空")
        if not self.domains:
            raise InvalidInputError(f"商户 {self.merchant_id} 至少需要登记一个域名")
        if self.validity_seconds <= 0:
            raise InvalidInputError(f"商户 {self.merchant_id} 的订单有效期必须大于 0 秒")
        for net in self.ip_networks:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise InvalidInputError(f"商户 {self.merchant_id} 登记的 IP 段 {net!r} 无效") from None
        object.__setattr__(self, "domains", tuple(d.strip().lower().rstrip(".") for d in self.domains))

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(n, strict=False) for n in self.ip_networks]


@dataclass
class MerchantRegistry:
    """Merchants by id."""

    merchants: dict[str, Merchant] = field(default_factory=dict)

    def get(self, merchant_id: str) -> Merchant:
        try:
            return self.merchants[merchant_id]
        except KeyError:
            raise NotFoundError(f"商户 {merchant_id} 未登记") from None

    def put(self, merchant: Merchant) -> None:
        self.merchants[merchant.merchant_id] = merchant

    @classmethod
    def load(cls, path: Path) -> MerchantRegistry:
        if not path.exists():
            return cls()
        try:
            items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["merchants"]
            merchants = [
                Merchant(
                    **{**m, "domains": tuple(m["domains"]), "ip_networks": tuple(m.get("ip_networks", ()))}
                )
                for m in items
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KnowledgeBaseError(f"商户登记文件 {path} 无法读取：{exc}") from None
        return cls({m.merchant_id: m for m in merchants})

    def save(self, path: Path) -> None:
        doc = {"merchants": [asdict(m) for m in sorted(self.merchants.values(), key=lambda m: m.merchant_id)]}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)


def registry_path(home: Path) -> Path:
    return home / "texts" / "merchants.json"
