"""Evaluate replayed decisions against ground truth: precision, recall and money saved.

"Stopped" means 延迟到账 or 拦截 (the money did not reach the payee at once). Per fraud type: how many
of its transfers were stopped and how much of its money; victims' payments and mule-chain transfers are
counted apart (money saved is quoted on victims' payments, to avoid counting the same yuan at every
hop). Overall: precision and recall of "stopped = fraud", money recall, and the false-alarm rate on
normal transfers (stopped) plus the share of normal transfers that got a 提示核实. Warm-up days are left
out unless asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from qiandai.domain.errors import EvaluationError

STOPPED = ("延迟到账", "拦截")


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(decisions_dir: Path, truth_path: Path, include_warmup: bool = False) -> dict[str, Any]:
    """The evaluation as a JSON-ready dict (see the module docstring)."""
    decisions_path = decisions_dir / "decisions.parquet"
    if not decisions_path.exists() or not truth_path.exists():
        raise EvaluationError(f"缺少 {decisions_path} 或 {truth_path}")
    d = pd.read_parquet(decisions_path).merge(pd.read_parquet(truth_path), on="transfer_id", how="inner")
    if not include_warmup and "warmup" in d:
        d = d[~d["warmup"]]
    d["stopped"] = d["decision"].isin(STOPPED)
    fraud, normal = d[d["is_fraud"]], d[~d["is_fraud"]]
    victims = fraud[fraud["role"] == "victim"]
    stopped = d[d["stopped"]]
    overall = {
        "transfers": len(d),
        "fraud_transfers": len(fraud),
        "stopped": int(d["stopped"].sum()),
        "precision": _ratio(float(stopped["is_fraud"].sum()), len(stopped)),
        "recall": _ratio(float(fraud["stopped"].sum()), len(fraud)),
        "victim_payment_recall": _ratio(float(victims["stopped"].sum()), len(victims)),
        "victim_money": round(float(victims["amount"].sum()), 2),
        "money_saved": round(float(victims.loc[victims["stopped"], "amount"].sum()), 2),
        "money_recall": _ratio(
            float(victims.loc[victims["stopped"], "amount"].sum()), float(victims["amount"].sum())
        ),
        "mule_recall": _ratio(
            float(fraud.loc[fraud["role"] == "mule", "stopped"].sum()), int((fraud["role"] == "mule").sum())
        ),
        "false_alarm_rate": _ratio(float(normal["stopped"].sum()), len(normal)),
        "false_alarms": int(normal["stopped"].sum()),
        "normal_verify_rate": _ratio(float((normal["decision"] == "提示核实").sum()), len(normal)),
        "victims": int(victims["victim"].nunique()),
        "victims_protected": int(victims.loc[victims["stopped"], "victim"].nunique()),
    }
    per_type = []
    for kind, group in fraud.groupby("fraud_type"):
        v = group[group["role"] == "victim"]
        flagged_as = stopped[stopped["predicted_type"] == kind]
        per_type.append(
            {
                "fraud_type": kind,
                "victim_payments": len(v),
                "victim_recall": _ratio(float(v["stopped"].sum()), len(v)),
                "victim_money": round(float(v["amount"].sum()), 2),
                "money_saved": round(float(v.loc[v["stopped"], "amount"].sum()), 2),
                "money_recall": _ratio(float(v.loc[v["stopped"], "amount"].sum()), float(v["amount"].sum())),
                "mule_recall": _ratio(
                    float(group.loc[group["role"] == "mule", "stopped"].sum()),
                    int((group["role"] == "mule").sum()),
                ),
                "precision_as_predicted_type": _ratio(float(flagged_as["is_fraud"].sum()), len(flagged_as)),
            }
        )
    return {"overall": overall, "per_type": per_type}


def summary_lines(report: dict[str, Any]) -> list[str]:
    o = report["overall"]
    lines = [
        f"转账 {o['transfers']:,} 笔（诈骗相关 {o['fraud_transfers']:,} 笔），拦截或延迟 {o['stopped']:,} 笔",
        f"精确率 {o['precision']}，召回率 {o['recall']}"
        f"（受害人付款 {o['victim_payment_recall']}，资金链 {o['mule_recall']}）",
        f"受害人资金 {o['victim_money']:,.2f} 元，"
        f"拦截/延迟 {o['money_saved']:,.2f} 元（{o['money_recall']}）",
        f"正常转账误拦率 {o['false_alarm_rate']}（{o['false_alarms']} 笔），"
        f"提示核实占比 {o['normal_verify_rate']}",
    ]
    for t in report["per_type"]:
        lines.append(
            f"  {t['fraud_type']}：受害人付款召回 {t['victim_recall']}，"
            f"资金 {t['money_saved']:,.0f}/{t['victim_money']:,.0f} 元"
            f"（{t['money_recall']}），资金链召回 {t['mule_recall']}"
        )
    return lines
