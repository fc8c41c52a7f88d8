"""Choosing, cross-validating, fitting and calibrating a PD model: ``finseg train``'s work.

:func:`train` is the whole job: the folds (stratified, or forward in time with
``time_col``), the model kind (``auto`` compares the scorecard and gradient boosting by CV
AUC and keeps the scorecard unless boosting is clearly better; with too few defaults the
expert model), segment-specific models with a pooled fallback (``segment_by``), the final fit
and the calibration to a long-run central tendency.  Every choice lands in ``metrics``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finseg.exceptions import InsufficientDataError, UserError
from finseg.training._table import TrainingTable

__all__ = ["MODEL_KINDS", "TrainResult", "cross_validate", "make_model", "splits", "train"]

MODEL_KINDS = ("scorecard", "gbm", "expert", "auto")

Split = tuple[np.ndarray, np.ndarray]


def make_model(kind: str, directions: dict[str, int], n_jobs: int = 1) -> Any:
    """A fresh estimator of ``kind`` with the monotone directions known for its inputs."""
    from finseg.risk import ExpertEstimator, GBMModel, ScorecardModel

    if kind == "scorecard":
        trend = {1: "ascending", -1: "descending"}
        return ScorecardModel(monotonic={k: trend[v] for k, v in directions.items() if v} or None)
    if kind == "gbm":
        return GBMModel(monotonic=directions or None, n_jobs=n_jobs)
    if kind == "expert":
        return ExpertEstimator()
    raise UserError(
        f"--model: expected one of {', '.join(MODEL_KINDS)}, got {kind!r}",
        f"--model：应为 {'、'.join(MODEL_KINDS)} 之一，实际为 {kind!r}",
    )


def splits(y: np.ndarray, folds: int, time: pd.Series | None = None, seed: int = 0) -> list[Split]:
    """Train/test row positions: stratified K-fold, or with ``time`` forward-chaining folds
    (train on every period before a test period; the last ``folds`` periods are tested).

    >>> y = np.array([0, 1] * 6)
    >>> t = pd.Series([2021] * 4 + [2022] * 4 + [2023] * 4)
    >>> [(tr.size, te.size) for tr, te in splits(y, 5, t)]
    [(4, 4), (8, 4)]
    """
    if time is None:
        from sklearn.model_selection import StratifiedKFold

        if min(np.bincount(y, minlength=2)) < folds:
            raise InsufficientDataError(
                f"need at least {folds} defaults and {folds} non-defaults for {folds}-fold CV",
                f"{folds} 折交叉验证至少需要 {folds} 个违约与 {folds} 个非违约样本",
            )
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        return list(cv.split(np.zeros(y.size), y))
    if time.isna().any():
        raise UserError(
            f"--time-col {time.name!r}: {int(time.isna().sum())} row(s) have no value",
            f"--time-col {time.name!r}：{int(time.isna().sum())} 行缺少时间值",
        )
    values = time.to_numpy()
    periods = np.unique(values)
    if periods.size < 2:
        raise InsufficientDataError(
            f"--time-col {time.name!r}: out-of-time validation needs at least two periods",
            f"--time-col {time.name!r}：跨时间验证至少需要两个时期",
        )
    out = []
    for period in periods[max(1, periods.size - folds) :]:
        train, test = np.flatnonzero(values < period), np.flatnonzero(values == period)
        if 0 < y[train].sum() < train.size and 0 < y[test].sum() < test.size:
            out.append((train, test))
    if not out:
        raise InsufficientDataError(
            "no out-of-time fold has both defaults and non-defaults in training and test",
            "没有一个跨时间折在训练与测试中同时含违约与非违约样本",
        )
    return out


def cross_validate(factory: Callable[[], Any], table: TrainingTable, folds: list[Split]) -> dict:
    """Out-of-sample metrics of a fresh model per fold (see :func:`finseg.risk.oof_metrics`),
    the per-fold AUCs under ``cv`` and the PSI of the PD between training and test rows."""
    from finseg.risk import auc, oof_metrics, psi_summary

    y, X = table.y, table.X
    oof, tested, aucs, pairs = np.zeros(y.size), np.zeros(y.size, bool), [], []
    for train, test in folds:
        model = factory().fit(X.iloc[train], y[train])
        oof[test] = model.predict_proba(X.iloc[test])[:, 1]
        tested[test] = True
        aucs.append(auc(y[test], oof[test]))
        pairs.append((model.predict_proba(X.iloc[train])[:, 1], oof[test]))
    metrics = oof_metrics(y[tested], oof[tested])
    metrics["cv"] = {
        "auc_mean": float(np.mean(aucs)),
        "auc_std": float(np.std(aucs)),
        "folds": [float(a) for a in aucs],
        "scheme": "time" if table.time is not None else "stratified",
        "k": len(folds),
    }
    metrics["psi_train_test"] = psi_summary(pairs)
    return metrics


@dataclass
class TrainResult:
    """The fitted (and possibly recalibrated) estimator, its kind and its metrics."""

    estimator: Any
    kind: str
    metrics: dict[str, Any]


def _choose(table: TrainingTable, folds: list[Split], cfg: Any) -> tuple[str, dict, dict]:
    """``--model auto``: the kind to fit, its CV metrics and the ``selection`` record."""
    defaults = int(table.y.sum())
    if table.mode == "canonical" and defaults < cfg.auto_min_defaults:
        reason = (
            f"仅 {defaults} 个违约（少于 {cfg.auto_min_defaults}），使用专家模型 / "
            f"only {defaults} defaults (< {cfg.auto_min_defaults}): expert model"
        )
        return "expert", {}, {"candidates": {}, "chosen": "expert", "reason": reason}
    results = {
        kind: cross_validate(lambda k=kind: make_model(k, table.directions), table, folds)
        for kind in ("scorecard", "gbm")
    }
    sc, gb = (results[k]["cv"]["auc_mean"] for k in ("scorecard", "gbm"))
    if gb - sc > cfg.auto_margin:
        chosen = "gbm"
        reason = (
            f"梯度提升 AUC 高出 {gb - sc:.4f}（> {cfg.auto_margin}） / "
            f"gradient boosting AUC higher by {gb - sc:.4f} (> {cfg.auto_margin})"
        )
    else:
        chosen = "scorecard"
        reason = (
            f"评分卡 AUC 差距 {gb - sc:+.4f} 未超过 {cfg.auto_margin}，选择可解释的评分卡 / "
            f"AUC gap {gb - sc:+.4f} within {cfg.auto_margin}: the explainable scorecard"
        )
    selection = {"candidates": {"scorecard": sc, "gbm": gb}, "chosen": chosen, "reason": reason}
    return chosen, results[chosen], selection


def _calibrate(estimator: Any, table: TrainingTable, target: float | None) -> tuple[Any, dict]:
    """Shift the PDs to the central tendency ``target`` (when set and different)."""
    if target is None:
        return estimator, {}
    from finseg.risk import CentralTendencyModel, central_tendency_offset

    fitted = estimator.predict_proba(table.X)[:, 1]
    offset = central_tendency_offset(fitted, target)
    record = {"target": target, "sample_rate": float(table.y.mean()), "offset": offset}
    if abs(offset) < 1e-9:
        return estimator, record
    return CentralTendencyModel(estimator, offset, target, float(table.y.mean())), record


def train(table: TrainingTable, kind: str, cfg: Any = None, folds: int = 5) -> TrainResult:
    """Choose (``auto``), cross-validate, fit and calibrate a model on ``table``.

    ``cfg`` is the policy's ``risk.training`` section (:class:`finseg.risk.TrainingPolicy`).
    ``folds`` ≤ 1 skips the cross-validation (then ``auto`` picks the scorecard).
    """
    from finseg.risk import SegmentedModel, TrainingPolicy, oof_metrics

    cfg = cfg or TrainingPolicy()
    if kind not in MODEL_KINDS:
        make_model(kind, {})  # raises the user error naming the kinds
    if table.y is None or table.y.size == 0:
        raise InsufficientDataError("no rows to train on", "没有可用于训练的数据")
    cv_folds = splits(table.y, folds, table.time) if folds > 1 else []
    metrics: dict[str, Any] = {}
    if kind == "auto":
        if cv_folds:
            kind, metrics, metrics["selection"] = _choose(table, cv_folds, cfg)
        else:
            kind = "scorecard"
    base = lambda: make_model(kind, table.directions)  # noqa: E731
    factory = base
    if table.segment_by is not None and kind != "expert":
        factory = lambda: SegmentedModel(  # noqa: E731
            base(), segment=table.segment_by, min_defaults=cfg.min_segment_defaults,
            cv=max(folds, 2),
        )  # fmt: skip
    if table.segment_by is not None and kind == "expert":
        X = table.X.drop(columns=[table.segment_by])
        table = TrainingTable(X, table.y, table.mode, table.sha256, table.target, table.ids)
    segmented_oof = table.segment_by is not None and kind != "expert" and table.time is None
    if cv_folds and not metrics and not segmented_oof:
        metrics = cross_validate(factory, table, cv_folds)
    estimator = factory().fit(table.X, table.y)
    if isinstance(estimator, SegmentedModel):
        if segmented_oof and cv_folds:
            metrics = {**oof_metrics(table.y, estimator.oof_), **_segment_cv(estimator, table)}
        metrics["segments"] = {
            "column": table.segment_by,
            "min_defaults": cfg.min_segment_defaults,
            "rows": [
                {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
                for r in estimator.comparison_.to_dict("records")
            ],
        }
    estimator, central = _calibrate(estimator, table, cfg.central_tendency)
    if central:
        metrics["central_tendency"] = central
    return TrainResult(estimator, kind, metrics)


def _segment_cv(model: Any, table: TrainingTable) -> dict:
    """The ``cv`` record of a segmented model, from the out-of-fold PDs of its own folds."""
    from sklearn.model_selection import StratifiedKFold

    from finseg.risk import auc

    cv = StratifiedKFold(model.cv, shuffle=True, random_state=model.random_state)
    aucs = [auc(table.y[te], model.oof_[te]) for _, te in cv.split(table.X, table.y)]
    return {
        "cv": {
            "auc_mean": float(np.mean(aucs)),
            "auc_std": float(np.std(aucs)),
            "folds": [float(a) for a in aucs],
            "scheme": "stratified",
            "k": len(aucs),
            "note": "分群选择与评估使用同一组折，略偏乐观 / segment choice made on the same "
            "folds: mildly optimistic",
        }
    }
