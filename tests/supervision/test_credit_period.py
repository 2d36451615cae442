"""Credit ratings honour their period: only points, decisions, overdue items and self-inspections dated
inside it count, and the reasons say which period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sv_helpers import INST_A

from qiandai.domain.errors import InvalidInputError
from qiandai.supervision import cases, credit, importer, periods, review
from qiandai.supervision.repository import ScopedRepository

RepoOf = Callable[[str], ScopedRepository]
DECIDED = datetime(2025, 7, 20, 2, 0, tzinfo=UTC)  # Q3; every audit point's event_date is in June (Q2)


def _decide_case_of_a(repo_of: RepoOf, audit_dir: Path) -> None:
    aud, rev, lead = repo_of("auditor"), repo_of("reviewer"), repo_of("leader")
    importer.import_run(aud, audit_dir)
    ids = [f.id for f in aud.findings(institution_code=INST_A)]
    start = DECIDED - timedelta(days=10)
    review.bulk(aud, ids, review.Move("pass"), now=start)
    review.bulk(rev, ids, review.Move("confirm"), now=start)
    for fid in ids:
        review.act(rev, fid, review.Move("reject_appeal", reason="未说明"), now=start)
        review.act(aud, fid, review.Move("conclude", confirmed_amount=Decimal("100.00")), now=start)
    case = cases.open_case(rev, ids)
    cases.issue_hearing_notice(rev, case.id, {"article": "38", "multiple": "1"}, now=start)
    cases.record_statement(rev, case.id, "", waive=True)
    cases.decide(lead, case.id, cases.DecisionRequest("credit-key-01", "38", Decimal("1")), now=DECIDED)


def _rating(repo_of: RepoOf, period: str, now: datetime) -> tuple[int, dict[str, str]]:
    rows = credit.compute_ratings(repo_of("reviewer"), period, now)
    a = next(r for r in rows if r.institution_code == INST_A)
    assert all(r["period"] == period and r["detail"].startswith(f"{period}：") for r in a.reasons)
    return a.score, {r["item"]: r["detail"] for r in a.reasons}


def test_rating_counts_only_the_period(repo_of: RepoOf, audit_dir: Path) -> None:
    _decide_case_of_a(repo_of, audit_dir)
    later = datetime(2026, 3, 1, tzinfo=UTC)

    score, why = _rating(repo_of, "2025-Q2", later)  # the violations happened in June
    assert set(why) == {"违规问题"} and "6 个" in why["违规问题"] and score == 94

    score, why = _rating(repo_of, "2025-Q3", later)  # decided in July; items due in August, still open
    assert set(why) == {"行政处罚", "整改配合"} and "逾期未整改事项 6 项" in why["整改配合"]

    _, why = _rating(repo_of, "2025-07", datetime(2025, 8, 1, tzinfo=UTC))  # items not yet due
    assert set(why) == {"行政处罚"}

    score, why = _rating(repo_of, "2024", later)
    assert why == {} and score == 100

    _, why = _rating(repo_of, "2025", later)
    assert set(why) == {"违规问题", "行政处罚", "整改配合"}


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("2025-H2", date(2025, 7, 1), date(2026, 1, 1)),
        ("2025-Q4", date(2025, 10, 1), date(2026, 1, 1)),
        ("2025-02", date(2025, 2, 1), date(2025, 3, 1)),
        ("2025-12", date(2025, 12, 1), date(2026, 1, 1)),
    ],
)
def test_period_bounds(label: str, start: date, end: date) -> None:
    p = periods.parse(label)
    assert (p.start, p.end) == (start, end) and p.start_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("label", ["25", "2025-13", "2025-Q5", "2025-00", "全年"])
def test_bad_period_is_refused(label: str) -> None:
    with pytest.raises(InvalidInputError, match="期间格式无效"):
        periods.parse(label)
