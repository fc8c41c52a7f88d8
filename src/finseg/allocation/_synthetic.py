"""A seeded synthetic book in the ``--input`` layout, for tests, benchmarks and demos.

Not a realistic portfolio: PDs, limits and prices are drawn so that the optimiser has real
choices (some customers unprofitable, groups of connected customers, 20 industry sections,
segments and programmes for quotas).

>>> book = synthetic_book(5, seed=0)
>>> list(book.columns)[:4]
['customer_id', 'limit', 'price', 'pd']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from finseg.industry import SECTIONS

__all__ = ["synthetic_book"]

_SEGMENTS = np.array(["micro", "small", "medium", "large"])
_PROGRAMMES = ("inclusive", "green", "tech")


def synthetic_book(n: int, seed: int = 0, group_share: float = 0.3) -> pd.DataFrame:
    """``n`` customers; about ``group_share`` of them in groups of 2–20 connected customers."""
    rng = np.random.default_rng(seed)
    pd_ = np.clip(np.exp(rng.normal(np.log(0.02), 1.0, n)), 0.0005, 0.4)
    lgd = np.clip(rng.normal(0.42, 0.08, n), 0.1, 0.9)
    seg = rng.choice(len(_SEGMENTS), n, p=[0.35, 0.3, 0.2, 0.15])
    revenue = np.exp(rng.normal(np.log(2e7) + seg * 1.2, 0.8, n))
    limit = np.round(np.exp(rng.normal(np.log(2e6) + seg * 0.9, 0.7, n)), -3)
    # price: the bank's pricing of risk plus noise, so margins straddle zero
    price = 0.03 + 0.9 * pd_ * lgd + 0.008 + rng.normal(0.0, 0.012, n)
    in_group = rng.random(n) < group_share
    n_groups = max(1, int(in_group.sum() / 6))
    # a few large groups (their caps bind) and many small ones
    weight = 1.0 / np.arange(1, n_groups + 1) ** 1.1
    group = np.where(in_group, rng.choice(n_groups, n, p=weight / weight.sum()), -1)
    letters = np.array(list(SECTIONS))
    industry = letters[rng.choice(len(letters), n, p=_industry_weights(len(letters)))]
    flags = rng.random((n, len(_PROGRAMMES))) < np.array([0.5, 0.12, 0.08])
    flags[:, 0] &= seg <= 1  # inclusive finance is for micro and small firms
    progs = pd.Series([""] * n)
    for j, name in enumerate(_PROGRAMMES):
        progs = progs.where(~flags[:, j], progs + ("," if j else "") + name)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "limit": limit,
            "price": np.round(price, 5),
            "pd": np.round(pd_, 6),
            "lgd": np.round(lgd, 4),
            "maturity_years": np.round(rng.uniform(1.0, 5.0, n), 2),
            "operating_revenue": np.round(revenue, -2),
            "group_id": np.where(group >= 0, np.char.add("G", group.astype(str)), ""),
            "industry_section": industry,
            "segment": _SEGMENTS[seg],
            "programmes": progs.str.strip(",").to_numpy(),
        }
    )


def _industry_weights(k: int) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** 0.8
    return w / w.sum()
