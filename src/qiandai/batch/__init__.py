"""Batch engines: where set-based work (claims rules, indicators, screening features) runs.

DuckDB (embedded, the default) or Spark (``--engine spark``, local mode or a cluster master URL).
PySpark is an optional dependency (``qiandai[spark]``) and is imported only when Spark is chosen.
"""
