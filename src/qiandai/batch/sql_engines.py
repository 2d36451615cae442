"""One SQL definition, two engines: run DuckDB-dialect SQL on DuckDB, or transpiled to Spark SQL on Spark.

The screening features (``qiandai.cards.screening``, ``qiandai.simcards.features``) are written once,
in DuckDB's dialect. :class:`DuckDBEngine` runs them unchanged; :class:`SparkEngine` transpiles them
with ``sqlglot`` (``read="duckdb", write="spark"``) plus the few rewrites below, which are the only
place where the two engines' semantics are reconciled (ADR 0063):

* ``hash(x)`` → ``xxhash64(x)``: Spark's ``hash`` is a 32-bit murmur3 (collisions at a few hundred
  thousand keys); ``xxhash64`` is 64-bit like DuckDB's. The values differ between engines — hashes are
  only join/grouping keys, and a caller that needs DuckDB's values re-keys by name on the driver.
* ``epoch(ts)`` → milliseconds / 1000 + the remaining microseconds / 1e6, DuckDB's own arithmetic
  (Spark's ``unix_timestamp`` would drop the fraction of a second; ``micros / 1e6`` differs in the
  last bit).
* ``regexp_full_match(s, p)`` → ``s RLIKE '^(?:p)$'``.
* decimal literals (``1.0``, ``0.5``) → ``DOUBLE``: DuckDB turns ``bigint / 1.0`` into a double
  division, Spark would keep a DECIMAL rounded to six places.
* ``WITH x AS MATERIALIZED (…)`` → plain CTE; ``row_number() OVER ()`` → ordered by
  ``monotonically_increasing_id()`` (Spark insists on an order).
* ``ASOF JOIN`` has no Spark counterpart: :func:`to_spark_sql` refuses it (:class:`EngineGapError`), and
  the query supplies an engine-specific fragment instead (see ``cards.screening.DWELL_SQL``).

"Tables" are DuckDB temp tables, and on Spark temp views of persisted DataFrames, so a later statement
reads them instead of recomputing their lineage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa
import sqlglot
from sqlglot import exp

from qiandai.batch.engines import check_engine
from qiandai.batch.spark import spark_session
from qiandai.domain.errors import QiandaiError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import DataFrame, SparkSession


class EngineGapError(QiandaiError):
    """A DuckDB construct that has no portable Spark SQL form (the caller must supply a fragment)."""


# -- transpiling ------------------------------------------------------------------------------------------
_X = exp.column("__x__")
# DuckDB's epoch(ts) is whole milliseconds / 1000 plus the remaining microseconds / 1e6 (measured: this
# reproduces it bit for bit; micros / 1e6 differs in the last bit for a quarter of all values).
_EPOCH = sqlglot.parse_one(
    "CAST(UNIX_MICROS(__x__) DIV 1000 AS DOUBLE) / CAST(1000 AS DOUBLE)"
    " + CAST(UNIX_MICROS(__x__) % 1000 AS DOUBLE) / 1e6",
    read="spark",
)


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
        return exp.Anonymous(this="xxhash64", expressions=node.expressions)
    if isinstance(node, exp.TimeToUnix):
        return _EPOCH.transform(lambda n: node.this.copy() if n == _X else n)
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise EngineGapError("regexp_full_match 的模式须为字符串常量才能在 Spark 上执行")
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{pattern.this})$"))
    if isinstance(node, exp.Literal) and not node.is_string:
        text = str(node.this)
        if "." in text and "e" not in text.lower():
            return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) and not node.args.get("order"):
        order = exp.Order(
            expressions=[exp.Ordered(this=exp.Anonymous(this="monotonically_increasing_id", expressions=[]))]
        )
        node.set("order", order)
    if isinstance(node, exp.Join) and str(node.args.get("method") or "").upper() == "ASOF":
        raise EngineGapError("ASOF JOIN 在 Spark SQL 中没有对应写法，需提供 Spark 专用片段")
    return node


def to_spark_sql(sql: str) -> str:
    """One DuckDB-dialect statement as Spark SQL (see the module docstring for the rewrites)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_rewrite).sql(dialect="spark")


# -- engines ----------------------------------------------------------------------------------------------
class SqlEngine(ABC):
    """What the screening queries need from an engine. SQL passed in is always DuckDB dialect."""

    name: str

    @abstractmethod
    def create_table(self, name: str, select_sql: str) -> None:
        """Create or replace the table ``name`` as the result of ``select_sql`` (materialised)."""

    @abstractmethod
    def create_view(self, name: str, select_sql: str) -> None:
        """Create or replace the view ``name`` (evaluated when read)."""

    @abstractmethod
    def frame(self, select_sql: str) -> pd.DataFrame:
        """The result of ``select_sql`` as a pandas frame (collected to the driver)."""

    @abstractmethod
    def rows(self, select_sql: str) -> list[tuple[Any, ...]]:
        """The result of ``select_sql`` as tuples."""

    @abstractmethod
    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make an in-memory frame readable as the table ``name``."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Drop the table or view ``name`` if it exists."""

    @abstractmethod
    def columns(self, relation: str) -> list[str]:
        """The column names of a table, view or parenthesised query."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the engine holds for this job (the connection or the cached tables)."""

    def scalar(self, select_sql: str) -> Any:
        rows = self.rows(select_sql)
        return rows[0][0] if rows else None


