"""The three model jobs behind ``qiandai claims model train / score / evaluate``.

Contract: each job takes paths, builds the dataset in a temporary working folder (removed afterwards),
and returns plain results; the command line only parses and presents. Labels come from exactly one of
``truth`` (the generator's ground truth → visit level) or ``labels`` (reviewer decisions → visit level;
provider labels → institution level), optionally renamed by the ``[labels]`` section of a mapping file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from qiandai.claims.model.dataset import Dataset, build_dataset
from qiandai.claims.model.labels import Labels, file_labels, truth_labels
from qiandai.claims.model.mapping import ColumnMapping, load_mapping
from qiandai.claims.model.score import score_dataset, write_scores
from qiandai.claims.model.train import (
    DEFAULT_KS,
    TrainedModel,
    evaluate_model,
    load_model,
    save_model,
    train_model,
)
from qiandai.domain.errors import InvalidInputError


@dataclass(frozen=True)
class DataSource:
    """Where the claims are and how to read them."""

    folder: Path
    mapping: Path | None = None
    suspects: Path | None = None

    def column_mapping(self) -> ColumnMapping | None:
        return load_mapping(self.mapping) if self.mapping else None


def load_labels(source: DataSource, truth: Path | None, labels: Path | None) -> Labels:
    """Labels from exactly one of ``truth`` and ``labels`` (see the module docstring)."""
    if (truth is None) == (labels is None):
        raise InvalidInputError(
            "请给出且只给出一种标注：--truth（生成数据的标注）或 --labels（审核结论/机构标注）"
        )
    if truth is not None:
        return truth_labels(truth)
    assert labels is not None
    mapping = source.column_mapping()
    return file_labels(labels, mapping.labels if mapping else None, source.suspects)


def _dataset(source: DataSource, level: str, work: Path) -> Dataset:
    return build_dataset(
        source.folder, work, level, suspects=source.suspects, mapping=source.column_mapping()
    )


def check_test_fraction(test_fraction: float) -> None:
    """Refuse a held-out share outside (0, 1) with a clear message (before any data is read)."""
    if not 0 < test_fraction < 1:
        raise InvalidInputError(
            f"参数 --test-fraction（留出集比例）须大于 0 且小于 1，实际为 {test_fraction:g}；"
            "例如 0.25 表示留出 25% 的标注样本用于评估"
        )


def train_job(
    source: DataSource,
    out_dir: Path,
    *,
    truth: Path | None = None,
    labels: Path | None = None,
    seed: int = 7,
    test_fraction: float = 0.25,
    ks: Sequence[int] = DEFAULT_KS,
) -> TrainedModel:
    """Build the dataset at the labels' level, train, save to ``out_dir``; return the model."""
    check_test_fraction(test_fraction)
    lab = load_labels(source, truth, labels)
    with tempfile.TemporaryDirectory(prefix="qiandai-model-") as tmp:
        ds = _dataset(source, lab.level, Path(tmp))
    model = train_model(ds, lab, seed=seed, test_fraction=test_fraction, ks=ks)
    model.manifest["data"] = {"folder": str(source.folder), "mapping": str(source.mapping or ""),
                              "suspects": str(source.suspects or "")}  # fmt: skip
    save_model(model, out_dir)
    return model


def score_job(source: DataSource, model_dir: Path, out_dir: Path) -> tuple[pa.Table, pa.Table, list[Path]]:
    """Score ``source`` with the model in ``model_dir``; write and return (rows, institutions, paths)."""
    model = load_model(model_dir)
    with tempfile.TemporaryDirectory(prefix="qiandai-model-") as tmp:
        ds = _dataset(source, model.manifest["level"], Path(tmp))
    rows, institutions = score_dataset(model, ds)
    paths = write_scores(rows, institutions, out_dir, model.manifest)
    return rows, institutions, paths


def evaluate_job(
    source: DataSource,
    model_dir: Path,
    *,
    truth: Path | None = None,
    labels: Path | None = None,
    ks: Sequence[int] = DEFAULT_KS,
) -> dict[str, Any]:
    """Metrics of the saved model on ``source`` (held-out rows when it is the training data)."""
    model = load_model(model_dir)
    lab = load_labels(source, truth, labels)
    if lab.level != model.manifest["level"]:
        raise InvalidInputError(f"标注层级（{lab.level}）与模型层级（{model.manifest['level']}）不一致")
    with tempfile.TemporaryDirectory(prefix="qiandai-model-") as tmp:
        ds = _dataset(source, lab.level, Path(tmp))
    metrics = evaluate_model(model, ds, lab, ks)
    metrics["level"] = lab.level
    metrics["training_held_out"] = model.manifest["metrics"]["held_out"]
    return metrics
