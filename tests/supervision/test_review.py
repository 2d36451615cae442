"""Review workflow: roles per action, stage order, deadlines, bulk all-or-none, events, unmasked views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sv_helpers import INST_A

from qiandai.domain.errors import ConflictError, NotFoundError, PermissionDeniedError
from qiandai.identity import service as identity
from qiandai.store.base import now_utc
from qiandai.supervision import importer, review
from qiandai.supervision.config import set_config
from qiandai.supervision.repository import ScopedRepository

Repos = Callable[[str], ScopedRepository]


@pytest.fixture
def ids(repo_of: Repos, audit_dir: Path) -> dict[str, list[int]]:
    repo = repo_of("admin")
    importer.import_run(repo, audit_dir)
    rows = repo.findings(institution_code=INST_A)
    return {t: [f.id for f in rows if f.result_type == t] for t in ("明确违规", "可疑")}


def test_roles_and_stage_order(repo_of: Repos, ids: dict[str, list[int]]) -> None:
    fid = ids["可疑"][0]
    with pytest.raises(PermissionDeniedError):
        review.act(repo_of("reviewer"), fid, review.Move("pass"))
    with pytest.raises(ConflictError, match="初审"):
        review.act(repo_of("reviewer"), fid, review.Move("confirm"))
    f = review.act(repo_of("auditor"), fid, review.Move("pass", expected_version=1))
    assert f.stage == "second_review" and f.version == 2
    with pytest.raises(ConflictError, match="已被他人更新"):
        review.act(repo_of("reviewer"), fid, review.Move("confirm", expected_version=1))
    with pytest.raises(PermissionDeniedError):
        review.act(repo_of("inst_a"), fid, review.Move("confirm"))
    with pytest.raises(NotFoundError):
        review.act(repo_of("inst_b"), fid, review.Move("appeal", reason="x"))
    with pytest.raises(NotFoundError):
        review.act(repo_of("outsider"), fid, review.Move("confirm"))


def test_deadlines_and_overdue(repo_of: Repos, ids: dict[str, list[int]]) -> None:
    fid = ids["可疑"][0]
    start = now_utc() - timedelta(days=40)
    review.act(repo_of("auditor"), fid, review.Move("pass"), now=start)
    f = review.act(repo_of("reviewer"), fid, review.Move("confirm"), now=start)
    assert f.stage_deadline == start + timedelta(days=15) and review.is_overdue(f)
    assert [x.id for x in repo_of("reviewer").findings(overdue_at=now_utc(), stage="explanation")] == [fid]


def test_bulk_is_all_or_none(repo_of: Repos, ids: dict[str, list[int]]) -> None:
    aud = repo_of("auditor")
    review.act(aud, ids["可疑"][0], review.Move("pass"))
    with pytest.raises(ConflictError, match="批量操作未执行"):
        review.bulk(aud, ids["可疑"], review.Move("pass"))
    assert [f.stage for f in aud.findings_by_ids(ids["可疑"][1:])] == ["first_review"] * 2
    moved = review.bulk(aud, ids["可疑"][1:] + ids["明确违规"], review.Move("pass"))
    assert {f.stage for f in moved} == {"second_review"}
    assert [e.action for e in aud.events("finding", ids["明确违规"][0])] == ["pass"]


def test_direct_deduction_follows_configuration(repo_of: Repos, ids: dict[str, list[int]]) -> None:
    review.bulk(repo_of("auditor"), ids["明确违规"], review.Move("pass"))
    rev = repo_of("reviewer")
    f = review.act(rev, ids["明确违规"][0], review.Move("deduct"))
    assert f.stage == "deducted" and f.confirmed_amount == f.amount
    set_config(rev.session, "direct_deduction", {"enabled": False, "result_types": []}, "admin")
    with pytest.raises(ConflictError, match="按配置不能直接扣款"):
        review.act(rev, ids["明确违规"][1], review.Move("deduct"))


def test_conclude_requires_amount_with_two_decimals(repo_of: Repos, ids: dict[str, list[int]]) -> None:
    fid = ids["可疑"][0]
    review.act(repo_of("auditor"), fid, review.Move("pass"))
    review.act(repo_of("reviewer"), fid, review.Move("confirm"))
    review.act(repo_of("reviewer"), fid, review.Move("reject_appeal", reason="逾期"))
    with pytest.raises(Exception, match="两位小数"):
        review.act(repo_of("auditor"), fid, review.Move("conclude", confirmed_amount=Decimal("1.001")))
    f = review.act(repo_of("auditor"), fid, review.Move("conclude", confirmed_amount=Decimal("88.8")))
    assert f.confirmed_amount == Decimal("88.80") and f.stage == "decision"


def test_unmasked_person_is_logged_and_denied_to_institutions(
    repo_of: Repos, ids: dict[str, list[int]]
) -> None:
    fid = ids["可疑"][0]
    with pytest.raises(PermissionDeniedError):
        review.reveal_person(repo_of("inst_a"), fid, "查看")
    shown = review.reveal_person(repo_of("auditor"), fid, "核对参保人")
    assert shown["psn_no"] and shown["psn_no"].startswith("3301")
    [entry] = identity.access_log(repo_of("admin").session)
    assert (entry.username, entry.subject_id, entry.fields) == ("auditor", str(fid), ["psn_no"])
