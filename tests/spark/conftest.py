"""One SparkSession (``local[2]``) for every test marked ``spark``, started once.

The spark tests run in their own pytest invocation (``make test`` runs ``pytest -m "not
spark"`` and then ``pytest -m spark``): a cold session costs 30–40 s.  Where pyspark or
Java is missing they skip with the reason.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest


def _missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    from finseg.engines._session import java_missing

    return java_missing()


def pytest_configure(config: pytest.Config) -> None:
    # pyspark 4 calls astype(copy=False), which pandas 3 deprecates: not ours to fix
    config.addinivalue_line("filterwarnings", "ignore:The copy keyword is deprecated")


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from finseg.config import SparkSettings
    from finseg.engines._session import spark_session

    conf = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "2", "spark.ui.showConsoleProgress": "false",
            "spark.sql.warehouse.dir": str(tmp_path_factory.mktemp("warehouse"))}  # fmt: skip
    session = spark_session(SparkSettings(master="local[2]", app_name="finseg-tests", conf=conf))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
