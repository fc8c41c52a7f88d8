"""Properties that hold for every book and budget."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finseg.allocation import InfeasibleAllocationError, allocate

from ._dense import members
from .conftest import instance

SETTINGS = settings(max_examples=10, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def _solve(seed, share, quotas=True):
    book, pol, _ = instance(seed, n=40, quotas=quotas)
    budget = share * float(book["limit"].sum())
    try:
        result = allocate(book, pol, budget, with_baselines=False)
    except InfeasibleAllocationError:
        return book, pol, budget, None
    return book, pol, budget, result


@SETTINGS
@given(seed=st.integers(0, 10_000), share=st.floats(0.0, 1.2))
def test_never_above_budget_limits_and_caps(seed, share):
    book, pol, budget, result = _solve(seed, share)
    if result is None:
        return
    x = result.frame["allocated_amount"].to_numpy()
    slack = 1e-6 * max(1.0, budget)
    assert x.sum() <= budget + slack
    assert (x <= book["limit"].to_numpy() * (1 + 1e-9) + 1e-6).all()
    assert (x <= pol.single_cap * pol.net_capital * (1 + 1e-9)).all()
    per_group = book.assign(x=x).query("group_id != ''").groupby("group_id")["x"].sum()
    assert (per_group <= pol.group_cap * pol.net_capital + slack).all()
    per_industry = book.assign(x=x).groupby("industry_section")["x"].sum()
    for section, amount in per_industry.items():
        assert amount <= pol.industry_share(section) * budget + slack


@SETTINGS
@given(seed=st.integers(0, 10_000), share=st.floats(0.01, 1.0), more=st.floats(1.0, 2.0))
def test_more_budget_never_lowers_the_objective(seed, share, more):
    _, _, _, low = _solve(seed, share, quotas=False)
    _, _, _, high = _solve(seed, share * more, quotas=False)
    a, b = low.summary["objective"], high.summary["objective"]
    assert b >= a - 1e-7 * max(1.0, abs(a))


@SETTINGS
@given(seed=st.integers(0, 10_000), share=st.floats(0.01, 1.0))
def test_quotas_hold_whenever_feasible(seed, share):
    book, pol, _, result = _solve(seed, share)
    if result is None:
        return
    x = result.frame["allocated_amount"].to_numpy()
    for key, q in pol.quotas.items():
        assert x[members(book, key)].sum() >= q * x.sum() - 1e-6 * max(1.0, x.sum())
