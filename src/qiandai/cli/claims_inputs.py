"""`qiandai claims presence …`: commands over the optional inputs (进销存, bedside check-ins).

Mounted by the lead in ``cli/claims.py`` (``app.command("presence")(claims_inputs.presence)``); ``app``
serves tests and stand-alone mounting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiandai.cli.common import console, user_errors

app = typer.Typer(no_args_is_help=True)


@app.command("presence")
def presence(
    input_dir: Annotated[Path, typer.Argument(help="输入目录（国家提取表 + CHECKIN_D）")],
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
) -> None:
    """按机构、病区、月份计算住院在床率（床旁签到），写出 presence.parquet 与 presence.xlsx。"""
    from qiandai.claims.checkins.job import write_presence

    with user_errors():
        result = write_presence(input_dir, out)
    rows = result.table.num_rows
    if result.ingest.tables["checkin"].path is None:
        console.print("输入目录没有 CHECKIN_D（床旁签到），在床率为空表")
    billed = sum(result.table.column("billed_days").to_pylist()) if rows else 0
    present = sum(result.table.column("present_days").to_pylist()) if rows else 0
    rate = f"{present / billed:.1%}" if billed else "—"
    console.print(f"病区 × 月份 {rows:,} 行；计费住院日 {billed:,}，有签到 {present:,}（{rate}）")
    console.print(f"输出：{result.parquet}、{result.xlsx}")


@app.callback()
def _main() -> None:
    """进销存与床旁签到的附加输入。"""
