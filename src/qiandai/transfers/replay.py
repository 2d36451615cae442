"""Replay a transfer history through the live engine, in time order, point-in-time correct.

The same :class:`~qiandai.transfers.engine.DecisionEngine` as the live service decides each transfer
from the state built by the transfers before it; list entries take effect at the moment they became
known (``lists.parquet``'s ``listed_at``), never earlier. Writes ``decisions.parquet`` into ``out``.
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
from qiandai.transfers.scenario import ScenarioProgram, ScenarioVersion, default_version

FIELDS = set(Transfer.model_fields)


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
    out = {}
    for key, value in record.items():
        if key not in FIELDS:
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
    engine = DecisionEngine(ScenarioProgram.compile(version or default_version()))
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
