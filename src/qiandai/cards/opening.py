"""Account-opening check (开户核验): the "five steps" a bank takes before opening an account.

1. 身份核验 — the ID number is well formed (GB 11643, MOD 11-2 check character);
2. 名单核查 — the person is not on the punishment list, and none of their accounts or their phone is on
   a risk list (涉案账户, 断卡高风险账户, 涉诈电话);
3. 手机号实名 — the phone is registered to the same person at the carrier (:class:`CarrierLookup`, the
   outer edge; :class:`StoredCarrierLookup` reads ``dk_carrier_realname``);
4. 账户数量 — accounts already held at this bank and in total, against :class:`OpeningPolicy`'s caps;
5. 开户用途 — a stated, plausible purpose; renting, lending or selling an account is refused.

The answer is 允许 / 拒绝 / 需柜面核实 (the worst step wins) with a Chinese reason per step, and is
stored. A caller-supplied ``request_id`` makes the check idempotent: the same id answers the stored
decision.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qiandai.cards import punishment
from qiandai.cards.models import AccountHoldingRow, AccountOpeningRow, CarrierRealNameRow
from qiandai.config import get_settings
from qiandai.domain.errors import InvalidInputError
from qiandai.domain.idcard import id_number_problem
from qiandai.domain.masking import mask_code, mask_id_number, mask_name, mask_phone
from qiandai.store.base import now_utc
from qiandai.transfers.lists import ListKind
from qiandai.transfers.models import ListEntryRow

ALLOW, REFUSE, VERIFY = "允许", "拒绝", "需柜面核实"
_RANK = {ALLOW: 0, VERIFY: 1, REFUSE: 2}
PURPOSES = ("工资代发", "日常消费", "储蓄理财", "经营结算", "社保医保", "贷款还款", "其他")
FORBIDDEN_WORDS = ("出租", "出借", "出售", "买卖", "转卖", "代收", "跑分", "刷单", "兼职收款", "帮人收款")


@dataclass(frozen=True)
class OpeningPolicy:
    """Caps on accounts: per person at one bank, and in total across banks (configurable)."""

    per_bank_cap: int = 1
    total_cap: int = 5

    @classmethod
    def from_env(cls) -> OpeningPolicy:
        config = get_settings()  # QIANDAI_OPENING_*, validated at start-up
        return cls(config.opening_per_bank_cap, config.opening_total_cap)


@dataclass(frozen=True)
class RealName:
    id_number: str
    name: str


class CarrierLookup(Protocol):
    """The carrier's real-name registration of a phone number (None: the carrier has no record)."""

    def owner(self, phone: str) -> RealName | None: ...


