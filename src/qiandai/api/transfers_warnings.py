"""预警劝阻 endpoints: units, warnings in the caller's scope, contact attempts, outcomes, statistics."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession, require_roles
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.transfers import warning_service
from qiandai.transfers.warnings import (
    ContactChannel,
    Level,
    Outcome,
    SlaPolicy,
    Unit,
    WarningDraft,
    WarningStatus,
)

router = APIRouter(prefix="/api/transfers", tags=["预警劝阻"])
Handler = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.GRID, Role.LEADER, Role.ADMIN))]
Police = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.ADMIN))]


class UnitIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(pattern=r"^(反诈中心|派出所|社区|村网格)$")
    region_code: str = Field(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")


@router.post("/units", summary="登记劝阻责任单位（反诈中心、派出所、社区、村网格）")
def put_unit(body: UnitIn, session: DbSession, _: Police) -> dict[str, str]:
    warning_service.put_unit(session, Unit(body.code, body.name, body.kind, body.region_code))
    return body.model_dump()


class FeedWarningIn(BaseModel):
    external_id: str = Field(min_length=1, max_length=64)
    level: Level
    reasons: list[str] = Field(min_length=1)
    fraud_type: str = ""
    victim_name: str = ""
    victim_phone: str = ""
    victim_account: str = ""
    victim_region: str = Field(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
    amount: Decimal | None = None


@router.post("/warnings/import", summary="导入外部预警（如上级平台下发）；按 external_id 去重")
def import_warnings(body: list[FeedWarningIn], session: DbSession, _: Police) -> dict[str, int]:
    drafts = [WarningDraft(source="feed", **w.model_dump()) for w in body]
    return {"created": warning_service.create_warnings(session, drafts, SlaPolicy.from_env(), now_utc())}


@router.get("/warnings", summary="本单位/辖区的预警")
def list_warnings(
    session: DbSession, who: Handler, status: WarningStatus | None = None
) -> list[dict[str, Any]]:
    return [warning_service.warning_view(w) for w in warning_service.list_warnings(session, who, status)]


@router.get("/warnings/stats", summary="按单位统计：数量、等级、时限内联系率、处置结果")
def stats(session: DbSession, who: Handler) -> list[dict[str, Any]]:
    return warning_service.statistics(session, who, now_utc())


@router.get("/warnings/{warning_id}", summary="预警详情与联系记录")
def detail(warning_id: str, session: DbSession, who: Handler) -> dict[str, Any]:
    row = warning_service.get_warning(session, who, warning_id)
    attempts = [
        {"at": c.at.isoformat(), "by": c.by_user, "channel": c.channel, "reached": c.reached, "note": c.note}
        for c in warning_service.contacts(session, warning_id)
    ]
    return {**warning_service.warning_view(row), "contacts": attempts}


class ContactIn(BaseModel):
    channel: ContactChannel
    reached: bool
    note: str = Field(default="", max_length=2000)


@router.post("/warnings/{warning_id}/contacts", summary="登记一次联系（电话、上门、短信、视频）")
def contact(warning_id: str, body: ContactIn, session: DbSession, who: Handler) -> dict[str, Any]:
    row = warning_service.record_contact(
        session, who, warning_id, body.channel, body.reached, body.note, now_utc()
    )
    return warning_service.warning_view(row)


class CloseIn(BaseModel):
    outcome: Outcome


@router.post("/warnings/{warning_id}/close", summary="办结：劝阻成功 / 已被骗 / 无法联系 / 误报")
def close(warning_id: str, body: CloseIn, session: DbSession, who: Handler) -> dict[str, Any]:
    row = warning_service.close_warning(session, who, warning_id, body.outcome, now_utc())
    return warning_service.warning_view(row)
