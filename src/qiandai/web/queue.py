"""The review queue's query and its table: filters → scoped SELECT → rows shown and exported alike.

The queue never shows the insured person's number; names and ID numbers arrive masked from the
audit (``psn_name_masked``, ``certno_masked``). Filters are plain query-string values (codes and
stages, never personal information).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func

from qiandai.supervision import review
from qiandai.supervision.models import Finding
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import STAGE_LABELS, TERMINAL
from qiandai.web.exports import Table
from qiandai.web.stats import institution_names

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    stage: str = ""
    institution: str = ""
    rule: str = ""
    run: str = ""
    result_type: str = ""
    overdue: bool = False
    page: int = 1

    def query(self, **change: Any) -> str:
        """The query string of these filters with ``change`` applied (for pager and export links)."""
        from urllib.parse import urlencode

        values = {**self.__dict__, **change}
        return urlencode(
            {k: ("1" if v is True else v) for k, v in values.items() if v not in ("", False, None)}
        )


def _statement(repo: ScopedRepository, f: Filters, now: datetime) -> Any:
    stmt = repo.select(Finding)
    if f.stage:
        stmt = stmt.where(Finding.stage == f.stage)
    elif not f.run:
        stmt = stmt.where(Finding.stage.not_in(list(TERMINAL)))
    if f.institution:
        stmt = stmt.where(Finding.institution_code == f.institution)
    if f.rule:
        stmt = stmt.where(Finding.rule_code == f.rule)
    if f.run:
        stmt = stmt.where(Finding.run_id == f.run)
    if f.result_type:
        stmt = stmt.where(Finding.result_type == f.result_type)
    if f.overdue:
        stmt = stmt.where(Finding.stage.not_in(list(TERMINAL)), Finding.stage_deadline < now)
    return stmt


def count(repo: ScopedRepository, f: Filters) -> int:
    stmt = _statement(repo, f, repo.now()).with_only_columns(func.count()).order_by(None)
    return int(repo.session.scalar(stmt) or 0)


def page(repo: ScopedRepository, f: Filters, size: int = PAGE_SIZE) -> list[Finding]:
    """One page of the queue, oldest deadline first (what is due soonest is on top)."""
    stmt = _statement(repo, f, repo.now()).order_by(Finding.stage_deadline, Finding.id)
    return repo.all(stmt.limit(size).offset((max(f.page, 1) - 1) * size))


def all_rows(repo: ScopedRepository, f: Filters, limit: int = 100_000) -> list[Finding]:
    return repo.all(_statement(repo, f, repo.now()).order_by(Finding.id).limit(limit))


def rule_options(repo: ScopedRepository) -> list[tuple[str, str]]:
    stmt = repo.select(Finding).with_only_columns(Finding.rule_code, Finding.rule_name).distinct()
    return sorted((c, n) for c, n in repo.session.execute(stmt).all())


def institution_options(repo: ScopedRepository) -> list[tuple[str, str]]:
    stmt = repo.select(Finding).with_only_columns(Finding.institution_code).distinct()
    codes = sorted(repo.session.scalars(stmt).all())
    names = institution_names(repo, codes)
    return [(c, names.get(c, c)) for c in codes]


HEADERS = [
    "疑点序号",
    "疑点编号",
    "规则编码",
    "规则名称",
    "结果类型",
    "机构编码",
    "机构名称",
    "参保人（脱敏）",
    "证件号码（脱敏）",
    "发生日期",
    "涉及金额（元）",
    "确认金额（元）",
    "环节",
    "办理期限",
    "是否超期",
    "疑点说明",
]


def export_table(repo: ScopedRepository, rows: list[Finding]) -> Table:
    names = institution_names(repo, sorted({f.institution_code for f in rows}))
    data = [
        [
            f.id,
            f.finding_id,
            f.rule_code,
            f.rule_name,
            f.result_type,
            f.institution_code,
            names.get(f.institution_code, ""),
            f.psn_name_masked,
            f.certno_masked,
            f.event_date,
            f.amount,
            f.confirmed_amount,
            STAGE_LABELS[f.stage],
            f.stage_deadline,
            review.is_overdue(f),
            f.evidence,
        ]
        for f in rows
    ]
    return Table("疑点", HEADERS, data, frozenset({10, 11}))
