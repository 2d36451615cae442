"""Evaluation of the mule-account screening against the generated data's labels.

The datagen ``truth.parquet`` labels transfers (``role`` = victim / mule). An account is a mule when it
received a victim's payment (level-1 collector) or took part in a mule-chain transfer as payer or payee
(movers, cash-out). The grading is rules only — nothing is learnt — so there is no training split: the
whole labelled set is the evaluation set, and the figures say so. The screening itself only uses
transfers up to its cut-off (``--as-of``), so an evaluation at a cut-off uses no future records; the
labels are taken from the same cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
from sklearn.metrics import roc_auc_score

from qiandai.cards.screening import ScreeningResult
from qiandai.domain.errors import InputFileError


@dataclass(frozen=True)
class Metrics:
    grades: str
    predicted: int
    positives: int
    true_positives: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Evaluation:
    accounts: int
    mules: int
    auc: float | None
    at_high: Metrics
    at_medium: Metrics

    def summary_lines(self) -> list[str]:
        auc = f"{self.auc:.4f}" if self.auc is not None else "无法计算（只有一类）"
        lines = [
            "评估方式：规则评分，无训练过程，在全部有标注的账户上评估（不划分训练集/测试集）",
            f"账户 {self.accounts:,} 个，其中涉诈（跑分/过账）账户 {self.mules:,} 个；评分 AUC = {auc}",
        ]
        for m in (self.at_high, self.at_medium):
            lines.append(
                f"判定为「{m.grades}」：{m.predicted:,} 个，命中 {m.true_positives:,} 个；"
                f"精确率 {m.precision:.3f}，召回率 {m.recall:.3f}，F1 {m.f1:.3f}"
            )
        return lines


def mule_accounts(transfers: Path, truth: Path, as_of: datetime | None = None) -> set[str]:
    """Accounts labelled as mules by the generator (see the module docstring)."""
    for p in (transfers, truth):
        if not p.exists():
            raise InputFileError(str(p), "文件或目录不存在")
    tx_path = transfers / "transfers.parquet" if transfers.is_dir() else transfers
    truth_path = truth / "truth.parquet" if truth.is_dir() else truth
    con = duckdb.connect()
    try:
        cols = {c[0] for c in con.execute(f"DESCRIBE SELECT * FROM '{truth_path.as_posix()}'").fetchall()}
        if not {"transfer_id", "role"} <= cols:
            raise InputFileError(str(truth_path), "缺少必需列：transfer_id、role")
        cutoff = "AND epoch(CAST(t.occurred_at AS TIMESTAMPTZ)) <= ?" if as_of else ""
        rows = con.execute(
            f"""WITH j AS (SELECT t.payer_account, t.payee_account, l.role
                  FROM '{tx_path.as_posix()}' t JOIN '{truth_path.as_posix()}' l USING (transfer_id)
                  WHERE l.role IN ('victim', 'mule') {cutoff})
                SELECT payee_account FROM j
                UNION SELECT payer_account FROM j WHERE role = 'mule'""",
            [as_of.timestamp()] if as_of else [],
        ).fetchall()
    finally:
        con.close()
    return {str(r[0]) for r in rows}


def _metrics(name: str, predicted: pd.Series, truth: pd.Series) -> Metrics:
    tp = int((predicted & truth).sum())
    n_pred, n_pos = int(predicted.sum()), int(truth.sum())
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_pos if n_pos else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(name, n_pred, n_pos, tp, precision, recall, f1)


def evaluate(result: ScreeningResult, mules: set[str]) -> Evaluation:
    """Precision/recall/F1 at 高 and at 中-or-above, and the AUC of the score, over all screened accounts."""
    a = result.accounts
    truth = a["account"].isin(mules)
    auc = float(roc_auc_score(truth, a["score"])) if truth.nunique() == 2 else None
    return Evaluation(
        accounts=len(a),
        mules=int(truth.sum()),
        auc=auc,
        at_high=_metrics("高", a["grade"] == "高", truth),
        at_medium=_metrics("高或中", a["grade"].isin(["高", "中"]), truth),
    )
