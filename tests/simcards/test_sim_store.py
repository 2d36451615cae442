"""Scoring runs in the database (SQLite and PostgreSQL): stored once per data/date/model, latest run,
results by level; the demo seed is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from qiandai.datagen.cdr import seed_demo_simcards
from qiandai.domain.errors import NotFoundError
from qiandai.simcards import model as sim_model
from qiandai.simcards import repository
from qiandai.simcards.models import SimResultRow, SimRunRow
from qiandai.store.database import make_engine, session_factory, unit_of_work


def test_store_run_is_idempotent_and_queryable(
    database_url: str, trained: sim_model.TrainResult, cdr_small: Path
) -> None:
    factory = session_factory(make_engine(database_url))
    result = sim_model.score(cdr_small, model=trained.model)
    with unit_of_work(factory) as session:
        run, created = repository.store_run(session, result, cdr_small, trained.metrics.as_dict())
        assert created
    with unit_of_work(factory) as session:
        again, created = repository.store_run(session, result, cdr_small, trained.metrics.as_dict())
        assert not created and again.id == run.id
    with unit_of_work(factory) as session:
        assert repository.count_runs(session) == 1
        latest = repository.latest_run(session)
        assert latest is not None and latest.id == run.id and latest.as_of == result.as_of
        assert latest.high == result.counts["高"] and latest.metrics is not None
        rows = repository.results(session, run.id)
        assert len(rows) == latest.stored >= latest.high + latest.medium
        assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
        assert rows[0].number == str(result.frame.number.iloc[0]) and rows[0].reasons == list(
            result.frame.reasons.iloc[0]
        )
        assert all(r.level == "高" for r in repository.results(session, run.id, "高"))
        with pytest.raises(NotFoundError, match="评分批次 9999 不存在"):
            repository.get_run(session, 9999)


def test_seed_demo_simcards_is_idempotent(database_url: str, tmp_path: Path) -> None:
    factory = session_factory(make_engine(database_url))
    first = seed_demo_simcards(factory, tmp_path)
    assert any("评分批次" in line and "已保存" in line for line in first)
    second = seed_demo_simcards(factory, tmp_path)
    assert len(second) == 1 and "已存在" in second[0]
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(SimRunRow)) == 1
        stored = session.scalar(select(func.count()).select_from(SimResultRow))
        assert stored is not None and stored >= 200
