from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from finseg.exceptions import InsufficientDataError, UserError
from finseg.risk import (
    CalibrationTest,
    TrafficLight,
    TrafficLightThresholds,
    binomial_test,
    grade_tests,
    hosmer_lemeshow,
    jeffreys_test,
)

# domain.md §9 reference case
HL_N = [47, 95, 68, 53, 37]
HL_PD = [0.0307, 0.1161, 0.2907, 0.5514, 0.7648]
HL_D = [3, 20, 17, 24, 28]


def test_hosmer_lemeshow_matches_domain_reference():
    hl = hosmer_lemeshow(HL_N, HL_PD, HL_D)
    assert round(hl.statistic, 2) == 12.63
    assert round(hl.p_value * 100, 2) == 2.71
    assert hl.df == 5


def test_hosmer_lemeshow_in_sample_uses_g_minus_2():
    hl = hosmer_lemeshow(HL_N, HL_PD, HL_D, in_sample=True)
    assert hl.df == 3
    assert hl.p_value < 0.01
    with pytest.raises(InsufficientDataError, match="degrees of freedom"):
        hosmer_lemeshow([10, 10], [0.1, 0.2], [1, 2], in_sample=True)


def test_hosmer_lemeshow_rejects_degenerate_pd():
    with pytest.raises(UserError, match="strictly between 0 and 1"):
        hosmer_lemeshow([10], [0.0], [0])


def test_jeffreys_and_binomial_match_domain_reference():
    assert round(jeffreys_test(0.02, 500, 15), 4) == 0.0623
    assert round(binomial_test(0.02, 500, 15), 4) == 0.0814


def test_binomial_is_the_exact_upper_tail():
    # P(X >= 1) for Bin(2, 0.5) = 3/4; P(X >= 2) = 1/4
    assert binomial_test(0.5, 2, 1) == pytest.approx(0.75)
    assert binomial_test(0.5, 2, 2) == pytest.approx(0.25)
    assert binomial_test(0.1, 10, 0) == 1.0


def test_tests_are_vectorised():
    got = binomial_test([0.02, 0.02], [500, 500], [15, 0])
    assert isinstance(got, np.ndarray)
    assert got.round(4).tolist() == [0.0814, 1.0]


def test_impossible_counts_are_rejected():
    with pytest.raises(UserError, match="0 ≤ d ≤ n"):
        binomial_test(0.1, 10, 11)
    with pytest.raises(UserError, match=r"\[0, 1\]"):
        jeffreys_test(1.5, 10, 1)


def table(d: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame({"n": [500] * len(d), "pd": [0.02] * len(d), "d": d})
    return frame.set_axis(list("ABCD")[: len(d)])


def test_grade_tests_lights_on_jeffreys_by_default():
    out = grade_tests(table([15, 16, 17, 18, 19][:4]))
    # Jeffreys p: 0.0623, 0.0350, 0.0187, 0.0095
    assert out["traffic_light"].tolist() == ["green", "amber", "amber", "red"]
    assert out["odr"].tolist() == pytest.approx([0.03, 0.032, 0.034, 0.036])
    assert list(out.index) == list("ABCD")


def test_grade_tests_can_light_on_binomial_and_custom_thresholds():
    t = TrafficLightThresholds(test=CalibrationTest.BINOMIAL)
    # binomial p: 0.0814, 0.0470, 0.0257, 0.0134
    assert grade_tests(table([15, 16, 17, 18]), t)["traffic_light"].tolist() == [
        "green", "amber", "amber", "amber",
    ]  # fmt: skip
    t = TrafficLightThresholds(amber_below=0.10, red_below=0.05)
    assert grade_tests(table([15, 16]), t)["traffic_light"].tolist() == ["amber", "red"]


def test_grade_tests_name_the_bad_grade_and_missing_columns():
    bad = table([15, 600])
    with pytest.raises(UserError, match=r"grade B: n=500, pd=0\.02, d=600"):
        grade_tests(bad)
    with pytest.raises(UserError, match=r"\['d'\]"):
        grade_tests(bad[["n", "pd"]])


def test_thresholds_are_ordered_and_documented():
    with pytest.raises(ValidationError, match="must not exceed"):
        TrafficLightThresholds(amber_below=0.01, red_below=0.05)
    for info in TrafficLightThresholds.model_fields.values():
        assert " / " in info.description
    assert TrafficLight.RED.label("zh").startswith("红灯")
