"""Administration of users and organisations, and the access log (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qiandai.api.auth import DbSession, require_roles
from qiandai.identity import service
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role

router = APIRouter(prefix="/api/identity", tags=["用户与权限"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(min_length=1)
    org_code: str | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    institution_code: str | None = None


class UserOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    roles: list[str]
    org_code: str | None
    region_code: str | None
    institution_code: str | None


class OrganisationIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(pattern=r"^(bureau|agency|institution|antifraud|bank|other)$")
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")


class AccessOut(BaseModel):
    at: datetime
    username: str
    subject_type: str
    subject_id: str
    fields: list[str]
    reason: str


def _out(p: Principal) -> UserOut:
    return UserOut(
        user_id=p.user_id,
        username=p.username,
        display_name=p.display_name,
        roles=sorted(r.value for r in p.roles),
        org_code=p.org_code,
        region_code=p.region_code,
        institution_code=p.institution_code,
    )


@router.post("/users", response_model=UserOut, status_code=201, summary="新建用户")
def add_user(body: UserIn, session: DbSession, _: Admin) -> UserOut:
    created = service.create_user(
        session,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        roles=[r.value for r in body.roles],
        org_code=body.org_code,
        region_code=body.region_code,
        institution_code=body.institution_code,
    )
    return _out(created)


@router.get("/users", response_model=list[UserOut], summary="用户列表")
def users(session: DbSession, _: Admin) -> list[UserOut]:
    return [_out(p) for p in service.list_users(session)]


@router.post("/organisations", status_code=201, summary="新建组织（幂等）")
def add_organisation(body: OrganisationIn, session: DbSession, _: Admin) -> dict[str, str]:
    org = service.ensure_organisation(session, body.code, body.name, body.kind, body.region_code)
    return {"code": org.code, "name": org.name}


@router.get("/access-log", response_model=list[AccessOut], summary="个人信息明文查看日志")
def access_log(session: DbSession, _: Admin, subject_type: str | None = None) -> list[AccessOut]:
    return [
        AccessOut(
            at=e.at,
            username=e.username,
            subject_type=e.subject_type,
            subject_id=e.subject_id,
            fields=list(e.fields),
            reason=e.reason,
        )
        for e in service.access_log(session, subject_type)
    ]
