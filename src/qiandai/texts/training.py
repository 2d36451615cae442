"""Labelled data, training, held-out evaluation, and the default model.

A labelled CSV has the columns ``text`` and ``label`` (``kind`` and ``note`` optional). Labels are method
ids (``order_brushing``) or Chinese method names (``刷单返利``); ``normal`` / ``非诈骗`` marks texts
that are not fraud. Evaluation uses ONE fixed stratified split (``test_size`` 0.25, seed 20231): the
same file always gives the same figures.

The default model is trained from the shipped seed corpus on first use and cached in
``$QIANDAI_HOME/texts/models/seed-<corpus hash>/``; a model trained with ``qiandai texts train`` is saved in
``$QIANDAI_HOME/texts/models/active/`` and replaces the default.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split

from qiandai.domain.errors import InputFileError, InvalidInputError
from qiandai.texts.classifier import SEED, TextClassifier
from qiandai.texts.methods import NEGATIVE_LABEL, MethodBook
from qiandai.texts.normalize import MAX_TEXT_CHARS, normalize

TEST_SIZE = 0.25
_NEGATIVE_NAMES = {"normal", "非诈骗", "正常", "negative"}


@dataclass(frozen=True)
class LabelledData:
    texts: list[str]
    labels: list[str]
    source: str
    sha256: str


def read_labelled_csv(content: str, source: str, book: MethodBook) -> LabelledData:
    """Parse labelled CSV text; raises :class:`InputFileError` with row numbers on bad rows."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
        raise InputFileError(source, "缺少必需的列 text、label（表头示例：text,label,kind,note）")
    names = {m.name: m.id for m in book.methods}
    texts, labels = [], []
    for i, row in enumerate(reader, start=2):
        text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
        if not text or not label:
            raise InputFileError(source, f"第 {i} 行的 text 或 label 为空")
        if len(text) > MAX_TEXT_CHARS:
            raise InputFileError(source, f"第 {i} 行文本过长（{len(text)} 字，上限 {MAX_TEXT_CHARS}）")
        texts.append(text)
        labels.append(NEGATIVE_LABEL if label in _NEGATIVE_NAMES else names.get(label, label))
    if not texts:
        raise InputFileError(source, "没有任何数据行")
    return LabelledData(texts, labels, source, hashlib.sha256(content.encode("utf-8")).hexdigest())


def read_labelled_file(path: Path, book: MethodBook) -> LabelledData:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(str(path), f"无法读取（需 UTF-8 编码的 CSV）：{exc}") from None
    return read_labelled_csv(content, str(path), book)


def seed_corpus(book: MethodBook) -> LabelledData:
    """The shipped, hand-written seed corpus (``texts/data/seed_corpus.csv``)."""
    content = resources.files("qiandai.texts").joinpath("data/seed_corpus.csv").read_text(encoding="utf-8")
    return read_labelled_csv(content, "内置种子语料", book)


def train(data: LabelledData) -> TextClassifier:
    """Fit a classifier on all rows of ``data``."""
    return TextClassifier.fit(
        [normalize(t) for t in data.texts],
        data.labels,
        meta={"source": data.source, "corpus_sha256": data.sha256},
    )


@dataclass(frozen=True)
class ClassMetrics:
    label: str
    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvaluationReport:
    """Held-out figures: per class P/R/F1, macro-F1, accuracy, confusion matrix (rows = truth)."""

    source: str
    n_train: int
    n_test: int
    classes: tuple[ClassMetrics, ...]
    macro_f1: float
    accuracy: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    cv_macro_f1: tuple[float, ...] = ()


def _split(data: LabelledData, test_size: float) -> tuple[list[int], list[int]]:
    counts: dict[str, int] = {}
    for label in data.labels:
        counts[label] = counts.get(label, 0) + 1
    small = sorted(lbl for lbl, c in counts.items() if c < 2)
    if small:
        raise InvalidInputError(f"以下类别样本少于 2 条，无法分层留出评估：{', '.join(small)}")
    idx = list(range(len(data.texts)))
    try:
        tr, te = train_test_split(idx, test_size=test_size, stratify=data.labels, random_state=SEED)
    except ValueError as exc:
        raise InvalidInputError(f"无法按类别分层抽取测试集（样本太少）：{exc}") from None
    return list(tr), list(te)


def evaluate(
    data: LabelledData, book: MethodBook, *, test_size: float = TEST_SIZE, folds: int = 0
) -> EvaluationReport:
    """Train on the fixed training split, report on the held-out split (plus optional k-fold macro-F1)."""
    tr, te = _split(data, test_size)
    norm = [normalize(t) for t in data.texts]
    model = TextClassifier.fit([norm[i] for i in tr], [data.labels[i] for i in tr])
    truth = [data.labels[i] for i in te]
    pred = _predict(model, [norm[i] for i in te])
    labels = sorted(set(data.labels))
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    classes = tuple(
        ClassMetrics(lbl, book.name_of(lbl), float(p[k]), float(r[k]), float(f[k]), int(s[k]))
        for k, lbl in enumerate(labels)
    )
    cm = confusion_matrix(truth, pred, labels=labels)
    cv: list[float] = []
    if folds >= 2:
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
        for a, b in skf.split(norm, data.labels):
            m = TextClassifier.fit([norm[i] for i in a], [data.labels[i] for i in a])
            got = _predict(m, [norm[i] for i in b])
            truth_b = [data.labels[i] for i in b]
            prf = precision_recall_fscore_support(
                truth_b, got, labels=labels, average="macro", zero_division=0
            )
            cv.append(float(prf[2]))
    return EvaluationReport(
        source=data.source,
        n_train=len(tr),
        n_test=len(te),
        classes=classes,
        macro_f1=float(np.mean(f)),
        accuracy=float(np.mean([a == b for a, b in zip(truth, pred, strict=True)])),
        labels=tuple(labels),
        confusion=tuple(tuple(int(v) for v in row) for row in cm),
        cv_macro_f1=tuple(cv),
    )


def _predict(model: TextClassifier, norm_texts: list[str]) -> list[str]:
    proba = model.predict_proba(norm_texts)
    return [model.labels[k] for k in proba.argmax(axis=1)]


def models_dir(home: Path) -> Path:
    return home / "texts" / "models"


def load_default_model(home: Path, book: MethodBook) -> TextClassifier:
    """The user's active model if trained, else the seed model (trained and cached on first use)."""
    active = models_dir(home) / "active"
    if (active / "model.json").exists():
        return TextClassifier.load(active)
    data = seed_corpus(book)
    folder = models_dir(home) / f"seed-{data.sha256[:12]}"
    if (folder / "model.json").exists():
        return TextClassifier.load(folder)
    model = train(data)
    model.meta["starting_point"] = True
    model.save(folder)
    return model


def save_active_model(model: TextClassifier, home: Path) -> Path:
    folder = models_dir(home) / "active"
    model.save(folder)
    return folder
