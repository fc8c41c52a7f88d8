"""Segment-specific PD models with a pooled fallback, chosen per segment by cross-validation.

The seed asks for one standard with a different emphasis per segment: growth firms judged
more on business potential, mature ones on financial stability.  :class:`SegmentedModel`
fits one model per segment of a column (e.g. ``lifecycle_stage``) and one pooled model on all
rows, then keeps, for each segment, whichever predicts that segment's customers better out of
fold:

1. a segment with fewer than ``min_defaults`` defaults (or non-defaults) keeps the pooled
   model — too few events to estimate a model of its own;
2. otherwise both are cross-validated on the same stratified folds (the pooled model trained
   on every training row, the segment model on the segment's training rows) and the segment
   model is kept only where its out-of-fold AUC on the segment is strictly higher.

``comparison_`` holds the per-segment table (rows, defaults, both AUCs, the choice and the
reason) and ``oof_`` the out-of-fold PDs of the chosen combination — the choice was made on
those same folds, so their AUC is mildly optimistic; the report says so.  Rows of a segment
never seen in training, or with a missing segment, are scored by the pooled model.

>>> import numpy as np, pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> rng = np.random.default_rng(0)
>>> n = 4000
>>> X = pd.DataFrame({"stage": rng.choice(["growth", "mature"], n), "x": rng.normal(size=n)})
>>> slope = np.where(X["stage"] == "growth", 2.0, -2.0)     # opposite effect per segment
>>> y = (rng.random(n) < 1 / (1 + np.exp(2 - slope * X["x"]))).astype(int)
>>> m = SegmentedModel(LogisticRegression(), segment="stage", min_defaults=50).fit(X, y)
>>> m.comparison_[["segment", "chosen"]].values.tolist()
[['growth', 'segment'], ['mature', 'segment']]
>>> m.predict_proba(X.head(2)).shape
(2, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from finseg.exceptions import UserError
from finseg.risk._metrics import auc

__all__ = ["MISSING_SEGMENT", "SegmentedModel"]

#: The segment label of rows whose segment value is missing (always scored by the pooled model).
MISSING_SEGMENT = "—"

_REASONS = {
    "too_few": "违约样本不足，使用合并模型 / too few defaults: pooled model",
    "pooled_better": "合并模型交叉验证更优 / pooled model better in CV",
    "segment_better": "分群模型交叉验证更优 / segment model better in CV",
    "one_class": "该分群仅有一类结果，使用合并模型 / one outcome only: pooled model",
}


def _auc_or_none(y: np.ndarray, p: np.ndarray) -> float | None:
    return float(auc(y, p)) if 0 < y.sum() < y.size else None


class SegmentedModel(ClassifierMixin, BaseEstimator):
    """One PD model per segment where the data support it, the pooled model elsewhere.

    Parameters
    ----------
    estimator : classifier
        The model to fit per segment and pooled (cloned; e.g. a ``ScorecardModel``).
    segment : str
        Column of ``X`` that names the segment; not itself a characteristic of the models.
    min_defaults : int, default=50
        Fewest defaults (and non-defaults) a segment needs for a model of its own.
    cv : int, default=5
        Folds of the segment-versus-pooled comparison.
    random_state : int, default=0
        Seed of the folds.

    Attributes
    ----------
    pooled_ : classifier
        Fitted on every row.
    models_ : dict of str to classifier
        The segment models kept.
    comparison_ : DataFrame
        Per segment: ``segment``, ``n``, ``defaults``, ``pooled_auc``, ``segment_auc``,
        ``chosen`` (``"segment"`` or ``"pooled"``), ``reason``.
    oof_ : ndarray
        Out-of-fold PD of every training row under the chosen combination.
    """

    def __init__(self, estimator: Any = None, segment: str = "segment", min_defaults: int = 50,
                 cv: int = 5, random_state: int = 0) -> None:  # fmt: skip
        self.estimator = estimator
        self.segment = segment
        self.min_defaults = min_defaults
        self.cv = cv
        self.random_state = random_state

    # -- helpers -----------------------------------------------------------------------------

    def _split(self, X: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        if not isinstance(X, pd.DataFrame) or self.segment not in X.columns:
            raise UserError(
                f"segment column {self.segment!r} is not in the data",
                f"数据中没有分群列 {self.segment!r}",
            )
        labels = X[self.segment].astype("string").fillna(MISSING_SEGMENT).to_numpy(dtype=object)
        return X.drop(columns=[self.segment]), labels

    def _base(self) -> Any:
        if self.estimator is None:
            from finseg.risk._scorecard import ScorecardModel

            return ScorecardModel()
        return self.estimator

    # -- fitting -----------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y: Any) -> SegmentedModel:
        """Fit the pooled model, compare per segment by CV, keep the better, refit the kept."""
        features, labels = self._split(X)
        y = np.asarray(y, dtype=int)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        base = self._base()
        eligible = {}
        for seg in pd.unique(labels):
            rows = labels == seg
            bad = int(y[rows].sum())
            eligible[seg] = (
                seg != MISSING_SEGMENT
                and bad >= self.min_defaults
                and rows.sum() - bad >= self.min_defaults
            )
        oof_pooled, oof_segment = np.full(y.size, np.nan), np.full(y.size, np.nan)
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        for train, test in folds.split(features, y):
            pooled = clone(base).fit(features.iloc[train], y[train])
            oof_pooled[test] = pooled.predict_proba(features.iloc[test])[:, 1]
            for seg, ok in eligible.items():
                if not ok:
                    continue
                tr, te = train[labels[train] == seg], test[labels[test] == seg]
                if te.size == 0 or not 0 < y[tr].sum() < tr.size:
                    continue
                model = clone(base).fit(features.iloc[tr], y[tr])
                oof_segment[te] = model.predict_proba(features.iloc[te])[:, 1]
        self.pooled_ = clone(base).fit(features, y)
        self.models_, rows_out = {}, []
        oof = oof_pooled.copy()
        for seg, ok in eligible.items():
            rows = labels == seg
            yp, bad = y[rows], int(y[rows].sum())
            pooled_auc = _auc_or_none(yp, oof_pooled[rows])
            seg_auc = (
                _auc_or_none(yp, oof_segment[rows])
                if ok and not np.isnan(oof_segment[rows]).any()
                else None
            )
            if pooled_auc is None:
                chosen, reason = "pooled", "one_class"
            elif seg_auc is None:
                chosen, reason = "pooled", "too_few"
            elif seg_auc > pooled_auc:
                chosen, reason = "segment", "segment_better"
            else:
                chosen, reason = "pooled", "pooled_better"
            if chosen == "segment":
                self.models_[seg] = clone(base).fit(features[rows], yp)
                oof[rows] = oof_segment[rows]
            rows_out.append({"segment": seg, "n": int(rows.sum()), "defaults": bad,
                             "pooled_auc": pooled_auc, "segment_auc": seg_auc,
                             "chosen": chosen, "reason": _REASONS[reason]})  # fmt: skip
        self.comparison_ = pd.DataFrame(rows_out).sort_values("segment", ignore_index=True)
        self.oof_ = oof
        return self

    # -- scoring -----------------------------------------------------------------------------

    def _route(self, X: pd.DataFrame, method: str, **kwargs: Any) -> list[tuple[np.ndarray, Any]]:
        """``[(row positions, result of model.method on those rows)]`` over the models."""
        check_is_fitted(self, "pooled_")
        features, labels = self._split(X)
        parts, pooled_rows = [], np.ones(len(features), dtype=bool)
        for seg, model in self.models_.items():
            rows = labels == seg
            if rows.any():
                parts.append(
                    (np.flatnonzero(rows), getattr(model, method)(features[rows], **kwargs))
                )
                pooled_rows &= ~rows
        if pooled_rows.any():
            idx = np.flatnonzero(pooled_rows)
            parts.append((idx, getattr(self.pooled_, method)(features.iloc[idx], **kwargs)))
        return parts

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``[[1 − PD, PD]]`` per row, each from its segment's chosen model."""
        out = np.empty((len(X), 2))
        for idx, proba in self._route(X, "predict_proba"):
            out[idx] = proba
        return out

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the PD is at least one half."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    @property
    def points(self):
        """Score points per row (only when the underlying model gives points)."""
        if not hasattr(self._base(), "points"):
            raise AttributeError("points")

        def points(X: pd.DataFrame) -> np.ndarray:
            out = np.empty(len(X))
            for idx, values in self._route(X, "points"):
                out[idx] = values
            return out

        return points

    def reasons(self, X: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """The ``k`` top adverse characteristics per row, from the row's own model."""
        pieces = [frame.set_axis(idx) for idx, frame in self._route(X, "reasons", k=k)]
        return pd.concat(pieces).sort_index().set_axis(X.index)

    def table(self, lang: str = "en") -> pd.DataFrame:
        """Each kept model's scorecard table under a first column naming its segment (the
        pooled model as ``pooled``/``合并``); only for models that have a table."""
        pooled = "合并" if lang == "zh" else "pooled"
        head = "分群" if lang == "zh" else "segment"
        parts = [(seg, m) for seg, m in sorted(self.models_.items())] + [(pooled, self.pooled_)]
        frames = [m.table(lang).assign(**{head: seg}) for seg, m in parts]
        out = pd.concat(frames, ignore_index=True)
        return out[[head, *[c for c in out.columns if c != head]]]

    def to_sql(self, table_alias: str | None = None, target: str = "points") -> str:
        """One SQL expression: ``CASE WHEN segment = 'a' THEN <model a> … ELSE <pooled> END``."""
        check_is_fitted(self, "pooled_")
        name = '"' + self.segment.replace('"', '""') + '"'
        col = f"{table_alias}.{name}" if table_alias else name
        whens = []
        for seg, m in sorted(self.models_.items()):
            literal = "'" + seg.replace("'", "''") + "'"
            whens.append(f"WHEN {col} = {literal} THEN ({m.to_sql(table_alias, target)})")
        pooled = self.pooled_.to_sql(table_alias, target)
        return f"CASE {' '.join(whens)} ELSE ({pooled}) END" if whens else pooled

    def model_for(self, X: pd.DataFrame) -> np.ndarray:
        """Which model scores each row: the segment name or ``"pooled"``."""
        _, labels = self._split(X)
        return np.where(np.isin(labels, list(self.models_)), labels, "pooled")
