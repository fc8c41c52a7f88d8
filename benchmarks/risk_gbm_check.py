"""Real-data check of the GBM challenger: 5-fold stratified CV AUC of ``GBMModel`` against
``lightgbm.LGBMClassifier()`` defaults on Polish year 1 and Taiwan, and fit / predict timings
on synthetic rows.  Not part of the test suite.

    python benchmarks/risk_gbm_check.py               # AUC table and timings
    python benchmarks/risk_gbm_check.py --no-speed    # AUC table only

Data are read from ``../shared/data/`` (see its README); where the folder is absent the AUC
part is skipped with a message.  Target: finseg >= LightGBM default on each data set.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

# Run as a script, ``benchmarks/`` is on sys.path and the helpers import as top-level modules.
from _real_data import DATA, polish_year1, taiwan
from finseg.risk._gbm import GBMModel


def cv_auc(model: object, X: pd.DataFrame, y: np.ndarray) -> float:
    """Pooled-mean 5-fold stratified CV AUC (same folds for every model)."""
    aucs = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        fitted = clone(model).fit(X.iloc[train], y[train])
        aucs.append(roc_auc_score(y[test], fitted.predict_proba(X.iloc[test])[:, 1]))
    return float(np.mean(aucs))


def auc_table() -> None:
    if not DATA.is_dir():
        print(f"skipped the AUC check: data folder {DATA} is absent")
        return
    models = {
        "finseg GBMModel": GBMModel(n_jobs=1),
        "LightGBM default": lgb.LGBMClassifier(n_jobs=1, verbose=-1),
    }
    print(f"{'data':<14}" + "".join(f"{name:>20}" for name in models))
    for name, load in {"Polish year 1": polish_year1, "Taiwan": taiwan}.items():
        X, y = load()
        started = time.perf_counter()
        cells = "".join(f"{cv_auc(m, X, y):>20.4f}" for m in models.values())
        print(f"{name:<14}{cells}   ({time.perf_counter() - started:.0f} s)")


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 20))
    logit = -3 + X[:, 0] - 0.7 * X[:, 1] + 0.5 * np.sin(2 * X[:, 2]) + 0.3 * X[:, 3] * X[:, 4]
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def seconds(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def speed(n_fit: int = 200_000, n_predict: int = 1_000_000) -> None:
    X, y = synthetic(n_fit)
    model = GBMModel(n_jobs=1)
    fit_ours = seconds(lambda: model.fit(X, y))
    trees = model.best_iteration_
    plain = lgb.LGBMClassifier(
        n_estimators=trees, learning_rate=0.03, num_leaves=15, min_child_samples=50,
        subsample=0.8, subsample_freq=1, colsample_bytree=0.8, reg_lambda=1.0,
        n_jobs=1, verbose=-1, random_state=0,
    )  # fmt: skip
    fit_plain = seconds(lambda: plain.fit(X, y))
    print(f"fit {n_fit:,} rows: finseg {fit_ours:.1f} s (cv=5 + refit, {trees} trees) vs "
          f"LightGBM {fit_plain:.1f} s ({trees} trees): {fit_ours / fit_plain:.1f}x")  # fmt: skip
    Xp, _ = synthetic(n_predict, seed=1)
    pred_ours = seconds(lambda: model.predict_proba(Xp))
    pred_plain = seconds(lambda: plain.predict_proba(Xp))
    print(f"predict_proba {n_predict:,} rows: finseg {pred_ours:.1f} s vs "
          f"LightGBM {pred_plain:.1f} s: {pred_ours / pred_plain:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    args = parser.parse_args()
    auc_table()
    if not args.no_speed:
        speed()


if __name__ == "__main__":
    main()
