"""MILP mode: fund a customer with at least ``min_ticket`` or not at all (optionally all of
its available amount or nothing), solved with HiGHS branch and bound around the LP optimum.

The LP relaxation (solved exactly by :func:`~finseg.allocation._lp.solve_lp`) bounds the MILP
from above, and at its optimum all but a few customers sit at 0 or their full amount, which
already satisfies the integer conditions.  So the MILP is solved over a band of customers
whose LP reduced margin is nearest zero (every customer the LP funds only partly is in it),
the rest kept at their LP amounts; the band widens until the answer is within the policy's
gap of the LP bound.  The reported gap is against that bound, so it is a certificate for the
whole problem, not only for the band.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from finseg.allocation._highs import HighsModel
from finseg.allocation._lp import LpResult, _Columns
from finseg.allocation._model import Problem

__all__ = ["solve_milp"]

_BAND = 1_000


def _band_model(cols: _Columns, band: np.ndarray, up: np.ndarray, ticket: float, whole: bool,
                limit: float, gap: float) -> HighsModel:  # fmt: skip
    """Columns ``[T, x_band, y_band]`` (or ``[T, y_band]`` when ``whole``)."""
    k = len(band)
    block = cols.block(band)
    lo, hi = cols.rows(up)
    ub = cols.ub[band]
    if whole:
        A = sp.hstack([cols.total_column(), block @ sp.diags(ub)]).tocsc()
        cost, lower, upper = (
            np.r_[0.0, cols.cost[band] * ub],
            np.zeros(k + 1),
            np.r_[np.inf, np.ones(k)],
        )
        integ = [False] + [True] * k
    else:
        link_hi = sp.hstack([sp.csc_matrix((k, 1)), sp.identity(k), -sp.diags(ub)])
        link_lo = sp.hstack([sp.csc_matrix((k, 1)), sp.identity(k), -ticket * sp.identity(k)])
        top = sp.hstack([cols.total_column(), block, sp.csc_matrix((block.shape[0], k))])
        A = sp.vstack([top, link_hi, link_lo]).tocsc()
        lo = np.r_[lo, np.full(k, -np.inf), np.zeros(k)]
        hi = np.r_[hi, np.zeros(k), np.full(k, np.inf)]
        cost = np.r_[0.0, cols.cost[band], np.zeros(k)]
        lower, upper = np.zeros(2 * k + 1), np.r_[np.inf, ub, np.ones(k)]
        integ = [False] * (k + 1) + [True] * k
    model = HighsModel(limit, mip_rel_gap=gap * 0.5, presolve="on")
    model.load(cost, lower, upper, A, lo, hi, integrality=integ)
    return model


def solve_milp(problem: Problem, lp: LpResult, ticket: float, whole: bool, gap: float,
               time_limit: float = 60.0) -> tuple[LpResult, float]:  # fmt: skip
    """The MILP answer and its gap to the LP bound (``problem.upper`` must already be 0 for
    customers whose bound is below ``ticket``)."""
    started = time.perf_counter()
    active = np.flatnonzero(problem.upper > 0)
    if lp.status != "optimal" or not len(active):
        return lp, 0.0
    cols = _Columns(problem, active)
    x_lp = lp.x[active] / cols.scale
    d = cols.reduced(np.r_[lp.row_dual, lp.total_dual])
    partial = (x_lp > 1e-9) & (x_lp < cols.ub - 1e-9)
    size = min(len(active), _BAND)
    best = lp
    while True:
        score = np.where(partial, -1.0, np.abs(d))
        band = np.sort(np.argpartition(score, size - 1)[:size]) if size < len(active) else (
            np.arange(len(active)))  # fmt: skip
        up = x_lp >= cols.ub - 1e-9
        up[band] = False
        left = max(1.0, time_limit - (time.perf_counter() - started))
        out = _band_model(cols, band, up, ticket / cols.scale, whole, left, gap).solve()
        if out.x is not None:
            x_act = np.where(up, cols.ub, 0.0)
            k = len(band)
            amounts = out.x[1 : k + 1] * (cols.ub[band] if whole else 1.0)
            x_act[band] = np.clip(amounts, 0.0, cols.ub[band])
            x = np.zeros(problem.n)
            x[active] = x_act * cols.scale
            objective = float(problem.margin @ x)
            if best is lp or objective > best.objective:
                best = LpResult(
                    "optimal",
                    x,
                    objective,
                    lp.row_dual,
                    lp.total_dual,
                    0.0,
                    "branch and bound on the LP band",
                    free_columns=len(band),
                )
        bound = lp.objective
        found = (bound - best.objective) / max(abs(bound), 1e-12) if best is not lp else np.inf
        if size >= len(active) and out.mip_gap is not None and best is not lp:
            found = min(found, out.mip_gap)  # the whole problem: HiGHS's own bound is valid
        if found <= gap or size >= len(active) or time.perf_counter() - started > time_limit:
            break
        size = min(len(active), size * 4)
    if best is lp:
        best = LpResult("time_limit" if out.status == "time_limit" else out.status,
                        np.zeros(problem.n), float("nan"), lp.row_dual, lp.total_dual, 0.0,
                        "branch and bound on the LP band")  # fmt: skip
        found = float("nan")
    best.seconds = lp.seconds + time.perf_counter() - started
    return best, float(found)
