"""`qiandai serve`: validate the configuration, migrate the database, run the API on loopback.

The `qiandai db …` commands live in :mod:`qiandai.cli.db` (``db_app`` is re-exported here)."""

from __future__ import annotations

from typing import Annotated

import typer

from qiandai.cli.common import console, user_errors
from qiandai.cli.db import db_app
from qiandai.config import mask_url

__all__ = ["db_app", "serve"]


def serve(
    host: Annotated[str, typer.Option(help="监听地址（默认仅本机）")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数")] = 1,
) -> None:
    """启动 API 服务（先执行数据库迁移）。"""
    import uvicorn

    from qiandai.config import get_settings
    from qiandai.store.database import database_url
    from qiandai.store.migrate import upgrade

    with user_errors():
        get_settings()  # every QIANDAI_* variable validated before anything starts
        upgrade()
    console.print(f"数据库：{mask_url(database_url())}")
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
