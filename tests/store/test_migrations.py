"""The real migrations build the schema on SQLite and PostgreSQL; money and time types behave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text

from qiandai.store.base import to_money
from qiandai.store.database import make_engine, session_factory, unit_of_work


def test_migrated_schema_has_the_meta_table(database_url: str) -> None:
    engine = make_engine(database_url)
    assert "qd_meta" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM qd_meta WHERE key = 'schema'")).scalar() == "qiandai"
    engine.dispose()


def test_unit_of_work_rolls_back_on_error(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = session_factory(engine)
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        session.execute(text("INSERT INTO qd_meta (key, value) VALUES ('half', 'done')"))
        raise RuntimeError("interrupted")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM qd_meta WHERE key = 'half'")).scalar() == 0
    engine.dispose()


def test_money_refuses_more_than_two_decimals() -> None:
    assert to_money("12.5") == Decimal("12.50")
    with pytest.raises(ValueError, match="两位小数"):
        to_money("1.005")


def test_utc_datetime_round_trip() -> None:
    from qiandai.store.base import UtcDateTime

    shanghai = timezone(timedelta(hours=8))
    value = datetime(2025, 1, 1, 8, 0, tzinfo=shanghai)
    stored = UtcDateTime().process_bind_param(value, None)  # type: ignore[arg-type]
    assert stored == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        UtcDateTime().process_bind_param(datetime(2025, 1, 1), None)  # type: ignore[arg-type]
