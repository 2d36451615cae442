"""`qiandai config …`: show the effective configuration (secrets masked), validate it, document it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiandai.cli.common import console, err_console, user_errors

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show() -> None:
    """显示生效的配置（环境变量或默认值）；密钥和数据库密码不显示。"""
    from qiandai.config import describe_values, load_settings

    with user_errors():
        settings = load_settings()
    for name, value, source in describe_values(settings):
        console.print(f"{name} = {value}（{source}）", soft_wrap=True, highlight=False, markup=False)


@app.command("check")
def check() -> None:
    """校验全部 QIANDAI_* 环境变量；有误时显示原因并以退出码 2 结束。"""
    from qiandai.config import ConfigurationError, load_settings

    with user_errors():
        settings = load_settings()
        problems = []
        folder = settings.prometheus_multiproc_dir
        if folder is not None and not folder.is_dir():
            problems.append(f"环境变量 PROMETHEUS_MULTIPROC_DIR 指向的文件夹不存在：{folder}")
        home = settings.home
        existing = next((p for p in (home, *home.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            problems.append(f"环境变量 QIANDAI_HOME 指向的不是文件夹：{home}")
        if problems:
            raise ConfigurationError("配置错误：" + "；".join(problems))
    console.print("配置有效。")


@app.command("doc")
def doc(
    write: Annotated[
        Path | None,
        typer.Option("--write", help="更新该 Markdown 文件中的生成区块（如 docs/configuration.md）"),
    ] = None,
) -> None:
    """生成配置参考（变量、类型、含义、默认值）；不加 --write 时输出到屏幕。"""
    from qiandai.config import reference_markdown, replace_reference

    if write is None:
        typer.echo(reference_markdown())
        return
    with user_errors():
        if not write.is_file():
            err_console.print(f"[bold red]错误：[/]文件不存在：{write}")
            raise typer.Exit(code=2)
        write.write_text(replace_reference(write.read_text(encoding="utf-8")), encoding="utf-8")
    console.print(f"已更新配置参考：{write}")
