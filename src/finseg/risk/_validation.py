"""Validation of out-of-sample PDs: discrimination, accuracy, calibration per grade and
stability — the figures ``finseg train`` writes to ``metrics.json`` and the model card.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> p = rng.uniform(0.001, 0.2, 4000)
>>> m = oof_metrics((rng.random(4000) < p).astype(int), p)
>>> sorted(k for k in m if k != "grades")
['auc', 'brier', 'calibration_curve', 'default_rate', 'gini', 'ks', 'log_loss', 'rows']
>>> m["grades"]["hosmer_lemeshow"]["p_value"] > 0.01, 0 < m["grades"]["hhi"] <= 1
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from finseg.risk._calibration_tests import grade_tests, hosmer_lemeshow
from finseg.risk._master_scale import MasterScale, default_master_scale
from finseg.risk._metrics import auc, brier, calibration_curve, gini, hhi, ks, log_loss, psi

__all__ = ["grade_validation", "oof_metrics", "psi_summary"]


def grade_validation(y: np.ndarray, pd_: np.ndarray, scale: MasterScale | None = None) -> dict:
    """Out-of-sample PDs checked per master-scale grade: counts, mean PD, observed default
    rate, binomial and Jeffreys p-values with a traffic light, Hosmer–Lemeshow over the
    grades and the grade concentration (HHI).
    """
    scale = scale or default_master_scale()
    frame = pd.DataFrame({"grade": scale.grade(pd_), "pd": pd_, "d": y})
    by = frame.groupby("grade", sort=False).agg(n=("pd", "size"), pd=("pd", "mean"), d=("d", "sum"))
    by = by.loc[[g for g in scale.labels if g in by.index]]
    tests = grade_tests(by)
    hl = hosmer_lemeshow(by["n"], by["pd"].clip(1e-6, 1 - 1e-6), by["d"])
    return {
        "per_grade": {
            g: {
                "n": int(r.n),
                "mean_pd": float(r.pd),
                "defaults": int(r.d),
                "odr": float(r.odr),
                "binomial_p": float(r.binomial_p),
                "jeffreys_p": float(r.jeffreys_p),
                "traffic_light": str(r.traffic_light),
            }
            for g, r in tests.iterrows()
        },
        "hosmer_lemeshow": {
            "statistic": float(hl.statistic),
            "p_value": float(hl.p_value),
            "df": int(hl.df),
        },
        "hhi": float(hhi(by["n"].to_numpy())),
    }


def oof_metrics(y: np.ndarray, pd_: np.ndarray, scale: MasterScale | None = None) -> dict:
    """AUC, Gini, KS, Brier, log-loss, the calibration curve (10 PD-quantile bins) and the
    per-grade validation of out-of-sample PDs ``pd_`` against outcomes ``y``."""
    y, pd_ = np.asarray(y, dtype=int), np.asarray(pd_, dtype=float)
    curve = calibration_curve(y, pd_, bins=10)
    return {
        "auc": auc(y, pd_),
        "gini": gini(y, pd_),
        "ks": ks(y, pd_),
        "brier": brier(y, pd_),
        "log_loss": log_loss(y, pd_),
        "calibration_curve": [
            {"n": int(r.count), "mean_pd": float(r.mean_pd), "odr": float(r.default_rate)}
            for r in curve.itertuples()
        ],
        "grades": grade_validation(y, pd_, scale),
        "rows": int(y.size),
        "default_rate": float(y.mean()),
    }


def psi_summary(pairs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """PSI of the PD between each fold's training rows (expected) and its test rows.

    >>> a = np.linspace(0.01, 0.2, 500)
    >>> psi_summary([(a, a), (a, a)])
    {'mean': 0.0, 'max': 0.0, 'folds': [0.0, 0.0]}
    """
    values = [float(psi(train, test)) for train, test in pairs]
    return {"mean": float(np.mean(values)), "max": float(np.max(values)), "folds": values}
