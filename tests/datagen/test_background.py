"""The background is clean: checks of the contract's simplest rules, independent of the rule pack.

Every line or visit that breaks one of these rules must be a planted case of that rule.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from qiandai.datagen.claims import GenerationReport


@pytest.fixture(scope="module")
def con(small: tuple[Path, GenerationReport]) -> duckdb.DuckDBPyConnection:
    folder, _ = small
    c = duckdb.connect()
    for name in ("FEE_LIST_D", "MDTRT_D", "ground_truth"):
        c.execute(f"CREATE VIEW {name} AS SELECT * FROM '{folder / name}.parquet'")
    return c


def _unexplained(con: duckdb.DuckDBPyConnection, rule_id: str, hits_sql: str) -> list[tuple[str]]:
    sql = f"""SELECT DISTINCT mdtrt_id FROM ({hits_sql})
              EXCEPT SELECT mdtrt_id FROM ground_truth WHERE rule_id = '{rule_id}'"""
    return con.execute(sql).fetchall()


def test_prices_above_the_ceiling_are_planted(con: duckdb.DuckDBPyConnection) -> None:
    hits = "SELECT mdtrt_id FROM FEE_LIST_D WHERE pric_uplmt_amt > 0 AND pric > pric_uplmt_amt"
    assert _unexplained(con, "over_price", hits) == []
    at_ceiling = con.execute("SELECT count(*) FROM FEE_LIST_D WHERE pric = pric_uplmt_amt").fetchone()
    assert at_ceiling is not None and at_ceiling[0] > 0  # hard negatives of over_price


def test_lines_outside_the_stay_are_planted(con: duckdb.DuckDBPyConnection) -> None:
    hits = """SELECT f.mdtrt_id FROM FEE_LIST_D f JOIN MDTRT_D m USING (mdtrt_id)
              WHERE m.med_type = '21' AND (CAST(f.fee_ocur_time AS DATE) < CAST(m.begntime AS DATE)
                                        OR CAST(f.fee_ocur_time AS DATE) > CAST(m.endtime AS DATE))"""
    assert _unexplained(con, "fee_outside_stay", hits) == []


def test_fees_after_death_are_planted(con: duckdb.DuckDBPyConnection) -> None:
    hits = """SELECT f.mdtrt_id FROM FEE_LIST_D f
              JOIN (SELECT psn_no, min(die_date) AS d FROM MDTRT_D GROUP BY 1) x USING (psn_no)
              WHERE CAST(f.fee_ocur_time AS DATE) > x.d"""
    assert _unexplained(con, "fee_after_death", hits) == []
    deaths = con.execute(
        "SELECT count(*) FROM MDTRT_D WHERE die_date IS NOT NULL AND dscg_way = '5'"
    ).fetchone()
    assert deaths is not None and deaths[0] > 0


def test_overlapping_stays_are_planted(con: duckdb.DuckDBPyConnection) -> None:
    hits = """SELECT b.mdtrt_id FROM MDTRT_D a JOIN MDTRT_D b
                ON a.psn_no = b.psn_no AND a.mdtrt_id <> b.mdtrt_id AND a.fixmedins_code <> b.fixmedins_code
               AND (b.begntime > a.begntime OR (b.begntime = a.begntime AND b.mdtrt_id > a.mdtrt_id))
              WHERE a.med_type = '21' AND b.med_type = '21'
                AND CAST(b.begntime AS DATE) < CAST(a.endtime AS DATE)
                AND CAST(a.begntime AS DATE) < CAST(b.endtime AS DATE)"""
    assert _unexplained(con, "concurrent_stays", hits) == []


def test_monthly_visit_counts_stay_under_the_thresholds(con: duckdb.DuckDBPyConnection) -> None:
    for rule_id, types, limit in (
        ("frequent_outpatient", "('11','13','14','51')", 8),
        ("frequent_pharmacy", "('41')", 6),
    ):
        hits = f"""SELECT mdtrt_id FROM (
                     SELECT mdtrt_id, row_number() OVER (
                        PARTITION BY psn_no, date_trunc('month', begntime) ORDER BY begntime, mdtrt_id) AS k
                     FROM MDTRT_D WHERE med_type IN {types}) WHERE k > {limit}"""
        assert _unexplained(con, rule_id, hits) == []


def test_stays_without_any_test_are_planted(con: duckdb.DuckDBPyConnection) -> None:
    # 低标准入院 depends on it: every background stay bills an examination or laboratory line on its
    # admission day (or an operation), so a stay with none is a planted case.
    hits = """SELECT m.mdtrt_id FROM MDTRT_D m JOIN FEE_LIST_D f USING (mdtrt_id)
              WHERE m.med_type IN ('21', '52') GROUP BY m.mdtrt_id
              HAVING count(*) FILTER (WHERE f.cnt > 0 AND f.med_chrgitm_type IN ('03', '04', '06')) = 0"""
    assert _unexplained(con, "low_standard_admission", hits) == []
    tests = con.execute(
        """SELECT count(*) FROM FEE_LIST_D f JOIN MDTRT_D m USING (mdtrt_id)
           WHERE m.med_type = '21' AND f.med_chrgitm_type IN ('03', '04')
             AND CAST(f.fee_ocur_time AS DATE) = CAST(m.begntime AS DATE)"""
    ).fetchone()
    assert tests is not None and tests[0] > 0
