"""`qiandai datagen …`: synthetic data with ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiandai import settings
from qiandai.cli.common import console, user_errors
from qiandai.datagen.claims import generate_claims
from qiandai.knowledge import KnowledgeBase

app = typer.Typer(no_args_is_help=True)


@app.command("claims")
def claims(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    visits: Annotated[int, typer.Option("--visits", min=100, help="就诊次数")] = 20000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子生成相同数据）")] = 42,
    fraud_rate: Annotated[
        float, typer.Option("--fraud-rate", min=0.0, max=0.05, help="每条规则的注入比例")
    ] = 0.002,
    fmt: Annotated[str, typer.Option("--format", help="parquet 或 csv")] = "parquet",
) -> None:
    """生成国家医保数据提取表格式的合成就诊、结算、费用明细，以及欺诈注入的标注（ground_truth.parquet）。"""
    with user_errors():
        kb = KnowledgeBase.open(settings.knowledge_base_path())
        with console.status("正在生成合成数据…"):
            report = generate_claims(out, visits=visits, seed=seed, fraud_rate=fraud_rate, kb=kb, fmt=fmt)  # type: ignore[arg-type]
    for line in report.summary_lines():
        console.print(line)
