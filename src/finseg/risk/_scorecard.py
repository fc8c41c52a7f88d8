"""The scorecard PD model: bins per characteristic → log-odds term per bin → points.

A scikit-learn classifier with two ways to find the bins and their terms:

* ``binning="stumps"``: bagged boosted stumps — the additive model of the Explainable
  Boosting Machine — give every characteristic's bins and log-odds terms jointly (see
  :mod:`finseg.risk._stumps`).
* ``binning="optimal"``: optbinning per characteristic, pruning by IV, by WoE correlation and
  by forward stepwise AIC, a logistic regression on WoE and a per-bin L2 refit.
* ``binning="auto"`` (default): stumps from :data:`~finseg.risk._stumps.AUTO_STUMPS_FROM`
  rows, optimal below — chosen from ``docs/benchmarks.md``: stumps win on Polish year 1,
  Taiwan and HELOC (5,400–8,400 training rows) and on Polish year 5 (4,700, so ``"auto"``
  keeps the optimal card there), the optimal card on the 800-row German credit folds, where
  the stumps' early stopping on 160-row folds is too noisy.  (Choosing by out-of-fold AUC
  was tried and lost: the stumps' early-stopped folds flatter them.)

Either way missing values are a bin of their own with a learned term (on Polish bankruptcy
data treating missing as neutral costs ~0.08 AUC).  Scoring is compiled to array look-ups
(``np.searchsorted`` over the split points), never optbinning's or LightGBM's predict, and can
be exported as one SQL expression.  Every characteristic left out is in ``dropped_`` with the
reason.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"leverage": rng.uniform(0, 1, 1000), "noise": rng.normal(size=1000)})
>>> y = (rng.random(1000) < 0.05 + 0.4 * X["leverage"]).astype(int)
>>> trends = {"leverage": "ascending", "noise": "auto_asc_desc"}
>>> model = ScorecardModel(monotonic=trends, binning="optimal").fit(X, y)
>>> model.features_, model.dropped_
(['leverage'], {'noise': 'IV 0.0147 < min_iv 0.02'})
>>> model.points(X.head(2)).round(1).tolist()
[511.2, 539.1]
>>> model.predict_proba(X.head(2))[:, 1].round(3).tolist()
[0.303, 0.142]
"""

from __future__ import annotations

import dataclasses
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import Tags, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from finseg.risk._binning import FeatureBins, bin_feature
from finseg.risk._points import bin_points, reason_codes, scaling, scorecard_table, sql_case
from finseg.risk._points import sql_number as _num
from finseg.risk._scorecard_input import ScorecardInput
from finseg.risk._scorecard_refit import refit_bins
from finseg.risk._selection import fit_logit, forward_stepwise, prune_correlated, prune_iv
from finseg.risk._stumps import (
    AUTO_STUMPS_FROM,
    fit_stumps,
    spread,
    stump_directions,
    woe_slope,
)

__all__ = ["MONOTONIC_TRENDS", "ScorecardModel"]

#: Trends a characteristic's event rate may be constrained to (optbinning's names).
MONOTONIC_TRENDS = ("ascending", "descending", "auto_asc_desc", "auto_heuristic", "auto")


