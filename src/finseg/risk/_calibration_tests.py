"""Calibration tests of PDs against observed defaults, per grade and across grades (domain.md §9).

A low p-value says the PD looks *underestimated*: more defaults were seen than it allows.

>>> round(binomial_test(0.02, 500, 15), 4), round(jeffreys_test(0.02, 500, 15), 4)
(0.0814, 0.0623)
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from pandas import DataFrame
from pydantic import Field, model_validator
from scipy.stats import beta, binom, chi2

from finseg._config_base import _doc, _Section
from finseg.exceptions import InsufficientDataError, UserError

__all__ = [
    "CalibrationTest",
    "HosmerLemeshow",
    "TrafficLight",
    "TrafficLightThresholds",
    "binomial_test",
    "grade_tests",
    "hosmer_lemeshow",
    "jeffreys_test",
]


def _counts(pd: ArrayLike, n: ArrayLike, d: ArrayLike) -> tuple[np.ndarray, ...]:
    """PD, N, D broadcast together and checked: 0 ≤ PD ≤ 1, N ≥ 1, 0 ≤ D ≤ N."""
    p, nn, dd = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (pd, n, d)))
    if ((p < 0) | (p > 1) | np.isnan(p)).any():
        raise UserError("pd must lie in [0, 1]", "pd 须在 [0, 1] 之间")
    if ((nn < 1) | (dd < 0) | (dd > nn) | np.isnan(nn) | np.isnan(dd)).any():
        raise UserError(
            "counts need n ≥ 1 and 0 ≤ d ≤ n", "计数须满足 n ≥ 1 且 0 ≤ d ≤ n（违约数不超过户数）"
        )
    return p, nn, dd


def _scalar_or_array(x: np.ndarray) -> float | np.ndarray:
    return float(x) if np.ndim(x) == 0 else x


def binomial_test(pd: ArrayLike, n: ArrayLike, d: ArrayLike) -> float | np.ndarray:
    """One-sided exact binomial p-value ``P(X ≥ d)`` for ``X ~ Bin(n, pd)``.

    H0: the PD is not underestimated.  Defaults are assumed independent, which makes the test
    conservative (too quick to reject) when they are correlated.

    Parameters
    ----------
    pd : float or array-like
        Predicted (representative) PD of the grade.
    n, d : int or array-like
        Customers and observed defaults in the grade.

    Returns
    -------
    float or ndarray
        A float for scalar input, else an array of the broadcast shape.

    Examples
    --------
    >>> round(binomial_test(0.02, 500, 15), 4)
    0.0814
    >>> binomial_test(0.02, 500, 0)  # no defaults: nothing to reject
    1.0
    """
    p, nn, dd = _counts(pd, n, d)
    return _scalar_or_array(binom.sf(dd - 1, nn, p))


def jeffreys_test(pd: ArrayLike, n: ArrayLike, d: ArrayLike) -> float | np.ndarray:
    """Jeffreys p-value (ECB 2019): ``BetaCDF(pd; d + ½, n − d + ½)``.

    The posterior of the default rate under the Jeffreys prior, evaluated at the PD: a low value
    means the observed defaults make a PD this low unlikely.

    Examples
    --------
    >>> round(jeffreys_test(0.02, 500, 15), 4)
    0.0623
    >>> jeffreys_test([0.02, 0.05], 500, 15).round(4).tolist()
    [0.0623, 0.9852]
    """
    p, nn, dd = _counts(pd, n, d)
    return _scalar_or_array(beta.cdf(p, dd + 0.5, nn - dd + 0.5))


class HosmerLemeshow(NamedTuple):
    """Result of :func:`hosmer_lemeshow`."""

    statistic: float
    p_value: float
    df: int


def hosmer_lemeshow(
    ns: ArrayLike, pds: ArrayLike, ds: ArrayLike, in_sample: bool = False
) -> HosmerLemeshow:
    """Hosmer–Lemeshow test of calibration across G grades.

    ``HL = Σ_g (N_g·PD_g − d_g)² / (N_g·PD_g·(1 − PD_g))``, χ² with G degrees of freedom out of
    sample, G − 2 when the PDs were fitted on the same data.

    Raises
    ------
    UserError
        If a PD is 0 or 1 (its variance is 0) or a count is impossible.
    InsufficientDataError
        If in sample with two grades or fewer (no degrees of freedom left).

    Examples
    --------
    >>> hl = hosmer_lemeshow([47, 95, 68, 53, 37], [0.0307, 0.1161, 0.2907, 0.5514, 0.7648],
    ...                      [3, 20, 17, 24, 28])
    >>> round(hl.statistic, 2), round(hl.p_value, 4), hl.df
    (12.63, 0.0271, 5)
    """
    p, nn, dd = (x.ravel() for x in _counts(pds, ns, ds))
    if ((p <= 0) | (p >= 1)).any():
        raise UserError(
            "Hosmer–Lemeshow needs every PD strictly between 0 and 1",
            "Hosmer–Lemeshow 检验要求各 PD 严格介于 0 与 1 之间",
        )
    df = p.size - (2 if in_sample else 0)
    if df < 1:
        raise InsufficientDataError(
            f"{p.size} grade(s) leave no degrees of freedom in sample (G − 2)",
            f"{p.size} 个等级在样本内检验（自由度 G − 2）时自由度不足",
        )
    stat = float(np.sum((nn * p - dd) ** 2 / (nn * p * (1 - p))))
    return HosmerLemeshow(stat, float(chi2.sf(stat, df)), df)


class TrafficLight(StrEnum):
    """Per-grade verdict of a calibration test."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    def label(self, lang: str = "en") -> str:
        """``绿灯`` / ``Green`` etc."""
        return _LIGHT_LABELS[self][0 if lang == "zh" else 1]


