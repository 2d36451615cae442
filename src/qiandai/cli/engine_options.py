"""``--engine duckdb|spark`` and ``--spark-master URL``: the batch-engine options shared by the commands
that run claims rules, indicators or screening features (see ``docs/spark.md``)."""

from __future__ import annotations

from typing import Annotated

import typer

from qiandai.batch.engines import EngineChoiceError, check_engine

EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="计算引擎：duckdb（默认，单机）或 spark（本地模式或集群，需安装 PySpark 与 Java 17；"
        "规则、特征、分级与模型为同一套定义）",
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="Spark 主节点地址，如 local[4]、spark://主机:7077、yarn；"
        "默认取环境变量 QIANDAI_SPARK_MASTER，否则 local[2]",
    ),
]


def engine_choice(engine: str, spark_master: str | None) -> str:
    """Validate ``--engine`` (a Chinese BadParameter for an unknown name or a master without Spark)."""
    try:
        name = check_engine(engine)
    except EngineChoiceError as exc:
        raise typer.BadParameter(exc.message, param_hint="--engine") from None
    if spark_master and name != "spark":
        raise typer.BadParameter("--spark-master 只能与 --engine spark 一起使用", param_hint="--spark-master")
    return name
