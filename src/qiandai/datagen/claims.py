"""Synthetic medical-insurance claims with ground truth (the public entry point of the generator).

``generate_claims(out, visits=…, seed=…)`` writes one file per national table
(``MDTRT_D``, ``SETL_D``, ``FEE_LIST_D``, ``SETL_LIST_DIAG_D``, ``SETL_LIST_OPRN_D``) plus
``ground_truth.parquet`` (:data:`qiandai.claims.findings.GROUND_TRUTH_SCHEMA`).

Contract:
- the same ``seed`` (and knowledge base) gives byte-identical files: every random draw comes from
  ``numpy.random.Generator`` streams derived from the seed, nothing reads the clock or iterates a set;
- the background is clean for every rule of ``docs/claims-rules.md``; each of the 25 rules gets
  ``max(25, round(fraud_rate × visits))`` planted cases (one truth row per (rule_code, mdtrt_id))
  and a quarter as many hard negatives on the rule's boundary (see :mod:`qiandai.datagen.injections`);
- fee lines are generated and written in chunks of visits, so memory stays bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from qiandai.claims.findings import GROUND_TRUTH_SCHEMA
from qiandai.datagen import checkins, injections_breadth, injections_safety, stock
from qiandai.datagen.catalog import KnowledgeSource, build_catalog
from qiandai.datagen.codesets import choose_codes
from qiandai.datagen.common import DAY, rng_for
from qiandai.datagen.diagnoses import build_diagnoses
from qiandai.datagen.fees import Lines, build_pools, generate_lines
from qiandai.datagen.institutions import build_institutions
from qiandai.datagen.patches import apply_patches, oprn_table
from qiandai.datagen.planting import RULES, Context, plant_all
from qiandai.datagen.population import background_population
from qiandai.datagen.scenarios import ScenarioBuilder, TruthCase
from qiandai.datagen.tables import (
    VisitIds,
    bkkp_sns,
    diag_table,
    fee_table,
    mdtrt_table,
    setl_table,
)
from qiandai.datagen.visits import ORIGIN_HARD_NEGATIVE, Visits, assign_diagnoses, background_visits

if TYPE_CHECKING:
    from qiandai.knowledge import KnowledgeBase

Format = Literal["parquet", "csv"]
Progress = Callable[[str, float], None]

CHUNK_VISITS = 50_000
ROW_GROUP = 1_000_000
TRUTH_FILE = "ground_truth.parquet"


@dataclass
class GenerationReport:
    """What one run wrote: rows per table, truth rows per rule_id, timing."""

    out: Path
    seed: int
    visits: int
    persons: int
    institutions: int
    tables: dict[str, int] = field(default_factory=dict)
    injected: dict[str, int] = field(default_factory=dict)
    hard_negative_visits: int = 0
    seconds: float = 0.0

    @property
    def truth_rows(self) -> int:
        return sum(self.injected.values())

    def summary_lines(self) -> list[str]:
        """Chinese lines for the terminal: rows per table, planted cases, time."""
        lines = [f"输出目录：{self.out}（种子 {self.seed}）"]
        lines += [f"{name}：{rows:,} 行" for name, rows in self.tables.items()]
        lines.append(
            f"参保人 {self.persons:,} 人，定点机构 {self.institutions:,} 家；"
            f"注入疑点 {self.truth_rows:,} 例（{len(self.injected)} 条规则，"
            f"每条至少 {min(self.injected.values(), default=0):,} 例），"
            f"边界对照就诊 {self.hard_negative_visits:,} 次"
        )
        lines.append(f"用时 {self.seconds:.1f} 秒")
        return lines


class _TableWriter:
    """Streams Arrow tables to ``<out>/<name>.parquet`` (row groups) or ``.csv``."""

    def __init__(self, path: Path, fmt: Format) -> None:
        self.path = path
        self.fmt = fmt
        self.rows = 0
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self.fmt == "csv":
            table = _csv_ready(table)
        if self._writer is None:
            if self.fmt == "parquet":
                self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            else:
                self._writer = pacsv.CSVWriter(self.path, table.schema)
        if isinstance(self._writer, pq.ParquetWriter):
            self._writer.write_table(table, row_group_size=ROW_GROUP)
        else:
            self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps as 'YYYY-MM-DD HH:MM:SS' and decimals as plain text for CSV."""
    cols = []
    for col, f in zip(table.columns, table.schema, strict=True):
        if pa.types.is_timestamp(f.type):
            cols.append(pc.strftime(col, format="%Y-%m-%d %H:%M:%S"))
        elif pa.types.is_decimal(f.type):
            cols.append(col.cast(pa.string()))
        else:
            cols.append(col)
    return pa.table(cols, names=table.column_names)


