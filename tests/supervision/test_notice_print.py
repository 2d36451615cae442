"""The 告知书 keeps the penalty proposed when it was issued (``sv_hearing_notice``), and the console
prints it as a web page with a 打印 button hidden on paper. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sv_helpers import INST_A, PASSWORD

from qiandai.api.app import create_app
from qiandai.domain.errors import NotFoundError
from qiandai.identity import Principal
from qiandai.supervision import cases, documents, importer, review
from qiandai.supervision.models import HearingNotice
from qiandai.supervision.repository import ScopedRepository
from qiandai.web import install_web

Repos = Callable[[str], ScopedRepository]


def _open_case(repo_of: Repos, audit_dir: Path, amount: str = "1000") -> int:
    importer.import_run(repo_of("admin"), audit_dir)
    fid = next(f.id for f in repo_of("auditor").findings(stage="first_review", institution_code=INST_A))
    review.act(repo_of("auditor"), fid, review.Move("pass"))
    review.act(repo_of("reviewer"), fid, review.Move("confirm"))
    review.act(repo_of("reviewer"), fid, review.Move("reject_appeal", reason="无说明"))
    review.act(repo_of("auditor"), fid, review.Move("conclude", confirmed_amount=Decimal(amount)))
    return cases.open_case(repo_of("reviewer"), [fid]).id


@pytest.fixture
def web(database_url: str, personas: dict[str, Principal]) -> Iterator[TestClient]:
    app = create_app(database_url)
    install_web(app)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def _login(c: TestClient, username: str) -> None:
    c.cookies.clear()
    c.get("/login")
    token = c.cookies.get("qiandai_csrf")
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_the_proposed_penalty_is_stored_when_the_notice_is_issued(repo_of: Repos, audit_dir: Path) -> None:
    case_id = _open_case(repo_of, audit_dir)
    with pytest.raises(NotFoundError, match="尚未发出行政处罚事先告知书"):
        cases.hearing_notice_of(repo_of("reviewer"), case_id)
    cases.issue_hearing_notice(repo_of("reviewer"), case_id, {"article": "38", "multiple": "1.5"})
    case, notice = cases.hearing_notice_of(repo_of("reviewer"), case_id)
    assert notice.case_id == case.id and notice.article == "38"
    assert notice.multiple == Decimal("1.50") and notice.fine_base == Decimal("1000.00")
    assert notice.fine_amount == Decimal("1500.00") and notice.recovery_amount == Decimal("1000.00")
    assert notice.hearing_deadline == case.hearing_deadline and notice.issued_by == "reviewer"
    assert notice.document_id is not None
    penalty = cases.proposed_penalty(notice)
    assert penalty.fine_amount == Decimal("1500.00") and penalty.suspension_months is None
    # a second notice for the same case is refused: the stored proposal stays the one issued
    with pytest.raises(Exception, match="已发出告知书"):
        cases.issue_hearing_notice(repo_of("reviewer"), case_id, {"article": "38", "multiple": "2"})
    rows = repo_of("admin").session.scalars(select(HearingNotice)).all()
    assert len(rows) == 1
    with pytest.raises(NotFoundError):  # another city's reviewer cannot read it
        cases.hearing_notice_of(repo_of("outsider"), case_id)


def test_the_notice_prints_as_a_web_page(repo_of: Repos, audit_dir: Path, web: TestClient) -> None:
    case_id = _open_case(repo_of, audit_dir, amount="2000")
    repo_of("admin").session.commit()
    _login(web, "reviewer")
    before = web.get(f"/yb/cases/{case_id}/notice/print")
    assert before.status_code == 404 and "尚未发出行政处罚事先告知书" in before.text
    page = web.get(f"/yb/cases/{case_id}")
    assert "notice-print" not in page.text
    cases.issue_hearing_notice(
        repo_of("reviewer"), case_id, {"article": "38", "multiple": "1.2", "suspension_months": 6}
    )
    repo_of("admin").session.commit()
    assert 'id="notice-print"' in web.get(f"/yb/cases/{case_id}").text
    r = web.get(f"/yb/cases/{case_id}/notice/print")
    assert r.status_code == 200
    text = r.text
    assert "行政处罚事先告知书" in text and "医保罚告" in text
    assert "2,400.00" in text and "1.20 倍" in text and "2,000.00" in text  # fine, multiple, recovery
    assert "暂停相关责任部门 6 个月" in text
    assert '<button type="button" data-print>打印</button>' in text
    assert "@media print { .no-print { display: none; } }" in text and "/static/js/app.js" in text
    assert f'href="/yb/cases/{case_id}"' in text
    # the leader decides differently: the notice still prints the proposal as issued
    cases.record_statement(repo_of("inst_a"), case_id, "", waive=True)
    cases.decide(
        repo_of("leader"),
        case_id,
        cases.DecisionRequest(idempotency_key="notice-print-1", article="38", multiple=Decimal("2")),
    )
    repo_of("admin").session.commit()
    again = web.get(f"/yb/cases/{case_id}/notice/print").text
    assert "2,400.00" in again and "4,000.00" not in again
    decision = web.get(f"/yb/cases/{case_id}/decision/print").text
    assert "行政处罚决定书" in decision and "4,000.00" in decision and "data-print" in decision
    # the PDF is typeset from the same template without the web-only button
    case, notice = cases.hearing_notice_of(repo_of("reviewer"), case_id)
    proposal = cases.proposed_penalty(notice)
    name, context = documents.hearing_notice_context(repo_of("reviewer"), case, proposal)
    assert "data-print" not in documents.render_html(name, **context)
    _login(web, "inst_b")
    assert web.get(f"/yb/cases/{case_id}/notice/print").status_code == 404  # outside the scope
