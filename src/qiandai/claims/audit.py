"""The claims audit job: ingest a folder, run a rule-set version on DuckDB or Spark, write the suspect points.

The job is one function, :func:`run_audit`. It owns the DuckDB connection for the run (in memory,
spilling to ``OUT/.tmp``) where ingestion validates and quarantines the input. The rules then run on the
chosen batch engine (:mod:`qiandai.batch`): on DuckDB in that same connection; on Spark
(``engine="spark"``) the clean tables are staged as Parquet under ``OUT/.tmp/spark`` and registered in
Spark, and the *same* Ibis expressions run there. The job prepares the enriched tables once, runs each
selected rule as one vectorised query into a hits table, then assembles the findings with the run's
columns and writes ``suspects.parquet``, ``suspects.xlsx``, ``quarantine/`` and ``run.json`` into the
output folder (identical on both engines, see ``docs/spark.md``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from qiandai.batch.backend import BatchBackend, open_backend
from qiandai.batch.engines import check_engine
from qiandai.claims.context import AuditContext, build_fee_x, build_visit_x
from qiandai.claims.findings import FINDINGS_SCHEMA, RULE_OUTPUT_COLUMNS
from qiandai.claims.ingest import IngestReport, ingest_claims
from qiandai.claims.report import RuleSummary, write_findings
from qiandai.claims.rulepack import TEMPLATES
from qiandai.claims.rulepack.requirements import missing_requirements
from qiandai.claims.schema import TABLES
from qiandai.domain.errors import RuleDefinitionError
from qiandai.knowledge.catalog import PACKAGE_TABLES
from qiandai.rules.model import RuleDefinition, RuleSetVersion


class KnowledgeSource(Protocol):
    """What the audit needs from the knowledge base."""

    def rule_table(self, name: str) -> pa.Table: ...

    def diagnosis_rules(self) -> pa.Table: ...


ProgressCallback = Callable[[str, int, int], None]  # (stage label, done, total)


@dataclass(frozen=True)
class RuleRun:
    """How one rule went in a run."""

    rule_id: str
    rule_code: str
    rule_name: str
    result_type: str
    findings: int
    amount: Decimal
    seconds: float
    skipped_reason: str | None = None


@dataclass(frozen=True)
class AuditResult:
    """The outcome of :func:`run_audit`."""

    run_id: str
    out_dir: Path
    rule_set: str
    rule_set_version: int
    ingest: IngestReport
    rules: list[RuleRun]
    findings: int
    amount: Decimal
    seconds: dict[str, float] = field(default_factory=dict)
    engine: str = "duckdb"

    @property
    def summaries(self) -> list[RuleSummary]:
        return _summaries(self.rules)


def _summaries(runs: Sequence[RuleRun]) -> list[RuleSummary]:
    return [
        RuleSummary(
            rule_id=r.rule_id,
            rule_code=r.rule_code,
            rule_name=r.rule_name,
            result_type=r.result_type,
            findings=r.findings,
            amount=r.amount,
            skipped_reason=r.skipped_reason,
        )
        for r in runs
    ]


def select_rules(version: RuleSetVersion, wanted: Sequence[str] | None) -> list[RuleDefinition]:
    """Return the enabled rules of ``version``, or those named in ``wanted`` (rule ids or codes)."""
    if not wanted:
        return [r for r in version.rules if r.enabled]
    chosen: list[RuleDefinition] = []
    for name in wanted:
        matches = [r for r in version.rules if name in (r.rule_id, r.code)]
        if not matches:
            known = "、".join(r.rule_id for r in version.rules)
            raise RuleDefinitionError(f"规则集 {version.label} 中没有规则「{name}」；可选：{known}")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def make_run_id(input_dir: Path, version: RuleSetVersion, started: datetime) -> str:
    """A readable, unique run id: time of start plus a short digest of input path and rule set."""
    digest = hashlib.sha1(f"{input_dir.resolve()}|{version.label}|{started.isoformat()}".encode()).hexdigest()
    return f"RUN-{started:%Y%m%d%H%M%S}-{digest[:6]}"


def _absent_columns(report: IngestReport) -> dict[str, frozenset[str]]:
    absent: dict[str, frozenset[str]] = {}
    for spec in TABLES:
        table = report.tables.get(spec.key)
        if table is None or table.path is None:
            absent[spec.key] = frozenset(c.name for c in spec.columns)
        else:
            absent[spec.key] = frozenset(table.absent_columns)
    return absent


def _connect(out_dir: Path, threads: int | None, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    tmp = out_dir / ".tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{tmp.as_posix()}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _mask_name(name: ir.StringValue) -> ir.StringValue:
    return name.substr(0, 1) + ibis.literal("*").repeat(name.length() - 1)


def _mask_certno(certno: ir.StringValue) -> ir.StringValue:
    return ibis.cases(
        (
            certno.length() > 7,
            certno.substr(0, 3) + ibis.literal("*").repeat(certno.length() - 7) + certno.right(4),
        ),
        else_=ibis.null("string"),
    )


def _assemble(
    batch: BatchBackend,
    visits: ir.Table,
    hits: list[tuple[RuleDefinition, ir.Table]],
    run_id: str,
    version: RuleSetVersion,
) -> pa.Table:
    """Union the hits of every rule with the run columns and visit attributes; return FINDINGS_SCHEMA."""
    if not hits:
        return FINDINGS_SCHEMA.empty_table()
    parts = [
        (t if "fixmedins_code" in t.columns else t.mutate(fixmedins_code=ibis.null("string"))).select(
            *RULE_OUTPUT_COLUMNS,
            rule_id=ibis.literal(rule.rule_id),
            rule_code=ibis.literal(rule.code),
            rule_name=ibis.literal(rule.name),
            result_type=ibis.literal(str(rule.result_type)),
        )
        for rule, t in hits
    ]
    union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    v = visits.select(
        "mdtrt_id", "fixmedins_code", "fixmedins_name", "psn_no", "psn_name", "certno", "med_type"
    ).rename(v_id="mdtrt_id", v_inst="fixmedins_code", v_inst_name="fixmedins_name")
    union = union.rename(r_inst="fixmedins_code")
    names = visits.group_by("fixmedins_code").aggregate(n_name=visits.fixmedins_name.max())
    j = union.left_join(v, union.mdtrt_id == v.v_id)
    j = j.left_join(names, j.r_inst == names.fixmedins_code)
    key = (
        j.rule_id
        + "|"
        + j.mdtrt_id
        + "|"
        + j.kp_id.fill_null("")
        + "|"
        + j.event_date.cast("string").fill_null("")
        + "|"
        + j.fee_ids.join(",").fill_null("")
    )
    out = j.select(
        finding_id="F-" + key.hexdigest("md5").substr(0, 16),
        run_id=ibis.literal(run_id),
        rule_set=ibis.literal(version.rule_set),
        rule_set_version=ibis.literal(version.version).cast("int32"),
        rule_id=j.rule_id,
        rule_code=j.rule_code,
        rule_name=j.rule_name,
        result_type=j.result_type,
        kp_id=j.kp_id,
        fixmedins_code=j.v_inst.fill_null(j.r_inst),
        fixmedins_name=ibis.cases((j.v_inst.notnull(), j.v_inst_name), else_=j.n_name),
        mdtrt_id=j.mdtrt_id,
        psn_no=j.psn_no,
        psn_name_masked=_mask_name(j.psn_name),
        certno_masked=_mask_certno(j.certno),
        med_type=j.med_type,
        event_date=j.event_date,
        fee_ids=j.fee_ids,
        fee_count=j.fee_ids.length().cast("int32"),
        amount=j.amount,
        evidence=j.evidence,
    ).order_by(["rule_code", "fixmedins_code", "mdtrt_id", "finding_id"])
    table = batch.to_arrow(out)
    return table.cast(FINDINGS_SCHEMA)


def run_audit(
    input_dir: Path,
    out_dir: Path,
    *,
    version: RuleSetVersion,
    knowledge: KnowledgeSource,
    rule_ids: Sequence[str] | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    progress: ProgressCallback | None = None,
    write_xlsx: bool = True,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> AuditResult:
    """Audit the national-format folder ``input_dir`` with ``version``; write outputs to ``out_dir``.

    Rules whose input columns are absent are skipped with a reason (see ``rulepack.requirements``).
    ``engine`` is ``duckdb`` (default) or ``spark`` (on ``spark_master``, default ``local[2]`` or
    ``$QIANDAI_SPARK_MASTER``). Raises the ingestion errors (``InputFileError``, ``InputFolderError``) for
    unusable input and ``SparkUnavailableError`` when Spark cannot start.
    """
    engine = check_engine(engine)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    out_dir.mkdir(parents=True, exist_ok=True)
    rules = select_rules(version, rule_ids)
    run_id = make_run_id(input_dir, version, started)
    report_progress = progress or (lambda label, done, total: None)
    total_steps = len(rules) + 3

    con = _connect(out_dir, threads, memory_limit)
    batch: BatchBackend | None = None
    try:
        report_progress("读取并校验输入", 0, total_steps)
        ingest = ingest_claims(input_dir, con, quarantine_dir=out_dir / "quarantine")
        seconds["ingest"] = time.perf_counter() - clock

        t0 = time.perf_counter()
        report_progress("准备就诊与费用宽表", 1, total_steps)
        batch = open_backend(
            engine, workdir=out_dir / ".tmp" / "spark", master=spark_master, duckdb_connection=con
        )
        if batch.engine != "duckdb":
            batch.adopt_duckdb_tables(con, [spec.key for spec in TABLES])
            seconds["stage"] = time.perf_counter() - t0
        backend = batch.ibis
        visits = batch.materialize(
            "visit_x", build_visit_x(batch.table("mdtrt"), batch.table("fee"), batch.table("diag"))
        )
        fee = batch.materialize("fee_x", build_fee_x(batch.table("fee"), visits))
        seconds["prepare"] = time.perf_counter() - t0

        def load_knowledge(name: str) -> pa.Table:
            if name == "diagnosis_rules":
                return knowledge.diagnosis_rules()
            if name in PACKAGE_TABLES:
                return PACKAGE_TABLES[name]()
            return knowledge.rule_table(name)

        ctx = AuditContext(
            backend=backend,
            fee=fee,
            visits=visits,
            diag=batch.table("diag"),
            knowledge_loader=load_knowledge,
            absent_columns=_absent_columns(ingest),
            register=batch.register_arrow,
        )
        runs: list[RuleRun] = []
        hits: list[tuple[RuleDefinition, ir.Table]] = []
        for i, rule in enumerate(rules, start=2):
            report_progress(f"规则 {rule.code} {rule.name}", i, total_steps)
            t0 = time.perf_counter()
            missing = missing_requirements(rule.template, ctx.absent_columns)
            if missing:
                need = "；".join(" 或 ".join(alts) for alts in missing)
                runs.append(_skipped(rule, f"输入缺少所需列：{need}"))
                continue
            compiler = TEMPLATES.get(rule.template)
            table = batch.materialize(f"hits_{rule.rule_id}", compiler(ctx, rule))
            hits.append((rule, table))
            runs.append(  # counts are filled in from the assembled findings below
                RuleRun(
                    rule_id=rule.rule_id,
                    rule_code=rule.code,
                    rule_name=rule.name,
                    result_type=str(rule.result_type),
                    findings=0,
                    amount=Decimal("0.00"),
                    seconds=time.perf_counter() - t0,
                )
            )
        seconds["rules"] = sum(r.seconds for r in runs)

        t0 = time.perf_counter()
        report_progress("汇总并写出疑点", total_steps - 1, total_steps)
        findings = _assemble(batch, visits, hits, run_id, version)
        runs = _with_counts(runs, findings)
        run_info = {
            "审核批次": run_id,
            "规则集版本": version.label,
            "计算引擎": "Spark" if engine == "spark" else "DuckDB",
            "输入目录": str(input_dir),
            "开始时间": started.astimezone().isoformat(timespec="seconds"),
            "费用明细（入库/读取）": f"{ingest.tables['fee'].rows_loaded}/{ingest.tables['fee'].rows_read}",
        }
        write_findings(
            findings, out_dir, rule_summaries=_summaries(runs), run_info=run_info, write_xlsx=write_xlsx
        )
        seconds["write"] = time.perf_counter() - t0
        report_progress("完成", total_steps, total_steps)
    finally:
        if batch is not None:
            batch.close()
        con.close()
        shutil.rmtree(out_dir / ".tmp", ignore_errors=True)

    seconds["total"] = time.perf_counter() - clock
    result = AuditResult(
        run_id=run_id,
        out_dir=out_dir,
        rule_set=version.rule_set,
        rule_set_version=version.version,
        ingest=ingest,
        rules=runs,
        findings=findings.num_rows,
        amount=sum((r.amount for r in runs), Decimal("0")),
        seconds=seconds,
        engine=engine,
    )
    _write_manifest(result)
    return result


def _with_counts(runs: list[RuleRun], findings: pa.Table) -> list[RuleRun]:
    """Fill each rule's number of findings and amount from the assembled findings (one row per hit; the
    visit join of ``_assemble`` never multiplies rows), so no engine runs a query per rule for them."""
    grouped = findings.group_by("rule_id").aggregate([("rule_id", "count"), ("amount", "sum")])
    stats = {
        rid: (int(n), Decimal(amount or 0).quantize(Decimal("0.01")))
        for rid, n, amount in zip(
            grouped.column("rule_id").to_pylist(),
            grouped.column("rule_id_count").to_pylist(),
            grouped.column("amount_sum").to_pylist(),
            strict=True,
        )
    }
    counted: list[RuleRun] = []
    for run in runs:
        if not run.skipped_reason:
            n, amount = stats.get(run.rule_id, (0, Decimal("0.00")))
            run = replace(run, findings=n, amount=amount)
        counted.append(run)
    return counted


def _skipped(rule: RuleDefinition, reason: str) -> RuleRun:
    return RuleRun(
        rule_id=rule.rule_id,
        rule_code=rule.code,
        rule_name=rule.name,
        result_type=str(rule.result_type),
        findings=0,
        amount=Decimal("0"),
        seconds=0.0,
        skipped_reason=reason,
    )


def _write_manifest(result: AuditResult) -> None:
    """Write ``run.json``: what ran, on what, with what outcome (no personal information)."""
    manifest = {
        "run_id": result.run_id,
        "rule_set": result.rule_set,
        "rule_set_version": result.rule_set_version,
        "engine": result.engine,
        "findings": result.findings,
        "amount": str(result.amount),
        "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
        "rules": [
            {**asdict(r), "amount": str(r.amount), "seconds": round(r.seconds, 3)} for r in result.rules
        ],
    }
    (result.out_dir / "run.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
