"""GBMModel on synthetic borrowers with a planted, known risk signal."""

from __future__ import annotations

import pickle

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.utils._param_validation import InvalidParameterError

from finseg.exceptions import InsufficientDataError
from finseg.risk._gbm import PD_FLOOR, GBMModel
from finseg.risk._gbm_calibration import PlattMap, calibrate, fit_platt
from finseg.risk._gbm_fit import SHAPES, booster_params, dataset, hold_out, rank_auc

SMALL = {"n_estimators": 500, "learning_rate": 0.1, "cv": 3, "early_stopping_rounds": 20}


def _borrowers(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Risk rises with leverage (with a wiggle an unconstrained model would follow), falls
    with coverage, is higher in sector "c"; ``noise`` carries nothing."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "leverage": rng.uniform(0, 1, n),
            "coverage": rng.normal(0, 1, n),
            "noise": rng.normal(0, 1, n),
            "sector": pd.array(rng.choice(["a", "b", "c"], n), dtype="str"),
        }
    )
    X.loc[rng.random(n) < 0.05, "coverage"] = np.nan
    logit = -3.2 + 3 * X["leverage"] + 0.6 * np.sin(12 * X["leverage"])
    logit += -0.8 * X["coverage"].fillna(0) + 1.0 * (X["sector"] == "c")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    return _borrowers()


@pytest.fixture(scope="module")
def model(data) -> GBMModel:
    X, y = data
    return GBMModel({"leverage": 1, "coverage": -1}, **SMALL).fit(X, y)


def test_learned_attributes(model: GBMModel, data) -> None:
    assert model.monotone_constraints_ == [1, -1, 0, 0]
    assert list(model.feature_names_in_) == ["leverage", "coverage", "noise", "sector"]
    assert model.categories_ == {"sector": ["a", "b", "c"]}
    assert len(model.cv_auc_) == 3 and min(model.cv_auc_) > 0.65
    assert max(b.current_iteration() for b in model.boosters_) == model.best_iteration_


@pytest.mark.parametrize(("feature", "sign"), [("leverage", 1), ("coverage", -1)])
def test_monotone_constraint_holds_on_a_grid(model: GBMModel, data, feature, sign) -> None:
    X, _ = data
    grid = np.linspace(X[feature].min() - 0.5, X[feature].max() + 0.5, 60)
    for _, row in X.head(25).iterrows():
        frame = pd.DataFrame([row] * len(grid)).astype(X.dtypes.to_dict())
        frame[feature] = grid
        margin, pd_ = model.raw_margin(frame), model.predict_proba(frame)[:, 1]
        assert np.all(sign * np.diff(margin) >= -1e-12)
        assert np.all(sign * np.diff(pd_) >= -1e-12)


def test_unconstrained_model_follows_the_wiggle(data) -> None:
    """Guards the test above: without the constraint the same data gives a non-monotone fit."""
    X, y = data
    free = GBMModel(**SMALL).fit(X, y)
    frame = pd.concat([X.head(1)] * 200, ignore_index=True)
    frame["leverage"] = np.linspace(0, 1, 200)
    assert np.any(np.diff(free.raw_margin(frame)) < 0)


def test_early_stopping_picks_fewer_trees(model: GBMModel) -> None:
    assert 1 <= model.best_iteration_ < SMALL["n_estimators"]


def test_calibration_choice_is_recorded_and_pds_match_the_base_rate(model, data) -> None:
    X, y = data
    scores = model.calibration_scores_
    assert set(scores) == {"isotonic", "sigmoid", "none"}
    assert model.calibration_ == min(("isotonic", "sigmoid"), key=scores.get)
    assert model.predict_proba(X)[:, 1].mean() == pytest.approx(y.mean(), abs=0.01)


