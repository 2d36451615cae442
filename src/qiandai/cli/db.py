"""`qiandai db …`: migrate the database, show its migration state, back it up and restore it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiandai.cli.common import console, err_console, user_errors
from qiandai.config import mask_url

db_app = typer.Typer(no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库迁移到最新结构（所有模块的迁移分支；已是最新时不做任何改动）。"""
    from qiandai.store.database import database_url
    from qiandai.store.migrate import upgrade

    with user_errors():
        upgrade()
        url = database_url()
    console.print(f"数据库已迁移到最新结构：{mask_url(url)}")


@db_app.command("status")
def db_status() -> None:
    """检查数据库能否连接、迁移是否已到最新版本（与 /readyz 相同的检查；未就绪时退出码为 1）。"""
    from qiandai.api.ops import readiness
    from qiandai.store.database import database_url, make_engine

    with user_errors():
        url = database_url()
        engine = make_engine(url)
    try:
        ready, report = readiness(engine)
    finally:
        engine.dispose()
    console.print(f"数据库：{mask_url(url)}")
    migrations = report["checks"].get("migrations", {})
    if migrations:
        console.print(f"当前迁移版本：{', '.join(migrations['current']) or '（无）'}")
        console.print(f"本程序最新版本：{', '.join(migrations['expected'])}")
    if ready:
        console.print("状态：就绪（迁移已是最新）")
        return
    for reason in report.get("reasons", []):
        err_console.print(f"[bold red]未就绪：[/]{reason}", soft_wrap=True)
    raise typer.Exit(code=1)


@db_app.command("backup")
def db_backup(
    out: Annotated[Path, typer.Option("--out", help="备份文件路径（PostgreSQL 为 pg_dump 自定义格式）")],
) -> None:
    """备份整个数据库：PostgreSQL 用 pg_dump，SQLite 用在线备份；服务运行中也可执行。"""
    from qiandai.store.backup import backup
    from qiandai.store.database import database_url

    with user_errors():
        url = database_url()
        report = backup(out, url)
    size = report.size / 1024 / 1024
    console.print(f"已备份 {mask_url(url)} → {report.path}（{size:.1f} MB，用时 {report.seconds:.1f} 秒）")
    console.print(
        "提醒：加密密钥（QIANDAI_SECRET_KEY 或 $QIANDAI_HOME/secret.key）须另行保管，与备份分开存放。"
    )


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="备份文件（qiandai db backup 的输出）")],
    yes: Annotated[bool, typer.Option("--yes", help="不再询问，直接覆盖")] = False,
) -> None:
    """用备份文件覆盖当前数据库的全部数据（请先停止服务）。"""
    from qiandai.api.ops import readiness
    from qiandai.store.backup import file_kind, restore
    from qiandai.store.database import database_url, make_engine

    with user_errors():
        url = database_url()
        file_kind(file)  # a missing or foreign file is refused before asking
    if not yes and not typer.confirm(
        f"将用 {file} 覆盖数据库 {mask_url(url)} 的全部数据，确定吗？", default=False
    ):
        err_console.print("已取消，数据库未改动。")
        raise typer.Exit(code=1)
    with user_errors():
        report = restore(file, url)
    console.print(f"已从 {report.path} 恢复数据库 {mask_url(url)}（用时 {report.seconds:.1f} 秒）")
    engine = make_engine(url)
    try:
        ready, result = readiness(engine)
    finally:
        engine.dispose()
    if ready:
        console.print("迁移版本：已是最新，可以启动服务。")
    else:
        for reason in result.get("reasons", []):
            console.print(f"[yellow]注意：[/]{reason}", soft_wrap=True)
