"""The allocation LP in canonical form: per-unit margins, bounds and the few coupling rows.

Every customer i gets an amount ``x_i`` in ``[0, u_i]`` with
``u_i = min(limit_i, single_cap·net_capital)`` (0 when the margin ``m_i`` is not positive).
The rows that couple customers are kept in one sparse matrix ``S`` plus a coefficient on the
allocated total ``T = Σ x_i``, so a quota ``Σ_{i∈k} x_i ≥ q_k·T`` is ``S_k x − q_k T ≥ 0``
without a dense row.  Rows that can never bind (a group whose members' bounds already sum
below its cap, a group of one whose cap becomes a bound) are left out.

>>> from finseg.allocation._synthetic import synthetic_book
>>> from finseg.allocation._policy import AllocationPolicy
>>> p = build_problem(synthetic_book(50, seed=1), AllocationPolicy(), budget=1e8)
>>> p.kinds[0], p.n
('budget', 50)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import scipy.sparse as sp

from finseg.allocation._policy import AllocationPolicy
from finseg.exceptions import UserError
from finseg.risk._irb import irb_capital

__all__ = ["Bound", "Problem", "RowKind", "build_problem", "row_label", "unit_terms"]


class RowKind(StrEnum):
    """The kinds of coupling row."""

    BUDGET = "budget"
    EL = "el_budget"
    RWA = "rwa_budget"
    GROUP = "group_cap"
    INDUSTRY = "industry_cap"
    QUOTA = "quota"


class Bound(StrEnum):
    """What sets a customer's upper bound ``u_i``."""

    LIMIT = "customer limit"
    SINGLE = "single-customer cap"
    GROUP = "group cap"
    UNPROFITABLE = "not profitable"


_ROW_ZH = {
    RowKind.BUDGET: "信贷预算",
    RowKind.EL: "预期损失预算",
    RowKind.RWA: "风险加权资产预算",
    RowKind.GROUP: "集团客户限额",
    RowKind.INDUSTRY: "行业限额",
    RowKind.QUOTA: "政策配额",
}
_ROW_EN = {
    RowKind.BUDGET: "budget",
    RowKind.EL: "EL budget",
    RowKind.RWA: "RWA budget",
    RowKind.GROUP: "group cap",
    RowKind.INDUSTRY: "industry cap",
    RowKind.QUOTA: "quota",
}


def row_label(kind: str, key: str, lang: str = "en") -> str:
    """A row's name, e.g. ``industry cap C`` / ``行业限额 C``.

    >>> row_label("quota", "green", "zh")
    '政策配额 green'
    """
    names = _ROW_ZH if lang == "zh" else _ROW_EN
    head = names[RowKind(kind)]
    return f"{head} {key}" if key else head


