"""`/api/screening/sim/…`: stored SIM-card scoring runs and their ranked numbers (masked), for carriers'
security teams (antifraud role), leaders and administrators."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession, require_roles
from qiandai.domain.errors import NotFoundError
from qiandai.domain.masking import mask_phone
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.simcards import repository
from qiandai.simcards.models import SimRunRow

router = APIRouter(prefix="/api/screening/sim", tags=["涉诈电话卡筛查"])
Reader = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.LEADER, Role.ADMIN))]


class RunOut(BaseModel):
    id: int = Field(description="批次编号")
    as_of: date = Field(description="评分日期（只用此日之前的话单）")
    created_at: datetime = Field(description="评分时间")
    numbers: int = Field(description="评分号码数")
    high: int = Field(description="高风险号码数")
    medium: int = Field(description="中风险号码数")
    stored: int = Field(description="保存的排名靠前号码数")
    invalid_rows: int = Field(description="无效话单行数")
    metrics: dict[str, Any] | None = Field(description="模型在留出号码上的指标")


class ResultOut(BaseModel):
    rank: int = Field(description="风险排名")
    number: str = Field(description="号码（脱敏）")
    score: float = Field(description="风险分 0–100")
    level: str = Field(description="风险等级：高、中、低")
    rules: list[str] = Field(description="命中的规则编号")
    reasons: list[str] = Field(description="原因（中文）")
    top_features: list[str] = Field(description="模型主要依据")


def _run(r: SimRunRow) -> RunOut:
    return RunOut(
        id=r.id,
        as_of=r.as_of,
        created_at=r.created_at,
        numbers=r.numbers,
        high=r.high,
        medium=r.medium,
        stored=r.stored,
        invalid_rows=r.invalid_rows,
        metrics=r.metrics,
    )


@router.get("/runs", response_model=list[RunOut], summary="最近的评分批次")
def runs(session: DbSession, _: Reader, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[RunOut]:
    return [_run(r) for r in repository.list_runs(session, limit)]


@router.get("/runs/latest", response_model=RunOut, summary="最新评分批次")
def latest(session: DbSession, _: Reader) -> RunOut:
    run = repository.latest_run(session)
    if run is None:
        raise NotFoundError("尚无评分批次")
    return _run(run)


@router.get(
    "/runs/{run_id}/results", response_model=list[ResultOut], summary="批次内按风险排名的号码（脱敏）"
)
def results(
    session: DbSession,
    _: Reader,
    run_id: int,
    level: Annotated[str | None, Query(pattern="^(高|中|低)$", description="风险等级")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> list[ResultOut]:
    repository.get_run(session, run_id)
    return [
        ResultOut(
            rank=r.rank,
            number=mask_phone(r.number),
            score=r.score,
            level=r.level,
            rules=list(r.rules),
            reasons=list(r.reasons),
            top_features=list(r.top_features),
        )
        for r in repository.results(session, run_id, level, limit)
    ]
