"""The anti-fraud demo data: users, units, warnings and decisions; a second seeding adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from qiandai.identity import service as identity
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.transfers.demo import USERS, seed_demo_antifraud
from qiandai.transfers.models import WarningRow


def test_seed_demo_antifraud_is_idempotent(database_url: str) -> None:
    factory = session_factory(make_engine(database_url))
    first = seed_demo_antifraud(factory)
    assert "新增账号 3 个" in first[0] and "新增预警 3 条" in first[0]
    with unit_of_work(factory) as session:
        warnings = session.scalar(select(func.count()).select_from(WarningRow))
    assert warnings is not None and warnings >= 3  # the feed's three plus those of stopped transfers
    second = seed_demo_antifraud(factory)
    assert "新增账号 0 个" in second[0] and "新增预警 0 条" in second[0]
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(WarningRow)) == warnings
        for username in USERS:
            assert identity.user_principal(session, username) is not None
