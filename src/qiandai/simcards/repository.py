"""Every query of SIM-card screening's tables. Services never commit: callers pass a unit of work."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import NotFoundError
from qiandai.simcards.model import ScoreResult
from qiandai.simcards.models import SimResultRow, SimRunRow
from qiandai.store.base import now_utc

#: Results stored per run: every 高/中 number, then the next highest-ranked ones, up to this many.
STORE_LIMIT = 5000
MIN_STORED = 200


def run_key(source: str, result: ScoreResult) -> str:
    """The same data, scoring date and model give the same key: storing twice keeps one run."""
    digest = hashlib.sha256(f"{source}|{result.as_of}|{result.model_trained_at}".encode()).hexdigest()[:16]
    return f"{result.as_of.isoformat()}-{digest}"


def store_run(
    session: Session,
    result: ScoreResult,
    source: Path | str,
    metrics: dict[str, Any] | None = None,
    limit: int = STORE_LIMIT,
) -> tuple[SimRunRow, bool]:
    """Store a scoring run and its top results; return (run, created). Idempotent by :func:`run_key`."""
    src = str(Path(source).resolve()) if isinstance(source, Path) else source
    key = run_key(src, result)
    existing = session.scalar(select(SimRunRow).where(SimRunRow.run_key == key))
    if existing is not None:
        return existing, False
    frame = result.frame
    flagged = int((frame["level"] != "低").sum())
    keep = frame.head(min(limit, max(flagged, MIN_STORED)))
    counts = result.counts
    run = SimRunRow(
        run_key=key,
        as_of=result.as_of,
        created_at=now_utc(),
        source=src[-400:],
        model_trained_at=result.model_trained_at,
        numbers=len(frame),
        high=counts["高"],
        medium=counts["中"],
        stored=len(keep),
        metrics=metrics,
        invalid_rows=result.report.invalid_total,
    )
    session.add(run)
    session.flush()
    if len(keep):
        records = {
            "run_id": np.full(len(keep), run.id).tolist(),
            "rank": keep["rank"].astype(int).tolist(),
            "number": keep["number"].astype(str).tolist(),
            "score": keep["score"].astype(float).tolist(),
            "level": keep["level"].astype(str).tolist(),
            "rules": keep["rules"].tolist(),
            "reasons": keep["reasons"].tolist(),
            "top_features": keep["top_features"].tolist(),
            "registered_region": keep["registered_region"].astype(str).tolist(),
            "card_age_days": keep["card_age_days"].astype(int).tolist(),
            "calls_out_per_day": keep["calls_out_per_day"].astype(float).round(2).tolist(),
        }
        rows = [dict(zip(records, values, strict=True)) for values in zip(*records.values(), strict=True)]
        session.execute(insert(SimResultRow), rows)
    return run, True


def latest_run(session: Session) -> SimRunRow | None:
    return session.scalar(
        select(SimRunRow).order_by(SimRunRow.created_at.desc(), SimRunRow.id.desc()).limit(1)
    )


def get_run(session: Session, run_id: int) -> SimRunRow:
    run = session.get(SimRunRow, run_id)
    if run is None:
        raise NotFoundError(f"评分批次 {run_id} 不存在")
    return run


def list_runs(session: Session, limit: int = 20) -> list[SimRunRow]:
    stmt = select(SimRunRow).order_by(SimRunRow.created_at.desc(), SimRunRow.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def results(
    session: Session, run_id: int, level: str | None = None, limit: int | None = None
) -> Sequence[SimResultRow]:
    stmt = select(SimResultRow).where(SimResultRow.run_id == run_id)
    if level:
        stmt = stmt.where(SimResultRow.level == level)
    stmt = stmt.order_by(SimResultRow.rank)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def count_runs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SimRunRow)) or 0)
