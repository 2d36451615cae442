"""The 告知书 and 处罚决定书 of a person case: addressed to the person (masked), Art. 41 measures, no
institution touched; masking and region helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sv_helpers import INST_A, PERSON_PSN, PERSON_ROWS, finding_key, write_audit

from qiandai.domain.errors import InvalidInputError
from qiandai.supervision import cases, documents, importer, penalties, persons, review
from qiandai.supervision.models import Document, Finding, Institution
from qiandai.supervision.repository import ScopedRepository

RepoOf = Callable[[str], ScopedRepository]
T0 = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)


def _person_case(repo_of: RepoOf, tmp_path: Path) -> int:
    aud, rev = repo_of("auditor"), repo_of("reviewer")
    importer.import_run(aud, write_audit(tmp_path / "audit", person_rows=PERSON_ROWS))
    keys = [finding_key(n) for n in PERSON_ROWS]
    ids = list(aud.session.scalars(select(Finding.id).where(Finding.finding_id.in_(keys))))
    review.bulk(aud, ids, review.Move("pass"), now=T0)
    review.bulk(rev, ids, review.Move("confirm"), now=T0)
    for fid in ids:
        review.act(rev, fid, review.Move("reject_appeal", reason="未说明"), now=T0)
        review.act(aud, fid, review.Move("conclude", confirmed_amount=Decimal("1000.00")), now=T0)
    identity = persons.PersonIdentity("张三丰", "330102198001011234")
    return cases.open_case(rev, ids, None, persons.PERSON, identity).id


def test_person_documents_address_the_person(repo_of: RepoOf, tmp_path: Path) -> None:
    rev, lead = repo_of("reviewer"), repo_of("leader")
    cid = _person_case(repo_of, tmp_path)
    case = cases.issue_hearing_notice(
        rev, cid, {"article": "41", "settlement_suspension_months": 3}, now=T0 + timedelta(days=1)
    )
    notice_tpl, notice_ctx = documents.hearing_notice_context(
        rev, case, penalties.compute("41", fine_base=case.loss_amount, settlement_suspension_months=3)
    )
    notice = documents.render_html(notice_tpl, **notice_ctx)
    assert "当事人：张**（参保人员，公民身份号码：330***********1234）" in notice
    assert "一、责令改正，责令退回医疗保障基金 2,000.00 元；" in notice
    assert "二、暂停你的医疗费用联网结算 3 个月。" in notice and "罚款" not in notice
    assert "你单位" not in notice and "张三丰" not in notice and PERSON_PSN not in notice

    cases.record_statement(rev, cid, "", waive=True)
    req = cases.DecisionRequest("person-key-001", "41", settlement_suspension_months=3)
    decision = cases.decide(lead, cid, req, now=T0 + timedelta(days=2))
    tpl, ctx = documents.decision_context(lead, case, decision)
    text = documents.render_html(tpl, **ctx)
    assert tpl == "penalty_decision_person.html"
    assert "当事人：张**（参保人员）" in text and "公民身份号码：330***********1234" in text
    assert "二、暂停你的医疗费用联网结算 3 个月。" in text and "罚款上缴国库" not in text
    assert "第四十一条第一款" in text and "你单位" not in text and "张三丰" not in text

    docs = lead.all(select(Document).where(Document.subject_id == cid).order_by(Document.id))
    assert [(d.kind, d.institution_code) for d in docs] == [
        ("hearing_notice", None),
        ("penalty_decision", None),
    ]
    assert all(d.content.startswith(b"%PDF") for d in docs)
    inst = rev.session.get(Institution, INST_A)
    assert inst is not None and inst.agreement_status == "active"


def test_fraud_measures_include_the_fine(repo_of: RepoOf, tmp_path: Path) -> None:
    rev = repo_of("reviewer")
    cid = _person_case(repo_of, tmp_path)
    case = cases.issue_hearing_notice(
        rev, cid, {"article": "41-2", "multiple": "3", "settlement_suspension_months": 12}
    )
    penalty = penalties.compute(
        "41-2", fine_base=case.loss_amount, multiple=Decimal("3"), settlement_suspension_months=12
    )
    tpl, ctx = documents.hearing_notice_context(rev, case, penalty)
    text = documents.render_html(tpl, **ctx)
    assert "三、处骗取金额 3.00 倍的罚款，计 6,000.00 元。" in text and "第四十一条第二款" in text


def test_institution_articles_and_identity_do_not_fit_a_person(repo_of: RepoOf, tmp_path: Path) -> None:
    rev = repo_of("reviewer")
    cid = _person_case(repo_of, tmp_path)
    with pytest.raises(InvalidInputError, match="不适用于参保个人"):
        cases.issue_hearing_notice(rev, cid, {"article": "40", "multiple": "2", "suspension_months": 6})
    with pytest.raises(InvalidInputError, match="当事人类型"):
        cases.open_case(rev, [1], None, "hospital")


@pytest.mark.parametrize(
    ("codes", "region"),
    [(["330102"], "330102"), (["330102", "330105"], "330100"), (["330102", "320102"], "000000")],
)
def test_common_region(codes: list[str], region: str) -> None:
    assert persons.common_region(codes) == region


def test_masking() -> None:
    assert persons.mask_name("张三丰") == "张**" and persons.mask_name("李") == "李*"
    assert persons.mask_id_number("33010219800101123x") == "330***********123X"
