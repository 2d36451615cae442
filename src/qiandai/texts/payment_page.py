"""Payment-page checks for the online-payment channel of the transfer decision service.

:func:`check_payment_page` is pure: it takes a :class:`PaymentPageContext` (the order's step timestamps,
the paying page's URL and server IP, the amount, what the client reported) and the merchant registry, and
returns a :class:`PaymentPageVerdict` with Chinese reasons. Decisions:

* ``reject`` — unknown merchant; a step outside the validity window (order expired); steps out of order or
  in the future; the page's host not under any registered domain; the page's IP outside the registered
  networks when the merchant asks for ``strict_ip``; a captcha that failed.
* ``confirm`` (allow only after a second confirmation) — IP outside the registered networks (not strict,
  because CDNs move); no captcha passed; amount ≥ the merchant's threshold; a new device; a plain-http page.
* ``allow`` — otherwise.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.texts.merchants import MerchantRegistry

CLOCK_SKEW = timedelta(seconds=30)


class PaymentDecision(StrEnum):
    ALLOW = "allow"
    CONFIRM = "confirm"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return {"allow": "放行", "confirm": "需二次确认", "reject": "拒绝"}[self.value]


@dataclass(frozen=True)
class PaymentStep:
    """One step of the payment (下单, 进入收银台, 提交支付 …) and when it happened (timezone-aware)."""

    name: str
    at: datetime


@dataclass(frozen=True)
class PaymentPageContext:
    """What the payment channel knows when the payer submits: order, page, amount, client signals."""

    order_id: str
    merchant_id: str
    page_url: str
    page_ip: str | None
    amount: float
    steps: tuple[PaymentStep, ...]
    now: datetime
    captcha_passed: bool | None = None
    new_device: bool = False


@dataclass(frozen=True)
class Finding:
    """One thing the check found: a stable ``code`` (for callers that weigh findings themselves, such as
    the transfer decision engine) and its Chinese reason."""

    code: str
    reason: str


#: Finding codes: those that make the verdict ``reject`` and those that ask for a second confirmation.
REJECT_CODES = frozenset(
    {
        "unknown_merchant",
        "step_order",
        "future_step",
        "expired",
        "domain_mismatch",
        "ip_strict",
        "captcha_failed",
    }
)
CONFIRM_CODES = frozenset({"plain_http", "ip_mismatch", "captcha_missing", "amount_threshold", "new_device"})


@dataclass(frozen=True)
class PaymentPageVerdict:
    decision: PaymentDecision
    second_confirmation_required: bool
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = ()

    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.findings)


def check_payment_page(ctx: PaymentPageContext, registry: MerchantRegistry) -> PaymentPageVerdict:
    """Verdict for one payment submission (see the module docstring for the decision table)."""
    _validate(ctx)
    reject: list[Finding] = []
    confirm: list[Finding] = []
    try:
        merchant = registry.get(ctx.merchant_id)
    except NotFoundError:
        found = Finding("unknown_merchant", f"商户 {ctx.merchant_id} 未登记，不能确认收款方真实身份")
        return PaymentPageVerdict(PaymentDecision.REJECT, False, (found.reason,), (found,))
    window = timedelta(seconds=merchant.validity_seconds)
    steps = sorted(ctx.steps, key=lambda s: s.at)
    if list(ctx.steps) != steps:
        reject.append(Finding("step_order", "支付步骤时间顺序异常（后一步早于前一步），疑似被篡改或重放"))
    first = steps[0]
    for step in steps:
        if step.at > ctx.now + CLOCK_SKEW:
            reject.append(
                Finding("future_step", f"步骤“{step.name}”的时间 {step.at:%Y-%m-%d %H:%M:%S} 晚于当前时间")
            )
    age = ctx.now - first.at
    if age > window:
        minutes = merchant.validity_seconds // 60
        reject.append(
            Finding(
                "expired",
                f"订单已过期：自“{first.name}”起已过 {int(age.total_seconds() // 60)} 分钟，"
                f"有效期 {minutes} 分钟",
            )
        )
    parts = urlsplit(ctx.page_url)
    host = (parts.hostname or "").lower().rstrip(".")
    if not any(host == d or host.endswith("." + d) for d in merchant.domains):
        reject.append(
            Finding(
                "domain_mismatch",
                f"支付页面域名 {host} 不在商户登记的域名（{'、'.join(merchant.domains)}）之内，"
                "疑似仿冒支付页",
            )
        )
    if parts.scheme != "https":
        confirm.append(Finding("plain_http", "支付页面未使用 HTTPS 加密"))
    if ctx.page_ip and merchant.ip_networks:
        ip = ipaddress.ip_address(ctx.page_ip)
        if not any(ip in net for net in merchant.networks()):
            msg = f"支付页面服务器 IP {ip} 不在商户登记的地址段内"
            if merchant.strict_ip:
                reject.append(Finding("ip_strict", msg))
            else:
                confirm.append(Finding("ip_mismatch", msg))
    if ctx.captcha_passed is False:
        reject.append(Finding("captcha_failed", "图形/滑动验证码未通过，疑似木马或自动化程序操作"))
    elif ctx.captcha_passed is None:
        confirm.append(Finding("captcha_missing", "未完成验证码校验"))
    if ctx.amount >= merchant.confirm_amount:
        confirm.append(
            Finding(
                "amount_threshold",
                f"金额 {ctx.amount:,.2f} 元达到二次确认门槛 {merchant.confirm_amount:,.2f} 元",
            )
        )
    if ctx.new_device:
        confirm.append(Finding("new_device", "付款设备为首次使用的新设备"))
    findings = tuple(reject + confirm)
    reasons = tuple(f.reason for f in findings)
    if reject:
        return PaymentPageVerdict(PaymentDecision.REJECT, False, reasons, findings)
    if confirm:
        return PaymentPageVerdict(PaymentDecision.CONFIRM, True, reasons, findings)
    return PaymentPageVerdict(
        PaymentDecision.ALLOW, False, ("支付页面域名、IP 与商户登记一致，订单在有效期内",)
    )


def _validate(ctx: PaymentPageContext) -> None:
    if not ctx.steps:
        raise InvalidInputError("支付步骤为空：至少需要“下单”时间")
    if ctx.now.tzinfo is None or any(s.at.tzinfo is None for s in ctx.steps):
        raise InvalidInputError("时间必须带时区（如 2025-01-01T10:00:00+08:00）")
    if ctx.amount < 0:
        raise InvalidInputError("金额不能为负数")
    try:
        parts = urlsplit(ctx.page_url)
        _ = parts.port
    except ValueError:
        raise InvalidInputError(f"支付页面地址格式无效：{ctx.page_url[:80]}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"支付页面地址格式无效：{ctx.page_url[:80]}（需以 https:// 开头）")
    if ctx.page_ip:
        try:
            ipaddress.ip_address(ctx.page_ip)
        except ValueError:
            raise InvalidInputError(f"支付页面 IP 地址无效：{ctx.page_ip[:40]}") from None
