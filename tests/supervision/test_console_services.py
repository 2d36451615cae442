"""Services behind the console's case-intake, reward, circular, self-inspection and major-report pages
(both databases): report → point → case, reward lists by scope, further refunds and the bureau's
acceptance of a self-inspection, problem uploads with row-level errors, circular listing and the public
view of published circulars only."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sv_helpers import INST_A, INST_B

from qiandai.domain.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from qiandai.supervision import cases, credit, importer, review, selfinspection, whistle
from qiandai.supervision.repository import ScopedRepository

Repos = Callable[[str], ScopedRepository]


def _verified_report(repo_of: Repos, institution: str, amount: str = "5000.00") -> int:
    public = ScopedRepository(repo_of("admin").session, whistle.PUBLIC)
    r = whistle.submit(
        public,
        subject="虚开检查",
        content="虚开检查费用若干",
        anonymous=True,
        reporter=None,
        institution_code=institution,
        region_code=None,
        alleged_amount=None,
    )
    whistle.accept(repo_of("intake"), r.id, True, "受理")
    whistle.conclude(repo_of("intake"), r.id, Decimal(amount), "查实")
    return r.id


def test_verified_report_becomes_a_point_and_a_case(repo_of: Repos, audit_dir: Path) -> None:
    importer.import_run(repo_of("admin"), audit_dir)
    rid = _verified_report(repo_of, INST_A)
    with pytest.raises(PermissionDeniedError):
        whistle.report_to_finding(repo_of("intake"), rid)
    f = whistle.report_to_finding(repo_of("reviewer"), rid)
    assert f.stage == "decision" and f.confirmed_amount == Decimal("5000.00") and f.source == "report"
    assert whistle.report_to_finding(repo_of("auditor"), rid).id == f.id  # idempotent
    assert "匿名" not in f.evidence and f.psn_no is None
    case = cases.open_case(repo_of("reviewer"), [f.id])
    assert case.institution_code == INST_A and case.loss_amount == Decimal("5000.00")
    with pytest.raises(NotFoundError):
        whistle.report_to_finding(repo_of("outsider"), rid)
    # a report not yet verified cannot become a point
    public = ScopedRepository(repo_of("admin").session, whistle.PUBLIC)
    open_report = whistle.submit(
        public,
        subject="x",
        content="xxxxxx",
        anonymous=True,
        reporter=None,
        institution_code=INST_B,
        region_code=None,
        alleged_amount=None,
    )
    with pytest.raises(ConflictError, match="查实"):
        whistle.report_to_finding(repo_of("reviewer"), open_report.id)


def test_reward_lists_follow_scope_and_status(repo_of: Repos, audit_dir: Path) -> None:
    importer.import_run(repo_of("admin"), audit_dir)
    a = _verified_report(repo_of, INST_A, "1000.00")
    b = _verified_report(repo_of, INST_B, "20000.00")
    assert [r.id for r in whistle.awaiting_reward(repo_of("intake"))] == [a, b]
    whistle.propose_reward(repo_of("intake"), a)
    whistle.propose_reward(repo_of("intake"), b)
    whistle.approve_reward(repo_of("leader"), b)
    assert whistle.awaiting_reward(repo_of("intake")) == []
    pending = whistle.list_rewards(repo_of("leader"), "proposed")
    assert [(rw.amount, rp.id) for rw, rp in pending] == [(Decimal("200.00"), a)]
    assert len(whistle.list_rewards(repo_of("intake"))) == 2
    assert whistle.list_rewards(repo_of("auditor"), "approved")[0][1].id == b
    for who in ("inst_a", "expert"):
        with pytest.raises(PermissionDeniedError):
            whistle.list_rewards(repo_of(who))


def _self_inspection(repo_of: Repos, audit_dir: Path, refund: str) -> int:
    importer.import_run(repo_of("admin"), audit_dir)
    problems = selfinspection.problems_from_audit(audit_dir, INST_A)[:2]
    report = selfinspection.submit(
        repo_of("inst_a"),
        institution_code=INST_A,
        period="2026-10",
        summary="自查",
        problems=problems,
        refund_amount=Decimal(refund),
    )
    return report.id


def test_further_refund_closes_points_and_bureau_accepts(repo_of: Repos, audit_dir: Path) -> None:
    sid = _self_inspection(repo_of, audit_dir, "0")
    inst = repo_of("inst_a")
    report = inst.get(selfinspection.SelfInspection, sid, "自查报告")
    points = selfinspection.problems_of(inst, report)
    assert len(points) == 2 and {p.stage for p in points} == {"decision"}
    total = report.problem_amount
    with pytest.raises(InvalidInputError, match="尚可退回"):
        selfinspection.record_refund(inst, sid, total + Decimal("1"), "V1")
    selfinspection.record_refund(inst, sid, Decimal("1.00"), "V1")
    selfinspection.record_refund(inst, sid, Decimal("1.00"), "V1")  # same voucher: one refund
    with pytest.raises(ConflictError, match="其他金额"):
        selfinspection.record_refund(inst, sid, Decimal("2.00"), "V1")
    assert report.refund_amount == Decimal("1.00")
    with pytest.raises(NotFoundError):
        selfinspection.record_refund(repo_of("inst_b"), sid, Decimal("1.00"), "V2")
    selfinspection.review(repo_of("auditor"), sid, False, "退回金额不足，请补退")
    assert report.status == "returned"
    selfinspection.record_refund(inst, sid, total - Decimal("1.00"), "V2")
    assert {p.stage for p in selfinspection.problems_of(inst, report)} == {"self_corrected"}
    assert len(selfinspection.refunds_of(inst, report)) == 2
    with pytest.raises(PermissionDeniedError):
        selfinspection.review(inst, sid, True, "自己认可")
    with pytest.raises(InvalidInputError, match="审核意见"):
        selfinspection.review(repo_of("reviewer"), sid, True, " ")
    selfinspection.review(repo_of("reviewer"), sid, True, "退回到位，予以认可")
    assert report.status == "accepted" and report.reviewed_by
    with pytest.raises(ConflictError):
        selfinspection.review(repo_of("reviewer"), sid, False, "再退回")
    with pytest.raises(ConflictError, match="已认可"):
        selfinspection.record_refund(inst, sid, Decimal("0.50"), "V3")
    with pytest.raises(NotFoundError):
        selfinspection.review(repo_of("outsider"), sid, True, "跨域")
    actions = [e.action for e in inst.events("self_inspection", sid)]
    assert actions == ["submit", "refund", "return", "refund", "accept"]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_problem_upload_reports_every_bad_row() -> None:
    head = list(selfinspection.PROBLEM_HEADERS)
    good = _xlsx([head, ["R1", "重复收费", "M1", "2026-10-08", "120.50", "重复"], [None] * 6])
    problems = selfinspection.parse_problems(good, "自查.xlsx")
    assert problems == [
        {
            "rule_code": "R1",
            "rule_name": "重复收费",
            "mdtrt_id": "M1",
            "event_date": __import__("datetime").date(2026, 10, 8),
            "amount": Decimal("120.50"),
            "evidence": "重复",
        }
    ]
    bad = _xlsx([head, ["R1", "", "M1", "2026/13/40", "1.234", ""], ["R2", "串换", "", "", "abc", ""]])
    with pytest.raises(InvalidInputError) as err:
        selfinspection.parse_problems(bad, "自查.xlsx")
    text = err.value.message
    for part in (
        "第 2 行「问题名称」",
        "第 2 行「发生日期」",
        "第 2 行「金额（元）」：小数位数过多",
        "第 3 行「金额（元）」",
    ):
        assert part in text
    csv_gbk = "问题名称,金额（元）\n挂床住院,300\n".encode("gbk")
    assert selfinspection.parse_problems(csv_gbk, "a.csv")[0]["amount"] == Decimal("300")
    with pytest.raises(InvalidInputError, match="缺少列 问题名称"):
        selfinspection.parse_problems("金额（元）\n3\n".encode(), "a.csv")
    with pytest.raises(InvalidInputError, match="仅支持"):
        selfinspection.parse_problems(b"x", "a.pdf")


def _decided_case(repo_of: Repos, audit_dir: Path) -> int:
    importer.import_run(repo_of("admin"), audit_dir)
    fid = next(f.id for f in repo_of("auditor").findings(stage="first_review", institution_code=INST_A))
    review.act(repo_of("auditor"), fid, review.Move("pass"))
    review.act(repo_of("reviewer"), fid, review.Move("confirm"))
    review.act(repo_of("reviewer"), fid, review.Move("reject_appeal", reason="无说明"))
    review.act(repo_of("auditor"), fid, review.Move("conclude", confirmed_amount=Decimal("100")))
    case = cases.open_case(repo_of("reviewer"), [fid])
    cases.issue_hearing_notice(repo_of("reviewer"), case.id, {"article": "38", "multiple": "1"})
    cases.record_statement(repo_of("inst_a"), case.id, "", waive=True)
    cases.decide(
        repo_of("leader"),
        case.id,
        cases.DecisionRequest(idempotency_key="k-circ-1", article="38", multiple=Decimal("1")),
    )
    return case.id


def test_circulars_listing_and_public_view(repo_of: Repos, audit_dir: Path) -> None:
    cid = _decided_case(repo_of, audit_dir)
    assert [c.id for c in credit.decided_cases(repo_of("reviewer"))] == [cid]
    circ = credit.create_circular(repo_of("reviewer"), "典型案例通报", "通报如下", [cid])
    session = repo_of("admin").session
    assert credit.published_circulars(session) == []
    with pytest.raises(NotFoundError):
        credit.published_circular(session, circ.id)
    assert [c.id for c in credit.list_circulars(repo_of("leader"), published=False)] == [circ.id]
    with pytest.raises(PermissionDeniedError):
        credit.list_circulars(repo_of("inst_a"))
    assert credit.list_circulars(repo_of("outsider")) == []
    credit.publish_circular(repo_of("leader"), circ.id)
    assert credit.published_circular(session, circ.id).id == circ.id
    items = credit.circular_items(session, circ)
    assert len(items) == 1 and "杭州市上城区人民医院" in items[0]["text"] and "100.00" in items[0]["text"]
    assert credit.list_circulars(repo_of("leader"), published=False) == []
