"""The SQL identity-number check used by ingestion agrees with :mod:`qiandai.domain.idcard`."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qiandai.claims.validation import id_number_problem_sql, mask_id_sql
from qiandai.domain.idcard import id_number_problem, make_id_number
from qiandai.domain.masking import mask_id_number

TODAY = date(2025, 1, 1)

# Random 18-character strings over digits, X/x and a few other characters; plus near-valid numbers
# (a made number with one character replaced) and other lengths, so every branch is reached.
id_chars = st.sampled_from("0123456789Xx a")
random_18 = st.text(alphabet=id_chars, min_size=18, max_size=18)
other_length = st.text(alphabet=id_chars, min_size=0, max_size=22)
made = st.builds(
    make_id_number,
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@st.composite
def near_valid(draw: st.DrawFn) -> str:
    number = draw(made)
    position = draw(st.integers(min_value=0, max_value=17))
    return number[:position] + draw(id_chars) + number[position + 1 :]


candidates = st.one_of(random_18, other_length, made, near_valid(), st.just(""))


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _evaluate(con: duckdb.DuckDBPyConnection, expr: str, values: list[str]) -> list[str | None]:
    """Evaluate ``expr`` (over column ``v``) for each value, in order."""
    rows = con.execute(
        f"SELECT {expr} FROM (SELECT unnest(?::VARCHAR[]) AS v, unnest(range(len(?))) AS i) ORDER BY i",
        [values, values],
    ).fetchall()
    return [r[0] for r in rows]


def _sql_reasons(con: duckdb.DuckDBPyConnection, values: list[str]) -> list[str | None]:
    return _evaluate(con, id_number_problem_sql("v", today=TODAY), values)


@settings(max_examples=150, deadline=None)
@given(st.lists(candidates, min_size=1, max_size=40))
def test_sql_check_agrees_with_python(con: duckdb.DuckDBPyConnection, values: list[str]) -> None:
    expected = [p.reason if (p := id_number_problem(v, today=TODAY)) else None for v in values]
    assert _sql_reasons(con, values) == expected


def test_sql_check_on_null(con: duckdb.DuckDBPyConnection) -> None:
    expr = id_number_problem_sql("v", today=TODAY)
    assert con.execute(f"SELECT {expr} FROM (SELECT NULL::VARCHAR AS v)").fetchone() == ("身份证号为空",)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="0123456789X中", max_size=20), min_size=1, max_size=20))
def test_sql_mask_agrees_with_python(con: duckdb.DuckDBPyConnection, values: list[str]) -> None:
    assert _evaluate(con, mask_id_sql("v"), values) == [mask_id_number(v) for v in values]
