"""Population stability: PSI of the score and CSI of each model feature on bins fixed on the
baseline, and the share of each segment and grade, baseline versus current.

Bins are cut at the baseline's deciles (``bins`` quantiles); equal quantiles merge, so tied
values stay in one bin; a value equal to an edge falls into the bin above it; missing values
form a bin of their own.  ``PSI = Σ (A_i − E_i)·ln(A_i / E_i)`` on shares, an empty share read
as ``share_floor`` inside the logarithm (domain.md §9).

>>> r = variable_psi([1, 2, 3, 4], [1, 1, 1, 4], bins=2)
>>> r["edges"], [b["baseline_share"] for b in r["bins"]], round(r["psi"], 6)
([2.5], [0.5, 0.5], 0.274653)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from finseg.monitoring._compare import text_codes
from finseg.risk import psi_band, psi_from_shares

__all__ = ["category_shares", "fixed_edges", "light_of_psi", "psi_method", "variable_psi"]

_LIGHT = {"stable": "green", "moderate": "amber", "significant": "red"}


def psi_method(bins: int, floor: float) -> dict[str, Any]:
    """How the PSI was computed, stated in the output (en and zh)."""
    return {
        "bins": bins,
        "share_floor": floor,
        "en": f"bins fixed on the baseline: its {bins}-quantiles (ties kept in one bin, a value "
        f"on an edge goes to the bin above, missing values their own bin); PSI = Σ (A − E)·"
        f"ln(A / E) on shares, an empty share floored at {floor:g} inside the logarithm",
        "zh": f"分箱按基期固定：基期取值的 {bins} 分位点（并列值归同一箱，"
        f"落在分点上的值归入上一箱，缺失值单独一箱）；PSI = Σ (A − E)·ln(A / E)，"
        f"按占比计算，空箱占比在对数中取下限 {floor:g}",
    }


def light_of_psi(value: float, moderate: float = 0.10, significant: float = 0.25) -> str:
    """``green`` below ``moderate``, ``red`` above ``significant``, else ``amber``.

    >>> [light_of_psi(v) for v in (0.05, 0.1, 0.3)]
    ['green', 'amber', 'red']
    """
    return _LIGHT[psi_band(value, moderate, significant).value]


def _floats(values: ArrayLike) -> np.ndarray:
    """Values as float64 (missing and non-numbers NaN), without a copy when already so."""
    if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy("float64", na_value=np.nan)
    series = pd.Series(np.asarray(values).ravel())
    return pd.to_numeric(series, errors="coerce").to_numpy("float64", na_value=np.nan)


def fixed_edges(baseline: ArrayLike, bins: int = 10) -> np.ndarray:
    """Interior bin edges: the distinct ``bins``-quantiles of the non-missing baseline values.

    >>> fixed_edges([1, 2, 3, 3, 3, 3], bins=2).tolist()  # the tied 3s form one bin
    [3.0]
    >>> fixed_edges([1, 1, 1, 1, 2, 3], bins=2).tolist()  # the median is the minimum: no edge
    []
    """
    values = np.asarray(baseline, dtype=float)
    known = values[np.isfinite(values)]
    if known.size == 0:
        return np.empty(0)
    edges = np.unique(np.quantile(known, np.linspace(0, 1, bins + 1))[1:-1])
    return edges[edges > known.min()]  # an edge at the minimum would leave its bin empty


def _counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin, the last bin holding missing values (NaN and infinities)."""
    which = np.where(np.isfinite(values), np.searchsorted(edges, values, "right"), edges.size + 1)
    return np.bincount(which, minlength=edges.size + 2)


def variable_psi(
    baseline: ArrayLike,
    current: ArrayLike,
    bins: int = 10,
    floor: float = 1e-4,
    moderate: float = 0.10,
    significant: float = 0.25,
) -> dict[str, Any]:
    """PSI of one variable on bins fixed on ``baseline``, with the bin table.

    Returns
    -------
    dict
        ``psi``, ``light`` (green/amber/red), ``edges`` (interior edges), ``bins`` (one per
        bin: ``lower``, ``upper`` (``None`` when open), ``baseline_share``, ``current_share``;
        the missing-value bin is listed with ``missing: true`` when either run has one) and
        ``baseline_missing``/``current_missing`` shares.
    """
    b, c = _floats(baseline), _floats(current)
    edges = fixed_edges(b, bins)
    e_share = _counts(b, edges) / max(b.size, 1)
    a_share = _counts(c, edges) / max(c.size, 1)
    value = psi_from_shares(e_share, a_share, floor) if b.size and c.size else 0.0
    bounds = [None, *edges.tolist(), None]
    table = [
        {"lower": bounds[i], "upper": bounds[i + 1], "baseline_share": float(e_share[i]),
         "current_share": float(a_share[i])}
        for i in range(edges.size + 1)
    ]  # fmt: skip
    if e_share[-1] > 0 or a_share[-1] > 0:
        table.append(
            {
                "lower": None,
                "upper": None,
                "missing": True,
                "baseline_share": float(e_share[-1]),
                "current_share": float(a_share[-1]),
            }
        )
    return {
        "psi": max(float(value), 0.0),
        "light": light_of_psi(value, moderate, significant),
        "edges": edges.tolist(),
        "bins": table,
        "baseline_missing": float(e_share[-1]),
        "current_missing": float(a_share[-1]),
    }


def _label_counts(series: pd.Series) -> pd.Series:
    """Customers per label (``—`` for missing), from integer codes."""
    codes, uniques = text_codes(series)
    counts = pd.Series(np.bincount(codes + 1, minlength=len(uniques) + 1), index=["—", *uniques])
    return counts[counts > 0].groupby(level=0, sort=False).sum()


def category_shares(
    baseline: pd.Series, current: pd.Series, order: Sequence[str] = (), floor: float = 1e-4
) -> dict[str, Any]:
    """Customers and share per category (segment or grade), baseline versus current, with the
    PSI of the two distributions; categories in ``order`` first, then the others sorted.

    >>> s = category_shares(pd.Series(["a", "a", "b", "b"]), pd.Series(["a", "b", "b", "b"]))
    >>> s["shares"]["b"], round(s["psi"], 4)
    ({'baseline_n': 2, 'current_n': 3, 'baseline': 0.5, 'current': 0.75, 'change': 0.25}, 0.2747)
    """
    b, c = _label_counts(baseline), _label_counts(current)
    present = set(b.index) | set(c.index)
    keys = [k for k in order if k in present] + sorted(present - set(order))
    b, c = b.reindex(keys, fill_value=0), c.reindex(keys, fill_value=0)
    bs, cs = b / max(b.sum(), 1), c / max(c.sum(), 1)
    shares = {
        k: {"baseline_n": int(b[k]), "current_n": int(c[k]), "baseline": float(bs[k]),
            "current": float(cs[k]), "change": float(cs[k] - bs[k])}
        for k in keys
    }  # fmt: skip
    value = psi_from_shares(bs.to_numpy(), cs.to_numpy(), floor) if b.sum() and c.sum() else 0.0
    return {"shares": shares, "psi": max(float(value), 0.0)}
