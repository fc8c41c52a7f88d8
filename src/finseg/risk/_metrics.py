"""Discrimination, accuracy and stability statistics of a PD model (domain.md §9).

Every function takes plain arrays (lists, numpy arrays or pandas Series), is vectorised and
returns a float or a DataFrame.  ``y`` is the default flag (1 = default / bad, 0 = good) and a
higher ``score`` means a riskier customer, so a useful model has ``auc > 0.5``.

>>> y = [0, 0, 1, 1]
>>> auc(y, [0.1, 0.4, 0.35, 0.8]), gini(y, [0.1, 0.4, 0.35, 0.8])
(0.75, 0.5)
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike
from pandas import DataFrame
from scipy.stats import rankdata

from finseg.exceptions import InsufficientDataError, UserError

__all__ = [
    "PSI_EPS",
    "StabilityBand",
    "auc",
    "brier",
    "calibration_curve",
    "gini",
    "hhi",
    "ks",
    "log_loss",
    "psi",
    "psi_band",
    "psi_from_shares",
]

#: Share used in place of an empty bin so that ``ln(A/E)`` stays finite (domain.md §9).
PSI_EPS = 1e-6


def _binary(y: ArrayLike, other: ArrayLike, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``y`` as 0/1 integers and ``other`` as floats, checked to be alike in length."""
    flags = np.asarray(y, dtype=float).ravel()
    values = np.asarray(other, dtype=float).ravel()
    if flags.shape != values.shape:
        raise UserError(
            f"y has {flags.size} values but {name} has {values.size}; they must be alike",
            f"y 有 {flags.size} 个值而 {name} 有 {values.size} 个，两者长度须一致",
        )
    if not np.isin(flags, (0.0, 1.0)).all():
        bad = flags[~np.isin(flags, (0.0, 1.0))][0]
        raise UserError(
            f"y must hold 0 (good) or 1 (default) only; found {bad}",
            f"y 只能为 0（正常）或 1（违约），发现 {bad}",
        )
    if np.isnan(values).any():
        raise UserError(f"{name} has missing values", f"{name} 含缺失值")
    return flags.astype(np.int8), values


def _both_classes(y: np.ndarray) -> tuple[int, int]:
    """Counts of defaults and goods; both must be present to rank one against the other."""
    bads = int(y.sum())
    goods = y.size - bads
    if bads == 0 or goods == 0:
        raise InsufficientDataError(
            f"y has {bads} default(s) and {goods} good(s): AUC, Gini and KS need both",
            f"y 含 {bads} 个违约与 {goods} 个正常客户：AUC、Gini、KS 需两类均存在",
        )
    return bads, goods


def auc(y: ArrayLike, score: ArrayLike) -> float:
    """Area under the ROC curve from ranks (Mann–Whitney U), ties counted half; O(n log n).

    Parameters
    ----------
    y : array-like of {0, 1}
        Default flags (1 = default).
    score : array-like of float
        Risk score or PD; higher means riskier.

    Returns
    -------
    float
        The probability that a random default scores above a random good, in [0, 1].

    Raises
    ------
    InsufficientDataError
        If ``y`` holds only one class.

    Examples
    --------
    >>> auc([0, 1, 0, 1], [1, 1, 1, 2])  # one tie between classes counts half
    0.75
    """
    flags, values = _binary(y, score, "score")
    bads, goods = _both_classes(flags)
    rank_sum = rankdata(values)[flags == 1].sum()
    return float((rank_sum - bads * (bads + 1) / 2) / (bads * goods))


def gini(y: ArrayLike, score: ArrayLike) -> float:
    """Gini coefficient (accuracy ratio) ``2·AUC − 1``, in [−1, 1].

    >>> gini([0, 0, 1, 1], [1, 2, 3, 4])
    1.0
    """
    return 2.0 * auc(y, score) - 1.0


