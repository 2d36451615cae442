"""Several workers starting together on a fresh database all store-or-find the default scenario."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.transfers import scenario_store
from qiandai.transfers.models import ScenarioVersionRow
from qiandai.transfers.scenario import DEFAULT_SCENARIO


def test_workers_racing_on_a_fresh_database_keep_one_default(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workers = 3
    barrier = threading.Barrier(workers, timeout=20)
    real_rows = scenario_store.scenario_rows

    def rows_then_wait(session: Any, scenario: str) -> Any:
        found = real_rows(session, scenario)
        if not found:
            barrier.wait()  # every worker has looked and found nothing before anyone inserts
        return found

    monkeypatch.setattr(scenario_store, "scenario_rows", rows_then_wait)
    engines = [make_engine(database_url) for _ in range(workers)]

    def start(i: int) -> None:
        with unit_of_work(session_factory(engines[i])) as session:
            scenario_store.ensure_default(session)

    try:
        with ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(start, i) for i in range(workers)]:
                future.result()  # no worker fails
        with unit_of_work(session_factory(engines[0])) as s:
            count = s.scalar(select(func.count()).where(ScenarioVersionRow.scenario == DEFAULT_SCENARIO))
        assert count == 1
    finally:
        for engine in engines:
            engine.dispose()
