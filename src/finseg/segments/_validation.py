"""Segment validation: do the segments separate risk, and are they big and homogeneous enough?

Per segment: customers, share, defaults, observed default rate, mean PD, exposure, PD spread;
across segments: Pearson's chi-square test that default rates differ, and, with the segments
ordered by mean PD, Fisher's exact test between each pair of neighbours; the share of PD
variance the segments explain (η²).

>>> import pandas as pd
>>> df = pd.DataFrame({"segment": ["a"] * 100 + ["b"] * 100,
...                    "default_12m": [1] * 5 + [0] * 95 + [1] * 30 + [0] * 70,
...                    "pd": [0.05] * 100 + [0.3] * 100})
>>> v = segment_validation(df)
>>> v["chi_square"]["p_value"] < 1e-4, [p["pair"] for p in v["adjacent"]]
(True, [['a', 'b']])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency, fisher_exact

__all__ = ["segment_validation", "validation_from_segments"]

_EXPOSURE = ("outstanding_loans", "requested_amount")


def _per_segment(df: pd.DataFrame, min_size: int) -> pd.DataFrame:
    seg = df["segment"].astype("string").fillna("—")
    frame = pd.DataFrame({"segment": seg, "pd": pd.to_numeric(df.get("pd"), errors="coerce")})
    if "default_12m" in df:
        frame["d"] = pd.to_numeric(df["default_12m"], errors="coerce")
    exposure = next((c for c in _EXPOSURE if c in df), None)
    if exposure:
        frame["exposure"] = pd.to_numeric(df[exposure], errors="coerce")
    agg = {"n": ("segment", "size"), "mean_pd": ("pd", "mean"), "pd_std": ("pd", "std")}
    if "d" in frame:
        agg |= {"defaults": ("d", "sum"), "known": ("d", "count")}
    if exposure:
        agg["exposure"] = ("exposure", "sum")
    by = frame.groupby("segment", sort=False).agg(**agg)
    by["share"] = by["n"] / by["n"].sum()
    if "defaults" in by:
        by["odr"] = by["defaults"] / by["known"].where(by["known"] > 0)
    by["too_small"] = by["n"] < min_size
    order = pd.Categorical(by.index, categories=_categories(df)).codes
    return by.iloc[np.argsort(order, kind="stable")]


def _categories(df: pd.DataFrame) -> list[str]:
    s = df["segment"]
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [str(c) for c in s.cat.categories] + ["—"]
    return sorted(s.astype("string").fillna("—").unique())


def _records(by: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out = {}
    for seg, row in by.iterrows():
        out[str(seg)] = {
            k: (None if pd.isna(v) else (bool(v) if isinstance(v, (bool, np.bool_)) else
                                         int(v) if k in ("n", "defaults", "known") else float(v)))
            for k, v in row.items()
        }  # fmt: skip
    return out


def segment_validation(df: pd.DataFrame, min_size: int = 30) -> dict[str, Any]:
    """The validation figures of the segments in ``df`` (columns ``segment``, ``pd`` and,
    where outcomes are known, ``default_12m``; exposure from ``outstanding_loans`` or
    ``requested_amount``).  Strict-JSON-ready."""
    by = _per_segment(df, min_size)
    explained = None
    pd_ = pd.to_numeric(df.get("pd"), errors="coerce")
    if pd_ is not None and pd_.notna().sum() > 1 and pd_.var() > 0:
        means = df.assign(_p=pd_).groupby(df["segment"].astype("string"))["_p"]
        between = (means.transform("mean") - pd_.mean()) ** 2
        explained = float(between.sum() / ((pd_ - pd_.mean()) ** 2).sum())
    return validation_from_segments(by, min_size, explained)


def validation_from_segments(
    by: pd.DataFrame, min_size: int, explained: float | None = None
) -> dict[str, Any]:
    """The validation figures from the per-segment table ``by`` (index: segment, in report
    order; columns ``n``, ``mean_pd``, ``pd_std``, optionally ``defaults``, ``known`` and
    ``exposure``, then ``share``, ``odr`` where outcomes are known, ``too_small``) and the
    share of PD variance explained; what an engine that aggregates the book elsewhere (Spark)
    hands over instead of the rows."""
    result: dict[str, Any] = {"segments": _records(by), "min_segment_size": min_size}
    if explained is not None:
        result["pd_variance_explained"] = explained
    if "defaults" in by and (by["known"] > 0).sum() >= 2:
        used = by[by["known"] > 0]
        table = np.column_stack([used["defaults"], used["known"] - used["defaults"]])
        table = table[table.sum(axis=1) > 0]
        if table[:, 0].sum() > 0 and table[:, 1].sum() > 0:
            stat, p, dof, _ = chi2_contingency(table, correction=False)
            result["chi_square"] = {"statistic": float(stat), "p_value": float(p), "df": int(dof)}
        ranked = used.sort_values("mean_pd", kind="stable")
        pairs = []
        for (a, ra), (b, rb) in zip(ranked.iterrows(), ranked.iloc[1:].iterrows(), strict=False):
            two = [[ra.defaults, ra.known - ra.defaults], [rb.defaults, rb.known - rb.defaults]]
            pairs.append({"pair": [str(a), str(b)], "odr": [float(ra.odr), float(rb.odr)],
                          "p_value": float(fisher_exact(np.asarray(two, int))[1])})  # fmt: skip
        result["adjacent"] = pairs
    return result