def ks(y: ArrayLike, score: ArrayLike) -> float:
    """Kolmogorov–Smirnov statistic ``max_s |F_bad(s) − F_good(s)|``, in [0, 1].

    The empirical distributions are compared only between distinct scores, so tied scores
    never split.

    >>> ks([0, 0, 1, 1], [1, 2, 3, 4])
    1.0
    >>> ks([0, 1, 0, 1], [1, 1, 2, 2])
    0.0
    """
    flags, values = _binary(y, score, "score")
    bads, goods = _both_classes(flags)
    order = np.argsort(values, kind="stable")
    sorted_scores, sorted_flags = values[order], flags[order]
    gap = np.cumsum(sorted_flags) / bads - np.cumsum(1 - sorted_flags) / goods
    last_of_tie = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    return float(np.abs(gap[last_of_tie]).max())


def _probabilities(y: ArrayLike, pd_: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    flags, probs = _binary(y, pd_, "pd")
    if ((probs < 0) | (probs > 1)).any():
        raise UserError("pd must lie in [0, 1]", "pd 须在 [0, 1] 之间")
    return flags, probs


def brier(y: ArrayLike, pd: ArrayLike) -> float:
    """Brier score, the mean of ``(PD − y)²``; 0 is perfect.

    >>> round(brier([0, 1], [0.2, 0.6]), 6)
    0.1
    """
    flags, probs = _probabilities(y, pd)
    return float(np.mean((probs - flags) ** 2))


def log_loss(y: ArrayLike, pd: ArrayLike, eps: float = 1e-15) -> float:
    """Mean negative log-likelihood, PD clipped to ``[eps, 1 − eps]`` so 0 and 1 stay finite.

    >>> round(log_loss([0, 1], [0.5, 0.5]), 4)
    0.6931
    """
    flags, probs = _probabilities(y, pd)
    p = np.clip(probs, eps, 1 - eps)
    return float(-np.mean(flags * np.log(p) + (1 - flags) * np.log1p(-p)))


def calibration_curve(y: ArrayLike, pd: ArrayLike, bins: int = 10) -> DataFrame:
    """Mean PD against observed default rate in PD-quantile bins.

    Bins come from PD quantiles; equal quantiles merge, so there may be fewer than ``bins``.

    Returns
    -------
    DataFrame
        One row per non-empty bin: ``pd_low``, ``pd_high``, ``count``, ``mean_pd``,
        ``default_rate``.

    Examples
    --------
    >>> calibration_curve([0, 0, 1, 1], [0.1, 0.1, 0.5, 0.7], bins=2)
       pd_low  pd_high  count  mean_pd  default_rate
    0     0.1      0.1      2      0.1           0.0
    1     0.5      0.7      2      0.6           1.0
    """
    flags, probs = _probabilities(y, pd)
    if probs.size == 0:
        raise InsufficientDataError("no rows to calibrate", "无可用于校准的数据")
    edges = np.unique(np.quantile(probs, np.linspace(0, 1, bins + 1)))
    which = np.searchsorted(edges[1:-1], probs, side="right")
    k = max(edges.size - 1, 1)
    count = np.bincount(which, minlength=k)
    low, high = np.full(k, np.inf), np.full(k, -np.inf)
    np.minimum.at(low, which, probs)
    np.maximum.at(high, which, probs)
    frame = DataFrame(
        {
            "pd_low": low,
            "pd_high": high,
            "count": count,
            "mean_pd": np.bincount(which, probs, k) / np.maximum(count, 1),
            "default_rate": np.bincount(which, flags, k) / np.maximum(count, 1),
        }
    )
    return frame[count > 0].reset_index(drop=True)


class StabilityBand(StrEnum):
    """How far a population has shifted, read from its PSI (domain.md §9)."""

    STABLE = "stable"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"

    def label(self, lang: str = "en") -> str:
        """``稳定`` / ``Stable`` etc."""
        return _BAND_LABELS[self][0 if lang == "zh" else 1]


_BAND_LABELS: dict[StabilityBand, tuple[str, str]] = {
    StabilityBand.STABLE: ("稳定（无显著变化）", "Stable (insignificant shift)"),
    StabilityBand.MODERATE: ("轻度偏移（需监控）", "Moderate shift (monitor)"),
    StabilityBand.SIGNIFICANT: ("显著偏移（需调查或重建）", "Significant shift (investigate)"),
}


def psi_band(value: float, moderate: float = 0.10, significant: float = 0.25) -> StabilityBand:
    """The band of a PSI: below ``moderate`` stable, above ``significant`` significant.

    >>> [str(psi_band(v)) for v in (0.05, 0.10, 0.25, 0.3)]
    ['stable', 'moderate', 'moderate', 'significant']
    >>> psi_band(0.3).label("zh")
    '显著偏移（需调查或重建）'
    """
    if value > significant:
        return StabilityBand.SIGNIFICANT
    return StabilityBand.MODERATE if value >= moderate else StabilityBand.STABLE


def psi_from_shares(expected: ArrayLike, actual: ArrayLike, eps: float = PSI_EPS) -> float:
    """PSI ``Σ (A_i − E_i)·ln(A_i / E_i)`` from bin shares, an empty share read as ``eps``.

    Every term is ≥ 0, so the PSI is ≥ 0 and is 0 only for equal shares.

    Parameters
    ----------
    expected, actual : array-like of float
        Shares per bin (each summing to 1), not counts.

    Examples
    --------
    >>> round(psi_from_shares([0.5, 0.5], [0.6, 0.4]), 6)
    0.040547
    """
    e = np.asarray(expected, dtype=float).ravel()
    a = np.asarray(actual, dtype=float).ravel()
    if e.shape != a.shape:
        raise UserError(
            f"expected has {e.size} bins but actual has {a.size}",
            f"预期分布有 {e.size} 个分箱而实际分布有 {a.size} 个",
        )
    for name, s in (("expected", e), ("actual", a)):
        if (s < 0).any() or not np.isclose(s.sum(), 1.0, atol=1e-6):
            raise UserError(
                f"{name} shares must be ≥ 0 and sum to 1 (got {s.sum():.6g}); divide counts "
                "by their total",
                f"{name} 占比须非负且合计为 1（实为 {s.sum():.6g}），请先将计数除以总数",
            )
    return float(np.sum((a - e) * np.log(np.maximum(a, eps) / np.maximum(e, eps))))


def psi(
    expected: ArrayLike, actual: ArrayLike, bins: int | ArrayLike = 10, eps: float = PSI_EPS
) -> float:
    """PSI between two samples of one variable (a score, a PD or a ratio).

    Parameters
    ----------
    expected, actual : array-like of float
        The reference (development) sample and the current sample.
    bins : int or array-like
        Number of bins cut at the quantiles of ``expected`` (equal quantiles merge), or the
        interior edges themselves.  A value equal to an edge falls into the bin above it.
        Missing values form a bin of their own.

    Examples
    --------
    >>> psi([1, 2, 3, 4], [1, 2, 3, 4])
    0.0
    >>> round(psi([1, 2, 3, 4], [1, 1, 1, 4], bins=[2.5]), 6)
    0.274653
    """
    e = np.asarray(expected, dtype=float).ravel()
    a = np.asarray(actual, dtype=float).ravel()
    if e.size == 0 or a.size == 0:
        raise InsufficientDataError("PSI needs two non-empty samples", "PSI 需要两个非空样本")
    if np.ndim(bins) == 0:
        known = e[~np.isnan(e)]
        quantiles = np.quantile(known, np.linspace(0, 1, int(bins) + 1)) if known.size else []
        edges = np.unique(quantiles)[1:-1]
    else:
        edges = np.unique(np.asarray(bins, dtype=float))
    return psi_from_shares(_shares(e, edges), _shares(a, edges), eps)


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of values per bin, the last bin being the missing values."""
    which = np.where(np.isnan(values), edges.size + 1, np.searchsorted(edges, values, "right"))
    return np.bincount(which, minlength=edges.size + 2) / values.size


def hhi(shares: ArrayLike) -> float:
    """Herfindahl–Hirschman index ``Σ s_i²`` of the grade distribution, in (0, 1].

    Counts are accepted too: they are divided by their total first.  ``1/n`` means an even
    spread over ``n`` grades, 1 that all customers sit in one grade.

    >>> hhi([25, 25, 25, 25]), hhi([1.0, 0.0])
    (0.25, 1.0)
    """
    s = np.asarray(shares, dtype=float).ravel()
    if (s < 0).any() or np.isnan(s).any() or s.sum() <= 0:
        raise UserError(
            "shares must be non-negative with a positive total", "占比须非负且合计大于 0"
        )
    s = s / s.sum()
    return float(np.sum(s**2))
