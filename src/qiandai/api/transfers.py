"""Transfer protection endpoints: decisions (banks), holds and lists (anti-fraud centre), scenarios.

The process's :class:`~qiandai.transfers.runtime.TransferRuntime` is created on first use and kept on
``app.state``; it owns the hot path's in-memory state and commits its own writes.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from qiandai.api.auth import COOKIE, DbSession, check_cookie_request, require_roles
from qiandai.api.ops import count_decision
from qiandai.domain.errors import AuthenticationError, PermissionDeniedError
from qiandai.identity import service
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.store.database import unit_of_work
from qiandai.transfers import backtest, hold_service, labels, merchant_registry, scenario_store
from qiandai.transfers.hold_service import HoldInstruction
from qiandai.transfers.lists import ListKind
from qiandai.transfers.model import Transfer
from qiandai.transfers.runtime import TransferRuntime, runtime_for
from qiandai.transfers.scenario import DEFAULT_SCENARIO, ScenarioRule, Thresholds

_log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/transfers", tags=["反电诈资金拦截"])
Bank = Annotated[Principal, Depends(require_roles(Role.BANK, Role.ADMIN))]
Police = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.ADMIN))]
PoliceOrBank = Annotated[Principal, Depends(require_roles(Role.ANTIFRAUD, Role.BANK, Role.ADMIN))]


def runtime(request: Request) -> TransferRuntime:
    """The process's runtime (see :func:`qiandai.transfers.runtime.runtime_for`)."""
    return runtime_for(request.app.state)


Runtime = Annotated[TransferRuntime, Depends(runtime)]


class _PrincipalCache:
    """Bearer token → principal for a few seconds, for the decision hot path only.

    Every other endpoint checks the token in the database on each request. The decision endpoint is
    called a thousand times a second by a handful of bank systems with long-lived tokens; looking the
    token up each time costs a transaction per decision. A logout or a deactivated user therefore takes
    effect on this endpoint within ``ttl`` seconds (docs/adr/0024-transfer-http-hot-path.md).

    On the event loop (:meth:`principal_async`) the look-up is single-flight — the requests that
    find the token unchecked wait for one database look-up instead of each starting their own — and
    refreshed ahead: a request that finds the entry in the second half of its life starts one
    background re-check and goes on with the cached principal, so that under steady load no request
    waits for a look-up at all. A re-check that finds the token gone evicts it at once.
    """

    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()
        self._inflight: dict[str, asyncio.Future[Principal]] = {}

    async def principal_async(
        self, token: str, factory: sessionmaker[Session], executor: ThreadPoolExecutor
    ) -> Principal:
        """The principal of ``token``: cached, or from one shared look-up in ``executor``."""
        if not token:
            raise AuthenticationError("未登录或登录已失效")
        key = hashlib.sha256(token.encode()).hexdigest()
        found = self._items.get(key)
        now = time.monotonic()
        if found is not None and found[0] > now:
            if found[0] - now < self.ttl / 2 and key not in self._inflight:
                self._lookup(key, token, factory, executor).add_done_callback(_ignore_result)
            return found[1]
        return await asyncio.shield(self._lookup(key, token, factory, executor))

    def _lookup(
        self, key: str, token: str, factory: sessionmaker[Session], executor: ThreadPoolExecutor
    ) -> asyncio.Future[Principal]:
        loop = asyncio.get_running_loop()
        future = self._inflight.get(key)
        if future is None or future.get_loop() is not loop:
            future = asyncio.ensure_future(loop.run_in_executor(executor, self.load, token, factory))
            self._inflight[key] = future
            future.add_done_callback(lambda _f: self._inflight.pop(key, None))
        return future

    def get(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            token = value.strip()
        else:  # the browser's session cookie: an unsafe request must prove it comes from our pages
            token = request.cookies.get(COOKIE, "")
            if token:
                check_cookie_request(request)
        return self.cached(token) or self.load(token, request.app.state.session_factory)

    def cached(self, token: str) -> Principal | None:
        """The principal of ``token`` if it was checked less than ``ttl`` seconds ago (no I/O)."""
        if not token:
            raise AuthenticationError("未登录或登录已失效")
        found = self._items.get(hashlib.sha256(token.encode()).hexdigest())
        return found[1] if found is not None and found[0] > time.monotonic() else None

    def load(self, token: str, factory: sessionmaker[Session]) -> Principal:
        """Check ``token`` in the database (one transaction) and remember the principal for ``ttl``."""
        if not token:
            raise AuthenticationError("未登录或登录已失效")
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        try:
            with unit_of_work(factory) as session:
                principal = service.principal_for_token(session, token)
        except AuthenticationError:
            with self._lock:
                self._items.pop(key, None)  # logged out or deactivated: no grace period left
            raise
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (now + self.ttl, principal)
        return principal


def _ignore_result(future: asyncio.Future[Any]) -> None:
    """Retrieve a background re-check's outcome (an invalid token was already evicted)."""
    if not future.cancelled():
        future.exception()


_principals = _PrincipalCache()


def decision_caller(request: Request) -> Principal:
    """The bank (or admin) calling ``/decide``: 401 without a live token, 403 for other roles."""
    return _may_decide(_principals.get(request))


def _may_decide(principal: Principal) -> Principal:
    if not principal.has_role(Role.BANK, Role.ADMIN):
        raise PermissionDeniedError(f"无权执行此操作（需要角色：{Role.BANK.label}、{Role.ADMIN.label}）")
    return principal


@router.post("/decide", summary="实时决策：放行 / 提示核实 / 延迟到账 / 拦截")
def decide(body: Transfer, rt: Runtime, _: Annotated[Principal, Depends(decision_caller)]) -> Response:
    """Decide one transfer; stored before answering; the same transfer_id answers the first decision.

    The answer is a plain dict of JSON types, serialised once here (no second encoding pass)."""
    started = time.perf_counter()
    answer = rt.decide(body)
    count_decision(answer, started)  # also observes qiandai_transfer_decision_seconds
    return Response(json.dumps(answer, ensure_ascii=False, default=str), media_type="application/json")


DECIDE_PATH = "/api/transfers/decide"
_JSON_HEADERS = [(b"content-type", b"application/json")]
#: Threads for the fast path's rare blocking steps: a token not in the cache, the runtime's start-up.
_decision_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="qd-decide-auth")


