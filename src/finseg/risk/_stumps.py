"""Boosted-stump binning: the scorecard's bins and their log-odds terms from depth-1 boosting.

The additive-model idea of the Explainable Boosting Machine (Lou, Caruana & Gehrke 2012,
"Intelligible models for classification and regression"; Nori et al. 2019, InterpretML) and of
boosted stumps as a GAM (Friedman, Hastie & Tibshirani 2000, "Additive logistic regression"):
LightGBM trees of depth 1 each split **one** characteristic, so the booster's log-odds is a sum
over characteristics of step functions.  The union of a characteristic's split thresholds gives
its bins and the summed leaf values of each bin its log-odds term — a scorecard, learned jointly
(each stump is fitted to what the others leave unexplained) instead of one characteristic at a
time.  How it is fitted:

* **Bags**: :data:`N_BAGS` stratified folds; on each, a booster is trained on the other folds and
  early-stopped (log-loss) on this one; the card is the **mean** of the boosters (still one step
  function per characteristic).  From :data:`ONE_BAG_FROM` rows one such booster is the card.
* Each stump considers a random :data:`FEATURE_SHARE` of the characteristics, so correlated ones
  share the signal (EBM's round-robin does the same by cycling): +0.001–0.002 AUC on HELOC.
* Every leaf holds at least ``min_bin_size`` of the rows; ``monotonic`` directions become
  LightGBM ``monotone_constraints`` (each stump monotone, so their sum is too).
* **Missing** values: each stump sends NaN to one side, so the missing slot's term is the sum
  of the leaves NaN reached — learned from the missing rows, never a neutral 0.  A
  characteristic with no missing value in training gets a neutral (0) missing term.
* **Categorical** characteristics are first grouped by optbinning (as in the optimal binning)
  and enter the booster as the group's WoE; thresholds on it merge adjacent groups.
* At most ``max_bins`` bins per characteristic: adjacent bins whose terms differ least are
  merged (count-weighted mean), which keeps monotone terms monotone.
* Terms are centred (count-weighted mean 0 per characteristic, the shift moved into ``α``).

Thresholds: LightGBM sends ``x <= t`` left; the card's bins are ``[a, b)`` intervals, so a split
``t`` becomes ``nextafter(t, +inf)`` — the same rows on either side, exactly.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.uniform(0, 1, 3000)
>>> y = (rng.random(3000) < np.where(x > 0.5, 0.3, 0.05)).astype(int)
>>> fit = fit_stumps({"x": x}, y, {"x": 1}, min_bin_size=0.02, max_bins=12, seed=0)
>>> fb = fit.bins["x"]
>>> bool(np.all(np.diff(fb.logit[: fb.n_bins]) >= 0)), fb.n_bins <= 12
(True, True)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from finseg.risk._binning import FeatureBins, _empty, _with_statistics, bin_feature

__all__ = [
    "AUTO_STUMPS_FROM",
    "FIT_ROWS",
    "N_BAGS",
    "ONE_BAG_FROM",
    "StumpFit",
    "bag_folds",
    "fit_rows",
    "fit_stumps",
    "merge_runs",
    "spread",
    "stump_directions",
    "woe_slope",
]

#: ``ScorecardModel(binning="auto")`` uses the stumps from this many rows (optimal below).
AUTO_STUMPS_FROM = 5_000
#: Bags (stratified folds) averaged below :data:`ONE_BAG_FROM` rows.
N_BAGS = 5
ONE_BAG_FROM = 200_000
#: From this many rows the stumps are boosted on a stratified sample of this size: a
#: characteristic's bins and terms are averages over many customers, which a sample of
#: 200,000 pins down, and the fit then costs the same on any larger book.
FIT_ROWS = 200_000
#: Learning rate, most rounds and early-stopping patience of every booster.
LEARNING_RATE = 0.1
MAX_ROUNDS = 5000
PATIENCE = 100
#: Share of the characteristics each stump may split (LightGBM ``feature_fraction_bynode``).
FEATURE_SHARE = 0.3


@dataclass(frozen=True)
class StumpFit:
    """Result of :func:`fit_stumps`.

    ``bins``: per characteristic split by at least one stump, its :class:`FeatureBins` with
    ``logit`` (centred terms, unknown category last, 0); ``alpha``: the intercept; ``rounds``:
    the early-stopped rounds of each bag; ``status``: per characteristic ``"STUMPS (k splits)"``,
    ``"NOT SPLIT"`` or the grouping error of a categorical one.
    """

    bins: dict[str, FeatureBins]
    alpha: float
    rounds: list[int]
    status: dict[str, str]


def fit_stumps(
    data: dict[str, np.ndarray | pd.Series],
    y: np.ndarray,
    directions: dict[str, int],
    min_bin_size: float,
    max_bins: int,
    seed: int,
) -> StumpFit:
    """Bins and log-odds terms of every characteristic from bagged boosted stumps.

    ``data`` maps names to float arrays (numeric) or Series (categorical); ``directions`` gives
    +1 (risk rises with the value) / -1 per numeric characteristic with a known direction.
    """
    status: dict[str, str] = {}
    groups = _group_categories(data, y, status)
    names = [n for n in data if n not in status]
    columns = [_coded(data[n], groups.get(n)) for n in names]
    matrix = np.column_stack(columns) if columns else np.zeros((len(y), 0))
    monotone = [directions.get(n, 0) for n in names]
    rows = fit_rows(y, seed)
    trees, rounds = _boost(matrix[rows], y[rows], monotone, min_bin_size, seed)
    per_feature: dict[int, list[tuple[dict, float]]] = {}
    alpha = 0.0
    for node, weight in trees:
        if "split_feature" in node:
            per_feature.setdefault(node["split_feature"], []).append((node, weight))
        else:
            alpha += weight * node["leaf_value"]
    bins = {}
    for j, name in enumerate(names):
        if j not in per_feature:
            status[name] = "NOT SPLIT"
            continue
        fb, shift = _feature_bins(name, data[name], matrix[:, j], groups.get(name),
                                  per_feature[j], y, max_bins, min_bin_size * len(y))  # fmt: skip
        bins[name] = fb
        alpha += shift
        status[name] = f"STUMPS ({fb.n_bins - 1} splits)"
    return StumpFit(bins, alpha, rounds, status)


def _group_categories(
    data: dict[str, np.ndarray | pd.Series], y: np.ndarray, status: dict[str, str]
) -> dict[str, FeatureBins]:
    """optbinning's category groups of every categorical characteristic (failures in status)."""
    groups = {}
    for name, values in data.items():
        if isinstance(values, np.ndarray):
            continue
        fb, solver = bin_feature(values, y, name, "categorical", "auto_heuristic", 20, 0.05)
        if fb is None:
            status[name] = f"ERROR: category grouping failed: {solver}"
        else:
            groups[name] = fb
    return groups


