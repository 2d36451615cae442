"""`qiandai claims …`: the claims audit and its evaluation against ground truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from qiandai import settings
from qiandai.claims.audit import AuditResult, run_audit
from qiandai.claims.evaluate import evaluate as evaluate_findings
from qiandai.claims.evaluate import render_evaluation
from qiandai.claims.report import render_summary
from qiandai.claims.rulesets import DEFAULT_RULE_SET, claims_rule_store
from qiandai.cli.common import console, progress_bar, user_errors
from qiandai.cli.engine_options import EngineOpt, SparkMasterOpt, engine_choice
from qiandai.knowledge import KnowledgeBase

app = typer.Typer(no_args_is_help=True)


def audit_folder(
    input_dir: Path,
    out: Path,
    *,
    rules: list[str] | None = None,
    rule_set: str = DEFAULT_RULE_SET,
    version: int | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    write_xlsx: bool = True,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> AuditResult:
    """Run an audit with a progress bar and print its summary (shared with ``qiandai demo``)."""
    rule_version = claims_rule_store(settings.rulesets_path()).get(rule_set, version)
    kb = KnowledgeBase.open(settings.knowledge_base_path())
    with progress_bar("医保智能审核") as update:
        result = run_audit(
            input_dir,
            out,
            version=rule_version,
            knowledge=kb,
            rule_ids=rules,
            threads=threads,
            memory_limit=memory_limit,
            progress=update,
            write_xlsx=write_xlsx,
            engine=engine,
            spark_master=spark_master,
        )
    for line in result.ingest.summary_lines():
        console.print(line)
    render_summary(result.summaries, console)
    skipped = [r for r in result.rules if r.skipped_reason]
    for r in skipped:
        console.print(f"[yellow]跳过[/] {r.rule_code} {r.rule_name}：{r.skipped_reason}")
    engine_name = "Spark" if result.engine == "spark" else "DuckDB"
    console.print(
        f"审核批次 {result.run_id}（{rule_version.label}，{engine_name}）：疑点 {result.findings:,} 个，"
        f"涉及金额 ¥{result.amount:,.2f}，用时 {result.seconds['total']:.1f} 秒"
    )
    console.print(f"输出：{out / 'suspects.parquet'}、{out / 'suspects.xlsx'}、{out / 'quarantine'}")
    return result


@app.command("audit")
def audit(
    input_dir: Annotated[
        Path, typer.Argument(help="输入目录：MDTRT_D、FEE_LIST_D 等国家提取表（csv/parquet/xlsx）")
    ],
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    rules: Annotated[
        str | None, typer.Option("--rules", help="只运行这些规则（规则标识或编码，逗号分隔）")
    ] = None,
    rule_set: Annotated[str, typer.Option("--rule-set", help="规则集")] = DEFAULT_RULE_SET,
    version: Annotated[int | None, typer.Option("--version", help="规则集版本（默认最新已发布版本）")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="DuckDB 线程数")] = None,
    memory_limit: Annotated[
        str | None, typer.Option("--memory-limit", help="DuckDB 内存上限，如 4GB")
    ] = None,
    xlsx: Annotated[bool, typer.Option("--xlsx/--no-xlsx", help="是否写出 suspects.xlsx")] = True,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
) -> None:
    """对国家格式的数据目录运行智能审核，输出疑点（suspects.parquet / suspects.xlsx）。"""
    selected = [r.strip() for r in rules.split(",") if r.strip()] if rules else None
    chosen = engine_choice(engine, spark_master)
    with user_errors():
        audit_folder(
            input_dir,
            out,
            rules=selected,
            rule_set=rule_set,
            version=version,
            threads=threads,
            memory_limit=memory_limit,
            write_xlsx=xlsx,
            engine=chosen,
            spark_master=spark_master,
        )


@app.command("evaluate")
def evaluate(
    out: Annotated[Path, typer.Argument(help="审核输出目录（含 suspects.parquet）")],
    truth: Annotated[Path, typer.Option("--truth", help="标注文件 ground_truth.parquet")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """按规则编码计算精确率与召回率（以 规则编码 + 就诊ID 为匹配键）。"""
    with user_errors():
        result = evaluate_findings(out, truth)
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        render_evaluation(result, console)


@app.command("columns")
def columns() -> None:
    """列出各国家提取表的必需列，以及每条规则额外需要的列（缺少时该规则跳过）。"""
    from rich.table import Table

    from qiandai.claims.rulepack.requirements import TEMPLATE_REQUIREMENTS
    from qiandai.claims.schema import TABLES

    tables = Table("表", "名称", "文件必需", "必需列", "可选的类型化列")
    for spec in TABLES:
        optional = [c.name for c in spec.columns if not c.required]
        tables.add_row(
            spec.national_name,
            spec.label,
            "是" if spec.required_table else "否",
            "、".join(spec.required_columns),
            "、".join(optional),
        )
    console.print(tables)
    with user_errors():
        version = claims_rule_store(settings.rulesets_path()).get(DEFAULT_RULE_SET)
    per_rule = Table("规则编码", "规则名称", "额外需要的列（任一即可）", title=version.label)
    for rule in version.rules:
        needs = TEMPLATE_REQUIREMENTS.get(rule.template, ())
        per_rule.add_row(rule.code, rule.name, "；".join(" 或 ".join(r) for r in needs) or "—")
    console.print(per_rule)


@app.command("coverage")
def coverage(
    out: Annotated[Path | None, typer.Option("--out", help="写出 Markdown 文件（默认打印）")] = None,
    rule_set: Annotated[str, typer.Option("--rule-set", help="规则集")] = DEFAULT_RULE_SET,
    shipped: Annotated[
        bool, typer.Option("--shipped/--current", help="按随包发布的规则集（默认）或本机最新版本生成")
    ] = True,
) -> None:
    """生成国家规则目录（2025年版 88 类）覆盖情况文档（docs/rule-coverage.md）。"""
    from qiandai.claims.coverage import render_markdown
    from qiandai.claims.rulesets import shipped_rule_sets

    with user_errors():
        version = (
            shipped_rule_sets()[rule_set]
            if shipped
            else claims_rule_store(settings.rulesets_path()).get(rule_set)
        )
        text = render_markdown(version)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"已写出 {out}")


def _mount_extra_commands() -> None:
    """Commands that live in their own modules (inputs beyond the national claims tables)."""
    from qiandai.cli import claims_inputs

    app.command("presence")(claims_inputs.presence)


_mount_extra_commands()


def _mount_analytics() -> None:
    """`qiandai claims indicators` and `qiandai claims model train|score|evaluate`."""
    from qiandai.cli import claims_analytics

    app.add_typer(claims_analytics.app)


_mount_analytics()
