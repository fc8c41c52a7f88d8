"""Grade and segment migration between two runs, over the customers present in both, and the
customers who left or entered the portfolio.

>>> import pandas as pd
>>> from finseg.monitoring._compare import pair_runs
>>> before = pd.DataFrame({"customer_id": list("abcd"), "grade": ["A", "A", "B", "B"]})
>>> after = pd.DataFrame({"customer_id": list("abce"), "grade": ["A", "B", "A", "A"]})
>>> m = grade_migration(before, after, pair_runs(before, after), ["A", "B", "D"])
>>> m["matrix"], m["upgrades"], m["downgrades"], m["notches"]
({'A': {'A': 1, 'B': 1}, 'B': {'A': 1}}, 1, 1, {'-1': 1, '0': 1, '1': 1})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from finseg.monitoring._compare import Pairing, rank_codes, text_codes

__all__ = ["grade_migration", "portfolio_change", "sankey_option", "segment_migration"]

_MISSING = "—"


def _order(found: set[str], order: Sequence[str]) -> list[str]:
    return [g for g in order if g in found] + sorted(found - set(order))


def _matrix(
    baseline: pd.DataFrame, current: pd.DataFrame, pairing: Pairing, column: str,
    order: Sequence[str],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Labels (``order`` first; only those held by a common customer), the counts (by
    ``np.bincount`` on integer codes) and each common customer's row and column index."""
    cb, ub = text_codes(baseline[column])
    ca, ua = text_codes(current[column])
    cb, ca = cb[pairing.position[pairing.matched]], ca[pairing.matched]
    labels = _order(set(ub) | set(ua) | {_MISSING}, order)
    index = {g: i for i, g in enumerate(labels)}
    b = np.array([index[g] for g in ub] + [index[_MISSING]])[cb]  # -1 (missing) -> "—"
    a = np.array([index[g] for g in ua] + [index[_MISSING]])[ca]
    k = len(labels)
    counts = np.bincount(b * k + a, minlength=k * k).reshape(k, k)
    keep = np.flatnonzero(counts.sum(axis=0) + counts.sum(axis=1))
    return [labels[i] for i in keep], counts[np.ix_(keep, keep)], b, a


def _nested(labels: list[str], counts: np.ndarray) -> dict[str, dict[str, int]]:
    """``{from: {to: count}}``, non-zero cells only, rows and columns in ``labels`` order."""
    rows, cols = np.nonzero(counts)
    out: dict[str, dict[str, int]] = {}
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        out.setdefault(labels[r], {})[labels[c]] = int(counts[r, c])
    return out


def _row_shares(labels: list[str], counts: np.ndarray) -> dict[str, dict[str, float]]:
    totals = counts.sum(axis=1)
    return {
        labels[r]: {labels[c]: float(counts[r, c] / totals[r]) for c in np.nonzero(counts[r])[0]}
        for r in range(len(labels))
        if totals[r]
    }


def grade_migration(
    baseline: pd.DataFrame, current: pd.DataFrame, pairing: Pairing, order: Sequence[str]
) -> dict[str, Any]:
    """The grade migration matrix of the common customers.

    ``order`` is the master scale's grade order, best first (``MasterScale.labels``); notches
    are positions on it, positive for a downgrade.  Grades not on the scale (or missing) are
    counted in the matrix but not in the notches.

    Returns
    -------
    dict
        ``customers``, ``order`` (the labels of the matrix), ``matrix``
        (``{from: {to: count}}``, non-zero cells), ``row_shares`` (each row over its total),
        ``unchanged``, ``upgrades``, ``downgrades``, ``notches`` (``{"-2": n, …}``: customers
        per signed notch) and ``mean_notches`` (``None`` when no grade is on the scale).
    """
    labels, counts, _, _ = _matrix(baseline, current, pairing, "grade", order)
    before = rank_codes(baseline["grade"], order)[pairing.position[pairing.matched]]
    move = rank_codes(current["grade"], order)[pairing.matched] - before
    known = move[np.isfinite(move)].astype(int)
    steps, freq = np.unique(known, return_counts=True)
    return {
        "customers": pairing.common,
        "order": labels,
        "matrix": _nested(labels, counts),
        "row_shares": _row_shares(labels, counts),
        "unchanged": int(np.trace(counts)),
        "upgrades": int((known < 0).sum()),
        "downgrades": int((known > 0).sum()),
        "notches": {str(s): int(f) for s, f in zip(steps.tolist(), freq.tolist(), strict=True)},
        "mean_notches": float(known.mean()) if known.size else None,
    }


