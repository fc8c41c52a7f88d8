"""Explain an infeasible allocation: which quotas conflict, and by how much.

Budgets and caps are upper limits, so allocating nothing always meets them; quotas are shares
of the allocated total, so they can force the total to zero.  An allocation is infeasible
when quotas allow no positive total although the budget and limits do.  The explanation is an
elastic relaxation: allocate ``T0`` (the most the budget and limits allow without quotas), let
each quota fall short by a slack ``s_k ≥ 0`` and minimise ``Σ s_k``; a quota with positive
slack is in conflict, and its slack is how much is missing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from finseg.allocation._highs import HighsModel
from finseg.allocation._lp import _Columns, solve_lp
from finseg.allocation._model import Problem, RowKind
from finseg.exceptions import UserError

__all__ = ["InfeasibleAllocationError", "check_feasible"]


class InfeasibleAllocationError(UserError):
    """Quotas (or other limits) that no allocation with a positive total can meet."""

    def __init__(self, en: str, zh: str, shortfalls: list[dict]) -> None:
        super().__init__(en, zh)
        self.shortfalls = shortfalls


def _without_quotas(p: Problem) -> Problem:
    keep = np.asarray(p.kinds) != RowKind.QUOTA.value
    return replace(
        p, S=p.S[keep], total_coef=p.total_coef[keep], lower_rhs=p.lower_rhs[keep],
        upper_rhs=p.upper_rhs[keep], kinds=[k for k, f in zip(p.kinds, keep, strict=True) if f],
        keys=[k for k, f in zip(p.keys, keep, strict=True) if f],
    )  # fmt: skip


def _most_total(p: Problem) -> float:
    result = solve_lp(replace(p, margin=np.ones(p.n)))
    return float(result.x.sum()) if result.status == "optimal" else 0.0


def _shortfalls(p: Problem, total: float) -> list[dict]:
    """Minimise the quota slacks with the allocated total fixed at ``total``."""
    active = np.flatnonzero(p.upper > 0)
    cols = _Columns(p, active)
    quotas = np.flatnonzero(np.asarray(p.kinds) == RowKind.QUOTA.value)
    k, n, r = len(quotas), len(active), cols.r
    slack = sp.csc_matrix((np.ones(k), (quotas, np.arange(k))), shape=(r + 1, k))
    A = sp.hstack([cols.total_column(), cols.block(np.arange(n)), slack]).tocsc()
    lo, hi = cols.rows(np.zeros(n, bool))
    t = total / cols.scale
    model = HighsModel(120.0, solver="simplex")
    model.load(np.r_[0.0, np.zeros(n), -np.ones(k)], np.r_[t, np.zeros(n + k)],
               np.r_[t, cols.ub, np.full(k, np.inf)], A, lo, hi)  # fmt: skip
    out = model.solve()
    if out.x is None:
        return []
    s = out.x[1 + n :] * cols.scale
    dual = out.row_dual[quotas] if out.row_dual is not None else np.zeros(k)
    rows = []
    for j, short, price in zip(quotas, s, dual, strict=True):
        share = -p.total_coef[j]
        rows.append({"quota": p.keys[j], "share": share, "needed": share * total,
                     "placeable": share * total - short, "short": short,
                     "competing": bool(abs(price) > 1e-9)})  # fmt: skip
    return rows


def check_feasible(p: Problem, allocated_total: float) -> None:
    """Raise :class:`InfeasibleAllocationError` when quotas force the total to zero although
    the budget and limits allow more; otherwise return."""
    has_quotas = RowKind.QUOTA.value in p.kinds
    if not has_quotas or allocated_total > 1e-6 * max(1.0, p.budget):
        return
    if _most_total(p) > 1e-6 * max(1.0, p.budget):
        return  # positive totals are possible: allocating nothing is simply the best
    total = _most_total(_without_quotas(p))
    if total <= 1e-6 * max(1.0, p.budget):
        return  # nothing can be lent anyway (no budget, no profitable customer)
    found = _shortfalls(p, total)
    rows = [r for r in found if r["short"] > 1e-6 * total]
    tight = [r for r in found if r["short"] <= 1e-6 * total and r["competing"]]
    en = [f"The policy quotas cannot be met together: with {total:,.0f} yuan allocated (the "
          "most the budget and limits allow), these quotas fall short:"]  # fmt: skip
    zh = [f"政策配额无法同时满足：按预算与限额最多可分配 {total:,.0f} 元，以下配额不足："]
    for r in rows:
        en.append(f"  quota {r['quota']} (≥ {r['share']:.1%} of the total): needs "
                  f"{r['needed']:,.0f}, at most {r['placeable']:,.0f} can be placed, "
                  f"short by {r['short']:,.0f}")  # fmt: skip
        zh.append(
            f"  政策配额 {r['quota']}（≥ 总额的 {r['share']:.1%}）：需要 {r['needed']:,.0f}"
            f" 元，最多可投放 {r['placeable']:,.0f} 元，缺口 {r['short']:,.0f} 元"
        )
    for r in tight:
        en.append(f"  quota {r['quota']} (≥ {r['share']:.1%}): met exactly, and competes with "
                  "the quotas above for the same total")  # fmt: skip
        zh.append(f"  政策配额 {r['quota']}（≥ {r['share']:.1%}）：恰好满足，"
                  "与上述配额争夺同一总额")  # fmt: skip
    en.append("Lower these quotas or widen the limits of their customers.")
    zh.append("请降低上述配额，或放宽相关客户的限额。")
    raise InfeasibleAllocationError("\n".join(en), "\n".join(zh), rows)
