"""Real-data check of the scorecard PD model and the speed of its compiled scoring.

    python benchmarks/risk_scorecard_check.py            # Polish year 1 CV + 1M-row scoring
    python benchmarks/risk_scorecard_check.py --data DIR # another folder with polish_1year.arff

5-fold stratified CV AUC on Polish bankruptcy year 1 (UCI 365; ``class`` b'1' = bankrupt, ``?``
missing) of :class:`finseg.risk._scorecard.ScorecardModel` against optbinning's default
``Scorecard`` (``BinningProcess`` defaults + ``LogisticRegression``; missing values then get
WoE 0).  Target: finseg ≥ 0.90.  First, the time to score 1,000,000 rows × 10 characteristics.
Skips with a message (exit 0) where the data folder is absent; not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

# Run as a script, ``benchmarks/`` is on sys.path and the helpers import as top-level modules.
from _real_data import DATA, load_polish
from finseg.risk._scorecard import ScorecardModel


def optbinning_default(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
    """PD from optbinning's ``Scorecard`` with default binning and a logistic regression."""
    from optbinning import BinningProcess, Scorecard

    process = BinningProcess(variable_names=list(X.columns))
    card = Scorecard(binning_process=process, estimator=LogisticRegression(max_iter=1000))
    card.fit(X, y)
    return card.predict_proba(X_test)[:, 1]


def cv_auc(X: pd.DataFrame, y: np.ndarray, **params: object) -> dict[str, list[float]]:
    """Per-fold AUC of both models, and the number of characteristics finseg kept."""
    out: dict[str, list[float]] = {"finseg": [], "optbinning": [], "kept": []}
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in folds.split(X, y):
        model = ScorecardModel(**params).fit(X.iloc[train], y[train])
        out["finseg"].append(roc_auc_score(y[test], model.predict_proba(X.iloc[test])[:, 1]))
        out["kept"].append(len(model.features_))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd_ = optbinning_default(X.iloc[train], y[train], X.iloc[test])
        out["optbinning"].append(roc_auc_score(y[test], pd_))
    return out


def scoring_time(rows: int = 1_000_000, width: int = 10) -> tuple[float, int]:
    """Best of 3 seconds for ``points`` on ``rows`` synthetic rows × ``width`` characteristics.

    Synthetic so that exactly ``width`` characteristics are kept (and it runs without data).
    """
    rng = np.random.default_rng(0)
    names = [f"f{i}" for i in range(width)]
    small = pd.DataFrame(rng.normal(size=(5000, width)), columns=names)
    small.iloc[::10, 0] = np.nan
    y = (rng.random(5000) < 1 / (1 + np.exp(2 - 0.5 * small.fillna(0).sum(axis=1)))).astype(int)
    model = ScorecardModel(selection="iv", max_features=width, min_iv=0, max_corr=1.0)
    model.fit(small, y)
    big = pd.DataFrame(rng.normal(size=(rows, width)), columns=names)
    big.iloc[::7, 0] = np.nan
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model.points(big)
        times.append(time.perf_counter() - start)
    return min(times), len(model.features_)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    seconds, n = scoring_time()
    print(f"Scoring 1,000,000 rows x {n} characteristics: {seconds:.2f} s (best of 3)")
    path = args.data / "polish_1year.arff"
    if not path.exists():
        print(f"Polish check skipped: {path} not found (the shared data folder is absent)")
        return 0
    X, y = load_polish(path)
    print(f"Polish year 1: {X.shape[0]} rows x {X.shape[1]} ratios, bad rate {y.mean():.2%}")
    start = time.perf_counter()
    result = cv_auc(X, y)
    for name in ("finseg", "optbinning"):
        folds = ", ".join(f"{a:.3f}" for a in result[name])
        print(f"  {name:<10} AUC {np.mean(result[name]):.3f}  (folds {folds})")
    print(f"  characteristics kept by finseg per fold: {result['kept']} of {X.shape[1]}")
    print(f"  CV time {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
