from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finseg.exceptions import InsufficientDataError, UserError
from finseg.risk import (
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

# Samples with at least one default and one good; scores drawn from a few values to force ties.
samples = st.integers(2, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < n),
        st.lists(st.integers(-5, 5).map(float), min_size=n, max_size=n),
    )
)


@given(samples)
@settings(max_examples=60, deadline=None)
def test_auc_is_invariant_to_monotone_transforms(sample):
    y, s = sample
    s = np.array(s)
    assert auc(y, np.exp(s)) == pytest.approx(auc(y, s))
    assert auc(y, 3 * s + 7) == pytest.approx(auc(y, s))


@given(samples)
@settings(max_examples=60, deadline=None)
def test_auc_of_reversed_score_complements(sample):
    y, s = sample
    assert auc(y, s) + auc(y, -np.array(s)) == pytest.approx(1.0)


@given(samples)
@settings(max_examples=60, deadline=None)
def test_gini_and_ks_are_bounded(sample):
    y, s = sample
    assert -1.0 <= gini(y, s) <= 1.0
    assert 0.0 <= ks(y, s) <= 1.0


def test_auc_by_hand():
    # pairs (bad, good): (0.35 vs 0.1) win, (0.35 vs 0.4) lose, 0.8 beats both -> 3/4
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert auc([1, 0], [0.5, 0.5]) == 0.5  # a tie counts half
    assert gini([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.5


def test_ks_by_hand():
    # goods at 1, 2, 3; bads at 2, 4.  After s=1: F_good 1/3, F_bad 0; after 2: 2/3 vs 1/2;
    # after 3: 1 vs 1/2 -> KS = 1/2.
    assert ks([0, 0, 1, 0, 1], [1, 2, 2, 3, 4]) == pytest.approx(0.5)
    assert ks([0, 1, 0, 1], [1, 1, 2, 2]) == 0.0  # ties never split


def test_one_class_is_insufficient_data_in_both_languages():
    with pytest.raises(InsufficientDataError, match="0 default") as err:
        auc([0, 0, 0], [0.1, 0.2, 0.3])
    assert "违约" in err.value.message("zh")
    with pytest.raises(InsufficientDataError):
        ks([1, 1], [0.1, 0.2])


def test_bad_input_is_named():
    with pytest.raises(UserError, match="found 2"):
        auc([0, 2], [0.1, 0.2])
    with pytest.raises(UserError, match="y has 2 values but score has 3"):
        auc([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(UserError, match=r"\[0, 1\]"):
        brier([0, 1], [0.1, 1.2])


def test_brier_and_log_loss_by_hand():
    assert brier([0, 1], [0.2, 0.6]) == pytest.approx((0.04 + 0.16) / 2)
    assert log_loss([0, 1], [0.2, 0.6]) == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    assert np.isfinite(log_loss([0, 1], [1.0, 0.0]))  # clipped


def test_calibration_curve_bins_by_pd_quantile():
    y = [0, 0, 0, 1, 0, 1, 1, 1]
    pd_ = [0.1, 0.1, 0.2, 0.2, 0.6, 0.6, 0.8, 0.9]
    curve = calibration_curve(y, pd_, bins=2)
    assert curve["count"].tolist() == [4, 4]
    assert curve["mean_pd"].tolist() == pytest.approx([0.15, 0.725])
    assert curve["default_rate"].tolist() == [0.25, 0.75]
    assert calibration_curve([0, 1], [0.3, 0.3])["count"].tolist() == [2]  # merged quantiles


@given(st.lists(st.floats(0, 1), min_size=1, max_size=8), st.data())
@settings(max_examples=60, deadline=None)
def test_psi_from_shares_is_non_negative_and_zero_when_equal(raw, data):
    e = np.array(raw) + 0.01
    e /= e.sum()
    a = np.array(data.draw(st.lists(st.floats(0, 1), min_size=e.size, max_size=e.size))) + 0.0
    a = a / a.sum() if a.sum() > 0 else e
    assert psi_from_shares(e, a) >= 0.0
    assert psi_from_shares(e, e) == 0.0


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.integers(1, 10))
@settings(max_examples=60, deadline=None)
def test_psi_of_identical_samples_is_zero(values, bins):
    assert psi(values, values, bins=bins) == 0.0
    assert psi(values, values[::-1], bins=bins) == 0.0


def test_psi_by_hand():
    # shares (0.5, 0.5) -> (0.75, 0.25): 0.25·ln 1.5 + 0.25·ln 2 = 0.25·ln 3
    assert psi([1, 2, 3, 4], [1, 1, 1, 4], bins=[2.5]) == pytest.approx(0.25 * np.log(3))
    assert psi_from_shares([0.5, 0.5], [0.6, 0.4]) == pytest.approx(
        0.1 * np.log(0.6 / 0.5) - 0.1 * np.log(0.4 / 0.5)
    )
    # an empty actual bin is read as eps = 1e-6 rather than log(0)
    assert psi_from_shares([0.5, 0.5], [1.0, 0.0]) == pytest.approx(
        0.5 * np.log(2) + 0.5 * np.log(0.5 / 1e-6)
    )
    # missing values form a bin of their own
    assert psi([1.0, 2.0], [1.0, np.nan], bins=[1.5]) > 0


def test_psi_rejects_counts_and_mismatched_bins():
    with pytest.raises(UserError, match="sum to 1"):
        psi_from_shares([10, 20], [15, 15])
    with pytest.raises(UserError, match="2 bins but actual has 3"):
        psi_from_shares([0.5, 0.5], [0.2, 0.3, 0.5])


def test_psi_bands_follow_domain_thresholds():
    assert psi_band(0.099) is StabilityBand.STABLE
    assert psi_band(0.10) is StabilityBand.MODERATE
    assert psi_band(0.25) is StabilityBand.MODERATE
    assert psi_band(0.2501) is StabilityBand.SIGNIFICANT
    assert StabilityBand.STABLE.label("zh").startswith("稳定")


def test_hhi():
    assert hhi([1, 1, 1, 1]) == 0.25
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(0.25 + 0.09 + 0.04)
    with pytest.raises(UserError, match="positive total"):
        hhi([0, 0])
