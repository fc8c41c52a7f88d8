"""Segment-specific models: pooled fallback, CV choice, routing, reasons, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from finseg.exceptions import UserError
from finseg.risk import ScorecardModel, SegmentedModel, auc


def _data(n: int = 6000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Segment ``a``: risk rises with x; ``b``: falls with x; ``c``: tiny, few defaults."""
    rng = np.random.default_rng(seed)
    seg = rng.choice(["a", "b", "c"], n, p=[0.48, 0.48, 0.04])
    x = rng.normal(size=n)
    slope = np.select([seg == "a", seg == "b"], [2.0, -2.0], 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(2.5 - slope * x))).astype(int)
    return pd.DataFrame({"seg": seg, "x": x, "z": rng.normal(size=n)}), y


@pytest.fixture(scope="module")
def fitted():
    X, y = _data()
    return SegmentedModel(LogisticRegression(), segment="seg", min_defaults=40).fit(X, y), X, y


def test_segments_with_opposite_effects_get_their_own_models(fitted):
    model, X, y = fitted
    table = model.comparison_.set_index("segment")
    assert table.loc[["a", "b"], "chosen"].tolist() == ["segment", "segment"]
    gain = table.loc[["a", "b"], "segment_auc"] - table.loc[["a", "b"], "pooled_auc"]
    assert (gain > 0).all() and gain.max() > 0.5  # the pooled slope follows one segment only
    assert set(model.models_) == {"a", "b"}
    assert table["n"].sum() == len(X) and table["defaults"].sum() == y.sum()


def test_a_segment_with_too_few_defaults_keeps_the_pooled_model(fitted):
    model, X, y = fitted
    row = model.comparison_.set_index("segment").loc["c"]
    assert y[X["seg"] == "c"].sum() < 40
    assert row["chosen"] == "pooled" and "too few defaults" in row["reason"]
    assert np.isnan(row["segment_auc"])


def test_routing_scores_each_row_with_its_segments_model(fitted):
    model, X, _ = fitted
    head = X.iloc[:300]
    proba = model.predict_proba(head)[:, 1]
    for seg, sub in model.models_.items():
        rows = (head["seg"] == seg).to_numpy()
        expected = sub.predict_proba(head.loc[rows, ["x", "z"]])[:, 1]
        np.testing.assert_array_equal(proba[rows], expected)
    pooled = (head["seg"] == "c").to_numpy()
    np.testing.assert_array_equal(
        proba[pooled], model.pooled_.predict_proba(head.loc[pooled, ["x", "z"]])[:, 1]
    )
    assert set(model.model_for(head)) == {"a", "b", "pooled"}


def test_unseen_and_missing_segments_fall_back_to_pooled(fitted):
    model, X, _ = fitted
    odd = X.iloc[:3].assign(seg=["zzz", None, "a"])
    proba = model.predict_proba(odd)[:, 1]
    pooled = model.pooled_.predict_proba(odd[["x", "z"]])[:, 1]
    np.testing.assert_array_equal(proba[:2], pooled[:2])
    assert model.model_for(odd).tolist() == ["pooled", "pooled", "a"]


def test_oof_beats_pooled_only_and_is_complete(fitted):
    model, _, y = fitted
    assert not np.isnan(model.oof_).any()
    pooled_auc = model.comparison_  # the pooled model cannot see the sign flip
    assert auc(y, model.oof_) > 0.8 and len(pooled_auc) == 3


def test_a_missing_segment_column_is_a_user_error(fitted):
    model, X, _ = fitted
    with pytest.raises(UserError, match="segment column 'seg'"):
        model.predict_proba(X.drop(columns=["seg"]))


def test_scorecard_segments_give_points_reasons_and_survive_pickling():
    X, y = _data(3000, seed=1)
    model = SegmentedModel(ScorecardModel(), segment="seg", min_defaults=40, cv=3).fit(X, y)
    points = model.points(X.head(50))
    reasons = model.reasons(X.head(50))
    assert points.shape == (50,) and list(reasons.columns) == ["reason_1", "reason_2", "reason_3"]
    assert reasons.index.equals(X.head(50).index)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.predict_proba(X), model.predict_proba(X))


def test_a_model_without_points_has_no_points_attribute():
    X, y = _data(2000)
    model = SegmentedModel(LogisticRegression(), segment="seg", min_defaults=40, cv=3).fit(X, y)
    assert not hasattr(model, "points")


def test_the_segmented_sql_expression_scores_like_the_model():
    import duckdb

    X, y = _data(3000, seed=2)
    model = SegmentedModel(ScorecardModel(), segment="seg", min_defaults=40, cv=3).fit(X, y)
    assert model.models_  # at least one segment model, so the CASE has a branch
    frame = X.head(400).copy()
    frame.loc[frame.index[:5], "x"] = np.nan
    con = duckdb.connect()
    con.register("t", frame)
    got = con.execute(
        f"SELECT {model.to_sql()} AS p, {model.to_sql(target='pd')} AS q FROM t"
    ).fetchnumpy()
    np.testing.assert_allclose(got["p"], model.points(frame), atol=1e-6)
    np.testing.assert_allclose(got["q"], model.predict_proba(frame)[:, 1], rtol=1e-9)
    table = model.table("zh")
    assert table.columns[0] == "分群" and set(table["分群"]) == {*model.models_, "合并"}
