"""Helpers of the transfers tests: transfers with sensible defaults, a fixed clock."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from qiandai.identity import service
from qiandai.store.database import unit_of_work
from qiandai.transfers.model import Transfer

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
PASSWORD = "correct-horse-1"
_ids = itertools.count(1)


def payload(**over: Any) -> dict[str, Any]:
    """A JSON-ready transfer request; ``over`` replaces fields."""
    base: dict[str, Any] = {
        "transfer_id": f"tx-{next(_ids)}",
        "payer_account": "6222020200001111",
        "payee_account": "6228480400002222",
        "amount": "200.00",
        "currency": "CNY",
        "channel": "mobile",
        "occurred_at": T0.isoformat(),
        "device_id": "dev-1",
        "ip": "10.0.0.1",
        "payer_region": "330102001001",
        "location_region": "330102",
        "payer_age": 40,
        "payer_balance": "50000.00",
    }
    base.update(over)
    return base


def tx(minutes: float = 0, **over: Any) -> Transfer:
    """A :class:`Transfer` ``minutes`` after ``T0``."""
    data = payload(**over)
    data.setdefault("occurred_at", T0.isoformat())
    if minutes:
        data["occurred_at"] = (T0 + timedelta(minutes=minutes)).isoformat()
    if "amount" in over and not isinstance(over["amount"], str):
        data["amount"] = str(Decimal(over["amount"]))
    return Transfer.model_validate(data)


def token(client: Any, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def add_personas(factory: sessionmaker[Session]) -> None:
    """Bank teller, anti-fraud officer (Hangzhou), grid workers of two villages, an admin."""
    with unit_of_work(factory) as s:
        service.ensure_organisation(s, "GRID-A", "翠苑一村网格", "other", "330106")
        service.ensure_organisation(s, "GRID-B", "西溪村网格", "other", "330106")
        for name, roles, region, org in [
            ("teller", "bank", None, None),
            ("officer", "antifraud", "330100", None),
            ("officer_sz", "antifraud", "440300", None),
            ("grid_a", "grid", "330106", "GRID-A"),
            ("grid_b", "grid", "330106", "GRID-B"),
            ("admin", "admin", None, None),
        ]:
            service.create_user(
                s,
                username=name,
                password=PASSWORD,
                display_name=name,
                roles=roles,
                region_code=region,
                org_code=org,
            )


def make_api(database_url: str, *, fast_path: bool = False, personas: bool = True) -> Any:
    """The API app with the transfer routers and personas; ``fast_path`` installs the lean decision path."""
    from qiandai.api.app import create_app
    from qiandai.api.auth import router as auth_router
    from qiandai.api.transfers import install_decision_fast_path
    from qiandai.api.transfers import router as transfers_router
    from qiandai.api.transfers_warnings import router as warnings_router

    app = create_app(database_url, decision_fast_path=False)
    included = {getattr(r, "path", "") for r in app.routes}
    for router in (auth_router, transfers_router, warnings_router):
        if not any(getattr(r, "path", "") in included for r in router.routes):
            app.include_router(router)
    if fast_path:
        install_decision_fast_path(app)
    if personas:
        add_personas(app.state.session_factory)
    return app
