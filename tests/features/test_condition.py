from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from finseg.features import (
    ConditionBands,
    FinancialCondition,
    classify_condition,
    compute_altman,
    compute_ratios,
    condition_markdown,
    explain_reason,
)
from finseg.features._condition import CONDITION_INPUTS

ROOT = Path(__file__).parents[2]
# A sound firm: every strong band met.
STRONG = {
    "debt_to_assets": 0.4, "interest_coverage": 8.0, "current_ratio": 2.0,
    "net_margin": 0.08, "altman_zone": "safe", "owners_equity": 600.0,
    "short_term_debt": 100.0, "long_term_debt": 100.0,
}  # fmt: skip


def grade(bands: ConditionBands | None = None, **changes) -> list[str]:
    return classify_condition(pd.DataFrame([{**STRONG, **changes}]), bands).iloc[0].tolist()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ["strong", "all_strong_bands_met"]),
        ({"interest_coverage": np.nan, "short_term_debt": 0.0, "long_term_debt": 0.0},
         ["strong", "all_strong_bands_met"]),
        ({"interest_coverage": 3.0}, ["adequate", "between_bands"]),
        ({"altman_zone": "grey"}, ["adequate", "between_bands"]),
        ({"debt_to_assets": 0.8}, ["weak", "debt_to_assets>0.75"]),
        ({"interest_coverage": 1.2}, ["weak", "interest_coverage<1.50"]),
        ({"current_ratio": 0.5}, ["weak", "current_ratio<0.80"]),
        ({"net_margin": -0.01}, ["weak", "net_margin<0.00"]),
        ({"altman_zone": "distress"}, ["weak", "altman_zone=distress"]),
        ({"owners_equity": 0.0}, ["distressed", "owners_equity<=0"]),
        ({"debt_to_assets": 1.05}, ["distressed", "debt_to_assets>1.00"]),
        ({"altman_zone": "distress", "interest_coverage": 0.5},
         ["distressed", "altman_zone=distress&interest_coverage<1.00"]),
    ],
)  # fmt: skip
def test_each_rule_and_its_reason(changes, expected):
    assert grade(**changes) == expected


def test_order_distressed_before_weak_and_first_rule_wins():
    # weak on three counts and distressed on two: the first distressed rule is reported
    assert grade(owners_equity=-5.0, debt_to_assets=1.2, current_ratio=0.1, net_margin=-1.0) == [
        "distressed",
        "owners_equity<=0",
    ]
    assert grade(interest_coverage=1.0, net_margin=-0.5) == ["weak", "interest_coverage<1.50"]


def test_missing_measures_never_match_and_thin_data_is_unknown():
    gone = {"interest_coverage": np.nan, "current_ratio": np.nan, "altman_zone": None}
    assert grade(**gone) == ["unknown", "insufficient_data"]
    assert grade(**gone, net_margin=-0.2) == ["weak", "net_margin<0.00"]  # a red flag counts
    assert grade(debt_to_assets=np.nan) == ["unknown", "insufficient_data"]
    # four of five known is enough; but strong needs them all
    assert grade(current_ratio=np.nan) == ["adequate", "between_bands"]


def test_bands_are_config():
    bands = ConditionBands(weak_debt_to_assets_above=0.35, strong_debt_to_assets_below=0.3)
    assert grade(bands) == ["weak", "debt_to_assets>0.35"]
    relaxed = ConditionBands(strong_requires_altman_safe=False, weak_on_altman_distress=False)
    assert grade(relaxed, altman_zone="distress") == ["strong", "all_strong_bands_met"]
    odd = ConditionBands(weak_debt_to_assets_above=0.755)
    assert grade(odd, debt_to_assets=0.76) == ["weak", "debt_to_assets>0.755"]


def test_bands_are_validated():
    with pytest.raises(ValidationError, match="must not exceed"):
        ConditionBands(strong_debt_to_assets_below=0.9)
    with pytest.raises(ValidationError, match="extra"):
        ConditionBands(weak_leverage=0.5)


def test_every_band_is_documented_in_both_languages():
    for name, info in ConditionBands.model_fields.items():
        zh, _, en = (info.description or "").partition(" / ")
        assert zh and en, name


def test_explanations():
    assert explain_reason("interest_coverage<1.50") == "Interest coverage < 1.50"
    assert explain_reason("owners_equity<=0", "zh") == "所有者权益 ≤ 0"
    assert explain_reason("altman_zone=distress", "zh") == "Altman 区间 = 困境"
    assert explain_reason("insufficient_data") == "too little data to judge"
    assert explain_reason("something_else") == "something_else"
    assert [c.label("zh") for c in FinancialCondition][:4] == ["强", "适中", "弱", "困难"]


def test_needs_the_derived_columns():
    with pytest.raises(ValueError, match="compute_ratios"):
        classify_condition(pd.DataFrame({"owners_equity": [1.0]}))


def test_end_to_end_from_canonical_fields():
    firm = {
        "total_assets": 1000.0, "total_liabilities": 600.0, "owners_equity": 400.0,
        "current_assets": 500.0, "current_liabilities": 250.0, "retained_earnings": 150.0,
        "operating_revenue": 1200.0, "operating_cost": 900.0, "total_profit": 80.0,
        "interest_expense": 20.0, "net_profit": 60.0, "short_term_debt": 100.0,
        "long_term_debt": 200.0,
    }  # fmt: skip
    df = pd.DataFrame([firm])
    full = pd.concat([df, compute_ratios(df), compute_altman(df)], axis=1)
    # coverage 5.0 is not above 5, debt-to-assets 0.6 not below 0.5: adequate
    assert classify_condition(full).iloc[0].tolist() == ["adequate", "between_bands"]


def test_vectorised_on_many_rows():
    rng = np.random.default_rng(1)
    n = 200_000
    df = pd.DataFrame({c: rng.normal(1, 1, n) for c in CONDITION_INPUTS if c != "altman_zone"})
    df["altman_zone"] = rng.choice(np.array(["safe", "grey", "distress", None], object), n)
    out = classify_condition(df)
    assert set(out["financial_condition"]) <= {c.value for c in FinancialCondition}
    assert out["financial_condition_reason"].notna().all()


def test_docs_contain_the_generated_condition_section():
    text = (ROOT / "docs" / "features.md").read_text(encoding="utf-8")
    assert condition_markdown() in text