class StoredCarrierLookup:
    """Carrier real-name records kept in ``dk_carrier_realname`` (loaded from the carriers' files)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def owner(self, phone: str) -> RealName | None:
        row = self.session.get(CarrierRealNameRow, phone)
        return RealName(row.id_number, row.name) if row else None


@dataclass(frozen=True)
class OpeningRequest:
    id_number: str
    name: str
    phone: str
    purpose: str
    bank: str
    request_id: str | None = None


def _step(name: str, outcome: str, reason: str) -> dict[str, str]:
    return {"step": name, "outcome": outcome, "reason": reason}


def check(
    session: Session,
    req: OpeningRequest,
    *,
    actor: str,
    carrier: CarrierLookup | None = None,
    policy: OpeningPolicy | None = None,
) -> tuple[AccountOpeningRow, bool]:
    """Run the five steps, store and return the decision (and whether it is new)."""
    if req.request_id:
        stored = session.get(AccountOpeningRow, req.request_id)
        if stored is not None:
            return stored, False
    if not req.bank.strip():
        raise InvalidInputError("请填写开户银行")
    policy = policy or OpeningPolicy.from_env()
    carrier = carrier or StoredCarrierLookup(session)
    id_number = (req.id_number or "").strip().upper()
    steps: list[dict[str, str]] = []
    problem = id_number_problem(id_number)
    if problem is not None:
        steps.append(_step("身份核验", REFUSE, f"身份证号无效：{problem.reason}"))
    else:
        steps.append(_step("身份核验", ALLOW, "身份证号格式与校验位正确"))
        steps.append(_lists_step(session, id_number, req.phone))
        steps.append(_phone_step(carrier, id_number, req.name, req.phone))
        steps.append(_count_step(session, id_number, req.bank.strip(), policy))
    steps.append(_purpose_step(req.purpose))
    outcome = max((s["outcome"] for s in steps), key=_RANK.__getitem__)
    reasons = [f"{s['step']}：{s['reason']}" for s in steps if s["outcome"] != ALLOW] or ["五项核验均通过"]
    row = AccountOpeningRow(
        id=req.request_id or f"K{now_utc():%Y%m%d%H%M%S}{secrets.token_hex(3).upper()}",
        checked_at=now_utc(),
        bank=req.bank.strip()[:64],
        id_number=id_number[:32],
        name=req.name.strip()[:100],
        phone=req.phone.strip()[:20],
        purpose=req.purpose.strip()[:200],
        outcome=outcome,
        reasons=reasons,
        steps=steps,
        actor=actor,
    )
    session.add(row)
    session.flush()
    return row, True


def _lists_step(session: Session, id_number: str, phone: str) -> dict[str, str]:
    active = punishment.active_for(session, id_number)
    if active:
        ends = max(p.end_date for p in active)
        return _step("名单核查", REFUSE, f"在惩戒名单内（至 {ends}），惩戒期内不得新开账户")
    held = list(
        session.scalars(select(AccountHoldingRow.account).where(AccountHoldingRow.id_number == id_number))
    )
    kinds = {ListKind.CASE_ACCOUNT.value, ListKind.RISK_ACCOUNT.value, ListKind.PUNISHED.value}
    listed: list[tuple[str, str]] = []
    if held:
        listed = [
            (k, v)
            for k, v in session.execute(
                select(ListEntryRow.kind, ListEntryRow.value).where(
                    ListEntryRow.kind.in_(kinds), ListEntryRow.value.in_(held)
                )
            ).all()
        ]
    if any(k == ListKind.CASE_ACCOUNT.value for k, _ in listed):
        accounts = "、".join(mask_code(v) for k, v in listed if k == ListKind.CASE_ACCOUNT.value)
        return _step("名单核查", REFUSE, f"名下账户 {accounts} 为涉案账户")
    if listed:
        labels = "、".join(f"{mask_code(v)}（{ListKind(k).label}）" for k, v in listed)
        return _step("名单核查", VERIFY, f"名下账户在风险名单中：{labels}")
    phone_listed = session.scalar(
        select(func.count())
        .select_from(ListEntryRow)
        .where(ListEntryRow.kind == ListKind.FRAUD_PHONE.value, ListEntryRow.value == phone.strip())
    )
    if phone_listed:
        return _step("名单核查", VERIFY, f"预留手机号 {mask_phone(phone)} 在涉诈电话名单中")
    return _step("名单核查", ALLOW, "不在惩戒名单和风险名单中")


def _phone_step(carrier: CarrierLookup, id_number: str, name: str, phone: str) -> dict[str, str]:
    phone = phone.strip()
    if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        return _step("手机号实名", VERIFY, f"手机号 {mask_phone(phone)} 格式不正确，需现场核实")
    owner = carrier.owner(phone)
    if owner is None:
        return _step("手机号实名", VERIFY, "运营商无该号码实名信息，需现场核实本人使用")
    if owner.id_number.upper() != id_number:
        return _step(
            "手机号实名", VERIFY, f"手机号实名登记人（{mask_name(owner.name)}）与开户人不一致（人卡分离）"
        )
    if owner.name != name.strip():
        return _step("手机号实名", VERIFY, "手机号实名登记姓名与开户人姓名不一致")
    return _step("手机号实名", ALLOW, "手机号实名登记为本人")


def _count_step(session: Session, id_number: str, bank: str, policy: OpeningPolicy) -> dict[str, str]:
    rows = session.execute(
        select(AccountHoldingRow.bank, func.count())
        .where(AccountHoldingRow.id_number == id_number)
        .group_by(AccountHoldingRow.bank)
    ).all()
    here = sum(int(n) for b, n in rows if b == bank)
    total = sum(int(n) for _, n in rows)
    if here >= policy.per_bank_cap:
        return _step("账户数量", REFUSE, f"已在本行持有 {here} 个账户，达到上限 {policy.per_bank_cap} 个")
    if total >= policy.total_cap:
        return _step(
            "账户数量",
            VERIFY,
            f"已在各银行共持有 {total} 个账户，达到 {policy.total_cap} 个，需核实开户必要性",
        )
    return _step("账户数量", ALLOW, f"本行 {here} 个、共 {total} 个，未超过上限")


def _purpose_step(purpose: str) -> dict[str, str]:
    p = (purpose or "").strip()
    if not p:
        return _step("开户用途", VERIFY, "未说明开户用途")
    hits = [w for w in FORBIDDEN_WORDS if w in p]
    if hits:
        return _step("开户用途", REFUSE, f"开户用途涉及「{'、'.join(hits)}」，属于出租出借出售账户行为")
    if p.split("：")[0].split(":")[0] not in PURPOSES[:-1]:
        return _step("开户用途", VERIFY, f"开户用途「{p[:30]}」需柜面核实真实性")
    return _step("开户用途", ALLOW, f"开户用途：{p[:30]}")


def view(row: AccountOpeningRow) -> dict[str, Any]:
    """The masked answer of a check."""
    return {
        "id": row.id,
        "checked_at": row.checked_at.isoformat(),
        "bank": row.bank,
        "id_number": mask_id_number(row.id_number),
        "name": mask_name(row.name),
        "phone": mask_phone(row.phone),
        "purpose": row.purpose,
        "outcome": row.outcome,
        "reasons": row.reasons,
        "steps": row.steps,
    }


def recent(session: Session, limit: int = 100) -> list[AccountOpeningRow]:
    return list(
        session.scalars(select(AccountOpeningRow).order_by(AccountOpeningRow.checked_at.desc()).limit(limit))
    )


def add_holdings(session: Session, rows: list[tuple[str, str, str]]) -> int:
    """Record accounts people already hold: (account, id_number, bank); known accounts stay as they are."""
    known = set(
        session.scalars(
            select(AccountHoldingRow.account).where(AccountHoldingRow.account.in_([r[0] for r in rows]))
        )
    )
    new = {r[0]: r for r in rows if r[0] not in known}
    for account, id_number, bank in new.values():
        session.add(
            AccountHoldingRow(account=account, id_number=id_number.strip().upper(), bank=bank, opened_on=None)
        )
    return len(new)


def add_realnames(session: Session, rows: list[tuple[str, str, str]]) -> int:
    """Record carrier real-name registrations: (phone, id_number, name); later rows replace earlier."""
    for phone, id_number, name in rows:
        session.merge(CarrierRealNameRow(phone=phone, id_number=id_number.strip().upper(), name=name))
    return len(rows)
