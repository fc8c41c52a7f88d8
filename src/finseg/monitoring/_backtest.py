"""Back-testing: the baseline's PDs against the defaults the current run reports for the same
customers (``default_12m`` of the later snapshot).

Per baseline grade and per baseline segment: customers ``n``, defaults ``d``, the mean
baseline PD, the observed default rate, the one-sided binomial and Jeffreys p-values and a
traffic light (``risk.TrafficLightThresholds``); Hosmer–Lemeshow across grades (out of
sample: G degrees of freedom); AUC and KS of the baseline PD now, against development (the
baseline run's own outcomes where it has them, else the model card's metrics).

Customers in the default grade at the baseline (PD 1) had already defaulted: they are left
out of the tests and counted in ``excluded_defaulted``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from finseg.exceptions import InsufficientDataError
from finseg.monitoring._compare import Pairing, text_codes
from finseg.monitoring._policy import MonitoringPolicy
from finseg.risk import auc, binomial_test, grade_tests, hosmer_lemeshow, jeffreys_test, ks

__all__ = ["backtest", "group_tests"]

_MISSING = "—"


def _outcomes(current: pd.DataFrame, pairing: Pairing) -> np.ndarray:
    """Current ``default_12m`` of the common customers as float (NaN unknown)."""
    if "default_12m" not in current:
        return np.full(pairing.common, np.nan)
    flags = pd.to_numeric(current["default_12m"], errors="coerce").to_numpy(
        "float64", na_value=np.nan
    )
    return flags[pairing.matched]


def group_tests(
    codes: np.ndarray, labels: Sequence[str], pd_: np.ndarray, y: np.ndarray,
    order: Sequence[str], policy: MonitoringPolicy,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Per group — ``codes`` index ``labels``, ``-1`` is missing (shown as ``—``): ``n``,
    ``d``, ``pd`` (mean), ``odr``, ``binomial_p``, ``jeffreys_p`` and ``light``, groups in
    ``order`` first.

    >>> out = group_tests(np.zeros(10, int), ["A"], np.full(10, 0.1), np.r_[np.ones(3),
    ...                   np.zeros(7)], ["A"], MonitoringPolicy())
    >>> a = out["A"]
    >>> a["d"], round(a["binomial_p"], 4), round(a["jeffreys_p"], 4), a["light"]  # Jeffreys decides
    (3, 0.0702, 0.0314, 'amber')
    """
    k = len(labels) + 1
    slot = np.where(codes >= 0, codes, k - 1)
    n = np.bincount(slot, minlength=k)
    frame = pd.DataFrame({"n": n, "d": np.bincount(slot, y, k),
                          "pd": np.bincount(slot, pd_, k) / np.maximum(n, 1)},
                         index=[*map(str, labels), _MISSING])  # fmt: skip
    frame = frame[frame["n"] > 0]
    ordered = [g for g in order if g in frame.index] + sorted(set(frame.index) - set(order))
    tests = grade_tests(frame.loc[ordered], policy.traffic_light)
    return {
        str(g): {"n": int(r.n), "d": round(r.d), "pd": float(r.pd), "odr": float(r.odr),
                 "binomial_p": float(r.binomial_p), "jeffreys_p": float(r.jeffreys_p),
                 "light": str(r.traffic_light)}
        for g, r in tests.iterrows()
    }  # fmt: skip


def _portfolio(pd_: np.ndarray, y: np.ndarray, policy: MonitoringPolicy) -> dict[str, Any]:
    n, d, mean_pd = int(y.size), int(y.sum()), float(pd_.mean())
    b, j = float(binomial_test(mean_pd, n, d)), float(jeffreys_test(mean_pd, n, d))
    t = policy.traffic_light
    p = j if t.test.value == "jeffreys" else b
    light = "red" if p < t.red_below else "amber" if p < t.amber_below else "green"
    return {"n": n, "d": d, "pd": mean_pd, "odr": d / n, "binomial_p": b, "jeffreys_p": j,
            "light": light}  # fmt: skip


