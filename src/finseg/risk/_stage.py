"""The risk stage: PD, score, master-scale grade and reason codes for every customer.

The pipeline hands the stage the workspace's champion model when there is one trained on
canonical portfolios; otherwise the expert model (:class:`~finseg.risk._expert.ExpertModel`)
grades.  ``risk_model`` says which, row by row.  Customers already
in default (loan classified substandard, doubtful or loss) are graded ``D``.

>>> from finseg.features import compute_features
>>> from finseg.sample import generate_portfolio
>>> out = risk_stage(compute_features(generate_portfolio(200, seed=3)))
>>> {"pd", "score", "grade", "reason_1", "risk_model"} <= set(out.columns)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from finseg._config_base import _doc, _Section
from finseg.exceptions import UserError
from finseg.risk._basis import EXPERT_FIELDS, rating_basis
from finseg.risk._expert import ExpertModel, ExpertRules, ScoreScaling, points_from_pd
from finseg.risk._master_scale import MasterScale, default_master_scale

__all__ = ["EXPERT_MODEL_ID", "RiskPolicy", "TrainingPolicy", "risk_stage"]

#: How runs record that the expert model graded them.
EXPERT_MODEL_ID = "expert"
_DEFAULTED = ("substandard", "doubtful", "loss")


class TrainingPolicy(_Section):
    """How ``finseg train`` chooses and calibrates models (policy ``risk.training``)."""

    central_tendency: float | None = Field(
        None,
        gt=0,
        lt=1,
        description=_doc(
            "长期平均违约率：设定后，训练出的 PD 平移至该均值（空 = 使用样本违约率）",
            "Long-run central tendency: trained PDs are shifted to this mean "
            "(null = the sample default rate)",
        ),
    )
    min_segment_defaults: int = Field(
        50,
        ge=1,
        description=_doc(
            "分群模型所需的最少违约数（少于此数使用合并模型）",
            "Fewest defaults a segment needs for a model of its own (else the pooled model)",
        ),
    )
    auto_min_defaults: int = Field(
        30,
        ge=0,
        description=_doc(
            "--model auto：违约数少于此数时使用专家模型",
            "--model auto: below this many defaults the expert model is used",
        ),
    )
    auto_margin: float = Field(
        0.01,
        ge=0,
        description=_doc(
            "--model auto：梯度提升模型的交叉验证 AUC 须高出评分卡此值才被选中",
            "--model auto: gradient boosting is chosen only when its CV AUC beats the "
            "scorecard's by more than this",
        ),
    )


class RiskPolicy(_Section):
    """The ``risk`` section of ``policy.yaml``."""

    master_scale: MasterScale = Field(
        default_factory=default_master_scale,
        description=_doc("主标尺：等级及其 PD 区间", "Master scale: grades and their PD bands"),
    )
    scaling: ScoreScaling = Field(
        default_factory=ScoreScaling, description=_doc("评分刻度", "Score scaling")
    )
    expert: ExpertRules = Field(
        default_factory=ExpertRules,
        description=_doc("专家模型（无违约历史时使用）", "Expert model (used without a champion)"),
    )
    fallback_share: float = Field(
        0.5,
        ge=0,
        lt=1,
        description=_doc(
            "评级依据：训练模型的特征缺失比例超过此值时，评级记为 fallback（保守默认）",
            "Rating basis: a customer missing more than this share of a trained model's "
            "characteristics is rated on a fallback basis",
        ),
    )
    training: TrainingPolicy = Field(
        default_factory=TrainingPolicy,
        description=_doc(
            "模型训练：选择、分群与校准", "Model training: choice, segments, calibration"
        ),
    )


def _model_scores(df: pd.DataFrame, model: Any, features: list[str], cfg: RiskPolicy):
    """PD, score and reasons from a trained model over its own characteristics."""
    missing = [c for c in features if c not in df]
    if missing:
        raise UserError(
            f"the champion model needs column(s) the run does not have: {', '.join(missing)}",
            f"冠军模型需要的列在本次运行中不存在：{'、'.join(missing)}",
        )
    X = df[features]
    pd_ = np.clip(model.predict_proba(X)[:, 1], cfg.master_scale.pd_floor, 1.0)
    points = model.points(X) if hasattr(model, "points") else points_from_pd(pd_, cfg.scaling)
    out = pd.DataFrame({"pd": pd_, "score": points}, index=df.index)
    return pd.concat([out, model.reasons(X).set_axis(df.index)], axis=1)


def risk_stage(
    df: pd.DataFrame,
    cfg: RiskPolicy | None = None,
    *,
    model: Any = None,
    model_id: str = EXPERT_MODEL_ID,
    features: list[str] | None = None,
) -> pd.DataFrame:
    """``df`` with ``pd``, ``score``, ``grade``, ``reason_1..3``, ``risk_model``,
    ``rating_basis`` and ``rating_missing`` added.

    ``model`` (with its ``features``) is a trained estimator, e.g. the workspace champion;
    without one the expert model grades.
    """
    cfg = cfg or RiskPolicy()
    if model is None:
        scored = ExpertModel(cfg.expert, cfg.scaling).predict_frame(df)
        basis = rating_basis(df, EXPERT_FIELDS, principal="altman_z2")
    else:
        scored = _model_scores(df, model, features or [], cfg)
        basis = rating_basis(df, features or [], fallback_share=cfg.fallback_share)
    defaulted = (
        df["loan_classification"].astype("string").isin(_DEFAULTED).fillna(False).to_numpy(bool)
        if "loan_classification" in df
        else None
    )
    scored["pd"] = scored["pd"].where(~defaulted, 1.0) if defaulted is not None else scored["pd"]
    grades = cfg.master_scale.grade(scored["pd"].to_numpy(), default=defaulted)
    scored.insert(2, "grade", pd.array(grades, dtype="str"))
    scored["risk_model"] = model_id
    scored[["rating_basis", "rating_missing"]] = basis
    added = [c for c in scored.columns]
    return pd.concat([df.drop(columns=[c for c in added if c in df]), scored], axis=1)
