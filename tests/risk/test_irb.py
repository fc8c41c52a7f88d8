from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from finseg.exceptions import UserError
from finseg.risk import expected_loss, irb_capital

# domain.md §7 checks (pd_floor=0.0003, LGD 45 %, M 2.5), RW in %
CHECKS = {0.0003: 14.44, 0.001: 29.65, 0.01: 92.32, 0.05: 149.85, 0.20: 238.23}


def reference(pd, lgd=0.45, m=2.5, sales_eur_m=None, pd_floor=0.0005):
    """domain.md §7's tested scalar implementation, copied verbatim."""
    pd = max(pd, pd_floor)
    w = (1 - math.exp(-50 * pd)) / (1 - math.exp(-50))
    r = 0.12 * w + 0.24 * (1 - w)
    if sales_eur_m is not None and sales_eur_m < 50:
        s = min(max(sales_eur_m, 5.0), 50.0)
        r -= 0.04 * (1 - (s - 5) / 45)
    b = (0.11852 - 0.05478 * math.log(pd)) ** 2
    tail = norm.cdf((norm.ppf(pd) + math.sqrt(r) * norm.ppf(0.999)) / math.sqrt(1 - r))
    k = (lgd * tail - pd * lgd) * (1 + (m - 2.5) * b) / (1 - 1.5 * b)
    return {"R": r, "b": b, "K": k, "RW": 12.5 * k}


def test_risk_weights_match_domain_checks():
    out = irb_capital(list(CHECKS), pd_floor=0.0003)
    assert (out["RW"] * 100).round(2).tolist() == list(CHECKS.values())


def test_default_floor_is_basel_iii():
    out = irb_capital([0.0001, 0.0003])
    assert out["pd"].tolist() == [0.0005, 0.0005]
    assert out["RW"].iloc[0] == pytest.approx(reference(0.0005)["RW"])


@pytest.mark.parametrize("sales", [1.0, 5.0, 20.0, 49.0, 50.0, 80.0])
def test_sme_adjustment_matches_reference(sales):
    got = irb_capital(0.01, sales_eur_m=sales).iloc[0]
    want = reference(0.01, sales_eur_m=sales)
    for key in ("R", "b", "K", "RW"):
        assert got[key] == pytest.approx(want[key], rel=1e-12)


def test_sme_relief_is_four_points_at_most():
    base = irb_capital(0.01)["R"].iloc[0]
    r = irb_capital([0.01] * 4, sales_eur_m=[2.0, 5.0, 27.5, np.nan])["R"]
    assert (base - r).round(10).tolist() == [0.04, 0.04, 0.02, 0.0]  # NaN sales: no relief


def test_maturity_and_lgd_vectorise():
    out = irb_capital([0.01, 0.01], lgd=[0.45, 0.75], maturity=[1.0, 5.0])
    for row, (lgd, m) in zip(out.itertuples(), [(0.45, 1.0), (0.75, 5.0)], strict=True):
        want = reference(0.01, lgd=lgd, m=m)["RW"]
        assert want == pytest.approx(row.RW)


def test_defaulted_exposure_has_no_capital_and_nan_propagates():
    out = irb_capital([1.0, np.nan])
    assert out["K"].iloc[0] == 0.0
    assert np.isnan(out["RW"].iloc[1])


def test_out_of_range_inputs_are_named():
    with pytest.raises(UserError, match="pd must lie in"):
        irb_capital(1.2)
    with pytest.raises(UserError, match="lgd must lie in"):
        irb_capital(0.01, lgd=-0.1)


def test_expected_loss():
    assert expected_loss(0.02, 0.45, 1000.0) == pytest.approx(9.0)
    assert expected_loss([0.01, 1.0], [0.45, 0.4], 100.0).tolist() == pytest.approx([0.45, 40.0])
