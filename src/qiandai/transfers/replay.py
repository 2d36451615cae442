"""Replay a transfer history through the live engine, in time order, point-in-time correct.

The same :class:`~qiandai.transfers.engine.DecisionEngine` as the live service decides each transfer
from the state built by the transfers before it; list entries take effect at the moment they became
known (``lists.parquet``'s ``listed_at``), never earlier. Writes ``decisions.parquet`` into ``out``.

Optional columns: ``payee_category``; and for online payments a payment order — ``merchant_id``,
``order_id``, ``order_created_at`` / ``order_submitted_at`` / ``order_paid_at``, ``page_url``,
``page_ip``, ``captcha_passed``, ``second_confirmation_passed`` — checked against ``merchants.json`` in
the history folder if present, else the registry of ``$QIANDAI_HOME``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qiandai.domain.errors import InputFolderError
from qiandai.transfers.engine import DecisionEngine
from qiandai.transfers.lists import ListKind
from qiandai.transfers.model import Transfer
from qiandai.transfers.payment_check import MerchantPageChecker
from qiandai.transfers.scenario import ScenarioProgram, ScenarioVersion, default_version

FIELDS = set(Transfer.model_fields)
#: Optional flat columns that make up a transfer's payment order (online channel).
ORDER_STEPS = {"order_created_at": "created", "order_submitted_at": "submitted", "order_paid_at": "paid"}
ORDER_FIELDS = {
    "merchant_id",
    "order_id",
    "page_url",
    "page_ip",
    "captcha_passed",
    "second_confirmation_passed",
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _order(record: dict[str, Any]) -> dict[str, Any] | None:
    """The ``payment_order`` of a history row with a ``merchant_id`` (None without one)."""
    if _missing(record.get("merchant_id")) or record.get("merchant_id") == "":
        return None
    order: dict[str, Any] = {}
    for key in ORDER_FIELDS:
        value = record.get(key)
        if not _missing(value):
            order[key] = bool(value) if key.endswith("_passed") else str(value)
    steps = []
    for column, name in ORDER_STEPS.items():
        value = record.get(column)
        if not _missing(value):
            at = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
            steps.append({"name": name, "at": at})
    order["steps"] = steps
    return order


@dataclass
class ReplayReport:
    transfers: int
    seconds: float
    decisions: dict[str, int]
    out: Path

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds if self.seconds else 0.0


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    order = _order(record)
    if order is not None:
        out["payment_order"] = order
    for key, value in record.items():
        if key not in FIELDS or key == "payment_order":
            continue
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if key == "amount" or key == "payer_balance":
            value = f"{value:.2f}"
        elif key.endswith("_days") or key == "payer_age":
            value = int(value)
        elif isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        out[key] = value
    return out


def load_history(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(transfers in time order, list entries in time order) of a generated or exported folder."""
    path = folder / "transfers.parquet"
    if not path.exists():
        raise InputFolderError(f"目录 {folder} 中没有 transfers.parquet")
    transfers = pd.read_parquet(path).sort_values(["occurred_at", "transfer_id"], kind="stable")
    lists_path = folder / "lists.parquet"
    lists = (
        pd.read_parquet(lists_path)
        if lists_path.exists()
        else pd.DataFrame(columns=["kind", "value", "listed_at"])
    )
    return transfers, lists.sort_values("listed_at", kind="stable")


def replay(
    folder: Path,
    out: Path,
    *,
    version: ScenarioVersion | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    """Decide every transfer of ``folder`` in time order; write ``out/decisions.parquet``."""
    transfers, lists = load_history(folder)
    merchants = folder / "merchants.json"  # a registry shipped with the history wins over $QIANDAI_HOME's
    checker = MerchantPageChecker(merchants if merchants.exists() else None)
    engine = DecisionEngine(ScenarioProgram.compile(version or default_version()), page_checker=checker)
    pending = list(lists.itertuples(index=False))
    k = 0
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    records = transfers.to_dict("records")
    for i, record in enumerate(records):
        at = record["occurred_at"]
        while k < len(pending) and pending[k].listed_at <= at:
            engine.lists.add(ListKind(str(pending[k].kind)), [str(pending[k].value)])
            k += 1
        transfer = Transfer.model_validate(_clean({str(k): v for k, v in record.items()}))
        result = engine.decide(transfer)
        rows.append(
            {
                "transfer_id": transfer.transfer_id,
                "amount": float(transfer.amount),
                "decision": result.decision.value,
                "score": result.score,
                "rules": ",".join(h.rule_id for h in result.hits),
                "predicted_type": result.fraud_type,
                "likely_victim": result.likely_victim,
            }
        )
        if progress and i % 5000 == 0:
            progress(i, len(records))
    seconds = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    frame.to_parquet(out / "decisions.parquet", index=False)
    counts = frame["decision"].value_counts().to_dict() if len(frame) else {}
    return ReplayReport(len(frame), seconds, {str(k): int(v) for k, v in counts.items()}, out)