class DecisionFastPath:
    """ASGI middleware serving ``POST /api/transfers/decide`` without FastAPI (ADR 0026).

    Every other request goes on to the application unchanged. For the decision it does what the
    FastAPI route does — the same token cache and roles, the same ``Transfer`` validation (on the body
    bytes, JSON mode), the same runtime call, the same answer bytes — but skips the application's
    route matching over all routes, the web-security ``BaseHTTPMiddleware`` (which adds nothing to
    ``/api/`` responses), dependency injection and anyio's thread hand-off. Errors are turned into
    responses by the application's own exception handlers, so 401/403/422 bodies are identical. The
    FastAPI route stays declared: it documents the endpoint in OpenAPI and serves it where the fast
    path is not installed.
    """

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app, self.fastapi_app = app, fastapi_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != DECIDE_PATH
            or scope["method"] != "POST"
            or not _bearer(scope)  # cookie callers take the FastAPI route and its CSRF check
        ):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._decide(scope, receive)
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(Request(scope, receive), exc)
            await response(scope, receive, send)
            return
        headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _decide(self, scope: Scope, receive: Receive) -> bytes:
        app = self.fastapi_app
        loop = asyncio.get_running_loop()
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        transfer, invalid = None, None
        try:
            transfer = Transfer.model_validate_json(b"".join(chunks))
        except ValidationError as exc:  # same shape as FastAPI's body errors: loc starts with "body"
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            invalid = RequestValidationError(errors)
            if any(e["type"] == "json_invalid" for e in errors):  # FastAPI refuses bad JSON before auth
                raise invalid from None
        token = _bearer(scope)
        principal = await _principals.principal_async(token, app.state.session_factory, _decision_threads)
        _may_decide(principal)
        if transfer is None:
            raise invalid or RequestValidationError([])
        rt: TransferRuntime | None = getattr(app.state, "transfers", None)
        if rt is None:  # first decision of this process: start-up reads the database, off the loop
            rt = await loop.run_in_executor(_decision_threads, runtime_for, app.state)
        started = time.perf_counter()
        answer = await rt.decide_async(transfer)
        count_decision(answer, started)  # also observes qiandai_transfer_decision_seconds
        return json.dumps(answer, ensure_ascii=False, default=str).encode()

    def _handler(self, exc: Exception) -> Any:
        handlers = self.fastapi_app.exception_handlers
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls]
        return None