def _hl(grades: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    usable = [g for g in grades.values() if 0 < g["pd"] < 1]
    if not usable:
        return None
    hl = hosmer_lemeshow([g["n"] for g in usable], [g["pd"] for g in usable],
                         [g["d"] for g in usable])  # fmt: skip
    return {"statistic": hl.statistic, "p_value": hl.p_value, "df": hl.df, "grades": len(usable)}


def _auc_ks(y: np.ndarray, pd_: np.ndarray) -> tuple[float, float] | None:
    try:
        return auc(y, pd_), ks(y, pd_)
    except InsufficientDataError:
        return None


def _drop_light(drop: float, amber: float, red: float) -> str:
    return "red" if drop > red else "amber" if drop > amber else "green"


def _discrimination(
    baseline: pd.DataFrame, y: np.ndarray, pd_: np.ndarray,
    card: Mapping[str, Any] | None, policy: MonitoringPolicy, default_grade: str,
) -> dict[str, Any]:  # fmt: skip
    now = _auc_ks(y, pd_)
    dev, source = None, None
    if "default_12m" in baseline and "pd" in baseline:
        flags = pd.to_numeric(baseline["default_12m"], errors="coerce").to_numpy(float)
        probs = pd.to_numeric(baseline["pd"], errors="coerce").to_numpy(float)
        ok = np.isfinite(flags) & np.isfinite(probs)
        if "grade" in baseline:  # as in the back-test, leave the defaulted grade out
            codes, labels = text_codes(baseline["grade"])
            ok &= codes != (labels.index(default_grade) if default_grade in labels else -2)
        dev, source = _auc_ks(flags[ok], probs[ok]), "baseline_run"
    if dev is None and card and card.get("auc") is not None and card.get("ks") is not None:
        dev, source = (float(card["auc"]), float(card["ks"])), "model_card"
    out: dict[str, Any] = {"auc": None, "ks": None, "development_auc": None,
                           "development_ks": None, "development_source": None}  # fmt: skip
    if now is not None:
        out["auc"], out["ks"] = now
    if dev is not None:
        out["development_auc"], out["development_ks"] = dev
        out["development_source"] = source
    if now is not None and dev is not None:
        out["auc_drop"], out["ks_drop"] = dev[0] - now[0], dev[1] - now[1]
        out["auc_light"] = _drop_light(out["auc_drop"], policy.auc_drop_amber, policy.auc_drop_red)
        out["ks_light"] = _drop_light(out["ks_drop"], policy.ks_drop_amber, policy.ks_drop_red)
    return out


def backtest(
    baseline: pd.DataFrame,
    current: pd.DataFrame,
    pairing: Pairing,
    grade_order: Sequence[str],
    policy: MonitoringPolicy,
    card_metrics: Mapping[str, Any] | None = None,
    segment_order: Sequence[str] = (),
) -> dict[str, Any]:
    """The back-test, or ``{"available": False, "reason": {...}}`` when the current run has
    no known outcome for the baseline's customers."""
    y_all = _outcomes(current, pairing)
    rows = pairing.position[pairing.matched]
    pd_all = pd.to_numeric(baseline["pd"], errors="coerce").to_numpy(float)[rows]
    codes, labels = text_codes(baseline["grade"])
    grade = codes[rows]
    default_grade = grade_order[-1] if grade_order else "D"
    defaulted = grade == (labels.index(default_grade) if default_grade in labels else -2)
    known = np.isfinite(y_all) & np.isfinite(pd_all)
    use = known & ~defaulted
    if not use.any():
        return {"available": False, "reason": {
            "en": "the current run has no known default_12m for the baseline's customers",
            "zh": "本期运行没有基期客户的 default_12m（违约结果），无法回测"}}  # fmt: skip
    y, p = y_all[use], pd_all[use]
    grades = group_tests(grade[use], labels, p, y, grade_order, policy)
    out: dict[str, Any] = {
        "available": True,
        "customers": int(use.sum()),
        "excluded_defaulted": int((known & defaulted).sum()),
        "portfolio": _portfolio(p, y, policy),
        "grades": grades,
        "hosmer_lemeshow": _hl(grades),
        "discrimination": _discrimination(baseline, y, p, card_metrics, policy, default_grade),
    }
    if "segment" in baseline:
        seg, seg_labels = text_codes(baseline["segment"])
        out["segments"] = group_tests(seg[rows][use], seg_labels, p, y, segment_order, policy)
    return out
