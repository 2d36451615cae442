"""Cases: confirmed points → case → hearing notice (陈述申辩) → decision → recovery and fine → close.

A case is against an institution or, under Art. 41, an insured person (:mod:`qiandai.supervision.
persons`); both follow the same path. The article must be one for the case's subject (38/39/40 for
institutions, 41/41-2 for persons). A decision needs a hearing notice first and either the party's
statement or the end of the statement period. Deciding is idempotent: the same ``idempotency_key``
returns the first decision, and a case can only be decided once, so a double submit never doubles the
fine. Institution decisions also suspend or terminate the agreement and open rectification items;
person decisions do neither (the settlement suspension is executed by the 经办机构 from the decision).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from qiandai.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from qiandai.identity.roles import Role
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.supervision import credit, documents, events, penalties, persons, rectification
from qiandai.supervision.config import get_config
from qiandai.supervision.models import (
    Case,
    Decision,
    HearingNotice,
    Institution,
    Payment,
    SelfInspection,
)
from qiandai.supervision.money import money as to_money
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import CASE, DECISION

ZERO = Decimal("0.00")


def open_case(
    repo: ScopedRepository,
    finding_ids: Sequence[int],
    title: str | None = None,
    subject_kind: str = persons.INSTITUTION,
    identity: persons.PersonIdentity | None = None,
) -> Case:
    """Group confirmed points (stage 待立案处理) of one institution — or one insured person — into a case.

    ``subject_kind`` is ``institution`` (all points of one institution) or ``person`` (all points of one
    ``psn_no``, possibly from several institutions; ``identity`` optionally gives the full name and ID
    number, stored encrypted).
    """
    if not repo.principal.has_role(Role.REVIEWER, Role.AUDITOR):
        raise PermissionDeniedError("仅稽核员、审核员可立案")
    if subject_kind not in (persons.INSTITUTION, persons.PERSON):
        raise InvalidInputError("案件当事人类型应为 institution（机构）或 person（参保个人）")
    if identity is not None and subject_kind != persons.PERSON:
        raise InvalidInputError("针对机构的案件不登记个人身份信息")
    findings = repo.findings_by_ids(sorted(set(finding_ids)))
    if not findings:
        raise InvalidInputError("请选择至少一个疑点")
    bad = [f.id for f in findings if f.stage != DECISION]
    if bad:
        raise ConflictError(f"疑点 {bad} 尚未确认违规金额，不能立案")
    if subject_kind == persons.PERSON:
        return persons.open_person_case(repo, findings, title, identity)
    if len({f.institution_code for f in findings}) != 1:
        raise InvalidInputError("一个案件只能涉及一家定点医药机构")
    first = findings[0]
    inst = repo.get(Institution, first.institution_code, "机构")
    loss = sum((f.confirmed_amount or ZERO for f in findings), ZERO)
    case = repo.add(
        Case(
            case_no=repo.next_number(Case, Case.case_no, f"YB{now_utc().astimezone(SHANGHAI).year}-"),
            subject_kind=persons.INSTITUTION,
            institution_code=inst.code,
            region_code=inst.region_code,
            title=title or f"{inst.name}违规使用医保基金案",
            status="open",
            loss_amount=loss,
            created_by=repo.principal.username,
            created_at=now_utc(),
        )
    )
    for f in findings:
        f.stage, f.case_id, f.stage_deadline = CASE, case.id, None
        f.version += 1
        events.record(
            repo,
            "finding",
            f.id,
            "open_case",
            from_state=DECISION,
            to_state=CASE,
            detail={"case": case.case_no},
        )
    events.record(repo, "case", case.id, "open", to_state="open", detail={"loss": str(loss)})
    return case


def issue_hearing_notice(
    repo: ScopedRepository, case_id: int, proposal: dict[str, object], now: datetime | None = None
) -> Case:
    """Send the 行政处罚事先告知书 with the proposed penalty; the statement period starts now."""
    case = repo.get(Case, case_id, "案件")
    if not repo.principal.has_role(Role.REVIEWER):
        raise PermissionDeniedError("仅审核员可发出告知书")
    if case.status != "open":
        raise ConflictError(f"案件 {case.case_no} 已发出告知书或已决定")
    penalty = _penalty(repo, case, proposal)
    now = now or now_utc()
    case.status = "notified"
    case.hearing_deadline = now + timedelta(days=int(get_config(repo.session, "hearing_days")))
    recovery = recovery_due(repo, case)
    doc = documents.hearing_notice(repo, case, penalty, recovery=recovery)
    repo.add(
        HearingNotice(
            case_id=case.id,
            document_id=doc.id,
            article=penalty.article,
            multiple=penalty.multiple,
            fine_base=penalty.fine_base,
            fine_amount=penalty.fine_amount,
            recovery_amount=recovery,
            suspension_months=penalty.suspension_months,
            settlement_suspension_months=penalty.settlement_suspension_months,
            terminate_agreement=penalty.terminate_agreement,
            hearing_deadline=case.hearing_deadline,
            issued_by=repo.principal.username,
            issued_at=now,
        )
    )
    events.record(
        repo,
        "case",
        case.id,
        "hearing_notice",
        from_state="open",
        to_state="notified",
        detail={"document": doc.id},
        at=now,
    )
    return case


def hearing_notice_of(repo: ScopedRepository, case_id: int) -> tuple[Case, HearingNotice]:
    """The case (in the caller's scope) and the penalty proposed in its 告知书, as issued."""
    case = repo.get(Case, case_id, "案件")
    notice = repo.session.scalars(select(HearingNotice).where(HearingNotice.case_id == case.id)).one_or_none()
    if notice is None:
        if case.status == "open":
            raise NotFoundError(f"案件 {case.case_no} 尚未发出行政处罚事先告知书")
        raise NotFoundError(
            f"案件 {case.case_no} 的告知书签发时未单独保存拟处罚内容，请在案件文书中查看告知书 PDF"
        )
    return case, notice


def proposed_penalty(notice: HearingNotice) -> penalties.Penalty:
    """The :class:`~qiandai.supervision.penalties.Penalty` stored with a 告知书."""
    return penalties.Penalty(
        notice.article,
        notice.multiple,
        notice.fine_base,
        notice.fine_amount,
        notice.suspension_months,
        notice.settlement_suspension_months,
        notice.terminate_agreement,
    )


def record_statement(repo: ScopedRepository, case_id: int, statement: str, waive: bool = False) -> Case:
    """The party's 陈述申辩 (or its waiver): by the institution user, or by staff on the party's behalf
    (always so for a person, who has no account)."""
    case = repo.get(Case, case_id, "案件")
    if case.status != "notified":
        raise ConflictError("案件不在陈述申辩期")
    if not statement.strip() and not waive:
        raise InvalidInputError("请填写陈述申辩内容")
    case.hearing_statement = "（放弃陈述申辩）" if waive else statement
    events.record(repo, "case", case.id, "statement", reason=case.hearing_statement)
    return case


@dataclass(frozen=True)
class DecisionRequest:
    idempotency_key: str
    article: str
    multiple: Decimal | None = None
    fixed_fine: Decimal | None = None
    suspension_months: int | None = None
    settlement_suspension_months: int | None = None
    terminate_agreement: bool = False
    basis: str = ""


def decide(
    repo: ScopedRepository, case_id: int, req: DecisionRequest, now: datetime | None = None
) -> Decision:
    """The leader's decision (处罚决定). Same key → the first decision, unchanged; other key → conflict."""
    if not repo.principal.has_role(Role.LEADER):
        raise PermissionDeniedError("处罚决定须由领导签发")
    prior = repo.session.scalars(
        select(Decision).where(Decision.idempotency_key == req.idempotency_key)
    ).one_or_none()
    if prior is not None:
        if prior.case_id != case_id:
            raise ConflictError("幂等键已用于其他案件")
        repo.get(Case, case_id, "案件")
        return prior
    case = repo.get(Case, case_id, "案件")
    if case.status in ("decided", "closed"):
        raise ConflictError(f"案件 {case.case_no} 已作出处理决定，不能重复决定")
    if case.status != "notified":
        raise ConflictError("作出处罚决定前须先发出告知书（陈述申辩）")
    now = now or now_utc()
    if case.hearing_statement is None and case.hearing_deadline is not None and now < case.hearing_deadline:
        raise ConflictError("陈述申辩期未满，且当事人尚未陈述申辩")
    penalty = _penalty(repo, case, req.__dict__)
    decision = repo.add(
        Decision(
            case_id=case.id,
            idempotency_key=req.idempotency_key,
            article=penalty.article,
            multiple=penalty.multiple,
            fine_base=penalty.fine_base,
            fine_amount=penalty.fine_amount,
            recovery_amount=recovery_due(repo, case),
            suspension_months=penalty.suspension_months,
            settlement_suspension_months=penalty.settlement_suspension_months,
            terminate_agreement=penalty.terminate_agreement,
            basis=req.basis or penalties.ARTICLES[penalty.article].summary,
            decided_by=repo.principal.username,
            signed_by=repo.principal.display_name,
            decided_at=now,
        )
    )
    case.status = "decided"
    if case.institution_code is not None:
        inst = repo.get(Institution, case.institution_code, "机构")
        if penalty.terminate_agreement:
            inst.agreement_status = "terminated"
        elif penalty.suspension_months:
            inst.agreement_status = "suspended"
    doc = documents.penalty_decision(repo, case, decision)
    events.record(
        repo,
        "case",
        case.id,
        "decide",
        from_state="notified",
        to_state="decided",
        detail={"decision": decision.id, "fine": str(decision.fine_amount), "document": doc.id},
        at=now,
    )
    if case.subject_kind == persons.INSTITUTION:
        rectification.create_for_case(repo, case, now)
    credit.open_major_report_if_needed(repo, case, decision, now)
    return decision


def recovery_due(repo: ScopedRepository, case: Case) -> Decimal:
    """Fund loss to recover: confirmed amounts of points not already refunded by self-inspection."""
    return sum(
        (f.confirmed_amount or ZERO for f in repo.findings_of_case(case.id) if not f.self_reported), ZERO
    )


def _penalty(repo: ScopedRepository, case: Case, choice: dict[str, object]) -> penalties.Penalty:
    """The validated penalty for ``case``: article fits the subject, strict minimum after self-inspection."""
    findings = repo.findings_of_case(case.id)
    _check_article_subject(case, str(choice.get("article") or ""))
    rule = get_config(repo.session, "self_inspection")
    base = case.loss_amount
    if rule.get("self_reported_fine") == "exempt":
        base = sum((f.confirmed_amount or ZERO for f in findings if not f.self_reported), ZERO)
    article = str(choice.get("article") or "")
    art = penalties.ARTICLES.get(article)
    min_multiple = None
    did_self_inspect = case.institution_code is not None and repo.session.scalar(
        select(SelfInspection.id).where(SelfInspection.institution_code == case.institution_code).limit(1)
    )
    if art and art.multiple and did_self_inspect and any(not f.self_reported for f in findings):
        low, high = art.multiple
        min_multiple = to_money(low + (high - low) * Decimal(str(rule.get("strict_min_fraction", "0"))))
    return penalties.compute(
        article,
        fine_base=base,
        multiple=_dec(choice.get("multiple")),
        fixed_fine=_dec(choice.get("fixed_fine")),
        suspension_months=choice.get("suspension_months"),  # type: ignore[arg-type]
        settlement_suspension_months=choice.get("settlement_suspension_months"),  # type: ignore[arg-type]
        terminate_agreement=bool(choice.get("terminate_agreement", False)),
        min_multiple=min_multiple,
    )


def _check_article_subject(case: Case, article: str) -> None:
    art = penalties.ARTICLES.get(article)
    if art is not None and art.subject != case.subject_kind:
        fits = "、".join(a.code for a in penalties.ARTICLES.values() if a.subject == case.subject_kind)
        who = "参保个人" if case.subject_kind == persons.PERSON else "定点医药机构"
        raise InvalidInputError(f"{art.title}不适用于{who}（可选：{fits}）")


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def record_payment(
    repo: ScopedRepository,
    case_id: int,
    kind: str,
    amount: Decimal,
    reference: str,
    paid_at: datetime | None = None,
) -> Payment:
    """Record money received for a decided case; the same (kind, reference) twice is one payment."""
    case = repo.get(Case, case_id, "案件")
    if not repo.principal.has_role(Role.AUDITOR, Role.REVIEWER):
        raise PermissionDeniedError("仅稽核员、审核员可登记缴款")
    if kind not in ("recovery", "fine"):
        raise InvalidInputError("缴款类型应为 recovery（追回）或 fine（罚款）")
    existing = repo.payment_by_reference(kind, reference)
    if existing is not None:
        if existing.case_id != case.id or existing.amount != to_money(amount):
            raise ConflictError(f"缴款凭证号 {reference} 已登记为其他缴款")
        return existing
    decision = repo.session.scalars(select(Decision).where(Decision.case_id == case.id)).one_or_none()
    if decision is None:
        raise ConflictError("案件尚未作出处理决定")
    amount = to_money(amount)
    due = decision.recovery_amount if kind == "recovery" else decision.fine_amount
    if amount <= 0 or repo.paid(case.id, kind) + amount > due:
        raise InvalidInputError(f"缴款金额无效：应缴 {due}，已缴 {repo.paid(case.id, kind)}")
    payment = repo.add(
        Payment(
            case_id=case.id,
            institution_code=case.institution_code,
            region_code=case.region_code,
            kind=kind,
            amount=amount,
            reference=reference,
            paid_at=paid_at or now_utc(),
            recorded_by=repo.principal.username,
        )
    )
    events.record(
        repo, "case", case.id, f"payment_{kind}", detail={"amount": str(amount), "reference": reference}
    )
    return payment


def balance(repo: ScopedRepository, case: Case) -> dict[str, Decimal]:
    decision = repo.session.scalars(select(Decision).where(Decision.case_id == case.id)).one_or_none()
    due_r = decision.recovery_amount if decision else ZERO
    due_f = decision.fine_amount if decision else ZERO
    paid_r, paid_f = repo.paid(case.id, "recovery"), repo.paid(case.id, "fine")
    return {
        "recovery_due": due_r,
        "recovery_paid": paid_r,
        "fine_due": due_f,
        "fine_paid": paid_f,
        "outstanding": due_r + due_f - paid_r - paid_f,
    }


def close_case(repo: ScopedRepository, case_id: int) -> Case:
    """对账销号: close a decided case once everything is paid and every rectification item is closed."""
    case = repo.get(Case, case_id, "案件")
    if not repo.principal.has_role(Role.REVIEWER):
        raise PermissionDeniedError("仅审核员可结案销号")
    if case.status != "decided":
        raise ConflictError("只有已决定的案件可以结案")
    if balance(repo, case)["outstanding"] > 0:
        raise ConflictError("追回款或罚款尚未缴清，不能结案")
    open_items = [r.id for r in repo.rectifications(case_id=case.id) if r.status != "closed"]
    if open_items:
        raise ConflictError(f"整改事项 {open_items} 尚未销号，不能结案")
    case.status = "closed"
    events.record(repo, "case", case.id, "close", from_state="decided", to_state="closed")
    return case
