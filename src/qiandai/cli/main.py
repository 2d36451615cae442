"""The `qiandai` command line."""

import typer

app = typer.Typer(no_args_is_help=True, help="钱袋 Qiandai 反欺诈监管平台")


@app.command()
def version() -> None:
    """Print the version."""
    from qiandai import __version__

    typer.echo(__version__)
