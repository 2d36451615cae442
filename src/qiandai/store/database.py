"""Engines and units of work.

``QIANDAI_DATABASE_URL`` selects the database; the default is an SQLite file in ``$QIANDAI_HOME``
(embedded, zero set-up). PostgreSQL URLs (``postgresql+psycopg://…``) are first-class; their pool is
sized by ``QIANDAI_DB_POOL_SIZE`` / ``QIANDAI_DB_MAX_OVERFLOW`` / ``QIANDAI_DB_POOL_RECYCLE``
(:mod:`qiandai.config`). Services never
commit: the request or job boundary opens a :func:`unit_of_work`, which commits on success and rolls
back on any error, so an interrupted operation leaves nothing half-done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from qiandai import settings
from qiandai.config import get_settings


def database_url() -> str:
    """The configured database URL (default: SQLite file ``$QIANDAI_HOME/qiandai.db``)."""
    url = get_settings().database_url
    if url:
        return url
    return f"sqlite:///{(settings.home() / 'qiandai.db').as_posix()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


#: Seconds a new PostgreSQL connection may take (libpq ``connect_timeout``).
CONNECT_TIMEOUT = 5


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the settings Qiandai relies on for that backend."""
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    config = get_settings()
    kwargs.setdefault("pool_pre_ping", True)
    # By default more connections than the API's worker threads (40), so that no request can wait for
    # a connection held by a request that itself waits for a thread.
    kwargs.setdefault("pool_size", config.db_pool_size)
    kwargs.setdefault("max_overflow", config.db_max_overflow)
    kwargs.setdefault("pool_recycle", config.db_pool_recycle)
    # an unreachable host (no answer at all, unlike a refused connection) fails after this many seconds
    # instead of holding the request until the operating system gives up
    connect_args = {"connect_timeout": CONNECT_TIMEOUT, **kwargs.pop("connect_args", {})}
    return create_engine(url, connect_args=connect_args, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
