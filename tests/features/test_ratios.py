from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finseg.features import RATIOS, NanReason, compute_ratios, ratios_markdown
from finseg.features._flagging import join_flags
from finseg.features._ratios import RATIO_BY_NAME

ROOT = Path(__file__).parents[2]

# One firm, every field present, numbers chosen so each ratio is easy to check by hand.
FIRM = {
    "total_assets": 1000.0, "total_assets_prev": 800.0, "total_liabilities": 600.0,
    "owners_equity": 400.0, "current_assets": 500.0, "current_liabilities": 250.0,
    "cash": 100.0, "inventory": 150.0, "accounts_receivable": 90.0,
    "accounts_receivable_prev": 110.0, "short_term_debt": 100.0, "long_term_debt": 200.0,
    "retained_earnings": 150.0, "operating_revenue": 1200.0, "operating_revenue_prev": 1000.0,
    "operating_cost": 900.0, "total_profit": 80.0, "interest_expense": 20.0,
    "net_profit": 60.0, "net_profit_prev": 50.0, "rd_expense": 36.0, "cfo": 120.0,
    "requested_amount": 300.0, "collateral_value": 450.0,
}  # fmt: skip
EXPECTED = {
    "debt_to_assets": 600 / 1000,
    "debt_to_equity": 600 / 400,
    "current_ratio": 500 / 250,
    "quick_ratio": (500 - 150) / 250,
    "cash_ratio": 100 / 250,
    "interest_coverage": (80 + 20) / 20,
    "gross_margin": (1200 - 900) / 1200,
    "net_margin": 60 / 1200,
    "roa": 60 / ((1000 + 800) / 2),
    "roe": 60 / 400,
    "cfo_to_debt": 120 / 600,
    "receivable_days": 360 * ((90 + 110) / 2) / 1200,
    "inventory_days": 360 * 150 / 900,  # no inventory_prev: closing balance, not flagged
    "asset_turnover": 1200 / ((1000 + 800) / 2),
    "revenue_growth": (1200 - 1000) / 1000,
    "profit_growth": (60 - 50) / 50,
    "rd_intensity": 36 / 1200,
    "collateral_coverage": 450 / 300,
    "leverage_multiple": (100 + 200) / (80 + 20),
}
ISSUE_NAMES = [
    "debt_to_assets", "debt_to_equity", "current_ratio", "quick_ratio", "cash_ratio",
    "interest_coverage", "gross_margin", "net_margin", "roa", "roe", "cfo_to_debt",
    "receivable_days", "inventory_days", "asset_turnover", "revenue_growth", "profit_growth",
    "rd_intensity", "collateral_coverage", "leverage_multiple",
]  # fmt: skip
INPUT_FIELDS = sorted({c for r in RATIOS for c in (*r.inputs, r.prior) if c} | set(FIRM))


def ratios_of(**changes: float) -> pd.Series:
    return compute_ratios(pd.DataFrame([{**FIRM, **changes}])).iloc[0]


def flags_of(row: pd.Series) -> dict[str, str]:
    text = row["ratio_flags"]
    return dict(item.split(":") for item in text.split(";")) if text else {}


def test_the_table_declares_every_ratio_of_the_issue_once():
    assert [r.name for r in RATIOS] == ISSUE_NAMES
    assert all(r.zh and r.en and r.formula and r.source for r in RATIOS)


def test_hand_computed_firm():
    row = ratios_of()
    for name, value in EXPECTED.items():
        assert row[name] == pytest.approx(value, rel=1e-12), name
    assert row["ratio_flags"] == ""


def test_output_columns_and_types():
    out = compute_ratios(pd.DataFrame([FIRM, FIRM], index=[7, 9]))
    assert list(out.columns) == [*ISSUE_NAMES, "ratio_flags"]
    assert (out[ISSUE_NAMES].dtypes == "float64").all()
    assert out["ratio_flags"].dtype == "str"
    assert list(out.index) == [7, 9]


@pytest.mark.parametrize(
    ("changes", "ratio", "reason"),
    [
        ({"total_assets": 0.0}, "debt_to_assets", NanReason.ZERO_DENOMINATOR),
        ({"total_assets": -5.0}, "debt_to_assets", NanReason.NEGATIVE_DENOMINATOR),
        ({"total_liabilities": np.nan}, "debt_to_assets", NanReason.MISSING_INPUT),
        ({"owners_equity": 0.0}, "debt_to_equity", NanReason.NEGATIVE_EQUITY),
        ({"owners_equity": -1.0}, "roe", NanReason.NEGATIVE_EQUITY),
        ({"current_liabilities": 0.0}, "current_ratio", NanReason.ZERO_DENOMINATOR),
        ({"inventory": np.nan}, "quick_ratio", NanReason.MISSING_INPUT),
        ({"interest_expense": 0.0}, "interest_coverage", NanReason.ZERO_DENOMINATOR),
        ({"operating_revenue": -10.0}, "gross_margin", NanReason.NEGATIVE_DENOMINATOR),
        ({"operating_revenue": 0.0}, "net_margin", NanReason.ZERO_DENOMINATOR),
        ({"operating_cost": 0.0}, "inventory_days", NanReason.ZERO_DENOMINATOR),
        ({"operating_revenue_prev": np.nan}, "revenue_growth", NanReason.NO_PRIOR_YEAR),
        ({"operating_revenue_prev": 0.0}, "revenue_growth", NanReason.ZERO_DENOMINATOR),
        ({"net_profit_prev": np.nan}, "profit_growth", NanReason.NO_PRIOR_YEAR),
        ({"net_profit": np.nan}, "profit_growth", NanReason.MISSING_INPUT),
        ({"requested_amount": 0.0}, "collateral_coverage", NanReason.ZERO_DENOMINATOR),
        ({"total_profit": -20.0}, "leverage_multiple", NanReason.ZERO_DENOMINATOR),
        ({"total_profit": -50.0}, "leverage_multiple", NanReason.NEGATIVE_DENOMINATOR),
        ({"total_assets": 1e-300, "total_liabilities": 1e300}, "debt_to_assets",
         NanReason.OUT_OF_RANGE),
        ({"cash": np.inf}, "cash_ratio", NanReason.MISSING_INPUT),
    ],
)  # fmt: skip
def test_every_nan_reason(changes, ratio, reason):
    row = ratios_of(**changes)
    assert math.isnan(row[ratio])
    assert flags_of(row)[ratio] == reason.value


