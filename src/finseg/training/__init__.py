"""Training and scoring PD models: the service behind ``finseg train`` and ``finseg predict``.

:mod:`~finseg.training._table` reads a canonical portfolio or any table of characteristics;
:mod:`~finseg.training._fit` chooses, cross-validates, fits and calibrates the model.

>>> DIRECTIONS["debt_to_assets"], DIRECTIONS["interest_coverage"]
(1, -1)
"""

from __future__ import annotations

from finseg.risk import grade_validation
from finseg.training._fit import (
    MODEL_KINDS,
    TrainResult,
    cross_validate,
    make_model,
    splits,
    train,
)
from finseg.training._table import DIRECTIONS, TrainingTable, load_table

__all__ = [
    "DIRECTIONS",
    "MODEL_KINDS",
    "TrainResult",
    "TrainingTable",
    "cross_validate",
    "grade_validation",
    "load_table",
    "make_model",
    "splits",
    "train",
]
