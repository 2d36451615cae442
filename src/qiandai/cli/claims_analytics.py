"""`qiandai claims indicators …` and `qiandai claims model train / score / evaluate`.

Mounted on the claims command group: ``app.add_typer(claims_analytics.app)`` merges the ``indicators``
command and the ``model`` group into ``qiandai claims``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qiandai.cli.common import console, user_errors
from qiandai.cli.engine_options import EngineOpt, SparkMasterOpt, engine_choice

app = typer.Typer(no_args_is_help=True)
model_app = typer.Typer(no_args_is_help=True, help="风险模型：训练、评分、评估（LightGBM）")
app.add_typer(model_app, name="model", help="风险模型：训练、评分、评估（LightGBM）")

DataArg = Annotated[Path, typer.Argument(help="数据目录：国家格式提取表，或配合 --mapping 的其他格式")]
MappingOpt = Annotated[
    Path | None, typer.Option("--mapping", help="列映射文件（JSON 或 TOML）：源列 → 国家列")
]
SuspectsOpt = Annotated[
    Path | None, typer.Option("--suspects", help="审核输出 suspects.parquet：把疑点数/金额加入特征")
]
TruthOpt = Annotated[
    Path | None, typer.Option("--truth", help="生成数据的标注 ground_truth.parquet（就诊层级）")
]
LabelsOpt = Annotated[
    Path | None,
    typer.Option(
        "--labels", help="审核结论（finding_id/mdtrt_id + label）或机构标注（fixmedins_code + label）"
    ),
]
KOpt = Annotated[str, typer.Option("--k", help="precision@k 的 k，逗号分隔")]


@app.command("indicators")
def indicators(
    input_dir: Annotated[Path, typer.Argument(help="输入目录：MDTRT_D、FEE_LIST_D 等国家提取表")],
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    period: Annotated[str, typer.Option("--period", help="期间：month / quarter / year / all")] = "month",
    peer_by: Annotated[str, typer.Option("--peer-by", help="同组维度（由细到粗）：type,level,region")] = (
        "type,level,region"
    ),
    min_peers: Annotated[int, typer.Option("--min-peers", help="同组最少机构数，不足时逐级放宽")] = 5,
    top: Annotated[int, typer.Option("--top", help="终端显示前几名")] = 10,
    xlsx: Annotated[bool, typer.Option("--xlsx/--no-xlsx", help="是否写出 indicators.xlsx")] = True,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
) -> None:
    """计算机构（及医生）监测指标，按同组（类型、等级、区划）稳健Z值排名，输出 indicators.parquet/xlsx。"""
    from qiandai.claims.indicators import IndicatorParams, run_indicators
    from qiandai.claims.indicators.output import render_top

    chosen = engine_choice(engine, spark_master)
    with user_errors():
        try:
            params = IndicatorParams(period=period, min_peers=min_peers)
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
        dims = tuple(d.strip() for d in peer_by.split(",") if d.strip())
        result = run_indicators(
            input_dir, out, params, peer_by=dims, write_xlsx=xlsx, engine=chosen, spark_master=spark_master
        )
    render_top(result, console, top)
    total = sum(result.seconds.values())
    console.print(
        f"指标 {result.scores.num_rows:,} 行，排名 {result.rankings.num_rows:,} 行；用时 {total:.1f} 秒。"
        f"输出：{out / 'indicators.parquet'}、{out / 'rankings.parquet'}"
        + (f"、{out / 'indicators.xlsx'}" if xlsx else "")
    )


def _ks(text: str) -> tuple[int, ...]:
    try:
        ks = tuple(int(k) for k in text.split(",") if k.strip())
    except ValueError:
        raise typer.BadParameter(f"--k 应为逗号分隔的正整数：{text}") from None
    if not ks or min(ks) < 1:
        raise typer.BadParameter(f"--k 应为逗号分隔的正整数：{text}")
    return ks


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _print_metrics(title: str, metrics: dict[str, Any]) -> None:
    table = Table("指标", "值", title=title)
    table.add_row("行数（正例）", f"{metrics['rows']:,}（{metrics['positives']:,}）")
    table.add_row("AUC", _fmt(metrics["auc"]))
    table.add_row("PR-AUC", _fmt(metrics["pr_auc"]))
    for k, value in metrics["precision_at_k"].items():
        table.add_row(f"precision@{k}（实际 k={metrics['k_used'][k]}）", _fmt(value))
    console.print(table)


@model_app.command("train")
def train(
    data: DataArg,
    out: Annotated[Path, typer.Option("--out", help="模型目录（model.txt + manifest.json）")],
    truth: TruthOpt = None,
    labels: LabelsOpt = None,
    mapping: MappingOpt = None,
    suspects: SuspectsOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（划分与训练）")] = 7,
    test_fraction: Annotated[float, typer.Option("--test-fraction", help="留出集比例")] = 0.25,
    k: KOpt = "10,50",
) -> None:
    """训练风险模型，并在留出集上报告 AUC、PR-AUC、precision@k。"""
    from qiandai.claims.model.jobs import DataSource, train_job

    with user_errors():
        model = train_job(DataSource(data, mapping, suspects), out, truth=truth, labels=labels, seed=seed,
                          test_fraction=test_fraction, ks=_ks(k))  # fmt: skip
    m = model.manifest
    console.print(f"层级：{m['level']}；特征 {len(m['features'])} 个；标注：{m['labels']['source']}")
    _print_metrics("留出集指标", m["metrics"]["held_out"])
    console.print(f"模型已保存：{out / 'model.txt'}、{out / 'manifest.json'}")


@model_app.command("score")
def score(
    data: DataArg,
    model: Annotated[Path, typer.Option("--model", help="模型目录")],
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    mapping: MappingOpt = None,
    suspects: SuspectsOpt = None,
    top: Annotated[int, typer.Option("--top", help="终端显示前几家机构")] = 10,
) -> None:
    """对数据评分并解释（每行前 5 个贡献因素），输出 scores.parquet/xlsx 与机构排名。"""
    from qiandai.claims.model.jobs import DataSource, score_job

    with user_errors():
        rows, institutions, paths = score_job(DataSource(data, mapping, suspects), model, out)
    table = Table("排名", "机构编号", "机构名称", "预期违规数", "平均评分", "主要因素", title="机构风险排名")
    for row in institutions.slice(0, top).to_pylist():
        table.add_row(
            str(row["rank"]),
            row["fixmedins_code"],
            row["fixmedins_name"] or "—",
            f"{row['expected_positives']:.1f}",
            f"{row['mean_score']:.3f}",
            row.get("explanation") or "—",
        )
    console.print(table)
    console.print(f"评分 {rows.num_rows:,} 行；输出：{'、'.join(str(p) for p in paths)}")


@model_app.command("evaluate")
def evaluate(
    data: DataArg,
    model: Annotated[Path, typer.Option("--model", help="模型目录")],
    truth: TruthOpt = None,
    labels: LabelsOpt = None,
    mapping: MappingOpt = None,
    suspects: SuspectsOpt = None,
    k: KOpt = "10,50",
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """评估模型：训练所用数据上只评估留出集，其他数据上评估全部已标注行。"""
    from qiandai.claims.model.jobs import DataSource, evaluate_job

    with user_errors():
        metrics = evaluate_job(
            DataSource(data, mapping, suspects), model, truth=truth, labels=labels, ks=_ks(k)
        )
    if as_json:
        typer.echo(json.dumps(metrics, ensure_ascii=False, indent=2))
        return
    scope = "留出集" if metrics["rows_evaluated"] == "held_out" else "全部已标注行"
    _print_metrics(f"评估（{scope}）", metrics)
