"""Transfer protection endpoints: decisions (banks), holds and lists (anti-fraud centre), scenarios.

The process's :class:`~qiandai.transfers.runtime.TransferRuntime` is created on first use and kept on
``app.state``; it owns the hot path's in-memory state and commits its own writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession, require_roles
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.store.database import unit_of_work
from qiandai.transfers import backtest, hold_service, scenario_store
from qiandai.transfers.hold_service import HoldInstruction
from qiandai.transfers.lists import ListKind
from qiandai.transfers.model import Transfer
from qiandai.transfers.runtime import TransferRuntime, runtime_for
from qiandai.transfers.scenario import DEFAULT_SCENARIO, ScenarioRule, Thresholds

router = APIRouter(prefix="/api/transfers", tags=["反电诈资金拦截"])
Bank = Annotated[Principal, Depends(require_roles(Role.BANK, Role.ADMIN))]
Police = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.ADMIN))]
PoliceOrBank = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.BANK, Role.ADMIN))]


def runtime(request: Request) -> TransferRuntime:
    """The process's runtime (see :func:`qiandai.transfers.runtime.runtime_for`)."""
    return runtime_for(request.app.state)


Runtime = Annotated[TransferRuntime, Depends(runtime)]


@router.post("/decide", summary="实时决策：放行 / 提示核实 / 延迟到账 / 拦截")
def decide(body: Transfer, rt: Runtime, _: Bank) -> dict[str, Any]:
    """Decide one transfer; stored before answering; the same transfer_id answers the first decision."""
    return rt.decide(body)


@router.post("/holds", summary="公安指令：紧急止付、快速冻结、续期、解冻、资金返还")
def hold_instruction(body: HoldInstruction, rt: Runtime, _: Police) -> dict[str, Any]:
    """Committed before answering; honoured by decisions at once; idempotent by instruction_id."""
    return rt.apply_hold(body)


@router.get("/holds", summary="按账号查询止付/冻结")
def holds_of_account(account: str, session: DbSession, _: PoliceOrBank) -> list[dict[str, Any]]:
    return [hold_service.hold_view(h) for h in hold_service.holds_for_account(session, account)]


@router.get("/holds/{hold_id}", summary="止付/冻结详情与记录")
def hold_detail(hold_id: str, session: DbSession, _: PoliceOrBank) -> dict[str, Any]:
    from qiandai.domain.errors import NotFoundError
    from qiandai.transfers.models import HoldRow

    hold = session.get(HoldRow, hold_id)
    if hold is None:
        raise NotFoundError("止付/冻结不存在")
    events = [
        {"action": e.action, "instruction_id": e.instruction_id, "at": e.at.isoformat(), "detail": e.detail}
        for e in hold_service.hold_events(session, hold_id)
    ]
    return {**hold_service.hold_view(hold), "events": events}


@router.post("/holds/expire", summary="处理到期的止付/冻结（后台每 30 秒也会执行）")
def expire(rt: Runtime, _: Police) -> dict[str, Any]:
    return {"expired": rt.expire_holds()}


class ListChange(BaseModel):
    values: list[str] = Field(min_length=1, max_length=10000)
    source: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=400)


@router.post("/lists/{kind}", summary="名单加入：涉案账户、涉诈电话、惩戒名单、白名单")
def add_list(kind: ListKind, body: ListChange, rt: Runtime, _: Police) -> dict[str, int]:
    return {"added": rt.add_to_list(kind, body.values, body.source, body.note)}


@router.delete("/lists/{kind}", summary="名单移出")
def remove_list(kind: ListKind, body: ListChange, rt: Runtime, _: Police) -> dict[str, int]:
    return {"removed": rt.remove_from_list(kind, body.values)}


@router.get("/scenarios", summary="场景版本")
def scenarios(session: DbSession, _: PoliceOrBank) -> list[dict[str, Any]]:
    return [
        {
            "label": v.label,
            "version": v.version,
            "status": v.status.value,
            "shadow": shadow,
            "rules": len(v.rules),
            "thresholds": v.thresholds.model_dump(),
        }
        for v, shadow in scenario_store.versions(session, DEFAULT_SCENARIO)
    ]


class DraftIn(BaseModel):
    based_on: int | None = None
    note: str = ""


@router.post("/scenarios/drafts", summary="新建草稿")
def new_draft(body: DraftIn, session: DbSession, _: Police) -> dict[str, Any]:
    return scenario_store.create_draft(session, DEFAULT_SCENARIO, body.based_on, body.note).model_dump(
        mode="json"
    )


@router.put("/scenarios/{version}/rules", summary="草稿中新增或替换一条规则")
def put_rule(version: int, body: ScenarioRule, session: DbSession, _: Police) -> dict[str, Any]:
    return scenario_store.put_rule(session, DEFAULT_SCENARIO, version, body).model_dump(mode="json")


@router.put("/scenarios/{version}/thresholds", summary="设置草稿的阈值")
def put_thresholds(version: int, body: Thresholds, session: DbSession, _: Police) -> dict[str, Any]:
    return scenario_store.set_thresholds(session, DEFAULT_SCENARIO, version, body).model_dump(mode="json")


@router.post("/scenarios/{version}/publish", summary="发布（随即生效）")
def publish(version: int, request: Request, rt: Runtime, _: Police) -> dict[str, Any]:
    with unit_of_work(request.app.state.session_factory) as session:
        published = scenario_store.publish(session, DEFAULT_SCENARIO, version)
    rt.reload_scenarios()
    return published.model_dump(mode="json")


class ShadowIn(BaseModel):
    version: int | None


@router.post("/scenarios/shadow", summary="设置影子版本（与生效版本并行运行，只记录不执行）")
def set_shadow(body: ShadowIn, request: Request, rt: Runtime, _: Police) -> dict[str, Any]:
    with unit_of_work(request.app.state.session_factory) as session:
        scenario_store.set_shadow(session, DEFAULT_SCENARIO, body.version)
    rt.reload_scenarios()
    return {"shadow": body.version}


class BacktestIn(BaseModel):
    start: datetime | None = None
    end: datetime | None = None


@router.post("/scenarios/{version}/backtest", summary="回测：按历史决策的特征重放该版本")
def run_backtest(version: int, body: BacktestIn, session: DbSession, _: Police) -> dict[str, Any]:
    scenario = scenario_store.get(session, DEFAULT_SCENARIO, version)
    return backtest.backtest_stored(session, scenario, body.start, body.end).as_dict()
