"""Risk grades: the risk stage (expert model, master scale), validation statistics,
calibration tests and IRB capital.

Pure functions of arrays and frames (see ``docs/risk.md`` and domain.md §6, §7, §9).

>>> from finseg.risk import default_master_scale, irb_capital
>>> pd_ = default_master_scale().representative_pd(["BB"])
>>> irb_capital(pd_)["RW"].round(3).tolist()
[0.99]
"""

from __future__ import annotations

from finseg.risk._basis import EXPERT_FIELDS, RatingBasis, rating_basis
from finseg.risk._calibration_tests import (
    CalibrationTest,
    HosmerLemeshow,
    TrafficLight,
    TrafficLightThresholds,
    binomial_test,
    grade_tests,
    hosmer_lemeshow,
    jeffreys_test,
)
from finseg.risk._central import CentralTendencyModel, central_tendency_offset, shift_pd
from finseg.risk._expert import (
    ADJUSTMENTS,
    EXPERT_INPUTS,
    ExpertEstimator,
    ExpertModel,
    ExpertRules,
    ScoreScaling,
    points_from_pd,
)
from finseg.risk._gbm import PD_FLOOR, GBMModel
from finseg.risk._irb import CONFIDENCE, expected_loss, irb_capital
from finseg.risk._master_scale import (
    Grade,
    GradeBand,
    MasterScale,
    default_master_scale,
    log_linear_scale,
)
from finseg.risk._metrics import (
    PSI_EPS,
    StabilityBand,
    auc,
    brier,
    calibration_curve,
    gini,
    hhi,
    ks,
    log_loss,
    psi,
    psi_band,
    psi_from_shares,
)
from finseg.risk._scorecard import ScorecardModel
from finseg.risk._segmented import SegmentedModel
from finseg.risk._stage import EXPERT_MODEL_ID, RiskPolicy, TrainingPolicy, risk_stage
from finseg.risk._validation import grade_validation, oof_metrics, psi_summary

__all__ = [
    "ADJUSTMENTS",
    "CONFIDENCE",
    "EXPERT_FIELDS",
    "EXPERT_INPUTS",
    "EXPERT_MODEL_ID",
    "PD_FLOOR",
    "PSI_EPS",
    "CalibrationTest",
    "CentralTendencyModel",
    "ExpertEstimator",
    "ExpertModel",
    "ExpertRules",
    "GBMModel",
    "Grade",
    "GradeBand",
    "HosmerLemeshow",
    "MasterScale",
    "RatingBasis",
    "RiskPolicy",
    "ScoreScaling",
    "ScorecardModel",
    "SegmentedModel",
    "StabilityBand",
    "TrafficLight",
    "TrafficLightThresholds",
    "TrainingPolicy",
    "auc",
    "binomial_test",
    "brier",
    "calibration_curve",
    "central_tendency_offset",
    "default_master_scale",
    "expected_loss",
    "gini",
    "grade_tests",
    "grade_validation",
    "hhi",
    "hosmer_lemeshow",
    "irb_capital",
    "jeffreys_test",
    "ks",
    "log_linear_scale",
    "log_loss",
    "oof_metrics",
    "points_from_pd",
    "psi",
    "psi_band",
    "psi_from_shares",
    "psi_summary",
    "rating_basis",
    "risk_stage",
    "shift_pd",
]