def _write_one(out: Path, name: str, table: pa.Table, fmt: Format) -> int:
    writer = _TableWriter(out / f"{name}.{fmt}", fmt)
    writer.write(table)
    writer.close()
    return table.num_rows


def _open_default_kb() -> KnowledgeSource:
    from qiandai.knowledge import KnowledgeBase

    return KnowledgeBase.open()


class _KbAdapter:
    """The knowledge base as the generator reads it (the disease dictionary from the package)."""

    def __init__(self, kb: KnowledgeSource | KnowledgeBase) -> None:
        self.kb = kb

    def rule_table(self, name: str) -> pa.Table:
        return self.kb.rule_table(name)

    def diagnosis_rules(self) -> pa.Table:
        return self.kb.diagnosis_rules()

    def diagnosis_categories(self) -> pa.Table:
        own = getattr(self.kb, "diagnosis_categories", None)
        if callable(own):
            return own()
        from qiandai.knowledge import diagnosis_categories

        return diagnosis_categories()


def generate_claims(
    out: Path,
    *,
    visits: int,
    seed: int,
    fraud_rate: float = 0.002,
    kb: KnowledgeBase | KnowledgeSource | None = None,
    fmt: Format = "parquet",
    on_progress: Progress | None = None,
) -> GenerationReport:
    """Write about ``visits`` visits of synthetic claims and their ground truth under ``out``."""
    if visits < 1:
        raise ValueError("visits must be positive")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        if on_progress is not None:
            on_progress(stage, fraction)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    source = _KbAdapter(kb if kb is not None else _open_default_kb())
    progress("knowledge", 0.0)
    cat = build_catalog(source)
    dx = build_diagnoses(source)
    codes = choose_codes(cat, rng_for(seed, 1))
    withheld = injections_breadth.withheld(cat, codes) | injections_safety.withheld(cat, codes)
    pools = build_pools(cat, codes.excluded(cat) | withheld)
    insts = build_institutions(rng_for(seed, 2), visits // 2000)

    progress("scenarios", 0.05)
    cases = max(25, round(fraud_rate * visits))
    hard = max(5, cases // 4)
    builder = ScenarioBuilder(rng_for(seed, 3), cat, insts)
    plant_all(builder, Context(builder, codes, pools, dx), cases, hard)
    n_scenario = len(builder.visits.get("person", []))

    progress("visits", 0.1)
    pop = background_population(rng_for(seed, 4), max(50, visits // 4))
    n_background = max(visits - n_scenario, 0)
    bg = background_visits(rng_for(seed, 5), pop, insts, dx, n_background) if n_background else Visits.empty()
    person_offset = builder.add_persons(pop)
    scenario = builder.visit_table(person_offset, len(bg))
    assign_diagnoses(rng_for(seed, 6), scenario, pop, dx)
    allv = bg.concat(scenario)
    ids = VisitIds.build(allv, pop, insts)

    # fee lines, chunk by chunk; the scenario chunk last (its truth rows need the line numbers)
    fee_writer = _TableWriter(out / f"FEE_LIST_D.{fmt}", fmt)
    totals = np.zeros(len(allv), dtype=np.int64)
    line_offset = 0
    n_chunks = max(1, -(-len(bg) // CHUNK_VISITS))
    for chunk in range(n_chunks):
        visit_ids = np.arange(chunk * CHUNK_VISITS, min(len(bg), (chunk + 1) * CHUNK_VISITS), dtype=np.int64)
        lines = generate_lines(rng_for(seed, 7, chunk), cat, pools, pop, insts, allv, visit_ids)
        totals += np.bincount(lines.visit, weights=lines.amount, minlength=len(allv)).astype(np.int64)
        fee_writer.write(fee_table(lines, line_offset, allv, ids, cat, pop))
        line_offset += len(lines)
        progress("fees", 0.15 + 0.7 * (chunk + 1) / n_chunks)
    scenario_ids = np.arange(len(bg), len(allv), dtype=np.int64)
    base = generate_lines(rng_for(seed, 8), cat, pools, pop, insts, allv, scenario_ids)
    extra, tags = builder.extra_lines(len(bg))
    lines = base.concat(extra)
    tag = np.concatenate([np.full(len(base), -1, dtype=np.int64), tags])
    order = np.lexsort((lines.time, lines.visit))
    lines, tag = lines.take(order), tag[order]
    totals += np.bincount(lines.visit, weights=lines.amount, minlength=len(allv)).astype(np.int64)
    fee_writer.write(fee_table(lines, line_offset, allv, ids, cat, pop))
    truth = _truth_table(builder.truth, lines, tag, line_offset, len(bg), allv, ids)
    line_offset += len(lines)
    fee_writer.close()

    progress("tables", 0.9)
    report = GenerationReport(
        out=out,
        seed=seed,
        visits=len(allv),
        persons=len(np.unique(allv.person)),
        institutions=len(insts),
        hard_negative_visits=int((allv.origin == ORIGIN_HARD_NEGATIVE).sum()),
    )
    report.tables["FEE_LIST_D"] = line_offset
    off = len(bg)
    patches = builder.patches
    tables = {
        "MDTRT_D": mdtrt_table(allv, ids, pop, insts, dx),
        "SETL_D": setl_table(allv, ids, pop, insts, totals, rng_for(seed, 9)),
        "SETL_LIST_DIAG_D": diag_table(allv, ids, dx),
    }
    for name, table in tables.items():
        tables[name] = apply_patches(table, name, patches, off, ids)
        report.tables[name] = _write_one(out, name, tables[name], fmt)
    oprn = oprn_table(builder.operations, off, allv, ids)
    report.tables["SETL_LIST_OPRN_D"] = _write_one(out, "SETL_LIST_OPRN_D", oprn, fmt)
    # optional side inputs: 进销存 and bedside check-ins (docs/claims-stock-checkins.md)
    side, stock_truth = stock.generate(tables["MDTRT_D"], rng_for(seed, 31), cases, hard)
    side["CHECKIN_D"], checkin_truth = checkins.generate(
        tables["MDTRT_D"], out / f"FEE_LIST_D.{fmt}", rng_for(seed, 32), cases, hard
    )
    for name, table in side.items():
        report.tables[name] = _write_one(out, name, table, fmt)
    truth = pa.concat_tables([truth, stock_truth, checkin_truth])
    pq.write_table(truth, out / TRUTH_FILE)
    report.tables["ground_truth"] = truth.num_rows
    counts = pc.value_counts(truth.column("rule_id")).to_pylist() if truth.num_rows else []
    found = {str(c["values"]): int(c["counts"]) for c in counts}
    report.injected = {rule: found.get(rule, 0) for rule in {**RULES, **stock.RULES, **checkins.RULES}}
    report.seconds = time.perf_counter() - started
    progress("done", 1.0)
    return report


def _truth_table(
    cases: list[TruthCase],
    lines: Lines,
    tag: np.ndarray,
    line_offset: int,
    visit_offset: int,
    v: Visits,
    ids: VisitIds,
) -> pa.Table:
    """Resolve each case's selector to fee line numbers and build the ground-truth table."""
    position = {int(t): i for i, t in enumerate(tag.tolist()) if t >= 0}
    day = lines.time // DAY
    rows_rule, rows_visit, rows_fee, rows_note = [], [], [], []
    for case in cases:
        gv = visit_offset + case.visit
        lo, hi = np.searchsorted(lines.visit, [gv, gv + 1])
        span = np.arange(lo, hi)
        kind = case.selector[0]
        if kind == "extra":
            pos = np.array(sorted(position[int(t)] for t in case.selector[1]), dtype=np.int64)
        elif kind == "all":
            pos = span
        elif kind == "days":
            pos = span[(day[span] >= case.selector[1]) & (day[span] <= case.selector[2])]
        elif kind == "code_day":
            pos = span[(lines.code[span] == case.selector[1]) & (day[span] == case.selector[2])]
        else:
            pos = np.zeros(0, dtype=np.int64)
        rows_rule.append(case.rule_id)
        rows_visit.append(gv)
        rows_fee.append(bkkp_sns(pos + line_offset).to_pylist())
        rows_note.append(case.note)
    visit = np.array(rows_visit, dtype=np.int64)
    return pa.table(
        {
            "rule_code": pa.array([RULES[r] for r in rows_rule], type=pa.string()),
            "rule_id": pa.array(rows_rule, type=pa.string()),
            "mdtrt_id": ids.mdtrt.take(pa.array(visit)) if len(visit) else pa.array([], type=pa.string()),
            "psn_no": ids.psn.take(pa.array(v.person[visit]))
            if len(visit)
            else pa.array([], type=pa.string()),
            "fee_ids": pa.array(rows_fee, type=pa.list_(pa.string())),
            "note": pa.array(rows_note, type=pa.string()),
        },
        schema=GROUND_TRUTH_SCHEMA,
    )
