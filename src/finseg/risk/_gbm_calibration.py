"""Calibration of :class:`finseg.risk.GBMModel`: maps from the booster's raw margin to a PD,
and their choice by cross-fitted out-of-sample log-loss.

Two maps: isotonic (a step function, scikit-learn's ``IsotonicRegression``) and Platt's
sigmoid ``PD = expit(slope * margin + intercept)``, a 2-parameter logistic regression fitted
here by Newton's method (a handful of vectorised passes, against ~0.5 s per fit of
scikit-learn's ``LogisticRegression`` on 200,000 hold-out margins).

>>> import numpy as np
>>> margin = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0])
>>> y = np.array([0, 0, 1, 0, 1, 1])
>>> platt = fit_platt(margin, y)
>>> bool(platt.slope > 0), calibrate(platt, margin).round(2).tolist()
(True, [0.05, 0.14, 0.35, 0.65, 0.86, 0.95])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression

__all__ = [
    "CALIBRATIONS",
    "PD_FLOOR",
    "PlattMap",
    "calibrate",
    "choose_calibration",
    "cross_fitted_log_loss",
    "fit_calibrator",
    "fit_platt",
]

#: Smallest PD (and distance of the largest from 1) the model returns.
PD_FLOOR = 1e-6

#: Weight of the logistic link of the raw margin blended into the isotonic map: too small
#: to move a PD by more than 1e-6, large enough to order the rows of a flat isotonic step
#: by their raw margin, so calibration never lowers the booster's AUC by creating ties.
TIE_BREAK = 1e-6

CALIBRATIONS = ("isotonic", "sigmoid")

#: L2 penalty on the Platt slope (as ``LogisticRegression(C=1e6)``): negligible, but keeps
#: the fit finite when the margins separate the classes perfectly.
PLATT_RIDGE = 1e-6

Folds = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class PlattMap:
    """Platt's sigmoid map from raw margin to PD: ``expit(slope * margin + intercept)``."""

    slope: float
    intercept: float


def _platt_loss(y: np.ndarray, z: np.ndarray, slope: float) -> float:
    """Log-loss of the logits ``z`` plus the ridge on the slope."""
    return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * PLATT_RIDGE * slope**2)


def fit_platt(
    margin: np.ndarray, y: np.ndarray, start: PlattMap | None = None, max_iter: int = 100
) -> PlattMap:
    """Platt map by damped Newton steps on the log-loss, from ``start`` or the identity (the
    margin is already a log-odds); stops when a full step would lower the loss by less than
    1e-9 per row (the parameters are then within about 1e-4 of the optimum)."""
    margin, y = np.asarray(margin, dtype=np.float64), np.asarray(y, dtype=np.float64)
    start = start or PlattMap(1.0, 0.0)
    theta = np.array([start.slope, start.intercept])
    z = theta[0] * margin + theta[1]
    loss = _platt_loss(y, z, theta[0])
    for _ in range(max_iter):
        p = expit(z)
        w, r = p * (1 - p), p - y
        grad = np.array([r @ margin + PLATT_RIDGE * theta[0], r.sum()])
        swm = w @ margin
        hess = np.array([[w @ (margin * margin) + PLATT_RIDGE, swm], [swm, w.sum() + 1e-12]])
        step = -np.linalg.solve(hess, grad)
        decrement = -float(grad @ step)
        if decrement < 1e-9 * len(y):
            break
        t = 1.0
        while t > 1e-10:  # backtracking (Armijo) line search
            z_new = z + t * (step[0] * margin + step[1])
            loss_new = _platt_loss(y, z_new, theta[0] + t * step[0])
            if loss_new <= loss - 1e-4 * t * decrement:
                break
            t /= 2
        else:
            break
        theta, z, loss = theta + t * step, z_new, loss_new
    return PlattMap(float(theta[0]), float(theta[1]))


def fit_calibrator(
    kind: str, margin: np.ndarray, y: np.ndarray
) -> IsotonicRegression | PlattMap | None:
    """A fitted map from raw margin to PD, or None for the plain logistic link."""
    if kind == "isotonic":
        return IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(margin, y)
    if kind == "sigmoid":
        return fit_platt(margin, y)
    return None


def calibrate(calibrator: Any, margin: np.ndarray) -> np.ndarray:
    """PD of each raw margin, within ``[PD_FLOOR, 1 - PD_FLOOR]``.

    The isotonic map is a step function; rows on one step are ordered by their raw margin
    (see :data:`TIE_BREAK`), so the PD ranks rows exactly as the booster does.  A scikit-learn
    ``LogisticRegression`` (the Platt map of models saved before :class:`PlattMap`) is read
    through its coefficients.
    """
    if calibrator is None:
        return np.clip(expit(margin), PD_FLOOR, 1 - PD_FLOOR)
    if isinstance(calibrator, IsotonicRegression):
        step = calibrator.predict(margin)
        link = expit(margin)
        return PD_FLOOR + (1 - 2 * PD_FLOOR) * ((1 - TIE_BREAK) * step + TIE_BREAK * link)
    if isinstance(calibrator, PlattMap):
        slope, intercept = calibrator.slope, calibrator.intercept
    else:
        slope, intercept = float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])
    return np.clip(expit(slope * margin + intercept), PD_FLOOR, 1 - PD_FLOOR)


def choose_calibration(
    kind: str, margin: np.ndarray, y: np.ndarray, folds: Folds
) -> tuple[str, IsotonicRegression | PlattMap | None, dict[str, float]]:
    """The calibration to use, its map fitted on all ``margin`` and the cross-fitted log-loss
    of every candidate (see :func:`cross_fitted_log_loss`); ``kind="auto"`` takes the lower
    loss of :data:`CALIBRATIONS`."""
    platt = fit_platt(margin, y)
    scores = cross_fitted_log_loss(margin, y, folds, platt)
    chosen = min(CALIBRATIONS, key=scores.get) if kind == "auto" else kind
    return chosen, platt if chosen == "sigmoid" else fit_calibrator(chosen, margin, y), scores


def cross_fitted_log_loss(
    margin: np.ndarray, y: np.ndarray, folds: Folds, platt: PlattMap | None = None
) -> dict[str, float]:
    """Out-of-fold log-loss of each calibration, each fold mapped by a fit on the others.

    ``platt``, the Platt map of all margins, is where each fold's Platt fit starts: it is
    one or two Newton steps away from every one of them.
    """
    scores = {}
    for kind in (*CALIBRATIONS, "none"):
        loss = 0.0
        for train, valid in folds:
            if kind == "sigmoid":
                calibrator = fit_platt(margin[train], y[train], start=platt)
            else:
                calibrator = fit_calibrator(kind, margin[train], y[train])
            pd_ = calibrate(calibrator, margin[valid])
            loss -= np.sum(y[valid] * np.log(pd_) + (1 - y[valid]) * np.log1p(-pd_))
        scores[kind] = float(loss / len(y))
    return scores
