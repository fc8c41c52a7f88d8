"""Outcomes of expert adjustments against comparable unadjusted customers (same baseline
grade), standardised and tested by hand; the note when nobody was adjusted."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from finseg.monitoring import adjustment_outcomes, pair_runs
from finseg.risk import default_master_scale

ORDER = default_master_scale().labels


def _runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    # BB: 4 adjusted (2 default, 1 downgraded) and 6 not (1 defaults, 3 downgraded);
    # B: 2 adjusted (none default) and 4 not (2 default); A: 1 adjusted with no comparable
    grade = [*["BB"] * 10, *["B"] * 6, "A"]
    adjusted = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]
    y = [1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0]
    now = ["B", "BB", "BB", "BB", *["B"] * 3, *["BB"] * 3, *["B"] * 6, "A"]
    ids = [f"c{i}" for i in range(17)]
    before = pd.DataFrame({"customer_id": ids, "grade": grade, "pd": 0.01,
                           "grade_override_id": [7 if a else None for a in adjusted],
                           "segment_override_id": None})  # fmt: skip
    before["grade_override_id"] = before["grade_override_id"].astype("Int64")
    after = pd.DataFrame({"customer_id": ids, "grade": now, "pd": 0.01, "default_12m": y})
    return before, after


def test_grade_adjustments_by_hand():
    before, after = _runs()
    out = adjustment_outcomes(before, after, pair_runs(before, after), ORDER)
    assert out["adjusted_customers"] == 7 and out["segment"] is None and "note" not in out
    g = out["grade"]
    assert (g["adjusted"], g["with_outcome"], g["defaults"]) == (7, 7, 2)
    assert g["odr"] == pytest.approx(2 / 7) and g["without_comparable"] == 1
    # standardised: BB rate 1/6 for 4 adjusted, B rate 2/4 for 2 adjusted
    expected = (4 * (1 / 6) + 2 * (2 / 4)) / 6
    assert g["comparable_odr"] == pytest.approx(expected)
    tail = sum(math.comb(6, k) * expected**k * (1 - expected) ** (6 - k) for k in range(2, 7))
    assert g["p_worse"] == pytest.approx(tail)
    assert g["p_better"] == pytest.approx(1 - tail + math.comb(6, 2) * expected**2
                                          * (1 - expected) ** 4)  # fmt: skip
    assert g["verdict"]["code"] == "same" and g["verdict"]["zh"]
    assert g["downgrade_share"] == pytest.approx(1 / 7)
    assert g["comparable_downgrade_share"] == pytest.approx((4 * 3 / 6 + 2 * 0) / 6)
    assert g["strata"]["BB"] == {"adjusted": 4, "adjusted_defaults": 2, "comparable": 6,
                                 "comparable_defaults": 1}  # fmt: skip


def test_no_adjusted_customer_is_said():
    before, after = _runs()
    before["grade_override_id"] = pd.array([None] * len(before), dtype="Int64")
    out = adjustment_outcomes(before, after, pair_runs(before, after), ORDER)
    assert out["adjusted_customers"] == 0 and out["grade"] is None
    assert out["note"]["en"].startswith("No customer was adjusted") and "专家" in out["note"]["zh"]
    out = adjustment_outcomes(before.drop(columns=["grade_override_id", "segment_override_id"]),
                              after, pair_runs(before, after), ORDER)  # fmt: skip
    assert out["adjusted_customers"] == 0 and "note" in out
