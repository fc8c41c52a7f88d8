from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from finseg.features import ALTMAN_INPUTS, AltmanBands, AltmanZone, altman_markdown, compute_altman
from finseg.features._altman import zone_of

ROOT = Path(__file__).parents[2]
FIRM = {
    "current_assets": 500.0, "current_liabilities": 250.0, "total_assets": 1000.0,
    "retained_earnings": 150.0, "total_profit": 80.0, "interest_expense": 20.0,
    "owners_equity": 400.0, "total_liabilities": 600.0, "operating_revenue": 1200.0,
}  # fmt: skip
XS = ["altman_x1", "altman_x2", "altman_x3", "altman_x4", "altman_x5"]


def altman_of(**changes: float) -> pd.Series:
    return compute_altman(pd.DataFrame([{**FIRM, **changes}])).iloc[0]


def test_reference_values_by_hand():
    row = altman_of()
    x = {"altman_x1": 0.25, "altman_x2": 0.15, "altman_x3": 0.10, "altman_x4": 400 / 600,
         "altman_x5": 1.2}  # fmt: skip
    for name, value in x.items():
        assert row[name] == pytest.approx(value), name
    # 6.56·0.25 + 3.26·0.15 + 6.72·0.10 + 1.05·(2/3) = 1.64 + 0.489 + 0.672 + 0.70
    assert row["altman_z2"] == pytest.approx(3.501)
    assert row["altman_zone"] == "safe"
    assert row["altman_flags"] == ""


def test_a_firm_in_distress():
    # X1 = -0.1, X2 = -0.2, X3 = -0.05, X4 = 0.25: Z'' = -0.656 - 0.652 - 0.336 + 0.2625
    row = altman_of(current_assets=150.0, retained_earnings=-200.0, total_profit=-70.0,
                    owners_equity=200.0, total_liabilities=800.0)  # fmt: skip
    assert row["altman_z2"] == pytest.approx(-1.3815)
    assert row["altman_zone"] == "distress"


def test_zone_cut_offs_are_inclusive_for_grey():
    z = np.array([2.6000001, 2.6, 1.1, 1.0999999, np.nan])
    assert zone_of(z, AltmanBands()).tolist() == ["safe", "grey", "grey", "distress", np.nan]


def test_cut_offs_come_from_config():
    row = compute_altman(pd.DataFrame([FIRM]), AltmanBands(safe_above=4.0)).iloc[0]
    assert row["altman_zone"] == "grey"
    with pytest.raises(ValidationError, match="distress_below"):
        AltmanBands(distress_below=3.0, safe_above=2.0)
    with pytest.raises(ValidationError, match="extra"):
        AltmanBands(safe=1.0)


def test_missing_input_gives_no_score_and_no_zone():
    row = altman_of(retained_earnings=np.nan)
    assert math.isnan(row["altman_x2"]) and math.isnan(row["altman_z2"])
    assert pd.isna(row["altman_zone"])
    assert row["altman_flags"] == "altman_x2:missing_input"


def test_x5_is_not_part_of_z2():
    row = altman_of(operating_revenue=np.nan)
    assert row["altman_z2"] == pytest.approx(3.501)
    assert row["altman_flags"] == "altman_x5:missing_input"


def test_no_liabilities_leaves_x4_undefined():
    row = altman_of(total_liabilities=0.0)
    assert math.isnan(row["altman_x4"]) and pd.isna(row["altman_zone"])
    assert "altman_x4:zero_denominator" in row["altman_flags"]


def test_zone_labels():
    assert [z.label("zh") for z in AltmanZone] == ["安全", "灰色", "困境"]
    assert AltmanZone.GREY.label("en") == "Grey"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=9, max_size=9))
def test_any_input_gives_finite_or_nan(values):
    row = compute_altman(pd.DataFrame([dict(zip(FIRM, values, strict=True))])).iloc[0]
    numbers = row[[*XS, "altman_z2"]].astype(float)
    assert not np.isinf(numbers).any()
    assert pd.isna(row["altman_zone"]) == math.isnan(row["altman_z2"])


def test_docs_contain_the_generated_altman_table():
    assert [r.name for r in ALTMAN_INPUTS] == XS
    text = (ROOT / "docs" / "features.md").read_text(encoding="utf-8")
    assert altman_markdown() in text
