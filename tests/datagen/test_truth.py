"""Ground truth: schema, references, and at least 25 planted cases for each rule of the contract."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from qiandai.claims.findings import GROUND_TRUTH_SCHEMA
from qiandai.datagen import checkins, stock
from qiandai.datagen.claims import GenerationReport
from qiandai.datagen.planting import RULES

SIDE_RULES = {**stock.RULES, **checkins.RULES}  # 进销存 / check-in truth: own keys, no fee lines

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "claims-rules.md"


def test_rule_codes_follow_the_contract() -> None:
    rows = re.findall(
        r"^\| (\w+) \| ([A-Z0-9-]+) \|", CONTRACT.read_text(encoding="utf-8"), flags=re.MULTILINE
    )
    table = {rule_id: code for rule_id, code in rows if rule_id != "rule_id"}
    assert table == RULES


def test_truth_schema_and_counts(small: tuple[Path, GenerationReport]) -> None:
    folder, report = small
    truth = pq.read_table(folder / "ground_truth.parquet")
    assert truth.schema.equals(GROUND_TRUTH_SCHEMA)
    assert set(report.injected) == set(RULES) | set(SIDE_RULES)
    assert min(report.injected.values()) >= 25, report.injected
    keys = {(r["rule_code"], r["mdtrt_id"]) for r in truth.select(["rule_code", "mdtrt_id"]).to_pylist()}
    assert len(keys) == truth.num_rows  # one row per (rule_code, mdtrt_id)
    for row in truth.slice(0, 50).to_pylist():
        assert {**RULES, **SIDE_RULES}[row["rule_id"]] == row["rule_code"] and row["note"]


def test_truth_references_existing_visits_and_lines(small: tuple[Path, GenerationReport]) -> None:
    folder, _ = small
    con = duckdb.connect()
    truth, mdtrt, fee = (f"'{folder / name}.parquet'" for name in ("ground_truth", "MDTRT_D", "FEE_LIST_D"))
    truth = f"(SELECT * FROM {truth} WHERE rule_id NOT IN ({', '.join(repr(r) for r in SIDE_RULES)}))"
    missing_visits = con.execute(
        f"SELECT count(*) FROM {truth} t ANTI JOIN {mdtrt} m USING (mdtrt_id)"
    ).fetchone()
    assert missing_visits == (0,)
    wrong_person = con.execute(
        f"SELECT count(*) FROM {truth} t JOIN {mdtrt} m USING (mdtrt_id) WHERE t.psn_no <> m.psn_no"
    )
    assert wrong_person.fetchone() == (0,)
    lines = con.execute(
        f"""SELECT count(*) AS n, count(f.bkkp_sn) AS found,
                   count(*) FILTER (WHERE f.mdtrt_id <> t.mdtrt_id) AS other
            FROM (SELECT mdtrt_id, unnest(fee_ids) AS bkkp_sn FROM {truth}) t
            LEFT JOIN {fee} f USING (bkkp_sn)"""
    ).fetchone()
    assert lines is not None and lines[0] > 0 and lines[0] == lines[1] and lines[2] == 0
    without_lines = con.execute(f"SELECT DISTINCT rule_id FROM {truth} WHERE len(fee_ids) = 0").fetchall()
    visit_level = {"diag_gender", "diag_age", "settlement_mismatch", "diagnosis_code_invalid"}
    visit_level |= {"operation_code_invalid", "operation_gender", "operation_diagnosis"}
    assert {r for (r,) in without_lines} <= visit_level
