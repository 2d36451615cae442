"""The transfer a bank or payment platform asks about, and the decision Qiandai returns.

A :class:`Transfer` is validated completely before anything is decided or stored: amounts are positive,
exact to the fen and below the per-transfer ceiling; the currency is known; accounts are 8–32 digits; a
transfer to the same account is refused; times carry a zone. Every message is Chinese and names the
field, so the API answers 422 with a specific reason and stores nothing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qiandai.domain.errors import InvalidInputError


class Channel(StrEnum):
    """Where the customer initiates the transfer."""

    COUNTER = "counter"
    MOBILE = "mobile"
    ONLINE = "online"
    ATM = "atm"

    @property
    def label(self) -> str:
        return {"counter": "柜面", "mobile": "手机银行/App", "online": "网上银行/网页", "atm": "自助设备"}[
            self.value
        ]


class Decision(StrEnum):
    """The four outcomes, mildest first (Art. 18: 核实交易, 延迟支付结算, 限制或者中止有关业务)."""

    ALLOW = "放行"
    VERIFY = "提示核实"
    DELAY = "延迟到账"
    BLOCK = "拦截"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def stops_money(self) -> bool:
        """True when the money does not reach the payee now (delayed or intercepted)."""
        return self in (Decision.DELAY, Decision.BLOCK)


_RANK = {Decision.ALLOW: 0, Decision.VERIFY: 1, Decision.DELAY: 2, Decision.BLOCK: 3}

#: Reference rates to CNY used only to compare amounts in risk features (not for settlement).
CNY_RATES: dict[str, Decimal] = {
    "CNY": Decimal("1"),
    "HKD": Decimal("0.92"),
    "USD": Decimal("7.20"),
    "EUR": Decimal("7.80"),
    "GBP": Decimal("9.10"),
    "JPY": Decimal("0.048"),
    "MOP": Decimal("0.89"),
    "TWD": Decimal("0.22"),
}
MAX_AMOUNT = Decimal("100000000")  # ¥1 亿 per transfer: above it the input is an error, not a risk
FUTURE_TOLERANCE = timedelta(minutes=5)
_ACCOUNT = re.compile(r"^[0-9]{8,32}$")
_REGION = re.compile(r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")


def _account(value: str, what: str) -> str:
    value = value.strip().replace(" ", "")
    if not _ACCOUNT.match(value):
        raise ValueError(f"{what}格式不正确：应为 8–32 位数字")
    return value


class PayeeCategory(StrEnum):
    """What the payment is for, when the bank knows it. Utilities, tax and social-security payments stay
    open to a punished payer (Anti-Telecom Fraud Law Art. 31 punishment measures spare them)."""

    UTILITY = "utility"
    TAX = "tax"
    SOCIAL_SECURITY = "social_security"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "utility": "水电燃气等公用事业缴费",
            "tax": "缴纳税费",
            "social_security": "缴纳社会保险费",
            "other": "其他",
        }[self.value]

    @property
    def exempt(self) -> bool:
        """True for the payments a punished person may still make outside the counter."""
        return self is not PayeeCategory.OTHER


#: Names of the usual order steps (any other name is accepted and shown as given).
STEP_LABELS = {"created": "下单", "cashier": "进入收银台", "submitted": "提交支付", "paid": "支付完成"}


class OrderStep(BaseModel):
    """One step of a payment order and when it happened."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40, description="步骤：created 下单 / submitted 提交支付 …")
    at: datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("订单步骤时间必须带时区（如 +08:00）")
        return v

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.name, self.name)


