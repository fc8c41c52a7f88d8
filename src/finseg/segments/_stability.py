"""Membership stability between two runs: how many customers kept their segment, where the
others went, and the adjusted Rand index of the two segmentations.

Only customers present in both runs are compared; those in one run only are counted and
left out.  The adjusted Rand index (ARI) is 1 for identical partitions (whatever the segment
names), about 0 for a chance agreement, and may be negative.

>>> import pandas as pd
>>> before = pd.Series(["a", "a", "b", "b", "c"], index=["C1", "C2", "C3", "C4", "C9"])
>>> after = pd.Series(["a", "a", "b", "d", "x"], index=["C1", "C2", "C3", "C4", "C5"])
>>> s = membership_stability(before, after)
>>> s["customers"], s["only_before"], s["only_after"], s["unchanged"], s["unchanged_share"]
(4, 1, 1, 3, 0.75)
>>> s["migration"]
{'a': {'a': 2}, 'b': {'b': 1, 'd': 1}}
>>> round(s["adjusted_rand"], 4)
0.5714
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

__all__ = ["membership_stability"]

_MISSING = "—"


def _labels(segments: pd.Series, name: str) -> pd.Series:
    if not segments.index.is_unique:
        dupes = segments.index[segments.index.duplicated()].unique()[:5].tolist()
        raise ValueError(f"{name}: customer ids must be unique, repeated: {dupes}")
    return segments.astype("string").fillna(_MISSING)


def _order(*series: pd.Series) -> list[str]:
    """Segment ids in taxonomy order where the inputs are categorical, then first seen."""
    seen: dict[str, None] = {}
    for s in series:
        if isinstance(s.dtype, pd.CategoricalDtype):
            seen |= dict.fromkeys(str(c) for c in s.cat.categories)
    for s in series:
        seen |= dict.fromkeys(s.astype("string").fillna(_MISSING).unique().tolist())
    return list(seen)


def membership_stability(before: pd.Series, after: pd.Series) -> dict[str, Any]:
    """Compare two runs' segments, each a Series of segment ids indexed by customer id.

    Returns (strict-JSON-ready): ``customers`` (in both runs), ``only_before``,
    ``only_after``, ``unchanged`` (customers in both with the same segment),
    ``unchanged_share`` (``None`` when no customer is in both), ``migration``
    (``{from: {to: count}}``, non-zero cells only, in taxonomy order) and ``adjusted_rand``
    (``None`` when no customer is in both).
    """
    a, b = _labels(before, "before"), _labels(after, "after")
    common = a.index.intersection(b.index, sort=False)
    x, y = a.loc[common].to_numpy(dtype=object), b.loc[common].to_numpy(dtype=object)
    n = len(common)
    unchanged = int((x == y).sum())
    order = {s: i for i, s in enumerate(_order(before, after))}
    counts = pd.Series(1, index=pd.MultiIndex.from_arrays([x, y])).groupby(level=[0, 1]).sum()
    migration: dict[str, dict[str, int]] = {}
    for (src, dst), k in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]])):
        migration.setdefault(str(src), {})[str(dst)] = int(k)
    ari = float(adjusted_rand_score(x, y)) if n else None
    return {
        "customers": n,
        "only_before": int(len(a) - n),
        "only_after": int(len(b) - n),
        "unchanged": unchanged,
        "unchanged_share": unchanged / n if n else None,
        "migration": migration,
        "adjusted_rand": None if ari is None or not np.isfinite(ari) else ari,
    }
