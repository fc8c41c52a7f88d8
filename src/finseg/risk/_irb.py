"""Basel IRB foundation risk weight for corporate exposures, and expected loss (domain.md §7).

Basel II ¶272 with the SME firm-size adjustment of ¶273; no 1.06 scaling factor (removed in
Basel III final).  China's 2023 rules use the same form, but their SME term in CNY is not yet
verified (domain.md §7 [R]) and is not implemented here.

>>> irb_capital([0.01, 0.05], pd_floor=0.0003)["RW"].round(4).tolist()
[0.9232, 1.4985]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from pandas import DataFrame
from scipy.stats import norm

from finseg.exceptions import UserError

__all__ = ["CONFIDENCE", "expected_loss", "irb_capital"]

#: Confidence level of the IRB capital formula.
CONFIDENCE = 0.999


def _correlation(pd: np.ndarray, sales_eur_m: np.ndarray | None) -> np.ndarray:
    """Asset correlation between 0.12 and 0.24, less up to 4 pp for SMEs (sales < EUR 50m)."""
    w = -np.expm1(-50.0 * pd) / -np.expm1(-50.0)
    r = 0.12 * w + 0.24 * (1.0 - w)
    if sales_eur_m is None:
        return r
    s = np.clip(sales_eur_m, 5.0, 50.0)
    # NaN sales (unknown) means no adjustment; S ≥ 50 gives an adjustment of 0 by itself.
    return r - np.where(np.isnan(s), 0.0, 0.04 * (1.0 - (s - 5.0) / 45.0))


def _checked(name: str, values: ArrayLike, low: float, high: float) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if ((x < low) | (x > high)).any():
        bad = x[(x < low) | (x > high)].ravel()[0]
        raise UserError(
            f"{name} must lie in [{low}, {high}]; found {bad}",
            f"{name} 须在 [{low}, {high}] 之间，发现 {bad}",
        )
    return x


def irb_capital(
    pd: ArrayLike,
    lgd: ArrayLike = 0.45,
    maturity: ArrayLike = 2.5,
    sales_eur_m: ArrayLike | None = None,
    pd_floor: float = 0.0005,
) -> DataFrame:
    """Correlation, maturity adjustment, capital requirement and risk weight per exposure.

    ``K = [LGD·N((G(PD) + √R·G(0.999)) / √(1 − R)) − PD·LGD] · (1 + (M − 2.5)·b) / (1 − 1.5·b)``
    with ``b = (0.11852 − 0.05478·ln PD)²``; ``RW = 12.5·K`` so ``RWA = RW·EAD``.

    Parameters
    ----------
    pd : float or array-like
        One-year PD in [0, 1]; floored at ``pd_floor``.  PD 1 (default) gives K = 0, the
        F-IRB treatment of defaulted exposures.
    lgd : float or array-like
        Loss given default (F-IRB senior unsecured: 0.45 Basel II, 0.40 Basel III).
    maturity : float or array-like
        Effective maturity M in years.
    sales_eur_m : float or array-like, optional
        Consolidated annual sales in EUR million for the SME adjustment (clipped to [5, 50];
        none at 50 or above; NaN means unknown, no adjustment).
    pd_floor : float
        0.0005 (Basel III / China 2023) by default; 0.0003 under Basel II.

    Returns
    -------
    DataFrame
        One row per exposure: ``pd`` (floored), ``R``, ``b``, ``K``, ``RW``.

    Examples
    --------
    >>> irb_capital(0.01, sales_eur_m=5.0)[["R", "RW"]].round(4)
            R      RW
    0  0.1528  0.7239
    """
    p = np.maximum(_checked("pd", pd, 0.0, 1.0), pd_floor)
    lgd_ = _checked("lgd", lgd, 0.0, 1.0)
    m = _checked("maturity", maturity, 0.0, 30.0)
    sales = None if sales_eur_m is None else np.asarray(sales_eur_m, dtype=float)
    r = _correlation(p, sales)
    b = (0.11852 - 0.05478 * np.log(p)) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        tail = norm.cdf((norm.ppf(p) + np.sqrt(r) * norm.ppf(CONFIDENCE)) / np.sqrt(1.0 - r))
    k = (lgd_ * tail - p * lgd_) * (1.0 + (m - 2.5) * b) / (1.0 - 1.5 * b)
    k = np.where(p >= 1.0, 0.0, k)
    p, r, b, k = (np.atleast_1d(c) for c in np.broadcast_arrays(p, r, b, k))
    return DataFrame({"pd": p, "R": r, "b": b, "K": k, "RW": 12.5 * k})


def expected_loss(pd: ArrayLike, lgd: ArrayLike, ead: ArrayLike) -> float | np.ndarray:
    """Expected loss ``EL = PD · LGD · EAD``; a float for scalars, else an array.

    >>> round(expected_loss(0.02, 0.45, 1_000_000), 2)
    9000.0
    >>> expected_loss([0.01, 0.02], 0.45, [100.0, 200.0]).round(6).tolist()
    [0.45, 1.8]
    """
    p = _checked("pd", pd, 0.0, 1.0)
    el = p * np.asarray(lgd, dtype=float) * np.asarray(ead, dtype=float)
    return float(el) if np.ndim(el) == 0 else el