@pytest.mark.parametrize("kind", ["isotonic", "sigmoid", "none"])
def test_forced_calibration_is_used(data, kind: str) -> None:
    X, y = data
    m = GBMModel(calibration=kind, **SMALL).fit(X.head(1500), y[:1500])
    assert m.calibration_ == kind
    proba = m.predict_proba(X.head(50))[:, 1]
    assert np.allclose(m.decision_function(X.head(50)), np.log(proba / (1 - proba)))
    if kind == "none":
        assert np.allclose(m.decision_function(X.head(50)), m.raw_margin(X.head(50)))


def test_reason_codes_pick_the_planted_driver(model: GBMModel) -> None:
    row = pd.DataFrame(
        {"leverage": [0.98], "coverage": [0.0], "noise": [0.0], "sector": ["a"]}
    ).astype({"sector": "str"})
    reasons = model.reasons(row, k=2)
    assert list(reasons.columns) == ["reason_1", "reason_2"]
    assert reasons.loc[0, "reason_1"] == "leverage"


def test_reasons_are_only_risk_increasing_features(model: GBMModel, data) -> None:
    X, _ = data
    rows = X.head(300)
    matrix = model._matrix(rows, reset=False)
    contrib = np.mean([b.predict(matrix, pred_contrib=True) for b in model.boosters_], axis=0)
    contrib = contrib[:, :4]  # the mean over the boosters of a blend
    reasons = model.reasons(rows, k=4)
    assert reasons.index.equals(rows.index)
    n_positive = (contrib > 0).sum(axis=1)
    assert np.array_equal(reasons.notna().sum(axis=1).to_numpy(), n_positive)
    assert (n_positive < 4).any()  # some rows really have missing (empty) reasons


def test_unseen_category_is_treated_as_missing(model: GBMModel, data) -> None:
    X, _ = data
    rows = pd.concat([X.head(3)] * 3, ignore_index=True)
    rows["sector"] = pd.array(["zzz"] * 3 + [None] * 3 + ["c"] * 3, dtype="str")
    pd_ = model.predict_proba(rows)[:, 1]
    assert np.all(np.isfinite(pd_))
    assert np.array_equal(pd_[:3], pd_[3:6])
    as_category = rows.astype({"sector": pd.CategoricalDtype(["c", "zzz"])})
    assert np.array_equal(model.predict_proba(as_category)[:, 1], pd_)


def test_pickle_round_trip_is_byte_identical(model: GBMModel, data) -> None:
    X, _ = data
    again = pickle.loads(pickle.dumps(model))
    assert again.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()


def test_numpy_input_names_features_x0_x1(data) -> None:
    X, y = data
    m = GBMModel({"x0": 1}, **SMALL).fit(X[["leverage", "coverage"]].to_numpy(), y)
    assert m.monotone_constraints_ == [1, 0]
    assert m.reasons(np.array([[0.99, 0.0]]), k=1).loc[0, "reason_1"] == "x0"


@pytest.mark.parametrize(
    ("monotonic", "match"),
    [
        ({"levrage": 1}, "unknown feature 'levrage'"),
        ({"leverage": 2}, r"monotonic\['leverage'\] must be -1, 0 or 1; got 2"),
        ({"sector": 1}, "categorical columns must be free"),
    ],
)
def test_bad_monotonic_is_named(data, monotonic, match) -> None:
    X, y = data
    with pytest.raises(ValueError, match=match):
        GBMModel(monotonic, **SMALL).fit(X, y)


def test_bad_parameters_and_targets_are_named(data) -> None:
    X, y = data
    with pytest.raises(InvalidParameterError, match=r"'calibration' .* Got 'platt'"):
        GBMModel(calibration="platt").fit(X, y)
    with pytest.raises(ValueError, match="Only binary classification"):
        GBMModel(**SMALL).fit(X, np.arange(len(y)) % 3)
    few = y.copy()
    few[:] = 0
    few[:2] = 1
    with pytest.raises(InsufficientDataError, match="class 1 has 2 rows, fewer than cv=3"):
        GBMModel(**SMALL).fit(X, few)
    with pytest.raises(ValueError, match="must be a DataFrame"):
        GBMModel(**SMALL).fit(X, y).predict_proba(X.to_numpy())


