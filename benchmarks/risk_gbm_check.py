"""Real-data check of the GBM challenger: 5-fold stratified CV AUC of ``GBMModel`` against
``lightgbm.LGBMClassifier()`` defaults on the five real credit data sets, and fit / predict
timings on synthetic rows.  Not part of the test suite.

    python benchmarks/risk_gbm_check.py                       # AUC table and timings
    python benchmarks/risk_gbm_check.py --no-speed            # AUC table only
    python benchmarks/risk_gbm_check.py --sets polish1,polish5 --no-speed

Data are read from ``../shared/data/`` (see its README); a set whose file is absent is skipped
with a message.  Targets: finseg >= LightGBM default on each data set; on 1,000,000 synthetic
rows (25 characteristics, ~5 % defaults, ``synthetic()`` of ``risk_speed.py``) ``GBMModel.fit``
no slower than ``LGBMClassifier(n_estimators=<finseg's trees>).fit`` and ``predict_proba`` no
slower than the booster's ``predict``, same threads.  CPU seconds are printed next to wall
seconds: on a busy machine they are the fairer comparison of single-threaded runs.
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
from _real_data import SETS, path_of
from finseg.risk._gbm import GBMModel
from risk_speed import synthetic


def cv_auc(model: object, X: pd.DataFrame, y: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of the 5-fold stratified CV AUC (same folds for all)."""
    aucs = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        fitted = clone(model).fit(X.iloc[train], y[train])
        aucs.append(roc_auc_score(y[test], fitted.predict_proba(X.iloc[test])[:, 1]))
    return float(np.mean(aucs)), float(np.std(aucs))


def auc_table(keys: list[str]) -> None:
    models = {
        "finseg GBMModel": GBMModel(n_jobs=1),
        "LightGBM default": lgb.LGBMClassifier(n_jobs=1, verbose=-1),
    }
    print(f"{'data':<18}" + "".join(f"{name:>20}" for name in models) + "  result")
    for key in keys:
        if not path_of(key).is_file():
            print(f"{SETS[key].title:<18} skipped: {path_of(key)} is absent")
            continue
        X, y = SETS[key].load()
        started = time.perf_counter()
        scores = [cv_auc(m, X, y) for m in models.values()]
        cells = "".join(f"{f'{mean:.4f} ± {std:.4f}':>20}" for mean, std in scores)
        verdict = "PASS" if scores[0][0] >= scores[1][0] else "MISSED"
        print(f"{SETS[key].title:<18}{cells}  {verdict} ({time.perf_counter() - started:.0f} s)")


def timed(name: str, run: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {name:<58} {wall:7.1f} s wall {cpu:7.1f} s CPU", flush=True)
    return out, wall, cpu


def speed(rows: int) -> None:
    X, y, signs = synthetic(rows, seed=0)
    print(f"{rows:,} synthetic rows, {X.shape[1]} characteristics, bad rate {y.mean():.2%}")
    model, *ours = timed(
        "finseg GBMModel(monotonic, n_jobs=1).fit", lambda: GBMModel(signs).fit(X, y)
    )
    trees = model.booster_.num_trees()
    print(f"  ({model.validation_}: {trees} trees, calibration {model.calibration_})")
    light = lgb.LGBMClassifier(n_estimators=trees, n_jobs=1, verbose=-1)
    light, *theirs = timed(
        f"LightGBM LGBMClassifier(n_estimators={trees}).fit", lambda: light.fit(X, y)
    )
    print(
        f"  fit: finseg / LightGBM = {ours[0] / theirs[0]:.2f} wall, {ours[1] / theirs[1]:.2f} CPU"
    )
    matrix = X.to_numpy(np.float64)
    _, *ours = timed("finseg GBMModel.predict_proba", lambda: model.predict_proba(X))
    _, *theirs = timed(
        "finseg booster_.predict (num_threads=1)",
        lambda: model.booster_.predict(matrix, num_threads=1),
    )
    print(
        f"  predict: finseg / booster = {ours[0] / theirs[0]:.2f} wall, "
        f"{ours[1] / theirs[1]:.2f} CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    parser.add_argument("--no-auc", action="store_true", help="skip the AUC table")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated data sets")
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows to time")
    args = parser.parse_args()
    if not args.no_auc:
        auc_table(args.sets.split(","))
    if not args.no_speed:
        speed(args.rows)


if __name__ == "__main__":
    main()