class DuckDBEngine(SqlEngine):
    """The DuckDB connection the screening has always used; SQL runs unchanged."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, *, owned: bool = False) -> None:
        self.con = con
        self._owned = owned
        self._registered: set[str] = set()

    def create_table(self, name: str, select_sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select_sql}")

    def create_view(self, name: str, select_sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {select_sql}")

    def frame(self, select_sql: str) -> pd.DataFrame:
        return self.con.execute(select_sql).df()

    def rows(self, select_sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(select_sql).fetchall()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(name, frame)  # zero-copy: DuckDB scans the frame in place
        self._registered.add(name)

    def drop(self, name: str) -> None:
        if name in self._registered:
            self.con.unregister(name)
            self._registered.discard(name)
            return
        row = self.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        if row is not None:
            self.con.execute(f"DROP {'VIEW' if row[0] == 'VIEW' else 'TABLE'} {name}")

    def columns(self, relation: str) -> list[str]:
        return [str(r[0]) for r in self.con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]

    def close(self) -> None:
        if self._owned:
            self.con.close()


class SparkEngine(SqlEngine):
    """A Spark session; DuckDB SQL is transpiled by :func:`to_spark_sql` before it runs.

    Tables are temp views of persisted DataFrames; :meth:`close` unpersists and drops what this engine
    created (the session itself stays up for the next job in the process).
    """

    name = "spark"

    def __init__(self, session: SparkSession) -> None:
        self.session = session
        self._cached: dict[str, DataFrame] = {}
        self._views: set[str] = set()

    @classmethod
    def start(cls, master: str | None = None) -> SparkEngine:
        return cls(spark_session(master))

    def sql(self, duck_sql: str) -> DataFrame:
        return self.session.sql(to_spark_sql(duck_sql))

    def _name(self, name: str, df: DataFrame, *, persist: bool) -> None:
        self._uncache(name)
        if persist:
            df = df.persist()
            self._cached[name] = df
        df.createOrReplaceTempView(name)
        self._views.add(name)

    def _uncache(self, name: str) -> None:
        old = self._cached.pop(name, None)
        if old is not None:
            old.unpersist()

    def create_table(self, name: str, select_sql: str) -> None:
        self._name(name, self.sql(select_sql), persist=True)

    def create_view(self, name: str, select_sql: str) -> None:
        self._name(name, self.sql(select_sql), persist=False)

    def dataframe(self, name: str, df: DataFrame, *, persist: bool = False) -> None:
        """Name a DataFrame built with the DataFrame API (a file reader) as a view."""
        self._name(name, df, persist=persist)

    def frame(self, select_sql: str) -> pd.DataFrame:
        return self.sql(select_sql).toPandas()

    def rows(self, select_sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.sql(select_sql).collect()]

    def register(self, name: str, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        self._name(name, self.session.createDataFrame(table), persist=True)

    def drop(self, name: str) -> None:
        self._uncache(name)
        self.session.catalog.dropTempView(name)
        self._views.discard(name)

    def columns(self, relation: str) -> list[str]:
        if relation.lstrip().startswith("("):
            return list(self.sql(f"SELECT * FROM {relation} AS q LIMIT 0").columns)
        return list(self.session.table(relation).columns)

    def read_files(self, paths: list[Path], kind: str) -> DataFrame:
        """Parquet or CSV files as one DataFrame (CSV: header row, every column a string)."""
        names = [p.as_posix() for p in paths]
        if kind == "parquet":
            return self.session.read.parquet(*names)
        return self.session.read.option("header", True).option("inferSchema", False).csv(names)

    def close(self) -> None:
        for name in list(self._views):
            self.drop(name)


def as_engine(target: duckdb.DuckDBPyConnection | SqlEngine) -> SqlEngine:
    """Wrap a DuckDB connection (the historical API) or pass an engine through."""
    if isinstance(target, SqlEngine):
        return target
    return DuckDBEngine(target)


def open_engine(
    engine: str = "duckdb",
    *,
    spark_master: str | None = None,
    duckdb_config: dict[str, Any] | None = None,
) -> SqlEngine:
    """A fresh engine for one job: an in-memory DuckDB connection, or the process's Spark session."""
    name = check_engine(engine)
    if name == "spark":
        return SparkEngine.start(spark_master)
    return DuckDBEngine(duckdb.connect(config=duckdb_config or {}), owned=True)
