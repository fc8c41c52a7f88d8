"""The strategy stage: plausible products on the demo book, the named caps, scenarios that
only tighten, reasons for every decline, pricing and policy validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finseg._policy import check_policy_text
from finseg.allocation._policy import AllocationPolicy
from finseg.exceptions import UserError
from finseg.features import compute_features
from finseg.risk import risk_stage
from finseg.risk._irb import irb_capital
from finseg.sample import generate_portfolio
from finseg.segments import segments_stage
from finseg.strategy import CAPS, STRATEGY_OUTPUT, StrategyPolicy, split_reasons, strategy_stage

LEVELS = ["auto", "standard", "enhanced", "committee"]
DECISIONS = ["approve", "refer", "decline"]


def _graded(n: int, seed: int) -> pd.DataFrame:
    return segments_stage(risk_stage(compute_features(generate_portfolio(n, seed=seed))))


@pytest.fixture(scope="module")
def graded() -> pd.DataFrame:
    """The demo book (``finseg demo``: 2,000 customers, seed 7) before the strategy stage."""
    return _graded(2000, 7)


@pytest.fixture(scope="module")
def demo(graded) -> pd.DataFrame:
    return strategy_stage(graded)


def _rows(demo: pd.DataFrame, product: str) -> pd.DataFrame:
    return demo[demo["product"] == product]


def test_the_stage_adds_its_columns_and_keeps_the_rows(graded, demo):
    assert list(demo.columns[-len(STRATEGY_OUTPUT) :]) == list(STRATEGY_OUTPUT)
    assert len(demo) == len(graded) and demo.index.equals(graded.index)
    assert set(demo["decision"].astype(str)) == set(DECISIONS)
    assert set(demo["review_level"].astype(str)) <= set(LEVELS)
    assert (demo["scenario"] == "baseline").all()


def test_every_product_of_the_catalogue_goes_to_a_plausible_set_of_customers(demo):
    counts = demo["product"].value_counts()
    for product in StrategyPolicy().products:
        assert counts.get(product.id, 0) >= 5, product.id
    ip = _rows(demo, "ip_pledge")
    assert (ip["patents"] >= 1).all()
    assert (ip["tech_enterprise"] | ip["high_tech"] | ip["specialized_sme"]).all()
    lease = _rows(demo, "equipment_lease")
    assert lease["industry_section"].isin(["C", "D", "G", "Q"]).all()
    assert (
        lease["loan_purpose"].eq("fixed_asset") | lease["collateral_type"].eq("equipment")
    ).all()
    assert (lease["industry_section"] == "C").mean() > 0.5  # mostly manufacturers
    green = _rows(demo, "green_credit")
    assert (green["green_category"].notna() | green["new_energy"]).all()
    micro = _rows(demo, "inclusive_micro")
    assert micro["size_class"].isin(["micro", "small"]).all()
    assert (micro["limit"] <= 10_000_000).all()  # the inclusive single-customer ceiling
    syndicated = _rows(demo, "syndicated")
    assert (syndicated["size_class"] == "large").all()
    assert (syndicated["requested_amount"] >= 200_000_000).all()
    chain = _rows(demo, "supply_chain")
    assert (chain["collateral_type"].eq("receivables") | chain["loan_purpose"].eq("trade")).all()
    project = _rows(demo, "project_loan")
    assert project["loan_purpose"].isin(["project", "fixed_asset"]).all()
    tech = _rows(demo, "tech_loan")
    assert (tech["tech_enterprise"] | tech["high_tech"] | tech["specialized_sme"]).all()
    # no dedicated product reaches the high-risk watch segment
    risky = demo[demo["segment"] == "high_risk"]
    assert not risky["product"].isin(["ip_pledge", "tech_loan", "green_credit"]).any()


def test_programme_members_get_their_dedicated_product_first(demo):
    green = demo[demo["green_category"].notna() & (demo["segment"] != "high_risk")]
    # the dedicated product first, unless it cannot lend (say, a pledge it asks is missing)
    assert len(green) > 0 and (green["product"] == "green_credit").mean() > 0.8
    first = demo["eligible_products"].astype(str).str.split(",").str[0]
    has = demo["product"].notna()
    assert (first[has] == demo.loc[has, "product"].astype(str)).all()


def test_the_limit_is_the_smallest_named_cap_rounded_down(demo):
    caps = demo[[f"cap_{c}" for c in CAPS]].to_numpy()
    smallest = np.nanmin(np.where(np.isnan(caps), np.inf, caps), axis=1)
    live = demo["decision"] != "decline"
    limit = demo["limit"].to_numpy()
    assert (limit[live] <= smallest[live] + 1e-6).all()
    assert (smallest[live] - limit[live] < 10_000).all()  # rounding down to 10,000 yuan
    assert (limit % 10_000 == 0).all() and (limit >= 0).all()
    binding = demo.loc[live, "limit_binding"].astype(str)
    named = demo.loc[live, [f"cap_{c}" for c in CAPS]].to_numpy()
    picked = named[np.arange(len(binding)), [CAPS.index(b) for b in binding]]
    assert np.allclose(picked, smallest[live.to_numpy()])
    assert (demo.loc[demo["decision"] == "decline", "limit"] == 0).all()


def test_every_decline_has_a_reason_and_every_refer_a_refer_reason(demo):
    codes = demo["decision_reasons"].astype(str).map(split_reasons)
    declined = demo["decision"] == "decline"
    assert codes[declined].map(lambda c: any(x.startswith("decline:") for x in c)).all()
    referred = demo["decision"] == "refer"
    assert codes[referred].map(lambda c: any(x.startswith("refer:") for x in c)).all()
    approved = demo["decision"] == "approve"
    assert (
        not codes[approved]
        .map(lambda c: any(x.startswith(("decline:", "refer:")) for x in c))
        .any()
    )


def test_price_is_the_sum_of_its_components(demo):
    cfg, capital = StrategyPolicy(), AllocationPolicy()
    row = demo[(demo["product"] == "working_capital") & demo["programmes"].eq("")].iloc[0]
    pd_used = max(row["scenario_pd"], capital.pd_floor)
    k = irb_capital(
        pd_used,
        row["lgd"],
        min(max(row["maturity_years"], 1), 5),
        row["operating_revenue"] / capital.cny_per_eur / 1e6,
    )["K"].iloc[0]
    expected = (
        cfg.pricing.base_rate
        + pd_used * row["lgd"]
        + capital.hurdle_rate * k
        + capital.opex_rate
        + cfg.pricing.margin
    )
    expected = min(max(expected, cfg.pricing.min_rate), cfg.pricing.max_rate)
    assert row["price"] == pytest.approx(expected, rel=1e-9)
    assert row["capital_k"] == pytest.approx(k, rel=1e-9)
    assert row["expected_loss"] == pytest.approx(pd_used * row["lgd"] * row["limit"], rel=1e-9)
    assert row["rwa"] == pytest.approx(12.5 * k * row["limit"], rel=1e-9)


def test_a_programme_discount_lowers_the_price(graded):
    base = strategy_stage(graded)
    cfg = StrategyPolicy()
    cheaper = cfg.model_copy(
        update={
            "programmes": [p.model_copy(update={"price_discount": 0.01}) for p in cfg.programmes]
        }
    )
    after = strategy_stage(graded, cheaper)
    member = base["programmes"] != ""
    unclipped = (base["price"] > cfg.pricing.min_rate + 0.01) & (
        base["price"] < cfg.pricing.max_rate
    )
    assert (after.loc[member & unclipped, "price"] < base.loc[member & unclipped, "price"]).all()
    assert (after.loc[~member, "price"] == base.loc[~member, "price"]).all()


def test_the_regulatory_cap_binds_when_net_capital_is_small(graded):
    capital = AllocationPolicy(net_capital=50_000_000.0, single_cap=0.1)
    out = strategy_stage(graded, capital=capital)
    assert (out["cap_regulatory"] == 5_000_000).all()
    assert (out["limit"] <= 5_000_000).all()
    assert (out["limit_binding"] == "regulatory").sum() > 0


def test_downturn_tightens_against_baseline_on_the_demo(graded, demo):
    down = strategy_stage(graded, scenario="downturn")
    assert (down["scenario"] == "downturn").all()
    assert (down["scenario_pd"] >= demo["scenario_pd"] - 1e-15).all()
    assert (down["limit"] <= demo["limit"]).all()
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    assert (
        down["review_level"].astype(str).map(rank) >= demo["review_level"].astype(str).map(rank)
    ).all()
    assert (down["review_level"] != "auto").all()  # the downturn's minimum is standard
    drank = {d: i for i, d in enumerate(DECISIONS)}
    assert (
        down["decision"].astype(str).map(drank) >= demo["decision"].astype(str).map(drank)
    ).all()
    approvals = (down["decision"] == "approve").sum(), (demo["decision"] == "approve").sum()
    assert approvals[0] < approvals[1]
    assert down["limit"].sum() < 0.9 * demo["limit"].sum()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 120),
    stress=st.floats(1.0, 5.0),
    haircut=st.floats(0.0, 0.9),
    scale=st.floats(0.1, 1.0),
)
def test_properties_caps_tightening_and_reasons(seed, n, stress, haircut, scale):
    graded = _graded(n, seed)
    cfg = StrategyPolicy()
    scenarios = dict(cfg.scenarios)
    scenarios["stress"] = scenarios["downturn"].model_copy(
        update={"pd_multiplier": {"default": stress}, "ltv_haircut": haircut, "limit_scale": scale}
    )
    cfg = cfg.model_copy(update={"scenarios": scenarios})
    capital = AllocationPolicy(net_capital=float(np.random.default_rng(seed).uniform(1e7, 1e10)))
    base = strategy_stage(graded, cfg, capital=capital)
    down = strategy_stage(graded, cfg, capital=capital, scenario="stress")
    for out in (base, down):
        caps = out[[f"cap_{c}" for c in CAPS]].to_numpy()
        assert (
            out["limit"].to_numpy()[:, None] <= np.where(np.isnan(caps), np.inf, caps) + 1e-6
        ).all()
        codes = out["decision_reasons"].astype(str).map(split_reasons)
        declined = out["decision"] == "decline"
        assert codes[declined].map(lambda c: any(x.startswith("decline:") for x in c)).all()
    assert (down["limit"] <= base["limit"]).all()
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    assert (
        down["review_level"].astype(str).map(rank) >= base["review_level"].astype(str).map(rank)
    ).all()


def test_an_unknown_scenario_is_a_user_error(graded):
    with pytest.raises(UserError, match="unknown scenario 'boom'"):
        strategy_stage(graded.head(5), scenario="boom")


def test_empty_input_gives_empty_output(graded):
    out = strategy_stage(graded.head(0))
    assert len(out) == 0 and set(STRATEGY_OUTPUT) <= set(out.columns)


def test_the_decision_is_deterministic(graded, demo):
    again = strategy_stage(graded)
    pd.testing.assert_frame_equal(again, demo)


def _policy_error(yaml_text: str) -> str:
    policy, problems = check_policy_text("name: {zh: 甲, en: A}\n" + yaml_text)
    assert policy is None
    return " ".join(p.en for p in problems)


def test_policy_validation_names_the_problem():
    assert "unknown column" in _policy_error(
        "strategy:\n  decline:\n    - {id: x, zh: 甲, en: A, when: 'debt_to_asets > 1'}\n"
    )
    assert "master scale" in _policy_error(
        "strategy:\n  products:\n    - id: p\n      zh: 甲\n      en: P\n      when: 'TRUE'\n"
        "      priority: 1\n      capacity: {basis: revenue}\n      tenor_months: [1, 12]\n"
        "      collateral: [{to: ZZZ, level: none}]\n"
    )
    assert "never need less security" in _policy_error(
        "strategy:\n  products:\n    - id: p\n      zh: 甲\n      en: P\n      when: 'TRUE'\n"
        "      priority: 1\n      capacity: {basis: revenue}\n      tenor_months: [1, 12]\n"
        "      collateral: [{to: A, level: secured}, {to: D, level: none}]\n"
    )
    assert "tightening scenario" in _policy_error(
        "strategy:\n  scenarios:\n    baseline: {zh: 基准, en: Base}\n"
        "    odd: {zh: 怪, en: Odd, tighten: true, pd_multiplier: {default: 0.5}}\n"
    )
    assert "must include 'baseline'" in _policy_error(
        "strategy:\n  scenarios:\n    odd: {zh: 怪, en: Odd}\n"
    )
    assert "unknown product" in _policy_error(
        "strategy:\n  programmes:\n    - {id: g, zh: 绿, en: G, when: 'new_energy', "
        "products: [nope]}\n"
    )


def test_the_shipped_policy_spells_out_the_default_strategy():
    from importlib.resources import files

    from finseg._policy import parse_policy

    shipped = parse_policy((files("finseg") / "defaults" / "policy.yaml").read_text("utf-8"))
    assert shipped.strategy == StrategyPolicy()