def test_cross_validation_path_is_recorded(model: GBMModel) -> None:
    assert model.validation_ == "cv"
    assert max(b.num_trees() for b in model.boosters_) == model.best_iteration_


def test_hold_out_path_fits_one_booster_on_the_other_rows() -> None:
    """From ``holdout_from`` rows on, one stratified fold is held out: the booster trained on
    the rest is the model (no refit) and the calibrator is fitted on the hold-out margins."""
    X, y = _borrowers(n=20_000, seed=3)
    m = GBMModel({"leverage": 1, "coverage": -1}, holdout_from=10_000, **SMALL).fit(X, y)
    assert m.validation_ == "holdout"
    assert m.shape_ == "large" and m.tree_params_["colsample_bytree"] == 0.8
    assert isinstance(m.calibrator_, (PlattMap, IsotonicRegression))
    assert len(m.cv_auc_) == 1 and m.cv_auc_[0] > 0.65
    assert m.booster_.num_trees() == m.best_iteration_ < SMALL["n_estimators"]
    assert set(m.calibration_scores_) == {"isotonic", "sigmoid", "none"}
    # the booster saw about (cv - 1) / cv of the rows
    seen = m.booster_.dump_model()["tree_info"][0]["tree_structure"]
    assert seen.get("internal_count", 0) <= len(y) * (SMALL["cv"] - 1) / SMALL["cv"] + 1
    X_new, y_new = _borrowers(n=4000, seed=4)
    pd_ = m.predict_proba(X_new)[:, 1]
    assert pd_.mean() == pytest.approx(y_new.mean(), abs=0.015)
    assert roc_auc_score(y_new, pd_) > 0.7
    below = GBMModel(holdout_from=len(y) + 1, **SMALL).fit(X.head(5000), y[:5000])
    assert below.validation_ == "cv" and len(below.cv_auc_) == SMALL["cv"]


def test_isotonic_calibration_keeps_the_ranking_of_the_raw_margin(data) -> None:
    """Flat isotonic steps would tie rows and lower the AUC; ties are broken by the margin."""
    X, y = data
    m = GBMModel(calibration="isotonic", **SMALL).fit(X, y)
    margin, pd_ = m.raw_margin(X), m.predict_proba(X)[:, 1]
    assert len(np.unique(m.calibrator_.predict(margin))) < len(np.unique(margin)) / 2
    assert roc_auc_score(y, pd_) == roc_auc_score(y, margin)
    order = np.argsort(margin, kind="stable")
    assert np.all(np.diff(pd_[order]) >= 0)
    assert np.all((pd_ >= PD_FLOOR) & (pd_ <= 1 - PD_FLOOR))
    step = np.clip(m.calibrator_.predict(margin), PD_FLOOR, 1 - PD_FLOOR)
    assert np.max(np.abs(pd_ - step)) < 3e-6


def test_tree_shape_is_chosen_by_cv_unless_every_parameter_is_set(model, data) -> None:
    assert set(model.shape_scores_) == {"lightgbm", "regularized", "blend"}
    assert model.shape_ == max(model.shape_scores_, key=model.shape_scores_.get)
    if model.shape_ == "blend":
        assert [p["num_leaves"] for p in model.tree_params_.values()] == [31, 15]
        assert len(model.boosters_) == 2
    else:
        assert model.tree_params_["num_leaves"] == (31 if model.shape_ == "lightgbm" else 15)
    X, y = data
    shape = {"num_leaves": 7, "min_child_samples": 30, "subsample": 1.0}
    shape |= {"colsample_bytree": 1.0, "reg_lambda": 0.0}
    m = GBMModel(**shape, **SMALL).fit(X.head(1500), y[:1500])
    assert m.shape_ == "custom" and m.tree_params_ == shape
    assert max(tree["num_leaves"] for tree in m.booster_.dump_model()["tree_info"]) <= 7


