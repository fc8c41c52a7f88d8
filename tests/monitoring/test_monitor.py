"""The monitoring service end to end on small frames: the JSON keys, strict JSON, the
features chosen for CSI, and the user errors (exit code 2 at the command line)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from finseg.exceptions import UserError
from finseg.monitoring import (
    DEFAULT_FEATURES,
    MonitoringPolicy,
    monitor,
    monitored_features,
    to_json,
)
from finseg.risk import default_master_scale

KEYS = {"baseline_run_id", "current_run_id", "customers", "method", "thresholds", "features",
        "features_source", "psi", "shares", "grade_migration", "grade_migration_summary",
        "segment_migration", "backtest", "warnings", "adjustments", "drift", "resegmentation",
        "timings"}  # fmt: skip


def _book(n: int, seed: int, worse: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pd_ = np.clip(rng.lognormal(-4, 1, n) * (1 + worse), 0.0005, 0.9)
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)], "pd": pd_,
        "score": np.round(600 - 50 * np.log(pd_)), "grade": default_master_scale().grade(pd_),
        "segment": rng.choice(["micro_small", "other", "high_leverage"], n),
        "debt_to_assets": rng.uniform(0.1, 0.9, n) + worse / 4, "roa": rng.normal(0.05, 0.03, n),
        "receivable_days": rng.gamma(4, 15, n) * (1 + worse), "employees": rng.integers(1, 9, n),
        "default_12m": (rng.random(n) < pd_ * (1 + worse)).astype("int8"),
    })  # fmt: skip


def test_keys_strict_json_and_psi_per_feature():
    out = monitor(_book(800, 1), _book(800, 2, worse=1.0), run_ids=("r1", "r2"))
    assert set(out) == KEYS and out["baseline_run_id"] == "r1"
    text = to_json(out)
    assert json.loads(text) == out and "NaN" not in text
    assert out["features_source"] == "default"
    assert out["features"] == ["debt_to_assets", "roa", "receivable_days"]
    assert set(out["psi"]) == {"score", *out["features"]}
    assert out["psi"]["debt_to_assets"]["light"] in ("amber", "red")
    assert out["method"]["bins"] == 10 and "ties" in out["method"]["en"]
    common = out["customers"]["common"]
    assert sum(sum(r.values()) for r in out["grade_migration"].values()) == common == 800
    assert out["backtest"]["available"] and out["adjustments"]["note"]["en"]
    assert out["drift"] is None and set(out["resegmentation"]) >= {"recommended", "zh", "en"}
    assert out["shares"]["grade"]["shares"]["BBB"]["baseline_n"] >= 0


def test_features_from_the_policy_then_the_card_then_the_default():
    a, b = _book(50, 1), _book(50, 2)
    assert monitored_features(a, b, MonitoringPolicy(features=["roa", "nope"])) == (
        ["roa"],
        "policy",
    )
    assert monitored_features(a, b, MonitoringPolicy(), ["employees", "segment"]) == (
        ["employees"],
        "model_card",
    )  # text columns are not binned
    chosen, source = monitored_features(a, b, MonitoringPolicy())
    assert source == "default" and set(chosen) <= set(DEFAULT_FEATURES)


def test_user_errors():
    a = _book(20, 1)
    with pytest.raises(UserError, match="no customer in common"):
        monitor(a, a.assign(customer_id=a["customer_id"] + "x"))
    with pytest.raises(UserError, match="no grade") as info:
        monitor(a.drop(columns="grade"), a)
    assert "评级" in info.value.zh
    with pytest.raises(UserError, match="repeat customer ids"):
        monitor(a, pd.concat([a, a.head(1)]))
    with pytest.raises(UserError, match="no customers"):
        monitor(a, a.head(0))
