"""Whistleblower rewards (举报奖励): verified reports awaiting the reward's computation, the leader's
approval, payment with a voucher, an exportable list and a printable approval form (审批表).

Same roles as the API (intake computes and pays, leader approves, auditors look); the reporter's identity
never appears here (the intake role reveals it, logged, on the reports page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request, Response

from qiandai.domain.errors import NotFoundError
from qiandai.identity.roles import Role
from qiandai.supervision import whistle
from qiandai.supervision.models import Report, Reward
from qiandai.supervision.repository import ScopedRepository
from qiandai.web.deps import Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.flash import done
from qiandai.web.routing import page_router
from qiandai.web.stats import institution_names
from qiandai.web.templating import render

router = page_router("/yb/rewards", [Depends(require(Role.INTAKE, Role.LEADER, Role.AUDITOR, Role.ADMIN))])


def reward_table(repo: ScopedRepository, status: str) -> Table:
    pairs = whistle.list_rewards(repo, status or None)
    names = institution_names(repo, sorted({r.institution_code for _, r in pairs if r.institution_code}))
    rows = [
        [
            report.id,
            report.subject,
            names.get(report.institution_code or "", report.institution_code or ""),
            reward.verified_amount,
            reward.rate,
            reward.amount,
            reward.rule,
            whistle.REWARD_LABELS.get(reward.status, reward.status),
            reward.approved_by or "",
            reward.approved_at,
            reward.paid_at,
            reward.payment_reference or "",
        ]
        for reward, report in pairs
    ]
    headers = [
        "举报编号",
        "举报事项",
        "被举报机构",
        "查实金额（元）",
        "奖励比例",
        "奖励金额（元）",
        "计算规则",
        "状态",
        "审批人",
        "审批时间",
        "发放时间",
        "发放凭证号",
    ]
    return Table("举报奖励", headers, rows, frozenset({3, 5}))


@router.get("")
def rewards(request: Request, repo: Repo, status: str = "") -> Response:
    ctx = {
        "t": reward_table(repo, status),
        "status": status,
        "labels": whistle.REWARD_LABELS,
        "awaiting": whistle.awaiting_reward(repo),
        "intake": repo.principal.has_role(Role.INTAKE),
        "leader": repo.principal.has_role(Role.LEADER),
    }
    return render(request, "yb/rewards.html", ctx)


@router.get(".xlsx")
def export(repo: Repo, status: str = "") -> Response:
    return xlsx_response(reward_table(repo, status), "举报奖励.xlsx")


@router.post("/{report_id}/propose")
def propose(request: Request, report_id: int, repo: Repo) -> Response:
    reward = whistle.propose_reward(repo, report_id)
    return done(request, "/yb/rewards", f"举报 {report_id} 奖励已核定：{reward.amount} 元，待领导审批")


@router.post("/{report_id}/approve")
def approve(request: Request, report_id: int, repo: Repo) -> Response:
    reward = whistle.approve_reward(repo, report_id)
    return done(request, "/yb/rewards", f"已审批举报 {report_id} 的奖励 {reward.amount} 元")


@router.post("/{report_id}/pay")
def pay(
    request: Request,
    report_id: int,
    repo: Repo,
    reference: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    whistle.pay_reward(repo, report_id, reference.strip())
    return done(request, "/yb/rewards", f"举报 {report_id} 的奖励已登记发放")


@router.get("/{report_id}/print")
def print_form(request: Request, report_id: int, repo: Repo) -> Response:
    """举报奖励审批表 (printable); 404 outside scope or without a computed reward."""
    report = repo.get(Report, report_id, "举报")
    pairs = [p for p in whistle.list_rewards(repo) if p[1].id == report.id]
    if not pairs:
        raise NotFoundError("该举报尚未核定奖励")
    reward: Reward = pairs[0][0]
    names = institution_names(repo, [report.institution_code] if report.institution_code else [])
    ctx = {
        "r": report,
        "w": reward,
        "inst_name": names.get(report.institution_code or "", ""),
        "status_label": whistle.REWARD_LABELS.get(reward.status, reward.status),
        "events": [e for e in repo.events("report", report.id) if e.action.startswith("reward")],
    }
    return render(request, "yb/reward_print.html", ctx)
