"""Calibration to a long-run central tendency.

A development sample rarely has the default rate of a full cycle: a boom year has fewer
defaults, a bust more.  Supervisors expect PDs calibrated to the long-run average default
rate (the *central tendency*, set in policy ``risk.training.central_tendency``).  The usual
adjustment, used here, shifts every customer's log-odds by one constant ``c`` so that the mean
PD over the development portfolio equals the target; the ranking — and so AUC, Gini and KS —
is unchanged, and a scorecard's points move by ``−c · PDO / ln 2``.

>>> import numpy as np
>>> p = np.array([0.01, 0.02, 0.05, 0.20])
>>> c = central_tendency_offset(p, 0.05)
>>> round(float(shift_pd(p, c).mean()), 6), c < 0
(0.05, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit

from finseg.exceptions import UserError

__all__ = ["CentralTendencyModel", "central_tendency_offset", "shift_pd"]

_EPS = 1e-9


def shift_pd(pd_: np.ndarray, offset: float) -> np.ndarray:
    """PDs with their log-odds moved by ``offset`` (positive: riskier)."""
    p = np.clip(np.asarray(pd_, dtype=float), _EPS, 1 - _EPS)
    return expit(logit(p) + offset)


def central_tendency_offset(pd_: np.ndarray, target: float) -> float:
    """The log-odds shift that makes the mean of ``pd_`` equal ``target``.

    >>> central_tendency_offset(np.array([0.1, 0.1]), 0.1)
    0.0
    """
    if not 0 < target < 1:
        raise UserError(
            f"central tendency must be between 0 and 1, got {target}",
            f"长期平均违约率须在 0 与 1 之间，实际为 {target}",
        )
    p = np.asarray(pd_, dtype=float)
    if abs(p.mean() - target) < 1e-12:
        return 0.0
    return float(brentq(lambda c: shift_pd(p, c).mean() - target, -30.0, 30.0, xtol=1e-12))


class CentralTendencyModel:
    """A fitted PD model whose PDs are shifted by a constant log-odds ``offset``.

    Ranking, reasons and the set of characteristics are the wrapped model's; ``points`` (where
    the wrapped model has them) move by ``−offset · factor`` with ``factor = PDO / ln 2``.
    """

    def __init__(self, model: Any, offset: float, target: float, sample_rate: float) -> None:
        self.model = model
        self.offset = float(offset)
        self.target = float(target)
        self.sample_rate = float(sample_rate)
        self.classes_ = np.array([0, 1])

    def predict_proba(self, X: Any) -> np.ndarray:
        """``[[1 − PD, PD]]`` with the shifted PD."""
        p = shift_pd(self.model.predict_proba(X)[:, 1], self.offset)
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """1 where the shifted PD is at least one half."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    @property
    def points(self):
        """Score points moved by the shift (only when the wrapped model gives points)."""
        inner = self.model.points  # AttributeError propagates: no points
        shift = self._points_shift()
        return lambda X: np.round(inner(X) - shift, 6)

    def _points_shift(self) -> float:
        """Points the shift removes: ``offset · PDO / ln 2`` with the wrapped model's PDO
        (also inside a segmented model, as ``…__pdo``; 20 where it has none)."""
        params = self.model.get_params(deep=True) if hasattr(self.model, "get_params") else {}
        pdo = next((v for k, v in params.items() if k == "pdo" or k.endswith("__pdo")), 20.0)
        return self.offset * pdo / np.log(2)

    def reasons(self, X: Any, k: int = 3) -> pd.DataFrame:
        """The wrapped model's reason codes (a constant shift changes none of them)."""
        return self.model.reasons(X, k=k)

    def table(self, lang: str = "en") -> pd.DataFrame:
        """The wrapped model's scorecard table (the shift is one constant, see ``to_sql``)."""
        return self.model.table(lang)

    def to_sql(self, table_alias: str | None = None, target: str = "points") -> str:
        """The wrapped model's SQL with the shift applied to the points or the log-odds."""
        inner = self.model.to_sql(table_alias, target)
        if target == "points":
            return f"({inner}) - {self._points_shift():.17g}"
        return f"1 / (1 + EXP(-(LN(({inner}) / (1 - ({inner}))) + {self.offset:.17g})))"

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """The wrapped model's parameters and the calibration."""
        inner = self.model.get_params() if hasattr(self.model, "get_params") else {}
        return {**inner, "central_tendency": self.target, "central_tendency_offset": self.offset}
