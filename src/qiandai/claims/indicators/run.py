"""The indicator job: ingest a national-format folder, compute, score against peers, write the outputs.

Contract:
- :func:`compute_indicators` works on a batch backend (:class:`qiandai.batch.BatchBackend`, or a
  DuckDB-backed Ibis connection) that already holds the ingested tables (``mdtrt``, ``fee``, ``diag``,
  ``setl``) and returns :class:`IndicatorResult` (Arrow tables); it is what the benchmark times and what
  the risk model reuses. The same expressions run on DuckDB and on Spark (``docs/spark.md``).
- :func:`run_indicators` owns a connection for the run (temporary files under ``OUT/.tmp``), ingests with
  :func:`qiandai.claims.ingest.ingest_claims` (quarantine under ``OUT/quarantine``), computes on
  ``engine`` (``duckdb`` or ``spark``: the clean tables are staged to Spark as Parquet) and writes
  ``indicators.parquet`` (long: one row per entity × period × indicator), ``rankings.parquet`` and
  ``indicators.xlsx`` (Chinese headers) into ``OUT``.
- Doctor-level results need ``FEE_LIST_D.bilg_dr_code``; without it the doctor tables are empty and
  :attr:`IndicatorResult.doctor_note` says why.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute as pc

from qiandai.batch.backend import BatchBackend, as_batch_backend, open_backend
from qiandai.batch.engines import check_engine
from qiandai.claims.context import build_visit_x
from qiandai.claims.indicators.base import IndicatorParams, fee_lines, visit_base
from qiandai.claims.indicators.catalog import DOCTOR, INSTITUTION, for_level
from qiandai.claims.indicators.compute import doctor_wide, institution_wide
from qiandai.claims.indicators.scoring import long_scores, rankings
from qiandai.claims.ingest import IngestReport, ingest_claims

DEFAULT_PEERS = ("type", "level", "region")
DOCTOR_PEERS = ("type", "level", "dept")
NO_DOCTOR_NOTE = "费用明细无开单医生编码（FEE_LIST_D.bilg_dr_code），未计算医生层面指标"


@dataclass
class IndicatorResult:
    """Indicator values and scores of one computation (Arrow tables, ready to write)."""

    scores: pa.Table  # long: level, entity, period, indicator, value, peer statistics, robust z, rank
    rankings: pa.Table  # one row per level × entity × period
    institution_wide: pa.Table  # institution × period, one column per indicator (the model's features)
    params: IndicatorParams
    doctor_note: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    ingest: IngestReport | None = None

    def level_rows(self, table: pa.Table, level: str) -> pa.Table:
        return table.filter(pc.equal(table.column("level"), level))


def compute_indicators(
    backend: ibis.BaseBackend | BatchBackend,
    params: IndicatorParams | None = None,
    *,
    peer_by: Sequence[str] = DEFAULT_PEERS,
    doctor_peer_by: Sequence[str] = DOCTOR_PEERS,
) -> IndicatorResult:
    """Compute every indicator at institution and (where possible) doctor level on ``backend``."""
    params = params or IndicatorParams()
    batch = as_batch_backend(backend)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    mdtrt, fee = batch.table("mdtrt"), batch.table("fee")
    visit_x = build_visit_x(mdtrt, fee, batch.table("diag"))
    lines = fee_lines(fee, params)
    base = batch.materialize("ind_visit_base", visit_base(visit_x, mdtrt, lines, params))
    seconds["visit_base"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    inst = batch.materialize("ind_inst_wide", institution_wide(base, batch.table("setl")))
    inst_ids = [i.id for i in for_level(INSTITUTION)]
    scored = [long_scores(inst, inst_ids, peer_by, params.min_peers)]
    with_doctor = fee.filter(fee.bilg_dr_code.notnull())
    counted = batch.to_arrow(with_doctor.aggregate(n=with_doctor.count()))
    doctor_lines = int(counted.column("n")[0].as_py() or 0)
    note = None if doctor_lines else NO_DOCTOR_NOTE
    if doctor_lines:
        doc = batch.materialize("ind_doctor_wide", doctor_wide(base, lines))
        scored.append(long_scores(doc, [i.id for i in for_level(DOCTOR)], doctor_peer_by, params.min_peers))
    seconds["aggregate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    long = scored[0].union(*scored[1:]) if len(scored) > 1 else scored[0]
    long_t = batch.materialize("ind_scores", long)
    ranks = rankings(long_t, params.top_drivers).order_by(["level", "period_idx", "rank"])
    long_sorted = long_t.order_by(["level", "period_idx", "fixmedins_code", "entity_id", "indicator_code"])
    result = IndicatorResult(
        scores=batch.to_arrow(long_sorted),
        rankings=batch.to_arrow(ranks),
        institution_wide=batch.to_arrow(inst.order_by(["fixmedins_code", "period_idx"])),
        params=params,
        doctor_note=note,
    )
    seconds["score"] = time.perf_counter() - t0
    result.seconds = seconds
    return result


def connect(
    work_dir: Path, threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection spilling to ``work_dir/.tmp`` (created)."""
    tmp = work_dir / ".tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{tmp.as_posix()}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def run_indicators(
    input_dir: Path,
    out_dir: Path,
    params: IndicatorParams | None = None,
    *,
    peer_by: Sequence[str] = DEFAULT_PEERS,
    threads: int | None = None,
    memory_limit: str | None = None,
    write_xlsx: bool = True,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> IndicatorResult:
    """Ingest ``input_dir``, compute the indicators on ``engine`` and write them to ``out_dir`` (see the
    module docstring); ``spark_master`` as in :func:`qiandai.batch.backend.open_backend`."""
    from qiandai.claims.indicators.output import write_outputs

    engine = check_engine(engine)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect(out_dir, threads, memory_limit)
    batch: BatchBackend | None = None
    try:
        t0 = time.perf_counter()
        report = ingest_claims(input_dir, con, quarantine_dir=out_dir / "quarantine")
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        batch = open_backend(
            engine, workdir=out_dir / ".tmp" / "spark", master=spark_master, duckdb_connection=con
        )
        staged: dict[str, float] = {}
        if batch.engine != "duckdb":
            batch.adopt_duckdb_tables(con, ["mdtrt", "fee", "diag", "setl"])
            staged["stage"] = time.perf_counter() - t0
        result = compute_indicators(batch, params, peer_by=peer_by)
        result.seconds = {"ingest": ingest_s, **staged, **result.seconds}
        result.ingest = report
    finally:
        if batch is not None:
            batch.close()
        con.close()
        shutil.rmtree(out_dir / ".tmp", ignore_errors=True)
    t0 = time.perf_counter()
    write_outputs(result, out_dir, write_xlsx=write_xlsx)
    result.seconds["write"] = time.perf_counter() - t0
    return result
