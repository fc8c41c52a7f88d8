"""Solve the allocation LP exactly by sifting over customers with HiGHS dual simplex.

Only the few coupling rows link customers, so at an optimum all but a handful of customers sit
at a bound (0 or ``u_i``), decided by the sign of the reduced margin
``d_i = m_i − Σ_j π_j a_ij`` at the optimal row duals ``π``.  The solver

1. estimates ``π`` from the LP of a random sample of customers (right-hand sides scaled to
   the sample's share; group caps priced as the fractional knapsack of their members),
2. refines it with an aggregated LP in which runs of customers with equal rows and similar
   reduced margins move together (a restriction of the full LP, so its duals are close),
3. fixes the customers whose reduced margin is far from zero at their bound and solves the
   LP of the rest (a band of customers plus the allocated total ``T``) with dual simplex,
4. prices every fixed customer at the new duals; any whose bound is no longer optimal joins
   the LP, which is re-solved from its previous basis; repeat until none does.

On exit every fixed customer has a reduced margin of the right sign and the restricted LP is
optimal, which together are the optimality conditions of the full LP: the answer is exact,
not approximate.  Small problems are solved in one go.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from finseg.allocation._highs import HighsModel, Outcome
from finseg.allocation._model import Problem, RowKind

__all__ = ["LpResult", "solve_lp"]

_DIRECT_BELOW = 15_000  # active customers; below this one dual simplex solve is fastest
_BAND = 4_000  # fewest customers left free around the estimated duals
_SAMPLE = 12_000
_CHUNKS = (64,)  # bucket sizes of the aggregated LPs that refine the sample's duals
_TOL = 1e-9  # reduced-margin tolerance, per yuan (margins are ~1e-2)
_OPTIONS = {
    "solver": "simplex",
    "presolve": "off",
    "primal_feasibility_tolerance": 1e-9,
    "dual_feasibility_tolerance": 1e-10,
}


@dataclass
class LpResult:
    """The LP answer: amounts in yuan, objective in yuan per year, row duals per unit."""

    status: str
    x: np.ndarray
    objective: float
    row_dual: np.ndarray
    total_dual: float
    seconds: float
    method: str
    rounds: int = 0
    free_columns: int = 0


class _Columns:
    """The active customers' columns ``[S_i; 1]`` in solver units (amounts ÷ ``scale``)."""

    def __init__(self, problem: Problem, active: np.ndarray) -> None:
        self.p, self.active = problem, active
        # solver units: amounts near 1, but never so large that the budget becomes tiny
        typical = float(problem.upper[active].mean()) if len(active) else 1.0
        self.scale = max(min(typical, problem.budget), typical * 1e-6)
        self.S = problem.S[:, active].tocsc()
        self.cost = problem.margin[active]
        self.ub = problem.upper[active] / self.scale
        self.r = problem.S.shape[0]
        self._rows = self.S.tocsr()
        coo = self.S.tocoo()
        self.coo = (coo.row, coo.col, coo.data)
        self.group_rows = np.flatnonzero(np.asarray(problem.kinds) == RowKind.GROUP.value)
        coo = self._rows[self.group_rows].tocoo()
        self.group_of = np.full(len(active), -1)
        self.group_of[coo.col] = coo.row  # each customer is in at most one group

    def class_key(self) -> np.ndarray:
        """Customers with equal keys share their industry, group and quota rows."""
        kinds = np.asarray(self.p.kinds)
        key = np.zeros(len(self.cost), dtype=np.int64)
        for kind in (RowKind.INDUSTRY.value, RowKind.GROUP.value):
            rows = np.flatnonzero(kinds == kind)
            of = np.full(len(self.cost), -1, dtype=np.int64)
            coo = self._rows[rows].tocoo()
            of[coo.col] = coo.row
            key = key * (len(rows) + 1) + of + 1
        for j in np.flatnonzero(kinds == RowKind.QUOTA.value):
            key = key * 2 + (self.row_coef(j) > 0)
        return key

    def row_coef(self, j: int) -> np.ndarray:
        """Row ``j`` of ``S`` over the active customers, dense."""
        return self._rows[j].toarray().ravel()

    def block(self, idx: np.ndarray) -> sp.csc_matrix:
        ones = sp.csr_matrix(np.ones((1, len(idx))))
        return sp.vstack([self.S[:, idx], ones]).tocsc()

    def total_column(self) -> sp.csc_matrix:
        return sp.csc_matrix(np.r_[self.p.total_coef, -1.0][:, None])

    def rows(self, up: np.ndarray, frac: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Row bounds with the fixed-at-upper customers ``up`` moved to the right-hand side."""
        used = self.S[:, up] @ self.ub[up] if up.any() else np.zeros(self.r)
        lo = np.r_[self.p.lower_rhs * frac / self.scale - used, -self.ub[up].sum()]
        hi = np.r_[self.p.upper_rhs * frac / self.scale - used, -self.ub[up].sum()]
        return lo, hi

    def reduced(self, dual: np.ndarray) -> np.ndarray:
        return self.cost - (self.S.T @ dual[: self.r]) - dual[self.r]


def _empty(problem: Problem, started: float) -> LpResult:
    r = problem.S.shape[0]
    return LpResult("optimal", np.zeros(problem.n), 0.0, np.zeros(r), 0.0,
                    time.perf_counter() - started, "trivial")  # fmt: skip


def _solve_subset(cols: _Columns, idx: np.ndarray, up: np.ndarray, frac: float, limit: float):
    model = HighsModel(limit, **_OPTIONS)
    lo, hi = cols.rows(up, frac)
    A = sp.hstack([cols.total_column(), cols.block(idx)]).tocsc()
    model.load(np.r_[0.0, cols.cost[idx]], np.zeros(len(idx) + 1), np.r_[np.inf, cols.ub[idx]],
               A, lo, hi)  # fmt: skip
    return model, model.solve()


def _sample_duals(cols: _Columns, rng: np.random.Generator, limit: float) -> np.ndarray:
    """Row duals estimated from a sample LP; group caps are left out of the sample (a sample
    says little about one group) and priced exactly by :func:`_group_duals` instead."""
    n = len(cols.cost)
    size = min(_SAMPLE, n // 3)
    idx = np.sort(rng.choice(n, size, replace=False))
    frac = size / n
    model = HighsModel(limit, **_OPTIONS)
    lo, hi = cols.rows(np.zeros(n, bool), frac)
    hi[cols.group_rows] = np.inf
    A = sp.hstack([cols.total_column(), cols.block(idx)]).tocsc()
    model.load(np.r_[0.0, cols.cost[idx]], np.zeros(len(idx) + 1), np.r_[np.inf, cols.ub[idx]],
               A, lo, hi)  # fmt: skip
    out = model.solve()
    dual = out.row_dual if out.status == "optimal" and out.row_dual is not None else None
    return _group_duals(cols, np.zeros(cols.r + 1) if dual is None else dual.copy())


def _group_duals(cols: _Columns, dual: np.ndarray) -> np.ndarray:
    """Given the other duals, each group cap's dual solves its fractional knapsack: the
    reduced margin of the member the cap cuts."""
    dual[cols.group_rows] = 0.0
    d = cols.reduced(dual)
    idx = np.flatnonzero((cols.group_of >= 0) & (d > 0))
    if not len(idx):
        return dual
    idx = idx[np.lexsort((-d[idx], cols.group_of[idx]))]
    g = cols.group_of[idx]
    cum = np.cumsum(cols.ub[idx])
    start = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    cum -= np.repeat(np.r_[0.0, cum[start[1:] - 1]], np.diff(np.r_[start, len(g)]))
    cap = cols.p.upper_rhs[cols.group_rows][g] / cols.scale
    over = np.flatnonzero(cum >= cap)
    groups, first = np.unique(g[over], return_index=True)
    dual[cols.group_rows[groups]] = d[idx[over[first]]]
    return dual


def _aggregated_duals(cols: _Columns, dual: np.ndarray, chunk: int, limit: float) -> np.ndarray:
    """Duals of the LP in which customers move in buckets: within each class of equal
    industry, group and quota rows, runs of ``chunk`` customers in order of their reduced
    margin at ``dual`` share one fraction.  A restriction of the full LP that every customer
    is part of, so its duals are close to the full LP's; a cheap refinement of ``dual``."""
    n = len(cols.cost)
    key = cols.class_key()
    order = np.lexsort((-cols.reduced(dual), key))
    start = np.r_[0, np.flatnonzero(np.diff(key[order])) + 1]
    pos = np.arange(n) - np.repeat(start, np.diff(np.r_[start, n]))
    bucket = np.empty(n, dtype=np.int64)
    bucket[order] = np.cumsum(pos % chunk == 0) - 1
    nb = int(bucket.max()) + 1
    # bucket columns: Σ_{i∈b} u_i·[S_i; 1], summed in one coordinate pass
    r, c, v = cols.coo
    rows = np.concatenate([r, np.full(n, cols.r, dtype=r.dtype)])
    data = np.concatenate([v * cols.ub[c], cols.ub])
    A = sp.coo_matrix((data, (rows, np.concatenate([bucket[c], bucket]))), shape=(cols.r + 1, nb))
    A = sp.hstack([cols.total_column(), A.tocsc()]).tocsc()
    lo, hi = cols.rows(np.zeros(n, bool))
    model = HighsModel(limit, **_OPTIONS)
    cost = np.bincount(bucket, weights=cols.cost * cols.ub, minlength=nb)
    model.load(np.r_[0.0, cost], np.zeros(nb + 1), np.r_[np.inf, np.ones(nb)], A, lo, hi)
    out = model.solve()
    if out.status != "optimal" or out.row_dual is None:
        return dual
    return _group_duals(cols, out.row_dual.copy())


def _repair(cols: _Columns, up: np.ndarray, free: np.ndarray, d: np.ndarray) -> None:
    """Free fixed-at-upper customers (least attractive first) from every row they overfill,
    so that the restricted LP stays feasible."""
    used = cols.S[:, up] @ cols.ub[up]
    hi = cols.p.upper_rhs / cols.scale
    for j in np.flatnonzero(used > hi * (1 - 1e-9)):
        members = np.flatnonzero(up & (cols.row_coef(j) > 0))
        members = members[np.argsort(d[members], kind="stable")]
        cum = np.cumsum(cols.row_coef(j)[members] * cols.ub[members])
        k = int(np.searchsorted(cum, used[j] - hi[j] * (1 - 1e-6))) + 1
        free[members[:k]] = True
        up[members[:k]] = False


def _widen(free: np.ndarray, up: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Free as many more customers as are free now, those with the smallest |d| first."""
    fixed = np.flatnonzero(~free)
    k = min(len(fixed), max(1, int(free.sum())))
    new = fixed[np.argpartition(np.abs(d[fixed]), k - 1)[:k]] if k < len(fixed) else fixed
    free[new] = True
    up[new] = False
    return new


def solve_lp(problem: Problem, time_limit: float = 60.0, seed: int = 0) -> LpResult:
    """Maximise the risk-adjusted return of ``problem`` (see the module text)."""
    started = time.perf_counter()
    active = np.flatnonzero(problem.upper > 0)
    if not len(active):
        return _empty(problem, started)
    cols = _Columns(problem, active)
    n = len(active)
    if n <= _DIRECT_BELOW:
        free, up, method = np.ones(n, bool), np.zeros(n, bool), "dual simplex"
        d0 = d = np.zeros(n)
    else:
        dual = _sample_duals(cols, np.random.default_rng(seed), time_limit)
        for chunk in _CHUNKS:
            dual = _aggregated_duals(cols, dual, chunk, time_limit)
        d0 = d = cols.reduced(dual)
        band = min(max(_BAND, n // 50), n - 1)
        free = np.zeros(n, bool)
        free[np.argpartition(np.abs(d), band)[:band]] = True
        up, method = (d > 0) & ~free, "sifting + dual simplex"
        _repair(cols, up, free, d)
    order = np.flatnonzero(free)
    model, out = _solve_subset(cols, order, up, 1.0, time_limit)
    rounds = 1
    while True:
        left = time_limit - (time.perf_counter() - started)
        if out.status == "infeasible" and not free.all() and left > 0:
            # the fixed customers leave the restricted LP no room: free more of them
            order = np.r_[order, _widen(free, up, d)]
            model, out = _solve_subset(cols, order, up, 1.0, left)
            rounds += 1
            continue
        if out.status != "optimal":
            return _failed(problem, out, started, method, rounds)
        d = cols.reduced(out.row_dual)
        wrong = ~free & ((up & (d < -_TOL)) | (~up & (d > _TOL)))
        if not wrong.any():
            break
        if wrong.sum() > 2 * len(order):
            # too narrow a band distorts the restricted duals: widen it around the estimate
            for _ in range(2):
                order = np.r_[order, _widen(free, up, d0)]
            model, out = _solve_subset(cols, order, up, 1.0, left)
            rounds += 1
            continue
        new = np.flatnonzero(wrong)
        free[new] = True
        up[new] = False
        order = np.r_[order, new]
        model.add_columns(cols.cost[new], np.zeros(len(new)), cols.ub[new], cols.block(new))
        model.set_row_bounds(*cols.rows(up))
        # HiGHS's clock runs across the solves of one instance
        model.h.setOptionValue("time_limit", model.h.getRunTime() + max(1.0, left))
        out = model.solve()
        rounds += 1
    x_act = np.where(up, cols.ub, 0.0)
    x_act[order] = np.clip(out.x[1:], 0.0, cols.ub[order])
    x = np.zeros(problem.n)
    x[active] = x_act * cols.scale
    x *= _shrink(problem, x)
    return LpResult(
        status="optimal",
        x=x,
        objective=float(problem.margin @ x),
        row_dual=out.row_dual[:-1].copy(),
        total_dual=float(out.row_dual[-1]),
        seconds=time.perf_counter() - started,
        method=method,
        rounds=rounds,
        free_columns=len(order),
    )


def _shrink(problem: Problem, x: np.ndarray) -> float:
    """A factor ≤ 1 that takes the solver's tolerance (~1e-9) off every upper limit: all of
    them have non-negative coefficients and the quotas are homogeneous, so scaling down keeps
    everything else."""
    act = problem.activity(x)
    over = np.isfinite(problem.upper_rhs) & (act > problem.upper_rhs) & (act > 0)
    if not over.any():
        return 1.0
    return float(np.min(np.maximum(problem.upper_rhs[over], 0.0) / act[over]))


def _failed(problem: Problem, out: Outcome, started: float, method: str, rounds: int):
    r = problem.S.shape[0]
    return LpResult(out.status, np.zeros(problem.n), float("nan"), np.zeros(r), 0.0,
                    time.perf_counter() - started, method, rounds)  # fmt: skip