def test_negative_prior_year_uses_its_absolute_value():
    row = ratios_of(net_profit=10.0, net_profit_prev=-40.0)
    assert row["profit_growth"] == pytest.approx((10 - -40) / 40)
    assert "profit_growth" not in flags_of(row)


def test_negative_interest_coverage_is_a_number_not_a_flag():
    # EBIT below zero with interest to pay is a meaningful (bad) coverage
    row = ratios_of(total_profit=-60.0)
    assert row["interest_coverage"] == pytest.approx(-40 / 20)


def test_missing_prior_balance_falls_back_to_closing_without_a_flag():
    row = ratios_of(total_assets_prev=np.nan)
    assert row["roa"] == pytest.approx(60 / 1000)
    assert row["ratio_flags"] == ""


def test_no_input_at_all_is_nan_without_a_flag():
    row = ratios_of(collateral_value=np.nan, requested_amount=np.nan)
    assert math.isnan(row["collateral_coverage"])
    assert "collateral_coverage" not in flags_of(row)
    row = ratios_of(collateral_value=np.nan)
    assert flags_of(row)["collateral_coverage"] == "missing_input"


def test_absent_columns_count_as_missing():
    out = compute_ratios(pd.DataFrame({"total_assets": [100.0], "total_liabilities": [60.0]}))
    assert out.loc[0, "debt_to_assets"] == pytest.approx(0.6)
    flags = flags_of(out.iloc[0])
    assert flags["debt_to_equity"] == "missing_input"
    assert "collateral_coverage" not in flags  # neither of its inputs was supplied


def test_join_flags_beyond_one_packed_key():
    names = [f"r{i}" for i in range(30)]
    codes = [np.array([0, 1 + i % 6], np.uint8) for i in range(30)]
    text = list(join_flags(names, codes))[1].split(";")
    assert len(text) == 30 and text[0] == "r0:missing_input" and text[29] == "r29:out_of_range"


def test_empty_frame():
    out = compute_ratios(pd.DataFrame(columns=INPUT_FIELDS, dtype="float64"))
    assert len(out) == 0 and "ratio_flags" in out


amounts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324]),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 5))
    return pd.DataFrame(
        {c: draw(st.lists(amounts, min_size=n, max_size=n)) for c in INPUT_FIELDS},
        dtype="float64",
    )


def _absent(df: pd.DataFrame, fields: list[str]) -> np.ndarray:
    return np.logical_and.reduce([~np.isfinite(df[c].to_numpy()) for c in fields])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_any_input_gives_finite_or_nan_and_flags_follow_the_rule(df):
    out = compute_ratios(df)
    values = out[ISSUE_NAMES].to_numpy()
    assert not np.isinf(values).any()
    for i, text in enumerate(out["ratio_flags"]):
        flagged = set(flags_of(pd.Series({"ratio_flags": text})))
        for r in RATIOS:
            nothing = _absent(df.iloc[[i]], [*r.inputs, *([r.prior] if r.prior else [])])[0]
            should_flag = math.isnan(out[r.name].iloc[i]) and not nothing
            assert (r.name in flagged) == should_flag, (r.name, text)


@settings(max_examples=200, deadline=None)
@given(
    assets=st.floats(1e-6, 1e15),
    liabilities=st.floats(0, 1e15),
    more=st.floats(0, 1e15),
)
def test_more_liabilities_never_lower_debt_to_assets(assets, liabilities, more):
    df = pd.DataFrame({"total_assets": [assets] * 2, "total_liabilities": [liabilities] * 2})
    df.loc[1, "total_liabilities"] = liabilities + more
    ratio = compute_ratios(df)["debt_to_assets"]
    assert ratio[1] >= ratio[0]


def test_vectorised_on_many_rows():
    rng = np.random.default_rng(0)
    n = 200_000
    df = pd.DataFrame({c: rng.normal(1e6, 1e6, n) for c in INPUT_FIELDS})
    df = df.mask(rng.random(df.shape) < 0.05)
    out = compute_ratios(df)
    assert len(out) == n and not np.isinf(out[ISSUE_NAMES].to_numpy()).any()
    row = out.iloc[123]
    assert (
        row["current_ratio"]
        == pytest.approx(
            df["current_assets"].iloc[123] / df["current_liabilities"].iloc[123], nan_ok=True
        )
        or "current_ratio" in row["ratio_flags"]
    )


def test_reasons_have_labels_in_both_languages():
    for reason in NanReason:
        assert reason.label("zh") != reason.label("en")
    assert RATIO_BY_NAME["roe"].nonpositive_reason is NanReason.NEGATIVE_EQUITY


def test_docs_contain_the_generated_ratio_table():
    text = (ROOT / "docs" / "features.md").read_text(encoding="utf-8")
    assert ratios_markdown() in text, (
        "docs/features.md is stale: paste ratios_markdown() under '## Financial ratios'"
    )
