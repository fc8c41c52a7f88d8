"""PD model speed: fit and scoring time of finseg's scorecard and GBM against optbinning's and
LightGBM's own, on a seeded synthetic 1,000,000-row table.

    python benchmarks/risk_speed.py                              # 1,000,000 rows, print
    python benchmarks/risk_speed.py --rows 100000                # a quicker try
    python benchmarks/risk_speed.py --write docs/benchmarks.md   # also write its section

Not part of ``make bench`` (``benchmarks/run.py`` times CLI children only); run it by hand.
The table: 25 numeric characteristics (financial ratios with heavy tails, some missing, six
monotone in risk with a known direction, the rest weakly informative or noise) and a 0/1
default flag (~5 %) from a logistic latent model.  Contenders of each step run one after the
other, round-robin over ``--repeat``, so that load from other work hits both sides alike; the
best wall time counts.  Peak MB is the process's RSS growth during the call (psutil, sampled
every 10 ms).  LightGBM runs single-threaded on both sides by default (``--threads``): on a
busy 2-core machine two OpenMP threads made a 20,000-row fit 5-10x slower, not faster.
Targets (issue acceptance, at 1,000,000 rows): scorecard fit <= optbinning ``BinningProcess``
+ ``LogisticRegression``; scorecard ``predict_proba`` and ``points`` <= 1 s; GBM fit <=
``LGBMClassifier`` fit with the number of trees of finseg's final booster; GBM
``predict_proba`` <= LightGBM's ``Booster.predict`` of the same booster (same trees: scoring
time depends on the trees, so only the same booster isolates finseg's own cost).  For
information: ``lgb.train`` with the final booster's own parameters, and the default
``LGBMClassifier``'s ``predict_proba``.  A missed target is reported as MISSED (exit code 0).
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import optbinning
import pandas as pd
import psutil
import sklearn
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

# Run as a script, ``benchmarks/`` is on sys.path and the helpers import as top-level modules.
from _machine import describe
from _report import write_section
from finseg.risk import GBMModel, ScorecardModel
from finseg.risk._gbm_fit import booster_params

HEADING = "## PD model speed / 违约模型速度"
ACCEPTANCE_ROWS = 1_000_000
FINSEG_FIT = "finseg GBMModel.fit"
LIGHT_FIT = "LightGBM LGBMClassifier.fit (default, same trees)"
SAME_FIT = "LightGBM lgb.train (finseg's parameters, same trees, all rows)"
FINSEG_SCORE = "finseg GBMModel.predict_proba"
BOOSTER_SCORE = "LightGBM Booster.predict (finseg's booster)"
LIGHT_SCORE = "LightGBM LGBMClassifier.predict_proba (default model)"


def synthetic(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """25 characteristics, the default flag, and +1/-1 (risk rises / falls) per monotone one."""
    rng = np.random.default_rng(seed)
    f0, f1, f2 = rng.standard_normal((3, rows))  # latent credit quality
    e = lambda scale=1.0: scale * rng.standard_normal(rows)  # noqa: E731
    size = 8 + 1.5 * rng.standard_normal(rows)
    X = pd.DataFrame(
        {
            "leverage": 1.2 * expit(0.8 * f0 + e(0.6)),
            "debt_to_ebitda": np.exp(0.7 * f0 + e(0.8)),
            "interest_cover": np.exp(1 - 0.7 * f1 + e(0.9)),
            "current_ratio": np.exp(0.3 - 0.4 * f0 - 0.3 * f2 + e(0.5)),
            "roa": 0.05 - 0.04 * f1 + 0.05 * rng.standard_t(3, rows),
            "max_days_past_due": rng.poisson(np.exp(0.8 * f2 - 1)).astype(float),
            "log_assets": size,
            "age_years": rng.gamma(2.0, 6.0, rows),
            "sales_growth": 0.1 * f1 * np.abs(f1) + 0.2 * rng.standard_t(2, rows),
            **{f"noise_{i:02d}": _noise(rng, rows, i) for i in range(1, 17)},
        }
    )
    for name, share in {"debt_to_ebitda": 0.04, "interest_cover": 0.06, "roa": 0.02,
                        "noise_01": 0.10, "sales_growth": 0.03}.items():  # fmt: skip
        X.loc[rng.random(rows) < share, name] = np.nan
    latent = 0.9 * f0 + 0.6 * f1 + 0.5 * f2 + 0.15 * ((size - 8) / 1.5) ** 2
    shift = brentq(lambda c: expit(latent[:100_000] + c).mean() - 0.05, -20, 20)
    y = (rng.random(rows) < expit(latent + shift)).astype(int)
    signs = {"leverage": 1, "debt_to_ebitda": 1, "interest_cover": -1, "current_ratio": -1,
             "roa": -1, "max_days_past_due": 1}  # fmt: skip
    return X, y, signs


def _noise(rng: np.random.Generator, rows: int, i: int) -> np.ndarray:
    """Uninformative columns: heavy-tailed ratios, log-normal amounts, normals, uniforms."""
    kind = i % 4
    if kind == 0:
        return rng.standard_t(2, rows)
    if kind == 1:
        return rng.lognormal(0, 1.5, rows)
    return rng.standard_normal(rows) if kind == 2 else rng.uniform(0, 1, rows)


@dataclass
class Timing:
    seconds: list[float]
    cpu: list[float]
    peak_mb: float = 0.0

    @property
    def best(self) -> float:
        return min(self.seconds)


def race(fns: dict[str, Callable[[], object]], repeat: int) -> tuple[dict[str, Timing], dict]:
    """Round-robin ``repeat`` calls of each; timings and the last result of each."""
    timings = {name: Timing([], []) for name in fns}
    results: dict[str, object] = {}
    process = psutil.Process()
    for _ in range(repeat):
        for name, fn in fns.items():
            base, peak, done = process.memory_info().rss, [0], threading.Event()

            def sample(base: int = base, peak: list = peak, done: threading.Event = done) -> None:
                while not done.wait(0.01):
                    peak[0] = max(peak[0], process.memory_info().rss - base)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            wall, cpu = time.perf_counter(), time.process_time()
            results[name] = fn()
            timings[name].seconds.append(time.perf_counter() - wall)
            timings[name].cpu.append(time.process_time() - cpu)
            done.set()
            sampler.join()
            timings[name].peak_mb = max(timings[name].peak_mb, peak[0] / 1e6)
            print(f"  {name:<42} {timings[name].seconds[-1]:8.2f} s", flush=True)
    return timings, results


def optbinning_fit(X: pd.DataFrame, y: np.ndarray) -> LogisticRegression:
    """optbinning's default ``BinningProcess`` then a logistic regression on its WoE."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        woe = optbinning.BinningProcess(variable_names=list(X.columns)).fit_transform(X, y)
        return LogisticRegression(max_iter=1000).fit(woe, y)


