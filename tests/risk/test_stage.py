"""The risk stage with the expert model: columns, grades, defaulted customers, reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finseg.features import compute_features
from finseg.risk import ExpertModel, ExpertRules, RiskPolicy, auc, points_from_pd, risk_stage
from finseg.sample import build_sample


@pytest.fixture(scope="module")
def scored():
    sample = build_sample(4000, seed=21)
    return risk_stage(compute_features(sample.frame)), sample


def test_columns_and_ranges(scored):
    out, _ = scored
    assert {"pd", "score", "grade", "reason_1", "reason_2", "reason_3", "risk_model"} <= set(
        out.columns
    )
    assert ((out["pd"] >= 0.0005) & (out["pd"] <= 1)).all()
    assert out["grade"].notna().all() and set(out["risk_model"]) == {"expert"}


def test_pd_ranks_defaults(scored):
    out, sample = scored
    assert auc(sample.frame["default_12m"].astype(int), out["pd"]) > 0.7


def test_grades_follow_the_master_scale(scored):
    out, _ = scored
    scale = RiskPolicy().master_scale
    live = out[out["grade"] != "D"]
    assert (scale.grade(live["pd"].to_numpy()) == live["grade"].to_numpy()).all()


def test_defaulted_customers_are_graded_d():
    df = pd.DataFrame({"altman_z2": [3.0, 3.0], "loan_classification": ["pass", "doubtful"]})
    out = risk_stage(df)
    assert out["grade"].tolist()[1] == "D" and out["pd"].tolist()[1] == 1.0
    assert out["grade"].tolist()[0] != "D"


def test_anchors_and_multipliers_by_hand():
    rules = ExpertRules()
    model = ExpertModel(rules)
    base = model.predict_frame(pd.DataFrame({"altman_z2": [rules.safe_z2, rules.distress_z2]}))
    assert np.allclose(base["pd"], [rules.safe_pd, rules.distress_pd])
    bad = model.predict_frame(
        pd.DataFrame({"altman_z2": [rules.safe_z2], "tax_credit_rating": ["D"]})
    )
    odds = rules.safe_pd / (1 - rules.safe_pd) * rules.tax_rating_low
    assert bad["pd"].iloc[0] == pytest.approx(odds / (1 + odds))
    assert bad["reason_1"].iloc[0] == "tax_rating_low"


def test_score_scaling():
    assert points_from_pd(np.array([1 / 51]))[0] == pytest.approx(600)
    assert points_from_pd(np.array([1 / 101]))[0] == pytest.approx(
        620, abs=0.1
    )  # double odds: +pdo
