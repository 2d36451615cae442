"""Police instructions on holds, applied inside the caller's unit of work (never commits itself).

Idempotent by ``instruction_id``: the same instruction again returns the hold as it stands
(``duplicate=True``); the same id with a different content is a conflict. The caller commits *before*
acknowledging, and only then updates the in-memory :class:`~qiandai.transfers.holds.HoldIndex`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qiandai.domain.errors import ConflictError, NotFoundError
from qiandai.transfers.holds import ActiveHold, HoldKind, HoldStatus, InstructionType, end_after_renewal
from qiandai.transfers.model import FUTURE_TOLERANCE
from qiandai.transfers.models import HoldEventRow, HoldInstructionRow, HoldRow


class HoldExpiredError(ConflictError):
    """The hold has ended (expired, released or returned) and cannot be changed that way."""


class HoldInstruction(BaseModel):
    """A police instruction: 紧急止付 / 快速冻结 on an account, or 续期 / 解冻 / 资金返还 of a hold."""

    model_config = ConfigDict(extra="forbid")

    instruction_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    type: InstructionType
    issuing_unit: str = Field(min_length=1, max_length=100, description="发出指令的公安机关")
    document_ref: str = Field(min_length=1, max_length=100, description="法律文书编号")
    issued_at: datetime
    account: str | None = Field(default=None, pattern=r"^[0-9]{8,32}$")
    bank: str = Field(default="", max_length=64)
    account_name: str = Field(default="", max_length=100)
    amount: Decimal | None = Field(default=None, gt=0, decimal_places=2)
    case_no: str = Field(default="", max_length=64)
    hold_id: str | None = Field(default=None, max_length=32)
    return_amount: Decimal | None = Field(default=None, gt=0, decimal_places=2)
    return_to: str | None = Field(default=None, pattern=r"^[0-9]{8,32}$")

    @field_validator("issued_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("指令时间必须带时区")
        return v

    @model_validator(mode="after")
    def _fields_for_type(self) -> HoldInstruction:
        if self.type in (InstructionType.STOP_PAYMENT, InstructionType.FREEZE):
            if not self.account:
                raise ValueError("止付/冻结指令必须写明账号")
        elif not self.hold_id:
            raise ValueError("续期、解冻、返还指令必须写明原止付/冻结编号（hold_id）")
        if self.type is InstructionType.RETURN and (self.return_amount is None or not self.return_to):
            raise ValueError("资金返还指令必须写明返还金额和返还账户")
        return self

    def digest(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class HoldOutcome:
    hold: HoldRow
    duplicate: bool


def apply_instruction(session: Session, instruction: HoldInstruction, now: datetime) -> HoldOutcome:
    """Apply ``instruction`` at ``now``; see the module docstring for idempotency."""
    known = session.get(HoldInstructionRow, instruction.instruction_id)
    if known is not None:
        if known.payload_hash != instruction.digest():
            raise ConflictError(f"指令编号 {instruction.instruction_id} 已使用且内容不同")
        return HoldOutcome(_hold(session, known.hold_id), duplicate=True)
    if instruction.issued_at - now > FUTURE_TOLERANCE:
        raise ConflictError("指令时间晚于当前时间")
    kind = instruction.type
    if kind in (InstructionType.STOP_PAYMENT, InstructionType.FREEZE):
        hold = _create(session, instruction, now)
        detail = f"{hold.issuing_unit} {HoldKind(hold.kind).label}，文书 {hold.document_ref}"
    else:
        hold = _hold(session, instruction.hold_id or "")
        detail = _change(hold, instruction, now)
    session.add(
        HoldInstructionRow(
            instruction_id=instruction.instruction_id,
            type=kind.value,
            hold_id=hold.id,
            payload_hash=instruction.digest(),
            received_at=now,
        )
    )
    session.add(
        HoldEventRow(
            hold_id=hold.id,
            action=kind.value,
            instruction_id=instruction.instruction_id,
            at=now,
            detail=detail,
        )
    )
    session.flush()
    return HoldOutcome(hold, duplicate=False)


def _create(session: Session, ins: HoldInstruction, now: datetime) -> HoldRow:
    kind = HoldKind(ins.type.value)
    hold = HoldRow(
        id=uuid.uuid4().hex,
        kind=kind.value,
        account=ins.account or "",
        bank=ins.bank,
        account_name=ins.account_name,
        amount=ins.amount,
        issuing_unit=ins.issuing_unit,
        document_ref=ins.document_ref,
        case_no=ins.case_no,
        status=HoldStatus.ACTIVE.value,
        starts_at=ins.issued_at,
        ends_at=ins.issued_at + kind.duration,
        renewals=0,
        created_at=now,
        updated_at=now,
    )
    session.add(hold)
    session.flush()  # the instruction and event rows refer to it
    return hold


def _change(hold: HoldRow, ins: HoldInstruction, now: datetime) -> str:
    kind = HoldKind(hold.kind)
    status = HoldStatus(hold.status)
    if ins.type is InstructionType.RETURN:
        if status not in (HoldStatus.ACTIVE, HoldStatus.RELEASED):
            raise HoldExpiredError(f"{kind.label}已{status.label}，不能办理资金返还")
        if hold.amount is not None and ins.return_amount is not None and ins.return_amount > hold.amount:
            raise ConflictError("返还金额超过止付/冻结金额")
        hold.status, hold.returned_amount, hold.returned_to = (
            HoldStatus.RETURNED.value,
            ins.return_amount,
            ins.return_to,
        )
        hold.updated_at = now
        return f"资金返还 {ins.return_amount} 元至 {ins.return_to}"
    if status is not HoldStatus.ACTIVE or hold.ends_at <= now:
        raise HoldExpiredError(
            f"{kind.label}已{'到期' if status is HoldStatus.ACTIVE else status.label}，不能{ins.type.label}"
        )
    if ins.type is InstructionType.RENEW:
        hold.ends_at = end_after_renewal(kind, hold.ends_at, hold.renewals)
        hold.renewals += 1
        hold.updated_at = now
        return f"第 {hold.renewals} 次续期，至 {hold.ends_at.isoformat()}"
    if ins.type is InstructionType.RELEASE:
        hold.status, hold.updated_at = HoldStatus.RELEASED.value, now
        return "解除" + kind.label
    raise ConflictError(f"指令类型 {ins.type.label} 不适用于已有的{kind.label}")


def _hold(session: Session, hold_id: str) -> HoldRow:
    hold = session.get(HoldRow, hold_id)
    if hold is None:
        raise NotFoundError(f"止付/冻结 {hold_id} 不存在")
    return hold


def expire_due(session: Session, now: datetime) -> list[HoldRow]:
    """Mark every active hold whose end has passed as expired, logging each (claim-style, idempotent)."""
    due = list(session.scalars(select(HoldRow).where(HoldRow.status == "active", HoldRow.ends_at <= now)))
    expired = []
    for hold in due:
        claimed = session.execute(
            update(HoldRow)
            .where(HoldRow.id == hold.id, HoldRow.status == "active")
            .values(status=HoldStatus.EXPIRED.value, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount:  # type: ignore[attr-defined]
            session.add(
                HoldEventRow(
                    hold_id=hold.id,
                    action="expire",
                    at=now,
                    detail=f"到期自动解除（至 {hold.ends_at.isoformat()}）",
                )
            )
            hold.status = HoldStatus.EXPIRED.value
            expired.append(hold)
    session.flush()
    return expired


def active_holds(session: Session) -> list[HoldRow]:
    return list(session.scalars(select(HoldRow).where(HoldRow.status == "active")))


def holds_for_account(session: Session, account: str) -> list[HoldRow]:
    return list(
        session.scalars(select(HoldRow).where(HoldRow.account == account).order_by(HoldRow.created_at))
    )


def hold_events(session: Session, hold_id: str) -> list[HoldEventRow]:
    return list(
        session.scalars(select(HoldEventRow).where(HoldEventRow.hold_id == hold_id).order_by(HoldEventRow.id))
    )


def to_active(hold: HoldRow) -> ActiveHold:
    return ActiveHold(
        hold_id=hold.id,
        kind=HoldKind(hold.kind),
        account=hold.account,
        amount=hold.amount,
        document_ref=hold.document_ref,
        issuing_unit=hold.issuing_unit,
        ends_at=hold.ends_at.timestamp(),
    )


def hold_view(hold: HoldRow) -> dict[str, object]:
    """The JSON answer for a hold."""
    return {
        "hold_id": hold.id,
        "kind": hold.kind,
        "kind_label": HoldKind(hold.kind).label,
        "account": hold.account,
        "amount": None if hold.amount is None else str(hold.amount),
        "issuing_unit": hold.issuing_unit,
        "document_ref": hold.document_ref,
        "status": hold.status,
        "status_label": HoldStatus(hold.status).label,
        "starts_at": hold.starts_at.isoformat(),
        "ends_at": hold.ends_at.isoformat(),
        "renewals": hold.renewals,
        "returned_amount": None if hold.returned_amount is None else str(hold.returned_amount),
    }
