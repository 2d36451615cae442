"""Scenario editor (场景规则): versions draft → shadow → published, thresholds and rules of a draft
(each rule's expression as JSON, validated by the scenario model; a rule can be removed from a draft),
starting and stopping shadow mode, and back-test results (per-rule precision/recall with labels)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Form, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.store.database import unit_of_work
from qiandai.transfers import backtest, scenario_store
from qiandai.transfers.scenario import DEFAULT_SCENARIO, ScenarioRule, ScenarioVersion, Thresholds
from qiandai.web.deps import DbSession, User, require
from qiandai.web.flash import done
from qiandai.web.fz_runtime import runtime
from qiandai.web.routing import page_router
from qiandai.web.templating import render

router = page_router("/fz/scenarios", [Depends(require(Role.ADMIN, Role.ANTIFRAUD, Role.BANK))])
BASE = "/fz/scenarios"


def _police(me: User) -> None:
    if not me.has_role(Role.ANTIFRAUD, Role.ADMIN):
        raise PermissionDeniedError("仅反诈中心可修改场景规则")


def _invalid(exc: ValidationError) -> InvalidInputError:
    return InvalidInputError(
        "；".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())
    )


def _context(session: Session, me: User, shown: ScenarioVersion | None, report: Any = None) -> dict[str, Any]:
    rows = scenario_store.versions(session, DEFAULT_SCENARIO)
    shadowed = {v.version for v, is_shadow in rows if is_shadow}
    return {
        "rows": rows,
        "shown": shown,
        "shown_shadow": shown is not None and shown.version in shadowed,
        "police": me.has_role(Role.ANTIFRAUD, Role.ADMIN),
        "report": report,
    }


@router.get("")
def versions(request: Request, session: DbSession, me: User, version: int | None = None) -> Response:
    shown = scenario_store.get(session, DEFAULT_SCENARIO, version) if version else None
    return render(request, "fz/scenarios.html", _context(session, me, shown))


@router.post("/drafts")
def new_draft(
    request: Request,
    session: DbSession,
    me: User,
    based_on: Annotated[int, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    _police(me)
    draft = scenario_store.create_draft(session, DEFAULT_SCENARIO, based_on, note)
    return done(request, f"{BASE}?version={draft.version}", f"已新建草稿 v{draft.version}")


@router.post("/{version}/thresholds")
def thresholds(
    request: Request,
    version: int,
    session: DbSession,
    me: User,
    verify: Annotated[int, Form()],
    delay: Annotated[int, Form()],
    block: Annotated[int, Form()],
) -> Response:
    _police(me)
    try:
        values = Thresholds(verify=verify, delay=delay, block=block)
    except ValidationError as exc:
        raise _invalid(exc) from None
    scenario_store.set_thresholds(session, DEFAULT_SCENARIO, version, values)
    return done(request, f"{BASE}?version={version}", "阈值已保存")


@router.post("/{version}/rules")
def put_rule(
    request: Request,
    version: int,
    session: DbSession,
    me: User,
    rule_json: Annotated[str, Form(max_length=20000)],
) -> Response:
    """Add or replace one rule of a draft from its JSON (the same shape as the API's)."""
    _police(me)
    try:
        data: Any = json.loads(rule_json)
        rule = ScenarioRule.model_validate(data)
        scenario_store.put_rule(session, DEFAULT_SCENARIO, version, rule)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"规则不是有效的 JSON：第 {exc.lineno} 行") from None
    except ValidationError as exc:
        raise _invalid(exc) from None
    return done(request, f"{BASE}?version={version}", f"规则 {rule.rule_id} 已保存")


@router.post("/{version}/rules/{rule_id}/delete")
def delete_rule(request: Request, version: int, rule_id: str, session: DbSession, me: User) -> Response:
    """Remove one rule from a draft (published versions never change)."""
    _police(me)
    scenario_store.remove_rule(session, DEFAULT_SCENARIO, version, rule_id)
    return done(request, f"{BASE}?version={version}", f"规则 {rule_id} 已从草稿 v{version} 删除")


@router.post("/{version}/shadow")
def shadow(request: Request, version: int, me: User, on: Annotated[bool, Form()] = True) -> Response:
    """Start (``on``) or stop shadowing ``version``; stopping a version that is not the shadow is refused."""
    _police(me)
    with unit_of_work(request.app.state.session_factory) as session:
        if on:
            scenario_store.set_shadow(session, DEFAULT_SCENARIO, version)
        else:
            current = scenario_store.shadow(session, DEFAULT_SCENARIO)
            if current is None or current.version != version:
                raise InvalidInputError(f"v{version} 当前没有在影子运行")
            scenario_store.set_shadow(session, DEFAULT_SCENARIO, None)
    runtime(request).reload_scenarios()
    return done(
        request, f"{BASE}?version={version}", f"v{version} {'已设为影子运行' if on else '已停止影子运行'}"
    )


@router.post("/{version}/publish")
def publish(request: Request, version: int, me: User) -> Response:
    _police(me)
    with unit_of_work(request.app.state.session_factory) as session:
        scenario_store.publish(session, DEFAULT_SCENARIO, version)
    runtime(request).reload_scenarios()
    return done(request, f"{BASE}?version={version}", f"v{version} 已发布，即时生效")


@router.post("/{version}/backtest")
def run_backtest(request: Request, version: int, session: DbSession, me: User) -> Response:
    scenario = scenario_store.get(session, DEFAULT_SCENARIO, version)
    report = backtest.backtest_stored(session, scenario).as_dict()
    return render(request, "fz/scenarios.html", _context(session, me, scenario, report))