def _coded(values: np.ndarray | pd.Series, groups: FeatureBins | None) -> np.ndarray:
    """The booster's column: the numeric values, or the WoE of a category's group (NaN missing)."""
    if groups is None:
        return np.asarray(values, dtype=float)
    return np.append(groups.woe[: groups.n_bins], [np.nan, np.nan])[groups.lookup(values)]


def _boost(
    matrix: np.ndarray, y: np.ndarray, monotone: list[int], min_bin_size: float, seed: int
) -> tuple[list[tuple[dict, float]], list[int]]:
    """Every tree of every bag as ``(tree_structure, 1 / bags)`` and each bag's rounds."""
    folds = bag_folds(y, seed)
    if not folds or matrix.shape[1] == 0:  # too few defaults to early-stop: intercept only
        return [({"leaf_value": float(np.log(y.mean() / (1 - y.mean())))}, 1.0)], []
    params = {
        "objective": "binary",
        "max_depth": 1,
        "num_leaves": 2,
        "learning_rate": LEARNING_RATE,
        "min_data_in_leaf": max(1, math.ceil(min_bin_size * len(y))),
        "feature_fraction_bynode": FEATURE_SHARE,
        "monotone_constraints": monotone,
        "zero_as_missing": False,
        "num_threads": 1,
        "seed": seed,
        "deterministic": True,
        "verbose": -1,
    }
    full = lgb.Dataset(matrix, y, params=params, free_raw_data=True).construct()
    trees: list[tuple[dict, float]] = []
    rounds = []
    for train, valid in folds:
        stop = lgb.early_stopping(PATIENCE, verbose=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            booster = lgb.train(
                {**params, "metric": "binary_logloss"},
                full.subset(train),
                MAX_ROUNDS,
                valid_sets=[full.subset(valid)],
                callbacks=[stop],
            )
        best = booster.best_iteration or booster.current_iteration()
        rounds.append(int(best))
        dump = booster.dump_model(num_iteration=best)
        trees += [(t["tree_structure"], 1.0 / len(folds)) for t in dump["tree_info"]]
    return trees, rounds


def fit_rows(y: np.ndarray, seed: int, limit: int = FIT_ROWS) -> np.ndarray:
    """The rows the stumps are boosted on: all of them up to ``limit``, else a stratified
    random sample of ``limit`` rows (each class in its share), in their original order.

    >>> y = np.r_[np.zeros(900, int), np.ones(100, int)]
    >>> rows = fit_rows(y, 0, limit=200)
    >>> len(rows), int(y[rows].sum())
    (200, 20)
    """
    n = len(y)
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    picked = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        take = max(1, round(limit * len(members) / n))
        picked.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(picked))