async def warm_decision_path(app: FastAPI) -> None:
    """Start the process's transfer runtime and prime its connections before the first request.

    Called from the served application's start-up (``qiandai serve``): a worker then accepts
    connections only once a decision costs what every later one costs — no runtime start-up
    (lists, holds, scenario versions read from the database) or connection set-up inside a live
    request, also for a worker the supervisor restarts. Objects that live for the whole process are
    then moved out of the garbage collector's generations (``gc.freeze``), so that collections
    during load only walk the short-lived objects of requests.
    """
    loop = asyncio.get_running_loop()
    rt = await loop.run_in_executor(_decision_threads, runtime_for, app.state)
    await rt.warm_async()
    gc.collect()
    gc.freeze()


def _bearer(scope: Scope) -> str:
    """The bearer token from the raw ASGI headers ("" when there is none)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return ""


def install_decision_fast_path(app: FastAPI) -> None:
    """Serve ``POST /api/transfers/decide`` through :class:`DecisionFastPath` (before start-up)."""
    app.add_middleware(DecisionFastPath, fastapi_app=app)


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


class MerchantIn(BaseModel):
    """A merchant's registration for the payment-page checks of the online channel."""

    name: str = Field(min_length=1, max_length=100, description="商户名称")
    domains: list[str] = Field(min_length=1, max_length=50, description="登记的付款页面域名（含子域名）")
    ip_networks: list[str] = Field(default=[], max_length=200, description="登记的服务器 IP 或 CIDR 地址段")
    validity_seconds: int = Field(default=900, ge=1, le=7 * 86400, description="订单有效期（秒）")
    confirm_amount: float = Field(default=5000.0, ge=0, description="需二次确认的金额门槛（元）")
    strict_ip: bool = Field(default=False, description="IP 不在登记地址段内时直接拦截")


@router.get("/merchants", summary="已登记商户（付款页面域名、IP、订单有效期）")
def merchants(_: PoliceOrBank) -> list[dict[str, Any]]:
    return merchant_registry.list_merchants()


@router.put("/merchants/{merchant_id}", summary="登记或更新商户的付款页面域名与 IP")
def put_merchant(merchant_id: str, body: MerchantIn, _: PoliceOrBank) -> dict[str, Any]:
    return merchant_registry.put_merchant(merchant_id, **body.model_dump())


@router.delete("/merchants/{merchant_id}", summary="注销商户登记")
def delete_merchant(merchant_id: str, _: PoliceOrBank) -> dict[str, Any]:
    merchant_registry.remove_merchant(merchant_id)
    return {"removed": merchant_id}


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


@router.get(
    "/scenarios/shadow/report", summary="影子版本对比：与生效版本的决策差异及（有标注时）精确率、召回率"
)
def shadow_report(
    session: DbSession, _: PoliceOrBank, start: datetime | None = None, end: datetime | None = None
) -> dict[str, Any]:
    return backtest.shadow_report(session, start, end)


class LabelIn(BaseModel):
    transfer_id: str = Field(max_length=200)
    label: str = Field(max_length=20, description="fraud 诈骗 / normal 正常")
    fraud_type: str = Field(default="", max_length=200)


class LabelsIn(BaseModel):
    items: list[LabelIn] = Field(min_length=1, max_length=100_000)
    source: str = Field(default="api", max_length=64)


@router.post("/labels", summary="导入回测标注（按转账编号覆盖；错误行逐条说明）")
def import_labels(body: LabelsIn, session: DbSession, _: Police) -> dict[str, Any]:
    items = [i.model_dump() for i in body.items]
    return labels.import_items(session, items, body.source).as_dict()
