"""The risk stage: PD, score, master-scale grade and reason codes for every customer.

Until a workspace has trained a champion model, the stage uses the expert model
(:class:`~finseg.risk._expert.ExpertModel`) and says so in ``risk_model``.  Customers already
in default (loan classified substandard, doubtful or loss) are graded ``D``.

>>> from finseg.features import compute_features
>>> from finseg.sample import generate_portfolio
>>> out = risk_stage(compute_features(generate_portfolio(200, seed=3)))
>>> {"pd", "score", "grade", "reason_1", "risk_model"} <= set(out.columns)
True
"""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from finseg._config_base import _doc, _Section
from finseg.risk._expert import ExpertModel, ExpertRules, ScoreScaling
from finseg.risk._master_scale import MasterScale, default_master_scale

__all__ = ["EXPERT_MODEL_ID", "RiskPolicy", "risk_stage"]

#: How runs record that the expert model graded them.
EXPERT_MODEL_ID = "expert"
_DEFAULTED = ("substandard", "doubtful", "loss")


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


def risk_stage(df: pd.DataFrame, cfg: RiskPolicy | None = None) -> pd.DataFrame:
    """``df`` with ``pd``, ``score``, ``grade``, ``reason_1..3`` and ``risk_model`` added."""
    cfg = cfg or RiskPolicy()
    scored = ExpertModel(cfg.expert, cfg.scaling).predict_frame(df)
    defaulted = (
        df["loan_classification"].astype("string").isin(_DEFAULTED).fillna(False).to_numpy(bool)
        if "loan_classification" in df
        else None
    )
    scored["pd"] = scored["pd"].where(~defaulted, 1.0) if defaulted is not None else scored["pd"]
    grades = cfg.master_scale.grade(scored["pd"].to_numpy(), default=defaulted)
    scored.insert(2, "grade", pd.array(grades, dtype="str"))
    scored["risk_model"] = EXPERT_MODEL_ID
    added = [c for c in scored.columns]
    return pd.concat([df.drop(columns=[c for c in added if c in df]), scored], axis=1)
