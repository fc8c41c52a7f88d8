"""The whole-book steps of a Spark run: segment validation from Spark aggregations, and the
allocation solved on the driver over the reduced candidate set.

Where the figures are sums over the book, Spark adds in its own order: the mean and
standard deviation of PD per segment and the share of PD variance explained agree with the
pandas engine to about 1e-15 relative (the tests allow 1e-12); counts, defaults and every
test statistic computed from counts (chi-square, Fisher) are exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from finseg.allocation import AllocationPolicy, allocate_results, candidates
from finseg.allocation._files import SUMMARY_ATTR
from finseg.engines._frames import restore_dtypes
from finseg.segments import validation_from_segments

__all__ = ["spark_allocation", "spark_segment_validation"]

_EXPOSURE = ("outstanding_loans", "requested_amount")
#: Up to this many candidates the allocated amounts are broadcast to the executors.
_BROADCAST_ROWS = 2_000_000
_MISSING = "—"
#: The columns an allocation reads (:func:`finseg.allocation.results_book`).
_ALLOCATION_INPUT = ("customer_id", "pd", "scenario_pd", "decision", "limit", "price", "lgd",
                     "maturity_years", "operating_revenue", "group_id", "industry_section",
                     "segment", "programmes")  # fmt: skip


def _segment_table(out: Any, F: Any) -> tuple[pd.DataFrame, bool, str | None]:
    cols = set(out.columns)
    seg = F.coalesce(F.col("segment").cast("string"), F.lit(_MISSING)).alias("segment")
    pd_ = F.col("pd").cast("double")
    aggs = [F.count(F.lit(1)).alias("n"), F.avg(pd_).alias("mean_pd"),
            F.stddev_samp(pd_).alias("pd_std")]  # fmt: skip
    outcomes = "default_12m" in cols
    if outcomes:
        d = F.col("default_12m").cast("double")
        aggs += [F.coalesce(F.sum(d), F.lit(0.0)).alias("defaults"), F.count(d).alias("known")]
    exposure = next((c for c in _EXPOSURE if c in cols), None)
    if exposure:
        aggs.append(F.coalesce(F.sum(F.col(exposure).cast("double")), F.lit(0.0)).alias("exposure"))
    return out.groupBy(seg).agg(*aggs).toPandas(), outcomes, exposure


def _explained(out: Any, F: Any, by: pd.DataFrame) -> float | None:
    """Between-segment over total sum of squares of PD, as the pandas engine computes it:
    rows of a segment all count with the segment's mean (rows without a segment do not)."""
    pd_ = F.col("pd").cast("double")
    stats = out.agg(F.count(pd_).alias("k"), F.avg(pd_).alias("m"),
                    F.var_samp(pd_).alias("v")).first()  # fmt: skip
    if stats["k"] is None or stats["k"] <= 1 or not stats["v"] or stats["v"] <= 0:
        return None
    grand = float(stats["m"])
    total = out.agg(F.sum((pd_ - F.lit(grand)) ** 2).alias("t")).first()["t"]
    named = by.drop(index=_MISSING, errors="ignore")
    between = float(np.nansum(named["n"] * (named["mean_pd"] - grand) ** 2))
    return between / float(total)


def spark_segment_validation(out: Any, categories: list[str], min_size: int) -> dict[str, Any]:
    """``segments.json`` of the Spark results ``out``: per-segment aggregates computed by
    Spark, then the same tests as :func:`finseg.segments.segment_validation`.  ``categories``
    is the report order of the segments (the taxonomy)."""
    from pyspark.sql import functions as F

    raw, outcomes, _ = _segment_table(out, F)
    by = raw.set_index("segment")
    by.index.name = "segment"
    by["n"] = by["n"].astype("int64")
    if outcomes:
        by["known"] = by["known"].astype("int64")
    by["share"] = by["n"] / by["n"].sum()
    if outcomes:
        by["odr"] = by["defaults"] / by["known"].where(by["known"] > 0)
    by["too_small"] = by["n"] < min_size
    order = pd.Categorical(by.index, categories=[*categories, _MISSING]).codes
    by = by.iloc[np.argsort(order, kind="stable")]
    return validation_from_segments(by, min_size, _explained(out, F, by))


def _candidate_rows(batches: Iterator[pd.DataFrame], record: dict) -> Iterator[pd.DataFrame]:
    """The ``mapInPandas`` reduction: the rows :func:`~finseg.allocation.candidates` keeps."""
    for batch in batches:
        frame = restore_dtypes(batch, record)
        yield batch[candidates(frame)]


def spark_allocation(out: Any, cfg: AllocationPolicy, record: dict[str, Any]) -> tuple[Any, dict]:
    """Allocate ``cfg.budget`` over the Spark results ``out``: the candidates (approved or
    referred, limit above 0) are reduced on the executors to the columns the allocation
    reads, collected in customer order and solved on the driver exactly as the pandas
    engine solves them; ``allocated_amount``, ``funded`` and ``binding_reason`` are joined
    back.  Returns the new results and the summary (``allocation.json``)."""
    from pyspark.sql import functions as F

    columns = [c for c in _ALLOCATION_INPUT if c in out.columns]
    sub = {"columns": [e for e in record["columns"] if e["name"] in columns]}
    reduced = out.select(*columns).mapInPandas(
        lambda it: _candidate_rows(it, sub), out.select(*columns).schema
    )
    book = restore_dtypes(reduced.toPandas(), sub)
    book = book.sort_values("customer_id", kind="stable").reset_index(drop=True)
    allocated, result = allocate_results(
        book, cfg, cfg.budget, cfg.mode, frontier_points=cfg.frontier_points,
        source="run results",
    )  # fmt: skip
    added = pd.DataFrame({
        "customer_id": allocated["customer_id"].astype(object).to_numpy(),
        "_allocated": allocated["allocated_amount"].to_numpy(float),
        "_binding": allocated["binding_reason"].astype(object).where(
            allocated["binding_reason"].notna(), None).to_numpy(),
    })  # fmt: skip
    schema = "customer_id string, _allocated double, _binding string"
    amounts = out.sparkSession.createDataFrame(added, schema)
    if len(added) <= _BROADCAST_ROWS:  # keep the results' partitions: no shuffle
        amounts = F.broadcast(amounts)
    joined = out.drop("allocated_amount", "funded", "binding_reason").join(
        amounts, "customer_id", "left"
    )
    amount = F.coalesce(F.col("_allocated"), F.lit(0.0))
    keep = [c for c in out.columns if c not in ("allocated_amount", "funded", "binding_reason")]
    final = joined.select(
        *keep,
        amount.alias("allocated_amount"),
        (amount > 0).alias("funded"),
        F.col("_binding").alias("binding_reason"),
    )
    return final, {SUMMARY_ATTR: result.summary}
