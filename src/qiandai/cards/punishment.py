"""Punishment list (惩戒名单): persons designated by the police or convicted, their accounts, the measures,
appeals (申诉) with decision records, and automatic expiry.

The accounts of every active entry are on the decision service's ``PUNISHED`` list (source
:data:`SOURCE`), which blocks non-counter outflows (the engine exempts utilities, tax and social security
payees); the account-opening check refuses new accounts to an active person. Every change is made in the
caller's transaction, is idempotent (a designation is keyed by ID number + document reference, an appeal
decision by the appeal) and leaves an event row.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qiandai.cards.models import AppealRow, PunishedPersonRow, PunishmentEventRow
from qiandai.config import get_settings
from qiandai.domain.errors import ConflictError, InvalidInputError, NotFoundError
from qiandai.domain.idcard import id_number_problem
from qiandai.domain.masking import mask_code, mask_id_number, mask_name
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.transfers import repository as tx_repository
from qiandai.transfers.lists import ListKind
from qiandai.transfers.models import ListEntryRow

log = logging.getLogger(__name__)
SOURCE = "惩戒名单"

MEASURES = (
    "非柜面出账业务暂停（水电燃气、税费、社保医保等公共缴费除外）",
    "不得新开立银行账户、支付账户",
    "已开立的支付账户停止使用",
    "保留柜面基本金融服务（存取款、公共缴费等）",
)


class Basis(StrEnum):
    DESIGNATED = "designated"  # 公安机关认定
    CONVICTED = "convicted"  # 法院判决

    @property
    def label(self) -> str:
        return {"designated": "公安机关认定", "convicted": "法院判决"}[self.value]


STATUS_LABELS = {"active": "惩戒中", "expired": "已到期", "removed": "申诉撤销"}
APPEAL_LABELS = {"pending": "待处理", "upheld": "申诉成立", "rejected": "申诉驳回"}


@dataclass(frozen=True)
class PunishmentPolicy:
    """Durations in years: by basis, and the most consecutive years a person may be punished."""

    designated_years: int = 2
    convicted_years: int = 3
    max_consecutive_years: int = 5

    @classmethod
    def from_env(cls) -> PunishmentPolicy:
        config = get_settings()  # QIANDAI_PUNISH_*, validated at start-up
        return cls(config.punish_designated_years, config.punish_convicted_years, config.punish_max_years)

    def years_for(self, basis: Basis) -> int:
        return self.convicted_years if basis is Basis.CONVICTED else self.designated_years


@dataclass(frozen=True)
class Designation:
    id_number: str
    name: str
    accounts: list[str]
    basis: Basis
    document_ref: str
    start_date: date
    years: int | None = None
    issuing_unit: str = ""


def today_local() -> date:
    return datetime.now(SHANGHAI).date()


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _clean_accounts(accounts: list[str]) -> list[str]:
    out = sorted({a.strip() for a in accounts if a and a.strip()})
    bad = [a for a in out if not a.isdigit() or not 8 <= len(a) <= 32]
    if bad:
        raise InvalidInputError(f"账号格式错误（应为 8–32 位数字）：{'、'.join(mask_code(b) for b in bad)}")
    return out


def _event(session: Session, person_id: str, action: str, actor: str, detail: str) -> None:
    session.add(
        PunishmentEventRow(person_id=person_id, action=action, at=now_utc(), actor=actor, detail=detail)
    )
    session.flush()  # the factories do not autoflush; later queries in this transaction must see it


def designate(
    session: Session, d: Designation, *, actor: str, policy: PunishmentPolicy | None = None
) -> tuple[PunishedPersonRow, bool]:
    """Put a person on the list; returns (entry, created). The same ID number and document reference
    again returns the existing entry unchanged."""
    policy = policy or PunishmentPolicy.from_env()
    problem = id_number_problem(d.id_number)
    if problem is not None:
        raise InvalidInputError(f"身份证号 {mask_id_number(d.id_number)} 无效：{problem.reason}")
    id_number = d.id_number.strip().upper()
    if not d.name.strip():
        raise InvalidInputError("姓名不能为空")
    if not d.document_ref.strip():
        raise InvalidInputError("请填写认定/判决文书编号")
    existing = session.scalars(
        select(PunishedPersonRow).where(
            PunishedPersonRow.id_number == id_number, PunishedPersonRow.document_ref == d.document_ref.strip()
        )
    ).first()
    if existing is not None:
        return existing, False
    years = d.years if d.years is not None else policy.years_for(d.basis)
    if not 1 <= years <= policy.max_consecutive_years:
        raise InvalidInputError(f"惩戒期限应为 1–{policy.max_consecutive_years} 年，实际 {years} 年")
    accounts = _clean_accounts(d.accounts)
    end = add_years(d.start_date, years) - timedelta(days=1)
    chain_start = _chain_start(session, id_number, d.start_date)
    cap = add_years(chain_start, policy.max_consecutive_years) - timedelta(days=1)
    detail = f"依据：{d.basis.label}（{d.document_ref}），期限 {years} 年，{d.start_date} 至 {end}"
    if end > cap:
        end = cap
        detail += f"；连续惩戒累计不超过 {policy.max_consecutive_years} 年，截止日调整为 {end}"
    if end < d.start_date:
        raise ConflictError(f"该人员连续惩戒已满 {policy.max_consecutive_years} 年，不能再延长")
    person = PunishedPersonRow(
        id=f"P{now_utc():%Y%m%d}{secrets.token_hex(3).upper()}",
        id_number=id_number,
        name=d.name.strip(),
        accounts=accounts,
        basis=d.basis.value,
        document_ref=d.document_ref.strip(),
        issuing_unit=d.issuing_unit.strip(),
        start_date=d.start_date,
        end_date=end,
        status="active",
        created_at=now_utc(),
        closed_at=None,
    )
    session.add(person)
    session.flush()
    tx_repository.add_list_entries(session, ListKind.PUNISHED, accounts, SOURCE, f"惩戒人员 {person.id}")
    _event(session, person.id, "designated", actor, detail + f"；账户 {len(accounts)} 个")
    log.info(
        "punishment %s designated (%s, %d accounts)", person.id, mask_id_number(id_number), len(accounts)
    )
    return person, True


def _chain_start(session: Session, id_number: str, start: date) -> date:
    """The first day of the run of consecutive (overlapping or adjacent) active entries up to ``start``."""
    rows = session.scalars(
        select(PunishedPersonRow)
        .where(PunishedPersonRow.id_number == id_number, PunishedPersonRow.status == "active")
        .order_by(PunishedPersonRow.end_date.desc())
    ).all()
    chain = start
    for row in rows:
        if row.end_date + timedelta(days=1) >= chain and row.start_date < chain:
            chain = row.start_date
    return chain


def get_person(session: Session, person_id: str) -> PunishedPersonRow:
    person = session.get(PunishedPersonRow, person_id)
    if person is None:
        raise NotFoundError(f"惩戒名单记录 {person_id} 不存在")
    return person


def add_accounts(session: Session, person_id: str, accounts: list[str], *, actor: str) -> int:
    """Add accounts to an active entry (and to the ``PUNISHED`` list); returns how many were new."""
    person = get_person(session, person_id)
    if person.status != "active":
        raise ConflictError(f"惩戒名单记录 {person_id} 已{STATUS_LABELS[person.status]}，不能追加账户")
    new = sorted(set(_clean_accounts(accounts)) - set(person.accounts))
    if not new:
        return 0
    person.accounts = sorted({*person.accounts, *new})
    tx_repository.add_list_entries(session, ListKind.PUNISHED, new, SOURCE, f"惩戒人员 {person.id}")
    _event(
        session,
        person.id,
        "accounts_added",
        actor,
        f"追加账户 {len(new)} 个：{'、'.join(map(mask_code, new))}",
    )
    return len(new)


def _withdraw(session: Session, person: PunishedPersonRow) -> int:
    """Take the person's accounts off the ``PUNISHED`` list unless another active entry still holds them."""
    others = session.scalars(
        select(PunishedPersonRow).where(
            PunishedPersonRow.status == "active", PunishedPersonRow.id != person.id
        )
    ).all()
    held = {a for o in others for a in o.accounts}
    gone = sorted(set(person.accounts) - held)
    if not gone:
        return 0
    res = session.execute(
        delete(ListEntryRow).where(
            ListEntryRow.kind == ListKind.PUNISHED.value,
            ListEntryRow.source == SOURCE,
            ListEntryRow.value.in_(gone),
        )
    )
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


