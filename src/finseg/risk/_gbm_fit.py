"""Training, input-coding and calibration helpers of :class:`finseg.risk.GBMModel`.

Two ways to pick the number of trees and to obtain out-of-sample margins for the calibrator:

* :func:`cross_validate` (small and mid-sized data): stratified K folds trained in lockstep
  (``lightgbm.cv``), stopped on the fold-mean validation AUC; out-of-fold margins come from
  each fold's booster at the chosen iteration.  The caller then refits on all rows.
* :func:`hold_out` (large data): one stratified hold-out part; the booster trained on the
  rest, early-stopped on the hold-out AUC, *is* the model (no refit) and its hold-out margins
  feed the calibrator.

Both reuse one constructed ``lightgbm.Dataset`` (features binned once) through
``Dataset.subset``.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

__all__ = [
    "CALIBRATIONS",
    "PD_FLOOR",
    "SHAPES",
    "booster_params",
    "calibrate",
    "category_codes",
    "cross_fitted_log_loss",
    "cross_validate",
    "dataset",
    "fit_calibrator",
    "hold_out",
    "learn_categories",
]

#: Smallest PD (and distance of the largest from 1) the model returns.
PD_FLOOR = 1e-6

#: Weight of the logistic link of the raw margin blended into the isotonic map: too small
#: to move a PD by more than 1e-6, large enough to order the rows of a flat isotonic step
#: by their raw margin, so calibration never lowers the booster's AUC by creating ties.
TIE_BREAK = 1e-6

CALIBRATIONS = ("isotonic", "sigmoid")

#: Rounds between two checks of the hold-out AUC on the hold-out path.
CHECK_EVERY = 10

#: Candidate tree shapes, in the order tried.  "lightgbm" is LightGBM's own default shape (as
#: in ``LGBMClassifier()``); "regularized" has smaller, bagged trees for small or noisy data.
#: Parameters left at None in ``GBMModel`` are chosen among these by cross-validated AUC.
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
}

Folds = list[tuple[np.ndarray, np.ndarray]]


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
    X: np.ndarray,
    y: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
    rounds: int,
    patience: int,
) -> tuple[lgb.Booster, np.ndarray, float]:
    """Booster trained on ``split[0]`` and early-stopped on ``split[1]`` (cut to its best
    iteration), its raw margins on the hold-out rows and its hold-out AUC.

    The hold-out AUC is checked every :data:`CHECK_EVERY` rounds by a callback that adds the
    new trees' margins to a running total, instead of LightGBM's built-in AUC metric, which
    re-sorts the whole hold-out part after every round (a sixth of the fit time at 1M rows);
    the margins at the best check are kept, so the hold-out part is never predicted again.
    """
    train, valid = (np.sort(part) for part in split)
    X_valid, y_valid, threads = X[valid], y[valid], params["num_threads"]
    state = {"done": 0, "best": 0, "auc": -np.inf, "margin": np.zeros(len(valid))}
    total = np.zeros(len(valid))

    def watch(env: lgb.callback.CallbackEnv) -> None:
        done = env.iteration + 1
        if done % CHECK_EVERY and done < env.end_iteration:
            return
        total[:] += env.model.predict(
            X_valid,
            start_iteration=state["done"],
            num_iteration=done - state["done"],
            raw_score=True,
            num_threads=threads,
        )
        state["done"] = done
        auc = roc_auc_score(y_valid, total)
        if auc > state["auc"]:
            state.update(best=done, auc=auc, margin=total.copy())
        elif done - state["best"] >= patience:
            raise lgb.callback.EarlyStopException(state["best"] - 1, [])

    booster = lgb.train({**params, "metric": "None"}, data.subset(train), rounds, callbacks=[watch])
    if state["best"] < booster.current_iteration():
        booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=state["best"]))
    return booster, state["margin"], float(state["auc"])


def fit_calibrator(
    kind: str, margin: np.ndarray, y: np.ndarray
) -> IsotonicRegression | LogisticRegression | None:
    """A fitted map from raw margin to PD, or None for the plain logistic link."""
    if kind == "isotonic":
        return IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(margin, y)
    if kind == "sigmoid":
        return LogisticRegression(C=1e6, max_iter=1000).fit(margin[:, None], y)
    return None


def calibrate(calibrator: Any, margin: np.ndarray) -> np.ndarray:
    """PD of each raw margin, within ``[PD_FLOOR, 1 - PD_FLOOR]``.

    The isotonic map is a step function; rows on one step are ordered by their raw margin
    (see :data:`TIE_BREAK`), so the PD ranks rows exactly as the booster does.
    """
    link = expit(margin)
    if calibrator is None:
        return np.clip(link, PD_FLOOR, 1 - PD_FLOOR)
    if isinstance(calibrator, IsotonicRegression):
        step = calibrator.predict(margin)
        return PD_FLOOR + (1 - 2 * PD_FLOOR) * ((1 - TIE_BREAK) * step + TIE_BREAK * link)
    coef, intercept = float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])
    return np.clip(expit(coef * margin + intercept), PD_FLOOR, 1 - PD_FLOOR)


def cross_fitted_log_loss(margin: np.ndarray, y: np.ndarray, folds: Folds) -> dict[str, float]:
    """Out-of-fold log-loss of each calibration, each fold mapped by a fit on the others."""
    scores = {}
    for kind in (*CALIBRATIONS, "none"):
        loss = 0.0
        for train, valid in folds:
            pd_ = calibrate(fit_calibrator(kind, margin[train], y[train]), margin[valid])
            loss -= np.sum(y[valid] * np.log(pd_) + (1 - y[valid]) * np.log1p(-pd_))
        scores[kind] = float(loss / len(y))
    return scores


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
