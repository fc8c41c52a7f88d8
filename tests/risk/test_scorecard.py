"""The scorecard PD model on a synthetic book with known monotone signal and missing values."""

from __future__ import annotations

import pickle

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from finseg.risk._points import reason_codes
from finseg.risk._scorecard import ScorecardModel

TRENDS = {"leverage": "ascending", "coverage": "descending", "lev_copy": "ascending"}


def _book(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Leverage raises risk, coverage lowers it, a missing leverage is risky, sector C too."""
    rng = np.random.default_rng(seed)
    leverage = rng.uniform(0, 1.5, n)
    coverage = rng.lognormal(1, 0.8, n)
    sector = rng.choice(["A", "B", "C", "D"], n)
    logit = -3 + 2.5 * leverage - 0.4 * np.log(coverage) + 1.2 * (sector == "C")
    missing = rng.random(n) < 0.12
    logit = np.where(missing, logit + 1.5, logit)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame(
        {
            "leverage": np.where(missing, np.nan, leverage),
            "coverage": coverage,
            "sector": sector,
            "lev_copy": np.where(missing, np.nan, np.floor(leverage * 3)),  # coarse copy
            "constant": np.ones(n),
            "all_missing": np.full(n, np.nan),
        }
    )
    return X, y


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, np.ndarray]:
    return _book()


@pytest.fixture(scope="module")
def model(book: tuple[pd.DataFrame, np.ndarray]) -> ScorecardModel:
    X, y = book
    return ScorecardModel(monotonic=TRENDS, max_corr=0.8).fit(X, y)


def test_learned_attributes(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = book
    assert sorted(model.features_) == ["coverage", "leverage", "sector"]
    assert model.coef_.shape == (1, 3) and (model.coef_ < 0).all()
    assert model.intercept_.shape == (1,)
    assert model.classes_.tolist() == [0, 1]
    assert model.n_features_in_ == 6
    assert model.feature_names_in_.tolist() == X.columns.tolist()
    assert set(model.bins_) == set(model.features_)
    assert set(model.binning_status_) == set(X.columns)
    assert model.binning_status_["leverage"] == "OPTIMAL"
    assert model.iv_["leverage"] > 0.3 and model.iv_["constant"] == 0.0
    assert set(model.features_) | set(model.dropped_) == set(X.columns)
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) > 0.75


def test_bins_cover_splits_points_and_woe(model: ScorecardModel) -> None:
    lev = model.bins_["leverage"]
    assert lev.kind == "numeric" and len(lev.splits) >= 2
    assert len(lev.points) == len(lev.woe) + 1 == lev.n_bins + 2  # + missing, + unknown
    sector = model.bins_["sector"]
    assert sector.kind == "categorical"
    assert sorted(c for g in sector.groups for c in g) == ["A", "B", "C", "D"]


def test_monotone_constraint_respected(model: ScorecardModel) -> None:
    lev = model.bins_["leverage"].points[: model.bins_["leverage"].n_bins]
    cov = model.bins_["coverage"].points[: model.bins_["coverage"].n_bins]
    assert (np.diff(lev) <= 1e-12).all(), "points must never rise with leverage"
    assert (np.diff(cov) >= -1e-12).all(), "points must never fall with coverage"


def test_missing_bin_has_its_own_points(model: ScorecardModel) -> None:
    lev = model.bins_["leverage"]
    assert lev.count[lev.n_bins] > 0
    rate_missing = lev.n_event[lev.n_bins] / lev.count[lev.n_bins]
    rate_all = lev.n_event.sum() / lev.count.sum()
    assert rate_missing > rate_all and lev.woe[lev.n_bins] < 0
    row = pd.DataFrame([{"leverage": np.nan, "coverage": 3.0, "sector": "A"}])
    points = model.points(_complete(row))
    without_lev = points - lev.points[lev.n_bins]
    assert points[0] == pytest.approx(without_lev[0] + lev.points[lev.n_bins])
    assert lev.points[lev.n_bins] < lev.points[: lev.n_bins].max()


def test_dropped_features_recorded_with_reasons(model: ScorecardModel) -> None:
    assert model.dropped_["all_missing"].startswith("binning failed: ERROR")
    assert model.binning_status_["all_missing"].startswith("ERROR")
    assert model.dropped_["constant"] == "IV 0.0000 < min_iv 0.02"
    assert model.dropped_["lev_copy"].startswith("WoE correlation")
    assert "leverage" in model.dropped_["lev_copy"]


def _complete(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with every training column (those not given all NaN)."""
    X, _ = _book(10)
    return rows.reindex(columns=X.columns)


def test_reason_codes_on_a_hand_checked_row(model: ScorecardModel) -> None:
    lev, cov, sec = (model.bins_[n] for n in ("leverage", "coverage", "sector"))
    row = _complete(pd.DataFrame([{"leverage": 1.49, "coverage": 0.1, "sector": "C"}]))
    losses = {
        "leverage": lev.points[: lev.n_bins].max() - lev.points[lev.n_bins - 1],
        "coverage": cov.points[: cov.n_bins].max() - cov.points[0],
        "sector": sec.points[: sec.n_bins].max() - sec.points[sec.lookup(np.array(["C"]))[0]],
    }
    expected = sorted(losses, key=lambda n: (-losses[n], n))
    assert all(v > 0 for v in losses.values())
    assert model.reasons(row).iloc[0].tolist() == expected
    top = sec.groups[int(np.argmax(sec.points[: sec.n_bins]))][0]
    best = _complete(pd.DataFrame([{"leverage": 0.01, "coverage": 50.0, "sector": top}]))
    assert model.reasons(best, k=2).iloc[0].isna().all()


def test_reason_ties_broken_by_name() -> None:
    losses = np.array([[5.0, 5.0, 0.0], [0.0, 1.0, 2.0]])
    frame = reason_codes(losses, ["zeta", "alpha", "mid"], 4)
    assert frame.iloc[0].tolist() == ["alpha", "zeta", None, None]
    assert frame.iloc[1].tolist() == ["mid", "alpha", None, None]


def test_sql_equals_python(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, _ = book
    frame = pd.concat([X.head(300), _complete(pd.DataFrame([{"sector": "Z"}]))])
    frame = frame.reset_index(drop=True)
    sql = f"SELECT {model.to_sql('t')} AS p, {model.to_sql('t', target='pd')} AS pd FROM frame t"
    got = duckdb.sql(sql).df()
    np.testing.assert_allclose(got["p"], model.points(frame), rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["pd"], model.predict_proba(frame)[:, 1], rtol=0, atol=1e-12)


def test_pickle_round_trip_is_byte_identical(
    model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = book
    clone = pickle.loads(pickle.dumps(model))
    assert clone.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()


def test_points_and_pd_agree(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, _ = book
    factor, offset = 20 / np.log(2), 600 - 20 / np.log(2) * np.log(50)
    np.testing.assert_allclose(model.points(X), offset - factor * model.decision_function(X))


def test_table_headers_in_both_languages(model: ScorecardModel) -> None:
    en, zh = model.table(), model.table(lang="zh")
    assert en.columns.tolist() == ["feature", "bin", "count", "event_rate", "woe", "iv", "points"]
    assert zh.columns[:4].tolist() == ["特征", "分箱", "样本数", "违约率"]
    assert len(en) == sum(fb.n_bins + 1 for fb in model.bins_.values())
    assert "缺失" in zh["分箱"].tolist() and "Missing" in en["bin"].tolist()


def test_arrays_and_intercept_only() -> None:
    X, y = _book(800, seed=1)
    numeric = X[["leverage", "coverage"]].to_numpy()
    model = ScorecardModel(selection="iv", max_features=1).fit(numeric, y)
    assert model.features_ == ["x0"] and model.dropped_["x1"].startswith("beyond max_features")
    empty = ScorecardModel(min_iv=10).fit(numeric, y)
    assert empty.features_ == [] and empty.coef_.shape == (1, 0)
    np.testing.assert_allclose(empty.predict_proba(numeric[:3])[:, 1], y.mean())
    constant = duckdb.sql(f"SELECT {empty.to_sql()} AS p").df()["p"].iloc[0]
    assert constant == empty.points(numeric[:1])[0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"monotonic": {"leverage": "up"}}, "monotonic\\['leverage'\\] = 'up'"),
        ({"monotonic": {"levrage": "ascending"}}, "'levrage', which is not a column"),
        ({"selection": "lasso"}, "'selection' parameter .* Got 'lasso'"),
        ({"coding": "dummy"}, "'coding' parameter .* Got 'dummy'"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict, match: str) -> None:
    X, y = _book(300)
    with pytest.raises(ValueError, match=match):
        ScorecardModel(**kwargs).fit(X, y)


def test_bad_method_arguments(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, _ = book
    with pytest.raises(ValueError, match="k must be a positive integer; got 0"):
        model.reasons(X, k=0)
    with pytest.raises(ValueError, match="target must be 'points' or 'pd'; got 'odds'"):
        model.to_sql(target="odds")
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh'; got 'fr'"):
        model.table(lang="fr")
    with pytest.raises(ValueError, match="column 'coverage' holds ±inf"):
        model.points(X.head(2).assign(coverage=np.inf))


def test_bin_refit_converges_and_shrinks_to_the_intercept(
    model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = book
    assert model.refit_status_ == "converged"
    woe = ScorecardModel(monotonic=TRENDS, max_corr=0.8, coding="woe").fit(X, y)
    assert woe.refit_status_.startswith("not run")
    for name in woe.features_:
        fb, beta = woe.bins_[name], woe.coef_[0, woe.features_.index(name)]
        np.testing.assert_allclose(fb.logit, fb.extended(beta * fb.woe))
    stiff = ScorecardModel(monotonic=TRENDS, max_corr=0.8, bin_C=1e-9).fit(X, y)  # all θ → 0
    np.testing.assert_allclose(stiff.predict_proba(X)[:, 1], y.mean(), atol=1e-6)
    for fb in model.bins_.values():  # centred: count-weighted mean term 0, unknown 0
        assert np.average(fb.logit[:-1], weights=fb.count) == pytest.approx(0, abs=1e-9)
        assert fb.logit[-1] == 0.0
    free = roc_auc_score(y, model.predict_proba(X)[:, 1])
    assert free >= roc_auc_score(y, woe.predict_proba(X)[:, 1]) - 1e-3


def test_isotonic_and_monotone_refit() -> None:
    from finseg.risk._scorecard_refit import isotonic, refit_bins

    got = isotonic(np.array([1.0, 3.0, 2.0, 4.0]), np.array([1.0, 1.0, 3.0, 1.0]))
    np.testing.assert_allclose(got, [1.0, 2.25, 2.25, 4.0])
    rng = np.random.default_rng(3)
    bins = rng.integers(0, 4, 5000)
    y = (rng.random(5000) < np.array([0.05, 0.2, 0.1, 0.3])[bins]).astype(int)
    for direction in (1, -1):
        theta, _, status = refit_bins([bins], [np.zeros(4)], [direction], y, C=100.0)
        assert status == "converged"
        assert (direction * np.diff(theta[0][:3]) >= -1e-12).all()
