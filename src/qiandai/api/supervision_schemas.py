"""Request and response bodies of the supervision API. Amounts are exact decimals (JSON strings in
responses; at most two decimals in requests); times are shown in Asia/Shanghai and must carry a zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

from qiandai.store.base import SHANGHAI

Amount = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=2, description="金额（元，最多两位小数）")
]
Shanghai = Annotated[datetime, PlainSerializer(lambda v: v.astimezone(SHANGHAI).isoformat(), return_type=str)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FindingOut(Out):
    id: int
    finding_id: str
    source: str
    rule_code: str
    rule_name: str
    result_type: str
    institution_code: str
    region_code: str
    mdtrt_id: str | None
    psn_name_masked: str | None
    certno_masked: str | None
    event_date: date | None
    amount: Decimal
    evidence: str
    stage: str
    stage_label: str = ""
    stage_deadline: Shanghai | None
    overdue: bool = False
    confirmed_amount: Decimal | None
    self_reported: bool
    case_id: int | None
    version: int


class EventOut(Out):
    id: int
    action: str
    from_state: str | None
    to_state: str | None
    actor_name: str
    at: Shanghai
    reason: str | None
    attachments: list[int]
    detail: dict[str, Any]


class MoveIn(BaseModel):
    action: str = Field(description="pass|confirm|deduct|appeal|accept_appeal|reject_appeal|conclude|dismiss")
    reason: str | None = Field(default=None, max_length=2000)
    confirmed_amount: Amount | None = None
    attachments: list[int] = Field(default_factory=list)
    expected_version: int | None = None


class BulkIn(MoveIn):
    ids: list[int] = Field(min_length=1, max_length=1000)


class PersonIn(BaseModel):
    """Full identity of the insured person (optional; stored encrypted, shown only by the logged reveal)."""

    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(pattern=r"^(\d{17}[\dXx]|\d{15})$", description="公民身份号码")


class CaseIn(BaseModel):
    finding_ids: list[int] = Field(min_length=1)
    title: str | None = Field(default=None, max_length=300)
    subject_kind: Literal["institution", "person"] = Field(
        default="institution", description="当事人：institution 定点医药机构 | person 参保个人（第四十一条）"
    )
    person: PersonIn | None = None


class CaseOut(Out):
    """A case; for a person case only the masked name and ID number (never ``psn_no``)."""

    id: int
    case_no: str
    subject_kind: str
    institution_code: str | None
    psn_name_masked: str | None
    certno_masked: str | None
    region_code: str
    title: str
    status: str
    loss_amount: Decimal
    hearing_deadline: Shanghai | None
    hearing_statement: str | None
    created_at: Shanghai


class PenaltyIn(BaseModel):
    article: str = Field(description="38 | 39 | 40 | 41 | 41-2")
    multiple: Annotated[Decimal, Field(ge=0, max_digits=6, decimal_places=2)] | None = None
    fixed_fine: Amount | None = None
    suspension_months: int | None = Field(default=None, ge=1, le=24)
    settlement_suspension_months: int | None = Field(default=None, ge=1, le=24)
    terminate_agreement: bool = False


class DecisionIn(PenaltyIn):
    idempotency_key: str = Field(min_length=8, max_length=100, description="客户端生成的幂等键")
    basis: str = Field(default="", max_length=2000)


class DecisionOut(Out):
    id: int
    case_id: int
    article: str
    multiple: Decimal
    fine_base: Decimal
    fine_amount: Decimal
    recovery_amount: Decimal
    suspension_months: int | None
    settlement_suspension_months: int | None
    terminate_agreement: bool
    signed_by: str
    decided_at: Shanghai


class RevealIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="查看明文信息的理由（写入访问日志）")


class StatementIn(BaseModel):
    statement: str = Field(default="", max_length=5000)
    waive: bool = False


class PaymentIn(BaseModel):
    kind: str = Field(pattern=r"^(recovery|fine)$")
    amount: Amount
    reference: str = Field(min_length=1, max_length=100, description="缴款凭证号")
    paid_at: AwareDatetime | None = None


class PaymentOut(Out):
    id: int
    kind: str
    amount: Decimal
    reference: str
    paid_at: Shanghai


class DocumentOut(Out):
    id: int
    kind: str
    title: str
    filename: str
    sha256: str
    created_at: Shanghai


class RectificationOut(Out):
    id: int
    institution_code: str
    case_id: int | None
    title: str
    requirement: str
    owner: str
    deadline: Shanghai
    status: str
    escalation_level: int
    recheck_due: Shanghai | None
    recheck_result: str | None
    closed_at: Shanghai | None
    overdue: bool = False


class RectificationIn(BaseModel):
    institution_code: str
    title: str = Field(min_length=1, max_length=300)
    requirement: str = Field(min_length=1, max_length=5000)
    owner: str = Field(min_length=1, max_length=100)
    deadline: AwareDatetime
    source_key: str = Field(min_length=1, max_length=64)


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=5000)
    attachments: list[int] = Field(default_factory=list)
    passed: bool = True