@dataclass
class Problem:
    """Maximise ``margin @ x`` subject to ``0 ≤ x ≤ upper`` and
    ``lower_rhs ≤ S x + total_coef·Σx ≤ upper_rhs`` (amounts in yuan)."""

    ids: np.ndarray
    margin: np.ndarray
    el: np.ndarray
    rw: np.ndarray
    upper: np.ndarray
    cap: np.ndarray  # the upper bound before margins (0 only for a zero limit)
    bound: np.ndarray  # Bound value per customer
    S: sp.csr_matrix
    total_coef: np.ndarray
    lower_rhs: np.ndarray
    upper_rhs: np.ndarray
    kinds: list[str]
    keys: list[str]
    budget: float

    @property
    def n(self) -> int:
        return len(self.margin)

    def activity(self, x: np.ndarray) -> np.ndarray:
        """The left-hand side of every coupling row at ``x``."""
        return self.S @ x + self.total_coef * x.sum()

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of any bound or row at ``x`` (yuan)."""
        a = self.activity(x)
        rows = np.maximum(self.lower_rhs - a, a - self.upper_rhs)
        cols = np.maximum(-x, x - self.upper)
        return float(max(rows.max(initial=0.0), cols.max(initial=0.0)))


def unit_terms(book: pd.DataFrame, policy: AllocationPolicy) -> pd.DataFrame:
    """Per-yuan expected loss, capital requirement K, risk weight and margin of each customer.

    ``m_i = price_i − funding_cost − opex_rate − pd_i·lgd_i − hurdle_rate·K_i``, PD floored.
    """
    pd_ = np.maximum(book["pd"].to_numpy(float), policy.pd_floor)
    sales = book["operating_revenue"].to_numpy(float) / policy.cny_per_eur / 1e6
    cap = irb_capital(
        pd_, book["lgd"].to_numpy(float), book["maturity_years"].to_numpy(float), sales,
        pd_floor=policy.pd_floor,
    )  # fmt: skip
    k = cap["K"].to_numpy()
    el = pd_ * book["lgd"].to_numpy(float)
    margin = (
        book["price"].to_numpy(float)
        - policy.funding_cost
        - policy.opex_rate
        - el
        - policy.hurdle_rate * k
    )
    return pd.DataFrame({"el_rate": el, "K": k, "rw": 12.5 * k, "margin": margin})


def _bounds(book: pd.DataFrame, policy: AllocationPolicy, margin: np.ndarray):
    upper = book["limit"].to_numpy(float).copy()
    bound = np.full(len(upper), Bound.LIMIT.value, dtype=object)
    if policy.net_capital is not None and policy.single_cap is not None:
        cap = policy.single_cap * policy.net_capital
        bound[upper > cap] = Bound.SINGLE.value
        upper = np.minimum(upper, cap)
    return upper, bound


def _membership_rows(codes: np.ndarray, keep: np.ndarray) -> sp.csr_matrix:
    """A 0/1 matrix with one row per kept code and a 1 where customer i has that code."""
    row_of = np.full(len(keep), -1)
    row_of[keep] = np.arange(keep.sum())
    rows = np.where(codes >= 0, row_of[np.maximum(codes, 0)], -1)
    cols = np.flatnonzero(rows >= 0)
    data = np.ones(len(cols))
    return sp.csr_matrix((data, (rows[cols], cols)), shape=(int(keep.sum()), len(codes)))


def _group_rows(book, policy, upper, bound):
    """Group caps: a group of one becomes a bound; a row only where the cap can bind."""
    if policy.net_capital is None or policy.group_cap is None:
        return sp.csr_matrix((0, len(upper))), [], np.empty(0)
    cap = policy.group_cap * policy.net_capital
    gid = book["group_id"].fillna("").astype(str).to_numpy()
    codes, names = pd.factorize(np.where(gid == "", None, gid), use_na_sentinel=True)
    size = np.bincount(codes[codes >= 0], minlength=len(names))
    alone = (codes >= 0) & (size[np.maximum(codes, 0)] == 1) & (upper > cap)
    upper[alone], bound[alone] = cap, Bound.GROUP.value
    total = np.bincount(codes[codes >= 0], weights=upper[codes >= 0], minlength=len(names))
    keep = (size >= 2) & (total > cap)
    return _membership_rows(codes, keep), list(names[keep]), np.full(keep.sum(), cap)


def _industry_rows(book, policy, upper, budget):
    sec = book["industry_section"].fillna("").astype(str).to_numpy()
    codes, names = pd.factorize(sec)
    # None → nan (no cap); a customer without a section is under no industry cap
    shares = np.array([policy.industry_share(s) if s else None for s in names], dtype=float)
    rhs = shares * budget
    total = np.bincount(codes, weights=upper, minlength=len(names))
    keep = ~np.isnan(shares) & (total > rhs)
    return _membership_rows(codes, keep), [str(s) for s in names[keep]], rhs[keep]


def quota_members(book: pd.DataFrame, key: str) -> np.ndarray:
    """Customers in segment ``key`` or with programme ``key`` (listed in ``programmes``)."""
    member = book["segment"].astype(str).to_numpy() == key
    # few distinct programme lists: split those, not every row
    codes, uniques = pd.factorize(book["programmes"].fillna("").astype(str))
    has = np.array([key in {p.strip() for p in u.split(",")} for u in uniques], dtype=bool)
    if has.any():
        member |= has[codes]
    return member


def _quota_rows(book: pd.DataFrame, policy: AllocationPolicy):
    mats, keys, coefs = [], [], []
    anyq = np.zeros(len(book), dtype=bool)
    for key, share in sorted(policy.quotas.items()):
        member = quota_members(book, key)
        if not member.any():
            raise UserError(
                f"quota {key!r}: no customer has segment or programme {key!r}",
                f"政策配额 {key!r}：没有客户属于该细分或专项计划",
            )
        anyq |= member
        mats.append(sp.csr_matrix(member.astype(float)))
        keys.append(key)
        coefs.append(-share)
    n = len(book)
    mat = sp.vstack(mats) if mats else sp.csr_matrix((0, n))
    return mat, keys, np.array(coefs), anyq


def build_problem(book: pd.DataFrame, policy: AllocationPolicy, budget: float) -> Problem:
    """The LP of a validated book (see :func:`~finseg.allocation.read_book`)."""
    if not np.isfinite(budget) or budget < 0:
        raise UserError(
            f"--budget must be a non-negative amount in yuan, got {budget}",
            f"--budget 应为非负金额（元），实际为 {budget}",
        )
    book = book.reset_index(drop=True)
    terms = unit_terms(book, policy)
    margin = terms["margin"].to_numpy()
    upper, bound = _bounds(book, policy, margin)
    n = len(book)
    blocks = [sp.csr_matrix((1, n))]
    kinds, keys, tcoef = [RowKind.BUDGET.value], [""], [1.0]
    lo, hi = [-np.inf], [budget]
    q_mat, q_keys, q_coef, in_quota = _quota_rows(book, policy)
    g_mat, g_keys, g_rhs = _group_rows(book, policy, upper, bound)
    cap = upper.copy()  # before margins: first-come-first-served lends regardless of them
    for kind, rate, limit in (
        (RowKind.EL, terms["el_rate"].to_numpy(), policy.el_budget),
        (RowKind.RWA, terms["rw"].to_numpy(), policy.rwa_budget),
    ):
        if limit is not None and float(rate @ upper) > limit:
            blocks.append(sp.csr_matrix(rate))
            kinds.append(kind.value), keys.append(""), tcoef.append(0.0)
            lo.append(-np.inf), hi.append(limit)
    i_mat, i_keys, i_rhs = _industry_rows(book, policy, upper, budget)
    # an unprofitable customer can only help by counting towards a quota
    unprofitable = (margin <= 0) & ~in_quota
    upper[unprofitable], bound[unprofitable] = 0.0, Bound.UNPROFITABLE.value
    for mat, ks, kind, rhs in ((g_mat, g_keys, RowKind.GROUP, g_rhs),
                               (i_mat, i_keys, RowKind.INDUSTRY, i_rhs)):  # fmt: skip
        blocks.append(mat)
        kinds += [kind.value] * len(ks)
        keys += [str(k) for k in ks]
        tcoef += [0.0] * len(ks)
        lo += [-np.inf] * len(ks)
        hi += list(rhs)
    blocks.append(q_mat)
    kinds += [RowKind.QUOTA.value] * len(q_keys)
    keys += q_keys
    tcoef += list(q_coef)
    lo += [0.0] * len(q_keys)
    hi += [np.inf] * len(q_keys)
    return Problem(
        ids=book["customer_id"].astype(str).to_numpy(),
        margin=margin,
        el=terms["el_rate"].to_numpy(),
        rw=terms["rw"].to_numpy(),
        upper=upper,
        cap=cap,
        bound=bound,
        S=sp.vstack(blocks).tocsr(),
        total_coef=np.array(tcoef),
        lower_rhs=np.array(lo),
        upper_rhs=np.array(hi),
        kinds=kinds,
        keys=keys,
        budget=float(budget),
    )
