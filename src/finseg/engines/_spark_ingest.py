"""Ingest on Spark: the row-local checks of :func:`finseg.ingest.ingest_sheet` on every
partition (``mapInArrow``), the book-wide duplicate rule as a Spark window, and the quality
report and quarantine assembled on the driver from the (few) rows with problems.

Each part file of the dataset is a source as a file is for the pandas engine:
``source_file`` is the part file's name and ``source_row`` its row number counted as the
pandas engine counts a Parquet file's rows (the first data row is 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from finseg.engines._frames import arrow_schema
from finseg.ingest import FileSummary, Problem, QualityReport, Severity, Unit
from finseg.ingest._api import _canonical, ingest_sheet
from finseg.ingest._readers import _typed_sheet
from finseg.ingest._validate import duplicate_rows
from finseg.schema import FIELDS

__all__ = ["FILE", "ROW", "SparkIngest", "spark_ingest"]

#: Columns the reader adds: the part file's name and the row's 0-based position in it.
FILE, ROW = "_finseg_file", "_finseg_row"
#: Columns the ingest adds to every row: ``meta`` rows carry the summary and problems of
#: one file's batch (``_meta`` JSON); data rows an error flag and the reasons.
_EXTRA = {"_kind": "string", "_error": "boolean", "_reasons": "string", "_meta": "string"}


def _template() -> pd.DataFrame:
    """An empty canonical frame with the ingest's extra columns: the output layout."""
    empty = pd.DataFrame({f.name: pd.Series(dtype=f.dtype) for f in FIELDS})
    empty["source_file"] = pd.Series(dtype="string")
    empty["source_sheet"] = pd.Series(dtype="string")
    empty["source_row"] = pd.Series(dtype="Int64")
    for name, dtype in _EXTRA.items():
        empty[name] = pd.Series(dtype=dtype)
    return empty


OUTPUT = arrow_schema(_template())


def _meta_row(summary: FileSummary, problems: list[Problem], first: int) -> pd.DataFrame:
    text = json.dumps(
        {"summary": asdict(summary), "problems": [asdict(p) for p in problems], "first": first},
        ensure_ascii=False, default=str,
    )  # fmt: skip
    row = {c: pd.array([None], dtype=t) for c, t in _template().dtypes.items()}
    row["_kind"] = pd.array(["meta"], dtype="string")
    row["_meta"] = pd.array([text], dtype="string")
    return pd.DataFrame(row)


def _group(table: pa.Table, name: str, unit: Unit | None, tolerance: float, today: date | None):
    """Ingest the rows of one part file in one batch; the data rows and a meta row."""
    at = table.column(ROW).to_numpy()
    sheet = _typed_sheet(table.drop_columns([FILE, ROW]), name, "parquet")
    report = QualityReport()
    part = ingest_sheet(sheet, report, unit=unit, tolerance=tolerance, today=today)
    moved = lambda r: None if r is None else int(at[r - 2]) + 2  # noqa: E731
    part.frame["source_row"] = [moved(int(r)) for r in part.frame["source_row"]]
    problems = [Problem(**{**asdict(p), "row": moved(p.row)}) for p in report.problems]
    bad = part.error_rows()
    frame = _canonical(part.frame)
    frame["source_row"] = frame["source_row"].astype("Int64")
    frame["_kind"] = pd.array(["row"] * len(frame), dtype="string")
    frame["_error"] = pd.array(bad, dtype="boolean")
    frame["_reasons"] = pd.array(
        ["; ".join(part.reasons[i]) if b else None for i, b in enumerate(bad)], dtype="string"
    )
    frame["_meta"] = pd.array([None] * len(frame), dtype="string")
    meta = _meta_row(part.summary, problems, int(at.min()) if len(at) else 0)
    return pd.concat([frame, meta], ignore_index=True)


