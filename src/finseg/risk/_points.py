"""Scorecard scaling, the points table, reason codes and SQL for a fitted scorecard.

Scaling (domain convention, "points to double the odds"): ``factor = pdo / ln 2`` and
``offset = base_score - factor·ln(base_odds)``, so that a score of ``base_score`` means good:bad
odds of ``base_odds`` and every ``pdo`` points double them.  With the log-odds
``logit(PD) = α + Σ θᵢ`` over ``n`` characteristics, where ``θᵢ`` is the term of the row's bin
of characteristic ``i`` (``βᵢ·WoE``, or refitted per bin), the points of a bin are

    points = -(θᵢ + α/n)·factor + offset/n

so that ``Σ points = offset - factor·logit(PD)``.  Points are kept unrounded (rounding only
for display), hence ``points`` and ``PD`` agree exactly.

>>> factor, offset = scaling(600, 50, 20)
>>> round(factor, 4), round(offset, 4)
(28.8539, 487.1229)
>>> sql_number(0.1)
'1.00000000000000006e-01'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from finseg.risk._binning import FeatureBins

__all__ = ["HEADERS", "bin_points", "reason_codes", "scaling", "sql_case", "sql_number"]

#: Column headers of the scorecard table, per language.
HEADERS = {
    "en": ["feature", "bin", "count", "event_rate", "woe", "iv", "points"],
    "zh": ["特征", "分箱", "样本数", "违约率", "WoE", "IV", "分值"],
}


def scaling(base_score: float, base_odds: float, pdo: float) -> tuple[float, float]:
    """``(factor, offset)`` of the points scale."""
    factor = pdo / math.log(2)
    return factor, base_score - factor * math.log(base_odds)


def bin_points(logit: np.ndarray, alpha: float, n: int, factor: float, offset: float) -> np.ndarray:
    """Points of each bin (bins, missing, unknown) of one characteristic from its log-odds
    terms (``β·WoE``, or the refitted per-bin terms)."""
    return -(np.asarray(logit, dtype=float) + alpha / n) * factor + offset / n


def sql_number(value: float) -> str:
    """A float as an exact SQL approximate-numeric literal (17 significant digits)."""
    return format(float(value), ".17e")


def _sql_column(name: str, table_alias: str | None) -> str:
    """A double-quoted column reference, optionally qualified by ``table_alias``."""
    quoted = '"' + name.replace('"', '""') + '"'
    return f"{table_alias}.{quoted}" if table_alias else quoted


def sql_case(fb: FeatureBins, values: np.ndarray, table_alias: str | None = None) -> str:
    """``CASE WHEN col IS NULL THEN … WHEN col < split THEN … ELSE … END`` of one characteristic.

    ``values`` has one entry per bin followed by the missing bin; an unknown category gets the
    neutral value ``offset/n`` for points (the caller passes it as the ELSE of categoricals).
    """
    col = _sql_column(fb.name, table_alias)
    parts = [f"WHEN {col} IS NULL THEN {sql_number(values[fb.n_bins])}"]
    if fb.kind == "numeric":
        for split, value in zip(fb.splits, values[: fb.n_bins - 1], strict=True):
            parts.append(f"WHEN {col} < {sql_number(split)} THEN {sql_number(value)}")
        last = values[fb.n_bins - 1]
    else:
        for group, value in zip(fb.groups, values[: fb.n_bins], strict=True):
            quoted = ", ".join("'" + c.replace("'", "''") + "'" for c in group)
            parts.append(f"WHEN {col} IN ({quoted}) THEN {sql_number(value)}")
        last = values[fb.n_bins + 1]
    return "CASE " + " ".join(parts) + f" ELSE {sql_number(last)} END"


def reason_codes(losses: np.ndarray, names: list[str], k: int) -> pd.DataFrame:
    """The ``k`` names with most points lost per row (ties by name); NaN when fewer lost."""
    order = np.argsort(names, kind="stable")
    ranked = order[np.argsort(-losses[:, order], axis=1, kind="stable")][:, :k]
    lost = np.take_along_axis(losses, ranked, axis=1) > 0
    labels = np.asarray(names, dtype=object)[ranked] if names else np.empty(ranked.shape, object)
    labels = np.where(lost, labels, None)
    frame = pd.DataFrame(
        labels, dtype=object, columns=[f"reason_{j + 1}" for j in range(ranked.shape[1])]
    )
    for j in range(ranked.shape[1], k):
        frame[f"reason_{j + 1}"] = pd.Series([None] * len(frame), dtype=object)
    return frame


def scorecard_table(bins: dict[str, FeatureBins], lang: str) -> pd.DataFrame:
    """One row per bin (missing included): counts, event rate, WoE, IV and points."""
    rows = []
    for fb in bins.values():
        labels = [*fb.labels[:-1], "缺失" if lang == "zh" else "Missing"]
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(fb.count > 0, fb.n_event / fb.count, np.nan)
        for b, label in enumerate(labels):
            rows.append(
                [fb.name, label, int(fb.count[b]), rate[b], fb.woe[b], fb.iv[b], fb.points[b]]
            )
    frame = pd.DataFrame(rows, columns=HEADERS["en"])
    frame["points"] = frame["points"].round(2)
    frame.columns = HEADERS[lang]
    return frame
