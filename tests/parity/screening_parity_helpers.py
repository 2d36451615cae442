"""DuckDB/Spark parity of the screening features: the Spark engine, data and comparisons.

- :func:`spark_engine` is a :class:`~qiandai.batch.sql_engines.SparkEngine` on the process's one Spark
  session (local mode), skipping the test where PySpark or Java is missing.
- :func:`assert_columns_equal` compares two frames column by column after a canonical sort on a key:
  exactly, except the columns named in ``float_sums``, which are sums of doubles whose summation order
  legitimately differs between engines (DuckDB's and Spark's parallel aggregation add the same values in a
  different order) and are compared with a relative tolerance of 1e-12 — far below any rule threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from qiandai.batch.spark import SparkUnavailableError
from qiandai.batch.sql_engines import SparkEngine

SUM_RTOL = 1e-12


def spark_engine() -> SparkEngine:
    """The Spark engine in local mode on the process's session; skip when PySpark or Java is absent."""
    pytest.importorskip("pyspark")
    try:
        engine = SparkEngine.start()
    except SparkUnavailableError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Spark unavailable: {exc}")
    # Test data is tiny: two shuffle partitions (one per core) instead of the session's eight.
    engine.session.conf.set("spark.sql.shuffle.partitions", "2")
    return engine


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return tuple(_plain(v) for v in value.tolist())
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value


def column_differences(
    left: pd.DataFrame,
    right: pd.DataFrame,
    key: str,
    columns: Iterable[str],
    float_sums: Sequence[str] = (),
) -> dict[str, list[Any]]:
    """``{column: [keys where the values differ]}`` (empty when the frames agree; see the docstring)."""
    a = left.sort_values(key).reset_index(drop=True)
    b = right.sort_values(key).reset_index(drop=True)
    assert a[key].tolist() == b[key].tolist(), "the two engines returned different key sets"
    out: dict[str, list[Any]] = {}
    for column in columns:
        x, y = a[column], b[column]
        if _is_number(x) and _is_number(y):
            xv = x.astype("float64").to_numpy()
            yv = y.astype("float64").to_numpy()
            if column in float_sums:
                same = np.isclose(xv, yv, rtol=SUM_RTOL, atol=0.0, equal_nan=True)
            else:
                same = (xv == yv) | (np.isnan(xv) & np.isnan(yv))
        else:
            same = np.array([_plain(p) == _plain(q) for p, q in zip(x, y, strict=True)])
        if not same.all():
            out[column] = a.loc[~same, key].head(5).tolist()
    return out


def assert_columns_equal(
    left: pd.DataFrame,
    right: pd.DataFrame,
    key: str,
    columns: Iterable[str],
    float_sums: Sequence[str] = (),
) -> None:
    diffs = column_differences(left, right, key, columns, float_sums)
    assert not diffs, f"DuckDB and Spark differ (column: first keys): {diffs}"
