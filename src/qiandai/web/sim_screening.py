"""SIM-card screening (涉诈电话卡筛查): the latest scoring run (or a chosen one), numbers ranked by risk
with their reasons, masked; the same table exported to xlsx with Chinese headers. Carriers' security
teams use it through the 反诈 (antifraud) role."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response

from qiandai.domain.errors import InvalidInputError
from qiandai.domain.masking import mask_phone
from qiandai.identity.roles import Role
from qiandai.simcards import repository
from qiandai.simcards.models import SimRunRow
from qiandai.simcards.rules import RULE_NAMES
from qiandai.web.deps import DbSession, require
from qiandai.web.exports import Table, xlsx_response
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/sim", [Depends(require(Role.ADMIN, Role.ANTIFRAUD, Role.LEADER))])
MAX_SHOWN = 300
LEVELS = ("高", "中", "低")
HEADERS = [
    "排名",
    "号码（脱敏）",
    "风险等级",
    "风险分",
    "命中规则",
    "原因",
    "模型主要依据",
    "登记归属地",
    "入网天数",
    "日均主叫",
]


def _run(session: DbSession, run: int | None) -> SimRunRow | None:
    return repository.get_run(session, run) if run else repository.latest_run(session)


def _level(level: str | None) -> str | None:
    if level and level not in LEVELS:
        raise InvalidInputError(f"风险等级应为 高、中 或 低：{level}")
    return level or None


def _table(session: DbSession, run: SimRunRow, level: str | None) -> Table:
    rows = [
        [
            r.rank,
            mask_phone(r.number),
            r.level,
            r.score,
            "、".join(f"{c} {RULE_NAMES.get(c, '')}".strip() for c in r.rules),
            "；".join(r.reasons),
            "、".join(r.top_features),
            r.registered_region,
            r.card_age_days,
            r.calls_out_per_day,
        ]
        for r in repository.results(session, run.id, level)
    ]
    return Table(f"涉诈电话卡筛查 {run.as_of}", HEADERS, rows)


@router.get("")
def page(request: Request, session: DbSession, run: int | None = None, level: str | None = None) -> Response:
    chosen = _run(session, run)
    lv = _level(level)
    ctx: dict[str, Any] = {
        "run": chosen,
        "runs": repository.list_runs(session),
        "level": lv,
        "levels": LEVELS,
    }
    if chosen is not None:
        t = _table(session, chosen, lv)
        ctx |= {"t": t, "shown": t.rows[:MAX_SHOWN], "metrics": chosen.metrics or {}}
    return render(request, "sim/screening.html", ctx)


@router.get(".xlsx")
def export(session: DbSession, run: int | None = None, level: str | None = None) -> Response:
    chosen = _run(session, run)
    if chosen is None:
        raise InvalidInputError("尚无评分批次，无法导出")
    return xlsx_response(_table(session, chosen, _level(level)), f"涉诈电话卡筛查-{chosen.as_of}.xlsx")
