"""`qiandai serve` and `qiandai db …`: run the API on loopback; migrate the database."""

from __future__ import annotations

from typing import Annotated

import typer

from qiandai.cli.common import console, user_errors

db_app = typer.Typer(no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="监听地址（默认仅本机）")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数")] = 1,
) -> None:
    """启动 API 服务（先执行数据库迁移）。"""
    import uvicorn

    from qiandai.store.database import database_url
    from qiandai.store.migrate import upgrade

    with user_errors():
        upgrade()
    console.print(f"数据库：{_masked(database_url())}")
    console.print(f"服务地址：http://{host}:{port}/  接口文档：http://{host}:{port}/docs")
    from uvicorn.config import LOGGING_CONFIG

    from qiandai.logs import configure_logging, uvicorn_log_config

    configure_logging()  # QIANDAI_LOG_FORMAT=json: one JSON object per line, personal data masked
    log_config = uvicorn_log_config() or LOGGING_CONFIG  # passed on to every worker process
    uvicorn.run(
        "qiandai.api.app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库迁移到最新结构（所有模块的迁移分支）。"""
    from qiandai.store.database import database_url
    from qiandai.store.migrate import upgrade

    with user_errors():
        upgrade()
    console.print(f"数据库已迁移到最新结构：{_masked(database_url())}")


def _masked(url: str) -> str:
    """Hide a password in a database URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
