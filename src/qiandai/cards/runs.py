"""Screening runs: run the screening, store the run with its accounts and networks, publish the 高 accounts
to the decision service's ``RISK_ACCOUNT`` list and withdraw those a later run no longer grades 高.

Publishing writes ``tx_list_entry`` rows with source :data:`SOURCE` in the same transaction as the run,
so a run and its list changes land together or not at all. Entries of the same list added by hand (any
other source) are never withdrawn by a run. The caller refreshes a live runtime's in-memory lists after
the commit (:func:`qiandai.transfers.runtime.TransferRuntime.reload_lists`).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from qiandai.batch.engines import check_engine
from qiandai.batch.sql_engines import DuckDBEngine, SparkEngine, SqlEngine
from qiandai.cards import source
from qiandai.cards.models import ScreenedAccountRow, ScreenedNetworkRow, ScreeningRunRow
from qiandai.cards.screening import FEATURE_COLUMNS, ScreeningParams, ScreeningResult, screen
from qiandai.domain.errors import NotFoundError
from qiandai.store.base import now_utc
from qiandai.transfers import repository as tx_repository
from qiandai.transfers.lists import ListKind
from qiandai.transfers.models import ListEntryRow

SOURCE = "断卡筛查"
GRADES = ("高", "中", "低")


@dataclass
class RunOutcome:
    """A stored run and what it changed in the list."""

    run_id: str
    loaded: source.Loaded
    result: ScreeningResult
    published: int = 0
    withdrawn: int = 0
    seconds: float = 0.0
    publish: bool = False

    def summary_lines(self) -> list[str]:
        r = self.result
        out = [
            *self.loaded.summary_lines(),
            f"筛查批次 {self.run_id}：账户 {len(r.accounts):,} 个，高风险 {r.count('高'):,}、"
            f"中风险 {r.count('中'):,}、低风险 {r.count('低'):,}；关联网络 {len(r.networks):,} 个；"
            f"用时 {self.seconds:.1f} 秒",
        ]
        if self.publish:
            out.append(f"高风险账户名单：新发布 {self.published:,} 个，撤回 {self.withdrawn:,} 个")
        return out


def _open(engine: str, spark_master: str | None) -> SqlEngine:
    """The engine of one run: the bounded DuckDB connection, or the process's Spark session."""
    if check_engine(engine) == "spark":
        return SparkEngine.start(spark_master)
    return DuckDBEngine(source.connect(), owned=True)


