"""Shared pieces of the command line: the console, progress bars, and the one place errors are shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from qiandai.domain.errors import QiandaiError

console = Console()
err_console = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a :class:`QiandaiError` as its Chinese message and exit with status 2."""
    try:
        yield
    except QiandaiError as exc:
        err_console.print(f"[bold red]错误：[/]{exc.message}", soft_wrap=True)
        raise typer.Exit(code=2) from None


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar driven by ``(label, done, total)`` callbacks."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=1)

        def update(label: str, done: int, total: int) -> None:
            progress.update(task, description=label, completed=done, total=total)

        yield update
