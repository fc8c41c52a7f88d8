"""Training, input-coding and calibration helpers of :class:`finseg.risk.GBMModel`.

Two ways to pick the number of trees and to obtain out-of-sample margins for the calibrator:

* :func:`cross_validate` (small and mid-sized data): stratified K folds trained in lockstep
  (``lightgbm.cv``), stopped on the fold-mean validation AUC; out-of-fold margins come from
  each fold's booster at the chosen iteration.  The caller then refits on all rows.
* :func:`hold_out` (large data): one stratified hold-out part; the booster trained on the
  rest, early-stopped on the hold-out AUC, *is* the model (no refit) and its hold-out margins
  feed the calibrator.

Both reuse one constructed ``lightgbm.Dataset`` (features binned once) through
``Dataset.subset``.  The calibration maps are in :mod:`finseg.risk._gbm_calibration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.metrics import roc_auc_score

__all__ = [
    "BLEND",
    "CHECK_EVERY",
    "CV_SHAPES",
    "HOLDOUT_SHAPE",
    "LEARNING_RATES",
    "SHAPES",
    "booster_params",
    "category_codes",
    "cross_validate",
    "dataset",
    "fit_cv",
    "fit_holdout",
    "hold_out",
    "learn_categories",
]

#: Rounds between two checks of the hold-out AUC on the hold-out path.
CHECK_EVERY = 5

#: Learning rate used when ``GBMModel(learning_rate=None)``, by validation path.  Half
#: LightGBM's default with cross-validation (small data gain from the finer steps, see
#: ``docs/benchmarks.md``); LightGBM's own 0.1 on the hold-out path, where a 1,000,000-row
#: fit needs half the trees, each cheaper to grow and to score, for 0.0006 AUC.
LEARNING_RATES = {"cv": 0.05, "holdout": 0.1}

#: Tree shapes.  "lightgbm" is LightGBM's own default shape (as in ``LGBMClassifier()``);
#: "regularized" has smaller, bagged trees for small or noisy data.  Parameters left at None
#: in ``GBMModel`` are chosen between these two by cross-validated AUC.  "large" is the shape
#: of the hold-out path, chosen by rule: LightGBM's shape with 80 % of the features per tree,
#: LightGBM's own advice for faster training ("Parameters Tuning"); on 1,000,000 synthetic rows
#: each tree grows 14 % faster, at no loss of out-of-sample AUC (see ``docs/benchmarks.md``).
SHAPES: dict[str, dict[str, float]] = {
    "lightgbm": {
        "num_leaves": 31,
        "min_child_samples": 20,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "reg_lambda": 0.0,
    },
    "regularized": {
        "num_leaves": 15,
        "min_child_samples": 50,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "reg_lambda": 1.0,
    },
    "large": {
        "num_leaves": 31,
        "min_child_samples": 20,
        "subsample": 1.0,
        "colsample_bytree": 0.8,
        "reg_lambda": 0.0,
    },
}

#: Shapes compared by cross-validation, and the one shape of the hold-out path.
CV_SHAPES, HOLDOUT_SHAPE = ("lightgbm", "regularized"), "large"

#: ``shape_`` of a model that averages the margins of both cross-validated shapes.
BLEND = "blend"

Folds = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Fitted:
    """Final boosters and out-of-sample margins of one validation path."""

    boosters: list[lgb.Booster]
    best_iteration: int
    shape: str
    shape_scores: dict[str, float]
    aucs: list[float]
    margin: np.ndarray  # out-of-sample raw margins, for the calibration
    labels: np.ndarray  # their 0/1 labels


def fit_cv(
    params: dict[str, dict[str, Any]],
    data: lgb.Dataset,
    X: np.ndarray,
    y: np.ndarray,
    folds: Folds,
    rounds: int,
    patience: int,
) -> Fitted:
    """Cross-validate every shape of ``params`` (and, with two, the mean margin of both) and
    refit the best on all rows with its best number of trees."""
    fits = {
        name: cross_validate(p, data, X, y, folds, rounds, patience) for name, p in params.items()
    }
    scores = {name: fit[1] for name, fit in fits.items()}
    if len(fits) > 1:  # the mean margin of both shapes, judged on the same folds
        blend = np.mean([fit[2] for fit in fits.values()], axis=0)
        aucs = [float(roc_auc_score(y[v], blend[v])) for _, v in folds]
        scores[BLEND] = float(np.mean(aucs))
        fits[BLEND] = (0, scores[BLEND], blend, aucs)
    shape = max(fits, key=scores.get)
    chosen = list(params) if shape == BLEND else [shape]
    boosters = [lgb.train(params[n], data, fits[n][0]) for n in chosen]
    best = max(fits[n][0] for n in chosen)
    return Fitted(boosters, best, shape, scores, fits[shape][3], fits[shape][2], y)


def fit_holdout(
    params: dict[str, dict[str, Any]],
    data: lgb.Dataset,
    y: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
    rounds: int,
    patience: int,
) -> Fitted:
    """The one shape of ``params`` trained on ``split[0]``, early-stopped on ``split[1]`` with
    a tenth of ``patience`` (at least 10 rounds), no refit."""
    shape = next(iter(params))
    patience = max(2 * CHECK_EVERY, patience // 10)
    booster, margin, auc = hold_out(params[shape], data, y, split, rounds, patience)
    best = booster.current_iteration()
    return Fitted([booster], best, shape, {shape: auc}, [auc], margin, y[np.sort(split[1])])


def dataset(X: np.ndarray, y: np.ndarray, cats: list[int], params: dict[str, Any]) -> lgb.Dataset:
    """One constructed (binned) Dataset of all rows; parts are taken with ``subset``."""
    data = lgb.Dataset(X, y, categorical_feature=cats, params=params, free_raw_data=True)
    return data.construct()


def booster_params(
    shape: dict[str, float], learning_rate: float, constraints: list[int], n_jobs: int, seed: int
) -> dict[str, Any]:
    """LightGBM parameters of one tree shape."""
    return {
        "objective": "binary",
        "learning_rate": learning_rate,
        "num_leaves": int(shape["num_leaves"]),
        "min_data_in_leaf": int(shape["min_child_samples"]),
        # Bag the goods only: with a few % defaults, row bagging that drops defaults
        # cost 0.004 AUC on Polish year 1.
        "pos_bagging_fraction": 1.0,
        "neg_bagging_fraction": shape["subsample"],
        "bagging_freq": int(shape["subsample"] < 1),
        "feature_fraction": shape["colsample_bytree"],
        "lambda_l2": shape["reg_lambda"],
        "monotone_constraints": constraints,
        "monotone_constraints_method": "intermediate",
        "num_threads": n_jobs,
        "seed": seed,
        "deterministic": True,
        "verbose": -1,
    }


def _train_params(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the validation metric used for early stopping (fold AUC)."""
    return {**params, "metric": "auc", "first_metric_only": True}


