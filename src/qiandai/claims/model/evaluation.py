"""Held-out split and ranking metrics of the risk model.

Contract:
- :func:`held_out_mask` is a stratified *group* split: rows of one group (a person at visit level, an
  institution at institution level) are never on both sides, so a pattern that spans several visits of
  one person cannot leak from training into the test. Groups are stratified by their label (a group is
  positive when any of its rows is), ordered by a keyed hash of (seed, group id) and the first
  ``test_fraction`` of each stratum (at least one group when the stratum has two or more) goes to test.
  The result depends only on the group ids, labels and seed — not on row order.
- :func:`ranking_metrics` gives ROC AUC, PR AUC (average precision), the base rate and precision at each
  k (k capped at the number of rows; ``k_used`` says so). AUCs are None when one class is absent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score


def _hash_key(seed: int) -> str:
    return f"qiandai{seed:09d}"[:16].ljust(16, "0")


def held_out_mask(groups: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of the test rows (see the module docstring)."""
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1")
    uniq, inverse = np.unique(groups.astype(str), return_inverse=True)
    group_label = np.zeros(len(uniq), dtype=np.int8)
    np.maximum.at(group_label, inverse, y.astype(np.int8))
    hashes = pd.util.hash_array(uniq.astype(object), hash_key=_hash_key(seed), categorize=False)
    test_group = np.zeros(len(uniq), dtype=bool)
    for stratum in (0, 1):
        members = np.flatnonzero(group_label == stratum)
        if len(members) < 2:
            continue
        n_test = max(1, math.floor(len(members) * test_fraction + 0.5))
        n_test = min(n_test, len(members) - 1)
        order = members[np.argsort(hashes[members], kind="stable")]
        test_group[order[:n_test]] = True
    return test_group[inverse]


def precision_at_k(y: np.ndarray, score: np.ndarray, k: int) -> float:
    """Share of positives among the ``k`` highest scores (ties broken by row order)."""
    order = np.argsort(-score, kind="stable")[:k]
    return float(y[order].mean()) if len(order) else float("nan")


def ranking_metrics(y: np.ndarray, score: np.ndarray, ks: Sequence[int]) -> dict[str, Any]:
    """Metrics of ``score`` against 0/1 labels ``y`` (see the module docstring)."""
    n = len(y)
    both = 0 < int(y.sum()) < n
    return {
        "rows": n,
        "positives": int(y.sum()),
        "base_rate": float(y.mean()) if n else None,
        "auc": float(roc_auc_score(y, score)) if both else None,
        "pr_auc": float(average_precision_score(y, score)) if both else None,
        "precision_at_k": {str(k): precision_at_k(y, score, k) for k in ks},
        "k_used": {str(k): min(k, n) for k in ks},
    }
