"""The feature vector of a transfer: facts of the request, state features, list memberships.

:data:`CATALOG` names every feature a rule may read (with its Chinese meaning); a scenario version that
reads any other name is refused when it is drafted. :func:`build_features` is the single place that
turns a request plus state features into the vector both the live engine and back-tests use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qiandai.transfers.lists import ListIndex
from qiandai.transfers.model import Transfer

SHANGHAI = ZoneInfo("Asia/Shanghai")
ELDERLY_AGE = 60

CATALOG: dict[str, str] = {
    "amount": "金额（折人民币，元）",
    "channel": "渠道（counter/mobile/online/atm）",
    "hour": "交易时刻（北京时间，0–23）",
    "night": "夜间交易（0:00–6:00）",
    "payer_age": "付款人年龄",
    "elderly": "付款人为老年人（60 岁及以上）",
    "minor": "付款人未成年（18 岁以下）",
    "payer_account_age_days": "付款账户开户天数",
    "payee_account_age_days": "收款账户开户天数（如已知）",
    "payee_first_seen_days": "收款账户首次出现在转账中距今天数",
    "payer_balance": "转账前余额",
    "drain_ratio": "金额占余额比例",
    "first_time_payee": "首次向该收款人转账",
    "payer_history_count_30d": "近 30 天已放行转出笔数",
    "payer_max_amount_30d": "近 30 天已放行单笔最大金额",
    "payer_avg_amount_30d": "近 30 天已放行平均金额",
    "amount_to_max_ratio": "金额 / 近 30 天最大单笔",
    "amount_to_avg_ratio": "金额 / 近 30 天平均单笔",
    "payer_out_count_10m": "付款人近 10 分钟转出笔数",
    "payer_out_count_1h": "付款人近 1 小时转出笔数",
    "payer_out_count_24h": "付款人近 24 小时转出笔数",
    "payer_out_sum_24h": "付款人近 24 小时转出金额",
    "payer_small_count_24h": "付款人近 24 小时小额（≤1000 元）转出笔数",
    "payer_distinct_payees_24h": "付款人近 24 小时不同收款人数",
    "payer_new_payees_24h": "付款人近 24 小时新收款人数",
    "payee_in_count_1h": "收款账户近 1 小时收款笔数",
    "payee_in_count_24h": "收款账户近 24 小时收款笔数",
    "payee_in_sum_24h": "收款账户近 24 小时收款金额",
    "payee_distinct_payers_1h": "收款账户近 1 小时不同付款人数",
    "payee_distinct_payers_24h": "收款账户近 24 小时不同付款人数（多对一汇集）",
    "payer_in_sum_30m": "付款账户近 30 分钟到账金额",
    "payer_in_count_24h": "付款账户近 24 小时收款笔数",
    "pass_through_ratio": "近 30 分钟到账金额 / 本笔金额（快进快出）",
    "device_distinct_payers_24h": "同一设备近 24 小时不同付款账户数",
    "device_out_count_1h": "同一设备近 1 小时转出笔数",
    "ip_distinct_payers_24h": "同一 IP 近 24 小时不同付款账户数",
    "new_device": "付款人首次使用该设备",
    "cross_province": "交易地与付款人住址不在同一省",
    "payee_cross_province": "收款账户开户地与付款人住址不在同一省",
    "remote_control": "App 检测到远程控制",
    "screen_sharing": "App 检测到屏幕共享",
    "on_call": "转账时正在通话",
    "caller_on_fraud_list": "通话号码在涉诈电话名单",
    "payee_on_case_list": "收款账户在涉案账户名单",
    "payer_on_case_list": "付款账户在涉案账户名单",
    "payee_punished": "收款人在惩戒名单",
    "payer_punished": "付款人在惩戒名单",
    "payee_allowlisted": "收款账户在白名单",
    "payee_risk_account": "收款账户在断卡筛查高风险名单",
    "payment_page_risk": "支付页面风险分（0–100，网上支付附带订单时）",
    "payee_category": "收款用途（utility 公用事业缴费 / tax 税费 / social_security 社保费 / other 其他）",
    "payee_exempt_category": "收款用途为惩戒措施豁免的缴费（公用事业、税费、社保费）",
}


def _ratio(a: float, b: float | None) -> float | None:
    if b is None or b <= 0:
        return None
    return round(a / b, 4)


def build_features(
    transfer: Transfer, state_features: dict[str, Any], lists: ListIndex, page_risk: int | None = None
) -> dict[str, Any]:
    """The full feature vector: ``state_features`` (from the state at the transfer's time) plus the rest."""
    x = state_features
    amount = transfer.amount_cny
    local = transfer.occurred_at.astimezone(SHANGHAI)
    age = transfer.payer_age
    x["amount"] = amount
    x["channel"] = transfer.channel.value
    x["hour"] = local.hour
    x["night"] = local.hour < 6
    x["payer_age"] = age
    x["elderly"] = None if age is None else age >= ELDERLY_AGE
    x["minor"] = None if age is None else age < 18
    x["payer_account_age_days"] = transfer.payer_account_age_days
    x["payee_account_age_days"] = transfer.payee_account_age_days
    balance = None if transfer.payer_balance is None else float(transfer.payer_balance)
    x["payer_balance"] = balance
    x["drain_ratio"] = _ratio(amount, balance)
    x["amount_to_max_ratio"] = _ratio(amount, x.get("payer_max_amount_30d"))
    x["amount_to_avg_ratio"] = _ratio(amount, x.get("payer_avg_amount_30d"))
    x["pass_through_ratio"] = _ratio(x.get("payer_in_sum_30m") or 0.0, amount) if amount else None
    x["cross_province"] = _other_province(transfer.location_region, transfer.payer_region)
    x["payee_cross_province"] = _other_province(transfer.payee_region, transfer.payer_region)
    x["remote_control"] = transfer.remote_control
    x["screen_sharing"] = transfer.screen_sharing
    x["on_call"] = transfer.on_call
    x["caller_on_fraud_list"] = lists.fraud_phone(transfer.caller_number)
    x["payee_on_case_list"] = lists.case_account(transfer.payee_account)
    x["payer_on_case_list"] = lists.case_account(transfer.payer_account)
    x["payee_punished"] = lists.punished(transfer.payee_account)
    x["payer_punished"] = lists.punished(transfer.payer_account)
    x["payee_allowlisted"] = lists.allowed(transfer.payer_account, transfer.payee_account)
    x["payee_risk_account"] = lists.risk_account(transfer.payee_account)
    x["payment_page_risk"] = page_risk
    category = transfer.payee_category
    x["payee_category"] = None if category is None else category.value
    x["payee_exempt_category"] = category is not None and category.exempt
    return x


def _other_province(a: str | None, b: str | None) -> bool | None:
    if not a or not b:
        return None
    return a[:2] != b[:2]


def epoch(moment: datetime) -> float:
    """Seconds since 1970 (UTC) of an aware datetime: the state's time axis."""
    return moment.timestamp()