def file_appeal(session: Session, person_id: str, reason: str, *, actor: str) -> tuple[AppealRow, bool]:
    """File an appeal; a person has at most one pending appeal (filing again returns it)."""
    person = get_person(session, person_id)
    if person.status != "active":
        raise ConflictError(f"惩戒名单记录 {person_id} 已{STATUS_LABELS[person.status]}，无需申诉")
    if not reason.strip():
        raise InvalidInputError("请填写申诉理由")
    pending = session.scalars(
        select(AppealRow).where(AppealRow.person_id == person_id, AppealRow.status == "pending")
    ).first()
    if pending is not None:
        return pending, False
    appeal = AppealRow(
        id=f"A{now_utc():%Y%m%d}{secrets.token_hex(3).upper()}",
        person_id=person_id,
        filed_at=now_utc(),
        reason=reason.strip(),
        status="pending",
        decided_at=None,
        decided_by="",
        decision_note="",
    )
    session.add(appeal)
    session.flush()
    _event(session, person_id, "appeal_filed", actor, f"申诉 {appeal.id}：{reason.strip()[:200]}")
    return appeal, True


def decide_appeal(session: Session, appeal_id: str, *, upheld: bool, note: str, actor: str) -> AppealRow:
    """Decide an appeal. Upheld: the entry is removed and its accounts withdrawn from the list.
    Deciding again the same way changes nothing; the other way is a conflict."""
    appeal = session.get(AppealRow, appeal_id)
    if appeal is None:
        raise NotFoundError(f"申诉 {appeal_id} 不存在")
    status = "upheld" if upheld else "rejected"
    if appeal.status != "pending":
        if appeal.status == status:
            return appeal
        raise ConflictError(f"申诉 {appeal_id} 已{APPEAL_LABELS[appeal.status]}，不能改判")
    if not note.strip():
        raise InvalidInputError("请填写处理意见")
    now = now_utc()
    appeal.status, appeal.decided_at, appeal.decided_by, appeal.decision_note = (
        status,
        now,
        actor,
        note.strip(),
    )
    person = get_person(session, appeal.person_id)
    detail = f"申诉 {appeal.id}：{APPEAL_LABELS[status]}。{note.strip()[:200]}"
    if upheld and person.status == "active":
        person.status, person.closed_at = "removed", now
        withdrawn = _withdraw(session, person)
        detail += f"；移出惩戒名单，撤回账户 {withdrawn} 个"
    _event(session, person.id, "appeal_decided", actor, detail)
    return appeal


