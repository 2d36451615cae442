"""Helpers of the operations tests: realistic data written through the real services, table snapshots."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, MetaData, func, select
from sqlalchemy.orm import Session, sessionmaker

from qiandai.identity import service
from qiandai.store.base import now_utc
from qiandai.store.database import unit_of_work
from qiandai.transfers import hold_service
from qiandai.transfers.hold_service import HoldInstruction

PASSWORD = "correct-horse-1"


def add_bank_user(factory: sessionmaker[Session], username: str = "teller") -> None:
    with unit_of_work(factory) as s:
        service.create_user(s, username=username, password=PASSWORD, display_name="柜员", roles="bank")


def bearer(client: Any, username: str = "teller") -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def hold(factory: sessionmaker[Session], instruction_id: str, account: str, hours_ago: float) -> str:
    """A stop-payment hold (48 h) issued ``hours_ago`` hours ago, applied through the hold service."""
    issued = now_utc() - timedelta(hours=hours_ago)
    instruction = HoldInstruction(
        instruction_id=instruction_id,
        type="stop_payment",
        issuing_unit="杭州市公安局反诈中心",
        document_ref=f"杭公反诈止〔2025〕{instruction_id}号",
        issued_at=issued,
        account=account,
        case_no="A3301062025000123",
    )
    with unit_of_work(factory) as s:
        return hold_service.apply_instruction(s, instruction, now_utc()).hold.id


def seed_realistic(factory: sessionmaker[Session]) -> None:
    """Anti-fraud demo (users, units, warnings, 40 decisions), two holds, the card-punishment demo."""
    from qiandai.cards.demo import seed_demo_cards
    from qiandai.transfers.demo import seed_demo_antifraud

    seed_demo_antifraud(factory)
    hold(factory, "ZF-OPS-1", "6222020200001111", hours_ago=1)
    hold(factory, "ZF-OPS-2", "6222020200002222", hours_ago=47.5)
    seed_demo_cards(factory)


def snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its sorted rows (same data ⇔ same snapshot)."""
    meta = MetaData()
    meta.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            found[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return found


def domain_answers(engine: Engine) -> dict[str, Any]:
    """A few queries the console asks: warnings by level and status, holds, decisions, punished persons."""
    from qiandai.cards.models import PunishedPersonRow
    from qiandai.transfers.models import HoldRow, WarningRow

    with engine.connect() as conn:
        warnings = conn.execute(
            select(WarningRow.level, WarningRow.status, func.count())
            .group_by(WarningRow.level, WarningRow.status)
            .order_by(WarningRow.level, WarningRow.status)
        ).all()
        holds = conn.execute(select(HoldRow.id, HoldRow.status, HoldRow.ends_at).order_by(HoldRow.id)).all()
        punished = conn.execute(select(func.count()).select_from(PunishedPersonRow)).scalar_one()
    return {
        "warnings": [tuple(w) for w in warnings],
        "holds": [tuple(h) for h in holds],
        "punished": punished,
    }
