"""The indicator job: ingest a national-format folder, compute, score against peers, write the outputs.

Contract:
- :func:`compute_indicators` works on a DuckDB-backed Ibis connection that already holds the ingested
  tables (``mdtrt``, ``fee``, ``diag``, ``setl``) and returns :class:`IndicatorResult` (Arrow tables);
  it is what the benchmark times and what the risk model reuses.
- :func:`run_indicators` owns a connection for the run (temporary files under ``OUT/.tmp``), ingests with
  :func:`qiandai.claims.ingest.ingest_claims` (quarantine under ``OUT/quarantine``) and writes
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
    backend: ibis.BaseBackend,
    params: IndicatorParams | None = None,
    *,
    peer_by: Sequence[str] = DEFAULT_PEERS,
    doctor_peer_by: Sequence[str] = DOCTOR_PEERS,
) -> IndicatorResult:
    """Compute every indicator at institution and (where possible) doctor level on ``backend``."""
    params = params or IndicatorParams()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    mdtrt, fee = backend.table("mdtrt"), backend.table("fee")
    visit_x = build_visit_x(mdtrt, fee, backend.table("diag"))
    lines = fee_lines(fee, params)
    base = backend.create_table("ind_visit_base", visit_base(visit_x, mdtrt, lines, params), overwrite=True)
    seconds["visit_base"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    inst = backend.create_table(
        "ind_inst_wide", institution_wide(base, backend.table("setl")), overwrite=True
    )
    inst_ids = [i.id for i in for_level(INSTITUTION)]
    scored = [long_scores(inst, inst_ids, peer_by, params.min_peers)]
    doctor_lines = int(fee.filter(fee.bilg_dr_code.notnull()).count().to_pyarrow().as_py())
    note = None if doctor_lines else NO_DOCTOR_NOTE
    if doctor_lines:
        doc = backend.create_table("ind_doctor_wide", doctor_wide(base, lines), overwrite=True)
        scored.append(long_scores(doc, [i.id for i in for_level(DOCTOR)], doctor_peer_by, params.min_peers))
    seconds["aggregate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    long = scored[0].union(*scored[1:]) if len(scored) > 1 else scored[0]
    long_t = backend.create_table("ind_scores", long, overwrite=True)
    ranks = rankings(long_t, params.top_drivers).order_by(["level", "period_idx", "rank"])
    long_sorted = long_t.order_by(["level", "period_idx", "fixmedins_code", "entity_id", "indicator_code"])
    result = IndicatorResult(
        scores=backend.to_pyarrow(long_sorted),
        rankings=backend.to_pyarrow(ranks),
        institution_wide=backend.to_pyarrow(inst.order_by(["fixmedins_code", "period_idx"])),
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
) -> IndicatorResult:
    """Ingest ``input_dir``, compute the indicators and write them to ``out_dir`` (see module docstring)."""
    from qiandai.claims.indicators.output import write_outputs

    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect(out_dir, threads, memory_limit)
    try:
        t0 = time.perf_counter()
        report = ingest_claims(input_dir, con, quarantine_dir=out_dir / "quarantine")
        ingest_s = time.perf_counter() - t0
        result = compute_indicators(ibis.duckdb.from_connection(con), params, peer_by=peer_by)
        result.seconds = {"ingest": ingest_s, **result.seconds}
        result.ingest = report
    finally:
        con.close()
        shutil.rmtree(out_dir / ".tmp", ignore_errors=True)
    t0 = time.perf_counter()
    write_outputs(result, out_dir, write_xlsx=write_xlsx)
    result.seconds["write"] = time.perf_counter() - t0
    return result
