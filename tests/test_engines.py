"""The engine choice and the Spark engine's parts that need no Spark: settings,
``--spark-conf``, the checks before a session starts, and the dataset reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from finseg.cli import main
from finseg.config import PolicyError, SparkSettings, load_settings
from finseg.engines._frames import dtype_record, read_dataset
from finseg.engines._session import connect_available, java_missing, parse_conf
from finseg.exceptions import UserError
from finseg.workspace import init_workspace


def test_spark_conf_pairs_are_parsed_and_checked():
    assert parse_conf(["spark.executor.memory=8g", "spark.a.b = x=y"]) == {
        "spark.executor.memory": "8g",
        "spark.a.b": "x=y",
    }
    for bad in ("executor.memory=8g", "spark.executor.memory", "spark.x="):
        with pytest.raises(UserError, match="expected KEY=VALUE") as info:
            parse_conf([bad])
        assert "键=值" in info.value.zh


def test_spark_table_in_finseg_toml(tmp_path: Path):
    (tmp_path / "finseg.toml").write_text(
        '[spark]\nmaster = "yarn"\n[spark.conf]\n"spark.executor.memory" = "8g"\n'
    )
    spark = load_settings(tmp_path, env={}).spark
    assert (spark.master, spark.app_name) == ("yarn", "finseg")
    assert spark.conf == {"spark.executor.memory": "8g"}
    (tmp_path / "finseg.toml").write_text('[spark.conf]\n"executor.memory" = "8g"\n')
    with pytest.raises(PolicyError, match=r"spark\.conf.*must start with 'spark\.'"):
        load_settings(tmp_path, env={})
    (tmp_path / "finseg.toml").write_text('[spark]\nmastr = "yarn"\n')
    with pytest.raises(PolicyError, match=r"spark\.mastr"):
        load_settings(tmp_path, env={})


def test_connect_probe_survives_a_missing_grpc():
    # without grpcio, importing pyspark's Connect session raises SystemExit: no crash here
    assert connect_available() in (True, False)


def test_java_missing_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert "openjdk-17-jre-headless" in java_missing()


def test_a_local_master_without_java_is_a_user_error(monkeypatch):
    pytest.importorskip("pyspark")
    from finseg.engines import _session

    monkeypatch.setattr(_session, "java_missing", lambda: "no Java runtime")
    with pytest.raises(UserError, match="no Java runtime"):
        _session.spark_session(SparkSettings(master="local[2]"))


def test_spark_connect_without_its_client_is_a_user_error(monkeypatch):
    pytest.importorskip("pyspark")
    from finseg.engines import _session

    monkeypatch.setattr(_session, "connect_available", lambda: False)
    with pytest.raises(UserError, match=r"pyspark\[connect\]"):
        _session.spark_session(SparkSettings(master="sc://spark.bank:15002"))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = init_workspace(tmp_path / "ws", language="en")
    workspace.close()
    return workspace.root


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "dask", "--data", "x.parquet"], "--engine 'dask': expected one of"),
        (["--table", "db.t"], "--table and --spark-conf need --engine spark"),
        ([], "--data: a customer file is required"),
        (["--engine", "spark"], "give either --data DIR"),
        (["--engine", "spark", "--data", "d", "--table", "db.t"], "give either --data DIR"),
        (["--engine", "spark", "--table", "db.t; drop"], "expected a table name"),
        (["--engine", "spark", "--data", "no/such/dir"], "not found"),
        (["--engine", "spark", "--table", "db.t", "--spark-conf", "x"], "expected KEY=VALUE"),
    ],
)
def test_run_refuses_bad_engine_options_before_recording(ws, capsys, args, message):
    from finseg.store import list_runs, read_session
    from finseg.workspace import open_workspace

    assert main(["run", *args, "-w", str(ws)]) == 2
    assert message in capsys.readouterr().err
    opened = open_workspace(ws)
    with read_session(opened.engine()) as s:
        assert list_runs(s) == []
    opened.close()


def test_dataset_reader_restores_the_pandas_frame(tmp_path: Path):
    frame = pd.DataFrame({
        "customer_id": ["C3", "C1", "C2", "C4"],
        "segment": pd.Categorical(["b", "a", "b", "a"], categories=["b", "a", "z"]),
        "products": pd.Categorical(["x,y", "x", "x", None]),
        "n": pd.array([1, None, 3, 4], dtype="Int64"),
        "flag": pd.array([True, None, False, True], dtype="boolean"),
        "day": pd.to_datetime(["2025-12-31"] * 4).astype("datetime64[ms]"),
        "pd": [0.1, 0.2, 0.3, 0.4],
    })  # fmt: skip
    record = dtype_record(frame.iloc[:2])  # a sample: 'x,y' and 'x' only
    data = tmp_path / "results"
    for key, part in frame.groupby(frame["segment"].astype(str)):
        (data / f"segment_part={key}").mkdir(parents=True)
        plain = part.astype({"segment": str, "products": object})
        plain.to_parquet(data / f"segment_part={key}" / "part-0.parquet", index=False)
    back = read_dataset(data, record)
    expected = frame.sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(back.reset_index(drop=True), expected)
    assert list(back["segment"].cat.categories) == ["b", "a", "z"]  # the policy's order kept
