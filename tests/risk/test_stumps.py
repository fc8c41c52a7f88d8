"""Boosted-stump binning of the scorecard: bins, points, SQL, monotonicity and reload."""

from __future__ import annotations

import pickle

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from finseg.risk._scorecard import ScorecardModel
from finseg.risk._stumps import AUTO_STUMPS_FROM, merge_runs

TRENDS = {"leverage": "ascending", "coverage": "descending"}


def _book(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Leverage raises risk (missing leverage is risky), coverage lowers it, sector C is risky."""
    rng = np.random.default_rng(seed)
    leverage = rng.uniform(0, 1.5, n)
    coverage = rng.lognormal(1, 0.8, n)
    sector = rng.choice(["A", "B", "C", "D"], n)
    missing = rng.random(n) < 0.12
    logit = -3 + 2.5 * leverage - 0.4 * np.log(coverage) + 1.2 * (sector == "C") + 1.5 * missing
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame(
        {
            "leverage": np.where(missing, np.nan, leverage),
            "coverage": coverage,
            "sector": pd.Series(sector).where(rng.random(n) > 0.05),  # some missing sectors
            "constant": np.ones(n),
        }
    )
    return X, y


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, np.ndarray]:
    return _book()


@pytest.fixture(scope="module")
def model(book: tuple[pd.DataFrame, np.ndarray]) -> ScorecardModel:
    X, y = book
    return ScorecardModel(monotonic=TRENDS, binning="stumps").fit(X, y)


def test_stump_card_fits(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = book
    assert model.binning_ == "stumps" and model.refit_status_ == "not run (binning='stumps')"
    assert sorted(model.features_) == ["coverage", "leverage", "sector"]
    assert model.dropped_ == {"constant": "not split by any boosted stump"}
    assert model.binning_status_["leverage"].startswith("STUMPS")
    assert len(model.stump_rounds_) == 5 and min(model.stump_rounds_) > 0
    assert model.coef_.shape == (1, 3) and (model.coef_ < 0).all()
    assert roc_auc_score(y, model.predict_proba(X)[:, 1]) > 0.75


def test_bins_are_capped_and_sized(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]):
    X, _ = book
    for fb in model.bins_.values():
        assert 2 <= fb.n_bins <= 12
        assert (fb.count[: fb.n_bins] >= 0.02 * len(X)).all()
        assert np.average(fb.logit[:-1], weights=fb.count) == pytest.approx(0, abs=1e-9)
        assert fb.logit[-1] == 0.0  # unknown category: neutral
    sector = model.bins_["sector"]
    assert sorted(c for g in sector.groups for c in g) == ["A", "B", "C", "D"]
    assert sector.lookup(pd.Series(["C"]))[0] == int(np.argmax(sector.logit[: sector.n_bins]))


def test_monotone_constraint_respected(model: ScorecardModel) -> None:
    lev, cov = model.bins_["leverage"], model.bins_["coverage"]
    assert (np.diff(lev.points[: lev.n_bins]) <= 1e-12).all(), "points never rise with leverage"
    assert (np.diff(cov.points[: cov.n_bins]) >= -1e-12).all(), "points never fall with coverage"


def test_missing_gets_its_learned_term(model: ScorecardModel) -> None:
    lev = model.bins_["leverage"]
    assert lev.count[lev.n_bins] > 0
    assert lev.logit[lev.n_bins] > 0.3, "a missing leverage is risky, not neutral"
    cov = model.bins_["coverage"]  # never missing in training: neutral
    assert cov.count[cov.n_bins] == 0 and cov.logit[cov.n_bins] == 0.0


def test_sql_table_and_python_agree(
    model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = book
    extra = pd.DataFrame([{"leverage": np.nan, "coverage": np.nan, "sector": "Z"}])
    frame = pd.concat([X.head(400), extra.reindex(columns=X.columns)], ignore_index=True)
    sql = f"SELECT {model.to_sql('t')} AS p, {model.to_sql('t', target='pd')} AS pd FROM frame t"
    got = duckdb.sql(sql).df()
    np.testing.assert_allclose(got["p"], model.points(frame), rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["pd"], model.predict_proba(frame)[:, 1], rtol=0, atol=1e-12)
    table = model.table()
    for name, fb in model.bins_.items():
        rows = table[table["feature"] == name]
        np.testing.assert_allclose(rows["points"], fb.points[:-1].round(2))
    row = X.iloc[[7]]
    by_table = sum(fb.points[fb.lookup(model._prepare(row[n], n, fb.kind))][0]
                   for n, fb in model.bins_.items())  # fmt: skip
    assert model.points(row)[0] == pytest.approx(by_table, abs=1e-9)


def test_split_points_are_exact(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]):
    """A value equal to a split falls in the upper bin, in Python and in SQL alike."""
    lev = model.bins_["leverage"]
    frame = pd.DataFrame({"leverage": lev.splits, "coverage": 3.0, "sector": "A", "constant": 1.0})
    got = duckdb.sql(f"SELECT {model.to_sql()} AS p FROM frame").df()["p"]
    np.testing.assert_allclose(got, model.points(frame), rtol=0, atol=1e-9)
    assert lev.lookup(lev.splits).tolist() == list(range(1, lev.n_bins))


def test_reasons_and_reload(model: ScorecardModel, book: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, _ = book
    risky = pd.DataFrame([{"leverage": 1.49, "coverage": 0.1, "sector": "C", "constant": 1.0}])
    assert set(model.reasons(risky).iloc[0]) == {"leverage", "coverage", "sector"}
    clone = pickle.loads(pickle.dumps(model))
    assert clone.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()
    again = ScorecardModel(monotonic=TRENDS, binning="stumps").fit(*book)
    assert again.points(X).tobytes() == model.points(X).tobytes()


def test_auto_binning_by_rows(book: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = book
    assert len(X) < AUTO_STUMPS_FROM
    assert ScorecardModel().fit(X, y).binning_ == "optimal"
    big_X, big_y = _book(AUTO_STUMPS_FROM, seed=1)
    assert ScorecardModel().fit(big_X, big_y).binning_ == "stumps"


def test_max_features_and_bins() -> None:
    X, y = _book(2000, seed=2)
    model = ScorecardModel(binning="stumps", max_features=1, max_bins=3).fit(X, y)
    assert len(model.features_) == 1 and model.bins_[model.features_[0]].n_bins <= 3
    assert sum(r.startswith("beyond max_features") for r in model.dropped_.values()) == 2


def test_few_defaults_give_an_intercept_only_card() -> None:
    X, _ = _book(200, seed=3)
    y = np.zeros(200, dtype=int)
    y[:1] = 1
    model = ScorecardModel(binning="stumps").fit(X, y)
    assert model.features_ == [] and model.stump_rounds_ == []
    np.testing.assert_allclose(model.predict_proba(X.head(2))[:, 1], 1 / 200)


def test_merge_runs_caps_and_absorbs_small_bins() -> None:
    terms = np.array([0.0, 0.2, 0.21, 1.0, 3.0])
    assert merge_runs(terms, np.full(5, 10.0), 3) == [[0, 1, 2], [3], [4]]
    small = np.array([10, 10, 1, 10, 10.0])  # bin 2 joins bin 1, whose term is closest
    assert merge_runs(terms, small, 12, min_count=5) == [[0], [1, 2], [3], [4]]
