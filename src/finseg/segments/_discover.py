"""Segment discovery: k-prototypes clustering of a run's customers on mixed data (key ratios
plus categorical dimensions), the number of clusters chosen by silhouette, and bootstrap
stability.  Profiles, the cross-tab with the taxonomy and the advice are in
:mod:`finseg.segments._discover_report`; the method is explained in ``docs/discovery.md``.

Why k-prototypes, written here in vectorised NumPy: the customer table mixes ratios with
closed vocabularies (size, lifecycle, condition, industry).  k-prototypes (Huang 1998) scores
ratios by squared Euclidean distance and categories by ``gamma`` per mismatch, so neither is
forced into the other's shape.  A Gaussian mixture on one-hot columns treats 0/1 dummies as
Gaussian (their variance collapses inside a pure cluster and BIC keeps rewarding more
components); the ``kmodes`` package loops over customers in Python, too slow for bootstrap
refits of 50,000 rows.

>>> import numpy as np
>>> X = np.array([[0.0, 0], [0.1, 0], [5.0, 1], [5.1, 1]])
>>> labels = KPrototypes(n_clusters=2, categorical=(1,), random_state=0).fit(X).labels_
>>> bool(labels[0] == labels[1] != labels[2] == labels[3])
True
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from finseg.exceptions import InsufficientDataError, UserError

__all__ = [
    "CATEGORICAL",
    "KEY_RATIOS",
    "Discovery",
    "KPrototypes",
    "MixedEncoder",
    "bootstrap_stability",
    "discover",
    "k_scores",
]

#: Ratios that describe a borrower's leverage, liquidity, debt service, profitability,
#: growth, working capital, cash generation, efficiency and solvency — one or two each, so
#: no aspect outweighs the others (see docs/discovery.md).
KEY_RATIOS = ("debt_to_assets", "current_ratio", "interest_coverage", "roa", "net_margin",
              "revenue_growth", "receivable_days", "cfo_to_debt", "asset_turnover",
              "altman_z2")  # fmt: skip
#: Categorical dimensions clustered on.  Grade is left out: it is the PD model's output, and
#: the clusters are compared with PD and default rate afterwards.
CATEGORICAL = ("size_class", "lifecycle_stage", "financial_condition", "industry_section")
_MISSING_SHARE = 0.01  # a ratio missing for >= 1% of the sample gets a missing indicator
_SILHOUETTE_ROWS = 3000


class MixedEncoder:
    """Robust standardisation of ratios plus integer codes of categories, fitted on a sample.

    Ratios are winsorised at the 1st/99th percentile, a missing value is set to the median,
    and the result is z-scored; a ratio missing for at least 1% of the sample also gets a
    0/1 missing indicator, clustered as one more categorical column.

    >>> df = pd.DataFrame({"r": [1.0, 2.0, 3.0, None], "c": ["a", "b", "a", "a"]})
    >>> enc = MixedEncoder(["r"], ["c"]).fit(df)
    >>> enc.columns, enc.transform(df).round(2).tolist()[0]
    (['r', 'c', 'r_missing'], [-1.41, 0.0, 0.0])
    """

    def __init__(self, ratios: list[str], categorical: list[str]) -> None:
        self.ratios, self.categorical = list(ratios), list(categorical)

    def fit(self, df: pd.DataFrame) -> MixedEncoder:
        values = df[self.ratios].apply(pd.to_numeric, errors="coerce").astype(float)
        values = values.replace([np.inf, -np.inf], np.nan)
        self.low_ = values.quantile(0.01)
        self.high_ = values.quantile(0.99)
        clipped = values.clip(self.low_, self.high_, axis=1)
        self.median_ = clipped.median().fillna(0.0)
        filled = clipped.fillna(self.median_)
        self.mean_, self.std_ = filled.mean(), filled.std(ddof=0).replace(0.0, 1.0).fillna(1.0)
        self.flagged_ = [r for r in self.ratios if values[r].isna().mean() >= _MISSING_SHARE]
        self.levels_ = {
            c: sorted(df[c].astype("string").fillna("—").unique()) for c in self.categorical
        }
        return self

    @property
    def columns(self) -> list[str]:
        """Names of the encoded columns: ratios, categories, missing indicators."""
        return self.ratios + self.categorical + [f"{r}_missing" for r in self.flagged_]

    @property
    def categorical_index(self) -> tuple[int, ...]:
        """Positions of the categorical columns (categories and missing indicators)."""
        return tuple(range(len(self.ratios), len(self.columns)))

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        values = df[self.ratios].apply(pd.to_numeric, errors="coerce").astype(float)
        values = values.replace([np.inf, -np.inf], np.nan)
        z = values.clip(self.low_, self.high_, axis=1).fillna(self.median_) - self.mean_
        parts = [(z / self.std_).to_numpy(float)]
        for c in self.categorical:  # an unseen level gets its own code, matching no mode
            codes = pd.Categorical(df[c].astype("string").fillna("—"), self.levels_[c]).codes
            parts.append(np.where(codes < 0, len(self.levels_[c]), codes)[:, None])
        parts += [values[r].isna().to_numpy(float)[:, None] for r in self.flagged_]
        return np.hstack(parts).astype(float)

    def z_scores(self, df: pd.DataFrame) -> pd.DataFrame:
        """The standardised ratios (no imputation: NaN stays NaN)."""
        values = df[self.ratios].apply(pd.to_numeric, errors="coerce").astype(float)
        return (values.clip(self.low_, self.high_, axis=1) - self.mean_) / self.std_


class KPrototypes(ClusterMixin, BaseEstimator):
    """k-prototypes clustering (Huang 1998): k-means on numeric columns, k-modes on the
    columns listed in ``categorical`` (integer codes), ``gamma`` per categorical mismatch.

    Parameters
    ----------
    n_clusters : int
    categorical : tuple of int
        Column positions holding category codes.
    gamma : float
        Cost of one categorical mismatch, in units of squared standard deviations; Huang
        suggests 1/3–2/3 of the numeric spread, and the ratios are z-scored, so 0.5.
    n_init, max_iter : int
        Restarts (the lowest cost wins) and Lloyd iterations per restart.
    tol : float
        Stop when at most this share of rows changes cluster in an iteration.
    random_state : int or None
    """

    def __init__(
        self,
        n_clusters: int = 3,
        categorical: tuple[int, ...] = (),
        gamma: float = 0.5,
        n_init: int = 3,
        max_iter: int = 100,
        tol: float = 0.001,
        random_state: int | None = None,
    ) -> None:
        self.n_clusters, self.categorical, self.gamma = n_clusters, categorical, gamma
        self.n_init, self.max_iter, self.tol = n_init, max_iter, tol
        self.random_state = random_state

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cat = np.zeros(X.shape[1], dtype=bool)
        cat[list(self.categorical)] = True
        return X[:, ~cat].astype(float), X[:, cat].astype(np.int64)

    def _hot(self, cat: np.ndarray) -> np.ndarray:
        """One-hot of the category codes over the levels seen in ``fit``."""
        blocks = [cat[:, [j]] == lv[None, :] for j, lv in enumerate(self.levels_)]
        return np.hstack(blocks).astype(float) if blocks else np.zeros((len(cat), 0))

    def _cost(self, num, hot, centres, modes_hot) -> np.ndarray:
        """Squared distance to each centre plus ``gamma`` per categorical mismatch (n x k)."""
        d = (num**2).sum(1)[:, None] - 2 * num @ centres.T + (centres**2).sum(1)[None, :]
        d += self.gamma * (len(self.levels_) - hot @ modes_hot.T)
        return np.maximum(d, 0.0)

    def _modes_hot(self, counts: np.ndarray) -> np.ndarray:
        """Per cluster and categorical column, 1 at the most frequent level (k x levels)."""
        out = np.zeros_like(counts)
        start = 0
        for lv in self.levels_:
            block = counts[:, start : start + len(lv)]
            out[np.arange(len(counts)), start + block.argmax(1)] = 1.0
            start += len(lv)
        return out

    def _init(self, num, hot, rng) -> tuple[np.ndarray, np.ndarray]:
        """k-means++ seeding on the mixed cost."""
        chosen = [int(rng.integers(len(num)))]
        best = self._cost(num, hot, num[chosen], hot[chosen])[:, 0]
        for _ in range(1, self.n_clusters):
            total = best.sum()
            i = (
                int(rng.choice(len(num), p=best / total))
                if total > 0
                else int(rng.integers(len(num)))
            )
            chosen.append(i)
            best = np.minimum(best, self._cost(num, hot, num[[i]], hot[[i]])[:, 0])
        return num[chosen].copy(), hot[chosen].copy()

    def _update(self, num, hot, labels, cost) -> tuple[np.ndarray, np.ndarray]:
        k, n = self.n_clusters, len(num)
        member = sparse.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
        size = np.asarray(member.sum(1)).ravel()
        centres, counts = member @ num, member @ hot
        for c in np.flatnonzero(size == 0):  # reseed an empty cluster at the worst-served row
            worst = int(cost.min(1).argmax())
            centres[c], counts[c], size[c] = num[worst], hot[worst], 1.0
            cost[worst] = 0.0
        return centres / size[:, None], self._modes_hot(counts)

    def _run(self, num, hot, rng) -> tuple[np.ndarray, np.ndarray, float, int]:
        centres, modes = self._init(num, hot, rng)
        labels, n_iter = np.full(len(num), -1), 0
        while n_iter < self.max_iter:
            n_iter += 1
            cost = self._cost(num, hot, centres, modes)
            new = cost.argmin(1)
            moved = int((new != labels).sum())
            labels = new
            if moved <= self.tol * len(num):
                break
            centres, modes = self._update(num, hot, labels, cost)
        total = float(self._cost(num, hot, centres, modes).min(1).sum())
        return centres, modes, total, n_iter

    def fit(self, X: np.ndarray, y: None = None) -> KPrototypes:
        X = validate_data(self, X, dtype=float)
        if self.n_clusters < 1 or len(X) < self.n_clusters:
            raise InsufficientDataError(
                f"k-prototypes: {len(X)} rows cannot make {self.n_clusters} clusters",
                f"k-prototypes：{len(X)} 行数据无法分为 {self.n_clusters} 个簇",
            )
        num, cat = self._split(X)
        self.levels_ = [np.unique(cat[:, j]) for j in range(cat.shape[1])]
        hot = self._hot(cat)
        rng = np.random.default_rng(self.random_state)
        runs = [self._run(num, hot, rng) for _ in range(max(1, self.n_init))]
        self.cluster_centers_, modes, self.cost_, self.n_iter_ = min(runs, key=lambda r: r[2])
        self.modes_hot_ = modes
        self.labels_ = self.predict(X)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The nearest prototype of each row (in blocks, so memory stays flat)."""
        check_is_fitted(self)
        num, cat = self._split(validate_data(self, X, dtype=float, reset=False))
        step = 65536
        return np.concatenate(
            [
                self._cost(
                    num[i : i + step],
                    self._hot(cat[i : i + step]),
                    self.cluster_centers_,
                    self.modes_hot_,
                ).argmin(1)
                for i in range(0, max(len(num), 1), step)
            ]
        ).astype(int)

    def embed(self, X: np.ndarray) -> np.ndarray:
        """Rows in a Euclidean space whose squared distances equal the k-prototypes cost:
        numeric columns as they are, each category one-hot scaled by ``sqrt(gamma / 2)``."""
        num, cat = self._split(np.asarray(X, dtype=float))
        hot = [(cat[:, [j]] == np.unique(cat[:, j])[None, :]) for j in range(cat.shape[1])]
        return np.hstack([num, *(h * np.sqrt(self.gamma / 2) for h in hot)])


