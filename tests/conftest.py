"""Suite-wide fixtures: an isolated QIANDAI_HOME and one knowledge base per test session (per worker)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from databases import PostgresCluster, SqliteTemplate, postgres_available


@pytest.fixture(scope="session", autouse=True)
def qiandai_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point QIANDAI_HOME at a fresh folder so no test touches the developer's working files."""
    home = tmp_path_factory.mktemp("qiandai-home")
    old = os.environ.get("QIANDAI_HOME")
    os.environ["QIANDAI_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("QIANDAI_HOME", None)
    else:
        os.environ["QIANDAI_HOME"] = old


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def _postgres_cluster() -> Iterator[PostgresCluster]:
    if not postgres_available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A freshly migrated database URL: every store/workflow test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("_sqlite_template")
        return template.fresh_database()
    cluster: PostgresCluster = request.getfixturevalue("_postgres_cluster")
    return cluster.fresh_database()


CHROMIUM = os.environ.get("QIANDAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """The one headless Chromium (Debian's, via Playwright) of this test process.

    Playwright's sync API runs one event loop per thread, so a second ``sync_playwright()`` while the
    first is open fails; every browser test shares this instance (skipped where Chromium or Playwright
    is absent; no browser download ever).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
