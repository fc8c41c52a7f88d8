"""The gradient-boosting challenger PD model: LightGBM with monotone constraints, the number of
trees chosen out of sample, and a calibration chosen out of fold.

How ``fit`` spends the data (all inside one call, nothing is held out by the caller).  The
features are binned once into one ``lightgbm.Dataset``; every part below is a subset of it.

*Below* ``holdout_from`` rows (the default, cross-validation):

1. Stratified ``cv``-fold split.  The ``cv`` boosters are trained in lockstep and stopped
   when the fold-mean validation AUC has not improved for ``early_stopping_rounds`` rounds;
   the best round is ``best_iteration_``.  AUC, not log-loss, decides: the calibrator below
   fixes the probability scale, so the trees only have to rank, and log-loss of the raw margin
   stops while the ranking still improves.  Per-fold AUCs are ``cv_auc_``; each row's
   out-of-fold raw margin comes from the booster that did not see it.  This is done for each
   candidate tree shape (LightGBM's default shape and a regularized one, see ``subsample``);
   the higher fold-mean AUC at its best round wins (``shape_``).
2. The final booster is refit on all rows with ``best_iteration_`` trees.

*From* ``holdout_from`` rows on (one hold-out part): one of the ``cv`` stratified folds is
held out, the booster trained on the other rows and early-stopped on the hold-out AUC is the
model (cut to its best round, no refit), and its hold-out margins feed the calibration.  On
that much data one hold-out part of ``n / cv`` rows estimates the stopping round and the
calibration about as well as ``cv`` folds, and the fit costs about one LightGBM fit of the
final trees instead of ``cv + 1`` of them (``validation_`` records the path taken).  The
shape is chosen by rule, not by a second fit: the "large" shape (LightGBM's, with 80 % of the
features per tree) at LightGBM's learning rate 0.1 (see ``learning_rate``); the hold-out
AUC is read from LightGBM's own hold-out scores every 5 rounds.

Calibration is chosen on the out-of-sample margins by **cross-fitting**: for each of ``cv``
stratified folds of them (2 halves of the hold-out part on the hold-out path), isotonic and
Platt (sigmoid) maps are fitted on the other folds and scored (log-loss) on this one; with
``calibration="auto"`` the lower total wins (``calibration_``, ``calibration_scores_``).  The
winner is refitted on all out-of-sample margins.  The calibrator thus never sees a label it
is judged on.  Rows on one flat isotonic step keep the order of their raw margins (a
tie-break that moves no PD by more than 1e-6), so the calibrated PD ranks rows exactly as
the booster does and loses no AUC.

Categorical columns (pandas ``category`` or string) are coded against the categories seen in
``fit``; a category unseen at predict time, like a missing value, takes LightGBM's missing
branch.  PDs are kept within ``[PD_FLOOR, 1 - PD_FLOOR]`` so that log-odds stay finite.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(400, 2))
>>> y = (rng.random(400) < 1 / (1 + np.exp(2 - 2 * X[:, 0]))).astype(int)
>>> model = GBMModel({"x0": 1}, n_estimators=30, cv=2, early_stopping_rounds=5).fit(X, y)
>>> model.monotone_constraints_
[1, 0]
>>> bool(model.predict_proba([[2.0, 0.0]])[0, 1] > model.predict_proba([[-2.0, 0.0]])[0, 1])
True
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from finseg.exceptions import InsufficientDataError
from finseg.risk._gbm_calibration import (
    CALIBRATIONS,
    PD_FLOOR,
    calibrate,
    choose_calibration,
)
from finseg.risk._gbm_fit import (
    CV_SHAPES,
    HOLDOUT_SHAPE,
    LEARNING_RATES,
    SHAPES,
    booster_params,
    category_codes,
    dataset,
    fit_cv,
    fit_holdout,
    learn_categories,
)

__all__ = ["PD_FLOOR", "GBMModel"]


class GBMModel(ClassifierMixin, BaseEstimator):
    """LightGBM PD model with monotone constraints, early stopping and calibration.

    See the module docstring for how ``fit`` uses the rows (cross-validation below
    ``holdout_from`` rows, one hold-out part from there on).

    Parameters
    ----------
    monotonic : dict of str to int, default=None
        Feature name -> +1 (risk rises with it), -1 (risk falls) or 0 (free).  Names are the
        DataFrame columns, or ``x0``, ``x1``, ... for arrays.  Categorical columns are free.
    n_estimators : int, default=2000
        Upper bound on boosting rounds; early stopping picks the number used.
    learning_rate : float or None, default=None
        LightGBM shrinkage.  None: 0.05 (half LightGBM's default; the number of trees is
        chosen anyway) with cross-validation, 0.1 (LightGBM's default) on the hold-out path:
        on 1,000,000 synthetic rows that halves the trees and the fit time for 0.0006 AUC, and
        the trees are shallower, so scoring is faster too.  The rate used is
        ``learning_rate_``.
    num_leaves, min_child_samples, colsample_bytree, reg_lambda : default=None
        LightGBM tree parameters.  None: chosen with the others left at None, see ``shape_``.
    subsample : float, default=None
        Share of the good (``classes_[0]``) rows each tree sees; every bad row is kept.
        Tree parameters left at None take the values of one of two shapes: LightGBM's default
        (31 leaves, 20 rows, no bagging) or a regularized one (15 leaves, 50 rows, 0.8 of the
        goods and of the features per tree, L2 1.0).  With cross-validation both are fitted
        and the higher fold-mean AUC wins (``shape_``, ``shape_scores_``): Polish bankruptcy
        ratios want the larger trees, the 1,000-row German credit set the regularized ones.
        On the hold-out path the "large" shape is used without a choice: LightGBM's default
        with 80 % of the features per tree (a second fit would double the cost; that much
        data supports the larger trees, and the feature sampling makes each tree 14 %
        cheaper at no loss of AUC on 1,000,000 synthetic rows).
    calibration : {"auto", "isotonic", "sigmoid", "none"}, default="auto"
        Map from raw margin to PD; "auto" keeps the lower cross-fitted out-of-fold log-loss.
    cv : int, default=5
        Stratified folds used for early stopping and for choosing the calibration; on the
        hold-out path one fold (``1 / cv`` of the rows) is the hold-out part, and the
        calibration is chosen on 2 halves of it.
    early_stopping_rounds : int, default=100
        Rounds without improvement of the validation AUC before training stops.  On the
        hold-out path a tenth of it (at least 10), checked every 5 rounds: the AUC of that
        many hold-out rows is smooth, and every round past the best one is fit time spent
        for nothing.
    holdout_from : int or None, default=200_000
        Row count from which one stratified hold-out part replaces the ``cv`` folds (fit
        cost: one booster instead of ``cv + 1``).  None: always cross-validate.
    n_jobs : int or None, default=1
        LightGBM threads (None: OpenMP default).  Keep 1 on small shared machines.
    random_state : int, RandomState or None, default=0
        Seed of the folds, bagging and feature sampling.

    Attributes
    ----------
    booster_ : lightgbm.Booster
        Final booster with ``best_iteration_`` trees: refitted on all rows (cross-validation)
        or trained on the rows outside the hold-out part.  The first of ``boosters_``.
    boosters_ : list of lightgbm.Booster
        The final boosters: one, or with ``shape_ == "blend"`` one per shape, whose raw
        margins (and SHAP contributions) are averaged.
    best_iteration_ : int
        Early-stopped best round (fold-mean AUC, or hold-out AUC).
    learning_rate_ : float
        Learning rate used (``learning_rate``, or the default of the validation path).
    shape_ : str
        Tree shape used ("lightgbm" or "regularized"; "large" on the hold-out path; "custom"
        when every tree parameter is set; "blend" when the mean margin of both shapes
        validated best); ``tree_params_`` holds the values (of every shape, for a blend).
    shape_scores_ : dict of str to float
        Fold-mean validation AUC at the best round of each shape tried, and of their blend
        (the per-fold AUC of the mean out-of-fold margin) on the cross-validation path.
    validation_ : str
        "cv" or "holdout": how the trees were counted and the calibration fitted.
    cv_auc_ : list of float
        Validation AUC of each fold's booster at ``best_iteration_`` (one entry, the hold-out
        AUC, on the hold-out path).
    calibration_ : str
        Calibration used: "isotonic", "sigmoid" or "none".
    calibration_scores_ : dict of str to float
        Cross-fitted out-of-sample log-loss of "isotonic", "sigmoid" and "none" (plain logistic
        link of the margin).
    calibrator_ : IsotonicRegression, PlattMap or None
        Fitted map from raw margin to PD (``PlattMap``: the sigmoid's slope and intercept).
    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the bad (default) class.
    n_features_in_, feature_names_in_
        As in scikit-learn.
    categories_ : dict of str to list
        Categories seen in ``fit`` of each categorical column.
    monotone_constraints_ : list of int
        Constraint vector passed to LightGBM, one entry per feature.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"leverage": [0.2, 0.9, 0.3, 0.8] * 25, "sector": ["a", "b"] * 50})
    >>> y = [0, 1, 0, 0] * 25
    >>> m = GBMModel({"leverage": 1}, n_estimators=20, cv=2, min_child_samples=5).fit(X, y)
    >>> m.calibration_ in ("isotonic", "sigmoid"), m.categories_["sector"]
    (True, ['a', 'b'])
    """

    _parameter_constraints: ClassVar[dict] = {
        "monotonic": [dict, None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [None, Interval(Real, 0, None, closed="neither")],
        "num_leaves": [None, Interval(Integral, 2, None, closed="left")],
        "min_child_samples": [None, Interval(Integral, 1, None, closed="left")],
        "subsample": [None, Interval(Real, 0, 1, closed="right")],
        "colsample_bytree": [None, Interval(Real, 0, 1, closed="right")],
        "reg_lambda": [None, Interval(Real, 0, None, closed="left")],
        "calibration": [StrOptions({"auto", "none", *CALIBRATIONS})],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "early_stopping_rounds": [Interval(Integral, 1, None, closed="left")],
        "holdout_from": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        monotonic: dict[str, int] | None = None,
        *,
        n_estimators: int = 2000,
        learning_rate: float | None = None,
        num_leaves: int | None = None,
        min_child_samples: int | None = None,
        subsample: float | None = None,
        colsample_bytree: float | None = None,
        reg_lambda: float | None = None,
        calibration: str = "auto",
        cv: int = 5,
        early_stopping_rounds: int = 100,
        holdout_from: int | None = 200_000,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = 0,
    ) -> None:
        self.monotonic = monotonic
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.calibration = calibration
        self.cv = cv
        self.early_stopping_rounds = early_stopping_rounds
        self.holdout_from = holdout_from
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.classifier_tags.multi_class = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> GBMModel:
        """Count the trees out of sample, fit the final booster and calibrate; returns ``self``.

        Raises
        ------
        ValueError
            If ``y`` is not binary, or ``monotonic`` names an unknown feature or bad sign.
        InsufficientDataError
            If either class has fewer than ``cv`` rows.
        """
        X, y01 = self._prepare_fit(X, y)
        seed = check_random_state(self.random_state).randint(2**31 - 1)
        large = self.holdout_from is not None and len(y01) >= self.holdout_from
        self.validation_ = "holdout" if large else "cv"
        shapes = self._shapes((HOLDOUT_SHAPE,) if large else CV_SHAPES)
        rate = self.learning_rate
        self.learning_rate_ = LEARNING_RATES[self.validation_] if rate is None else rate
        params = {
            name: booster_params(
                shape, self.learning_rate_, self.monotone_constraints_, self.n_jobs or 0, seed
            )
            for name, shape in shapes.items()
        }
        # Bin once, with the smallest leaf size tried (LightGBM's pre-filter of unsplittable
        # features depends on it, and it may only grow afterwards).
        smallest = min(params.values(), key=lambda p: p["min_data_in_leaf"])
        data = dataset(X, y01, self._categorical_indices(), smallest)
        splitter = StratifiedKFold(self.cv, shuffle=True, random_state=seed)
        rounds, patience = self.n_estimators, self.early_stopping_rounds
        if large:
            del X  # binned into ``data``; the raw matrix is not needed any more
            split = next(splitter.split(y01, y01))
            fitted = fit_holdout(params, data, y01, split, rounds, patience)
        else:
            fitted = fit_cv(params, data, X, y01, list(splitter.split(X, y01)), rounds, patience)
        self.boosters_, self.best_iteration_ = fitted.boosters, fitted.best_iteration
        self.booster_, self.shape_, self.cv_auc_ = fitted.boosters[0], fitted.shape, fitted.aucs
        self.shape_scores_, margin, labels = fitted.shape_scores, fitted.margin, fitted.labels
        self.tree_params_ = shapes.get(self.shape_, shapes)
        # Stratified folds depend on the labels only: on the CV path these are the folds above.
        # On the hold-out path two halves of the hold-out part are plenty (and half the cost).
        splitter = StratifiedKFold(2 if large else self.cv, shuffle=True, random_state=seed)
        folds = list(splitter.split(labels, labels))
        self.calibration_, self.calibrator_, self.calibration_scores_ = choose_calibration(
            self.calibration, margin, labels, folds
        )
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """PD (column 1) and its complement (column 0) for every row."""
        check_is_fitted(self)
        pd_ = calibrate(self.calibrator_, self.raw_margin(X))
        return np.column_stack([1 - pd_, pd_])

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds of the calibrated PD: positive exactly where ``predict`` says bad.

        Equal to :meth:`raw_margin` when ``calibration_ == "none"``.
        """
        pd_ = self.predict_proba(X)[:, 1]
        return np.log(pd_) - np.log1p(-pd_)

    def raw_margin(self, X: Any) -> np.ndarray:
        """The booster's raw (uncalibrated) log-odds margin for every row."""
        check_is_fitted(self)
        matrix = self._matrix(X, reset=False)
        margins = [
            b.predict(matrix, raw_score=True, num_threads=self.n_jobs or 0) for b in self.boosters_
        ]
        return margins[0] if len(margins) == 1 else np.mean(margins, axis=0)

    def predict(self, X: Any) -> np.ndarray:
        """The class with the larger calibrated probability (bad where PD > 0.5)."""
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def reasons(self, X: Any, k: int = 3) -> pd.DataFrame:
        """Reason codes: the ``k`` features raising each row's risk the most.

        Taken from LightGBM's SHAP contributions to the raw margin (``pred_contrib=True``);
        only positive (risk-increasing) contributions count, so a row with fewer than ``k``
        has missing values in the remaining columns ``reason_1..k``.
        """
        check_is_fitted(self)
        matrix = self._matrix(X, reset=False)
        contrib = np.mean(
            [b.predict(matrix, pred_contrib=True, num_threads=self.n_jobs or 0)
             for b in self.boosters_],
            axis=0,
        )  # fmt: skip
        contrib = contrib[:, : self.n_features_in_]
        names = np.asarray(self._feature_names(), dtype=object)
        order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
        out = {}
        for i in range(min(k, contrib.shape[1])):
            positive = np.take_along_axis(contrib, order[:, i : i + 1], axis=1)[:, 0] > 0
            out[f"reason_{i + 1}"] = pd.array(np.where(positive, names[order[:, i]], None), "str")
        return pd.DataFrame(out, index=getattr(X, "index", None))

    def _prepare_fit(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validate ``X`` and ``y``; set ``classes_`` and ``monotone_constraints_``."""
        X, y = self._matrix(X, reset=True, y=y)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(f"Only binary classification is supported; y is {y_type}.")
        self.classes_, y01 = np.unique(y, return_inverse=True)
        if len(labels := self.classes_.tolist()) < 2:
            raise ValueError(f"GBMModel needs 2 classes in y; got 1 class: {labels}")
        counts = np.bincount(y01)
        if counts.min() < self.cv:
            bad = labels[counts.argmin()]
            raise InsufficientDataError(
                f"class {bad!r} has {counts.min()} rows, fewer than cv={self.cv} folds",
                f"类别 {bad!r} 仅 {counts.min()} 行，少于 cv={self.cv} 折",
            )
        self.monotone_constraints_ = self._constraint_vector()
        return X, y01.astype(np.float64)

    def _constraint_vector(self) -> list[int]:
        """``monotonic`` as one entry per feature; unknown names and bad signs raise."""
        names = list(self._feature_names())
        vector = [0] * len(names)
        for feature, sign in (self.monotonic or {}).items():
            if feature not in names:
                raise ValueError(f"monotonic names unknown feature {feature!r}; known: {names}")
            if sign not in (-1, 0, 1) or isinstance(sign, bool):
                raise ValueError(f"monotonic[{feature!r}] must be -1, 0 or 1; got {sign!r}")
            if feature in self.categories_ and sign:
                raise ValueError(f"monotonic[{feature!r}]: categorical columns must be free")
            vector[names.index(feature)] = int(sign)
        return vector

    def _shapes(self, names: tuple[str, ...] = CV_SHAPES) -> dict[str, dict[str, float]]:
        """Candidate tree shapes: the presets ``names`` with every parameter set by the user
        fixed, or one "custom" shape when the user set them all."""
        fixed = {k: getattr(self, k) for k in SHAPES["lightgbm"] if getattr(self, k) is not None}
        if len(fixed) == len(SHAPES["lightgbm"]):
            return {"custom": fixed}
        return {name: {**SHAPES[name], **fixed} for name in names}

    def _categorical_indices(self) -> list[int]:
        return [i for i, name in enumerate(self._feature_names()) if name in self.categories_]

    def _feature_names(self) -> np.ndarray:
        if hasattr(self, "feature_names_in_"):
            return self.feature_names_in_
        return np.array([f"x{i}" for i in range(self.n_features_in_)], dtype=object)

    def _matrix(self, X: Any, *, reset: bool, y: Any = "no_validation") -> Any:
        """``X`` as a float matrix, categorical columns replaced by their codes (and ``y``)."""
        if reset:
            self.categories_ = learn_categories(X)
        if self.categories_:
            if not isinstance(X, pd.DataFrame):
                raise ValueError(
                    f"GBMModel was fitted with categorical columns {list(self.categories_)}: "
                    f"X must be a DataFrame, got {type(X).__name__}"
                )
            X = X.assign(**{c: category_codes(X[c], cats) for c, cats in self.categories_.items()})
        return validate_data(
            self, X, y, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan"
        )
