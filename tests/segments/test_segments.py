"""The segments stage: one segment per customer, the default taxonomy on the sample book,
policy validation of the taxonomy, and the segment validation statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from finseg._policy import check_policy_text
from finseg.features import compute_features
from finseg.risk import risk_stage
from finseg.sample import generate_portfolio
from finseg.segments import DEFAULT_TAXONOMY, SegmentsPolicy, segment_validation, segments_stage


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return segments_stage(risk_stage(compute_features(generate_portfolio(20_000, seed=1))))


def test_every_customer_gets_exactly_one_known_segment(book):
    ids = [s.id for s in DEFAULT_TAXONOMY]
    assert book["segment"].notna().all() and set(book["segment"].astype(str)) <= set(ids)
    assert (book["segment_rule"] == "segments." + book["segment"].astype(str)).all()
    assert book["strategy_key"].notna().all()
    assert book["segment_key"].str.count(r"\|").eq(4).all()


def test_first_match_wins(book):
    # a high-risk customer that is also micro/small stays high-risk (the earlier rule)
    risky_small = book[book["grade"].isin(["CCC", "CC", "C", "D"]) & book["size_class"].isin(
        ["micro", "small"])]  # fmt: skip
    assert len(risky_small) > 0 and (risky_small["segment"] == "high_risk").all()
    other = book[book["segment"] == "other"]
    assert not other["size_class"].isin(["micro", "small"]).any()


def test_default_segments_separate_risk_in_the_order_the_generator_implies(book):
    v = segment_validation(book)
    assert v["chi_square"]["p_value"] < 1e-10 and v["chi_square"]["df"] == 8
    odr = {k: r["odr"] for k, r in v["segments"].items()}
    assert odr["high_risk"] == max(odr.values())
    assert odr["high_risk"] > odr["high_leverage"] > odr["micro_small"] > odr["mature_manufacturer"]
    assert 0 < v["pd_variance_explained"] <= 1
    assert sum(r["n"] for r in v["segments"].values()) == len(book)


def test_validation_statistics_match_hand_computation():
    # segment a: 5 of 100 default, b: 30 of 100.  2x2 chi-square without continuity correction:
    # expected defaults 17.5 each; X² = Σ (O − E)² / E over the four cells
    df = pd.DataFrame({"segment": ["a"] * 100 + ["b"] * 100,
                       "default_12m": [1] * 5 + [0] * 95 + [1] * 30 + [0] * 70,
                       "pd": [0.05] * 100 + [0.3] * 100})  # fmt: skip
    v = segment_validation(df, min_size=150)
    expected = 2 * (12.5**2 / 17.5) + 2 * (12.5**2 / 82.5)
    assert v["chi_square"]["statistic"] == pytest.approx(expected)
    assert v["chi_square"]["p_value"] == pytest.approx(chi2.sf(expected, 1))
    assert v["segments"]["a"]["odr"] == 0.05 and v["segments"]["b"]["too_small"] is True
    assert v["adjacent"][0]["pair"] == ["a", "b"] and v["adjacent"][0]["p_value"] < 1e-5
    # PD is constant within each segment: the segments explain all of its variance
    assert v["pd_variance_explained"] == pytest.approx(1.0)


def test_a_taxonomy_without_a_catch_all_is_rejected_when_the_policy_loads():
    text = (
        "name: {zh: 甲, en: A}\nsegments:\n  taxonomy:\n"
        "    - {id: lev, zh: 高负债, en: Leveraged, when: 'debt_to_assets > 0.7', strategy: lev}\n"
    )
    policy, problems = check_policy_text(text)
    assert policy is None and problems[0].path == "segments"
    assert "catch-all" in problems[0].en and "兜底" in problems[0].zh


def test_a_misspelt_column_is_rejected_with_its_rule_and_line():
    text = (
        "name: {zh: 甲, en: A}\nsegments:\n  taxonomy:\n"
        "    - {id: lev, zh: 高负债, en: Leveraged, when: 'debt_to_asets > 0.7', strategy: lev}\n"
        "    - {id: rest, zh: 其他, en: Others, when: 'TRUE', strategy: rest}\n"
    )
    policy, problems = check_policy_text(text)
    assert policy is None and problems[0].line == 4 and problems[0].path == "segments.taxonomy.0"
    assert "segments.lev" in problems[0].en and "did you mean 'debt_to_assets'" in problems[0].en


def test_a_custom_taxonomy_assigns_by_its_rules():
    cfg = SegmentsPolicy(taxonomy=[
        {"id": "big", "zh": "大", "en": "Big", "when": "total_assets >= 1e9", "strategy": "big"},
        {"id": "rest", "zh": "其他", "en": "Rest", "when": "TRUE", "strategy": "rest"},
    ])  # fmt: skip
    df = pd.DataFrame({"total_assets": [2e9, 1e6, np.nan]})
    out = segments_stage(df, cfg)
    assert out["segment"].astype(str).tolist() == ["big", "rest", "rest"]  # NULL never matches


def test_on_the_demo_portfolio_segments_differ_significantly_in_the_implied_order():
    # finseg demo's own book: 2,000 customers, seed 7 (finseg.demo defaults)
    demo = segments_stage(risk_stage(compute_features(generate_portfolio(2000, seed=7))))
    v = segment_validation(demo)
    assert v["chi_square"]["p_value"] < 1e-10
    odr = {k: r["odr"] for k, r in v["segments"].items()}
    assert odr["high_risk"] == max(odr.values()) and odr["high_risk"] > 0.08
    assert odr["high_risk"] > odr["high_leverage"] > odr["micro_small"] > odr["mature_manufacturer"]


def test_the_shipped_policy_file_spells_out_the_default_taxonomy():
    from finseg.workspace import DEFAULTS_DIR

    text = (DEFAULTS_DIR / "policy.yaml").read_text(encoding="utf-8")
    policy, problems = check_policy_text(text)
    assert problems == []
    fields = ("id", "zh", "en", "when", "strategy")
    shipped = [tuple(getattr(s, f) for f in fields) for s in policy.segments.taxonomy]
    assert shipped == [tuple(getattr(s, f) for f in fields) for s in DEFAULT_TAXONOMY]
