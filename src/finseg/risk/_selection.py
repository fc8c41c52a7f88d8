"""Characteristic selection for the scorecard: IV floor, WoE correlation, forward stepwise.

Each step returns the kept names and a ``{name: reason}`` of those it dropped, so the fitted
model can say why every characteristic is absent.  Selection is forward stepwise by **AIC
without cross-validation**: the candidate with the largest Rao score statistic enters (as in
SAS's stepwise) and stays if the AIC (``2k - 2 lnL`` of the L2-penalised logistic regression on
WoE) falls; it stops at the first that does not.  Cheap (one fit per step) and deterministic.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> w = rng.normal(size=(400, 3))
>>> y = (rng.random(400) < 1 / (1 + np.exp(2 * w[:, 0]))).astype(int)
>>> forward_stepwise(w, y, ["a", "b", "c"], max_features=2, C=1.0)[0]
['a']
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

__all__ = ["fit_logit", "forward_stepwise", "prune_correlated", "prune_iv"]


def prune_iv(iv: dict[str, float], min_iv: float) -> tuple[list[str], dict[str, str]]:
    """Names with ``IV >= min_iv``, by IV descending (ties by name); reasons for the rest."""
    ordered = sorted(iv, key=lambda n: (-iv[n], n))
    kept = [n for n in ordered if iv[n] >= min_iv]
    dropped = {n: f"IV {iv[n]:.4f} < min_iv {min_iv}" for n in ordered if iv[n] < min_iv}
    return kept, dropped


def prune_correlated(
    woe: np.ndarray, names: list[str], max_corr: float
) -> tuple[list[str], dict[str, str]]:
    """Drop the later (lower-IV) of each pair whose WoE correlation exceeds ``max_corr``.

    ``names`` must be ordered by IV descending, as :func:`prune_iv` returns them.
    """
    if len(names) < 2:
        return list(names), {}
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(woe, rowvar=False), nan=0.0)
    kept: list[int] = []
    dropped: dict[str, str] = {}
    for j, name in enumerate(names):
        clash = [i for i in kept if abs(corr[i, j]) > max_corr]
        if clash:
            other = names[clash[0]]
            dropped[name] = f"WoE correlation {corr[clash[0], j]:.3f} with {other} (higher IV)"
        else:
            kept.append(j)
    return [names[i] for i in kept], dropped


def _fit(woe: np.ndarray, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """Fitted PD and AIC (``2k - 2 lnL``) of the logistic regression on ``woe``'s columns."""
    if woe.shape[1]:
        p = LogisticRegression(C=C, max_iter=1000).fit(woe, y).predict_proba(woe)[:, 1]
    else:
        p = np.full(len(y), y.mean())
    p = np.clip(p, 1e-15, 1 - 1e-15)
    loglik = float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return p, 2 * (woe.shape[1] + 1) - 2 * loglik


def _score_tests(woe: np.ndarray, y: np.ndarray, chosen: list[int], p: np.ndarray) -> np.ndarray:
    """Rao score statistic of adding each column of ``woe`` to the model fitted on ``chosen``."""
    w = p * (1 - p)
    fitted = np.column_stack([np.ones(len(y)), woe[:, chosen]])
    cross = woe.T @ (fitted * w[:, None])
    inverse = np.linalg.pinv(fitted.T @ (fitted * w[:, None]))
    variance = (woe**2 * w[:, None]).sum(axis=0) - np.einsum("ij,ij->i", cross @ inverse, cross)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = (woe.T @ (y - p)) ** 2 / variance
    stat[chosen] = -np.inf
    return np.nan_to_num(stat, nan=-np.inf)


def forward_stepwise(
    woe: np.ndarray, y: np.ndarray, names: list[str], max_features: int, C: float
) -> tuple[list[str], dict[str, str]]:
    """Forward selection: the candidate with the largest score statistic enters, and is kept
    while the AIC falls (one fit per step, not one per candidate)."""
    chosen: list[int] = []
    p, best = _fit(woe[:, []], y, C)
    while len(chosen) < min(max_features, len(names)):
        stat = _score_tests(woe, y, chosen, p)
        j = int(np.argmax(stat))  # names come ordered by IV, so ties go to the higher IV
        if not np.isfinite(stat[j]):
            break
        trial_p, aic = _fit(woe[:, [*chosen, j]], y, C)
        if aic >= best:
            break
        chosen.append(j)
        p, best = trial_p, aic
    full = len(chosen) == max_features
    reason = f"not selected: max_features={max_features} reached" if full else "no AIC gain"
    return [names[i] for i in chosen], {n: reason for i, n in enumerate(names) if i not in chosen}


def fit_logit(
    woe: np.ndarray, y: np.ndarray, names: list[str], C: float, random_state: int | None
) -> tuple[list[str], np.ndarray, float, dict[str, str]]:
    """Logistic regression on WoE, dropping (and refitting without) any wrong-signed β.

    WoE is higher for safer bins, so each β must be ≤ 0; a positive β would reverse the
    binning's risk ordering (and break a monotonic constraint) and is removed, largest first.
    Returns the kept names, their β, the intercept α and the reasons for those removed.
    """
    names = list(names)
    dropped: dict[str, str] = {}
    while names:
        model = LogisticRegression(C=C, max_iter=1000, random_state=random_state)
        model.fit(woe, y)
        beta = model.coef_[0]
        if beta.max() <= 0:
            return names, beta, float(model.intercept_[0]), dropped
        worst = int(np.argmax(beta))
        dropped[names[worst]] = f"coefficient sign: β = {beta[worst]:.4f} > 0 on WoE"
        woe = np.delete(woe, worst, axis=1)
        del names[worst]
    p = float(np.clip(y.mean(), 1e-15, 1 - 1e-15))
    return [], np.zeros(0), float(np.log(p / (1 - p))), dropped
