"""One interface over the batch engines: an Ibis backend plus the few operations Ibis leaves engine-specific.

The claims rules, indicators and screening features are Ibis expressions; they run unchanged on DuckDB
or on Spark. What differs between the engines is how data gets *in* (register an Arrow table or a
Parquet file under a name), how an intermediate result is *kept* (DuckDB: a table; Spark: a temporary
view over a checkpointed DataFrame, so that later queries do not recompute it) and how a result comes
*out* as Arrow. :class:`BatchBackend` holds exactly those operations; :func:`open_backend` picks one.

Contract:
- ``register_arrow(name, table)`` / ``register_parquet(name, path)`` make ``name`` a table of the
  backend and return it; registering a name again replaces it.
- ``materialize(name, expr)`` computes ``expr`` once and returns a table that later expressions read
  instead of recomputing it.
- ``to_arrow(expr)`` returns the result with the Arrow types of ``expr``'s Ibis schema (decimals stay
  decimals, timestamps are naive UTC, NULL stays NULL).
- On Spark the Parquet files must be readable by every executor: in local mode any folder; on a
  cluster a shared filesystem, HDFS or object-store path (see ``docs/spark.md``).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from qiandai.batch.engines import Engine, check_engine
from qiandai.batch.spark import SparkUnavailableError, default_master, spark_session


class BatchBackend:
    """An Ibis backend with registration, materialisation and Arrow output (see the module docstring)."""

    engine: Engine

    def __init__(self, backend: ibis.BaseBackend) -> None:
        self.ibis = backend

    def table(self, name: str) -> ir.Table:
        return self.ibis.table(name)

    def register_arrow(self, name: str, table: pa.Table) -> ir.Table:
        raise NotImplementedError

    def register_parquet(self, name: str, path: Path | str) -> ir.Table:
        raise NotImplementedError

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        raise NotImplementedError

    def adopt_duckdb_tables(self, con: Any, names: Sequence[str]) -> None:
        """Make the tables ``names`` of the DuckDB connection ``con`` tables of this backend."""
        raise NotImplementedError

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        raise NotImplementedError

    def close(self) -> None:
        """Release what this object opened (never the shared Spark session)."""


class DuckDBBackend(BatchBackend):
    """DuckDB: tables in the connection (the connection is the caller's unless ``owns`` is true)."""

    engine: Engine = "duckdb"

    def __init__(self, con: Any, *, owns: bool = False) -> None:
        super().__init__(ibis.duckdb.from_connection(con))
        self.con = con
        self._owns = owns

    def register_arrow(self, name: str, table: pa.Table) -> ir.Table:
        return self.ibis.create_table(name, obj=table, overwrite=True)

    def register_parquet(self, name: str, path: Path | str) -> ir.Table:
        return self.ibis.read_parquet(str(path), table_name=name)

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        return self.ibis.create_table(name, expr, overwrite=True)

    def adopt_duckdb_tables(self, con: Any, names: Sequence[str]) -> None:
        if con is not self.con:
            raise ValueError("DuckDB backend can only adopt tables of its own connection")

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        return self.ibis.to_pyarrow(expr.as_table())

    def close(self) -> None:
        if self._owns:
            self.con.close()


class SparkBackend(BatchBackend):
    """Spark: temporary views; Arrow tables are staged as Parquet under ``workdir`` (see module docstring).

    ``materialize`` checkpoints the DataFrame in the executors' storage (``localCheckpoint``), which cuts
    the query plan: the rule queries stay small however many steps built their inputs.
    """

    engine: Engine = "spark"

    def __init__(self, session: Any, workdir: Path) -> None:
        super().__init__(ibis.pyspark.connect(session))
        self.session = session
        self.workdir = workdir
        self._kept: list[Any] = []
        self._views: set[str] = set()
        self._files = itertools.count()
        workdir.mkdir(parents=True, exist_ok=True)

    def register_arrow(self, name: str, table: pa.Table) -> ir.Table:
        path = self._new_file(name)
        pq.write_table(_spark_ready(table), path)
        return self.register_parquet(name, path)

    def register_parquet(self, name: str, path: Path | str) -> ir.Table:
        df = self.session.read.parquet(str(path))
        df.createOrReplaceTempView(name)
        self._views.add(name)
        return self.ibis.table(name)

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        df = self._dataframe(expr).localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        self._views.add(name)
        self._kept.append(df)
        return self.ibis.table(name)

    def adopt_duckdb_tables(self, con: Any, names: Sequence[str]) -> None:
        """Export each table to Parquet under ``workdir`` (DuckDB's writer keeps the types); register it."""
        for name in names:
            path = self._new_file(name)
            con.execute(f"COPY {_quote(name)} TO '{_sql_path(path)}' (FORMAT parquet)")
            self.register_parquet(name, path)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        table_expr = expr.as_table()
        schema = table_expr.schema().to_pyarrow()
        result = self._dataframe(table_expr).toArrow()
        return _conform(result, schema)

    def _new_file(self, name: str) -> Path:
        # A fresh file per registration: Spark caches file listings, so a rewritten path could be misread.
        return self.workdir / f"{name}-{next(self._files)}.parquet"

    def _dataframe(self, expr: ir.Table) -> Any:
        self.ibis._register_in_memory_tables(expr)  # literal tables (ibis.memtable) inside the expression
        return _typed_nulls(self.session.sql(self.ibis.compile(expr)), expr)

    def close(self) -> None:
        for df in self._kept:
            df.unpersist()
        self._kept.clear()
        for name in sorted(self._views):
            self.session.catalog.dropTempView(name)
        self._views.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _typed_nulls(df: Any, expr: ir.Table) -> Any:
    """Give untyped columns (Spark's ``void`` / ``array<void>``, from NULL or ``[]`` literals) the type of
    the Ibis expression, so that a materialised table keeps its declared schema (unions need it) and
    Arrow conversion works (Arrow has no non-nullable NULL type)."""
    from ibis.backends.pyspark.datatypes import PySparkType

    schema = expr.schema()
    for field in df.schema.fields:
        if "void" in field.dataType.simpleString():
            df = df.withColumn(field.name, df[field.name].cast(PySparkType.from_ibis(schema[field.name])))
    return df


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_path(path: Path) -> str:
    return path.as_posix().replace("'", "''")


def _spark_ready(table: pa.Table) -> pa.Table:
    """Arrow types Spark's Parquet reader takes: large strings to strings, nanoseconds to microseconds."""
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_large_string(t):
            t = pa.string()
        elif pa.types.is_timestamp(t) and t.unit == "ns":
            t = pa.timestamp("us", t.tz)
        elif pa.types.is_null(t):
            t = pa.string()
        fields.append(pa.field(f.name, t))
    return table.cast(pa.schema(fields), safe=False)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast Spark's Arrow result to the expression's schema (timestamps come back zoned in UTC)."""
    columns = []
    for name, target in zip(schema.names, schema.types, strict=True):
        col = table.column(name)
        if pa.types.is_timestamp(col.type) and col.type.tz is not None and target.tz is None:
            col = col.cast(pa.timestamp(col.type.unit))
        columns.append(col.cast(target))
    return pa.Table.from_arrays(columns, schema=schema)


def as_batch_backend(backend: Any) -> BatchBackend:
    """``backend`` itself when it is a :class:`BatchBackend`; a DuckDB-backed Ibis connection wrapped
    (for callers that hold an ``ibis.duckdb`` connection, e.g. the risk model and the benchmarks)."""
    if isinstance(backend, BatchBackend):
        return backend
    if getattr(backend, "name", None) == "duckdb":
        return DuckDBBackend(backend.con)
    raise TypeError(f"not a batch backend: {type(backend).__name__}")


def open_backend(
    engine: str,
    *,
    workdir: Path,
    master: str | None = None,
    duckdb_connection: Any = None,
    spark_conf: dict[str, Any] | None = None,
) -> BatchBackend:
    """The backend for ``engine``: DuckDB on ``duckdb_connection`` (a new in-memory one when absent) or
    Spark on ``master`` (``--spark-master``, else ``$QIANDAI_SPARK_MASTER``, else ``local[2]``) with Arrow
    tables staged under ``workdir``."""
    chosen = check_engine(engine)
    if chosen == "duckdb":
        if duckdb_connection is None:
            import duckdb

            return DuckDBBackend(duckdb.connect(), owns=True)
        return DuckDBBackend(duckdb_connection)
    wanted = master or default_master()
    try:
        session = spark_session(wanted, spark_conf)
    except SparkUnavailableError:
        raise
    except Exception as exc:  # Java missing, master unreachable …: py4j / Spark raise many types
        raise SparkUnavailableError(
            f"无法启动 Spark（master={master or default_master()}）：{exc}；"
            "请确认已安装 Java 17 且集群地址可达"
        ) from exc
    running = session.sparkContext.master
    if master and running != master:
        raise SparkUnavailableError(
            f"本进程已有连接 {running} 的 Spark 会话，无法改用 {master}：请在新进程中运行（每个进程一个会话）"
        )
    return SparkBackend(session, workdir)
