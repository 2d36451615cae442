"""Backup and restore on SQLite and PostgreSQL: seed through the services, back up, wipe, restore, compare.

Also: `qiandai db upgrade` is idempotent (a second run changes nothing), and restores refuse foreign files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from qiandai.api.ops import readiness
from qiandai.cli.main import app
from qiandai.store import backup as store_backup
from qiandai.store.database import make_engine, session_factory
from qiandai.store.migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))
from ops_seed import domain_answers, hold, seed_realistic, snapshot

runner = CliRunner()


def _wipe(url: str) -> None:
    """Destroy the database's contents: delete the SQLite file, or drop PostgreSQL's public schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _versions(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
    engine.dispose()
    return found


def test_backup_wipe_restore_gives_the_same_results(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    factory = session_factory(engine)
    seed_realistic(factory)
    before, answers = snapshot(engine), domain_answers(engine)
    versions = _versions(database_url)
    assert answers["warnings"] and len(answers["holds"]) == 2 and answers["punished"] > 0
    assert sum(count for count, _ in before.values()) > 100
    engine.dispose()

    report = store_backup.backup(tmp_path / "qiandai.backup", database_url)
    assert report.path.is_file() and report.size > 0
    assert not list(tmp_path.glob("*.partial"))
    assert store_backup.file_kind(report.path) == report.backend == make_url(database_url).get_backend_name()

    _wipe(database_url)
    wiped = make_engine(database_url)
    assert inspect(wiped).get_table_names() == []
    wiped.dispose()

    store_backup.restore(report.path, database_url)
    engine = make_engine(database_url)
    assert snapshot(engine) == before
    assert domain_answers(engine) == answers
    ready, result = readiness(engine)
    assert ready, result
    upgrade(database_url)  # nothing to do: the restored database is at head
    assert _versions(database_url) == versions
    # the restored database keeps working: new rows get fresh ids (sequences restored on PostgreSQL)
    factory = session_factory(engine)
    hold(factory, "ZF-OPS-3", "6222020200003333", hours_ago=0.5)
    assert len(domain_answers(engine)["holds"]) == 3
    engine.dispose()


def test_cli_backup_and_restore(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_DATABASE_URL", database_url)
    engine = make_engine(database_url)
    hold(session_factory(engine), "ZF-CLI-1", "6222020200004444", hours_ago=2)
    before = snapshot(engine)
    engine.dispose()
    out = tmp_path / "nightly" / "qiandai.dump"
    r = runner.invoke(app, ["db", "backup", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "已备份" in r.output and "另行保管" in r.output and out.is_file()
    _wipe(database_url)
    r = runner.invoke(app, ["db", "restore", str(out)], input="n\n")
    assert r.exit_code == 1 and "已取消" in r.output  # nothing restored without confirmation
    r = runner.invoke(app, ["db", "restore", str(out), "--yes"])
    assert r.exit_code == 0, r.output
    assert "已从" in r.output and "迁移版本：已是最新" in r.output
    engine = make_engine(database_url)
    assert snapshot(engine) == before
    engine.dispose()
    r = runner.invoke(app, ["db", "status"])
    assert r.exit_code == 0 and "就绪" in r.output


def test_restore_refuses_foreign_files(database_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("不是备份", encoding="utf-8")
    with pytest.raises(store_backup.BackupError, match="不是钱袋数据库备份"):
        store_backup.restore(junk, database_url)
    with pytest.raises(store_backup.BackupError, match="备份文件不存在"):
        store_backup.restore(tmp_path / "missing.dump", database_url)
    other = tmp_path / "other.db"  # an SQLite file that is not a Qiandai database
    create_engine(f"sqlite:///{other.as_posix()}").connect().execute(text("CREATE TABLE t (x INT)")).close()
    if make_url(database_url).get_backend_name() == "sqlite":
        with pytest.raises(store_backup.BackupError, match="qd_meta"):
            store_backup.restore(other, database_url)
    else:
        with pytest.raises(store_backup.BackupError, match="不能恢复到 PostgreSQL"):
            store_backup.restore(other, database_url)
    assert "qd_meta" in inspect(make_engine(database_url)).get_table_names()  # untouched


def test_missing_pg_tools_are_reported_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_backup.shutil, "which", lambda _name: None)
    monkeypatch.setattr(store_backup.os, "access", lambda _p, _m: False)
    with pytest.raises(store_backup.BackupError, match="找不到 PostgreSQL 客户端工具 pg_dump"):
        store_backup.pg_tool("pg_dump")


def test_upgrade_twice_is_a_no_op(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANDAI_DATABASE_URL", database_url)

    def schema() -> dict[str, list[str]]:
        engine = make_engine(database_url)
        found = {
            t: sorted(
                [c["name"] for c in inspect(engine).get_columns(t)]
                + [f"ix:{i['name']}" for i in inspect(engine).get_indexes(t)]
            )
            for t in inspect(engine).get_table_names()
        }
        engine.dispose()
        return found

    before, versions = schema(), _versions(database_url)
    for _ in range(2):
        r = runner.invoke(app, ["db", "upgrade"])
        assert r.exit_code == 0, r.output
        assert "数据库已迁移到最新结构" in r.output
        assert schema() == before and _versions(database_url) == versions
