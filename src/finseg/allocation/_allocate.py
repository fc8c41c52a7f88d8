"""``allocate``: the budget optimiser as one service function, and the EL frontier.

>>> from finseg.allocation._synthetic import synthetic_book
>>> from finseg.allocation._policy import AllocationPolicy
>>> result = allocate(synthetic_book(300, seed=2), AllocationPolicy(), budget=2e8)
>>> result.summary["status"], result.summary["allocated_total"] <= 2e8 + 1e-3
('optimal', True)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from finseg.allocation._baselines import baselines
from finseg.allocation._explain import check_feasible
from finseg.allocation._lp import LpResult, solve_lp
from finseg.allocation._milp import solve_milp
from finseg.allocation._model import Problem, RowKind, build_problem, row_label
from finseg.allocation._policy import AllocationPolicy
from finseg.exceptions import RunError, UserError

__all__ = ["AllocationResult", "Reason", "allocate", "frontier"]


class Reason(StrEnum):
    """Why a customer got what it got."""

    BUDGET = "budget"
    LIMIT = "customer limit"
    SINGLE = "single-customer cap"
    GROUP = "group cap"
    INDUSTRY = "industry cap"
    EL = "EL budget"
    RWA = "RWA budget"
    QUOTA = "quota"
    UNPROFITABLE = "not profitable"
    TICKET = "minimum ticket"
    NOT_FUNDED = "not funded"


REASON_ZH = {
    Reason.BUDGET: "信贷预算", Reason.LIMIT: "客户限额", Reason.SINGLE: "单一客户限额",
    Reason.GROUP: "集团客户限额", Reason.INDUSTRY: "行业限额", Reason.EL: "预期损失预算",
    Reason.RWA: "风险加权资产预算", Reason.QUOTA: "政策配额", Reason.UNPROFITABLE: "收益不足",
    Reason.TICKET: "低于最低投放额", Reason.NOT_FUNDED: "未获分配",
}  # fmt: skip
_ROW_REASON = {RowKind.GROUP.value: Reason.GROUP, RowKind.INDUSTRY.value: Reason.INDUSTRY,
               RowKind.EL.value: Reason.EL, RowKind.RWA.value: Reason.RWA}  # fmt: skip


@dataclass
class AllocationResult:
    """Per-customer allocation (``frame``), the ``summary`` dict, and the solved problem."""

    frame: pd.DataFrame
    summary: dict
    problem: Problem
    lp: LpResult


def _row_max(m) -> tuple[np.ndarray, np.ndarray]:
    """Largest stored value of each row of a CSR matrix (0 if none) and its column."""
    n = m.shape[0]
    best, col = np.zeros(n), np.zeros(n, dtype=np.int64)
    counts = np.diff(m.indptr)
    filled = counts > 0
    if not m.nnz:
        return best, col
    best[filled] = np.maximum.reduceat(m.data, m.indptr[:-1][filled])
    row = np.repeat(np.arange(n), counts)
    hits = np.flatnonzero(m.data == best[row])
    rows, first = np.unique(row[hits], return_index=True)
    col[rows] = m.indices[hits[first]]
    return best, col


def _reasons(p: Problem, lp: LpResult, x: np.ndarray, below_ticket: np.ndarray) -> np.ndarray:
    """The limit that stopped each customer (its own bound when fully funded, else the
    coupling row that charges it most at the optimal duals)."""
    n, tol = p.n, 1e-7 * np.maximum(p.upper, 1.0)
    reason = np.full(n, Reason.NOT_FUNDED.value, dtype=object)
    kinds = np.asarray(p.kinds)
    pi = lp.row_dual
    # charge of each row per yuan lent to customer i
    charge = p.S.T.multiply(np.where(kinds == RowKind.QUOTA.value, 0.0, pi)).tocsr()
    best, best_row = _row_max(charge)
    quota = kinds == RowKind.QUOTA.value
    # through the total every yuan pays q_k·|π_k| to each quota; members earn |π_k| back
    quota_charge = float(np.sum(-p.total_coef[quota] * np.abs(pi[quota]))) - (
        p.S[quota].T @ np.abs(pi[quota])
    )
    budget_charge = pi[0]
    row_reason = np.array([_ROW_REASON.get(k, Reason.NOT_FUNDED).value for k in kinds],
                          dtype=object)  # fmt: skip
    reason[:] = np.where(best > 1e-12, row_reason[best_row], Reason.NOT_FUNDED.value)
    reason[(budget_charge >= best) & (budget_charge > 1e-12)] = Reason.BUDGET.value
    reason[(quota_charge > np.maximum(best, budget_charge)) & (quota_charge > 1e-12)] = (
        Reason.QUOTA.value
    )
    full = (p.upper > 0) & (x >= p.upper - tol)
    reason[full] = p.bound[full]
    reason[(x <= tol) & (p.margin <= 0)] = Reason.UNPROFITABLE.value
    reason[below_ticket] = Reason.TICKET.value
    return reason


def _shadow_prices(p: Problem, lp: LpResult, x: np.ndarray) -> list[dict]:
    act = p.activity(x)
    rhs = np.where(np.isfinite(p.upper_rhs), p.upper_rhs, p.lower_rhs)
    scale = max(1.0, float(x.sum()))
    binding = np.abs(act - rhs) <= 1e-7 * np.maximum(scale, np.abs(rhs))
    price = lp.row_dual.copy()
    industry = np.asarray(p.kinds) == RowKind.INDUSTRY.value
    if p.budget > 0:  # industry caps are shares of the budget: one more yuan loosens them too
        price[0] += float(p.upper_rhs[industry] / p.budget @ lp.row_dual[industry])
    binding[0] |= price[0] > 1e-12  # the budget is worth something through the industry caps
    return [
        {
            "constraint": p.kinds[j],
            "key": p.keys[j],
            "label_en": row_label(p.kinds[j], p.keys[j], "en"),
            "label_zh": row_label(p.kinds[j], p.keys[j], "zh"),
            "shadow_price": float(price[j]),
            "rhs": float(rhs[j]),
            "activity": float(act[j]),
        }
        for j in np.flatnonzero(binding)
    ]


def _gap(best: float, other: float) -> float | None:
    return (best - other) / abs(best) if best and np.isfinite(best) else None


def _summary(p, lp, x, mode, gap, base) -> dict:
    s = {
        "status": lp.status, "mode": mode, "method": lp.method, "budget": p.budget,
        "objective": lp.objective, "allocated_total": float(x.sum()),
        "n_customers": p.n, "n_funded": int((x > 0).sum()),
        "expected_loss": float(p.el @ x), "rwa": float(p.rw @ x),
        "solve_seconds": lp.seconds, "gap": gap,
        "shadow_prices": _shadow_prices(p, lp, x),
    }  # fmt: skip
    for name, b in base.items():
        s[f"{name}_objective"] = b.objective
        s[f"{name}_gap"] = _gap(lp.objective, b.objective)
        s[f"{name}_meets_quotas"] = b.meets_quotas
    if "lagrangian" in base:
        s["lagrangian_lambda"] = base["lagrangian"].lam
    return s


def allocate(book: pd.DataFrame, policy: AllocationPolicy, budget: float, mode: str = "lp",
             with_baselines: bool = True) -> AllocationResult:  # fmt: skip
    """Solve the allocation of a checked book (:func:`~finseg.allocation.read_book`)."""
    if mode not in ("lp", "milp"):
        raise UserError(f"--mode: expected lp or milp, got {mode!r}",
                        f"--mode：应为 lp 或 milp，实际为 {mode!r}")  # fmt: skip
    p = build_problem(book, policy, budget)
    below = np.zeros(p.n, dtype=bool)
    if mode == "milp" and policy.min_ticket:
        below = (p.upper > 0) & (p.upper < policy.min_ticket)
        p = replace(p, upper=np.where(below, 0.0, p.upper))
    lp = solve_lp(p, policy.time_limit)
    if lp.status != "optimal":
        raise RunError(f"the LP solver stopped: {lp.status}", f"线性规划求解未完成：{lp.status}")
    check_feasible(p, float(lp.x.sum()))
    gap: float | None = 0.0 if mode == "milp" else None
    sol = lp
    if mode == "milp" and (policy.min_ticket or policy.all_or_nothing):
        sol, gap = solve_milp(p, lp, policy.min_ticket or 0.0, policy.all_or_nothing,
                              policy.mip_gap, policy.time_limit)  # fmt: skip
        if sol.status != "optimal":
            raise RunError(f"the MILP solver stopped: {sol.status}",
                           f"整数规划求解未完成：{sol.status}")  # fmt: skip
    x = sol.x
    base = baselines(p) if with_baselines else {}
    reason = _reasons(p, lp, x, below)
    frame = pd.DataFrame({
        "customer_id": p.ids, "allocated_amount": x, "funded": x > 0,
        "binding_reason": reason,
        "binding_reason_zh": pd.Series(reason).map({r.value: z for r, z in REASON_ZH.items()}),
        "margin": p.margin, "expected_loss": p.el * x, "rwa": p.rw * x,
    })  # fmt: skip
    return AllocationResult(frame, _summary(p, sol, x, mode, gap, base), p, sol)


def frontier(book: pd.DataFrame, policy: AllocationPolicy, budget: float,
             points: int = 10) -> pd.DataFrame:  # fmt: skip
    """Return versus expected-loss budget: ``points`` LP solves from a tight EL budget up to
    the EL of the optimum without an EL budget."""
    if points < 2:
        raise UserError("--points must be at least 2", "--points 至少为 2")
    loose = allocate(book, policy.model_copy(update={"el_budget": None}), budget, "lp", False)
    top = loose.summary["expected_loss"]
    rows = []
    for el in np.linspace(top / points, top, points):
        r = allocate(book, policy.model_copy(update={"el_budget": float(el)}), budget, "lp",
                     False)  # fmt: skip
        s = r.summary
        el_price = next((sp["shadow_price"] for sp in s["shadow_prices"]
                         if sp["constraint"] == RowKind.EL.value), 0.0)  # fmt: skip
        rows.append({"el_budget": float(el), "objective": s["objective"],
                     "expected_loss": s["expected_loss"], "allocated_total": s["allocated_total"],
                     "rwa": s["rwa"], "el_shadow_price": el_price})  # fmt: skip
    return pd.DataFrame(rows)