def bag_folds(y: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The bags' stratified ``(train, valid)`` folds: :data:`N_BAGS` (fewer when a class has
    fewer rows, none below 2), only the first from :data:`ONE_BAG_FROM` rows."""
    n_bags = min(N_BAGS, int(np.bincount(y).min()))
    if n_bags < 2:
        return []
    folds = list(StratifiedKFold(n_bags, shuffle=True, random_state=seed).split(y, y))
    return folds[:1] if len(y) >= ONE_BAG_FROM else folds


def _stump_values(stumps: list[tuple[dict, float]], x: np.ndarray) -> np.ndarray:
    """Sum of the weighted stumps' leaf values at ``x`` (NaN follows each stump's missing side;
    with no missing value in training LightGBM's side for NaN is that of 0)."""
    total = np.zeros(len(x))
    for node, weight in stumps:
        t = node["threshold"]
        nan_left = node["default_left"] if node["missing_type"] == "NaN" else t >= 0.0
        left = np.where(np.isnan(x), nan_left, x <= t)
        total += weight * np.where(left, node["left_child"]["leaf_value"],
                                   node["right_child"]["leaf_value"])  # fmt: skip
    return total


def _feature_bins(
    name: str,
    values: np.ndarray | pd.Series,
    coded: np.ndarray,
    groups: FeatureBins | None,
    stumps: list[tuple[dict, float]],
    y: np.ndarray,
    max_bins: int,
    min_count: float,
) -> tuple[FeatureBins, float]:
    """One characteristic's capped bins with statistics and centred terms, and the shift."""
    thresholds = np.unique([node["threshold"] for node, _ in stumps])
    splits = np.nextafter(thresholds, np.inf)
    terms = _stump_values(stumps, np.concatenate([[-np.inf], splits, [np.nan]]))
    index = np.searchsorted(splits, coded, side="right")
    index[np.isnan(coded)] = len(splits) + 1
    count = np.bincount(index, minlength=len(terms)).astype(float)
    runs = merge_runs(terms[:-1], count[:-1], max_bins, min_count)
    merged = np.array([np.average(terms[r], weights=count[r] + 1e-12) for r in runs])
    if groups is None:
        shell = FeatureBins(name, "numeric", splits[[r[0] - 1 for r in runs[1:]]], (),
                            *_empty(len(runs) - 1))  # fmt: skip
    else:
        edges = np.concatenate([[-np.inf], splits, [np.inf]])
        code = groups.woe[: groups.n_bins]
        member = [[g for g, c in zip(groups.groups, code, strict=True)
                   if edges[r[0]] <= c < edges[r[-1] + 1]] for r in runs]  # fmt: skip
        keep = [k for k, m in enumerate(member) if m]
        merged = merged[keep]
        shell = FeatureBins(name, "categorical", np.zeros(0),
                            tuple(tuple(c for g in member[k] for c in g) for k in keep),
                            *_empty(len(keep) - 1))  # fmt: skip
    fb = _with_statistics(shell, values, y)
    missing = terms[-1] if fb.count[-1] > 0 else 0.0
    term = np.append(merged, missing)
    shift = float(np.average(term, weights=fb.count)) if fb.count.sum() else 0.0
    term = np.where((fb.count > 0) | (np.arange(len(term)) < fb.n_bins), term - shift, 0.0)
    return replace(fb, logit=fb.extended(term)), shift