def k_scores(X: np.ndarray, ks: list[int], make: Any, seed: int) -> tuple[list, dict]:
    """Silhouette (on at most 3,000 rows, Euclidean in the k-prototypes embedding) and total
    cost of a fit for each ``k``, and the fitted models by ``k``; ``make(k)`` returns an
    unfitted :class:`KPrototypes`."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(X), min(len(X), _SILHOUETTE_ROWS), replace=False)
    scores, models = [], {}
    for k in ks:
        models[k] = model = make(k).fit(X)
        labels = model.labels_[rows]
        usable = 1 < len(np.unique(labels)) < len(rows)
        sil = float(silhouette_score(model.embed(X[rows]), labels)) if usable else None
        scores.append({"k": k, "silhouette": sil, "cost": model.cost_, "n_iter": model.n_iter_})
    return scores, models


def bootstrap_stability(
    X: np.ndarray, reference: np.ndarray, make: Any, *, n_boot: int, seed: int
) -> dict[str, Any]:
    """Refit on ``n_boot`` bootstrap resamples; adjusted Rand index of each refit with the
    ``reference`` labels on the distinct customers it drew."""
    rng = np.random.default_rng(seed)
    ari = []
    for _ in range(n_boot):
        draw = rng.integers(0, len(X), len(X))
        model = make().fit(X[draw])
        seen = np.unique(draw)
        ari.append(float(adjusted_rand_score(reference[seen], model.predict(X[seen]))))
    return {
        "n_boot": n_boot,
        "ari": ari,
        "mean": float(np.mean(ari)) if ari else None,
        "min": float(np.min(ari)) if ari else None,
    }


@dataclass
class Discovery:
    """The outcome of :func:`discover`; ``labels`` (one per row of the input) are 1-based
    cluster numbers ordered by mean PD (C1 the lowest), else by size."""

    k: int
    labels: np.ndarray
    scores: list[dict[str, Any]]
    stability: dict[str, Any]
    encoder: MixedEncoder
    method: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def _features(df: pd.DataFrame, ratios, categorical) -> tuple[list[str], list[str]]:
    ratios = [r for r in ratios if r in df and df[r].notna().any()]
    categorical = [c for c in categorical if c in df]
    if len(ratios) < 2:
        raise UserError(
            f"discovery needs at least two of the ratios {', '.join(KEY_RATIOS)}; found {ratios}",
            f"聚类发现至少需要以下比率中的两个：{'、'.join(KEY_RATIOS)}；实际只有 {ratios}",
        )
    return ratios, categorical


def _order(labels: np.ndarray, df: pd.DataFrame, k: int) -> np.ndarray:
    """Renumber clusters 1..k by mean PD (size descending where PD is absent)."""
    if "pd" in df and df["pd"].notna().any():
        key = pd.Series(pd.to_numeric(df["pd"], errors="coerce").to_numpy()).groupby(labels).mean()
    else:
        key = -pd.Series(labels).value_counts()
    key = key.reindex(range(k)).fillna(np.inf)
    rank = np.empty(k, dtype=int)
    rank[np.argsort(key.to_numpy(), kind="stable")] = np.arange(1, k + 1)
    return rank[labels]


def discover(
    df: pd.DataFrame,
    *,
    k: int | str = "auto",
    max_k: int = 10,
    sample: int = 50_000,
    seed: int = 0,
    n_boot: int = 10,
    gamma: float = 0.5,
    ratios=KEY_RATIOS,
    categorical=CATEGORICAL,
) -> Discovery:
    """Cluster ``df`` (one row per customer): fit on a sample of ``sample`` rows, choose
    ``k`` (``"auto"``: best silhouette over 2..``max_k``), test stability, assign every row.

    BLAS runs single-threaded here: the products are n x k with k <= max_k, where threads
    only add overhead (14 times slower on a busy two-core machine, measured).
    """
    with threadpool_limits(1, user_api="blas"):
        return _discover(df, k, max_k, sample, seed, n_boot, gamma, ratios, categorical)


def _discover(df, k, max_k, sample, seed, n_boot, gamma, ratios, categorical) -> Discovery:
    clock = {"start": time.perf_counter()}
    ratios, categorical = _features(df, ratios, categorical)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(df), min(len(df), sample), replace=False))
    fit_df = df.iloc[rows]
    if len(fit_df) < 10:
        raise InsufficientDataError(
            f"discovery needs at least 10 customers, got {len(fit_df)}",
            f"聚类发现至少需要 10 户客户，实际 {len(fit_df)} 户",
        )
    encoder = MixedEncoder(ratios, categorical).fit(fit_df)
    X = encoder.transform(fit_df)

    def make(n: int) -> KPrototypes:
        return KPrototypes(n, encoder.categorical_index, gamma, random_state=seed)

    top = max(2, min(int(max_k), len(X) - 1))
    ks = list(range(2, top + 1)) if k == "auto" else [int(k)]
    scores, models = k_scores(X, ks, make, seed)
    clock["k"] = time.perf_counter()
    usable = [s for s in scores if s["silhouette"] is not None]
    chosen = max(usable, key=lambda s: s["silhouette"])["k"] if usable else ks[0]
    model = models[chosen]
    stability = bootstrap_stability(
        X, model.labels_, lambda: make(chosen), n_boot=n_boot, seed=seed + 1
    )
    clock["stability"] = time.perf_counter()
    labels = _order(model.predict(encoder.transform(df)), df, chosen)
    clock["assign"] = time.perf_counter()
    method = {"name": "k-prototypes", "gamma": gamma, "n_init": model.n_init, "seed": seed,
              "ratios": ratios, "categorical": categorical, "winsorise": [0.01, 0.99],
              "missing_indicators": list(encoder.flagged_), "sample": len(X), "max_k": top,
              "customers": len(df), "k_mode": "auto" if k == "auto" else "fixed"}  # fmt: skip
    names = ["start", "k", "stability", "assign"]
    timings = {b: round(clock[b] - clock[a], 3) for a, b in itertools.pairwise(names)}
    return Discovery(chosen, labels, scores, stability, encoder, method, timings)