def test_a_blend_averages_the_margins_and_contributions_of_both_boosters(data) -> None:
    X, y = data
    m = GBMModel(**SMALL).fit(X.head(3000), y[:3000])
    m.shape_ = "blend"  # force the blend path of scoring with both shapes' boosters
    shapes = m._shapes()
    seed = 1
    params = [booster_params(s, m.learning_rate_, m.monotone_constraints_, 1, seed)
              for s in shapes.values()]  # fmt: skip
    smallest = min(params, key=lambda p: p["min_data_in_leaf"])
    train = dataset(m._matrix(X.head(3000), reset=False), y[:3000].astype(float),
                    m._categorical_indices(), smallest)  # fmt: skip
    m.boosters_ = [lgb.train(p, train, 20) for p in params]
    matrix = m._matrix(X.head(50), reset=False)
    expected = np.mean([b.predict(matrix, raw_score=True) for b in m.boosters_], axis=0)
    np.testing.assert_allclose(m.raw_margin(X.head(50)), expected)
    reasons = m.reasons(X.head(50))
    assert list(reasons.columns) == ["reason_1", "reason_2", "reason_3"]


def test_default_learning_rate_depends_on_the_validation_path(data) -> None:
    X, y = data
    quick = {"n_estimators": 30, "cv": 2, "early_stopping_rounds": 5}
    assert GBMModel(**quick).fit(X, y).learning_rate_ == 0.05
    assert GBMModel(holdout_from=len(y), **quick).fit(X, y).learning_rate_ == 0.1
    assert GBMModel(learning_rate=0.2, holdout_from=len(y), **quick).fit(X, y).learning_rate_ == 0.2


def test_hold_out_margins_are_the_boosters_raw_scores(data) -> None:
    """The hold-out margins come from LightGBM's binned hold-out scores, not a prediction from
    the raw features; both must agree, and the AUC must be the one of those margins."""
    X, y = data
    m = GBMModel({"leverage": 1, "coverage": -1}, **SMALL).fit(X, y)  # for the coding only
    matrix, y01 = m._matrix(X, reset=False), y.astype(float)
    params = booster_params(SHAPES["large"], 0.1, m.monotone_constraints_, 1, 0)
    data_ = dataset(matrix, y01, m._categorical_indices(), params)
    valid = np.arange(len(y)) % 4 == 0
    split = np.flatnonzero(~valid), np.flatnonzero(valid)
    booster, margin, auc = hold_out(params, data_, y01, split, 200, 10)
    assert booster.current_iteration() < 200
    np.testing.assert_allclose(margin, booster.predict(matrix[valid], raw_score=True), atol=1e-9)
    assert auc == pytest.approx(roc_auc_score(y[valid], margin), abs=1e-12)


def test_rank_auc_matches_scikit_learn_with_ties() -> None:
    rng = np.random.default_rng(5)
    y = rng.random(5000) < 0.07
    score = np.round(rng.normal(size=5000) + y, 1)  # many ties, also across the classes
    assert rank_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_platt_map_matches_logistic_regression_and_reads_old_calibrators() -> None:
    rng = np.random.default_rng(6)
    margin = rng.normal(-2.5, 1.2, 20_000)
    y = (rng.random(20_000) < 1 / (1 + np.exp(-(0.8 * margin + 0.3)))).astype(float)
    platt = fit_platt(margin, y)
    reference = LogisticRegression(C=1e6, tol=1e-10, max_iter=1000).fit(margin[:, None], y)
    assert platt.slope == pytest.approx(reference.coef_[0, 0], abs=1e-4)
    assert platt.intercept == pytest.approx(reference.intercept_[0], abs=1e-4)
    # a model pickled when the Platt map was a LogisticRegression still scores the same way
    old = calibrate(reference, margin[:100])
    np.testing.assert_allclose(calibrate(platt, margin[:100]), old, atol=1e-5)
    separable = fit_platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1]))
    assert np.isfinite([separable.slope, separable.intercept]).all()
