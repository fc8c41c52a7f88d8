"""The LP answer equals an independent dense formulation solved directly with scipy."""

from __future__ import annotations

import numpy as np
import pytest

from finseg.allocation import _lp, allocate

from ._dense import max_violation, solve_dense
from .conftest import instance


@pytest.mark.parametrize("seed", range(8))
def test_matches_dense_formulation(seed):
    book, pol, budget = instance(seed)
    result = allocate(book, pol, budget, with_baselines=False)
    best, _ = solve_dense(book, pol, budget)
    assert result.summary["objective"] == pytest.approx(best, rel=1e-6, abs=1e-6)
    x = result.frame["allocated_amount"].to_numpy()
    assert max_violation(book, pol, budget, x) <= 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_sifting_path_is_exact(seed, monkeypatch):
    # force the sample-and-band path on a book small enough to check densely
    monkeypatch.setattr(_lp, "_DIRECT_BELOW", 50)
    monkeypatch.setattr(_lp, "_SAMPLE", 60)
    monkeypatch.setattr(_lp, "_BAND", 30)
    book, pol, budget = instance(100 + seed, n=400)
    result = allocate(book, pol, budget, with_baselines=False)
    assert result.lp.method.startswith("sifting")
    best, _ = solve_dense(book, pol, budget)
    assert result.summary["objective"] == pytest.approx(best, rel=1e-6)
    assert max_violation(book, pol, budget, result.frame["allocated_amount"].to_numpy()) <= 1e-6


def test_budget_shadow_price_is_the_marginal_return():
    book, pol, budget = instance(3, quotas=False)
    pol = pol.model_copy(update={"el_budget": None, "rwa_budget": None})
    base = allocate(book, pol, budget, with_baselines=False).summary
    price = next(s["shadow_price"] for s in base["shadow_prices"] if s["constraint"] == "budget")
    step = budget * 1e-5
    up = allocate(book, pol, budget + step, with_baselines=False).summary["objective"]
    assert price > 0
    assert (up - base["objective"]) / step == pytest.approx(price, rel=1e-4)


def test_reasons_and_outputs(small):
    book, pol, budget = small
    result = allocate(book, pol, budget)
    f = result.frame
    assert set(f["binding_reason"]) <= {
        "budget", "customer limit", "single-customer cap", "group cap", "industry cap",
        "EL budget", "RWA budget", "quota", "not profitable", "not funded",
    }  # fmt: skip
    assert (f.loc[f["margin"] <= 0, "allocated_amount"] >= 0).all()
    s = result.summary
    for key in ("status", "objective", "allocated_total", "n_funded", "expected_loss", "rwa",
                "greedy_objective", "lagrangian_objective", "fcfs_objective", "shadow_prices",
                "solve_seconds"):  # fmt: skip
        assert key in s
    assert s["n_funded"] == int((f["allocated_amount"] > 0).sum())
    for name in ("greedy", "lagrangian", "fcfs"):
        if s[f"{name}_meets_quotas"]:
            assert s[f"{name}_objective"] <= s["objective"] + 1e-6 * abs(s["objective"])


def test_milp_respects_min_ticket(small):
    book, pol, budget = small
    ticket = float(np.quantile(book["limit"], 0.3))
    pol = pol.model_copy(update={"min_ticket": ticket})
    result = allocate(book, pol, budget, mode="milp", with_baselines=False)
    x = result.frame["allocated_amount"].to_numpy()
    assert ((x == 0) | (x >= ticket * (1 - 1e-9))).all()
    assert 0 <= result.summary["gap"] <= pol.mip_gap
    lp = allocate(book, pol, budget, with_baselines=False).summary["objective"]
    assert result.summary["objective"] <= lp + 1e-6 * abs(lp)
    assert max_violation(book, pol, budget, x) <= 1e-6


def test_milp_all_or_nothing(small):
    book, pol, budget = small
    pol = pol.model_copy(update={"all_or_nothing": True})
    result = allocate(book, pol, budget, mode="milp", with_baselines=False)
    x = result.frame["allocated_amount"].to_numpy()
    u = result.problem.upper
    assert np.all(np.isclose(x, 0) | np.isclose(x, u, rtol=1e-9))


def test_baselines_respect_every_upper_limit(small):
    from finseg.allocation import baselines, build_problem

    book, pol, budget = small
    p = build_problem(book, pol, budget)
    for b in baselines(p).values():
        assert (b.x >= 0).all() and (b.x <= p.cap * (1 + 1e-9)).all()
        used = p.activity(b.x)
        assert (used <= p.upper_rhs + 1e-6 * max(1.0, budget)).all(), b.name
        if b.meets_quotas:
            assert (used >= p.lower_rhs - 1e-6 * max(1.0, budget)).all(), b.name
