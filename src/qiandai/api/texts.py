"""`/api/screening/…`: scam screening of texts, links and payment pages; the 防诈骗宝典 data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from qiandai import settings
from qiandai.texts import service
from qiandai.texts.links import LinkVerdict
from qiandai.texts.methods import FraudMethod, load_book
from qiandai.texts.methods_export import export_book
from qiandai.texts.payment_page import PaymentPageContext, PaymentStep
from qiandai.texts.redflags import RedFlagHit

router = APIRouter(prefix="/api/screening", tags=["诈骗识别"])


class TextRequest(BaseModel):
    text: str = Field(description="短信、聊天记录、通话记录或案情描述原文（上限 20000 字）")


class SpanOut(BaseModel):
    start: int = Field(description="在原文中的起始位置（字符下标，含）")
    end: int = Field(description="在原文中的结束位置（字符下标，不含）")
    text: str = Field(description="原文片段")


class RedFlagOut(BaseModel):
    id: str = Field(description="红旗规则编号")
    name: str = Field(description="红旗规则名称")
    rule: str = Field(description="规则说明（如“凡是……都是诈骗”）")
    weight: float = Field(description="规则权重 0–1")
    spans: list[SpanOut] = Field(description="命中的原文片段")


class TypeOut(BaseModel):
    method_id: str = Field(description="诈骗手法编号")
    name: str = Field(description="诈骗手法名称")
    confidence: float = Field(description="综合置信度 0–1")
    model_probability: float = Field(description="统计模型概率")
    rule_score: float = Field(description="红旗规则得分")


class EntityOut(BaseModel):
    kind: str = Field(
        description="类型：phone 电话、qq、wechat 微信、url 链接、bank_card 银行卡、amount 金额、app 应用"
    )
    start: int = Field(description="在原文中的起始位置")
    end: int = Field(description="在原文中的结束位置")
    text: str = Field(description="原文片段")
    value: str = Field(description="规范化取值（号码仅数字、金额以元计）")
    detail: str = Field(description="补充说明（如银行卡校验位是否有效）")


class LinkOut(BaseModel):
    url: str = Field(description="检查的链接")
    host: str = Field(description="域名（ASCII 形式）")
    display_host: str = Field(description="域名的显示形式（punycode 解码后）")
    registered_domain: str = Field(description="可注册域名")
    risk: str = Field(description="风险等级 low/medium/high")
    risk_label: str = Field(description="风险等级：低/中/高")
    reasons: list[str] = Field(description="判断理由")


class TextResponse(BaseModel):
    length: int = Field(description="原文字数")
    risk: str = Field(description="风险等级 low/medium/high")
    risk_label: str = Field(description="风险等级：低/中/高")
    risk_score: float = Field(description="风险分 0–1")
    types: list[TypeOut] = Field(description="可能的诈骗类型（按置信度降序）")
    red_flags: list[RedFlagOut] = Field(description="命中的红旗规则")
    publicity: list[RedFlagOut] = Field(description="命中的反诈宣传用语（降低规则风险）")
    entities: list[EntityOut] = Field(description="提取的实体")
    links: list[LinkOut] = Field(description="文中链接的检查结果")
    model: str = Field(description="所用模型（默认模型为种子语料训练的起步模型）")


class LinkRequest(BaseModel):
    url: str = Field(description="需要检查的链接或域名")


class StepIn(BaseModel):
    name: str = Field(min_length=1, description="步骤名称，如 下单、进入收银台、提交支付")
    at: datetime = Field(description="步骤时间（带时区）")


class PaymentPageRequest(BaseModel):
    order_id: str = Field(min_length=1, description="订单号")
    merchant_id: str = Field(min_length=1, description="商户编号")
    page_url: str = Field(min_length=1, description="支付页面地址")
    page_ip: str | None = Field(default=None, description="支付页面服务器 IP")
    amount: float = Field(ge=0, description="金额（元）")
    steps: list[StepIn] = Field(min_length=1, description="各支付步骤的时间戳")
    now: datetime | None = Field(default=None, description="判断时刻（缺省为服务器当前时间）")
    captcha_passed: bool | None = Field(default=None, description="验证码是否通过（未做为空）")
    new_device: bool = Field(default=False, description="是否首次使用的设备")


class PaymentPageResponse(BaseModel):
    decision: str = Field(description="allow 放行 / confirm 需二次确认 / reject 拒绝")
    decision_label: str = Field(description="决定的中文")
    second_confirmation_required: bool = Field(description="是否需要二次确认")
    reasons: list[str] = Field(description="理由")


class MethodSummary(BaseModel):
    id: str = Field(description="手法编号")
    name: str = Field(description="手法名称")
    aliases: list[str] = Field(description="别名")
    lists: list[str] = Field(description="所属官方清单")


class MethodList(BaseModel):
    version: int = Field(description="知识库版本")
    updated: str = Field(description="更新日期")
    methods: list[MethodSummary] = Field(description="诈骗手法")


class MethodDetail(MethodSummary):
    description: str = Field(description="手法描述")
    scripts: list[str] = Field(description="典型话术")
    red_flags: list[str] = Field(description="识别要点")
    targets: list[str] = Field(description="易受骗人群")
    advice: list[str] = Field(description="防范建议")
    keywords: list[str] = Field(description="检索关键词")


@router.post("/text", response_model=TextResponse, summary="识别一段文本的诈骗风险")
def screen_text(body: TextRequest) -> TextResponse:
    r = service.screener_for(settings.home()).screen(body.text)
    return TextResponse(
        length=r.length,
        risk=r.risk.value,
        risk_label=r.risk.label,
        risk_score=r.risk_score,
        types=[TypeOut(**t.__dict__) for t in r.types],
        red_flags=[_flag(f) for f in r.red_flags],
        publicity=[_flag(f) for f in r.publicity],
        entities=[EntityOut(**e.__dict__) for e in r.entities],
        links=[_link(v) for v in r.links],
        model=r.model,
    )


@router.post("/link", response_model=LinkOut, summary="检查一个链接")
def check_link(body: LinkRequest) -> LinkOut:
    return _link(service.link_checker_for(settings.home()).check(body.url))


@router.post("/payment-page", response_model=PaymentPageResponse, summary="检查支付页面与订单时效")
def payment_page(body: PaymentPageRequest) -> PaymentPageResponse:
    ctx = PaymentPageContext(
        order_id=body.order_id,
        merchant_id=body.merchant_id,
        page_url=body.page_url,
        page_ip=body.page_ip,
        amount=body.amount,
        steps=tuple(PaymentStep(s.name, s.at) for s in body.steps),
        now=body.now or datetime.now(UTC),
        captcha_passed=body.captcha_passed,
        new_device=body.new_device,
    )
    v = service.check_payment(ctx, settings.home())
    return PaymentPageResponse(
        decision=v.decision.value,
        decision_label=v.decision.label,
        second_confirmation_required=v.second_confirmation_required,
        reasons=list(v.reasons),
    )


@router.get("/methods", response_model=MethodList, summary="诈骗手法列表（防诈骗宝典）")
def list_methods() -> MethodList:
    book = load_book(settings.home())
    return MethodList(version=book.version, updated=book.updated, methods=[_summary(m) for m in book.methods])


@router.get("/methods/search", response_model=MethodList, summary="检索诈骗手法")
def search_methods(
    q: str = Query(min_length=1, max_length=100, description="检索词，空格分隔表示同时包含"),
) -> MethodList:
    book = load_book(settings.home())
    return MethodList(
        version=book.version, updated=book.updated, methods=[_summary(m) for m in book.search(q)]
    )


@router.get("/methods/export", summary="导出知识库（xlsx 或 json）")
def export_methods(format: Literal["xlsx", "json"] = Query("xlsx", description="导出格式")) -> Response:
    book = load_book(settings.home())
    media = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json",
    }
    name = f"fraud-methods-v{book.version}.{format}"
    return Response(
        export_book(book, format),
        media_type=media[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/methods/{method_id}", response_model=MethodDetail, summary="一个诈骗手法的详情")
def get_method(method_id: str) -> MethodDetail:
    m = load_book(settings.home()).get(method_id)
    return MethodDetail(**m.to_dict())


def _summary(m: FraudMethod) -> MethodSummary:
    return MethodSummary(id=m.id, name=m.name, aliases=list(m.aliases), lists=list(m.lists))


def _flag(f: RedFlagHit) -> RedFlagOut:
    spans = [SpanOut(start=s.start, end=s.end, text=s.text) for s in f.spans]
    return RedFlagOut(id=f.id, name=f.name, rule=f.rule, weight=f.weight, spans=spans)


def _link(v: LinkVerdict) -> LinkOut:
    return LinkOut(
        url=v.url,
        host=v.host,
        display_host=v.display_host,
        registered_domain=v.registered_domain,
        risk=v.risk.value,
        risk_label=v.risk.label,
        reasons=[r.message for r in v.reasons],
    )