def expire_due(session: Session, *, today: date | None = None, actor: str = "system") -> list[str]:
    """Expire every active entry whose last day is before ``today``; returns their ids (logged)."""
    today = today or today_local()
    due = session.scalars(
        select(PunishedPersonRow)
        .where(PunishedPersonRow.status == "active", PunishedPersonRow.end_date < today)
        .order_by(PunishedPersonRow.id)
        .with_for_update(skip_locked=True)
    ).all()
    now = now_utc()
    for person in due:
        person.status, person.closed_at = "expired", now
    session.flush()
    for person in due:
        withdrawn = _withdraw(session, person)
        _event(
            session,
            person.id,
            "expired",
            actor,
            f"惩戒期满（截止 {person.end_date}），撤回账户 {withdrawn} 个",
        )
        log.info("punishment %s expired, %d accounts withdrawn", person.id, withdrawn)
    return [p.id for p in due]


def active_for(session: Session, id_number: str) -> list[PunishedPersonRow]:
    return list(
        session.scalars(
            select(PunishedPersonRow).where(
                PunishedPersonRow.id_number == id_number.strip().upper(), PunishedPersonRow.status == "active"
            )
        )
    )


def list_persons(session: Session, status: str | None = None, limit: int = 500) -> list[PunishedPersonRow]:
    stmt = select(PunishedPersonRow).order_by(PunishedPersonRow.created_at.desc()).limit(limit)
    if status:
        stmt = stmt.where(PunishedPersonRow.status == status)
    return list(session.scalars(stmt))


def events_of(session: Session, person_id: str) -> list[PunishmentEventRow]:
    stmt = (
        select(PunishmentEventRow)
        .where(PunishmentEventRow.person_id == person_id)
        .order_by(PunishmentEventRow.id)
    )
    return list(session.scalars(stmt))


def appeals(session: Session, person_id: str | None = None, status: str | None = None) -> list[AppealRow]:
    stmt = select(AppealRow).order_by(AppealRow.filed_at.desc())
    if person_id:
        stmt = stmt.where(AppealRow.person_id == person_id)
    if status:
        stmt = stmt.where(AppealRow.status == status)
    return list(session.scalars(stmt))


def person_view(person: PunishedPersonRow) -> dict[str, object]:
    """The masked public view of an entry (API answers, CLI output)."""
    return {
        "id": person.id,
        "id_number": mask_id_number(person.id_number),
        "name": mask_name(person.name),
        "accounts": [mask_code(a) for a in person.accounts],
        "basis": person.basis,
        "basis_label": Basis(person.basis).label,
        "document_ref": person.document_ref,
        "issuing_unit": person.issuing_unit,
        "start_date": person.start_date.isoformat(),
        "end_date": person.end_date.isoformat(),
        "status": person.status,
        "status_label": STATUS_LABELS[person.status],
        "measures": list(MEASURES) if person.status == "active" else [],
    }


def appeal_view(appeal: AppealRow) -> dict[str, object]:
    return {
        "id": appeal.id,
        "person_id": appeal.person_id,
        "filed_at": appeal.filed_at.isoformat(),
        "reason": appeal.reason,
        "status": appeal.status,
        "status_label": APPEAL_LABELS[appeal.status],
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        "decided_by": appeal.decided_by,
        "decision_note": appeal.decision_note,
    }