def ingest_batches(
    batches: Iterator[pa.RecordBatch],
    unit: str | None,
    tolerance: float,
    today: date | None,
) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function: every batch, file by file, through ``ingest_sheet``."""
    for batch in batches:
        table = pa.Table.from_batches([batch])
        names = table.column(FILE).to_pylist()
        for name in dict.fromkeys(names):
            rows = pa.array([n == name for n in names])
            out = _group(table.filter(rows), name, unit and Unit(unit), tolerance, today)
            yield from pa.Table.from_pandas(out, OUTPUT, preserve_index=False).to_batches()


def check_header(schema_names: list[str], name: str) -> Any:
    """Header mapping and required columns, checked once on the driver (an empty sheet of
    the dataset's columns): the user's error before any task runs."""
    empty = pa.table({n: pa.array([], pa.string()) for n in schema_names})
    sheet = _typed_sheet(empty, name, "parquet")
    from finseg.ingest._headers import find_header

    layout = find_header(sheet)
    from finseg.ingest._api import _check_required

    _check_required(sheet, layout, None)
    return layout


# -- the driver ---------------------------------------------------------------------------------


@dataclass
class SparkIngest:
    """What the Spark ingest left: the checked rows (a Spark frame, every statement date),
    the quality report and the quarantined rows as written in the input."""

    rows: Any
    report: QualityReport
    quarantine: pd.DataFrame


def _metas(ing: Any, F: Any) -> list[dict[str, Any]]:
    texts = [r["_meta"] for r in ing.where(F.col("_kind") == "meta").select("_meta").collect()]
    metas = [json.loads(t) for t in texts]
    return sorted(metas, key=lambda m: (m["summary"]["path"], m["first"]))


def _duplicates(ing: Any, F: Any, rule: str, header: str) -> pd.DataFrame:
    """Rows repeating a (customer, statement date) under ``rule``, decided on the driver by
    :func:`~finseg.ingest._validate.duplicate_rows` over the repeated groups only (in file
    and row order, as the pandas engine orders its sources)."""
    from pyspark.sql import Window

    keys = ["customer_id", "as_of_date"]
    rows = ing.where((F.col("_kind") == "row") & F.col("customer_id").isNotNull()
                     & F.col("as_of_date").isNotNull())  # fmt: skip
    repeated = (
        rows.select(*keys, "source_file", "source_row")
        .withColumn("_n", F.count(F.lit(1)).over(Window.partitionBy(*keys)))
        .where(F.col("_n") > 1)
    )
    groups = repeated.drop("_n").toPandas()
    if groups.empty:
        return pd.DataFrame(columns=["source_file", "source_row", "dup_", "customer_id", "where_"])
    groups = groups.sort_values(["source_file", "source_row"], kind="stable")
    groups = groups.reset_index(drop=True)
    dup, first = duplicate_rows(groups, rule)
    idx = np.flatnonzero(dup)
    ref = groups.iloc[first[idx]]
    where = [f"{Path(f).name} row {int(r)}" for f, r in zip(ref["source_file"], ref["source_row"],
                                                            strict=True)]  # fmt: skip
    out = groups.iloc[idx][["source_file", "source_row", "customer_id"]].copy()
    out["where_"] = where
    out["dup_"] = [f"{header}: 与 {w} 的客户编号和报表日期重复 / same customer and statement date "
                   f"as {w}" for w in where]  # fmt: skip
    return out.reset_index(drop=True)


def _report(metas: list[dict], dups: pd.DataFrame, bad: dict[str, int], layout: Any):
    report = QualityReport()
    for meta in metas:
        report.problems.extend(
            Problem(**{**p, "severity": Severity(p["severity"])}) for p in meta["problems"]
        )
    header = next(c.header for c in layout.columns if c.field == "customer_id")
    for row in dups.itertuples(index=False):
        report.add(Problem(
            row.source_file, int(row.source_row), header, str(row.customer_id), "duplicate",
            Severity.ERROR, f"与 {row.where_} 的客户编号和报表日期重复",
            f"same customer and statement date as {row.where_}", None, "customer_id", None,
        ))  # fmt: skip
    files: dict[str, FileSummary] = {}
    counted = ("rows_read", "rows_skipped_blank", "rows_skipped_total", "rows_quarantined")
    for meta in metas:
        s = meta["summary"]
        if s["path"] not in files:
            files[s["path"]] = FileSummary(**{**s, **dict.fromkeys(counted, 0), "rows_kept": 0})
        f = files[s["path"]]
        for key in counted:
            setattr(f, key, getattr(f, key) + s[key])
    for f in files.values():
        n_bad = bad.get(f.path, 0)
        f.rows_kept = f.rows_read - f.rows_skipped_blank - f.rows_skipped_total - n_bad
        f.rows_quarantined += n_bad
    report.files = list(files.values())
    present = {c.field for c in layout.columns}
    report.missing_optional_fields = [f.name for f in FIELDS if f.name not in present
                                      and not f.required]  # fmt: skip
    return report


def _quarantine(source: Any, bad: Any, F: Any) -> pd.DataFrame:
    """The quarantined rows as the input holds them, with file, row and reasons first."""
    where = bad.select(
        F.col("source_file").alias(FILE),
        (F.col("source_row") - 2).alias(ROW),
        F.col("_reasons").alias("reasons"),
    )
    cells = source.join(F.broadcast(where), [FILE, ROW])
    table = cells.toPandas()
    if table.empty:
        return pd.DataFrame(columns=["file", "sheet", "row", "reasons"])
    table = table.sort_values([FILE, ROW], kind="stable")
    head = pd.DataFrame({
        "file": table[FILE].to_numpy(),
        "sheet": None,
        "row": table[ROW].to_numpy() + 2,
        "reasons": table["reasons"].to_numpy(),
    })  # fmt: skip
    body = table.drop(columns=[FILE, ROW, "reasons"]).reset_index(drop=True)
    return pd.concat([head, body], axis=1)


def spark_ingest(
    source: Any, *, unit: Unit | None, tolerance: float, duplicates: str
) -> SparkIngest:
    """Ingest the Spark frame ``source`` (the input columns plus :data:`FILE` and
    :data:`ROW`): row-local checks on the executors, duplicates and the report here."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    layout = check_header([c for c in source.columns if c not in (FILE, ROW)], "input")
    fn = partial(ingest_batches, unit=unit and unit.value, tolerance=tolerance, today=None)
    ing = source.mapInArrow(fn, from_arrow_schema(OUTPUT)).persist()
    metas = _metas(ing, F)
    header = next(c.header for c in layout.columns if c.field == "customer_id")
    dups = _duplicates(ing, F, duplicates, header)
    marks = ing.sparkSession.createDataFrame(
        dups[["source_file", "source_row", "dup_"]].astype({"source_row": "int64"}),
        "source_file string, source_row long, dup_ string",
    )
    # the marks are few: a broadcast join keeps the input's partitions (no shuffle)
    rows = ing.where(F.col("_kind") == "row").join(
        F.broadcast(marks), ["source_file", "source_row"], "left"
    )
    rows = rows.withColumn("_error", F.col("_error") | F.col("dup_").isNotNull()).withColumn(
        "_reasons", F.concat_ws("; ", F.col("_reasons"), F.col("dup_"))
    )
    bad_rows = rows.where(F.col("_error"))
    bad = {r["source_file"]: r["n"] for r in bad_rows.groupBy("source_file").agg(
        F.count(F.lit(1)).alias("n")).collect()}  # fmt: skip
    report = _report(metas, dups, bad, layout)
    quarantine = _quarantine(source, bad_rows, F)
    kept = rows.where(~F.col("_error")).drop(*_EXTRA, "dup_")
    report.rows_out = kept.count()
    return SparkIngest(kept, report, quarantine)
