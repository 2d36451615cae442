"""Credit and publication: institution credit ratings with reasons (rules are configuration data),
the blacklist and its joint-punishment export, circulars (通报) of typical cases, major-case reports
(要情报告) with deadlines.

A rating scores only what falls inside its period (:mod:`qiandai.supervision.periods`, Shanghai days):
confirmed points by the date of the violation (``event_date``, else the import time), decisions by
``decided_at``, overdue rectification items and explanations by a deadline inside the period (and
already passed) while they are still open, self-inspections by ``submitted_at``. Every reason names
the period (``detail`` starts with it; ``period`` key). Cases against persons never count.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from qiandai.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.supervision import documents, events, periods
from qiandai.supervision.config import get_config
from qiandai.supervision.models import (
    Blacklist,
    Case,
    Circular,
    CreditRating,
    Decision,
    Finding,
    Institution,
    MajorReport,
    Rectification,
    SelfInspection,
)
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import CASE, DECISION, DEDUCTED, EXPLANATION

STAFF = (Role.REVIEWER, Role.LEADER, Role.AUDITOR)


def _count(repo: ScopedRepository, stmt: Any) -> int:
    return int(repo.session.scalar(stmt) or 0)


def rate(
    repo: ScopedRepository, inst: Institution, period: str, now: datetime
) -> tuple[int, str, list[dict[str, Any]]]:
    """``(score, grade, reasons)`` of one institution for ``period`` under the configured ``credit`` rules.

    Only facts dated inside ``period`` count (see the module docstring); each reason carries the period.
    """
    rule = get_config(repo.session, "credit")
    span = periods.parse(period)
    start_at, end_at = span.start_at, span.end_at
    as_of = min(end_at, now)
    reasons: list[dict[str, Any]] = []

    def add(item: str, points: int, detail: str) -> None:
        if points:
            reasons.append(
                {"item": item, "points": points, "detail": f"{span.label}：{detail}", "period": span.label}
            )

    code = inst.code
    confirmed = _count(
        repo,
        select(func.count())
        .select_from(Finding)
        .where(
            Finding.institution_code == code,
            Finding.self_reported.is_(False),
            Finding.stage.in_([DECISION, CASE, DEDUCTED]),
            _event_in(span),
        ),
    )
    add(
        "违规问题",
        max(rule["finding_cap"], confirmed * rule["per_confirmed_finding"]),
        f"经确认的违规疑点 {confirmed} 个",
    )
    decisions = (
        repo.session.execute(
            select(Decision)
            .join(Case, Case.id == Decision.case_id)
            .where(
                Case.institution_code == code, Decision.decided_at >= start_at, Decision.decided_at < end_at
            )
            .order_by(Decision.id)
        )
        .scalars()
        .all()
    )
    for d in decisions:
        add(
            "行政处罚",
            int(rule["per_decision"].get(d.article, 0)),
            f"依{d.article}条处罚，罚款 {d.fine_amount} 元",
        )
        if d.terminate_agreement:
            add("解除协议", int(rule["termination"]), "解除医保服务协议")
        elif d.suspension_months:
            add("暂停服务", int(rule["suspension"]), f"暂停相关医药服务 {d.suspension_months} 个月")
    overdue_r = _count(
        repo,
        select(func.count())
        .select_from(Rectification)
        .where(
            Rectification.institution_code == code,
            Rectification.status.in_(["open", "reopened"]),
            Rectification.deadline >= start_at,
            Rectification.deadline < as_of,
        ),
    )
    add("整改配合", overdue_r * int(rule["overdue_rectification"]), f"逾期未整改事项 {overdue_r} 项")
    overdue_e = _count(
        repo,
        select(func.count())
        .select_from(Finding)
        .where(
            Finding.institution_code == code,
            Finding.stage == EXPLANATION,
            Finding.stage_deadline >= start_at,
            Finding.stage_deadline < as_of,
        ),
    )
    add("说明配合", overdue_e * int(rule["overdue_explanation"]), f"逾期未说明的疑点 {overdue_e} 个")
    selfs = _count(
        repo,
        select(func.count())
        .select_from(SelfInspection)
        .where(
            SelfInspection.institution_code == code,
            SelfInspection.submitted_at >= start_at,
            SelfInspection.submitted_at < end_at,
        ),
    )
    add("自查自纠", int(rule["self_inspection"]) if selfs else 0, f"提交自查报告 {selfs} 份")
    score = max(0, min(100, int(rule["base"]) + sum(r["points"] for r in reasons)))
    grade = next(g for threshold, g in rule["grades"] if score >= threshold)
    return score, grade, reasons


def _event_in(span: periods.Period) -> Any:
    """Points whose violation date (``event_date``, else the import time) lies inside ``span``."""
    return or_(
        and_(
            Finding.event_date.is_not(None), Finding.event_date >= span.start, Finding.event_date < span.end
        ),
        and_(
            Finding.event_date.is_(None),
            Finding.created_at >= span.start_at,
            Finding.created_at < span.end_at,
        ),
    )


def compute_ratings(repo: ScopedRepository, period: str, now: datetime | None = None) -> list[CreditRating]:
    """Rate every institution in scope for ``period`` (re-running replaces the period's ratings) and
    list the ones whose grade or a fraud decision calls for the blacklist."""
    if not repo.principal.has_role(*STAFF):
        raise PermissionDeniedError("无权进行信用评价")
    now = now or now_utc()
    black_grades = set(get_config(repo.session, "credit")["blacklist_grades"])
    out = []
    for inst in repo.all(repo.select(Institution).order_by(Institution.code)):
        score, grade, reasons = rate(repo, inst, period, now)
        row = repo.session.scalars(
            select(CreditRating).where(
                CreditRating.institution_code == inst.code, CreditRating.period == period
            )
        ).one_or_none()
        if row is None:
            row = repo.add(
                CreditRating(
                    institution_code=inst.code,
                    region_code=inst.region_code,
                    period=period,
                    score=score,
                    grade=grade,
                    reasons=reasons,
                    computed_at=now,
                )
            )
        else:
            row.score, row.grade, row.reasons, row.computed_at = score, grade, reasons, now
        fraud = any(r["item"] == "行政处罚" and "依40条" in r["detail"] for r in reasons)
        if grade in black_grades or fraud:
            _blacklist(
                repo,
                inst,
                f"{period} 信用等级 {grade}（{score} 分）" + ("；存在骗保处罚" if fraud else ""),
                now,
            )
        out.append(row)
    repo.session.flush()
    return out


def _blacklist(repo: ScopedRepository, inst: Institution, reason: str, now: datetime) -> None:
    active = repo.session.scalars(
        select(Blacklist).where(Blacklist.institution_code == inst.code, Blacklist.removed_at.is_(None))
    ).first()
    if active is None:
        entry = repo.add(
            Blacklist(institution_code=inst.code, region_code=inst.region_code, reason=reason, listed_at=now)
        )
        events.record(repo, "blacklist", entry.id, "list", reason=reason)


def blacklist(repo: ScopedRepository) -> list[tuple[Blacklist, Institution]]:
    stmt = repo.select(Blacklist).where(Blacklist.removed_at.is_(None)).order_by(Blacklist.id)
    return [(b, repo.get(Institution, b.institution_code, "机构")) for b in repo.all(stmt)]


def blacklist_xlsx(repo: ScopedRepository) -> bytes:
    """联合惩戒名单 as xlsx with Chinese headers (for sharing with other departments)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "联合惩戒名单"
    ws.append(["机构编码", "机构名称", "机构类型", "行政区划", "列入原因", "列入日期"])
    for b, inst in blacklist(repo):
        ws.append(
            [
                inst.code,
                inst.name,
                inst.kind,
                inst.region_code,
                b.reason,
                b.listed_at.astimezone(SHANGHAI).strftime("%Y-%m-%d"),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def create_circular(repo: ScopedRepository, title: str, body: str, case_ids: list[int]) -> Circular:
    """A circular (通报) of typical decided cases, with its PDF."""
    if not repo.principal.has_role(Role.REVIEWER, Role.LEADER):
        raise PermissionDeniedError("仅审核员、领导可起草通报")
    cases = [repo.get(Case, cid, "案件") for cid in case_ids]
    if not cases or any(c.status not in ("decided", "closed") for c in cases):
        raise InvalidInputError("通报只能收录已作出处理决定的案件")
    items = []
    for c in cases:
        d = repo.session.scalars(select(Decision).where(Decision.case_id == c.id)).one()
        items.append({"title": c.title, "text": _circular_text(repo, c, d)})
    region = repo.principal.region_code or cases[0].region_code
    circ = repo.add(
        Circular(
            title=title, region_code=region, body=body, case_ids=case_ids, created_by=repo.principal.username
        )
    )
    documents.circular(repo, circ.id, region, title, body, items)
    events.record(repo, "circular", circ.id, "draft", to_state="draft")
    return circ


def _circular_text(repo: ScopedRepository, case: Case, d: Decision) -> str:
    """One typical case for a circular; a person is named only by the masked name."""
    if case.institution_code is None:
        who = f"参保人{case.psn_name_masked or ''}"
        measures = (
            f"责令退回 {d.recovery_amount} 元，暂停其医疗费用联网结算 {d.settlement_suspension_months} 个月"
        )
    else:
        who = repo.get(Institution, case.institution_code, "机构").name
        measures = f"责令退回 {d.recovery_amount} 元"
    fine = f"，并处罚款 {d.fine_amount} 元" if d.fine_amount > 0 or case.institution_code else ""
    return f"经查，{who}违规使用医保基金 {case.loss_amount} 元。医保部门依法{measures}{fine}。"


def publish_circular(repo: ScopedRepository, circular_id: int, now: datetime | None = None) -> Circular:
    if not repo.principal.has_role(Role.LEADER):
        raise PermissionDeniedError("通报须由领导签发")
    circ = repo.get(Circular, circular_id, "通报")
    if circ.published_at is not None:
        raise ConflictError("通报已发布")
    circ.published_at = now or now_utc()
    events.record(repo, "circular", circ.id, "publish", from_state="draft", to_state="published")
    return circ


def open_major_report_if_needed(
    repo: ScopedRepository, case: Case, decision: Decision, now: datetime
) -> MajorReport | None:
    """A 要情报告 is due when the loss reaches the threshold or the article is a fraud article."""
    rule = get_config(repo.session, "major_case")
    if case.loss_amount < Decimal(rule["threshold"]) and decision.article not in rule["articles"]:
        return None
    existing = repo.session.scalars(select(MajorReport).where(MajorReport.case_id == case.id)).one_or_none()
    if existing:
        return existing
    reason = f"案件 {case.case_no}：损失 {case.loss_amount} 元，依{decision.article}条处理"
    return repo.add(
        MajorReport(
            case_id=case.id,
            region_code=case.region_code,
            reason=reason,
            due_at=now + timedelta(hours=int(rule["report_hours"])),
            created_at=now,
        )
    )


def submit_major_report(
    repo: ScopedRepository, report_id: int, summary: str, now: datetime | None = None
) -> MajorReport:
    if not repo.principal.has_role(Role.REVIEWER, Role.LEADER):
        raise PermissionDeniedError("仅审核员、领导可报送要情")
    report = repo.get(MajorReport, report_id, "要情报告")
    if report.submitted_at is not None:
        raise ConflictError("要情报告已报送")
    report.summary, report.submitted_by, report.submitted_at = (
        summary,
        repo.principal.username,
        now or now_utc(),
    )
    events.record(repo, "major_report", report.id, "submit", to_state="submitted")
    return report


def major_reports(repo: ScopedRepository) -> list[MajorReport]:
    return repo.all(repo.select(MajorReport).order_by(MajorReport.id))


def list_circulars(repo: ScopedRepository, published: bool | None = None) -> list[Circular]:
    """Circulars in the caller's region (institution users see none: drafts are internal)."""
    if not repo.principal.has_role(*STAFF):
        raise PermissionDeniedError("无权查看通报")
    stmt = repo.select(Circular).order_by(Circular.id.desc())
    if published is not None:
        stmt = stmt.where(
            Circular.published_at.is_not(None) if published else Circular.published_at.is_(None)
        )
    return repo.all(stmt)


def decided_cases(repo: ScopedRepository) -> list[Case]:
    """Cases in scope that a circular may include (decided or closed)."""
    return repo.all(repo.select(Case).where(Case.status.in_(["decided", "closed"])).order_by(Case.id))


def circular_items(session: Any, circular: Circular) -> list[dict[str, str]]:
    """The typical cases of ``circular`` as printed (title and text; persons by masked name only)."""
    from qiandai.identity.principal import Principal

    reader = ScopedRepository(session, Principal(0, "circular", "通报", frozenset({Role.ADMIN})))
    items = []
    for cid in circular.case_ids:
        case = session.get(Case, cid)
        decision = session.scalars(select(Decision).where(Decision.case_id == cid)).one_or_none()
        if case is not None and decision is not None:
            items.append(
                {"case_no": case.case_no, "title": case.title, "text": _circular_text(reader, case, decision)}
            )
    return items


def published_circulars(session: Any) -> list[Circular]:
    """Every published circular, newest first: public information (曝光台), no login needed."""
    stmt = select(Circular).where(Circular.published_at.is_not(None)).order_by(Circular.published_at.desc())
    return list(session.scalars(stmt).all())


def published_circular(session: Any, circular_id: int) -> Circular:
    """One published circular; a draft or a missing one is 404 to the public."""
    from qiandai.domain.errors import NotFoundError

    circ = session.get(Circular, circular_id)
    if circ is None or circ.published_at is None:
        raise NotFoundError("通报不存在")
    return circ
