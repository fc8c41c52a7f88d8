"""The SparkSession of a Spark run, from ``finseg.toml`` ``[spark]`` and ``--spark-conf``.

A ``master`` of ``sc://host:port`` is a Spark Connect server; anything else (``local[*]``,
``spark://host:7077``, ``yarn``, ``k8s://…``) a classic master.  The Python workers run the
interpreter of this process (``PYSPARK_PYTHON``) unless the environment or
``spark.pyspark.python`` says otherwise — on a cluster that is the packed environment shipped
with the job (``docs/scale.md``).
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from finseg.config import SparkSettings
from finseg.exceptions import UserError

__all__ = [
    "DEFAULT_CONF",
    "connect_available",
    "is_connect",
    "java_missing",
    "parse_conf",
    "spark_session",
]

#: Options every finseg session gets unless the settings override them: Arrow transfers,
#: UTC timestamps (statement dates round-trip unchanged), microsecond Parquet timestamps
#: (read by DuckDB and pandas alike).
DEFAULT_CONF = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}
_PANDAS_WARNING = "PySpark does not yet fully support pandas"


def parse_conf(pairs: Iterable[str]) -> dict[str, str]:
    """``--spark-conf KEY=VALUE`` options as a mapping; keys must start with ``spark.``.

    >>> parse_conf(["spark.executor.memory=8g", "spark.sql.shuffle.partitions=400"])
    {'spark.executor.memory': '8g', 'spark.sql.shuffle.partitions': '400'}
    """
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key.startswith("spark.") or not value.strip():
            raise UserError(
                f"--spark-conf {pair!r}: expected KEY=VALUE with a key starting with 'spark.', "
                "e.g. spark.executor.memory=8g",
                f"--spark-conf {pair!r}：应为 键=值，键以 spark. 开头，如 spark.executor.memory=8g",
            )
        out[key] = value.strip()
    return out


def java_missing() -> str | None:
    """Why a local Spark cannot start (no Java), or ``None`` when Java is there."""
    home = os.environ.get("JAVA_HOME")
    if (home and os.path.exists(os.path.join(home, "bin", "java"))) or shutil.which("java"):
        return None
    return "no Java runtime (java not on PATH, JAVA_HOME unset); install openjdk-17-jre-headless"


def connect_available() -> bool:
    """Whether this pyspark can talk to a Spark Connect server (needs grpcio and friends).

    ``import pyspark.sql.connect.session`` without them raises ``SystemExit``, not
    ``ImportError``: both count as unavailable.
    """
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PANDAS_WARNING)
            import pyspark.sql.connect.session  # noqa: F401
    except (ImportError, SystemExit):
        return False
    return True


def _pyspark() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_PANDAS_WARNING)
            from pyspark.sql import SparkSession
    except ImportError:
        raise UserError(
            "--engine spark needs pyspark: pip install 'finseg[spark]'",
            "--engine spark 需要 pyspark：请执行 pip install 'finseg[spark]'",
        ) from None
    return SparkSession


def spark_session(settings: SparkSettings, overrides: Mapping[str, str] | None = None) -> Any:
    """The SparkSession for ``settings`` with ``overrides`` (``--spark-conf``) on top.

    An active session with the same master is reused (its SQL options updated).

    Raises
    ------
    UserError
        pyspark is not installed, Java is missing for a local master, or the master is a
        Spark Connect address and this pyspark lacks the Connect client.
    """
    session_cls = _pyspark()
    warnings.filterwarnings("ignore", message=_PANDAS_WARNING)
    conf = {**DEFAULT_CONF, **settings.conf, **(overrides or {})}
    master = settings.master
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master.startswith("sc://"):
        if not connect_available():
            raise UserError(
                f"spark.master {master}: Spark Connect needs the Connect client: "
                "pip install 'pyspark[connect]'",
                f"spark.master {master}：Spark Connect 需要客户端组件：请执行 "
                "pip install 'pyspark[connect]'",
            )
        builder = session_cls.builder.remote(master)
    else:
        reason = java_missing() if master.startswith("local") else None
        if reason:
            raise UserError(
                f"--engine spark: {reason}", f"--engine spark：未找到 Java 运行环境（{reason}）"
            )
        builder = session_cls.builder.master(master)
    builder = builder.appName(settings.app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def is_connect(session: Any) -> bool:
    """Whether ``session`` is a Spark Connect session (no SparkContext, no broadcast)."""
    return type(session).__module__.startswith("pyspark.sql.connect")
