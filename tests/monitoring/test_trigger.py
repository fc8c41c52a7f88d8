"""The re-segmentation trigger: reasons from the score PSI, a red segment back-test and
cluster drift, each bilingual; the cheap sampled drift check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from finseg.monitoring import MonitoringPolicy, cluster_drift, resegmentation


def test_reasons_are_bilingual_and_named():
    backtest = {"available": True, "segments": {
        "micro_small": {"light": "red", "odr": 0.08, "pd": 0.02},
        "other": {"light": "amber", "odr": 0.03, "pd": 0.02}}}  # fmt: skip
    drift = {"drift": True, "ari_drop": 0.2, "cluster_psi": 0.05}
    names = {"micro_small": ("小微企业", "Micro and small firms")}
    r = resegmentation({"score": {"psi": 0.4}}, backtest, drift, MonitoringPolicy(), names)
    assert r["recommended"] is True
    assert [x["code"] for x in r["reasons"]] == ["score_psi", "segment_calibration:micro_small",
                                                 "cluster_drift"]  # fmt: skip
    assert "小微企业" in r["reasons"][1]["zh"] and "Micro and small firms" in r["reasons"][1]["en"]
    assert r["zh"].startswith("建议重新") and r["en"].startswith("Re-segmentation recommended")
    calm = resegmentation({"score": {"psi": 0.25}}, {"available": False}, None, MonitoringPolicy())
    assert calm["recommended"] is False and calm["reasons"] == [] and "无需" in calm["zh"]


def _book(n: int, rng: np.random.Generator, shift: float) -> pd.DataFrame:
    lev = rng.uniform(0.2, 0.9, n) + shift
    return pd.DataFrame({
        "debt_to_assets": lev, "current_ratio": rng.lognormal(0.2, 0.4, n) - shift,
        "roa": rng.normal(0.05, 0.03, n) - shift / 5,
        "size_class": rng.choice(["micro", "small", "medium"], n),
        "segment": np.where(lev > 0.7, "high_leverage", "other"),
    })  # fmt: skip


def test_cluster_drift_on_a_sample():
    rng = np.random.default_rng(0)
    policy = MonitoringPolicy(drift_sample=300, drift_clusters=3)
    same = cluster_drift(_book(500, rng, 0.0), _book(500, rng, 0.0), policy)
    assert same["sample"] == [300, 300] and same["clusters"] == 3
    assert same["drift"] is False and abs(same["ari_drop"]) < policy.drift_ari_drop
    moved = cluster_drift(_book(500, rng, 0.0), _book(500, rng, 0.5), policy)
    assert moved["cluster_psi"] > same["cluster_psi"]
    skipped = cluster_drift(pd.DataFrame({"x": [1]}), pd.DataFrame({"x": [1]}), policy)
    assert "skipped" in skipped and skipped["skipped"]["zh"]
