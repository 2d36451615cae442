"""`qiandai screening sim …`: SIM-card screening from CDRs (train / score / evaluate / runs), and
`qiandai datagen cdr` (registered in ``cli/datagen.py``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from qiandai.batch.engines import check_engine
from qiandai.cli.common import console, user_errors
from qiandai.cli.engine_options import EngineOpt, SparkMasterOpt
from qiandai.domain.errors import InvalidInputError
from qiandai.domain.masking import mask_phone
from qiandai.simcards import model as sim_model
from qiandai.simcards.features import DEFAULT_KEY_REGIONS, FeatureConfig
from qiandai.simcards.schema import write_issues_csv

app = typer.Typer(no_args_is_help=True)

DataOpt = Annotated[
    Path, typer.Option("--data", help="CDR 目录（calls、subscribers、sms 表，见 docs/simcards.md）")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="评分日期 YYYY-MM-DD（只用此日之前的话单；默认为最后一条话单的次日）"),
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key-regions", help="重点地区行政区划代码前缀，逗号分隔（默认：边境地州与境外漫游 99）"),
]
WindowOpt = Annotated[int, typer.Option("--window-days", min=7, max=180, help="特征统计窗口（天）")]


def _as_of(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"评分日期格式不正确：{value}（应为 YYYY-MM-DD）") from None


def _settings(key_regions: str | None, window_days: int) -> sim_model.SimSettings:
    keys = DEFAULT_KEY_REGIONS
    if key_regions:
        keys = tuple(k.strip() for k in key_regions.replace("，", ",").split(",") if k.strip())
        bad = [k for k in keys if not k.isdigit() or len(k) > 6]
        if bad or not keys:
            raise InvalidInputError(f"重点地区代码前缀应为 1–6 位数字：{'、'.join(bad) or '（空）'}")
    return sim_model.SimSettings(feature=FeatureConfig(window_days=window_days, key_regions=keys))


def _factory() -> sessionmaker[Session]:
    from qiandai.store.database import make_engine, session_factory
    from qiandai.store.migrate import upgrade

    upgrade()
    return session_factory(make_engine())


@app.command("train")
def train(
    data: DataOpt,
    as_of: AsOfOpt = None,
    key_regions: KeyOpt = None,
    window_days: WindowOpt = 28,
    out: Annotated[
        Path | None, typer.Option("--model-dir", help="模型保存目录（默认 $QIANDAI_HOME/models/simcards）")
    ] = None,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
) -> None:
    """用带标注的号码训练涉诈电话卡模型（按号码固定划分、按时间先后切分），报告留出集指标。"""
    with user_errors(), console.status("正在计算特征并训练…"):
        result = sim_model.train(
            data,
            as_of=_as_of(as_of),
            cfg=_settings(key_regions, window_days),
            out=out,
            engine=check_engine(engine),
            spark_master=spark_master,
        )
    for line in result.summary_lines():
        console.print(line)


@app.command("evaluate")
def evaluate(
    data: DataOpt,
    as_of: AsOfOpt = None,
    key_regions: KeyOpt = None,
    window_days: WindowOpt = 28,
    model_dir: Annotated[Path | None, typer.Option("--model-dir", help="模型目录")] = None,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
) -> None:
    """在留出号码上评估已保存的模型：精确率、召回率、F1、AUC，并与仅规则对比。"""
    with user_errors():
        model = sim_model.load_model(model_dir)
        metrics = sim_model.evaluate(
            data,
            as_of=_as_of(as_of),
            cfg=_settings(key_regions, window_days),
            model=model,
            engine=check_engine(engine),
            spark_master=spark_master,
        )
    for line in metrics.summary_lines():
        console.print(line)


@app.command("score")
def score(
    data: DataOpt,
    as_of: AsOfOpt = None,
    key_regions: KeyOpt = None,
    window_days: WindowOpt = 28,
    top: Annotated[int, typer.Option("--top", min=0, help="显示排名前 N 的号码（号码脱敏）")] = 20,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="不用模型，只按规则评分")] = False,
    store: Annotated[
        bool, typer.Option("--store/--no-store", help="把评分批次保存到数据库（控制台可查看）")
    ] = True,
    out: Annotated[
        Path | None, typer.Option("--out", help="输出目录：写入 scores.parquet 与无效行清单 issues.csv")
    ] = None,
    model_dir: Annotated[Path | None, typer.Option("--model-dir", help="模型目录")] = None,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
) -> None:
    """为每个号码计算风险分、等级（高/中/低）与原因（命中规则及模型主要依据）。"""
    with user_errors():
        engine = check_engine(engine)
        model = None if rules_only else sim_model.load_model(model_dir)
        with console.status("正在评分…"):
            result = sim_model.score(
                data,
                as_of=_as_of(as_of),
                cfg=_settings(key_regions, window_days),
                model=model,
                use_model=not rules_only,
                engine=engine,
                spark_master=spark_master,
            )
        for line in result.report.summary_lines():
            console.print(line)
        counts = result.counts
        console.print(
            f"评分日期 {result.as_of}：共 {len(result.frame):,} 个号码，"
            f"高风险 {counts['高']:,}，中风险 {counts['中']:,}，低风险 {counts['低']:,}"
        )
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            frame = result.frame.copy()
            frame.to_parquet(out / "scores.parquet", index=False)
            write_issues_csv(result.report, out / "issues.csv")
            console.print(f"已写入 {out / 'scores.parquet'}（含完整号码，注意保密）与 {out / 'issues.csv'}")
        if store:
            from qiandai.simcards import repository
            from qiandai.store.database import unit_of_work

            metrics = model.manifest.get("metrics") if model is not None else None
            with unit_of_work(_factory()) as session:
                run, created = repository.store_run(session, result, Path(data), metrics)
                console.print(
                    f"评分批次 {run.id} {'已保存' if created else '此前已保存，未重复写入'}"
                    f"（保存前 {run.stored:,} 名）"
                )
    for row in result.frame.head(top).itertuples():
        why: list[str] = [str(r) for r in row.reasons]  # type: ignore[union-attr]
        top_features: list[str] = [str(t) for t in row.top_features]  # type: ignore[union-attr]
        reasons = "；".join(why + ([f"模型依据：{'、'.join(top_features)}"] if top_features else []))
        console.print(
            f"{row.rank:>4} {mask_phone(str(row.number))} {row.level} {row.score:5.1f}  {reasons}",
            soft_wrap=True,
        )


@app.command("runs")
def runs(limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 10) -> None:
    """列出最近的评分批次。"""
    from qiandai.simcards import repository
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        rows = repository.list_runs(session, limit)
        if not rows:
            console.print("尚无评分批次：请先运行 qiandai screening sim score")
        for r in rows:
            console.print(
                f"批次 {r.id}  评分日期 {r.as_of}  号码 {r.numbers:,}  高 {r.high:,}  中 {r.medium:,}  "
                f"无效行 {r.invalid_rows:,}"
            )


def datagen_cdr(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    numbers: Annotated[int, typer.Option("--numbers", min=50, help="号码数")] = 5000,
    days: Annotated[int, typer.Option("--days", min=7, max=366, help="天数")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子生成相同数据）")] = 42,
    fraud_rate: Annotated[
        float, typer.Option("--fraud-rate", min=0.001, max=0.2, help="涉诈号码比例")
    ] = 0.02,
    start: Annotated[str, typer.Option("--start", help="首日 YYYY-MM-DD")] = "2026-10-01",
    fmt: Annotated[str, typer.Option("--format", help="parquet 或 csv")] = "parquet",
) -> None:
    """生成带涉诈号码标注的合成通话详单、短信计数与用户资料（labels 表为标注）。"""
    from qiandai.datagen.cdr import generate_cdr

    with user_errors():
        first = _as_of(start)
        assert first is not None
        with console.status("正在生成话单…"):
            report = generate_cdr(
                out,
                numbers=numbers,
                days=days,
                seed=seed,
                start=first,
                fraud_rate=fraud_rate,
                fmt=fmt,  # type: ignore[arg-type]  # checked inside, with a Chinese message
            )
    for line in report.summary_lines():
        console.print(line)
