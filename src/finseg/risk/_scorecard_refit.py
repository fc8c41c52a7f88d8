"""Bin-level refit of a WoE scorecard: one L2-penalised log-odds term per bin.

The WoE logistic regression gives every bin of characteristic ``j`` the term ``βⱼ·WoE``: one
slope per characteristic, so the bins keep their univariate WoE *ratios*.  The refit frees every
bin's term ``θ`` (dummy coding: one coefficient per bin) under a ridge penalty, starting from
``βⱼ·WoE``:

    minimise  −ln L(α + Σⱼ θⱼ[bin]) + Σ θ² / (2C)

It is still a scorecard — points per bin that add up to the score.  On the real data sets of
``docs/benchmarks.md`` this beat both the WoE model and a refit pulled toward ``β·WoE``.
Solved by cyclic block-coordinate Newton: the Hessian block of one characteristic is diagonal
(each row is in exactly one of its bins), so a block step — joint with the intercept, which
every block spans — is closed form, and under a monotonic direction the constrained block step
is the weighted isotonic regression (pool-adjacent-violators) of the unconstrained one.  Each
step is a ``bincount`` and a gather, so a million rows take seconds.  The terms are finally
centred (count-weighted mean 0 per characteristic, the shift moved into ``α``), so an unknown
category (term 0) is neutral, and empty bins get 0.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> index = [rng.integers(0, 3, 2000)]
>>> y = (rng.random(2000) < np.array([0.1, 0.3, 0.2])[index[0]]).astype(int)
>>> theta, alpha, status = refit_bins(index, [np.zeros(4)], [1], y, C=10.0)
>>> status
'converged'
>>> np.round(theta[0], 2).tolist()  # ascending: the 0.3 and 0.2 bins are pooled
[-0.73, 0.34, 0.34, 0.0]
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["isotonic", "refit_bins"]

#: Sweeps over all characteristics at most, and the largest change in a term that stops them.
MAX_SWEEPS = 100
TOLERANCE = 1e-6
#: Alternations of intercept shift and isotonic fit in a monotone block step.
INNER_STEPS = 20


def isotonic(target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-decreasing fit to ``target`` (pool adjacent violators)."""
    values: list[float] = []
    weights: list[float] = []
    sizes: list[int] = []
    for t, w in zip(target.tolist(), weight.tolist(), strict=True):
        values.append(t)
        weights.append(w)
        sizes.append(1)
        while len(values) > 1 and values[-2] > values[-1]:
            w2 = weights[-2] + weights[-1]
            v2 = (values[-2] * weights[-2] + values[-1] * weights[-1]) / w2 if w2 > 0 else 0.0
            size = sizes[-2] + sizes[-1]
            del values[-1], weights[-1], sizes[-1]
            values[-1], weights[-1], sizes[-1] = v2, w2, size
    return np.repeat(values, sizes)


def _block_step(
    theta: np.ndarray,
    prior: np.ndarray,
    grad: np.ndarray,
    hess: np.ndarray,
    C: float,
    direction: int,
) -> tuple[np.ndarray, float]:
    """Joint Newton step of one characteristic's terms and the intercept.

    Every row is in exactly one of the characteristic's slots, so the log-likelihood sees only
    ``u = Δθ + Δα`` per slot (diagonal curvature ``hess``) while the penalty sees ``θ``; the
    joint minimiser of the quadratic model is closed form.  ``direction`` ±1 then keeps the
    bins (not the last, missing, slot) monotone by weighted isotonic regression.  Returns the
    new terms and the intercept change.
    """
    weight = hess + 1.0 / C
    shrink = (1.0 / C) / weight  # 1 for an empty slot
    gap = theta - prior
    denominator = 1.0 - shrink.mean()
    shift = float(np.mean(gap * (1 - shrink) - grad / weight) / denominator) if denominator else 0.0
    new = theta + (-grad + (shift - gap) / C) / weight  # θ + u, the slot's new total term
    if direction:  # alternate the intercept shift and the isotonic fit (both exact minimisers)
        for _ in range(INNER_STEPS):
            new = theta + (-grad + (shift - gap) / C) / weight
            new[:-1] = direction * isotonic(direction * new[:-1], weight[:-1])
            shift = float(np.mean(new - prior))
    return new - shift, shift


def direction_fit(theta: np.ndarray, direction: int) -> np.ndarray:
    """``theta`` with its bins (missing slot excluded) made monotone in ``direction``."""
    out = theta.copy()
    out[:-1] = direction * isotonic(direction * theta[:-1], np.ones(len(theta) - 1))
    return out


def refit_bins(
    index: list[np.ndarray],
    start: list[np.ndarray],
    direction: list[int],
    y: np.ndarray,
    C: float,
    alpha: float = 0.0,
) -> tuple[list[np.ndarray], float, str]:
    """Per-bin log-odds terms ``θ`` and intercept ``α`` of the penalised refit.

    Parameters
    ----------
    index : list of int arrays
        Per characteristic, the bin of every row (``0..n_bins-1``, ``n_bins`` missing).
    start : list of arrays of length ``n_bins + 1``
        Per characteristic, the starting terms (``β·WoE`` of the WoE logistic regression).
    direction : list of int
        ``+1``: terms must not fall across the (non-missing) bins; ``-1``: not rise; ``0``: free.
    y : array of 0/1
    C : float
        Inverse L2 penalty strength (sum of log-loss over rows against ``½‖θ‖²``).
    alpha : float
        Starting intercept.

    Returns
    -------
    theta, alpha, status : per characteristic the terms (centred, empty bins 0), the intercept
        and ``"converged"`` or ``"max sweeps reached (change …)"``.
    """
    theta = [np.asarray(p, dtype=float).copy() for p in start]
    prior = [np.zeros_like(t) for t in theta]
    if direction:
        for j, d in enumerate(direction):  # start feasible
            if d:
                theta[j] = direction_fit(theta[j], d)
    eta = np.full(len(y), float(alpha))
    for j, idx in enumerate(index):
        eta += theta[j][idx]
    change = np.inf
    sweep = 0
    while sweep < MAX_SWEEPS and change > TOLERANCE:
        sweep += 1
        change = 0.0
        for j, idx in enumerate(index):
            slots = len(theta[j])
            p = expit(eta)
            grad = np.bincount(idx, weights=p - y, minlength=slots)[:slots]
            hess = np.bincount(idx, weights=p * (1 - p), minlength=slots)[:slots]
            new, shift = _block_step(theta[j], prior[j], grad, hess, C, direction[j])
            delta = new - theta[j]
            eta += delta[idx] + shift
            theta[j] = new
            alpha += shift
            change = max(change, float(np.abs(delta).max()), abs(shift))
    status = "converged" if change <= TOLERANCE else f"max sweeps reached (change {change:.2g})"
    for j, idx in enumerate(index):
        count = np.bincount(idx, minlength=len(theta[j]))[: len(theta[j])]
        shift = float(np.average(theta[j], weights=count)) if count.sum() else 0.0
        theta[j] = np.where(count > 0, theta[j] - shift, 0.0)
        alpha += shift
    return theta, float(alpha), status
