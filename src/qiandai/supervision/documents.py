"""Generated documents: Jinja2 HTML templates rendered to PDF by WeasyPrint, stored with their case.

Templates use a CJK font stack ('Noto Serif CJK SC', 'Noto Sans CJK SC', 'WenQuanYi Zen Hei',
'SimSun', serif); without any CJK font installed the PDF is still produced (glyphs may be missing).
Documents are kept as bytes in ``sv_document`` so they travel with the database.

The 告知书 and 处罚决定书 of a person case (条例第四十一条) use the ``*_person.html`` templates: addressed
to the insured person by masked name and ID number (stored documents never carry the full identity),
with the settlement suspension instead of institution sanctions, and linked to no institution.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qiandai.store.base import SHANGHAI, now_utc
from qiandai.supervision import penalties, persons
from qiandai.supervision.models import Case, Decision, Document, Institution
from qiandai.supervision.repository import ScopedRepository

TEMPLATES = Path(__file__).resolve().parent / "templates"
AUTHORITY = "医疗保障局"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def money(value: Decimal | None) -> str:
    return f"{(value or Decimal('0')):,.2f}"


def _date(value: datetime | None) -> str:
    v = (value or now_utc()).astimezone(SHANGHAI)
    return f"{v.year}年{v.month}月{v.day}日"


def date_text(value: datetime | None) -> str:
    """``2026年11月23日`` in Beijing time (today when ``value`` is None), as the documents write dates."""
    return _date(value)


def render_html(template: str, **context: Any) -> str:
    """Render ``template`` with ``context`` to HTML (the text that :func:`render_pdf` typesets)."""
    values: dict[str, Any] = {"money": money, "authority": AUTHORITY, "today": _date(None), **context}
    return _env.get_template(template).render(**values)


def render_pdf(template: str, **context: Any) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes."""
    from weasyprint import HTML  # heavy import, only when a document is made

    html = render_html(template, **context)
    return bytes(HTML(string=html, base_url=str(TEMPLATES)).write_pdf())


def _template(case: Case, name: str) -> str:
    return f"{name}_person.html" if case.subject_kind == persons.PERSON else f"{name}.html"


def _party(repo: ScopedRepository, case: Case) -> dict[str, Any]:
    """``institution`` (the register row) for an institution case, ``person`` (masked) for a person."""
    if case.institution_code is None:
        return {"person": persons.party(case), "institution": None}
    return {"institution": repo.get(Institution, case.institution_code, "机构"), "person": None}


def hearing_notice_context(
    repo: ScopedRepository,
    case: Case,
    penalty: penalties.Penalty,
    *,
    recovery: Decimal | None = None,
    issued_at: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """Template name and context of the 告知书 of ``case`` proposing ``penalty``.

    ``recovery`` and ``issued_at`` are the stored values when an issued notice is shown again
    (default: the amount due now and today's date).
    """
    from qiandai.supervision.cases import recovery_due

    if recovery is None:
        recovery = recovery_due(repo, case)
    return _template(case, "hearing_notice"), {
        "today": _date(issued_at),
        "title": "行政处罚事先告知书",
        "doc_no": f"医保罚告〔{case.case_no}〕",
        "case": case,
        **_party(repo, case),
        "findings": repo.findings_of_case(case.id),
        "article": penalties.ARTICLES[penalty.article],
        "penalty": penalty,
        "recovery": recovery,
        "deadline": _date(case.hearing_deadline),
    }


def decision_context(repo: ScopedRepository, case: Case, decision: Decision) -> tuple[str, dict[str, Any]]:
    """Template name and context of the 处罚决定书 of decided ``case``."""
    notice = next((e for e in repo.events("case", case.id) if e.action == "hearing_notice"), None)
    return _template(case, "penalty_decision"), {
        "title": "行政处罚决定书",
        "doc_no": f"医保罚决〔{case.case_no}〕",
        "case": case,
        **_party(repo, case),
        "findings": repo.findings_of_case(case.id),
        "article": penalties.ARTICLES[decision.article],
        "decision": decision,
        "notice_date": _date(notice.at if notice else None),
        "today": _date(decision.decided_at),
    }


def _store(
    repo: ScopedRepository,
    *,
    subject_type: str,
    subject_id: int,
    region_code: str,
    institution_code: str | None,
    kind: str,
    title: str,
    content: bytes,
) -> Document:
    return repo.add(
        Document(
            subject_type=subject_type,
            subject_id=subject_id,
            region_code=region_code,
            institution_code=institution_code,
            kind=kind,
            title=title,
            filename=f"{title}.pdf",
            media_type="application/pdf",
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            created_at=now_utc(),
            created_by=repo.principal.username,
        )
    )


def hearing_notice(
    repo: ScopedRepository, case: Case, penalty: penalties.Penalty, *, recovery: Decimal | None = None
) -> Document:
    """行政处罚事先告知书 (陈述申辩告知) for ``case`` with the proposed penalty."""
    template, context = hearing_notice_context(repo, case, penalty, recovery=recovery)
    title = f"行政处罚事先告知书（{case.case_no}）"
    pdf = render_pdf(template, **context)
    return _store(
        repo,
        subject_type="case",
        subject_id=case.id,
        region_code=case.region_code,
        institution_code=case.institution_code,
        kind="hearing_notice",
        title=title,
        content=pdf,
    )


def penalty_decision(repo: ScopedRepository, case: Case, decision: Decision) -> Document:
    """行政处罚决定书 for a decided case."""
    template, context = decision_context(repo, case, decision)
    title = f"行政处罚决定书（{case.case_no}）"
    pdf = render_pdf(template, **context)
    return _store(
        repo,
        subject_type="case",
        subject_id=case.id,
        region_code=case.region_code,
        institution_code=case.institution_code,
        kind="penalty_decision",
        title=title,
        content=pdf,
    )


def circular(
    repo: ScopedRepository,
    circular_id: int,
    region_code: str,
    title: str,
    body: str,
    cases: list[dict[str, str]],
) -> Document:
    """通报 of typical cases."""
    pdf = render_pdf("circular.html", title=title, doc_no=None, body=body, cases=cases)
    return _store(
        repo,
        subject_type="circular",
        subject_id=circular_id,
        region_code=region_code,
        institution_code=None,
        kind="circular",
        title=title,
        content=pdf,
    )


def list_for(repo: ScopedRepository, subject_type: str, subject_id: int) -> list[Document]:
    stmt = repo.select(Document).where(
        Document.subject_type == subject_type, Document.subject_id == subject_id
    )
    return repo.all(stmt.order_by(Document.id))
