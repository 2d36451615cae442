"""Real databases for tests: a migrated SQLite file and a throwaway PostgreSQL 15 cluster.

The PostgreSQL cluster is started once per test process from the machine's server binaries
(``initdb``/``pg_ctl`` on PATH or under /usr/lib/postgresql/*/bin), on a free loopback port, in a
temporary folder, with trust authentication; as root it runs as the ``postgres`` user. A migrated
template database is built once; each test gets a fresh copy (``CREATE DATABASE … TEMPLATE``), so every
test starts from the real migrations and nothing leaks between tests.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from qiandai.store.migrate import upgrade


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def postgres_available() -> bool:
    return _binary("initdb") is not None and _binary("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """A private PostgreSQL server for the test process."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="qiandai-pg-"))
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._counter = itertools.count(1)
        self.template = "qd_template"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)

    def start(self) -> None:
        data = self.root / "data"
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(_binary("initdb")),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off"
        )
        self._run(
            str(_binary("pg_ctl")),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._execute(f"CREATE DATABASE {self.template}")
        upgrade(self.url(self.template))
        create_engine(self.url(self.template)).dispose()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _execute(self, sql: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def fresh_database(self) -> str:
        """A new database copied from the migrated template; returns its URL."""
        name = f"qd_test_{os.getpid()}_{next(self._counter)}"
        self._execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(_binary("pg_ctl")), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class SqliteTemplate:
    """A migrated SQLite file copied for each test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.db"
        upgrade(f"sqlite:///{self.template.as_posix()}")
        self._counter = itertools.count(1)

    def fresh_database(self) -> str:
        target = self.folder / f"test_{next(self._counter)}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target.as_posix()}"