def segment_migration(
    baseline: pd.DataFrame, current: pd.DataFrame, pairing: Pairing, order: Sequence[str] = ()
) -> dict[str, Any]:
    """The segment migration matrix of the common customers, with the adjusted Rand index.

    Returns ``customers``, ``order``, ``matrix``, ``row_shares``, ``unchanged``,
    ``unchanged_share`` and ``adjusted_rand`` (``None`` when undefined).
    """
    from sklearn.metrics import adjusted_rand_score

    labels, counts, before, after = _matrix(baseline, current, pairing, "segment", order)
    n = pairing.common
    ari = float(adjusted_rand_score(before, after)) if n else None  # integer codes: fast
    return {
        "customers": n,
        "order": labels,
        "matrix": _nested(labels, counts),
        "row_shares": _row_shares(labels, counts),
        "unchanged": int(np.trace(counts)),
        "unchanged_share": float(np.trace(counts) / n) if n else None,
        "adjusted_rand": ari if ari is None or np.isfinite(ari) else None,
    }


def _by(frame: pd.DataFrame, mask: np.ndarray, column: str, order: Sequence[str]) -> dict:
    if column not in frame:
        return {}
    codes, uniques = text_codes(frame[column])
    counts = np.bincount(codes[mask] + 1, minlength=len(uniques) + 1)  # slot 0: missing
    found = {u: int(c) for u, c in zip([_MISSING, *uniques], counts.tolist(), strict=True) if c}
    return {k: found[k] for k in _order(set(found), order)}


def portfolio_change(
    baseline: pd.DataFrame,
    current: pd.DataFrame,
    pairing: Pairing,
    grade_order: Sequence[str],
    segment_order: Sequence[str] = (),
) -> dict[str, Any]:
    """Customers who left (baseline only) and entered (current only), by grade and segment."""
    entered = ~pairing.matched
    return {
        "baseline_customers": len(baseline),
        "current_customers": len(current),
        "common": pairing.common,
        "left": pairing.left,
        "entered": pairing.entered,
        "left_by_grade": _by(baseline, pairing.left_mask, "grade", grade_order),
        "entered_by_grade": _by(current, entered, "grade", grade_order),
        "left_by_segment": _by(baseline, pairing.left_mask, "segment", segment_order),
        "entered_by_segment": _by(current, entered, "segment", segment_order),
    }


def sankey_option(
    matrix: Mapping[str, Mapping[str, int]],
    title: str,
    names: Mapping[str, str] | None = None,
    sides: tuple[str, str] = ("baseline", "current"),
) -> dict[str, Any]:
    """An ECharts ``sankey`` option of a migration matrix (pure, JSON-serialisable).

    A node is a segment on one side, named ``"<name> (<side>)"`` so that a segment kept by
    its customers does not become a cycle; ``names`` maps ids to display names.

    >>> opt = sankey_option({"a": {"a": 3, "b": 1}}, "Migration", {"a": "Alpha"})
    >>> [n["name"] for n in opt["series"][0]["data"]]
    ['Alpha (baseline)', 'Alpha (current)', 'b (current)']
    >>> opt["series"][0]["links"][1]
    {'source': 'Alpha (baseline)', 'target': 'b (current)', 'value': 1}
    """
    names = names or {}
    left_side, right_side = sides
    sources = list(matrix)
    targets = list(dict.fromkeys(t for row in matrix.values() for t in row))

    def node(key: str, side: str) -> str:
        return f"{names.get(key, key)} ({side})"

    data = [{"name": node(s, left_side)} for s in sources]
    data += [{"name": node(t, right_side)} for t in targets]
    links = [
        {"source": node(s, left_side), "target": node(t, right_side), "value": int(v)}
        for s, row in matrix.items()
        for t, v in row.items()
    ]
    return {
        "title": {"text": title, "left": 0, "top": 0, "textStyle": {"fontSize": 14}},
        "animation": False,
        "tooltip": {"trigger": "item"},
        "series": [{
            "type": "sankey", "top": 40, "bottom": 10, "left": 8, "right": 160,
            "nodeAlign": "justify", "emphasis": {"focus": "adjacency"},
            "lineStyle": {"color": "gradient", "curveness": 0.5, "opacity": 0.4},
            "data": data, "links": links,
        }],
    }  # fmt: skip
