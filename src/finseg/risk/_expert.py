"""The expert PD model: for a lender with no default history to train on.

PD starts from the Altman Z'' score, mapped continuously through two anchor points (by
default Z'' = 2.60, the safe-zone edge, gives 1 % and Z'' = 1.10, the distress edge, gives
5 % — a log-odds line through them), and is then adjusted for the credit record by odds
multipliers (overdue history, five-category classification, tax credit rating, litigation,
negative equity).  Every anchor and multiplier is policy config, tagged [R] in the docs:
they are a documented starting point to be calibrated once defaults are observed, not
measured facts.

>>> import pandas as pd
>>> frame = pd.DataFrame({"altman_z2": [3.0, 1.1, None], "max_days_past_due_24m": [0, 0, 120]})
>>> out = ExpertModel().predict_frame(frame)
>>> out["pd"].round(4).tolist()
[0.0065, 0.05, 0.1101]
>>> out["reason_1"].tolist()[2]
'dpd_over_90'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from finseg._config_base import _doc, _Section
from finseg.features._tokens import number_column
from finseg.risk._points import scaling as points_scaling

__all__ = ["ADJUSTMENTS", "ExpertModel", "ExpertRules", "ScoreScaling", "points_from_pd"]


class ScoreScaling(_Section):
    """How a PD becomes score points: ``score = offset + factor · ln(good:bad odds)``."""

    base_score: float = Field(600, description=_doc("基准分", "Score at the base odds"))
    base_odds: float = Field(50, gt=0, description=_doc("基准好坏比", "Good:bad odds at base"))
    pdo: float = Field(20, gt=0, description=_doc("好坏比翻倍所加分数", "Points to double odds"))


def points_from_pd(pd_: np.ndarray, scaling: ScoreScaling | None = None) -> np.ndarray:
    """Score points of each PD (higher is safer).

    >>> points_from_pd(np.array([1 / 51]))  # odds 50:1 give the base score
    array([600.])
    """
    s = scaling or ScoreScaling()
    factor, offset = points_scaling(s.base_score, s.base_odds, s.pdo)
    return np.round(offset + factor * np.log((1 - pd_) / pd_), 6)


#: Adjustment name -> (zh, en) reason text.
ADJUSTMENTS: dict[str, tuple[str, str]] = {
    "altman_distress": ("Altman Z'' 处于困境区", "Altman Z'' in the distress zone"),
    "altman_missing": ("Altman Z'' 无法计算，取默认 PD", "Altman Z'' unavailable: default PD"),
    "dpd_over_90": ("近24个月逾期超过90天", "over 90 days past due in 24 months"),
    "dpd_over_30": ("近24个月逾期超过30天", "over 30 days past due in 24 months"),
    "overdue": ("近24个月有逾期记录", "overdue in the last 24 months"),
    "special_mention": ("五级分类为关注类", "loan classified special mention"),
    "non_performing": ("五级分类为不良", "loan classified non-performing"),
    "tax_rating_low": ("纳税信用等级为 C 或 D", "tax credit rating C or D"),
    "litigation": ("涉诉较多", "frequent litigation"),
    "negative_equity": ("所有者权益为负", "negative owners' equity"),
}


def _m(default: float, zh: str, en: str) -> float:
    return Field(default, gt=0, description=_doc(zh + " [R]", en + " [R]"))


class ExpertRules(_Section):
    """Anchors and odds multipliers of the expert model (policy ``risk.expert``)."""

    safe_z2: float = Field(2.60, description=_doc("锚点一：Z'' 值", "Anchor 1: Z''"))
    safe_pd: float = Field(0.01, gt=0, lt=1, description=_doc("锚点一 PD", "Anchor 1 PD [R]"))
    distress_z2: float = Field(1.10, description=_doc("锚点二：Z'' 值", "Anchor 2: Z''"))
    distress_pd: float = Field(0.05, gt=0, lt=1, description=_doc("锚点二 PD", "Anchor 2 PD [R]"))
    missing_pd: float = Field(
        0.03, gt=0, lt=1, description=_doc("Z'' 缺失时的 PD", "PD when Z'' is missing [R]")
    )
    dpd_over_90: float = _m(4.0, "逾期超过90天的好坏比倍数", "Odds multiplier, > 90 days past due")
    dpd_over_30: float = _m(2.0, "逾期超过30天的倍数", "Odds multiplier, > 30 days past due")
    overdue: float = _m(1.3, "有逾期记录的倍数", "Odds multiplier, any overdue")
    special_mention: float = _m(2.0, "关注类的倍数", "Odds multiplier, special mention")
    non_performing: float = _m(
        8.0, "不良（次级/可疑/损失）的倍数", "Odds multiplier, non-performing"
    )
    tax_rating_low: float = _m(2.0, "纳税信用 C/D 的倍数", "Odds multiplier, tax rating C or D")
    litigation: float = _m(1.5, "涉诉次数达到阈值的倍数", "Odds multiplier, litigation")
    litigation_min: int = Field(
        3, ge=1, description=_doc("涉诉次数阈值", "Litigation count threshold")
    )
    negative_equity: float = _m(3.0, "所有者权益为负的倍数", "Odds multiplier, negative equity")
    pd_floor: float = Field(
        0.0005, gt=0, lt=1, description=_doc("PD 下限", "PD floor (Basel III / China 2023) [R]")
    )
    pd_cap: float = Field(
        0.9999,
        gt=0,
        le=1,
        description=_doc("PD 上限（未违约客户）", "PD cap for non-defaulted customers"),
    )


def _text(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df:
        return pd.Series("", index=df.index)
    return df[column].astype("string").fillna("")


def _conditions(df: pd.DataFrame, rules: ExpertRules) -> dict[str, np.ndarray]:
    """Which adjustment applies to which row (dpd over 90 supersedes over 30 and overdue)."""
    dpd, overdue = (
        number_column(df, "max_days_past_due_24m"),
        number_column(df, "overdue_count_24m"),
    )
    over_90 = dpd > 90
    over_30 = (dpd > 30) & ~over_90
    classification = _text(df, "loan_classification")
    return {
        "dpd_over_90": over_90,
        "dpd_over_30": over_30,
        "overdue": ((overdue > 0) | (dpd > 0)) & ~over_90 & ~over_30,
        "special_mention": (classification == "special_mention").to_numpy(),
        "non_performing": classification.isin(["substandard", "doubtful", "loss"]).to_numpy(),
        "tax_rating_low": _text(df, "tax_credit_rating").isin(["C", "D"]).to_numpy(),
        "litigation": number_column(df, "litigation_count") >= rules.litigation_min,
        "negative_equity": number_column(df, "owners_equity") < 0,
    }


class ExpertModel:
    """Altman Z''-anchored PD with credit-record adjustments; no fitting needed.

    ``predict_frame`` reads the canonical and features columns (``altman_z2`` …) and returns
    ``pd``, ``score`` and ``reason_1..3`` (adjustment names, largest odds effect first).
    """

    def __init__(self, rules: ExpertRules | None = None, scaling: ScoreScaling | None = None):
        self.rules = rules or ExpertRules()
        self.scaling = scaling or ScoreScaling()

    def _base_log_odds(self, z2: np.ndarray) -> np.ndarray:
        r = self.rules
        logit = lambda p: np.log(p / (1 - p))  # noqa: E731
        slope = (logit(r.distress_pd) - logit(r.safe_pd)) / (r.distress_z2 - r.safe_z2)
        line = logit(r.safe_pd) + slope * (np.clip(z2, -10, 15) - r.safe_z2)
        return np.where(np.isnan(z2), logit(r.missing_pd), line)

    def predict_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """PD, score and reasons for every row of ``df``."""
        z2 = number_column(df, "altman_z2")
        log_odds = self._base_log_odds(z2)
        effects = {"altman_missing": np.where(np.isnan(z2), 1e-9, 0.0)}
        effects["altman_distress"] = np.where(z2 < self.rules.distress_z2, 1e-9, 0.0)
        for name, applies in _conditions(df, self.rules).items():
            step = np.log(getattr(self.rules, name))
            log_odds = log_odds + np.where(applies, step, 0.0)
            effects[name] = np.where(applies, step, 0.0)
        pd_ = np.clip(1 / (1 + np.exp(-log_odds)), self.rules.pd_floor, self.rules.pd_cap)
        out = pd.DataFrame({"pd": pd_, "score": points_from_pd(pd_, self.scaling)}, index=df.index)
        return pd.concat([out, _top_reasons(effects, df.index)], axis=1)


def _top_reasons(effects: dict[str, np.ndarray], index: pd.Index, k: int = 3) -> pd.DataFrame:
    """The ``k`` adjustments with the largest effect per row (empty where fewer apply)."""
    names = np.array(list(effects), dtype=object)
    matrix = np.column_stack(list(effects.values()))
    order = np.argsort(-matrix, axis=1, kind="stable")[:, :k]
    out = {}
    for i in range(k):
        chosen = names[order[:, i]]
        applied = np.take_along_axis(matrix, order[:, i : i + 1], axis=1)[:, 0] > 0
        out[f"reason_{i + 1}"] = pd.array(np.where(applied, chosen, None), dtype="str")
    return pd.DataFrame(out, index=index)


#: The columns the expert model reads (canonical and features-stage names).
EXPERT_INPUTS = (
    "altman_z2",
    "max_days_past_due_24m",
    "overdue_count_24m",
    "loan_classification",
    "tax_credit_rating",
    "litigation_count",
    "owners_equity",
)


class ExpertEstimator:
    """The expert model with the estimator interface of the trained models, so that it can be
    registered (``finseg train --model expert``) and used as a champion like them.

    ``fit`` learns nothing: it only records which of :data:`EXPERT_INPUTS` the data have.

    >>> frame = pd.DataFrame({"altman_z2": [3.0, 1.1], "max_days_past_due_24m": [0, 120]})
    >>> est = ExpertEstimator().fit(frame, [0, 1])
    >>> est.predict_proba(frame)[:, 1].round(4).tolist(), est.reasons(frame)["reason_1"][1]
    ([0.0065, 0.1739], 'dpd_over_90')
    """

    def __init__(self, rules: ExpertRules | None = None, scaling: ScoreScaling | None = None):
        self.rules = rules or ExpertRules()
        self.scaling = scaling or ScoreScaling()
        self.classes_ = np.array([0, 1])

    def fit(self, X: pd.DataFrame, y: object = None) -> ExpertEstimator:
        """Record the expert inputs present in ``X``; nothing is estimated."""
        self.features_ = [c for c in EXPERT_INPUTS if c in X.columns]
        return self

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        return ExpertModel(self.rules, self.scaling).predict_frame(X)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``[[1 − PD, PD]]`` per row."""
        p = self._frame(X)["pd"].to_numpy()
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the PD is at least one half."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """Score points of the PD under the scaling."""
        return self._frame(X)["score"].to_numpy()

    def reasons(self, X: pd.DataFrame, k: int = 3) -> pd.DataFrame:
        """The adjustments with the largest effect per row."""
        return self._frame(X)[[f"reason_{i + 1}" for i in range(min(k, 3))]]

    def get_params(self, deep: bool = False) -> dict[str, object]:
        """The rules and scaling as plain values."""
        return {**self.rules.model_dump(), **self.scaling.model_dump()}
