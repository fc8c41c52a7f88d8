"""Random small books and policies for the allocation tests."""

from __future__ import annotations

import numpy as np
import pytest

from finseg.allocation import AllocationPolicy, synthetic_book


def instance(seed: int, n: int = 60, quotas: bool = True):
    """A book, a policy with every kind of limit, and a budget that binds."""
    rng = np.random.default_rng(seed)
    book = synthetic_book(n, seed=seed, group_share=0.5)
    total = float(book["limit"].sum())
    pol = AllocationPolicy(
        net_capital=total * rng.uniform(0.2, 0.6),
        industry_max_share={"default": float(rng.uniform(0.2, 0.5)), "C": 0.4},
        quotas={"inclusive": float(rng.uniform(0.1, 0.3)), "micro": 0.1} if quotas else {},
        el_budget=total * rng.uniform(0.001, 0.004),
        rwa_budget=total * rng.uniform(0.2, 0.5),
    )
    return book, pol, total * rng.uniform(0.2, 0.6)


@pytest.fixture
def small():
    return instance(7)
