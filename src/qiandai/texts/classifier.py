"""Statistical text classifier: character 1–2-gram TF-IDF with a linear model (logistic loss, one-vs-rest).

Training uses scikit-learn's ``SGDClassifier(loss="log_loss")`` with a fixed ``random_state`` and a fixed
number of epochs, so the same corpus gives the same model (about 0.1 s for the seed corpus). The model is
saved WITHOUT pickle: vocabulary as JSON, idf and coefficients as ``.npz``. Inference re-computes TF-IDF
itself (counts → sublinear tf → idf → l2 norm, exactly what ``TfidfVectorizer`` does with these settings)
and the one-vs-rest probabilities (sigmoid per class, normalised to sum 1, as scikit-learn does),
vectorised over a batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from qiandai.domain.errors import InvalidInputError, KnowledgeBaseError

NGRAMS = (1, 2)
SEED = 20231


@dataclass(frozen=True)
class TextClassifier:
    """A fitted classifier; ``labels`` order the columns of :meth:`predict_proba`."""

    labels: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray  # shape (n_labels, n_features), one-vs-rest
    intercept: np.ndarray  # shape (n_labels,)
    meta: dict[str, Any]

    @classmethod
    def fit(
        cls, texts: list[str], labels: list[str], *, meta: dict[str, Any] | None = None
    ) -> TextClassifier:
        """Fit on already normalised ``texts``. Needs at least two distinct labels."""
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise InvalidInputError("训练数据至少需要两个不同的类别")
        vec = TfidfVectorizer(
            analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, lowercase=False, min_df=1
        )
        x = vec.fit_transform(texts)
        model = SGDClassifier(
            loss="log_loss", alpha=1e-4, class_weight="balanced", random_state=SEED, max_iter=50, tol=None
        )
        model.fit(x, labels)
        coef, intercept = model.coef_, model.intercept_
        if len(classes) == 2:  # binary: one row; sigmoid(-s) + sigmoid(s) = 1 gives the same probabilities
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        return cls(
            labels=tuple(str(c) for c in model.classes_),
            vocabulary=tuple(vocab),
            idf=np.asarray(vec.idf_, dtype=np.float64),
            coef=np.asarray(coef, dtype=np.float64),
            intercept=np.asarray(intercept, dtype=np.float64),
            meta={"n_train": len(texts), "ngrams": list(NGRAMS), "seed": SEED, **(meta or {})},
        )

    def _counter(self) -> CountVectorizer:
        cached = self.meta.get("_counter")
        if cached is None:
            cached = CountVectorizer(
                analyzer="char",
                ngram_range=NGRAMS,
                lowercase=False,
                vocabulary=dict(zip(self.vocabulary, range(len(self.vocabulary)), strict=True)),
            )
            self.meta["_counter"] = cached
        return cached

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(labels))``, for already normalised texts."""
        counts = self._counter().transform(texts).astype(np.float64)
        counts.data = 1.0 + np.log(counts.data)
        x = counts @ sparse.diags(self.idf)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x = sparse.diags(1.0 / norms) @ x
        scores = np.asarray(x @ self.coef.T) + self.intercept
        proba = 1.0 / (1.0 + np.exp(-np.clip(scores, -50, 50)))
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def save(self, folder: Path) -> None:
        """Write ``model.json`` and ``model.npz`` into ``folder`` (created)."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = {k: v for k, v in self.meta.items() if not k.startswith("_")}
        doc = {"format": 1, "labels": list(self.labels), "vocabulary": list(self.vocabulary), "meta": meta}
        np.savez_compressed(folder / "model.npz", idf=self.idf, coef=self.coef, intercept=self.intercept)
        tmp = folder / "model.json.tmp"
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / "model.json")

    @classmethod
    def load(cls, folder: Path) -> TextClassifier:
        try:
            doc = json.loads((folder / "model.json").read_text(encoding="utf-8"))
            with np.load(folder / "model.npz", allow_pickle=False) as arrays:
                idf, coef, intercept = arrays["idf"], arrays["coef"], arrays["intercept"]
        except (OSError, ValueError, KeyError) as exc:
            raise KnowledgeBaseError(f"文本分类模型 {folder} 无法读取：{exc}") from None
        return cls(
            tuple(doc["labels"]), tuple(doc["vocabulary"]), idf, coef, intercept, dict(doc.get("meta", {}))
        )
