"""Backup and restore of the whole Qiandai database.

- PostgreSQL: ``pg_dump --format=custom`` (compressed, consistent snapshot taken while the service runs)
  and ``pg_restore --clean --if-exists --no-owner --single-transaction`` (every object of the dump is
  dropped and recreated in one transaction: a failed restore leaves the database as it was). The client
  tools are looked up on ``PATH``, then in ``/usr/local/bin`` and ``/usr/lib/postgresql/<version>/bin``
  (newest first); their major version must be at least the server's.
- SQLite: the sqlite3 online backup API, page by page, consistent even while the service writes
  (WAL mode); the copy is switched to a single self-contained file (``journal_mode=DELETE``) and checked
  with ``PRAGMA quick_check``. Restoring copies the backup's pages over the database file, again through
  the backup API.

A backup is written to ``<file>.partial`` and renamed when complete, so a failed or interrupted backup
never leaves a truncated file under the requested name. A restore refuses a file that is not a backup
of a Qiandai database (no ``qd_meta`` table) or that was taken from the other kind of database.

The password of a PostgreSQL URL is handed to the tools in ``PGPASSWORD``, never on their command line
(which other users of the host could read in the process list).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from qiandai.domain.errors import QiandaiError
from qiandai.store.database import database_url

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
META_TABLE = "qd_meta"


class BackupError(QiandaiError):
    """A backup or restore could not be done (tool missing, wrong file, database error)."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    backend: str  # "postgresql" | "sqlite"
    size: int  # bytes
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    backend: str
    seconds: float


def backend_of(url: str) -> str:
    """``postgresql`` or ``sqlite`` (anything else is refused)."""
    name = make_url(url).get_backend_name()
    if name not in ("postgresql", "sqlite"):
        raise BackupError(f"不支持备份此类数据库：{name}（只支持 PostgreSQL 和 SQLite）")
    return name


def file_kind(path: Path) -> str:
    """``postgresql`` (a pg_dump custom-format archive) or ``sqlite`` (an SQLite database file)."""
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(f"{path} 不是钱袋数据库备份（既不是 pg_dump 自定义格式，也不是 SQLite 数据库文件）")


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client tool (``pg_dump``, ``pg_restore``)."""
    found = shutil.which(name)
    if found:
        return found

    def major(path: str) -> int:
        version = Path(path).parts[-3]
        return int(version) if version.isdigit() else 0

    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=major, reverse=True)
    candidates = [f"/usr/local/bin/{name}", *versions]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(
        f"找不到 PostgreSQL 客户端工具 {name}：请从内网软件源安装 postgresql-client"
        "（主版本不低于数据库服务器），或把其所在目录加入 PATH"
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for ``url`` without its password, and the environment carrying it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("内存中的 SQLite 数据库不能备份或恢复")
    return Path(database)


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:]) or f"退出码 {result.returncode}"
        raise BackupError(f"{what}失败：{detail}")


# -- backup --------------------------------------------------------------------------------------------
def backup(out: Path, url: str | None = None) -> BackupReport:
    """Write a complete backup of the database at ``url`` (default: the configured one) to ``out``."""
    url = url or database_url()
    backend = backend_of(url)
    out = out.expanduser().resolve()
    if out.is_dir():
        raise BackupError(f"备份文件路径是一个文件夹：{out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        if backend == "postgresql":
            uri, env = _libpq(url)
            tool = pg_tool("pg_dump")
            cmd = [tool, "--format=custom", "--compress=6", f"--file={partial}", f"--dbname={uri}"]
            _run(cmd, env, "备份（pg_dump）")
        else:
            _sqlite_backup(_sqlite_path(url), partial)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(out, backend, out.stat().st_size, time.perf_counter() - started)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"SQLite 数据库文件不存在：{source}")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = dst.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"备份文件校验失败：{check[0] if check else '无结果'}")
    except sqlite3.Error as exc:
        raise BackupError(f"备份 SQLite 数据库失败：{exc}") from None
    finally:
        dst.close()
        src.close()


# -- restore -------------------------------------------------------------------------------------------
def restore(path: Path, url: str | None = None) -> RestoreReport:
    """Replace the contents of the database at ``url`` with the backup ``path``.

    Stop the service first: PostgreSQL drops and recreates every table of the dump; SQLite overwrites
    the database file's pages.
    """
    url = url or database_url()
    backend = backend_of(url)
    path = path.expanduser().resolve()
    kind = file_kind(path)
    if kind != backend:
        names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
        raise BackupError(f"{path} 是 {names[kind]} 备份，不能恢复到 {names[backend]} 数据库")
    started = time.perf_counter()
    if backend == "postgresql":
        _pg_restore(path, url)
    else:
        _sqlite_restore(path, _sqlite_path(url))
    return RestoreReport(path, backend, time.perf_counter() - started)


def _pg_restore(path: Path, url: str) -> None:
    tool = pg_tool("pg_restore")
    listing = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0:
        detail = " ".join(listing.stderr.strip().splitlines()[-2:])
        raise BackupError(f"无法读取备份文件 {path}：{detail}")
    if not any(f" TABLE public {META_TABLE} " in line for line in listing.stdout.splitlines()):
        raise BackupError(f"{path} 不是钱袋数据库的备份（其中没有 {META_TABLE} 表）")
    uri, env = _libpq(url)
    cmd = [tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={uri}", str(path)]
    _run(cmd, env, "恢复（pg_restore）")


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    src = sqlite3.connect(f"{backup_file.as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if META_TABLE not in tables:
            raise BackupError(f"{backup_file} 不是钱袋数据库的备份（其中没有 {META_TABLE} 表）")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"恢复 SQLite 数据库失败：{exc}") from None
    finally:
        src.close()
