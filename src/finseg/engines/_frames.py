"""Frames between pandas, Arrow and a Parquet dataset, without pyspark.

A Spark run writes its results as a Parquet dataset of plain Arrow types (no pandas
metadata); ``dtypes.json`` beside it records the pandas dtype of every column, so
:func:`read_dataset` gives back exactly the frame the pandas engine would have written:
the same columns, order, dtypes and categories, rows sorted by ``customer_id``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "DTYPES",
    "arrow_friendly",
    "arrow_schema",
    "dtype_record",
    "read_dataset",
    "restore_dtypes",
]

#: The file beside a Spark run's dataset that records the pandas dtypes.
DTYPES = "dtypes.json"


def _arrow_type(dtype: Any) -> pa.DataType:
    if isinstance(dtype, pd.CategoricalDtype):
        return _arrow_type(dtype.categories.dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return pa.bool_()
    if pd.api.types.is_integer_dtype(dtype):
        return pa.from_numpy_dtype(np.dtype(str(dtype).lower()))
    if pd.api.types.is_float_dtype(dtype):
        return pa.float64()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pa.timestamp("us")
    return pa.string()


def arrow_schema(frame: pd.DataFrame) -> pa.Schema:
    """The plain Arrow schema of ``frame`` (categories as their values, text as string,
    timestamps in microseconds without zone, every column nullable).

    >>> arrow_schema(pd.DataFrame({"a": pd.Categorical(["x"]), "n": pd.array([1], "Int8")}))
    a: string
    n: int8
    """
    return pa.schema([pa.field(str(c), _arrow_type(t)) for c, t in frame.dtypes.items()])


def arrow_friendly(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with categoricals as plain values (what Arrow and Spark take)."""
    out = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(column.cat.categories.dtype.name)
        out[name] = column
    return pd.DataFrame(out, index=frame.index)


def dtype_record(frame: pd.DataFrame) -> dict[str, Any]:
    """The pandas dtypes of ``frame`` as JSON-ready data (column order kept).

    Categories are listed, with ``sorted`` true when they are in sorted order: pandas made
    them from the distinct values (``pd.Categorical(values)``), so the reader takes the
    union of these and the distinct values of the whole book, as pandas did over the book.
    """
    columns = []
    for name, dtype in frame.dtypes.items():
        entry: dict[str, Any] = {"name": str(name), "dtype": str(dtype)}
        if isinstance(dtype, pd.CategoricalDtype):
            cats = [str(c) for c in dtype.categories]
            entry = {"name": str(name), "dtype": "category", "ordered": bool(dtype.ordered),
                     "values": str(dtype.categories.dtype)}  # fmt: skip
            entry |= {"categories": cats, "sorted": cats == sorted(cats)}
        columns.append(entry)
    return {"columns": columns}


def _restore(column: pd.Series, entry: dict[str, Any]) -> pd.Series:
    if entry["dtype"] == "object":  # text: as Parquet gives it back to the pandas engine
        return column
    if entry["dtype"] != "category":
        return column.astype(entry["dtype"])
    values = column.astype(entry["values"])
    cats = entry["categories"]
    if entry["sorted"]:
        cats = sorted({*cats, *values.dropna().unique()})
    return values.astype(pd.CategoricalDtype(cats, ordered=entry["ordered"]))


def restore_dtypes(frame: pd.DataFrame, record: dict[str, Any]) -> pd.DataFrame:
    """``frame`` (read from a dataset) with the columns, order and dtypes of ``record``."""
    return pd.DataFrame(
        {e["name"]: _restore(frame[e["name"]], e) for e in record["columns"]}, index=frame.index
    )


def read_dataset(directory: Path, record: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every part file of the Parquet dataset ``directory`` (any depth) as one frame sorted
    by ``customer_id``, read by DuckDB; with ``record`` (:func:`dtype_record`) the pandas
    dtypes are restored."""
    import duckdb

    pattern = str(Path(directory) / "**" / "*.parquet").replace("'", "''")
    with duckdb.connect() as con:
        table = con.sql(
            f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = false) "
            "ORDER BY customer_id"
        ).arrow()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    frame = table.to_pandas(types_mapper=_nullable)
    if record is not None:
        frame = restore_dtypes(frame, record)
    return frame


def _nullable(dtype: pa.DataType) -> Any:
    """Arrow → pandas types keeping integers and booleans with nulls exact."""
    if pa.types.is_integer(dtype):
        return pd.ArrowDtype(dtype)
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None
