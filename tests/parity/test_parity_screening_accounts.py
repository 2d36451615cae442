"""DuckDB/Spark parity of the mule-account screening (``qiandai screening accounts``).

The same transfers are screened twice by :mod:`qiandai.cards.runs` — once on DuckDB, once with the
features and the flow stage on Spark in local mode — and must give the same accounts, the same feature
values, the same scores, grades and Chinese reasons, and the same networks. Feature columns are compared
exactly, except sums of money (``f_in_amount``, ``f_out_amount`` and the ratios built on them), whose
floating-point summation order legitimately differs between engines; those use a relative tolerance of
1e-12 (see ``screening_parity_helpers``).

Engine gaps: a column known to differ on Spark goes into :data:`SPARK_GAPS` with the reason; its test is
``xfail(strict=True)`` so it fails the day the gap closes. There are none today.

Not compared: ``community_id``. The Louvain step (``cards/network.py``) builds its graph in the row order
of a DuckDB query, and that order already changes with DuckDB's thread count (1 vs 2 threads on the same
data gives different community numbers), so it is not an engine property; network membership
(``network_id``), the number of communities per network and every network figure are compared. Edges of a
network's ``links`` list are compared as a set, for the same reason (ties in amount keep query order).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from screening_parity_helpers import assert_columns_equal, spark_engine
from typer.testing import CliRunner

from qiandai.batch.sql_engines import EngineGapError, SparkEngine, to_spark_sql
from qiandai.cards import runs, source, synth
from qiandai.cards.screening import FEATURE_COLUMNS, ScreeningParams, ScreeningResult, feature_tables
from qiandai.cli.main import app
from qiandai.datagen.transfers import generate_transfers

# On Spark every rule or feature statement is a few jobs with a fixed cost, so a larger data set mostly
# repeats the short-form comparison above at several times its run time: CI runs that short form, and
# the larger comparison runs where QIANDAI_SCALE is set (e.g. QIANDAI_SCALE=100000).
SPARK_AT_SCALE = pytest.mark.skipif(
    "QIANDAI_SCALE" not in os.environ, reason="Spark 大数据量对比：设置 QIANDAI_SCALE 后运行"
)

pytestmark = pytest.mark.spark

#: Feature columns that are sums of doubles (or ratios of them): compared with a 1e-12 tolerance.
FLOAT_SUMS = (
    "f_in_amount",
    "f_out_amount",
    "f_pass_ratio",
    "f_fast_share",
    "f_from_suspicious_share",
)
GRADING = ("score", "grade", "base_score", "flow_points", "reasons", "network_id")
#: column -> reason, for columns known to differ on Spark (xfail strict). Empty: no known gap.
SPARK_GAPS: dict[str, str] = {}
CUT_OFF = synth.START + timedelta(days=25)


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkEngine]:
    yield spark_engine()


def _synthetic() -> pd.DataFrame:
    """Synthetic transfers with two mule gangs, plus one row per rejection reason."""
    frame, _mules = synth.generate(6000, seed=3)
    at = synth.START + timedelta(days=3)
    bad = pd.DataFrame(
        {
            "payer_account": ["", "6222000000000001", "6222000000000002", "6222000000000003", "6" * 40],
            "payee_account": [
                "6222000000000009",
                "6222000000000001",
                "6222000000000008",
                "6222000000000007",
                "1",
            ],
            "amount": [10.0, 10.0, -5.0, 20.0, 30.0],
            "occurred_at": [at, at, at, pd.NaT, at],
            "device_id": ["d1"] * 5,
            "ip": ["i1"] * 5,
            "transfer_id": [f"bad-{i}" for i in range(5)],
        }
    )
    bad["occurred_at"] = pd.to_datetime(bad["occurred_at"], utc=True)
    return pd.concat([frame, bad], ignore_index=True)


@pytest.fixture(scope="module")
def synthetic_runs(spark: SparkEngine) -> dict[str, tuple[source.Loaded, ScreeningResult]]:
    frame = _synthetic()
    return {
        "duckdb": runs.run_from_frame(frame, as_of=CUT_OFF),
        "spark": runs.run_from_frame(frame, as_of=CUT_OFF, engine="spark"),
    }


@pytest.fixture(scope="module")
def datagen_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("transfers")
    generate_transfers(out, customers=300, days=30, seed=5)
    return out


def _gap_params(columns: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=SPARK_GAPS[c])) if c in SPARK_GAPS else c
        for c in columns
    ]


@pytest.mark.parametrize("column", _gap_params(FEATURE_COLUMNS))
def test_feature_values_are_identical(
    synthetic_runs: dict[str, tuple[source.Loaded, ScreeningResult]], column: str
) -> None:
    duck, spark = synthetic_runs["duckdb"][1], synthetic_runs["spark"][1]
    assert len(duck.accounts) > 500
    assert_columns_equal(duck.accounts, spark.accounts, "account", [column], FLOAT_SUMS)


def test_scores_grades_and_reasons_are_identical(
    synthetic_runs: dict[str, tuple[source.Loaded, ScreeningResult]],
) -> None:
    duck, spark = synthetic_runs["duckdb"][1], synthetic_runs["spark"][1]
    assert duck.count("高") >= 10  # the gangs are found, so the comparison covers every stage
    assert_columns_equal(duck.accounts, spark.accounts, "account", GRADING)
    assert duck.accounts["account"].tolist() == spark.accounts["account"].tolist()  # same ranking
    assert duck.transfers == spark.transfers


def test_loading_counts_the_same_rejections(
    synthetic_runs: dict[str, tuple[source.Loaded, ScreeningResult]],
) -> None:
    duck, spark = synthetic_runs["duckdb"][0], synthetic_runs["spark"][0]
    assert (duck.rows, duck.kept, duck.rejected) == (spark.rows, spark.kept, spark.rejected)
    assert len(duck.rejected) == 6  # five bad rows, one per reason, plus the rows after the cut-off
    assert duck.rejected["晚于筛查截止时间（不参与本次筛查）"] > 0


def _links(networks: pd.DataFrame) -> list[tuple[int, list[str]]]:
    return [(int(n["total"]), sorted(map(str, n["edges"]))) for n in networks["links"]]


def test_networks_are_identical(synthetic_runs: dict[str, tuple[source.Loaded, ScreeningResult]]) -> None:
    duck, spark = synthetic_runs["duckdb"][1].networks, synthetic_runs["spark"][1].networks
    assert len(duck) >= 2
    columns = ["size", "high", "communities", "flow_in", "flow_internal", "flow_out"]
    assert_columns_equal(duck, spark, "network_id", columns, ("flow_in", "flow_internal", "flow_out"))
    assert _links(duck) == _links(spark)


def test_spark_dwell_fragment_equals_the_asof_join_on_duckdb() -> None:
    """The one engine-specific fragment (last incoming transfer before each outgoing one): its portable
    window form, run on DuckDB, gives exactly the ASOF join's dwell and fast-out figures."""
    frame, _ = synth.generate(6000, seed=9)
    con = source.connect()
    try:
        source.load_frame(con, frame)
        params = ScreeningParams()
        tables = dict(feature_tables(params, "duckdb"))
        for name in ("txh", "pairs", "names"):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {tables[name]}")
        asof = con.execute(tables["feat"]).df()
        window = con.execute(dict(feature_tables(params, "spark"))["feat"]).df()
    finally:
        con.close()
    assert_columns_equal(asof, window, "h", ["f_dwell_median_min", "f_fast_share"], ("f_fast_share",))


