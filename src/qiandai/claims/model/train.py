"""Train the risk model (LightGBM), measure it on a held-out split, save it without pickle.

Contract:
- :func:`train_model` fits a binary LightGBM model with fixed, deterministic parameters
  (:data:`BASE_PARAMS`: ``deterministic``, ``force_row_wise``, two threads, a fixed seed) on the labelled
  rows outside the held-out split (:func:`.evaluation.held_out_mask`) and reports ROC AUC, PR AUC and
  precision@k on the held-out rows. The saved model is the one measured (trained without the held-out).
- :func:`save_model` writes ``model.txt`` (LightGBM's text format) and ``manifest.json`` (level, features
  with Chinese names, parameters, rounds, split, labels, metrics, data hash, versions); :func:`load_model`
  reads them back. No pickle anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from qiandai.claims.model.dataset import Dataset
from qiandai.claims.model.evaluation import held_out_mask, ranking_metrics
from qiandai.claims.model.labels import Labels
from qiandai.domain.errors import InvalidInputError

MODEL_FILE = "model.txt"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1
DEFAULT_KS = (10, 50)
BASE_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "max_depth": 5,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}
ROUNDS = 100  # small trees: TreeSHAP explanations cost O(rounds · leaves · depth²) per row


@dataclass
class TrainedModel:
    """A booster and its manifest (what :func:`load_model` returns, too)."""

    booster: lgb.Booster
    manifest: dict[str, Any]

    @property
    def feature_ids(self) -> list[str]:
        return [f["id"] for f in self.manifest["features"]]

    @property
    def feature_names(self) -> list[str]:
        return [f["name"] for f in self.manifest["features"]]


def _predict(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    """Probabilities of the positive class as a float64 vector."""
    return np.asarray(booster.predict(x), dtype=np.float64)


def _params(seed: int, n_train: int) -> dict[str, Any]:
    # Small institution-level sets need small leaves; the rule is fixed, so training stays deterministic.
    return {**BASE_PARAMS, "seed": seed, "min_data_in_leaf": int(min(20, max(2, n_train // 20)))}


def train_model(
    ds: Dataset,
    labels: Labels,
    *,
    seed: int = 7,
    test_fraction: float = 0.25,
    ks: Sequence[int] = DEFAULT_KS,
) -> TrainedModel:
    """Fit on the labelled training rows and measure on the held-out rows (see the module docstring)."""
    if labels.level != ds.level:
        raise InvalidInputError(f"标注层级（{labels.level}）与数据集层级（{ds.level}）不一致")
    y_all = ds.label_vector(labels)
    labelled = ~np.isnan(y_all)
    y = y_all[labelled].astype(np.int8)
    if int(y.sum()) < 2 or int((1 - y).sum()) < 2:
        raise InvalidInputError(
            f"可用标注过少：正例 {int(y.sum())}、负例 {int((1 - y).sum())}（各至少 2 个）"
        )
    ids = [s.id for s in ds.specs]
    x = ds.matrix(ids)[labelled]
    test = held_out_mask(ds.groups[labelled], y, test_fraction, seed)
    params = _params(seed, int((~test).sum()))
    train_set = lgb.Dataset(x[~test], label=y[~test], feature_name=[f"f{i}" for i in range(len(ids))],
                            free_raw_data=True)  # fmt: skip
    booster = lgb.train(params, train_set, num_boost_round=ROUNDS)
    held_out = ranking_metrics(y[test], _predict(booster, x[test]), ks)
    training = ranking_metrics(y[~test], _predict(booster, x[~test]), ks)
    manifest = {
        "format": FORMAT_VERSION,
        "level": ds.level,
        "features": [{"id": s.id, "name": s.name} for s in ds.specs],
        "params": params,
        "num_boost_round": ROUNDS,
        "split": {
            "seed": seed,
            "test_fraction": test_fraction,
            "group_by": "psn_no" if ds.level == "visit" else "fixmedins_code",
            "train_rows": int((~test).sum()),
            "test_rows": int(test.sum()),
        },
        "labels": {
            "source": labels.source,
            "level": labels.level,
            "complete": labels.complete,
            "labelled_rows": int(labelled.sum()),
            "positives": int(y.sum()),
        },
        "metrics": {"held_out": held_out, "training": training},
        "data_hash": ds.data_hash,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "lightgbm_version": lgb.__version__,
    }
    return TrainedModel(booster, manifest)


def save_model(model: TrainedModel, out_dir: Path) -> Path:
    """Write ``model.txt`` and ``manifest.json`` into ``out_dir``; return the folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model.booster.save_model(str(out_dir / MODEL_FILE))
    text = json.dumps(model.manifest, ensure_ascii=False, indent=2)
    (out_dir / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")
    return out_dir


def load_model(model_dir: Path) -> TrainedModel:
    """Read a model folder written by :func:`save_model` (raise :class:`InvalidInputError` otherwise)."""
    manifest_path, model_path = model_dir / MANIFEST_FILE, model_dir / MODEL_FILE
    if not manifest_path.exists() or not model_path.exists():
        raise InvalidInputError(f"模型目录 {model_dir} 缺少 {MODEL_FILE} 或 {MANIFEST_FILE}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise InvalidInputError(f"不支持的模型格式版本：{manifest.get('format')}")
    return TrainedModel(lgb.Booster(model_file=str(model_path)), manifest)


def evaluate_model(
    model: TrainedModel, ds: Dataset, labels: Labels, ks: Sequence[int] = DEFAULT_KS
) -> dict[str, Any]:
    """Metrics of ``model`` on ``ds``: on the held-out rows when ``ds`` is the training data (same data
    hash and label source), else on every labelled row."""
    y_all = ds.label_vector(labels)
    labelled = ~np.isnan(y_all)
    y = y_all[labelled].astype(np.int8)
    x = ds.matrix(model.feature_ids)[labelled]
    m = model.manifest
    same = ds.data_hash == m["data_hash"] and labels.source == m["labels"]["source"]
    rows = np.ones(len(y), dtype=bool)
    if same:
        split = m["split"]
        rows = held_out_mask(ds.groups[labelled], y, split["test_fraction"], split["seed"])
    metrics = ranking_metrics(y[rows], _predict(model.booster, x[rows]), ks)
    metrics["rows_evaluated"] = "held_out" if same else "all_labelled"
    return metrics