_LIGHT_LABELS: dict[TrafficLight, tuple[str, str]] = {
    TrafficLight.GREEN: ("绿灯（校准可接受）", "Green (calibration acceptable)"),
    TrafficLight.AMBER: ("黄灯（PD 可能低估，需关注）", "Amber (PD may be underestimated)"),
    TrafficLight.RED: ("红灯（PD 低估）", "Red (PD underestimated)"),
}


class CalibrationTest(StrEnum):
    """Which per-grade p-value decides the traffic light."""

    JEFFREYS = "jeffreys"
    BINOMIAL = "binomial"


class TrafficLightThresholds(_Section):
    """p-value thresholds of the per-grade traffic lights (policy ``risk.traffic_light``).

    >>> TrafficLightThresholds().amber_below
    0.05
    """

    amber_below: float = Field(0.05, gt=0, lt=1, description=_doc(
        "p 值低于此值为黄灯", "Amber when the p-value is below this"))  # fmt: skip
    red_below: float = Field(0.01, gt=0, lt=1, description=_doc(
        "p 值低于此值为红灯", "Red when the p-value is below this"))  # fmt: skip
    test: CalibrationTest = Field(CalibrationTest.JEFFREYS, description=_doc(
        "决定信号灯的检验（ECB 采用 Jeffreys 检验）",
        "The test whose p-value sets the light (the ECB uses Jeffreys)"))  # fmt: skip

    @model_validator(mode="after")
    def _ordered(self) -> TrafficLightThresholds:
        if self.red_below > self.amber_below:
            raise ValueError(
                f"红灯阈值 red_below ({self.red_below}) 不得高于黄灯阈值 amber_below "
                f"({self.amber_below}) / red_below ({self.red_below}) must not exceed "
                f"amber_below ({self.amber_below})"
            )
        return self


def _check_grades(frame: DataFrame) -> None:
    """Name the first grade whose counts or PD are impossible."""
    n, p, d = (frame[c].to_numpy() for c in ("n", "pd", "d"))
    bad = ~((n >= 1) & (d >= 0) & (d <= n) & (p >= 0) & (p <= 1))
    if bad.any():
        k = int(np.argmax(bad))
        grade, row = frame.index[k], f"n={n[k]:g}, pd={p[k]:g}, d={d[k]:g}"
        raise UserError(
            f"grade {grade}: {row}; expected n ≥ 1, 0 ≤ d ≤ n and 0 ≤ pd ≤ 1",
            f"等级 {grade}：{row}；须满足 n ≥ 1、0 ≤ d ≤ n 且 0 ≤ pd ≤ 1",
        )


def grade_tests(frame: DataFrame, thresholds: TrafficLightThresholds | None = None) -> DataFrame:
    """Binomial and Jeffreys p-values and a traffic light for every grade.

    Parameters
    ----------
    frame : DataFrame
        One row per grade (the index is kept) with columns ``n`` (customers), ``pd``
        (representative PD) and ``d`` (observed defaults).
    thresholds : TrafficLightThresholds, optional
        Green when p ≥ ``amber_below`` (0.05), red when p < ``red_below`` (0.01), else amber.

    Returns
    -------
    DataFrame
        The three columns plus ``odr`` (observed default rate), ``binomial_p``,
        ``jeffreys_p`` and ``traffic_light`` (a :class:`TrafficLight` value).

    Examples
    --------
    >>> t = DataFrame({"n": [500, 500, 500], "pd": [0.02, 0.02, 0.02], "d": [15, 17, 20]},
    ...               index=["BBB", "BB", "B"])
    >>> grade_tests(t)[["binomial_p", "jeffreys_p", "traffic_light"]].round(4)
         binomial_p  jeffreys_p traffic_light
    BBB      0.0814      0.0623         green
    BB       0.0257      0.0187         amber
    B        0.0031      0.0021           red
    """
    missing = [c for c in ("n", "pd", "d") if c not in frame]
    if missing:
        raise UserError(
            f"grade_tests needs the columns {missing} (n, pd, d per grade)",
            f"grade_tests 缺少列 {missing}（每个等级需 n、pd、d）",
        )
    t = thresholds or TrafficLightThresholds()
    out = frame[["n", "pd", "d"]].astype(float)
    _check_grades(out)
    out["odr"] = out["d"] / out["n"]
    out["binomial_p"] = binomial_test(out["pd"], out["n"], out["d"])
    out["jeffreys_p"] = jeffreys_test(out["pd"], out["n"], out["d"])
    p = out[f"{t.test.value}_p"].to_numpy()
    light = np.where(p < t.red_below, "red", np.where(p < t.amber_below, "amber", "green"))
    out["traffic_light"] = light.astype(object)
    return out
