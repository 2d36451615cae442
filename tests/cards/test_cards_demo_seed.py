"""`seed_demo_cards` fills the card-crackdown pages and is idempotent (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qiandai.cards import punishment, runs
from qiandai.cards.demo import seed_demo_cards
from qiandai.cards.models import AccountOpeningRow, AppealRow, PunishedPersonRow, ScreeningRunRow
from qiandai.store.database import unit_of_work
from qiandai.transfers import repository
from qiandai.transfers.lists import ListKind


def _counts(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with unit_of_work(factory) as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (PunishedPersonRow, AppealRow, ScreeningRunRow, AccountOpeningRow)
        )


def test_demo_seed_is_idempotent(factory: sessionmaker[Session]) -> None:
    lines = seed_demo_cards(factory)
    assert any("惩戒名单：新增 3 人" in x for x in lines)
    first = _counts(factory)
    assert first == (3, 1, 1, 3)
    with unit_of_work(factory) as s:
        run = runs.latest_run(s)
        assert run is not None and run.high > 0 and run.networks > 0
        risk = repository.list_entries(s, ListKind.RISK_ACCOUNT)
        assert len(risk) == run.high
        assert len(repository.list_entries(s, ListKind.PUNISHED)) == 4
        outcomes = {r.id: r.outcome for r in s.scalars(select(AccountOpeningRow))}
        assert outcomes == {"DEMO-OPEN-1": "允许", "DEMO-OPEN-2": "拒绝", "DEMO-OPEN-3": "拒绝"}
        assert len(punishment.appeals(s, status="pending")) == 1
    again = seed_demo_cards(factory)
    assert any("已有演示批次" in x for x in again)
    assert _counts(factory) == first
