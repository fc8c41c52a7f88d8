"""An independent dense formulation of the allocation LP, solved with scipy's linprog."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from finseg.allocation import AllocationPolicy
from finseg.risk._irb import irb_capital


def margins(book: pd.DataFrame, pol: AllocationPolicy) -> tuple[np.ndarray, ...]:
    pd_ = np.maximum(book["pd"].to_numpy(float), pol.pd_floor)
    lgd = book["lgd"].to_numpy(float)
    sales = book["operating_revenue"].to_numpy(float) / pol.cny_per_eur / 1e6
    k = irb_capital(pd_, lgd, book["maturity_years"].to_numpy(float), sales, pol.pd_floor)["K"]
    el = pd_ * lgd
    m = book["price"].to_numpy(float) - pol.funding_cost - pol.opex_rate - el
    return m - pol.hurdle_rate * k.to_numpy(), el, 12.5 * k.to_numpy()


def members(book: pd.DataFrame, key: str) -> np.ndarray:
    progs = book["programmes"].fillna("").map(lambda s: {p.strip() for p in s.split(",")})
    return (book["segment"].to_numpy() == key) | progs.map(lambda s: key in s).to_numpy()


def constraints(book: pd.DataFrame, pol: AllocationPolicy, budget: float):
    """Dense ``A x ≤ b`` rows (with names) and the column bounds."""
    n = len(book)
    m, el, rw = margins(book, pol)
    ub = book["limit"].to_numpy(float).copy()
    rows, rhs, names = [np.ones(n)], [budget], ["budget"]
    if pol.net_capital is not None:
        if pol.single_cap is not None:
            ub = np.minimum(ub, pol.single_cap * pol.net_capital)
        if pol.group_cap is not None:
            for g in sorted(set(book["group_id"]) - {""}):
                rows.append((book["group_id"].to_numpy() == g).astype(float))
                rhs.append(pol.group_cap * pol.net_capital)
                names.append(f"group {g}")
    for s in sorted(set(book["industry_section"]) - {""}):
        share = pol.industry_max_share.get(s, pol.industry_max_share.get("default"))
        if share is not None:
            rows.append((book["industry_section"].to_numpy() == s).astype(float))
            rhs.append(share * budget)
            names.append(f"industry {s}")
    for key, q in pol.quotas.items():
        rows.append(q - members(book, key).astype(float))  # q·Σx − Σ_k x ≤ 0
        rhs.append(0.0)
        names.append(f"quota {key}")
    if pol.el_budget is not None:
        rows.append(el), rhs.append(pol.el_budget), names.append("el")
    if pol.rwa_budget is not None:
        rows.append(rw), rhs.append(pol.rwa_budget), names.append("rwa")
    return m, np.array(rows), np.array(rhs), names, ub


def solve_dense(book, pol, budget):
    m, A, b, _, ub = constraints(book, pol, budget)
    res = linprog(-m, A_ub=A, b_ub=b, bounds=np.c_[np.zeros(len(m)), ub], method="highs")
    assert res.status == 0, res.message
    return -res.fun, res.x


def max_violation(book, pol, budget, x) -> float:
    """Largest violation, relative to the size of each limit (1 yuan at least)."""
    _, A, b, _, ub = constraints(book, pol, budget)
    rows = (A @ x - b) / np.maximum(1.0, np.abs(b) + np.abs(A) @ np.abs(x) * 1e-3)
    cols = np.r_[-x, x - ub] / np.maximum(1.0, np.r_[ub, ub])
    return float(max(rows.max(initial=0), cols.max(initial=0)))
