"""医保 dashboard: headline figures, charts by rule, institution, month and stage, top institutions."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse

from qiandai.domain.errors import NotFoundError
from qiandai.identity.roles import Role
from qiandai.web import charts, stats
from qiandai.web.deps import Repo, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.routing import page_router
from qiandai.web.templating import render

ROLES = (Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.LEADER, Role.INSTITUTION)
router = page_router("/yb", [Depends(require(*ROLES))])


def top_table(repo: Repo) -> Table:
    rows = [[g.key, g.label, g.count, g.amount] for g in stats.by_institution(repo, limit=20)]
    return Table("疑点最多的机构", ["机构编码", "机构名称", "疑点数", "涉及金额（元）"], rows, frozenset({3}))


@router.get("")
def dashboard(request: Request, repo: Repo) -> Response:
    ctx = {"totals": stats.totals(repo), "top": top_table(repo), "rules": stats.by_rule(repo, 10)}
    return render(request, "yb/dashboard.html", ctx)


@router.get("/top-institutions.xlsx")
def export_top(repo: Repo) -> Response:
    return xlsx_response(top_table(repo), "疑点最多的机构.xlsx")


@router.get("/rules.xlsx")
def export_rules(repo: Repo) -> Response:
    rows = [[g.key, g.label, g.count, g.amount] for g in stats.by_rule(repo, 1000)]
    table = Table("按规则统计", ["规则编码", "规则名称", "疑点数", "涉及金额（元）"], rows, frozenset({3}))
    return xlsx_response(table, "按规则统计.xlsx")


@router.get("/charts/{name}.json")
def chart(name: str, repo: Repo) -> JSONResponse:
    builders: dict[str, Any] = {
        "rules": lambda: charts.ranked_bars("按规则：涉及金额前十", stats.by_rule(repo)),
        "institutions": lambda: charts.ranked_bars("按机构：涉及金额前十", stats.by_institution(repo)),
        "trend": lambda: charts.trend("按月趋势", stats.by_month(repo)),
        "stages": lambda: charts.pie("各环节疑点", stats.by_stage(repo)),
    }
    if name not in builders:
        raise NotFoundError("图表不存在")
    return JSONResponse(builders[name]())
