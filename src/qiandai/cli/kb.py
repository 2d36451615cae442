"""`qiandai kb …`: the versioned knowledge base (两库 知识库)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qiandai import settings
from qiandai.cli.common import console, user_errors
from qiandai.knowledge import KnowledgeBase

app = typer.Typer(no_args_is_help=True)

KbOption = Annotated[Path | None, typer.Option("--kb", help="知识库文件（默认 $QIANDAI_HOME/kb.duckdb）")]


def open_kb(path: Path | None) -> KnowledgeBase:
    return KnowledgeBase.open(path or settings.knowledge_base_path())


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="知识点文件：国家医保局发布的 xlsx 或 JSON 批次文件")],
    kb_path: KbOption = None,
) -> None:
    """加载一个新批次的知识点文件，并显示变化。"""
    with user_errors():
        report = open_kb(kb_path).load_file(file)
    for line in report.summary_lines():
        console.print(line)


@app.command("history")
def history(kb_path: KbOption = None) -> None:
    """列出知识库的加载历史。"""
    with user_errors():
        records = open_kb(kb_path).history()
    table = Table("批次", "文件", "格式", "加载时间", "新增", "变更", "被替代", "未变")
    for r in records:
        table.add_row(
            str(r.batch_tag or ""),
            r.source_file,
            r.layout,
            f"{r.loaded_at:%Y-%m-%d %H:%M}",
            str(r.added),
            str(r.changed),
            str(r.superseded),
            str(r.unchanged),
        )
    console.print(table)


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(help="药品/项目名称片段或国家编码")],
    kb_path: KbOption = None,
    limit: Annotated[int, typer.Option(help="最多显示条数")] = 30,
) -> None:
    """按名称或编码查找知识点。"""
    with user_errors():
        found = open_kb(kb_path).search(text)
    table = Table("知识点", "规则类别", "名称", "限定内容", "批次")
    for row in found.slice(0, limit).to_pylist():
        table.add_row(
            row["kp_id"], row["rule_class"], row["item_name"], row["constraint_text"] or "", row["batch_tag"]
        )
    console.print(table)
    console.print(f"共 {found.num_rows} 条")
