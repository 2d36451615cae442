"""Penalties of the Medical Security Fund Regulations (医疗保障基金使用监督管理条例) as data.

The fine base is the fund loss confirmed in the case; the chosen multiple must lie inside the
article's range (two decimals at most). Art. 39 fines are a fixed range in yuan instead. Suspension of
the responsible department's fund-related services is 6–12 months (Art. 38 optional, Art. 40 required
unless the service agreement is terminated); individuals (Art. 41) have networked settlement suspended
3–12 months, and a fraud (Art. 41 para. 2) adds a 2–5× fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from qiandai.domain.errors import InvalidInputError
from qiandai.supervision.money import money as to_money


@dataclass(frozen=True)
class Article:
    code: str
    title: str
    subject: str  # institution | person (the case subject it applies to)
    summary: str
    multiple: tuple[Decimal, Decimal] | None = None
    fixed_fine: tuple[Decimal, Decimal] | None = None
    suspension: tuple[int, int] | None = None
    suspension_required: bool = False
    termination_allowed: bool = False
    settlement_suspension: tuple[int, int] | None = None


D = Decimal
ARTICLES: dict[str, Article] = {
    a.code: a
    for a in (
        Article(
            "38",
            "第三十八条",
            "institution",
            "造成医疗保障基金损失的违规行为，责令退回，处损失金额1倍以上2倍以下罚款",
            multiple=(D(1), D(2)),
            suspension=(6, 12),
        ),
        Article(
            "39",
            "第三十九条",
            "institution",
            "违反管理制度且拒不改正，处1万元以上5万元以下罚款",
            fixed_fine=(D(10000), D(50000)),
        ),
        Article(
            "40",
            "第四十条",
            "institution",
            "骗取医疗保障基金支出，责令退回，处骗取金额2倍以上5倍以下罚款",
            multiple=(D(2), D(5)),
            suspension=(6, 12),
            suspension_required=True,
            termination_allowed=True,
        ),
        Article(
            "41",
            "第四十一条第一款",
            "person",
            "个人违规，责令退回，暂停医疗费用联网结算3个月至12个月",
            settlement_suspension=(3, 12),
        ),
        Article(
            "41-2",
            "第四十一条第二款",
            "person",
            "个人骗保，责令退回，处骗取金额2倍以上5倍以下罚款，暂停联网结算",
            multiple=(D(2), D(5)),
            settlement_suspension=(3, 12),
        ),
    )
}


@dataclass(frozen=True)
class Penalty:
    article: str
    multiple: Decimal
    fine_base: Decimal
    fine_amount: Decimal
    suspension_months: int | None
    settlement_suspension_months: int | None
    terminate_agreement: bool


def compute(
    article_code: str,
    *,
    fine_base: Decimal,
    multiple: Decimal | None = None,
    fixed_fine: Decimal | None = None,
    suspension_months: int | None = None,
    settlement_suspension_months: int | None = None,
    terminate_agreement: bool = False,
    min_multiple: Decimal | None = None,
) -> Penalty:
    """Validate the choices against ``article_code`` and compute the fine (exact, two decimals).

    ``min_multiple`` raises the article's lower bound (strict handling after a self-inspection).
    """
    art = ARTICLES.get(article_code)
    if art is None:
        raise InvalidInputError(f"未知条款：{article_code}（可选：{'、'.join(ARTICLES)}）")
    base = to_money(fine_base)
    fine = D("0.00")
    chosen = D("0")
    if art.multiple is not None:
        if multiple is None:
            raise InvalidInputError(f"{art.title}须指定罚款倍数（{art.multiple[0]}–{art.multiple[1]} 倍）")
        chosen = to_money(multiple)
        low = max(art.multiple[0], min_multiple or art.multiple[0])
        if not low <= chosen <= art.multiple[1]:
            raise InvalidInputError(f"{art.title}罚款倍数应在 {low}–{art.multiple[1]} 倍之间，实为 {chosen}")
        fine = (base * chosen).quantize(D("0.01"))
    elif multiple not in (None, D(0)):
        raise InvalidInputError(f"{art.title}不按倍数处罚")
    if art.fixed_fine is not None:
        if fixed_fine is None:
            raise InvalidInputError(
                f"{art.title}须指定罚款金额（{art.fixed_fine[0]}–{art.fixed_fine[1]} 元）"
            )
        fine = to_money(fixed_fine)
        if not art.fixed_fine[0] <= fine <= art.fixed_fine[1]:
            raise InvalidInputError(f"{art.title}罚款应在 {art.fixed_fine[0]}–{art.fixed_fine[1]} 元之间")
    elif fixed_fine is not None:
        raise InvalidInputError(f"{art.title}不按固定金额处罚")
    _check_months("暂停相关医药服务", suspension_months, art.suspension)
    _check_months("暂停联网结算", settlement_suspension_months, art.settlement_suspension)
    if art.settlement_suspension is not None and settlement_suspension_months is None:
        raise InvalidInputError(
            f"{art.title}须指定暂停联网结算月数"
            f"（{art.settlement_suspension[0]}–{art.settlement_suspension[1]} 个月）"
        )
    if terminate_agreement and not art.termination_allowed:
        raise InvalidInputError(f"{art.title}不适用解除服务协议")
    if art.suspension_required and suspension_months is None and not terminate_agreement:
        raise InvalidInputError(f"{art.title}须暂停相关医药服务 6–12 个月或解除服务协议")
    return Penalty(
        article_code, chosen, base, fine, suspension_months, settlement_suspension_months, terminate_agreement
    )


def _check_months(what: str, months: int | None, allowed: tuple[int, int] | None) -> None:
    if months is None:
        return
    if allowed is None:
        raise InvalidInputError(f"该条款不适用{what}")
    if not allowed[0] <= months <= allowed[1]:
        raise InvalidInputError(f"{what}应为 {allowed[0]}–{allowed[1]} 个月，实为 {months}")