class PaymentOrder(BaseModel):
    """For online payments: the merchant order being paid, the paying page and the client's checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    merchant_id: str = Field(min_length=1, max_length=64, description="商户编号（须已登记域名/IP）")
    order_id: str = Field(min_length=1, max_length=64)
    steps: tuple[OrderStep, ...] = Field(
        min_length=1, max_length=20, description="订单各步骤时间，按发生顺序"
    )
    page_url: str = Field(min_length=1, max_length=2000, description="付款页面地址（来源）")
    page_ip: str | None = Field(default=None, max_length=64, description="付款页面服务器 IP")
    captcha_passed: bool | None = None
    second_confirmation_passed: bool = False

    @field_validator("page_url")
    @classmethod
    def _url(cls, v: str) -> str:
        try:
            parts = urlsplit(v.strip())
            _ = parts.port
        except ValueError:
            raise ValueError("付款页面地址格式无效") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("付款页面地址格式无效：应以 https:// 开头并包含域名")
        return v.strip()

    @field_validator("page_ip")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            return str(ipaddress.ip_address(v.strip()))
        except ValueError:
            raise ValueError("付款页面 IP 地址无效") from None


class Transfer(BaseModel):
    """One transfer to decide. Unknown facts stay ``None``; rules treat them as not matching."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    transfer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    payer_account: str
    payer_bank: str = Field(default="", max_length=64)
    payee_account: str
    payee_bank: str = Field(default="", max_length=64)
    payee_name: str = Field(default="", max_length=100)
    amount: Decimal
    currency: str = "CNY"
    channel: Channel
    occurred_at: datetime
    device_id: str | None = Field(default=None, max_length=128)
    ip: str | None = Field(default=None, max_length=64)
    location_region: str | None = Field(default=None, description="交易发生地行政区划代码（6/9/12 位）")
    payer_region: str | None = Field(default=None, description="付款人住址行政区划代码（6/9/12 位）")
    payee_region: str | None = Field(default=None, description="收款账户开户地行政区划代码")
    payer_name: str | None = Field(default=None, max_length=100)
    payer_phone: str | None = Field(default=None, max_length=20)
    payer_age: int | None = Field(default=None, ge=0, le=130)
    payer_account_age_days: int | None = Field(default=None, ge=0)
    payee_account_age_days: int | None = Field(default=None, ge=0)
    payer_balance: Decimal | None = Field(default=None, ge=0, description="转账前余额（元）")
    remote_control: bool = False
    screen_sharing: bool = False
    on_call: bool = False
    caller_number: str | None = Field(default=None, max_length=20)
    payment_order: PaymentOrder | None = None
    payee_category: PayeeCategory | None = None

    @field_validator("payer_account")
    @classmethod
    def _payer(cls, v: str) -> str:
        return _account(v, "付款账号")

    @field_validator("payee_account")
    @classmethod
    def _payee(cls, v: str) -> str:
        return _account(v, "收款账号")

    @field_validator("amount")
    @classmethod
    def _amount(cls, v: Decimal) -> Decimal:
        if not v.is_finite():
            raise ValueError("金额无效")
        if v <= 0:
            raise ValueError("金额必须大于 0")
        if v != v.quantize(Decimal("0.01")):
            raise ValueError("金额最多两位小数（精确到分）")
        if v > MAX_AMOUNT:
            raise ValueError("金额超过单笔上限 1 亿元")
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        code = v.strip().upper()
        if code not in CNY_RATES:
            raise ValueError(f"未知币种「{v}」；支持：{'、'.join(CNY_RATES)}")
        return code

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("交易时间必须带时区（如 +08:00）")
        return v

    @field_validator("location_region", "payer_region", "payee_region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        if v is not None and not _REGION.match(v):
            raise ValueError("行政区划代码应为 6、9 或 12 位数字")
        return v

    @model_validator(mode="after")
    def _not_to_self(self) -> Transfer:
        if self.payer_account == self.payee_account:
            raise ValueError("收款账号与付款账号相同：不能向本账户转账")
        if self.payment_order is not None and self.channel is not Channel.ONLINE:
            raise ValueError("只有网上支付渠道（channel = online）可以附带支付订单 payment_order")
        return self

    @property
    def amount_cny(self) -> float:
        return float(self.amount * CNY_RATES[self.currency])


def check_not_future(transfer: Transfer, now: datetime) -> None:
    """Refuse a transfer timestamped in the future (beyond a 5-minute clock tolerance)."""
    if transfer.occurred_at - now > FUTURE_TOLERANCE:
        raise InvalidInputError("交易时间晚于当前时间：不能对未来的交易作出决定")


def parse_transfer(data: dict[str, Any]) -> Transfer:
    """Validate a mapping into a :class:`Transfer`, raising :class:`InvalidInputError` in Chinese."""
    from pydantic import ValidationError

    try:
        return Transfer.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()))
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{loc}：{msg}" if loc else msg)
        raise InvalidInputError("转账数据有误：" + "；".join(parts)) from None


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that matched, with the score it added and its Chinese reason."""

    rule_id: str
    name: str
    score: int
    reason: str
    fraud_type: str = ""
    victim: bool = False


@dataclass(slots=True)
class DecisionResult:
    """What the engine answers for one transfer (and what is stored)."""

    transfer_id: str
    decision: Decision
    score: int
    reasons: list[str]
    hits: list[RuleHit]
    scenario: str
    decided_at: datetime
    questions: list[str] = field(default_factory=list)
    warning_text: str = ""
    cooling_off_minutes: int = 0
    holds: list[str] = field(default_factory=list)
    likely_victim: bool = False
    fraud_type: str = ""
    features: dict[str, Any] = field(default_factory=dict)
    shadow: dict[str, Any] | None = None
    duplicate: bool = False
    second_confirmation_required: bool = False
    payment_check: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """The answer given to the caller (no internal feature vector)."""
        return {
            "transfer_id": self.transfer_id,
            "decision": self.decision.value,
            "score": self.score,
            "reasons": self.reasons,
            "rules": [h.rule_id for h in self.hits],
            "questions": self.questions,
            "warning_text": self.warning_text,
            "cooling_off_minutes": self.cooling_off_minutes,
            "holds": self.holds,
            "likely_victim": self.likely_victim,
            "fraud_type": self.fraud_type,
            "scenario": self.scenario,
            "decided_at": self.decided_at.isoformat(),
            "duplicate": self.duplicate,
            "second_confirmation_required": self.second_confirmation_required,
            "payment_check": self.payment_check,
        }