def numpy_lookup(model: ScorecardModel, X: pd.DataFrame) -> np.ndarray:
    """The floor: ``searchsorted`` over the scorecard's own splits, NaN to the missing bin."""
    total = np.zeros(len(X))
    for name in model.features_:
        fb = model.bins_[name]
        x = X[name].to_numpy(dtype=float, na_value=np.nan)
        index = np.searchsorted(fb.splits, x, side="right")
        index[np.isnan(x)] = len(fb.splits) + 1
        total += fb.points[index]
    return total


def run(X: pd.DataFrame, y: np.ndarray, signs: dict[str, int], args: argparse.Namespace) -> dict:
    trends = {k: "ascending" if s > 0 else "descending" for k, s in signs.items()}
    fit_r, score_r, threads = args.fit_repeat, args.repeat, args.threads
    print("1. scorecard fit")
    t1, fitted = race({"finseg ScorecardModel.fit": lambda: ScorecardModel(trends).fit(X, y),
                       "optbinning BinningProcess + LR": lambda: optbinning_fit(X, y)},
                      fit_r)  # fmt: skip
    card: ScorecardModel = fitted["finseg ScorecardModel.fit"]
    print("2. scorecard scoring (fitting optbinning's Scorecard first, untimed)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        process = optbinning.BinningProcess(variable_names=list(X.columns))
        opt_card = optbinning.Scorecard(process, LogisticRegression(max_iter=1000)).fit(X, y)
    t2, _ = race({"finseg ScorecardModel.predict_proba": lambda: card.predict_proba(X),
                  "finseg ScorecardModel.points": lambda: card.points(X),
                  "optbinning Scorecard.score": lambda: opt_card.score(X),
                  "numpy searchsorted look-up (floor)": lambda: numpy_lookup(card, X)},
                 score_r)  # fmt: skip
    print(f"3. GBM fit ({threads} threads each)")
    t3, gbm = race({FINSEG_FIT: lambda: GBMModel(signs, n_jobs=threads).fit(X, y)}, fit_r)
    model: GBMModel = gbm[FINSEG_FIT]
    trees = model.booster_.num_trees()
    light = lambda: lgb.LGBMClassifier(n_estimators=trees, n_jobs=threads, verbose=-1)  # noqa: E731
    t3b, lfit = race({LIGHT_FIT: lambda: light().fit(X, y),
                      SAME_FIT: lambda: same_shape_fit(model, X, y, trees)}, fit_r)  # fmt: skip
    t3 |= t3b
    lgbm = lfit[LIGHT_FIT]
    print("4. GBM scoring")
    t4, _ = race({FINSEG_SCORE: lambda: model.predict_proba(X),
                  BOOSTER_SCORE: lambda: model.booster_.predict(X, num_threads=threads),
                  LIGHT_SCORE: lambda: lgbm.predict_proba(X)}, score_r)  # fmt: skip
    return {"fit": t1, "score": t2, "gbm fit": t3, "gbm score": t4, "trees": trees,
            "card features": len(card.features_), "calibration": model.calibration_,
            "validation": model.validation_, "learning rate": model.learning_rate_}  # fmt: skip


def same_shape_fit(model: GBMModel, X: pd.DataFrame, y: np.ndarray, trees: int) -> lgb.Booster:
    """LightGBM alone with the final booster's parameters (shape, learning rate, monotone
    constraints) and trees, on every row: finseg's fit without validation or calibration
    (of a blend of shapes, the first shape's)."""
    shape = model.tree_params_
    shape = shape if "num_leaves" in shape else next(iter(shape.values()))
    params = booster_params(
        shape, model.learning_rate_, model.monotone_constraints_, model.n_jobs or 0, 0
    )
    return lgb.train(params, lgb.Dataset(X, y, params=params), trees)


def versus(a: Timing, b: Timing, digits: int) -> tuple[str, bool]:
    """Best wall and CPU seconds of ``a`` vs ``b``, and whether ``a`` is no slower (wall)."""
    wall = f"{a.best:.{digits}f} s vs {b.best:.{digits}f} s"
    return f"{wall}; CPU {min(a.cpu):.1f} vs {min(b.cpu):.1f} s", a.best <= b.best


def verdicts(res: dict) -> list[tuple[str, str, bool | None]]:
    """(target, finseg vs reference, met) for the acceptance targets; met None: information."""
    fit, score, gfit, gscore = (res[k] for k in ("fit", "score", "gbm fit", "gbm score"))
    rows: list[tuple[str, str, bool | None]] = []
    rows.append(("scorecard fit ≤ BinningProcess + LR", *versus(*fit.values(), 1)))
    for name in ("predict_proba", "points"):
        s = score[f"finseg ScorecardModel.{name}"].best
        rows.append((f"scorecard {name} ≤ 1 s", f"{s:.2f} s", s <= 1.0))
    trees = res["trees"]
    rows.append((f"GBM fit ≤ LGBMClassifier fit, {trees} trees",
                 *versus(gfit[FINSEG_FIT], gfit[LIGHT_FIT], 1)))  # fmt: skip
    rows.append((f"GBM fit vs LightGBM with finseg's parameters, {trees} trees (info)",
                 versus(gfit[FINSEG_FIT], gfit[SAME_FIT], 1)[0], None))  # fmt: skip
    rows.append(("GBM predict_proba ≤ Booster.predict, same booster",
                 *versus(gscore[FINSEG_SCORE], gscore[BOOSTER_SCORE], 2)))  # fmt: skip
    rows.append((f"GBM predict_proba vs default LGBMClassifier, {trees} trees (info)",
                 versus(gscore[FINSEG_SCORE], gscore[LIGHT_SCORE], 2)[0], None))  # fmt: skip
    return rows


def verdict(ok: bool | None) -> str:
    return "info" if ok is None else "PASS" if ok else "MISSED"


def table(res: dict) -> list[list[str]]:
    out = [["step", "contender", "best wall s", "median wall s", "CPU s", "peak MB", "runs"]]
    for step in ("fit", "score", "gbm fit", "gbm score"):
        for name, t in res[step].items():
            out.append([step, name, f"{t.best:.2f}", f"{statistics.median(t.seconds):.2f}",
                        f"{min(t.cpu):.1f}", f"{t.peak_mb:,.0f}", str(len(t.seconds))])  # fmt: skip
    return out


def markdown(res: dict, rows: int, machine_lines: list[str], command: str) -> str:
    cells = table(res)
    lines = [HEADING, "", f"Run on {datetime.date.today().isoformat()}.  Reproduce with:", "",
             "```sh", command, "```", "", *machine_lines,
             f"- lightgbm {lgb.__version__}, optbinning {optbinning.__version__}, "
             f"scikit-learn {sklearn.__version__}", "",
             f"Synthetic table of {rows:,} rows × 25 numeric characteristics, ~5 % defaults "
             f"(`synthetic()` in the script).  finseg `ScorecardModel(monotonic=…)` (6 trends "
             f"given; {res['card features']} characteristics selected) against optbinning's "
             "default `BinningProcess` + `LogisticRegression(max_iter=1000)`; scoring against "
             "optbinning's `Scorecard.score` and a bare numpy `searchsorted` look-up over the "
             f"same bins.  finseg `GBMModel(monotonic=…, n_jobs=…)` — its fit includes counting "
             f"the trees out of sample ({res['validation']}, learning rate "
             f"{res['learning rate']}), the final booster and the calibration "
             f"({res['calibration']}) — against `LGBMClassifier(n_estimators={res['trees']})` "
             "(the final booster's number of trees, nothing else), same threads; for "
             "information also against `lgb.train` with the final booster's own parameters "
             "(shape, learning rate, monotone constraints) and trees on every row.  Scoring: "
             "the scoring target is judged against LightGBM's `Booster.predict` of finseg's "
             "own booster on the same DataFrame (the same trees, so the comparison measures "
             "finseg's wrapper: input checks, categorical coding, calibration); the default "
             "`LGBMClassifier`'s `predict_proba` is shown for information, as its trees differ "
             "(no monotone constraints, another depth profile) and scoring time grows with "
             "tree depth.  Contenders alternate; the best wall time counts (CPU s, this "
             "process's CPU time, is less distorted by other work on the machine); peak MB is "
             "RSS growth during the call.", "",
             "| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]  # fmt: skip
    lines += ["| " + " | ".join(c) + " |" for c in cells[1:]]
    lines += ["", "| target | finseg vs reference | result |", "|---|---|---|"]
    note = "" if rows == ACCEPTANCE_ROWS else f" (at {rows:,} rows; the target is for 1,000,000)"
    for target, detail, ok in verdicts(res):
        lines.append(f"| {target} | {detail} | {verdict(ok)}{note if ok is not None else ''} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ACCEPTANCE_ROWS, help="rows of the table")
    parser.add_argument("--seed", type=int, default=0, help="seed of the table")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scoring call")
    parser.add_argument("--fit-repeat", type=int, default=1, help="runs of each fit")
    parser.add_argument("--threads", type=int, default=1, help="LightGBM threads, both sides")
    parser.add_argument("--write", type=Path, help="markdown file to put the section in")
    args = parser.parse_args(argv)
    machine = describe()  # before the runs: the load average at the start
    started = time.perf_counter()
    X, y, signs = synthetic(args.rows, args.seed)
    print(f"{len(X):,} rows x {X.shape[1]}, bad rate {y.mean():.2%} "
          f"({time.perf_counter() - started:.1f} s to generate)")  # fmt: skip
    res = run(X, y, signs, args)
    print()
    cells = table(res)
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print()
    for target, detail, ok in verdicts(res):
        print(f"{verdict(ok):<7} {target}  ({detail})")
    if args.write:
        command = " ".join(["python benchmarks/risk_speed.py", *argv])
        write_section(args.write, HEADING, markdown(res, args.rows, machine.lines(), command))
        print(f"wrote the section to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