def merge_runs(
    terms: np.ndarray, count: np.ndarray, max_bins: int, min_count: float = 0.0
) -> list[list[int]]:
    """Adjacent bins grouped into runs: first every run smaller than ``min_count`` rows (an
    empty one included) joins the neighbour whose term is closest, then the two neighbours
    whose (count-weighted) terms differ least merge until at most ``max_bins`` runs are left;
    equal neighbours always merge.

    >>> merge_runs(np.array([0.0, 0.1, 1.0, 1.0, 2.0]), np.ones(5), 3)
    [[0, 1], [2, 3], [4]]
    >>> merge_runs(np.array([0.0, 5.0, 1.0]), np.array([10.0, 0.0, 10.0]), 3, min_count=1)
    [[0], [1, 2]]
    """
    runs = [[i] for i in range(len(terms))]
    value = [float(t) for t in terms]
    weight = [float(c) for c in count]
    while len(runs) > 1:
        gaps = np.abs(np.diff(value))
        small = [k for k in range(len(runs)) if weight[k] < min_count or weight[k] == 0]
        if small:
            k = min(small, key=lambda i: (weight[i], i))
            right = k + 1 < len(runs) and (k == 0 or gaps[k] < gaps[k - 1])
            k = k if right else k - 1
        else:
            k = int(np.argmin(gaps))
            if len(runs) <= max_bins and gaps[k] > 0:
                break
        w = weight[k] + weight[k + 1]
        if w > 0:
            value[k] = (value[k] * weight[k] + value[k + 1] * weight[k + 1]) / w
        weight[k] = w
        runs[k] += runs[k + 1]
        del runs[k + 1], value[k + 1], weight[k + 1]
    return runs


def stump_directions(
    monotonic: dict[str, str], data: dict[str, np.ndarray | pd.Series], y: np.ndarray
) -> dict[str, int]:
    """+1 / -1 per numeric characteristic whose trend is given: ``"ascending"`` /
    ``"descending"``, and for ``"auto_asc_desc"`` the sign of its rank correlation with ``y``."""
    out = {}
    for name, trend in monotonic.items():
        values = data.get(name)
        if not isinstance(values, np.ndarray) or trend not in ("ascending", "descending",
                                                                "auto_asc_desc"):  # fmt: skip
            continue
        if trend == "auto_asc_desc":
            seen = ~np.isnan(values)
            rank = pd.Series(values[seen]).rank().to_numpy()
            with np.errstate(invalid="ignore", divide="ignore"):
                corr = np.nan_to_num(np.corrcoef(rank, y[seen])[0, 1]) if seen.sum() > 1 else 0.0
            out[name] = 1 if corr >= 0 else -1
        else:
            out[name] = 1 if trend == "ascending" else -1
    return out


def spread(fb: FeatureBins) -> float:
    """Count-weighted standard deviation of a characteristic's terms: its weight in the card."""
    term = fb.logit[: fb.n_bins + 1]
    return float(np.sqrt(np.average(term**2, weights=fb.count))) if fb.count.sum() else 0.0


def woe_slope(fb: FeatureBins) -> float:
    """Count-weighted least-squares slope of the terms on the WoE (< 0: ranks like the WoE)."""
    if not fb.count.sum():
        return 0.0
    woe = fb.woe - np.average(fb.woe, weights=fb.count)
    variance = float(np.average(woe**2, weights=fb.count))
    term = fb.logit[: fb.n_bins + 1]
    return float(np.average(woe * term, weights=fb.count) / variance) if variance > 0 else 0.0
