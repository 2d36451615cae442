"""Whistleblower identity at rest, reward rules, and self-inspection leniency vs strict handling."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sv_helpers import INST_A, PHARMACY

from qiandai.domain.errors import ConflictError, InvalidInputError, NotFoundError
from qiandai.supervision import cases, importer, review, selfinspection, whistle
from qiandai.supervision.config import set_config
from qiandai.supervision.repository import ScopedRepository

Repos = Callable[[str], ScopedRepository]


def test_reporter_identity_is_encrypted_at_rest(repo_of: Repos, audit_dir: Path) -> None:
    importer.import_run(repo_of("admin"), audit_dir)
    public = ScopedRepository(repo_of("admin").session, whistle.PUBLIC)
    r = whistle.submit(
        public,
        subject="虚开",
        content="虚开检查费用",
        anonymous=False,
        reporter={"name": "李四", "phone": "13900001111"},
        institution_code=INST_A,
        region_code=None,
        alleged_amount=None,
    )
    raw = public.session.execute(text("SELECT reporter_cipher FROM sv_report")).scalar_one()
    assert "李四" not in raw and "13900001111" not in raw
    assert whistle.reveal_reporter(repo_of("intake"), r.id, "回访")["name"] == "李四"
    with pytest.raises(InvalidInputError, match="实名举报"):
        whistle.submit(
            public,
            subject="x",
            content="xxxxx",
            anonymous=False,
            reporter=None,
            institution_code=INST_A,
            region_code=None,
            alleged_amount=None,
        )


@pytest.mark.parametrize(
    ("verified", "expected"),
    [("1000.00", "200.00"), ("12345.67", "617.28"), ("10000000.00", "200000.00")],
)
def test_reward_is_bounded_share(repo_of: Repos, verified: str, expected: str) -> None:
    _, amount, rule = whistle.reward_amount(repo_of("intake").session, Decimal(verified))
    assert amount == Decimal(expected) and "最低 200" in rule


def test_reward_rule_is_configurable(repo_of: Repos) -> None:
    session = repo_of("admin").session
    set_config(session, "reward", {"rate": "0.10", "min": "500", "max": "100000"}, "admin")
    assert whistle.reward_amount(session, Decimal("20000"))[1] == Decimal("2000.00")


def test_self_reported_points_are_lenient_later_findings_strict(repo_of: Repos, audit_dir: Path) -> None:
    importer.import_run(repo_of("admin"), audit_dir)
    problems = selfinspection.problems_from_audit(audit_dir, INST_A)[:2]
    refund = sum((Decimal(p["amount"]) for p in problems), Decimal("0"))
    selfinspection.submit(
        repo_of("inst_a"),
        institution_code=INST_A,
        period="2025-06",
        summary="自查",
        problems=problems,
        refund_amount=refund,
    )
    with pytest.raises(ConflictError, match="已提交"):
        selfinspection.submit(
            repo_of("inst_a"),
            institution_code=INST_A,
            period="2025-06",
            summary="再次",
            problems=[],
            refund_amount=Decimal("0"),
        )
    assert {f.stage for f in repo_of("inst_a").findings(stage="self_corrected")} == {"self_corrected"}
    with pytest.raises(NotFoundError):
        selfinspection.submit(
            repo_of("inst_a"),
            institution_code=PHARMACY,
            period="2025-06",
            summary="x",
            problems=[],
            refund_amount=Decimal("0"),
        )
    # a point the bureau finds itself: the 1–2× range of Art. 38 narrows to 1.5–2×
    fid = next(f.id for f in repo_of("auditor").findings(stage="first_review", institution_code=INST_A))
    review.act(repo_of("auditor"), fid, review.Move("pass"))
    review.act(repo_of("reviewer"), fid, review.Move("confirm"))
    review.act(repo_of("reviewer"), fid, review.Move("reject_appeal", reason="无说明"))
    review.act(repo_of("auditor"), fid, review.Move("conclude", confirmed_amount=Decimal("100")))
    case = cases.open_case(repo_of("reviewer"), [fid])
    with pytest.raises(InvalidInputError, match=r"1\.50–2"):
        cases.issue_hearing_notice(repo_of("reviewer"), case.id, {"article": "38", "multiple": "1.2"})
