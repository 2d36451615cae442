"""Self-inspection (自查自纠): an institution reports problems found by running the audit on its own data,
with a voluntary refund. Self-reported problems are handled leniently (``self_inspection`` config):
in ``exempt`` mode they close as 自查自纠已退回 and are never fined; otherwise they wait for a case.
Problems the bureau finds later that were not self-reported are fined strictly (see cases._penalty).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from qiandai.domain.errors import ConflictError, InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.supervision import events
from qiandai.supervision.config import get_config
from qiandai.supervision.importer import read_run
from qiandai.supervision.models import Finding, Institution, Payment, SelfInspection
from qiandai.supervision.money import money as to_money
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import DECISION, SELF_CORRECTED


def problems_from_audit(folder: Path, institution_code: str) -> list[dict[str, Any]]:
    """The institution's own rows of an audit output folder, as self-reported problems."""
    _, rows = read_run(folder)
    return [
        {
            "finding_id": r["finding_id"],
            "rule_code": r["rule_code"],
            "rule_name": r["rule_name"],
            "evidence": r["evidence"],
            "amount": r["amount"],
            "mdtrt_id": r["mdtrt_id"],
            "event_date": r["event_date"],
        }
        for r in rows
        if r["fixmedins_code"] == institution_code
    ]


def submit(
    repo: ScopedRepository,
    *,
    institution_code: str,
    period: str,
    summary: str,
    problems: Sequence[dict[str, Any]],
    refund_amount: Decimal,
    now: datetime | None = None,
) -> SelfInspection:
    """Record the report, its problems (as self-reported points) and the refund; once per period."""
    if not repo.principal.has_role(Role.INSTITUTION, Role.AUDITOR):
        raise PermissionDeniedError("仅机构用户（或代为录入的稽核员）可提交自查报告")
    inst = repo.get(Institution, institution_code, "机构")
    if any(
        s.period == period
        for s in repo.all(repo.select(SelfInspection).where(SelfInspection.institution_code == inst.code))
    ):
        raise ConflictError(f"{period} 的自查报告已提交")
    now = now or now_utc()
    refund = to_money(refund_amount)
    total = sum((to_money(p["amount"]) for p in problems), Decimal("0.00"))
    if refund < 0 or refund > total:
        raise InvalidInputError(f"主动退回金额应在 0 与问题金额合计 {total} 之间")
    report = repo.add(
        SelfInspection(
            institution_code=inst.code,
            region_code=inst.region_code,
            period=period,
            summary=summary,
            problem_count=len(problems),
            problem_amount=total,
            refund_amount=refund,
            submitted_by=repo.principal.username,
            submitted_at=now,
        )
    )
    exempt = get_config(repo.session, "self_inspection").get("self_reported_fine") == "exempt"
    stage = SELF_CORRECTED if exempt and refund == total else DECISION
    for i, p in enumerate(problems, start=1):
        amount = to_money(p["amount"])
        f = repo.add(
            Finding(
                finding_id=f"SELF-{inst.code}-{period}-{i:04d}",
                run_id=None,
                source="self_inspection",
                rule_id="self_inspection",
                rule_code=str(p.get("rule_code") or "SELF"),
                rule_name=str(p.get("rule_name") or "自查问题"),
                result_type="明确违规",
                institution_code=inst.code,
                region_code=inst.region_code,
                mdtrt_id=p.get("mdtrt_id"),
                event_date=p.get("event_date"),
                amount=amount,
                evidence=str(p.get("evidence") or ""),
                stage=stage,
                confirmed_amount=amount,
                self_reported=True,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        events.record(repo, "finding", f.id, "self_report", to_state=stage, at=now)
    if refund > 0:
        repo.add(
            Payment(
                case_id=None,
                institution_code=inst.code,
                region_code=inst.region_code,
                kind="refund",
                amount=refund,
                reference=f"SELF-{inst.code}-{period}",
                paid_at=now,
                recorded_by=repo.principal.username,
            )
        )
    events.record(
        repo,
        "self_inspection",
        report.id,
        "submit",
        to_state="submitted",
        detail={"problems": len(problems), "refund": str(refund)},
        at=now,
    )
    return report


def list_reports(repo: ScopedRepository) -> list[SelfInspection]:
    return repo.all(repo.select(SelfInspection).order_by(SelfInspection.id))


STATUS_LABELS = {"submitted": "已提交，待受理审核", "accepted": "已认可", "returned": "退回补充"}
PROBLEM_HEADERS = ("规则编码", "问题名称", "就诊编号", "发生日期", "金额（元）", "问题说明")
_HEADER_KEYS = dict(
    zip(
        PROBLEM_HEADERS,
        ("rule_code", "rule_name", "mdtrt_id", "event_date", "amount", "evidence"),
        strict=True,
    )
)


def problems_of(repo: ScopedRepository, report: SelfInspection) -> list[Finding]:
    """The self-reported points created by ``report`` (their keys carry institution and period)."""
    prefix = f"SELF-{report.institution_code}-{report.period}-"
    stmt = repo.select(Finding).where(Finding.finding_id.like(f"{prefix}%"), Finding.self_reported.is_(True))
    return repo.all(stmt.order_by(Finding.id))


def refunds_of(repo: ScopedRepository, report: SelfInspection) -> list[Payment]:
    """Refund payments of ``report``: the one made at submission and any recorded later."""
    stmt = repo.select(Payment).where(
        Payment.kind == "refund",
        Payment.case_id.is_(None),
        Payment.institution_code == report.institution_code,
        Payment.reference.like(f"SELF-{report.institution_code}-{report.period}%"),
    )
    return repo.all(stmt.order_by(Payment.id))


def record_refund(
    repo: ScopedRepository,
    report_id: int,
    amount: Decimal,
    voucher: str,
    now: datetime | None = None,
) -> SelfInspection:
    """A further voluntary refund (主动退回) of a submitted or returned self-inspection.

    Idempotent by voucher: the same voucher with the same amount is one refund. The total refunded may
    not exceed the problem amount; once it equals it (and self-reported points are exempt from fines),
    the report's points awaiting a case close as 自查自纠已退回.
    """
    if not repo.principal.has_role(Role.INSTITUTION, Role.AUDITOR):
        raise PermissionDeniedError("仅机构用户（或代为录入的稽核员）可登记主动退回")
    report = repo.get(SelfInspection, report_id, "自查报告")
    voucher = voucher.strip()
    if not voucher:
        raise InvalidInputError("请填写退回凭证号")
    reference = f"SELF-{report.institution_code}-{report.period}-{voucher}"
    value = to_money(amount)
    existing = repo.session.scalars(
        repo.select(Payment).where(Payment.kind == "refund", Payment.reference == reference)
    ).one_or_none()
    if existing is not None:
        if existing.amount != value:
            raise ConflictError(f"退回凭证号 {voucher} 已登记为其他金额")
        return report
    if report.status == "accepted":
        raise ConflictError("自查报告已认可，不能再登记退回")
    if value <= 0 or report.refund_amount + value > report.problem_amount:
        left = report.problem_amount - report.refund_amount
        raise InvalidInputError(f"退回金额无效：问题金额 {report.problem_amount}，尚可退回 {left}")
    now = now or now_utc()
    repo.add(
        Payment(
            case_id=None,
            institution_code=report.institution_code,
            region_code=report.region_code,
            kind="refund",
            amount=value,
            reference=reference,
            paid_at=now,
            recorded_by=repo.principal.username,
        )
    )
    report.refund_amount = to_money(report.refund_amount + value)
    exempt = get_config(repo.session, "self_inspection").get("self_reported_fine") == "exempt"
    if exempt and report.refund_amount == report.problem_amount:
        for f in problems_of(repo, report):
            if f.stage == DECISION and f.case_id is None:
                f.stage, f.updated_at = SELF_CORRECTED, now
                f.version += 1
                events.record(
                    repo, "finding", f.id, "self_refund", from_state=DECISION, to_state=SELF_CORRECTED
                )
    events.record(
        repo,
        "self_inspection",
        report.id,
        "refund",
        detail={"amount": str(value), "reference": voucher},
        at=now,
    )
    return report


def review(
    repo: ScopedRepository, report_id: int, accepted: bool, opinion: str, now: datetime | None = None
) -> SelfInspection:
    """The bureau's acceptance (受理审核): 认可 (accepted, final) or 退回补充 (returned, re-reviewable)."""
    if not repo.principal.has_role(Role.AUDITOR, Role.REVIEWER):
        raise PermissionDeniedError("仅稽核员、审核员可审核自查报告")
    report = repo.get(SelfInspection, report_id, "自查报告")
    if not opinion.strip():
        raise InvalidInputError("请填写审核意见")
    if report.status == "accepted":
        raise ConflictError("自查报告已认可")
    before = report.status
    report.status = "accepted" if accepted else "returned"
    report.reviewed_by, report.reviewed_at = repo.principal.display_name, now or now_utc()
    report.review_opinion = opinion.strip()
    events.record(
        repo,
        "self_inspection",
        report.id,
        "accept" if accepted else "return",
        from_state=before,
        to_state=report.status,
        reason=report.review_opinion,
        at=report.reviewed_at,
    )
    return report


def parse_problems(content: bytes, filename: str) -> list[dict[str, Any]]:
    """Problems from an uploaded xlsx or CSV (UTF-8 or GBK) with the headers :data:`PROBLEM_HEADERS`.

    Every bad row is reported (file, row, field, why) in one :class:`InvalidInputError`; nothing is
    half-read. An empty file is refused.
    """
    rows = _table_rows(content, filename)
    if not rows:
        raise InvalidInputError(f"{filename}：文件为空")
    header = [str(h or "").strip() for h in rows[0]]
    missing = [
        h
        for h in PROBLEM_HEADERS
        if h not in header and h not in ("规则编码", "就诊编号", "发生日期", "问题说明")
    ]
    if missing:
        raise InvalidInputError(
            f"{filename}：缺少列 {'、'.join(missing)}（应为：{'、'.join(PROBLEM_HEADERS)}）"
        )
    index = {_HEADER_KEYS[h]: header.index(h) for h in PROBLEM_HEADERS if h in header}
    out: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, raw in enumerate(rows[1:], start=2):
        cells = {k: (raw[i] if i < len(raw) else None) for k, i in index.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        problem, row_errors = _problem(cells)
        errors.extend(f"{filename} 第 {n} 行「{field}」：{why}" for field, why in row_errors)
        if not row_errors:
            out.append(problem)
    if errors:
        raise InvalidInputError(
            "；".join(errors[:20]) + (f"；另有 {len(errors) - 20} 处错误" if len(errors) > 20 else "")
        )
    if not out:
        raise InvalidInputError(f"{filename}：没有问题明细行")
    return out


def _table_rows(content: bytes, filename: str) -> list[list[Any]]:
    import csv
    import io

    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # any unreadable workbook is the same error to the user
            raise InvalidInputError(f"{filename}：无法读取的 Excel 文件") from None
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    if filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                continue
            return [list(r) for r in csv.reader(io.StringIO(text))]
        raise InvalidInputError(f"{filename}：文件编码无法识别（应为 UTF-8 或 GBK）")
    raise InvalidInputError(f"{filename}：仅支持 .xlsx 或 .csv 文件")


def _problem(cells: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    from datetime import date
    from decimal import InvalidOperation

    errors: list[tuple[str, str]] = []
    text = {k: ("" if v is None else str(v).strip()) for k, v in cells.items()}
    if not text.get("rule_name"):
        errors.append(("问题名称", "不能为空"))
    amount: Decimal | None = None
    try:
        amount = Decimal(text.get("amount", "").replace(",", ""))
        exponent = amount.as_tuple().exponent
        if not amount.is_finite() or amount <= 0:
            errors.append(("金额（元）", "应为正数"))
        elif isinstance(exponent, int) and exponent < -2:
            errors.append(("金额（元）", "小数位数过多"))
    except InvalidOperation:
        errors.append(("金额（元）", f"不是有效金额：{text.get('amount', '')[:20]}"))
    event_date: date | None = None
    raw_date = cells.get("event_date")
    if isinstance(raw_date, datetime):
        event_date = raw_date.date()
    elif isinstance(raw_date, date):
        event_date = raw_date
    elif text.get("event_date"):
        try:
            event_date = date.fromisoformat(text["event_date"][:10])
        except ValueError:
            errors.append(("发生日期", f"应为 YYYY-MM-DD：{text['event_date'][:20]}"))
    return {
        "rule_code": text.get("rule_code") or "SELF",
        "rule_name": text.get("rule_name", ""),
        "mdtrt_id": text.get("mdtrt_id") or None,
        "event_date": event_date,
        "amount": amount,
        "evidence": text.get("evidence", ""),
    }, errors


def template_rows() -> list[list[str]]:
    """An example row for the downloadable problem template."""
    return [["GZ10000102012000", "重复收费", "MDTRT-0001", "2026-10-08", "120.00", "同日重复收取诊查费"]]
