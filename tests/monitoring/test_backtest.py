"""Back-testing the baseline PDs against later outcomes: per-grade binomial and Jeffreys
p-values and Hosmer–Lemeshow against numbers computed by hand (the binomial tail from
math.comb, the Beta CDF by numerical integration), the check values of domain.md §9, AUC/KS
drift against development, and the "no outcomes" case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from finseg.monitoring import MonitoringPolicy, backtest, pair_runs
from finseg.risk import default_master_scale

ORDER = default_master_scale().labels


def _binomial_tail(p: float, n: int, d: int) -> float:
    """P(X ≥ d), X ~ Bin(n, p), summed term by term."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(d, n + 1))


def _beta_cdf(x: float, a: float, b: float, steps: int = 200_000) -> float:
    """∫_0^x t^(a−1)(1−t)^(b−1) dt / B(a, b) by the midpoint rule (a ≥ 1 here: no singularity
    at 0 worth worrying about at this precision)."""
    h = x / steps
    t = (np.arange(steps) + 0.5) * h
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return float(np.sum(np.exp((a - 1) * np.log(t) + (b - 1) * np.log1p(-t) - log_beta)) * h)


def _ten() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five BBB customers at PD 0.1 (two default), five B at PD 0.3 (one defaults), and one
    already in default D (left out of the tests)."""
    ids = [f"c{i}" for i in range(11)]
    before = pd.DataFrame(
        {
            "customer_id": ids,
            "grade": ["BBB"] * 5 + ["B"] * 5 + ["D"],
            "pd": [0.1] * 5 + [0.3] * 5 + [1.0],
            "segment": ["s"] * 11,
        }
    )
    after = pd.DataFrame({"customer_id": ids, "grade": ["BBB"] * 11, "pd": [0.1] * 11,
                          "default_12m": [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1]})  # fmt: skip
    return before, after


def test_ten_customers_by_hand():
    before, after = _ten()
    b = backtest(before.drop(columns="segment"), after, pair_runs(before, after), ORDER,
                 MonitoringPolicy())  # fmt: skip
    assert b["available"] and b["customers"] == 10 and b["excluded_defaulted"] == 1
    bbb, single_b = b["grades"]["BBB"], b["grades"]["B"]
    assert (bbb["n"], bbb["d"], bbb["odr"], bbb["pd"]) == (5, 2, 0.4, pytest.approx(0.1))
    # 1 − 0.9^5 − 5·0.1·0.9^4 = 1 − 0.59049 − 0.32805
    assert bbb["binomial_p"] == pytest.approx(0.08146) == pytest.approx(_binomial_tail(0.1, 5, 2))
    assert single_b["binomial_p"] == pytest.approx(1 - 0.7**5)
    assert bbb["jeffreys_p"] == pytest.approx(_beta_cdf(0.1, 2.5, 3.5), rel=1e-5)
    assert single_b["jeffreys_p"] == pytest.approx(_beta_cdf(0.3, 1.5, 4.5), rel=1e-5)
    # HL = (0.5 − 2)²/(5·0.1·0.9) + (1.5 − 1)²/(5·0.3·0.7) = 5 + 0.25/1.05; χ²(2) tail exp(−x/2)
    hl = 5 + 0.25 / 1.05
    assert b["hosmer_lemeshow"]["statistic"] == pytest.approx(hl)
    assert b["hosmer_lemeshow"]["p_value"] == pytest.approx(math.exp(-hl / 2))
    assert b["hosmer_lemeshow"]["df"] == 2
    portfolio = b["portfolio"]
    assert (portfolio["n"], portfolio["d"], portfolio["pd"]) == (10, 3, pytest.approx(0.2))
    assert portfolio["binomial_p"] == pytest.approx(_binomial_tail(0.2, 10, 3))


def test_domain_check_values_and_lights():
    n = 500
    before = pd.DataFrame({"customer_id": range(n), "grade": "BBB", "pd": 0.02})
    after = pd.DataFrame({"customer_id": range(n), "grade": "BBB", "pd": 0.02,
                          "default_12m": [1] * 15 + [0] * (n - 15)})  # fmt: skip
    g = backtest(before, after, pair_runs(before, after), ORDER, MonitoringPolicy())["grades"]
    assert round(g["BBB"]["binomial_p"], 4) == 0.0814  # domain.md §9
    assert round(g["BBB"]["jeffreys_p"], 4) == 0.0623
    assert g["BBB"]["light"] == "green"
    after["default_12m"] = [1] * 20 + [0] * (n - 20)  # Jeffreys p 0.0021 < 0.01
    g = backtest(before, after, pair_runs(before, after), ORDER, MonitoringPolicy())["grades"]
    assert g["BBB"]["light"] == "red"


def test_segments_and_discrimination_drift():
    rng = np.random.default_rng(1)
    n = 4000
    pd_ = rng.uniform(0.01, 0.3, n)
    y_dev = (rng.random(n) < pd_).astype(int)  # development: outcomes follow the PD
    y_now = (rng.random(n) < 0.1).astype(int)  # now: defaults unrelated to the PD
    grade = default_master_scale().grade(pd_)
    before = pd.DataFrame(
        {
            "customer_id": range(n),
            "grade": grade,
            "pd": pd_,
            "default_12m": y_dev,
            "segment": np.where(pd_ > 0.15, "hi", "lo"),
        }
    )
    after = before.assign(default_12m=y_now)
    b = backtest(before, after, pair_runs(before, after), ORDER, MonitoringPolicy())
    d = b["discrimination"]
    assert d["development_source"] == "baseline_run" and d["development_auc"] > 0.65
    assert abs(d["auc"] - 0.5) < 0.05 and d["auc_light"] == "red" and d["ks_light"] == "red"
    assert set(b["segments"]) == {"hi", "lo"} and b["segments"]["lo"]["light"] == "red"
    # without outcomes in the baseline, development comes from the model card
    b = backtest(before.drop(columns="default_12m"), after, pair_runs(before, after), ORDER,
                 MonitoringPolicy(), {"auc": 0.52, "ks": 0.05})  # fmt: skip
    assert b["discrimination"]["development_source"] == "model_card"
    assert b["discrimination"]["auc_light"] == "green"


def test_without_outcomes_says_so():
    before, after = _ten()
    out = backtest(before, after.drop(columns="default_12m"), pair_runs(before, after), ORDER,
                   MonitoringPolicy())  # fmt: skip
    assert out["available"] is False and "default_12m" in out["reason"]["en"]
    assert "回测" in out["reason"]["zh"]
