"""What the teller asks and what the app shows: 三问二看一核对 and warning texts per fraud type."""

from __future__ import annotations

from qiandai.transfers.model import Channel, Decision, RuleHit

#: 三问二看一核对 — the counter's standard questions for a transfer that is not simply allowed.
THREE_TWO_ONE: tuple[str, ...] = (
    "问用途：这笔钱用来做什么？",
    "问关系：您认识收款人吗？和对方是什么关系，见过面吗？",
    "问来源：是谁让您办理这笔转账的？是否有人在电话、短信或网上指导您？",
    "看神色：客户是否紧张、匆忙或神情异常（柜员观察）",
    "看通话：客户是否一边通话一边办理（柜员观察）",
    "核对：客户所述用途与金额、收款人是否合理一致",
)

WARNINGS: dict[str, str] = {
    "刷单返利": "警惕刷单返利诈骗：所有刷单都是诈骗，先小额返利、再诱导大额垫付，钱一去不回。",
    "虚假网络投资理财": "警惕虚假投资理财：陌生人拉群荐股、“内部消息”“稳赚不赔”的平台都是骗局。",
    "虚假网络贷款": "警惕虚假贷款：正规贷款放款前不收取任何“解冻费”“保证金”“刷流水”费用。",
    "冒充电商物流客服": "警惕冒充客服：退款、理赔不会要求您共享屏幕或向个人账户转账。",
    "冒充公检法": "警惕冒充公检法：公安、检察院、法院不会电话办案，更没有所谓“安全账户”。",
    "虚假征信": "警惕虚假征信：征信记录无法人为消除，“注销校园贷”“修复征信”都是诈骗。",
    "虚假购物服务": "警惕虚假购物：低价商品、私下交易、脱离平台付款的要求都是诈骗信号。",
    "冒充领导熟人": "警惕冒充领导熟人：借钱、转账务必当面或电话核实对方身份。",
    "网络游戏产品虚假交易": "警惕游戏交易诈骗：买卖游戏账号、装备请走官方平台，不要私下转账。",
    "婚恋交友": "警惕婚恋交友诈骗：从未谋面的“恋人”带您投资、借钱，十有八九是骗局。",
}
GENERAL_WARNING = "这笔转账存在被骗风险。不听、不信、不转账；如有疑问请拨打 96110 咨询。"


def counter_questions(hits: list[RuleHit], rule_questions: dict[str, str]) -> list[str]:
    """The teller's questions: the standard six plus one per hit rule that carries a question."""
    extra = [rule_questions[h.rule_id] for h in hits if rule_questions.get(h.rule_id)]
    seen: set[str] = set()
    return [q for q in (*THREE_TWO_ONE, *extra) if not (q in seen or seen.add(q))]  # type: ignore[func-returns-value]


def main_fraud_type(hits: list[RuleHit]) -> str:
    """The fraud type of the highest-scoring hit that names one of the ten types (else the first named)."""
    named = sorted((h for h in hits if h.fraud_type), key=lambda h: -h.score)
    for hit in named:
        if hit.fraud_type in WARNINGS:
            return hit.fraud_type
    return named[0].fraud_type if named else ""


def warning_text(decision: Decision, fraud_type: str) -> str:
    """The text an app shows before the customer may go on (empty when the transfer is allowed)."""
    if decision is Decision.ALLOW:
        return ""
    specific = WARNINGS.get(fraud_type, "")
    if decision is Decision.BLOCK:
        return f"该笔转账已被拦截。{specific}如需办理请携带身份证件到柜面核实。".replace("。。", "。")
    if decision is Decision.DELAY:
        return f"{specific}{GENERAL_WARNING}为保护您的资金，本笔转账将延迟到账，期间可撤销。"
    return f"{specific}{GENERAL_WARNING}"


def guidance(
    channel: Channel, decision: Decision, hits: list[RuleHit], rule_questions: dict[str, str]
) -> tuple[list[str], str]:
    """(questions for a counter transfer, warning text for an app/online/ATM transfer)."""
    if decision is Decision.ALLOW:
        return [], ""
    fraud = main_fraud_type(hits)
    if channel is Channel.COUNTER:
        return counter_questions(hits, rule_questions), ""
    return [], warning_text(decision, fraud)
