"""Calibration to the long-run central tendency: exact offsets, invariance of ranking."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finseg.exceptions import UserError
from finseg.risk import CentralTendencyModel, ScorecardModel, central_tendency_offset, shift_pd


def test_a_single_pd_moves_by_the_log_odds_difference():
    # every PD 0.1, target 0.2: c = logit(0.2) − logit(0.1) = ln(0.25) − ln(1/9) = ln(2.25)
    assert central_tendency_offset(np.array([0.1, 0.1]), 0.2) == pytest.approx(math.log(2.25))
    np.testing.assert_allclose(shift_pd(np.array([0.1]), math.log(2.25)), [0.2])


def test_two_pds_hand_computed():
    # p = 0.1 and 0.3, target 0.1: solve (e^c/9)/(1+e^c/9) + (3e^c/7)/(1+3e^c/7) = 0.2
    c = central_tendency_offset(np.array([0.1, 0.3]), 0.1)
    a, b = math.exp(c) / 9, 3 * math.exp(c) / 7
    assert a / (1 + a) + b / (1 + b) == pytest.approx(0.2, abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0005, 0.9), min_size=1, max_size=50),
    st.floats(0.001, 0.5),
)
def test_the_mean_hits_the_target_and_the_order_is_kept(pds, target):
    p = np.array(pds)
    shifted = shift_pd(p, central_tendency_offset(p, target))
    assert shifted.mean() == pytest.approx(target, rel=1e-6)
    order = np.argsort(p, kind="stable")  # the shift never reverses an order (ties may form
    assert (np.diff(shifted[order]) >= 0).all()  # where PDs saturate in floating point)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5])
def test_a_target_outside_zero_one_is_refused(bad):
    with pytest.raises(UserError, match="between 0 and 1"):
        central_tendency_offset(np.array([0.1]), bad)


def test_wrapped_scorecard_points_move_by_offset_times_factor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 2))
    y = (rng.random(3000) < 1 / (1 + np.exp(3 - X[:, 0]))).astype(int)
    inner = ScorecardModel().fit(X, y)
    model = CentralTendencyModel(inner, math.log(2), target=0.1, sample_rate=y.mean())
    np.testing.assert_allclose(model.points(X), inner.points(X) - 20.0, atol=1e-5)
    odds_in = inner.predict_proba(X)[:, 1] / inner.predict_proba(X)[:, 0]
    odds_out = model.predict_proba(X)[:, 1] / model.predict_proba(X)[:, 0]
    np.testing.assert_allclose(odds_out / odds_in, 2.0, rtol=1e-6)
    assert model.reasons(X[:5]).equals(inner.reasons(X[:5]))
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.predict_proba(X), model.predict_proba(X))


def test_the_shifted_sql_expression_matches_the_shifted_model():
    import duckdb
    import pandas as pd

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    y = (rng.random(2000) < 1 / (1 + np.exp(3 - X["a"]))).astype(int)
    model = CentralTendencyModel(ScorecardModel().fit(X, y), -0.7, target=0.02, sample_rate=0.05)
    con = duckdb.connect()
    con.register("t", X)
    got = con.execute(
        f"SELECT {model.to_sql()} AS p, {model.to_sql(target='pd')} AS q FROM t"
    ).fetchnumpy()
    np.testing.assert_allclose(got["p"], model.points(X), atol=1e-5)
    np.testing.assert_allclose(got["q"], model.predict_proba(X)[:, 1], rtol=1e-9)
