"""PSI/CSI on bins fixed on the baseline, checked against hand computations, plus properties:
PSI ≥ 0, 0 for identical samples, and the bin shares of each run sum to 1."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finseg.monitoring import category_shares, fixed_edges, light_of_psi, variable_psi

FLOOR = 1e-4


def test_ten_customers_by_hand():
    baseline = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    current = [1, 1, 1, 3, 5, 7, 9, 9, np.nan, 12]
    r = variable_psi(baseline, current, bins=5, floor=FLOOR)
    # quintiles of 1..10 (linear): positions 0, 1.8, 3.6, 5.4, 7.2, 9 -> 1, 2.8, 4.6, 6.4, 8.2, 10
    assert r["edges"] == pytest.approx([2.8, 4.6, 6.4, 8.2])
    # baseline two per bin; current {1,1,1} {3} {5} {7} {9,9,12} and one missing
    assert [b["baseline_share"] for b in r["bins"]] == pytest.approx([0.2] * 5 + [0.0])
    assert [b["current_share"] for b in r["bins"]] == pytest.approx([0.3, 0.1, 0.1, 0.1, 0.3, 0.1])
    assert r["bins"][-1]["missing"] is True and r["current_missing"] == pytest.approx(0.1)
    hand = (
        2 * (0.3 - 0.2) * math.log(0.3 / 0.2)
        + 3 * (0.1 - 0.2) * math.log(0.1 / 0.2)
        + (0.1 - 0.0) * math.log(0.1 / FLOOR)  # the empty baseline missing bin, floored
    )
    assert r["psi"] == pytest.approx(hand) == pytest.approx(0.979813, abs=1e-6)
    assert r["light"] == "red"


def test_ties_stay_in_one_bin_and_edges_go_up():
    # deciles of a variable with a large tied mass: the tied value is one bin
    baseline = [0.0005] * 6 + [0.01, 0.02, 0.03, 0.04]
    edges = fixed_edges(baseline, bins=10)
    assert 0.0005 not in edges.tolist()  # an edge at the minimum would leave its bin empty
    r = variable_psi(baseline, baseline, bins=10)
    assert r["bins"][0]["baseline_share"] == pytest.approx(0.6) and r["psi"] == 0.0
    # a value equal to an edge falls into the bin above it
    r = variable_psi([1, 2, 3, 4], [2.5, 2.5, 2.5, 2.5], bins=2)
    assert r["edges"] == [2.5] and r["bins"][1]["current_share"] == 1.0


def test_category_shares_by_hand():
    s = category_shares(pd.Series(list("aabbbbcccc")), pd.Series(list("abbbccccc")), ["c", "b"])
    assert list(s["shares"]) == ["c", "b", "a"]  # the order given, then the rest sorted
    assert s["shares"]["a"] == {
        "baseline_n": 2,
        "current_n": 1,
        "baseline": 0.2,
        "current": pytest.approx(1 / 9),
        "change": pytest.approx(1 / 9 - 0.2),
    }
    e, a = [0.4, 0.4, 0.2], [5 / 9, 3 / 9, 1 / 9]
    assert s["psi"] == pytest.approx(
        sum((y - x) * math.log(y / x) for x, y in zip(e, a, strict=True))
    )


@pytest.mark.parametrize(
    ("value", "light"), [(0.0999, "green"), (0.10, "amber"), (0.25, "amber"), (0.2501, "red")]
)
def test_lights_at_the_thresholds(value, light):
    assert light_of_psi(value, 0.10, 0.25) == light


samples = st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(samples, samples, st.integers(2, 12))
def test_psi_is_never_negative_and_zero_for_identical_samples(base, cur, bins):
    r = variable_psi(base, cur, bins=bins)
    assert r["psi"] >= 0 and math.isfinite(r["psi"])
    assert sum(b["baseline_share"] for b in r["bins"]) == pytest.approx(1.0)
    assert sum(b["current_share"] for b in r["bins"]) == pytest.approx(1.0)
    assert variable_psi(base, list(base), bins=bins)["psi"] == pytest.approx(0.0, abs=1e-12)