class ScorecardModel(ScorecardInput, ClassifierMixin, BaseEstimator):
    """Binned logistic-regression scorecard giving a PD and points per customer.

    Parameters
    ----------
    monotonic : dict of str to str, default=None
        Event-rate trend per characteristic: ``"ascending"`` (risk rises with the value, e.g.
        leverage), ``"descending"`` or ``"auto_asc_desc"``; others get ``"auto_heuristic"``
        (``binning="stumps"``: unconstrained; ``"auto_asc_desc"`` takes the direction of the
        characteristic's rank correlation with the default flag).
    binning : {"auto", "stumps", "optimal"}, default="auto"
        ``"stumps"``: bins and terms from bagged boosted depth-1 trees (EBM-style additive
        model, :mod:`finseg.risk._stumps`); the IV, correlation, selection and WoE-regression
        parameters below are then unused.  ``"optimal"``: optbinning + logistic regression.
        ``"auto"``: stumps from ``AUTO_STUMPS_FROM`` (5,000) rows, else optimal (``binning_``).
    max_bins : int, default=12
        ``binning="stumps"``: most bins per characteristic (missing bin not counted).
    min_bin_size : float, default=0.02
        ``binning="stumps"``: smallest share of the rows on either side of a stump's split.
    max_n_prebins, min_prebin_size : int, float, default=20, 0.05
        optbinning's pre-binning: most pre-bins and smallest pre-bin share (``"optimal"``; for
        ``"stumps"`` they still group the categories of a categorical characteristic).
    min_iv : float, default=0.02
        Characteristics with a lower information value are dropped.
    max_corr : float, default=1.0
        Of two characteristics whose WoE correlate above this, the lower-IV one is dropped
        (1.0: none; the ridge refit copes with correlated characteristics).
    max_features : int, default=100
        Most characteristics in the scorecard (``"stumps"``: those with the largest spread of
        terms are kept).
    selection : {"stepwise", "iv"}, default="iv"
        ``"stepwise"``: forward selection by AIC of the logistic regression (no
        cross-validation), stopping when AIC no longer falls; ``"iv"``: the highest-IV ones.
        Either way a characteristic whose WoE coefficient has the wrong sign is dropped.
    C : float, default=1.0
        Inverse L2 penalty of the logistic regression on WoE.
    coding : {"bins", "woe"}, default="bins"
        ``"woe"``: every bin's log-odds term is ``β·WoE`` (one coefficient per characteristic);
        ``"bins"``: starting from ``β·WoE``, each bin's term is refitted on its own (one
        coefficient per bin, L2 penalty ``θ² / (2·bin_C)``), kept monotone where ``monotonic``
        gives a direction (see :mod:`finseg.risk._scorecard_refit`).  Points per bin either way.
    bin_C : float, default=0.1
        Inverse L2 penalty of the per-bin refit (``coding="bins"``).
    base_score, base_odds, pdo : float, default=600, 50, 20
        ``base_score`` points mean good:bad odds ``base_odds``; ``pdo`` points double them.
    random_state : int, RandomState or None, default=0
        Seed of the stumps' bags and feature sampling; passed to the logistic regression.

    Attributes
    ----------
    features_ : list of str
        Characteristics in the scorecard, in selection order.
    bins_ : dict of str to FeatureBins
        Per characteristic: splits or category groups, counts, WoE, IV, points and logit terms
        of each bin, missing bin last.
    coef_ : ndarray of shape (1, len(features_))
        Logistic regression of the default flag on WoE (each β ≤ 0: WoE is higher when safer);
        with ``coding="bins"`` the start of the per-bin refit, whose terms are in ``bins_``;
        with ``binning="stumps"`` the count-weighted slope of each characteristic's terms on
        its WoE (descriptive: the terms themselves are in ``bins_``).
    intercept_ : ndarray of shape (1,)
        Intercept ``α`` of the log-odds ``α + Σ`` (bin terms ``bins_[f].logit``).
    refit_status_ : str
        ``"converged"``, ``"max sweeps reached (…)"`` or ``"not run (…)"``: the per-bin refit.
    binning_ : str
        The binning used: ``"stumps"`` or ``"optimal"``.
    stump_rounds_ : list of int
        ``binning="stumps"``: the early-stopped number of stumps of each bag (empty otherwise,
        and when too few defaults to early-stop left an intercept-only card).
    iv_ : dict of str to float
        Information value of every characteristic binned successfully.
    binning_status_ : dict of str to str
        optbinning's solver status per characteristic (``"ERROR: …"`` when it raised); with
        ``binning="stumps"`` ``"STUMPS (k splits)"`` or ``"NOT SPLIT"``.
    dropped_ : dict of str to str
        Every characteristic not in the scorecard, with the reason.
    classes_, n_features_in_, feature_names_in_ : as in scikit-learn.
    """

    _parameter_constraints: ClassVar[dict] = {
        "monotonic": [dict, None],
        "binning": [StrOptions({"auto", "stumps", "optimal"})],
        "max_bins": [Interval(Integral, 1, None, closed="left")],
        "min_bin_size": [Interval(Real, 0, 0.5, closed="right")],
        "max_n_prebins": [Interval(Integral, 2, None, closed="left")],
        "min_prebin_size": [Interval(Real, 0, 0.5, closed="right")],
        "min_iv": [Interval(Real, 0, None, closed="left")],
        "max_corr": [Interval(Real, 0, 1, closed="right")],
        "max_features": [Interval(Integral, 1, None, closed="left")],
        "selection": [StrOptions({"stepwise", "iv"})],
        "C": [Interval(Real, 0, None, closed="neither")],
        "coding": [StrOptions({"bins", "woe"})],
        "bin_C": [Interval(Real, 0, None, closed="neither")],
        "base_score": [Real],
        "base_odds": [Interval(Real, 0, None, closed="neither")],
        "pdo": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        monotonic: dict[str, str] | None = None,
        binning: str = "auto",
        max_bins: int = 12,
        min_bin_size: float = 0.02,
        max_n_prebins: int = 20,
        min_prebin_size: float = 0.05,
        min_iv: float = 0.02,
        max_corr: float = 1.0,
        max_features: int = 100,
        selection: str = "iv",
        C: float = 1.0,
        coding: str = "bins",
        bin_C: float = 0.1,
        base_score: float = 600,
        base_odds: float = 50,
        pdo: float = 20,
        random_state: int | None = 0,
    ) -> None:
        self.monotonic = monotonic
        self.binning = binning
        self.max_bins = max_bins
        self.min_bin_size = min_bin_size
        self.max_n_prebins = max_n_prebins
        self.min_prebin_size = min_prebin_size
        self.min_iv = min_iv
        self.max_corr = max_corr
        self.max_features = max_features
        self.selection = selection
        self.C = C
        self.coding = coding
        self.bin_C = bin_C
        self.base_score = base_score
        self.base_odds = base_odds
        self.pdo = pdo
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    def _trend(self, name: str) -> str:
        return (self.monotonic or {}).get(name, "auto_heuristic")

    def _direction(self, fb: FeatureBins) -> int:
        """+1 / -1 when ``monotonic`` gives ``fb`` a direction (risk rising / falling across the
        bins; for ``"auto_asc_desc"`` the one optbinning chose), else 0."""
        trend = (self.monotonic or {}).get(fb.name)
        if fb.kind != "numeric" or trend not in ("ascending", "descending", "auto_asc_desc"):
            return 0
        if trend == "auto_asc_desc":
            return 1 if fb.woe[0] > fb.woe[fb.n_bins - 1] else -1
        return 1 if trend == "ascending" else -1

    def _check_monotonic(self, names: list[str]) -> None:
        """Every key of ``monotonic`` names a column and every value a known trend."""
        for name, trend in (self.monotonic or {}).items():
            if name not in names:
                raise ValueError(f"monotonic names {name!r}, which is not a column of X")
            if trend not in MONOTONIC_TRENDS:
                raise ValueError(
                    f"monotonic[{name!r}] = {trend!r}; expected one of {MONOTONIC_TRENDS}"
                )

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: object, y: object) -> ScorecardModel:
        """Bin, select, fit the logistic regression and scale to points.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Numeric and (DataFrame only) categorical characteristics; NaN allowed.
        y : array-like of shape (n_samples,)
            Two classes; the greater one (``1``) is the default / bad.

        Returns
        -------
        self : ScorecardModel
        """
        columns = self._columns(X, reset=True)
        target = self._target(y, len(columns[0]))
        names = self._names()
        self._check_monotonic(names)
        data = {n: self._prepare(c, n, self._kind(c)) for n, c in zip(names, columns, strict=True)}
        self.stump_rounds_: list[int] = []
        self.binning_ = self.binning
        if self.binning == "auto":
            self.binning_ = "stumps" if len(target) >= AUTO_STUMPS_FROM else "optimal"
        if self.binning_ == "stumps":
            self._fit_stumps(data, target)
        else:
            self._fit_optimal(data, target)
        return self

    def _seed(self) -> int:
        """An int seed for LightGBM and the bag folds from ``random_state``."""
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _fit_optimal(self, data: dict[str, np.ndarray | pd.Series], target: np.ndarray) -> None:
        """optbinning, IV / correlation / stepwise selection, WoE regression, per-bin refit."""
        binned = self._bin_all(data, target)
        self.iv_ = {n: float(fb.iv.sum()) for n, fb in binned.items()}
        kept, dropped = prune_iv(self.iv_, self.min_iv)
        woe = np.column_stack([_woe(binned[n], data[n]) for n in kept] or [np.zeros(len(target))])
        chosen, more = prune_correlated(woe[:, : len(kept)], kept, self.max_corr)
        chosen, most = self._select(woe[:, [kept.index(n) for n in chosen]], target, chosen)
        self._finish(binned, data, target, chosen, dropped | more | most)

    def _fit_stumps(self, data: dict[str, np.ndarray | pd.Series], target: np.ndarray) -> None:
        """Bins and terms from bagged boosted stumps; the largest-spread ``max_features`` kept."""
        directions = stump_directions(self.monotonic or {}, data, target)
        fit = fit_stumps(data, target, directions, self.min_bin_size, self.max_bins, self._seed())
        self.binning_status_ = fit.status
        self.stump_rounds_ = fit.rounds
        self.iv_ = {n: float(fb.iv.sum()) for n, fb in fit.bins.items()}
        ranked = sorted(fit.bins, key=lambda n: (-spread(fit.bins[n]), n))
        chosen = ranked[: self.max_features]
        self.dropped_ = {n: f"beyond max_features={self.max_features} by spread of terms"
                         for n in ranked[self.max_features :]}  # fmt: skip
        for name, state in fit.status.items():
            if state == "NOT SPLIT":
                self.dropped_[name] = "not split by any boosted stump"
            elif state.startswith("ERROR"):
                self.dropped_[name] = f"binning failed: {state}"
        self.coef_ = np.array([[woe_slope(fit.bins[n]) for n in chosen]])
        self.refit_status_ = "not run (binning='stumps')"
        terms = [fit.bins[n].logit[:-1] for n in chosen]
        self._scale({n: fit.bins[n] for n in chosen}, chosen, terms, fit.alpha)

    def _bin_all(
        self, data: dict[str, np.ndarray | pd.Series], target: np.ndarray
    ) -> dict[str, FeatureBins]:
        """optbinning per characteristic; failures go to ``dropped_`` with their status."""
        self.binning_status_: dict[str, str] = {}
        self.dropped_: dict[str, str] = {}
        binned = {}
        for name, values in data.items():
            kind = "numeric" if isinstance(values, np.ndarray) else "categorical"
            fb, status = bin_feature(
                values, target, name, kind, self._trend(name), self.max_n_prebins,
                self.min_prebin_size,
            )  # fmt: skip
            self.binning_status_[name] = status
            if fb is None:
                self.dropped_[name] = f"binning failed: {status}"
            else:
                binned[name] = fb
        return binned

    def _select(
        self, woe: np.ndarray, target: np.ndarray, names: list[str]
    ) -> tuple[list[str], dict[str, str]]:
        """Forward stepwise AIC, or the ``max_features`` highest-IV characteristics."""
        if self.selection == "stepwise":
            return forward_stepwise(woe, target, names, self.max_features, self.C)
        reason = f"beyond max_features={self.max_features} by IV"
        return names[: self.max_features], {n: reason for n in names[self.max_features :]}

    def _finish(
        self,
        binned: dict[str, FeatureBins],
        data: dict[str, np.ndarray | pd.Series],
        target: np.ndarray,
        chosen: list[str],
        dropped: dict[str, str],
    ) -> None:
        """Logistic regression on the chosen WoE, the per-bin refit, then points per bin."""
        index = {n: binned[n].lookup(data[n]) for n in chosen}
        woe = np.column_stack(
            [binned[n].extended(binned[n].woe)[index[n]] for n in chosen] or [np.zeros(len(target))]
        )
        chosen, beta, alpha, more = fit_logit(woe, target, chosen, self.C, self.random_state)
        self.dropped_ |= dropped | more
        self.features_ = chosen
        self.coef_ = beta.reshape(1, -1)
        terms = [b * binned[n].woe for n, b in zip(chosen, beta, strict=True)]
        self.refit_status_ = (
            "not run (coding='woe')" if self.coding == "woe" else "not run (no characteristic)"
        )
        if self.coding == "bins" and chosen:
            direction = [self._direction(binned[n]) for n in chosen]
            terms, alpha, self.refit_status_ = refit_bins(
                [index[n] for n in chosen], terms, direction, target, self.bin_C, alpha
            )
        self._scale(binned, chosen, terms, alpha)

    def _scale(
        self, binned: dict[str, FeatureBins], chosen: list[str], terms: list, alpha: float
    ) -> None:
        """``features_``, ``intercept_``, ``bins_`` with their terms and points per bin."""
        self.features_ = chosen
        self.intercept_ = np.array([alpha])
        factor, offset = scaling(self.base_score, self.base_odds, self.pdo)
        self.bins_ = {}
        for name, term in zip(chosen, terms, strict=True):
            fb = binned[name]
            logit = fb.extended(term)
            points = bin_points(logit, alpha, len(chosen), factor, offset)
            self.bins_[name] = dataclasses.replace(fb, points=points, logit=logit)
        self._constant = offset - factor * alpha if not chosen else 0.0

    # -------------------------------------------------------------- scoring
    def _total(self, X: object, attr: str, start: float) -> np.ndarray:
        """``start`` plus, per characteristic, ``bins_[f].<attr>`` looked up by bin index."""
        check_is_fitted(self)
        columns = self._columns(X, reset=False)
        names = self._names()
        total = np.full(len(columns[0]), start, dtype=float)
        for name in self.features_:
            fb = self.bins_[name]
            values = self._prepare(columns[names.index(name)], name, fb.kind)
            total += getattr(fb, attr)[fb.lookup(values)]
        return total

    def points(self, X: object) -> np.ndarray:
        """Scorecard points per row (higher = safer), unrounded.

        ``points = offset - factor·logit(PD)``; see :mod:`finseg.risk._points`.
        """
        return self._total(X, "points", getattr(self, "_constant", 0.0))

    def decision_function(self, X: object) -> np.ndarray:
        """Log-odds of default, ``α`` plus the term of each characteristic's bin."""
        check_is_fitted(self)
        return self._total(X, "logit", float(self.intercept_[0]))

    def predict_proba(self, X: object) -> np.ndarray:
        """``[P(classes_[0]), P(classes_[1])]`` per row; column 1 is the PD."""
        pd_ = expit(self.decision_function(X))
        return np.column_stack([1.0 - pd_, pd_])

    def predict(self, X: object) -> np.ndarray:
        """``classes_[1]`` (default) where the PD exceeds 0.5, else ``classes_[0]``."""
        logit = self.decision_function(X)
        return self.classes_[(logit > 0).astype(int)]

    def reasons(self, X: object, k: int = 3) -> pd.DataFrame:
        """Reason codes: the ``k`` characteristics losing most points against their best bin.

        Ties are broken by name; ``reason_j`` is missing when fewer than ``j`` lost points.
        """
        if not isinstance(k, Integral) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}")
        check_is_fitted(self)
        columns = self._columns(X, reset=False)
        names = self._names()
        losses = np.zeros((len(columns[0]), len(self.features_)))
        for j, name in enumerate(self.features_):
            fb = self.bins_[name]
            best = fb.points[:-1][fb.count > 0].max()
            values = self._prepare(columns[names.index(name)], name, fb.kind)
            losses[:, j] = best - fb.points[fb.lookup(values)]
        frame = reason_codes(losses, self.features_, int(k))
        if isinstance(X, pd.DataFrame):
            frame.index = X.index
        return frame

    # --------------------------------------------------------------- export
    def table(self, lang: str = "en") -> pd.DataFrame:
        """The scorecard table: characteristic, bin, count, event rate, WoE, IV, points.

        ``lang="zh"`` gives Chinese headers.  Points are rounded to 2 decimals for display.
        """
        if lang not in ("en", "zh"):
            raise ValueError(f"lang must be 'en' or 'zh'; got {lang!r}")
        check_is_fitted(self)
        return scorecard_table(self.bins_, lang)

    def to_sql(self, table_alias: str | None = None, target: str = "points") -> str:
        """One SQL expression giving the points (``target="points"``) or the PD (``"pd"``).

        Missing values are ``NULL``; numeric bins are ``col < split`` tests in order;
        an unknown category gets the neutral (WoE 0) value.  Literals carry 17 digits.
        """
        if target not in ("points", "pd"):
            raise ValueError(f"target must be 'points' or 'pd'; got {target!r}")
        check_is_fitted(self)
        attr = "points" if target == "points" else "logit"
        cases = [sql_case(self.bins_[n], getattr(self.bins_[n], attr), table_alias)
                 for n in self.features_]  # fmt: skip
        if target == "points":
            return " + ".join(cases) if cases else _num(self._constant)
        logit = " + ".join([_num(self.intercept_[0]), *cases])
        return f"1 / (1 + EXP(-({logit})))"


def _woe(fb: FeatureBins, values: np.ndarray | pd.Series) -> np.ndarray:
    """WoE of every value (unknown categories 0)."""
    return fb.extended(fb.woe)[fb.lookup(values)]