def run_from_file(
    path: Path,
    params: ScreeningParams | None = None,
    as_of: datetime | None = None,
    *,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> tuple[source.Loaded, ScreeningResult]:
    eng = _open(engine, spark_master)
    try:
        loaded = source.load_file(eng, path, as_of)
        return loaded, screen(eng, params)
    finally:
        eng.close()


def run_from_frame(
    frame: pd.DataFrame,
    params: ScreeningParams | None = None,
    as_of: datetime | None = None,
    *,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> tuple[source.Loaded, ScreeningResult]:
    eng = _open(engine, spark_master)
    try:
        loaded = source.load_frame(eng, frame, as_of)
        return loaded, screen(eng, params)
    finally:
        eng.close()


def run_from_store(
    session: Session,
    params: ScreeningParams | None = None,
    as_of: datetime | None = None,
    *,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> tuple[source.Loaded, ScreeningResult]:
    eng = _open(engine, spark_master)
    try:
        loaded = source.load_stored(eng, session, as_of)
        return loaded, screen(eng, params)
    finally:
        eng.close()


def new_run_id(at: datetime) -> str:
    return f"DK{at:%Y%m%d%H%M%S}{secrets.token_hex(2).upper()}"


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def store_run(
    session: Session,
    loaded: source.Loaded,
    result: ScreeningResult,
    *,
    seconds: float,
    as_of: datetime | None = None,
    publish: bool = False,
    run_id: str | None = None,
) -> RunOutcome:
    """Store the run, its 高/中 accounts and those 低 accounts with a reason, and its networks; optionally
    publish. Nothing is committed here (the caller's unit of work does)."""
    started = now_utc()
    run_id = run_id or new_run_id(started)
    a = result.accounts
    keep = a[(a["grade"] != "低") | (a["reasons"].map(len) > 0)]
    session.add(
        ScreeningRunRow(
            id=run_id,
            started_at=started,
            source=loaded.source[:400],
            as_of=as_of,
            transfers=result.transfers,
            accounts=len(a),
            high=result.count("高"),
            medium=result.count("中"),
            low=result.count("低"),
            networks=len(result.networks),
            published=0,
            withdrawn=0,
            params={**result.params.as_dict(), "rejected": loaded.rejected, "rows": loaded.rows},
            seconds=round(seconds, 3),
        )
    )
    session.flush()
    features = keep[list(FEATURE_COLUMNS)].round(4).astype(object)
    feature_dicts = features.where(features.notna(), None).to_dict("records")
    rows = [
        {
            "run_id": run_id,
            "account": acc,
            "grade": grade,
            "score": int(score),
            "reasons": [str(x) for x in reasons],
            "features": {k: _plain(v) for k, v in feats.items()},
            "network_id": None if pd.isna(net) else int(net),
            "community_id": None if pd.isna(com) else int(com),
        }
        for acc, grade, score, reasons, net, com, feats in zip(
            keep["account"],
            keep["grade"],
            keep["score"],
            keep["reasons"],
            keep["network_id"],
            keep["community_id"],
            feature_dicts,
            strict=True,
        )
    ]
    if rows:
        session.execute(ScreenedAccountRow.__table__.insert(), rows)  # type: ignore[attr-defined]
    records: list[dict[str, Any]] = cast(Any, result.networks).to_dict("records")
    nets = [
        {
            "run_id": run_id,
            "network_id": int(n["network_id"]),
            "size": int(n["size"]),
            "high": int(n["high"]),
            "communities": int(n["communities"]),
            "flow_in": round(float(n["flow_in"]), 2),
            "flow_internal": round(float(n["flow_internal"]), 2),
            "flow_out": round(float(n["flow_out"]), 2),
            "links": n["links"],
        }
        for n in records
    ]
    if nets:
        session.execute(ScreenedNetworkRow.__table__.insert(), nets)  # type: ignore[attr-defined]
    outcome = RunOutcome(run_id, loaded, result, seconds=seconds, publish=publish)
    if publish:
        outcome.published, outcome.withdrawn = publish_high(session, run_id, result.high_accounts())
        session.execute(
            update(ScreeningRunRow)
            .where(ScreeningRunRow.id == run_id)
            .values(published=outcome.published, withdrawn=outcome.withdrawn)
        )
    return outcome


def publish_high(session: Session, run_id: str, high: list[str]) -> tuple[int, int]:
    """Make the run's 高 accounts exactly the set of ``RISK_ACCOUNT`` entries this screening owns.

    Returns (newly added, withdrawn). Idempotent: publishing the same set again changes nothing but the
    note, which names the latest run that confirmed each entry.
    """
    note = f"筛查批次 {run_id}"
    current = set(
        session.scalars(
            select(ListEntryRow.value).where(
                ListEntryRow.kind == ListKind.RISK_ACCOUNT.value, ListEntryRow.source == SOURCE
            )
        )
    )
    gone = sorted(current - set(high))
    withdrawn = 0
    for i in range(0, len(gone), 500):
        chunk = gone[i : i + 500]
        res = session.execute(
            delete(ListEntryRow).where(
                ListEntryRow.kind == ListKind.RISK_ACCOUNT.value,
                ListEntryRow.source == SOURCE,
                ListEntryRow.value.in_(chunk),
            )
        )
        withdrawn += int(res.rowcount or 0)  # type: ignore[attr-defined]
    added = tx_repository.add_list_entries(session, ListKind.RISK_ACCOUNT, high, SOURCE, note)
    kept = sorted(set(high) & current)
    for i in range(0, len(kept), 500):
        session.execute(
            update(ListEntryRow)
            .where(
                ListEntryRow.kind == ListKind.RISK_ACCOUNT.value,
                ListEntryRow.source == SOURCE,
                ListEntryRow.value.in_(kept[i : i + 500]),
            )
            .values(note=note)
        )
    return added, withdrawn


def run_and_store(
    session: Session,
    *,
    path: Path | None = None,
    frame: pd.DataFrame | None = None,
    params: ScreeningParams | None = None,
    as_of: datetime | None = None,
    publish: bool = False,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> RunOutcome:
    """Screen a file/folder, a frame, or (neither given) the stored transfers, and store the run.

    ``engine="spark"`` computes the features on Spark (``spark_master``, or ``$QIANDAI_SPARK_MASTER``,
    local mode by default); grading, networks and storage are the same code on both engines.
    """
    started = time.perf_counter()
    if path is not None:
        loaded, result = run_from_file(path, params, as_of, engine=engine, spark_master=spark_master)
    elif frame is not None:
        loaded, result = run_from_frame(frame, params, as_of, engine=engine, spark_master=spark_master)
    else:
        loaded, result = run_from_store(session, params, as_of, engine=engine, spark_master=spark_master)
    return store_run(
        session, loaded, result, seconds=time.perf_counter() - started, as_of=as_of, publish=publish
    )


# -- reading --------------------------------------------------------------------------------------------
def list_runs(session: Session, limit: int = 50) -> list[ScreeningRunRow]:
    stmt = select(ScreeningRunRow).order_by(ScreeningRunRow.started_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def get_run(session: Session, run_id: str) -> ScreeningRunRow:
    run = session.get(ScreeningRunRow, run_id)
    if run is None:
        raise NotFoundError(f"筛查批次 {run_id} 不存在")
    return run


def latest_run(session: Session) -> ScreeningRunRow | None:
    return session.scalars(
        select(ScreeningRunRow).order_by(ScreeningRunRow.started_at.desc()).limit(1)
    ).first()


def run_accounts(
    session: Session, run_id: str, grade: str | None = None, limit: int = 500, offset: int = 0
) -> list[ScreenedAccountRow]:
    stmt = select(ScreenedAccountRow).where(ScreenedAccountRow.run_id == run_id)
    if grade:
        stmt = stmt.where(ScreenedAccountRow.grade == grade)
    stmt = (
        stmt.order_by(ScreenedAccountRow.score.desc(), ScreenedAccountRow.account).limit(limit).offset(offset)
    )
    return list(session.scalars(stmt))


def count_accounts(session: Session, run_id: str, grade: str | None = None) -> int:
    stmt = select(func.count()).select_from(ScreenedAccountRow).where(ScreenedAccountRow.run_id == run_id)
    if grade:
        stmt = stmt.where(ScreenedAccountRow.grade == grade)
    return int(session.scalar(stmt) or 0)


def run_networks(session: Session, run_id: str) -> list[ScreenedNetworkRow]:
    stmt = (
        select(ScreenedNetworkRow)
        .where(ScreenedNetworkRow.run_id == run_id)
        .order_by(ScreenedNetworkRow.network_id)
    )
    return list(session.scalars(stmt))


def account_history(session: Session, account: str) -> list[ScreenedAccountRow]:
    stmt = (
        select(ScreenedAccountRow)
        .where(ScreenedAccountRow.account == account)
        .order_by(ScreenedAccountRow.id)
    )
    return list(session.scalars(stmt))