def test_transpiler_reproduces_duckdb_epoch_bit_for_bit(spark: SparkEngine) -> None:
    """Transfer times become epoch seconds on both engines; the dwell and fast-out rules compare them."""
    micros = [1_740_787_200_000_000 + i * 7_919_777_331 + (i * 104_729) % 1_000_000 for i in range(500)]
    stamps = pd.DataFrame({"t": pd.to_datetime(pd.Series(micros), unit="us", utc=True)})
    con = duckdb.connect()
    try:
        con.register("stamps", stamps)
        duck = con.execute("SELECT epoch(t) AS e FROM stamps").df()["e"]
    finally:
        con.close()
    spark.register("stamps", stamps)
    try:
        sp = spark.frame("SELECT epoch(t) AS e FROM stamps")["e"]
    finally:
        spark.drop("stamps")
    assert duck.tolist() == sp.tolist()


def test_transpiler_rewrites() -> None:
    sql = to_spark_sql("SELECT hash(a) AS h, x / 1.0 AS r FROM t SEMI JOIN u ON u.k = t.k")
    assert "XXHASH64(a)" in sql and "CAST(1.0 AS DOUBLE)" in sql and "SEMI JOIN" in sql
    with pytest.raises(EngineGapError):
        to_spark_sql("SELECT * FROM a ASOF JOIN b ON a.k = b.k AND a.t >= b.t")


def test_cli_evaluate_on_spark_prints_what_duckdb_prints(spark: SparkEngine, datagen_folder: Path) -> None:
    """The realistic generator's Parquet file read by Spark itself: same load counts, same precision,
    recall, F1 and AUC against the labels (every figure of the printed evaluation)."""
    runner = CliRunner()
    args = [
        "screening",
        "accounts",
        "evaluate",
        "--transfers",
        str(datagen_folder / "transfers.parquet"),
        "--truth",
        str(datagen_folder / "truth.parquet"),
    ]
    duck = runner.invoke(app, args)
    on_spark = runner.invoke(app, [*args, "--engine", "spark", "--spark-master", "local[2]"])
    assert duck.exit_code == 0, duck.output
    assert on_spark.exit_code == 0, on_spark.output
    assert "精确率" in duck.output
    assert on_spark.output == duck.output


def test_cli_refuses_an_unknown_engine(datagen_folder: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "screening",
            "accounts",
            "evaluate",
            "--transfers",
            str(datagen_folder),
            "--truth",
            str(datagen_folder),
            "--engine",
            "hive",
        ],
    )
    assert result.exit_code == 2
    assert "未知的计算引擎" in result.output


@pytest.mark.scale
@SPARK_AT_SCALE
def test_parity_at_scale(spark: SparkEngine) -> None:
    """The same comparison on more data (``QIANDAI_SCALE`` transfers, default 20 000)."""
    frame, _ = synth.generate(int(os.environ.get("QIANDAI_SCALE", "20000")), seed=17)
    duck = runs.run_from_frame(frame)[1]
    on_spark = runs.run_from_frame(frame, engine="spark")[1]
    assert_columns_equal(duck.accounts, on_spark.accounts, "account", FEATURE_COLUMNS, FLOAT_SUMS)
    assert_columns_equal(duck.accounts, on_spark.accounts, "account", GRADING)
