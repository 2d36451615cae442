"""Train, score and evaluate the SIM-card risk model (LightGBM, as in ADR 0008; split in ADR 0046).

Split, fixed and documented: a number is a **test** number when ``md5(number)`` (first 8 hex digits as
an integer) mod 100 ≥ 70, otherwise a training number — the same number is always on the same side.
Time-ordered: training features are computed as of ``as_of − holdout_days`` (records before that day
only), test features as of ``as_of``. No number is in both sets and no training feature sees a record
of the last ``holdout_days`` days.

The model is saved as ``model.txt`` (LightGBM text format) and ``manifest.json`` (features, params,
split, cut-off dates, held-out metrics) under ``$QIANDAI_HOME/models/simcards/``; nothing is
downloaded and nothing is unpickled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from qiandai import settings
from qiandai.batch.sql_engines import DuckDBEngine, SparkEngine, SqlEngine, check_engine
from qiandai.domain.errors import InputFileError, InvalidInputError, NotFoundError
from qiandai.simcards.features import FEATURES, FeatureConfig, compute_features, default_as_of
from qiandai.simcards.rules import apply_rules
from qiandai.simcards.schema import ReadReport, find_table, open_cdr

MODEL_FILE = "model.txt"
MANIFEST_FILE = "manifest.json"
TEST_BUCKET = 70  # md5 bucket (0–99) from which a number is held out
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "max_depth": 5,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "scale_pos_weight": 5.0,  # fraud numbers are ~2 %: lift their probabilities towards the 0.5 threshold
    "verbose": -1,
}
ROUNDS = 150
HIGH, MEDIUM = 0.5, 0.2  # probability thresholds of 高 / 中 risk
LEVELS = ("高", "中", "低")


def model_dir() -> Path:
    return settings.home() / "models" / "simcards"


@dataclass(frozen=True)
class SimSettings:
    feature: FeatureConfig = field(default_factory=FeatureConfig)
    holdout_days: int = 7


@contextmanager
def cdr_connection(
    folder: Path,
    *,
    memory_limit: str = "4GB",
    threads: int = 2,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> Iterator[tuple[SqlEngine, ReadReport]]:
    """An engine with the CDR views of ``folder`` registered and validated.

    ``engine="duckdb"``: an in-memory DuckDB connection (bounded memory and threads). ``"spark"``: the
    process's Spark session (``spark_master`` or ``$QIANDAI_SPARK_MASTER``, local mode by default); the
    folder must then be readable by every executor (shared storage).
    """
    if check_engine(engine) == "spark":
        spark = SparkEngine.start(spark_master)
        try:
            yield spark, open_cdr(Path(folder), spark)
        finally:
            spark.close()
        return
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET threads = {int(threads)}")
        con.execute("SET temp_directory = '/tmp/qiandai-duckdb-sim'")
        report = open_cdr(Path(folder), con)
        yield DuckDBEngine(con), report
    finally:
        con.close()


def split_bucket(numbers: pd.Series) -> np.ndarray:
    """The md5 bucket 0–99 of each number (the fixed split: ≥ 70 is held out)."""
    con = duckdb.connect()
    try:
        con.register("nums", pd.DataFrame({"number": numbers.astype(str).to_numpy()}))
        out = con.sql(
            "SELECT CAST(('0x' || substr(md5(number), 1, 8)) AS BIGINT) % 100 AS b FROM nums"
        ).fetchnumpy()["b"]
    finally:
        con.close()
    return np.asarray(out, dtype=np.int64)


def load_labels(folder: Path) -> pd.DataFrame:
    """``labels`` table of a CDR folder: number, is_fraud (bool), kind."""
    path = find_table(Path(folder), "labels")
    if path is None:
        raise InputFileError(
            str(Path(folder) / "labels.parquet"),
            "缺少标注表 labels（number、is_fraud、kind），无法训练或评估",
        )
    frame = (
        pd.read_parquet(path)
        if path.suffix == ".parquet"
        else pd.read_csv(path, dtype={"number": str, "kind": str})
    )
    missing = [c for c in ("number", "is_fraud") if c not in frame.columns]
    if missing:
        raise InputFileError(str(path), f"缺少必需列 {'、'.join(missing)}")
    truthy = frame["is_fraud"].astype(str).str.lower().isin(["true", "1", "是", "yes"])
    out = pd.DataFrame({"number": frame["number"].astype(str), "is_fraud": truthy})
    out["kind"] = (
        frame["kind"].astype(str) if "kind" in frame.columns else np.where(truthy, "fraud", "normal")
    )
    return out.drop_duplicates("number")


def _labelled(features: pd.DataFrame, labels: pd.DataFrame, test: bool) -> pd.DataFrame:
    frame = features.merge(labels, on="number", how="inner")
    bucket = split_bucket(frame["number"])
    return frame[(bucket >= TEST_BUCKET) if test else (bucket < TEST_BUCKET)].reset_index(drop=True)


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    return frame[list(FEATURES)].to_numpy(dtype=np.float64)


@dataclass
class Metrics:
    numbers: int
    positives: int
    auc: float | None
    precision: float
    recall: float
    f1: float
    rules_precision: float
    rules_recall: float
    rules_f1: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary_lines(self) -> list[str]:
        auc = "—" if self.auc is None else f"{self.auc:.3f}"
        return [
            f"留出集：{self.numbers:,} 个号码，其中涉诈 {self.positives:,} 个",
            f"模型（概率 ≥ {HIGH} 判为高风险）：精确率 {self.precision:.3f}，召回率 {self.recall:.3f}，"
            f"F1 {self.f1:.3f}，AUC {auc}",
            f"仅规则（任一规则命中）：精确率 {self.rules_precision:.3f}，召回率 {self.rules_recall:.3f}，"
            f"F1 {self.rules_f1:.3f}",
        ]


def _metrics(y: np.ndarray, prob: np.ndarray, rules_hit: np.ndarray) -> Metrics:
    pred = prob >= HIGH
    auc = float(roc_auc_score(y, prob)) if 0 < y.sum() < len(y) else None
    kw: dict[str, Any] = {"zero_division": 0}
    return Metrics(
        numbers=len(y),
        positives=int(y.sum()),
        auc=auc,
        precision=float(precision_score(y, pred, **kw)),
        recall=float(recall_score(y, pred, **kw)),
        f1=float(f1_score(y, pred, **kw)),
        rules_precision=float(precision_score(y, rules_hit, **kw)),
        rules_recall=float(recall_score(y, rules_hit, **kw)),
        rules_f1=float(f1_score(y, rules_hit, **kw)),
    )


@dataclass
class SimModel:
    booster: lgb.Booster
    manifest: dict[str, Any]

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.booster.predict(_matrix(frame)), dtype=np.float64)

    def contributions(self, frame: pd.DataFrame) -> np.ndarray:
        """TreeSHAP contributions per feature (last column, the bias, dropped)."""
        out = np.asarray(self.booster.predict(_matrix(frame), pred_contrib=True), dtype=np.float64)
        return out[:, :-1]


def save_model(model: SimModel, out: Path | None = None) -> Path:
    out = out or model_dir()
    out.mkdir(parents=True, exist_ok=True)
    model.booster.save_model(str(out / MODEL_FILE))
    (out / MANIFEST_FILE).write_text(
        json.dumps(model.manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return out


def load_model(folder: Path | None = None) -> SimModel:
    folder = folder or model_dir()
    if not (folder / MODEL_FILE).exists() or not (folder / MANIFEST_FILE).exists():
        raise NotFoundError(f"未找到电话卡风险模型（{folder}）：请先运行 qiandai screening sim train")
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    if manifest.get("features") != list(FEATURES):
        raise InvalidInputError("模型的特征列表与当前版本不一致，请重新训练（qiandai screening sim train）")
    return SimModel(lgb.Booster(model_file=str(folder / MODEL_FILE)), manifest)


@dataclass
class TrainResult:
    model: SimModel
    metrics: Metrics
    train_numbers: int
    train_positives: int
    train_as_of: date
    test_as_of: date
    path: Path | None = None

    def summary_lines(self) -> list[str]:
        return [
            f"训练集：{self.train_numbers:,} 个号码（涉诈 {self.train_positives:,} 个），"
            f"特征截至 {self.train_as_of}（不含当日）",
            f"测试集特征截至 {self.test_as_of}（不含当日），与训练集号码不重叠",
            *self.metrics.summary_lines(),
            *([f"模型已保存：{self.path}"] if self.path else []),
        ]


def _cutoffs(con: SqlEngine, as_of: date | None, cfg: SimSettings) -> tuple[date, date]:
    test_as_of = as_of or default_as_of(con)
    return test_as_of - timedelta(days=cfg.holdout_days), test_as_of


def _holdout(con: SqlEngine, labels: pd.DataFrame, as_of: date, cfg: SimSettings, model: SimModel) -> Metrics:
    test = _labelled(compute_features(con, as_of, cfg.feature), labels, test=True)
    if test.empty:
        raise InvalidInputError("留出集中没有带标注的号码，无法评估")
    codes, _ = apply_rules(test)
    rules_hit = np.array([bool(c) for c in codes])
    return _metrics(test["is_fraud"].to_numpy(dtype=int), model.predict(test), rules_hit)


def train(
    folder: Path,
    *,
    as_of: date | None = None,
    cfg: SimSettings | None = None,
    out: Path | None = None,
    save: bool = True,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> TrainResult:
    """Fit on training numbers at ``as_of − holdout_days``; report metrics on test numbers at ``as_of``."""
    cfg = cfg or SimSettings()
    labels = load_labels(folder)
    with cdr_connection(folder, engine=engine, spark_master=spark_master) as (con, _report):
        train_as_of, test_as_of = _cutoffs(con, as_of, cfg)
        tr = _labelled(compute_features(con, train_as_of, cfg.feature), labels, test=False)
        y = tr["is_fraud"].to_numpy(dtype=int)
        if y.sum() < 5 or y.sum() == len(y):
            raise InvalidInputError(f"训练集涉诈号码过少（{int(y.sum())} 个），至少需要 5 个正例和若干负例")
        booster = lgb.train(
            PARAMS, lgb.Dataset(_matrix(tr), label=y, feature_name=list(FEATURES)), num_boost_round=ROUNDS
        )
        manifest: dict[str, Any] = {
            "kind": "simcards-risk",
            "features": list(FEATURES),
            "feature_labels": FEATURES,
            "params": PARAMS,
            "rounds": ROUNDS,
            "lightgbm_version": lgb.__version__,
            "split": {
                "method": "md5(number)[:8] mod 100",
                "test_from_bucket": TEST_BUCKET,
                "holdout_days": cfg.holdout_days,
            },
            "train_as_of": train_as_of.isoformat(),
            "test_as_of": test_as_of.isoformat(),
            "window_days": cfg.feature.window_days,
            "key_regions": list(cfg.feature.key_regions),
            "train_numbers": len(tr),
            "train_positives": int(y.sum()),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data": str(Path(folder).resolve()),
            "thresholds": {"high": HIGH, "medium": MEDIUM},
        }
        model = SimModel(booster, manifest)
        metrics = _holdout(con, labels, test_as_of, cfg, model)
    model.manifest["metrics"] = metrics.as_dict()
    result = TrainResult(model, metrics, len(tr), int(y.sum()), train_as_of, test_as_of)
    if save:
        result.path = save_model(model, out)
    return result


def evaluate(
    folder: Path,
    *,
    as_of: date | None = None,
    cfg: SimSettings | None = None,
    model: SimModel | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> Metrics:
    """Held-out metrics of a saved model on the test numbers of ``folder`` at ``as_of``."""
    cfg = cfg or SimSettings()
    model = model or load_model()
    labels = load_labels(folder)
    with cdr_connection(folder, engine=engine, spark_master=spark_master) as (con, _report):
        _train_as_of, test_as_of = _cutoffs(con, as_of, cfg)
        return _holdout(con, labels, test_as_of, cfg, model)


@dataclass
class ScoreResult:
    as_of: date
    frame: pd.DataFrame  # number, score, level, rules, reasons, top_features (+ features), ranked
    report: ReadReport
    model_trained_at: str | None

    @property
    def counts(self) -> dict[str, int]:
        vc = self.frame["level"].value_counts()
        return {lv: int(vc.get(lv, 0)) for lv in LEVELS}


def _top_features(model: SimModel, frame: pd.DataFrame, k: int = 3) -> list[list[str]]:
    contrib = model.contributions(frame)
    names = np.array(list(FEATURES.values()), dtype=object)
    order = np.argsort(-contrib, axis=1)[:, :k]
    values = _matrix(frame)
    cols = []
    for j in range(k):
        idx = order[:, j]
        positive = contrib[np.arange(len(frame)), idx] > 0
        val = pd.Series(values[np.arange(len(frame)), idx]).round(2).astype(str).to_numpy(dtype=object)
        text = names[idx] + "=" + val
        cols.append(np.where(positive, text, None))
    stacked = np.stack(cols, axis=1) if cols else np.empty((len(frame), 0), dtype=object)
    return [[t for t in row if t is not None] for row in stacked.tolist()]


def score_frame(features: pd.DataFrame, model: SimModel | None) -> pd.DataFrame:
    """Score a feature frame: probability (model, or rules alone without one), level, reasons, ranked."""
    codes, reasons = apply_rules(features)
    n_rules = np.array([len(c) for c in codes])
    if model is not None:
        prob = model.predict(features)
        top = _top_features(model, features)
    else:
        prob = np.minimum(1.0, 0.3 * n_rules)
        top = [[] for _ in range(len(features))]
    level = np.where(prob >= HIGH, "高", np.where((prob >= MEDIUM) | (n_rules >= 2), "中", "低"))
    out = features.copy()
    out["score"] = np.round(prob * 100, 1)
    out["level"] = level
    out["rules"] = codes
    out["reasons"] = reasons
    out["top_features"] = top
    out = out.sort_values(["score", "number"], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def score(
    folder: Path,
    *,
    as_of: date | None = None,
    cfg: SimSettings | None = None,
    model: SimModel | None = None,
    use_model: bool = True,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> ScoreResult:
    """Score every subscriber of ``folder`` as of ``as_of`` (default: the day after the last record)."""
    cfg = cfg or SimSettings()
    if use_model and model is None:
        model = load_model()
    with cdr_connection(folder, engine=engine, spark_master=spark_master) as (con, report):
        day = as_of or default_as_of(con)
        features = compute_features(con, day, cfg.feature)
    frame = score_frame(features, model if use_model else None)
    trained = model.manifest.get("trained_at") if (use_model and model is not None) else None
    return ScoreResult(day, frame, report, trained)
