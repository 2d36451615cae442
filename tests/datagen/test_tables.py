"""The generated folder is a valid national extraction: names, types, identity numbers, sums."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from qiandai.claims.schema import TABLES, Kind
from qiandai.datagen.claims import GenerationReport
from qiandai.domain.idcard import birth_date, gender_code, is_valid_id_number

_ARROW_KIND = {
    Kind.TEXT: pa.types.is_string,
    Kind.CODE: pa.types.is_string,
    Kind.ID_NUMBER: pa.types.is_string,
    Kind.INT: pa.types.is_integer,
    Kind.DECIMAL: pa.types.is_decimal,
    Kind.DATE: pa.types.is_date32,
    Kind.DATETIME: pa.types.is_timestamp,
}


def test_tables_and_columns_are_national(small: tuple[Path, GenerationReport]) -> None:
    folder, report = small
    for spec in TABLES:
        table = pq.read_table(folder / f"{spec.national_name}.parquet")
        assert set(table.column_names) <= set(spec.national_columns), spec.national_name
        assert set(spec.required_columns) <= set(table.column_names), spec.national_name
        for name in table.column_names:
            try:
                col = spec.column(name)
            except KeyError:
                continue
            assert _ARROW_KIND[col.kind](table.schema.field(name).type), f"{spec.national_name}.{name}"
            if col.allowed:
                values = set(table.column(name).drop_null().to_pylist())
                assert values <= set(col.allowed), f"{spec.national_name}.{name}: {values - set(col.allowed)}"
        assert table.num_rows == report.tables[spec.national_name]


def test_identity_numbers_are_valid_and_consistent(small: tuple[Path, GenerationReport]) -> None:
    folder, _ = small
    rows = pq.read_table(
        folder / "MDTRT_D.parquet", columns=["certno", "gend", "brdy", "psn_name"]
    ).to_pylist()
    assert rows
    for row in rows:
        certno = row["certno"]
        assert is_valid_id_number(certno), certno
        assert gender_code(certno) == row["gend"]
        assert birth_date(certno) == row["brdy"]
        assert 2 <= len(row["psn_name"]) <= 3


def test_fee_sums_and_settlements_agree(small: tuple[Path, GenerationReport]) -> None:
    folder, _ = small
    con = duckdb.connect()
    fee, setl, mdtrt, truth = (
        f"'{folder / name}.parquet'" for name in ("FEE_LIST_D", "SETL_D", "MDTRT_D", "ground_truth")
    )
    rules = "'fee_amount_mismatch', 'settlement_mismatch'"
    planted = f"(SELECT mdtrt_id FROM {truth} WHERE rule_id IN ({rules}))"
    wrong_lines = con.execute(
        f"SELECT count(*) FROM {fee} WHERE det_item_fee_sumamt <> cnt * pric AND mdtrt_id NOT IN {planted}"
    ).fetchone()
    assert wrong_lines == (0,)
    assert con.execute(f"SELECT count(*) - count(DISTINCT bkkp_sn) FROM {fee}").fetchone() == (0,)
    mismatched = con.execute(
        f"""SELECT count(*) FROM {setl} s
            FULL JOIN (SELECT mdtrt_id, sum(det_item_fee_sumamt) AS total FROM {fee} GROUP BY 1) f
              USING (mdtrt_id)
            WHERE (s.medfee_sumamt IS DISTINCT FROM f.total
                   OR s.medfee_sumamt <> s.fund_pay_sumamt + s.psn_pay)
              AND mdtrt_id NOT IN {planted}"""
    ).fetchone()
    assert mismatched == (0,)
    assert con.execute(f"SELECT count(*) - count(DISTINCT mdtrt_id) FROM {setl}").fetchone() == (0,)
    one_setl = con.execute(f"SELECT count(*) FROM {mdtrt} m ANTI JOIN {setl} s USING (mdtrt_id)").fetchone()
    assert one_setl == (0,)


def test_every_visit_has_lines_and_one_main_diagnosis(small: tuple[Path, GenerationReport]) -> None:
    folder, _ = small
    con = duckdb.connect()
    fee, diag, mdtrt = (
        f"'{folder / name}.parquet'" for name in ("FEE_LIST_D", "SETL_LIST_DIAG_D", "MDTRT_D")
    )
    assert con.execute(f"SELECT count(*) FROM {mdtrt} ANTI JOIN {fee} USING (mdtrt_id)").fetchone() == (0,)
    mains = con.execute(
        f"""SELECT count(*) FROM {mdtrt} m
            LEFT JOIN (SELECT mdtrt_id, sum(CAST(maindiag_flag AS INT)) AS n FROM {diag} GROUP BY 1) d
              USING (mdtrt_id)
            WHERE (m.med_type <> '41' AND coalesce(d.n, 0) <> 1)"""
    ).fetchone()
    assert mains == (0,)
    kinds = dict(con.execute(f"SELECT med_type, count(*) FROM {mdtrt} GROUP BY 1").fetchall())
    assert {"11", "13", "21", "41"} <= set(kinds)


def test_lines_per_visit_are_realistic(small: tuple[Path, GenerationReport]) -> None:
    _, report = small
    per_visit = report.tables["FEE_LIST_D"] / report.tables["MDTRT_D"]
    assert 6 <= per_visit <= 16
    assert report.institutions >= 20
