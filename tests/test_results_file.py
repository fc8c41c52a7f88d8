"""``results.parquet``: compact encodings, read back to the very frame written, same bytes for
the same frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finseg._results_file import write_results
from finseg.pipeline import run_pipeline
from finseg.sample import generate_portfolio
from finseg.workspace import init_workspace


@pytest.fixture(scope="module")
def run_frame(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """The results of a real run over 300 sample customers, and the file the run wrote."""
    base = tmp_path_factory.mktemp("results")
    data = base / "book.parquet"
    generate_portfolio(300, seed=5).to_parquet(data, index=False)
    ws = init_workspace(base / "ws", language="en")
    try:
        result = run_pipeline(ws, data)
    finally:
        ws.close()
    return pd.read_parquet(result.results), result.results


def test_a_run_reads_back_to_the_same_frame(run_frame, tmp_path: Path) -> None:
    frame, _ = run_frame
    path = tmp_path / "again.parquet"
    write_results(frame, path)
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert (back.dtypes == frame.dtypes).all()


def test_the_run_file_uses_zstd_dictionaries_and_byte_stream_split(run_frame) -> None:
    frame, path = run_frame
    meta = pq.ParquetFile(path).metadata
    columns = {
        meta.schema.column(j).name: meta.row_group(0).column(j) for j in range(len(frame.columns))
    }
    assert {c.compression for c in columns.values()} == {"ZSTD"}
    assert "BYTE_STREAM_SPLIT" in columns["pd"].encodings
    assert "BYTE_STREAM_SPLIT" in columns["total_assets"].encodings
    assert columns["grade"].has_dictionary_page and columns["segment"].has_dictionary_page


def test_every_kind_of_column_round_trips_exactly(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3"],
        "amount": [1234567.89, np.nan, -0.01],
        "ratio": [1 / 3, np.inf, -np.inf],
        "count": np.array([1, 2, 3], dtype="int64"),
        "override": pd.array([None, 7, None], dtype="Int64"),
        "flag": [True, False, True],
        "grade": pd.Categorical(["A", "B", None], categories=["A", "B", "C"]),
        "day": pd.to_datetime(["2025-12-31", None, "2024-06-30"]),
        "reasons": ["cap:requested | review:mid_grade", "", None],
    })  # fmt: skip
    path = tmp_path / "results.parquet"
    write_results(frame, path)
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame, check_exact=True)


def test_same_frame_same_bytes(run_frame, tmp_path: Path) -> None:
    frame, path = run_frame
    again = tmp_path / "results.parquet"
    write_results(frame, again)
    assert again.read_bytes() == path.read_bytes()


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "results.parquet"
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        write_results(pd.DataFrame({"x": [object()]}), path)
    assert list(tmp_path.iterdir()) == []


def test_duckdb_reads_the_file_as_the_readme_shows(run_frame) -> None:
    import duckdb

    frame, path = run_frame
    sql = f"select size_class, count(*) as n, sum(total_assets) as assets from '{path}' group by 1"
    got = duckdb.sql(sql).df().set_index("size_class").sort_index()
    want = frame.groupby("size_class").agg(
        n=("customer_id", "size"), assets=("total_assets", "sum")
    )
    assert got["n"].tolist() == want["n"].tolist()
    assert np.allclose(got["assets"].to_numpy(), want["assets"].to_numpy(), rtol=1e-12)
