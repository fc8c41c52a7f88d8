"""PD models on real data: 5-fold stratified CV AUC of finseg's two PD estimators against
optbinning's and LightGBM's defaults on five public credit data sets.

    python benchmarks/risk_real_data.py                          # all five sets, print
    python benchmarks/risk_real_data.py --sets polish1,taiwan    # a selection
    python benchmarks/risk_real_data.py --write docs/benchmarks.md

Models, all fitted on the same folds (``StratifiedKFold(5, shuffle=True, random_state=0)``):
finseg ``ScorecardModel()``, finseg ``GBMModel(n_jobs=1)``, optbinning's default ``Scorecard``
(``BinningProcess`` defaults + ``LogisticRegression``; missing values then get WoE 0) and
``lightgbm.LGBMClassifier(n_jobs=1, verbose=-1)``.  Data are read from ``../shared/data/`` (see
its README); a set whose file is absent is skipped with a message.  Targets: finseg GBM >=
LightGBM default on every set; finseg scorecard >= optbinning default on every set and >= 0.90
on Polish year 1.  A missed target is reported as MISSED (exit code 0).  Slow: ``GBMModel`` fits
6 boosters per fit, so a full run takes many minutes.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import lightgbm as lgb
import numpy as np
import optbinning
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

# Run as a script, ``benchmarks/`` is on sys.path and the helpers import as top-level modules.
from _machine import describe
from _real_data import DATA, SETS, path_of
from _report import write_section
from finseg.risk import GBMModel, ScorecardModel, auc

HEADING = "## PD models on real data / 真实数据上的违约模型"
MODELS = ("finseg scorecard", "optbinning default", "finseg GBM", "LightGBM default")
FLOOR = {"polish1": 0.90}  # finseg scorecard minimum AUC

#: README (this machine, 2026-11-26, 5-fold CV: optbinning / LightGBM defaults) and published.
REFERENCE = {
    "polish1": "README: optbinning 0.800, LightGBM 0.956; published hold-out: LightGBM 0.960, "
    "CatBoost 0.958, ensemble 0.964 (Expert Systems 2024); Zięba et al. 2016 ≈ 0.959",
    "polish5": "README: optbinning 0.878, LightGBM 0.960; published hold-out: LightGBM 0.958, "
    "CatBoost 0.961, ensemble 0.963 (Expert Systems 2024); Zięba et al. 2016 ≈ 0.955",
    "taiwan": "README: optbinning 0.936, LightGBM 0.931",
    "german": "README: optbinning 0.783, LightGBM 0.794",
    "heloc": "— (not in the README)",
}

Fit = Callable[[pd.DataFrame, np.ndarray, pd.DataFrame], np.ndarray]


def finseg_scorecard(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
    return ScorecardModel().fit(X, y).predict_proba(X_test)[:, 1]


def finseg_gbm(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
    return GBMModel(n_jobs=1).fit(X, y).predict_proba(X_test)[:, 1]


def optbinning_default(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
    """optbinning's ``Scorecard``: default ``BinningProcess`` and a logistic regression."""
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    process = optbinning.BinningProcess(
        variable_names=list(X.columns), categorical_variables=categorical or None
    )
    card = optbinning.Scorecard(
        binning_process=process, estimator=LogisticRegression(max_iter=1000)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        card.fit(X, y)
        return card.predict_proba(X_test)[:, 1]


def lightgbm_default(X: pd.DataFrame, y: np.ndarray, X_test: pd.DataFrame) -> np.ndarray:
    return lgb.LGBMClassifier(n_jobs=1, verbose=-1).fit(X, y).predict_proba(X_test)[:, 1]


FITS: dict[str, Fit] = {
    "finseg scorecard": finseg_scorecard,
    "optbinning default": optbinning_default,
    "finseg GBM": finseg_gbm,
    "LightGBM default": lightgbm_default,
}


def run_set(key: str, data: Path) -> dict[str, list[float]]:
    """Per-fold AUC of every model on data set ``key``; progress printed as it goes."""
    X, y = SETS[key].load(data)
    print(f"{SETS[key].title}: {X.shape[0]:,} rows x {X.shape[1]}, bad rate {y.mean():.2%}")
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y))
    out: dict[str, list[float]] = {"_n": [float(len(y))], "_bad": [float(y.mean())]}
    for name, fit in FITS.items():
        started = time.perf_counter()
        out[name] = []
        for train, test in folds:
            score = fit(X.iloc[train], y[train], X.iloc[test])
            out[name].append(float(auc(y[test], score)))
        print(
            f"  {name:<20} AUC {np.mean(out[name]):.4f} ± {np.std(out[name]):.4f}"
            f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    return out


def verdicts(results: dict[str, dict[str, list[float]]]) -> list[tuple[str, str, str]]:
    """(target, detail, PASS/MISSED) for every target on the sets that ran."""
    rows = []
    for key, res in results.items():
        m = {name: float(np.mean(v)) for name, v in res.items()}
        title = SETS[key].title
        ok = m["finseg GBM"] >= m["LightGBM default"]
        rows.append((f"{title}: finseg GBM ≥ LightGBM default",
                     f"{m['finseg GBM']:.4f} vs {m['LightGBM default']:.4f}",
                     "PASS" if ok else "MISSED"))  # fmt: skip
        ok = m["finseg scorecard"] >= m["optbinning default"]
        rows.append((f"{title}: finseg scorecard ≥ optbinning default",
                     f"{m['finseg scorecard']:.4f} vs {m['optbinning default']:.4f}",
                     "PASS" if ok else "MISSED"))  # fmt: skip
        if key in FLOOR:
            ok = m["finseg scorecard"] >= FLOOR[key]
            rows.append((f"{title}: finseg scorecard ≥ {FLOOR[key]:.2f}",
                         f"{m['finseg scorecard']:.4f}", "PASS" if ok else "MISSED"))  # fmt: skip
    return rows


def cell(values: list[float]) -> str:
    return f"{np.mean(values):.4f} ± {np.std(values):.4f}"


def markdown(
    results: dict[str, dict[str, list[float]]],
    absent: dict[str, str],
    machine_lines: list[str],
    command: str,
    seconds: dict[str, float],
) -> str:
    lines = [
        HEADING,
        "",
        f"Run on {datetime.date.today().isoformat()}.  Reproduce with:",
        "",
        "```sh",
        command,
        "```",
        "",
        *machine_lines,
        f"- lightgbm {lgb.__version__}, optbinning {optbinning.__version__}, "
        f"scikit-learn {sklearn.__version__}",
        "",
        "5-fold stratified CV AUC, mean ± standard deviation over the folds (the same folds, "
        "`StratifiedKFold(5, shuffle=True, random_state=0)`, for every model).  Models: finseg "
        "`ScorecardModel()`, finseg `GBMModel(n_jobs=1)`, optbinning's default `Scorecard` "
        "(`BinningProcess` defaults + `LogisticRegression(max_iter=1000)`; missing values then "
        "get WoE 0) and `lightgbm.LGBMClassifier(n_jobs=1, verbose=-1)`.  Data from "
        "`../shared/data/` (see its README).  German credit: coded attributes as categories, "
        "`2` = bad.  HELOC: special codes −7/−8/−9 set to missing for every model.",
        "",
        "| data | rows | bad rate | " + " | ".join(MODELS) + " | time s | README / published |",
        "|---|---|---|" + "---|" * len(MODELS) + "---|---|",
    ]
    for key, ds in SETS.items():
        if key in results:
            res = results[key]
            rows, bad = res["_n"], res["_bad"]
            cells = " | ".join(cell(res[m]) for m in MODELS)
            lines.append(f"| {ds.title} | {rows[0]:,.0f} | {bad[0]:.2%} | {cells} | "
                         f"{seconds[key]:.0f} | {REFERENCE[key]} |")  # fmt: skip
        else:
            gap = " | ".join("—" for _ in MODELS)
            lines.append(f"| {ds.title} | — | — | {gap} | — | {absent.get(key, 'not run')} |")
    lines += ["", "| target | finseg vs reference | result |", "|---|---|---|"]
    lines += [f"| {t} | {d} | {r} |" for t, d, r in verdicts(results)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS), help=f"of {','.join(SETS)}")
    parser.add_argument("--data", type=Path, default=DATA, help="the data folder")
    parser.add_argument("--write", type=Path, help="markdown file to put the section in")
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.sets.split(",") if k.strip()]
    unknown = [k for k in keys if k not in SETS]
    if unknown:
        parser.error(f"unknown data set(s) {unknown}; choose from {list(SETS)}")
    machine = describe()
    command = " ".join(["python benchmarks/risk_real_data.py", *argv])
    results: dict[str, dict[str, list[float]]] = {}
    absent: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for key in keys:
        path = path_of(key, args.data)
        if not path.exists():
            absent[key] = f"skipped: {path.name} not found"
            print(f"{SETS[key].title} skipped: {path} not found")
            continue
        started = time.perf_counter()
        results[key] = run_set(key, args.data)
        seconds[key] = time.perf_counter() - started
        if args.write:  # after every set, so a long run keeps what it finished
            section = markdown(results, absent, machine.lines(), command, seconds)
            write_section(args.write, HEADING, section)
    print()
    for target, detail, result in verdicts(results):
        print(f"{result:<7} {target}  ({detail})")
    if args.write:
        print(f"wrote the section to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
