"""The allocation stage and allocation over a run's results: candidates, amounts within limits
and budget, the summary in ``frame.attrs`` and ``allocation.json``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from finseg.allocation import (
    ALLOCATION_JSON,
    AllocationPolicy,
    InfeasibleAllocationError,
    allocation_stage,
    candidates,
    read_allocation_summary,
    results_book,
    synthetic_book,
    write_allocation_summary,
)
from finseg.exceptions import UserError

SUMMARY_KEYS = {
    "status", "mode", "budget", "objective", "allocated_total", "n_customers", "n_funded",
    "expected_loss", "rwa", "solve_seconds", "gap", "shadow_prices", "greedy_objective",
    "greedy_gap", "lagrangian_objective", "lagrangian_gap", "lagrangian_lambda",
    "fcfs_objective", "fcfs_gap", "frontier",
}  # fmt: skip


def results_frame(n: int = 400, seed: int = 11) -> pd.DataFrame:
    """A run's results with the strategy contract columns: a synthetic book plus decisions
    (a fifth declined, some referred, a few approved with a zero limit) and a scenario PD."""
    book = synthetic_book(n, seed=seed)
    rng = np.random.default_rng(seed)
    decision = rng.choice(["approve", "refer", "decline"], n, p=[0.6, 0.2, 0.2])
    frame = book.assign(
        decision=pd.array(decision, dtype="string"),
        scenario_pd=np.where(np.arange(n) % 2 == 0, np.minimum(1.0, book["pd"] * 1.3), np.nan),
        grade="BB",
    )
    frame.loc[frame["decision"] == "decline", "limit"] = 0.0
    frame.loc[::25, "limit"] = 0.0  # approved or referred, but nothing to lend
    frame["segment"] = frame["segment"].astype("category")
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return results_frame()


@pytest.fixture(scope="module")
def policy(frame) -> AllocationPolicy:
    total = float(frame["limit"].sum())
    return AllocationPolicy(
        budget=0.35 * total, net_capital=0.5 * total, el_budget=0.004 * total,
        industry_max_share={"default": 0.3}, quotas={"inclusive": 0.15}, frontier_points=4,
    )  # fmt: skip


@pytest.fixture(scope="module")
def allocated(frame, policy) -> pd.DataFrame:
    return allocation_stage(frame, policy)


def test_no_budget_leaves_the_frame_alone(frame):
    assert allocation_stage(frame, AllocationPolicy()) is frame


def test_amounts_within_limits_and_budget(frame, policy, allocated):
    mask = candidates(frame)
    assert mask.sum() > 100 and (~mask).sum() > 50
    x = allocated["allocated_amount"].to_numpy()
    assert allocated["allocated_amount"].dtype == float
    assert (x >= -1e-6).all() and (x <= frame["limit"].to_numpy() + 1e-6).all()
    assert x.sum() <= policy.budget * (1 + 1e-9)
    assert (x[~mask] == 0).all()
    assert allocated["binding_reason"][~mask].isna().all()
    assert allocated["binding_reason"][mask].notna().all()
    assert (allocated["funded"] == (x > 0)).all() and allocated["funded"].dtype == bool
    # the frame is the input plus three columns, rows in place
    assert list(allocated.columns) == [*frame.columns, "allocated_amount", "funded",
                                       "binding_reason"]  # fmt: skip
    assert allocated["customer_id"].tolist() == frame["customer_id"].tolist()


def test_summary_keys_and_strict_json(frame, policy, allocated):
    s = allocated.attrs["allocation"]
    assert set(s) >= SUMMARY_KEYS
    assert s["status"] == "optimal" and s["mode"] == "lp"
    assert s["n_customers"] == int(candidates(frame).sum())
    assert s["allocated_total"] == pytest.approx(allocated["allocated_amount"].sum())
    assert s["objective"] >= s["lagrangian_objective"] - 1e-6 * abs(s["objective"])
    json.dumps(s, allow_nan=False)  # no NaN or infinity anywhere
    assert len(s["frontier"]) == 4
    objectives = [p["objective"] for p in s["frontier"]]
    assert objectives == sorted(objectives)
    assert {"el_budget", "objective", "expected_loss", "allocated_total", "rwa",
            "el_shadow_price"} == set(s["frontier"][0])  # fmt: skip


def test_scenario_pd_where_known(frame):
    book = results_book(frame)
    rows = frame.loc[candidates(frame)].reset_index(drop=True)
    expected = rows["scenario_pd"].fillna(rows["pd"])
    assert np.allclose(book["pd"].to_numpy(), expected.to_numpy())
    assert len(book) == len(rows)


def test_milp_mode_and_no_frontier(frame, policy):
    pol = policy.model_copy(update={"mode": "milp", "min_ticket": 1e6, "frontier_points": 0})
    s = allocation_stage(frame, pol).attrs["allocation"]
    assert s["mode"] == "milp" and s["frontier"] == [] and s["gap"] is not None


def test_missing_strategy_columns_is_a_user_error(frame, policy):
    with pytest.raises(UserError, match="no column\\(s\\) decision, price"):
        allocation_stage(frame.drop(columns=["decision", "price"]), policy)


def test_bad_cell_names_the_customer(frame, policy):
    bad = frame.copy()
    first = int(np.flatnonzero(candidates(frame))[0])
    bad.loc[first, "lgd"] = 1.5
    with pytest.raises(UserError, match=f"customer {frame.loc[first, 'customer_id']}, column lgd"):
        allocation_stage(bad, policy)


def test_conflicting_quotas_explained(frame, policy):
    pol = policy.model_copy(update={"quotas": {"micro": 0.7, "large": 0.5}})
    with pytest.raises(InfeasibleAllocationError, match=r"quota (micro|large)"):
        allocation_stage(frame, pol)


def test_no_candidates(frame, policy):
    declined = frame.assign(decision=pd.array(["decline"] * len(frame), dtype="string"))
    out = allocation_stage(declined, policy)
    assert (out["allocated_amount"] == 0).all() and out["binding_reason"].isna().all()
    s = out.attrs["allocation"]
    assert s["n_customers"] == 0 and s["frontier"] == []
    json.dumps(s, allow_nan=False)


def test_write_summary_moves_it_out_of_attrs(allocated, tmp_path):
    frame = allocated.copy()
    frame.attrs = {"allocation": allocated.attrs["allocation"]}
    path = write_allocation_summary(frame, tmp_path)
    assert path == tmp_path / ALLOCATION_JSON
    assert "allocation" not in frame.attrs  # results.parquet written after stays deterministic
    assert read_allocation_summary(tmp_path) == allocated.attrs["allocation"]
    assert write_allocation_summary(frame, tmp_path / "none") is None
    assert read_allocation_summary(tmp_path / "none") is None


def test_policy_keys():
    assert AllocationPolicy().budget is None and AllocationPolicy().mode == "lp"
    assert AllocationPolicy().frontier_points == 8
    with pytest.raises(ValueError, match="frontier_points"):
        AllocationPolicy(frontier_points=1)
    with pytest.raises(ValueError):
        AllocationPolicy(mode="simplex")
