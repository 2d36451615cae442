"""Payment-page checks for the ``online`` channel: the transfer's payment order against the merchant registry.

The pure checker :func:`qiandai.texts.payment_page.check_payment_page` finds what is wrong with an order
(each finding has a stable code); this module weighs the findings for the decision engine
(docs/adr/0023-payment-page-checks-in-decisions.md):

* **拦截** (whatever the scenario scores): the order expired (outside the merchant's validity window),
  its step times run backwards or lie in the future (tampering or replay), the captcha failed, or the
  page's IP is outside the registered networks of a merchant that asked for ``strict_ip``;
* **second confirmation** (at least 提示核实 until the request says the payer passed it): the page's
  origin is not a registered domain of the merchant, the merchant is not registered, the page's IP is
  outside the registered networks, plain HTTP, no captcha, the amount reaches the merchant's threshold,
  a new device;
* a **risk score** 0–100 (feature ``payment_page_risk``) from the same findings, so scenario rules can
  add to the transfer's score (rule ``payment_page_risky`` of the default scenario).

The registry is ``$QIANDAI_HOME/texts/merchants.json`` (:mod:`qiandai.texts.merchants`), re-read when the
file changes, so every worker sees a merchant registered through the CLI or the API.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qiandai import settings
from qiandai.texts.merchants import MerchantRegistry, registry_path
from qiandai.texts.payment_page import PaymentPageContext, PaymentStep, check_payment_page
from qiandai.transfers.model import Transfer

#: Findings that stop the payment outright.
BLOCK_CODES = frozenset({"expired", "step_order", "future_step", "captcha_failed", "ip_strict"})
#: Weight of each finding in ``payment_page_risk`` (capped at 100).
RISK_WEIGHTS = {
    "expired": 100,
    "step_order": 100,
    "future_step": 100,
    "captcha_failed": 100,
    "domain_mismatch": 70,
    "unknown_merchant": 50,
    "ip_strict": 60,
    "ip_mismatch": 40,
    "plain_http": 20,
    "captcha_missing": 10,
    "amount_threshold": 10,
    "new_device": 10,
}


@dataclass(frozen=True)
class PageCheck:
    """The engine's view of one payment order: reasons to block, reasons to confirm, a risk score."""

    block: tuple[str, ...]
    confirm: tuple[str, ...]
    risk: int

    @property
    def reasons(self) -> list[str]:
        return [*self.block, *self.confirm]


class MerchantPageChecker:
    """Checks payment orders against the merchant registry file (re-read when it changes)."""

    def __init__(self, path: Path | None = None, registry: MerchantRegistry | None = None) -> None:
        self._path = path
        self._fixed = registry
        self._cached: tuple[float, MerchantRegistry] | None = None
        self._lock = threading.Lock()

    def registry(self) -> MerchantRegistry:
        if self._fixed is not None:
            return self._fixed
        path = self._path or registry_path(settings.home())
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return MerchantRegistry()
        with self._lock:
            if self._cached is None or self._cached[0] != mtime:
                self._cached = (mtime, MerchantRegistry.load(path))
            return self._cached[1]

    def __call__(self, transfer: Transfer, now: datetime, new_device: bool) -> PageCheck | None:
        order = transfer.payment_order
        if order is None:
            return None
        ctx = PaymentPageContext(
            order_id=order.order_id,
            merchant_id=order.merchant_id,
            page_url=order.page_url,
            page_ip=order.page_ip,
            amount=transfer.amount_cny,
            steps=tuple(PaymentStep(s.label, s.at) for s in order.steps),
            now=now,
            captcha_passed=order.captcha_passed,
            new_device=new_device,
        )
        verdict = check_payment_page(ctx, self.registry())
        block = tuple(f.reason for f in verdict.findings if f.code in BLOCK_CODES)
        confirm = tuple(f.reason for f in verdict.findings if f.code not in BLOCK_CODES)
        risk = min(100, sum(RISK_WEIGHTS.get(f.code, 10) for f in verdict.findings))
        return PageCheck(block, confirm, risk)
