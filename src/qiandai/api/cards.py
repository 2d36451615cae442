"""Card crackdown (断卡) endpoints, bank-account side: mule-account screening runs, the punishment list with
appeals and expiry, and the account-opening check. Personal data are masked in every answer.

List changes (published screening results, punishment entries) are committed with the request; the
process's live transfer runtime, when it exists, reloads its lists afterwards so decisions see them at
once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession, require_roles
from qiandai.cards import live, opening, punishment, runs
from qiandai.domain.masking import mask_code
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role

router = APIRouter(prefix="/api/screening", tags=["断卡：涉诈账户、惩戒名单、开户核验"])
Police = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.ADMIN))]
PoliceOrBank = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.BANK, Role.ADMIN))]
Readers = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.BANK, Role.LEADER, Role.ADMIN))]
Bank = Annotated[Principal, Depends(require_roles(Role.BANK, Role.ADMIN))]


def refresh_live_lists(request: Request) -> None:
    """After the commit: let a live transfer runtime of this process see the changed lists."""
    live.refresh_live_lists(request.app.state)


# -- mule-account screening ----------------------------------------------------------------------------
class RunIn(BaseModel):
    publish: bool = Field(False, description="把“高”风险账户发布到实时决策的高风险账户名单")
    as_of: datetime | None = Field(None, description="只使用此时间之前的转账（含）")


def run_view(run: Any) -> dict[str, Any]:
    return {
        "id": run.id,
        "started_at": run.started_at.isoformat(),
        "source": run.source,
        "as_of": run.as_of.isoformat() if run.as_of else None,
        "transfers": run.transfers,
        "accounts": run.accounts,
        "high": run.high,
        "medium": run.medium,
        "low": run.low,
        "networks": run.networks,
        "published": run.published,
        "withdrawn": run.withdrawn,
        "seconds": run.seconds,
    }


def account_view(row: Any) -> dict[str, Any]:
    return {
        "account": mask_code(row.account),
        "grade": row.grade,
        "score": row.score,
        "reasons": row.reasons,
        "network_id": row.network_id,
        "community_id": row.community_id,
        "features": row.features,
    }


@router.post("/accounts/runs", summary="对已存储的转账运行涉诈账户筛查（可发布高风险账户）", status_code=201)
def start_run(
    body: RunIn, request: Request, session: DbSession, tasks: BackgroundTasks, _: Police
) -> dict[str, Any]:
    outcome = runs.run_and_store(session, as_of=body.as_of, publish=body.publish)
    if body.publish:
        tasks.add_task(refresh_live_lists, request)
    return {**run_view(runs.get_run(session, outcome.run_id)), "summary": outcome.summary_lines()}


@router.get("/accounts/runs", summary="筛查批次列表")
def list_runs(session: DbSession, _: Readers) -> list[dict[str, Any]]:
    return [run_view(r) for r in runs.list_runs(session)]


@router.get("/accounts/runs/{run_id}", summary="筛查批次：账户（按等级）与关联网络")
def run_detail(
    run_id: str, session: DbSession, _: Readers, grade: str | None = None, limit: int = 200, offset: int = 0
) -> dict[str, Any]:
    run = runs.get_run(session, run_id)
    limit = max(1, min(limit, 1000))
    return {
        **run_view(run),
        "accounts": [account_view(a) for a in runs.run_accounts(session, run_id, grade, limit, offset)],
        "networks": [
            {
                "network_id": n.network_id,
                "size": n.size,
                "high": n.high,
                "communities": n.communities,
                "flow_in": n.flow_in,
                "flow_internal": n.flow_internal,
                "flow_out": n.flow_out,
            }
            for n in runs.run_networks(session, run_id)
        ],
    }


# -- punishment list -----------------------------------------------------------------------------------
class DesignationIn(BaseModel):
    id_number: str = Field(min_length=1, max_length=32, description="身份证号")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    accounts: list[str] = Field(default_factory=list, max_length=200, description="名下账户")
    basis: punishment.Basis = Field(description="designated：公安机关认定；convicted：法院判决")
    document_ref: str = Field(min_length=1, max_length=100, description="认定/判决文书编号")
    start_date: date = Field(description="惩戒起始日")
    years: int | None = Field(None, ge=1, le=10, description="期限（年），默认认定 2 年、判决 3 年")
    issuing_unit: str = Field("", max_length=100)


class AccountsIn(BaseModel):
    accounts: list[str] = Field(min_length=1, max_length=200)


class AppealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="申诉理由")


class AppealDecisionIn(BaseModel):
    upheld: bool = Field(description="true：申诉成立（移出名单）；false：驳回")
    note: str = Field(min_length=1, max_length=2000, description="处理意见")


class ExpireIn(BaseModel):
    today: date | None = Field(None, description="按此日期处理到期（默认今天）")


@router.post("/punishments", summary="列入惩戒名单（同一身份证号与文书编号重复提交不会重复列入）")
def designate(
    body: DesignationIn, request: Request, session: DbSession, tasks: BackgroundTasks, who: Police
) -> dict[str, Any]:
    person, created = punishment.designate(
        session,
        punishment.Designation(
            body.id_number,
            body.name,
            body.accounts,
            body.basis,
            body.document_ref,
            body.start_date,
            body.years,
            body.issuing_unit,
        ),
        actor=who.username,
    )
    tasks.add_task(refresh_live_lists, request)
    return {**punishment.person_view(person), "created": created}


@router.get("/punishments", summary="惩戒名单")
def list_punishments(session: DbSession, _: PoliceOrBank, status: str | None = None) -> list[dict[str, Any]]:
    return [punishment.person_view(p) for p in punishment.list_persons(session, status)]


@router.get("/punishments/{person_id}", summary="惩戒名单记录：措施、申诉与变更记录")
def punishment_detail(person_id: str, session: DbSession, _: PoliceOrBank) -> dict[str, Any]:
    person = punishment.get_person(session, person_id)
    return {
        **punishment.person_view(person),
        "appeals": [punishment.appeal_view(a) for a in punishment.appeals(session, person_id)],
        "events": [
            {"action": e.action, "at": e.at.isoformat(), "actor": e.actor, "detail": e.detail}
            for e in punishment.events_of(session, person_id)
        ],
    }


@router.post("/punishments/{person_id}/accounts", summary="追加惩戒账户")
def add_accounts(
    person_id: str,
    body: AccountsIn,
    request: Request,
    session: DbSession,
    tasks: BackgroundTasks,
    who: Police,
) -> dict[str, Any]:
    added = punishment.add_accounts(session, person_id, body.accounts, actor=who.username)
    tasks.add_task(refresh_live_lists, request)
    return {"added": added}


@router.post("/punishments/{person_id}/appeals", summary="登记申诉", status_code=201)
def file_appeal(person_id: str, body: AppealIn, session: DbSession, who: PoliceOrBank) -> dict[str, Any]:
    appeal, created = punishment.file_appeal(session, person_id, body.reason, actor=who.username)
    return {**punishment.appeal_view(appeal), "created": created}


@router.post("/appeals/{appeal_id}/decision", summary="申诉处理：成立（移出名单）或驳回")
def decide_appeal(
    appeal_id: str,
    body: AppealDecisionIn,
    request: Request,
    session: DbSession,
    tasks: BackgroundTasks,
    who: Police,
) -> dict[str, Any]:
    appeal = punishment.decide_appeal(
        session, appeal_id, upheld=body.upheld, note=body.note, actor=who.username
    )
    tasks.add_task(refresh_live_lists, request)
    return punishment.appeal_view(appeal)


@router.post("/punishments/expire", summary="处理到期的惩戒名单（撤回账户）")
def expire(
    body: ExpireIn, request: Request, session: DbSession, tasks: BackgroundTasks, who: Police
) -> dict[str, Any]:
    expired = punishment.expire_due(session, today=body.today, actor=who.username)
    tasks.add_task(refresh_live_lists, request)
    return {"expired": expired}


# -- account opening -----------------------------------------------------------------------------------
class OpeningIn(BaseModel):
    id_number: str = Field(min_length=1, max_length=32, description="身份证号")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    phone: str = Field(min_length=1, max_length=20, description="预留手机号")
    purpose: str = Field("", max_length=200, description="开户用途")
    bank: str = Field(min_length=1, max_length=64, description="开户银行")
    request_id: str | None = Field(None, max_length=40, description="请求编号（重复提交返回同一结果）")


@router.post("/account-opening", summary="开户核验：允许 / 拒绝 / 需柜面核实（五步核验）")
def account_opening(body: OpeningIn, session: DbSession, who: Bank) -> dict[str, Any]:
    row, created = opening.check(
        session,
        opening.OpeningRequest(
            body.id_number, body.name, body.phone, body.purpose, body.bank, body.request_id
        ),
        actor=who.username,
    )
    return {**opening.view(row), "created": created}


@router.get("/account-opening", summary="最近的开户核验记录")
def account_openings(session: DbSession, _: Bank) -> list[dict[str, Any]]:
    return [opening.view(r) for r in opening.recent(session)]