def cross_validate(
    params: dict[str, Any],
    data: lgb.Dataset,
    X: np.ndarray,
    y: np.ndarray,
    folds: Folds,
    rounds: int,
    patience: int,
) -> tuple[int, float, np.ndarray, list[float]]:
    """Best iteration, its fold-mean AUC, out-of-fold raw margins and per-fold AUCs."""
    stop = lgb.early_stopping(patience, first_metric_only=True, verbose=False)
    result = lgb.cv(
        _train_params(params),
        data,
        rounds,
        folds=folds,
        callbacks=[stop],
        return_cvbooster=True,
    )
    cv_booster = result["cvbooster"]
    curve = result["valid auc-mean"]
    best = max(1, int(cv_booster.best_iteration or len(curve)))
    oof = np.zeros(len(y))
    aucs = []
    for booster, (_, valid) in zip(cv_booster.boosters, folds, strict=True):
        oof[valid] = booster.predict(X[valid], num_iteration=best, raw_score=True)
        aucs.append(float(roc_auc_score(y[valid], oof[valid])))
    return best, float(curve[best - 1]), oof, aucs


def hold_out(
    params: dict[str, Any],
    data: lgb.Dataset,
    y: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
    rounds: int,
    patience: int,
) -> tuple[lgb.Booster, np.ndarray, float]:
    """Booster trained on ``split[0]`` and early-stopped on ``split[1]`` (cut to its best
    iteration), its raw margins on the hold-out rows and its hold-out AUC.

    Both parts are subsets of the binned ``data``.  LightGBM keeps the hold-out scores up to
    date tree by tree (each new tree applied to the binned rows, as to the training rows), so
    checking the AUC every :data:`CHECK_EVERY` rounds costs one read of those scores and one
    sort, never a prediction from the raw features; LightGBM's built-in AUC metric would
    re-sort the hold-out part after every round.  The scores at the best check are kept as
    the hold-out margins, so the hold-out part is never predicted again.
    """
    train, valid = (np.sort(part) for part in split)
    booster = lgb.Booster({**params, "metric": "None"}, data.subset(train))
    booster.add_valid(data.subset(valid), "holdout")
    bads = y[valid] == 1
    scores: list[np.ndarray] = []

    def hold_out_auc(pd_: np.ndarray, _: lgb.Dataset) -> tuple[str, float, bool]:
        scores[:] = [pd_]  # the probabilities of the binary objective, one per hold-out row
        return "auc", rank_auc(bads, pd_), True

    best, best_auc, best_pd = 0, -np.inf, np.empty(0)
    for done in range(1, rounds + 1):
        finished = booster.update()
        if done % CHECK_EVERY and done < rounds and not finished:
            continue
        [(_, _, auc, _)] = booster.eval_valid(hold_out_auc)
        if auc > best_auc:
            best, best_auc, best_pd = done, auc, scores[0].copy()
        if finished or done - best >= patience:
            break
    model = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
    # The objective's link is the logistic function: its inverse gives back the raw margin.
    return model, logit(np.clip(best_pd, 1e-300, 1 - 1e-16)), float(best_auc)


def rank_auc(bads: np.ndarray, score: np.ndarray) -> float:
    """AUC of ``score`` for the rows where ``bads`` is True, ties counted half.

    Each bad row is placed among the sorted scores of the goods by binary search: with a few
    % bads, a third of the time of ranking all rows, which the hold-out check would do 10-20
    times per fit.
    """
    goods = np.sort(score[~bads])
    positive = score[bads]
    below = np.searchsorted(goods, positive, side="left")
    below_or_tied = np.searchsorted(goods, positive, side="right")
    return float(0.5 * (below.sum() + below_or_tied.sum()) / (len(positive) * len(goods)))


def learn_categories(X: Any) -> dict[str, list]:
    """Categories of each categorical (category or string) column of a DataFrame."""
    if not isinstance(X, pd.DataFrame):
        return {}
    out = {}
    for name in X.columns:
        column = X[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            out[str(name)] = list(column.cat.categories)
        elif pd.api.types.is_string_dtype(column.dtype):
            out[str(name)] = sorted(column.dropna().unique().tolist())
    return out


def category_codes(column: pd.Series, categories: list) -> np.ndarray:
    """Codes of ``column`` against the fitted categories; unseen or missing -> NaN."""
    codes = pd.Index(categories, dtype=object).get_indexer(np.asarray(column, dtype=object))
    return np.where(codes < 0, np.nan, codes.astype(np.float64))
