"""One characteristic binned by optbinning and compiled to array look-ups.

optbinning finds the split points (or category groups) under a monotonic constraint; everything
after that — counts, WoE, IV and scoring — is computed here from those splits with
``np.searchsorted`` (numeric) or a hash look-up of the categories (categorical), so that the
statistics and the scores use the very same bin assignment.

Every look-up array has ``n_bins + 2`` slots: the bins, then **missing** (its own bin, with its
empirical WoE — missing carries information), then **unknown category** (a category not seen in
training), which is neutral (WoE 0).

>>> import numpy as np
>>> x = np.array([1.0, 2.0, 3.0, 4.0, np.nan] * 40)
>>> y = np.array([0, 1, 1, 1, 0, 0, 0, 0, 1, 1] * 20)
>>> fb, status = bin_feature(x, y, "x", "numeric", "ascending", 20, 0.05)
>>> status, fb.splits.tolist(), fb.count.tolist(), fb.labels
('OPTIMAL', [2.5], [80.0, 80.0, 40.0], ['(-inf, 2.5)', '[2.5, inf)', 'Missing'])
>>> fb.lookup(np.array([0.0, 2.5, np.nan])).tolist()
[0, 1, 2]
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from optbinning import OptimalBinning

__all__ = ["FeatureBins", "as_categories", "bin_feature"]

Kind = Literal["numeric", "categorical"]

#: Added to every count before taking logs, so a bin without events keeps a finite WoE.
WOE_SMOOTHING = 0.5

#: Solver statuses that give usable splits (FEASIBLE: time limit hit, splits still valid).
USABLE_STATUS = ("OPTIMAL", "FEASIBLE")


@dataclass(frozen=True)
class FeatureBins:
    """The bins of one characteristic, their statistics and (once fitted) their points.

    Arrays ``count``, ``n_event``, ``woe``, ``iv``, ``points`` and ``logit`` have one entry per
    bin followed by the missing bin.  ``woe`` is ``ln(share of goods / share of bads)``
    (optbinning's sign: higher WoE = safer), smoothed by :data:`WOE_SMOOTHING`; an empty bin
    has WoE 0.  ``logit`` is the bin's ``β·WoE`` term, ``points`` its scorecard points; these
    two have one more, last, entry: an unknown category (WoE 0, neutral).
    """

    name: str
    kind: Kind
    splits: np.ndarray
    groups: tuple[tuple[str, ...], ...]
    count: np.ndarray
    n_event: np.ndarray
    woe: np.ndarray
    iv: np.ndarray
    points: np.ndarray = field(default_factory=lambda: np.zeros(0))
    logit: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_bins(self) -> int:
        """Number of bins, the missing bin excluded."""
        return len(self.count) - 1

    @property
    def labels(self) -> list[str]:
        """Readable bin labels, missing last: ``(-inf, 1.5)``, ``[1.5, inf)``, ``Missing``."""
        if self.kind == "categorical":
            return [", ".join(g) for g in self.groups] + ["Missing"]
        edges = [-np.inf, *self.splits.tolist(), np.inf]
        fmt = [f"{e:.6g}" for e in edges]
        bins = [f"({fmt[0]}, {fmt[1]})", *(f"[{a}, {b})" for a, b in itertools.pairwise(fmt[1:]))]
        return [*bins, "Missing"]

    def lookup(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """Bin index of every value: ``0..n_bins-1``, ``n_bins`` missing, ``n_bins+1`` unknown."""
        if self.kind == "numeric":
            x = np.asarray(values, dtype=float)
            index = np.searchsorted(self.splits, x, side="right")
            index[np.isnan(x)] = self.n_bins
            return index
        categories = [c for g in self.groups for c in g]
        code_to_bin = [b for b, g in enumerate(self.groups) for _ in g] + [self.n_bins + 1]
        strings = as_categories(values)
        codes = pd.Index(categories).get_indexer(strings)  # -1: unknown or missing
        index = np.asarray(code_to_bin, dtype=np.intp)[codes]
        index[pd.isna(strings).to_numpy()] = self.n_bins
        return index

    def extended(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per bin + missing) extended by the neutral unknown-category slot."""
        return np.append(values, 0.0)


def as_categories(values: np.ndarray | pd.Series) -> pd.Series:
    """Category labels as pandas strings (missing stays missing), alike at fit and predict."""
    return pd.Series(values, copy=False).astype("string")


def bin_feature(
    x: np.ndarray | pd.Series,
    y: np.ndarray,
    name: str,
    kind: Kind,
    trend: str,
    max_n_prebins: int,
    min_prebin_size: float,
) -> tuple[FeatureBins | None, str]:
    """Bin one characteristic; ``(None, status)`` when optbinning gives no usable splits."""
    try:
        splits, status = _optimal_splits(x, y, name, kind, trend, max_n_prebins, min_prebin_size)
    except (ValueError, TypeError, RuntimeError) as exc:
        return None, f"ERROR: {type(exc).__name__}: {exc}"
    if status not in USABLE_STATUS:
        return None, status
    if kind == "numeric":
        shell = FeatureBins(name, kind, np.asarray(splits, dtype=float), (), *_empty(len(splits)))
    else:
        groups = tuple(tuple(str(c) for c in g) for g in splits)
        shell = FeatureBins(name, kind, np.zeros(0), groups, *_empty(len(groups) - 1))
    return _with_statistics(shell, x, y), status


def _optimal_splits(
    x: np.ndarray | pd.Series,
    y: np.ndarray,
    name: str,
    kind: Kind,
    trend: str,
    max_n_prebins: int,
    min_prebin_size: float,
) -> tuple[list, str]:
    """Run optbinning (CP solver) and return its splits and solver status."""
    optb = OptimalBinning(
        name=name,
        dtype="numerical" if kind == "numeric" else "categorical",
        monotonic_trend=trend if kind == "numeric" else "auto_heuristic",
        max_n_prebins=max_n_prebins,
        min_prebin_size=min_prebin_size,
        solver="cp",
    )
    if kind == "numeric":
        values = np.asarray(x, dtype=float)
    else:
        values = as_categories(x).to_numpy(dtype=object, na_value=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optb.fit(values, y)
    return list(optb.splits), optb.status


def _empty(n_splits: int) -> tuple[np.ndarray, ...]:
    """Placeholder count, n_event, woe, iv arrays for ``n_splits + 1`` bins plus missing."""
    return tuple(np.zeros(n_splits + 2) for _ in range(4))


def _with_statistics(shell: FeatureBins, x: np.ndarray | pd.Series, y: np.ndarray) -> FeatureBins:
    """Counts, WoE and IV per bin from the look-up itself (so statistics match scoring)."""
    index = shell.lookup(x)
    slots = shell.n_bins + 1
    count = np.bincount(index, minlength=slots + 1)[:slots].astype(float)
    event = np.bincount(index, weights=y, minlength=slots + 1)[:slots]
    good, bad = count - event, event
    share_good = (good + WOE_SMOOTHING) / max(good.sum(), 1.0)
    share_bad = (bad + WOE_SMOOTHING) / max(bad.sum(), 1.0)
    woe = np.where(count > 0, np.log(share_good / share_bad), 0.0)
    iv = (good / max(good.sum(), 1.0) - bad / max(bad.sum(), 1.0)) * woe
    return FeatureBins(shell.name, shell.kind, shell.splits, shell.groups, count, event, woe, iv)
