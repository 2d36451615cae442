"""One Spark session per process, configured for Qiandai's batch work.

``spark_session(master)`` returns the active session, creating it on first use. ``master`` is a Spark
master URL (``local[2]`` by default, ``spark://host:7077`` or ``yarn`` on a cluster); the environment
variable ``QIANDAI_SPARK_MASTER`` overrides the default. The session uses UTC, disables the web UI (an
air-gapped intranet rarely wants another open port) and keeps shuffle partitions small for local mode;
every setting can be overridden with ``spark.*`` keys in ``conf``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qiandai.config import get_settings
from qiandai.domain.errors import QiandaiError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"

_DEFAULT_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.ansi.enabled": "false",
    "spark.driver.memory": "2g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


class SparkUnavailableError(QiandaiError):
    """PySpark (or Java) is not installed where Spark was asked for."""


def default_master() -> str:
    """The master URL used when none is given: ``$QIANDAI_SPARK_MASTER`` or ``local[2]``."""
    return get_settings().spark_master.strip() or DEFAULT_MASTER


def spark_session(master: str | None = None, conf: dict[str, Any] | None = None) -> SparkSession:
    """The process's Spark session for ``master`` (created on first use, then reused)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise SparkUnavailableError(
            "未安装 PySpark：请执行 pip install 'qiandai[spark]'（并安装 Java 17）后再使用 --engine spark"
        ) from exc
    builder = SparkSession.builder.master(master or default_master()).appName("qiandai")
    for key, value in {**_DEFAULT_CONF, **(conf or {})}.items():
        builder = builder.config(key, str(value))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
