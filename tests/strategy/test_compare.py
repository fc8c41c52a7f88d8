"""Scenario comparison: re-deciding reproduces a run's own decisions exactly, a tightening
scenario never approves more or lends more than the baseline in any segment, totals are the
sums of the segments, and an unknown scenario is a user error naming the known ones."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from finseg._policy import Policy
from finseg.exceptions import UserError
from finseg.features import compute_features
from finseg.risk import risk_stage
from finseg.sample import generate_portfolio
from finseg.segments import segments_stage
from finseg.strategy import (
    METRICS,
    STRATEGY_OUTPUT,
    TOTAL,
    compare_payload,
    compare_scenarios,
    pick_scenarios,
    redecide,
    segment_summary,
)
from finseg.strategy._compare import NO_SEGMENT


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy(name={"zh": "默认", "en": "Default"})


@pytest.fixture(scope="module")
def results(policy: Policy) -> pd.DataFrame:
    """A decided book of 500 customers, as a run would store it (baseline)."""
    frame = segments_stage(risk_stage(compute_features(generate_portfolio(500, seed=11))))
    return redecide(frame, policy, "baseline")


@pytest.fixture(scope="module")
def table(results: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    return compare_scenarios(results, policy)


def test_redeciding_reproduces_the_stored_decisions_exactly(results, policy) -> None:
    again = redecide(results, policy, "baseline")
    for column in STRATEGY_OUTPUT:
        pd.testing.assert_series_equal(again[column], results[column])


def test_all_scenarios_baseline_first(table, policy) -> None:
    assert list(dict.fromkeys(table["scenario"])) == ["baseline", "downturn", "upturn"]
    assert list(table.columns) == ["scenario", "segment", *METRICS]
    assert pick_scenarios(policy, ["upturn", " baseline", "upturn"]) == ["upturn", "baseline"]


def test_downturn_never_more_lenient_than_baseline_in_any_segment(table) -> None:
    by = table.set_index(["scenario", "segment"])
    base, down = by.loc["baseline"], by.loc["downturn"]
    assert (down["approve"] <= base["approve"]).all()
    assert (down["granted"] <= base["granted"]).all()
    assert down.loc[TOTAL, "approve"] < base.loc[TOTAL, "approve"]


def test_totals_are_the_sums_of_the_segments(table, results) -> None:
    for _, rows in table.groupby("scenario"):
        segments, total = rows[rows["segment"] != TOTAL], rows[rows["segment"] == TOTAL].iloc[0]
        for metric in ("customers", "approve", "refer", "decline"):
            assert segments[metric].sum() == total[metric]
        for metric in ("granted", "proposed", "expected_loss", "rwa"):
            assert segments[metric].sum() == pytest.approx(total[metric], rel=1e-12)
        assert total["customers"] == len(results)
        assert total["approve"] + total["refer"] + total["decline"] == len(results)


def test_baseline_block_matches_the_stored_decisions(table, results) -> None:
    base = table[(table["scenario"] == "baseline")].set_index("segment")
    for decision, metric in (("approve", "granted"), ("refer", "proposed")):
        chosen = results[results["decision"] == decision]
        stored = chosen.groupby(chosen["segment"].astype(str))["limit"].sum()
        for segment, limit in stored.items():
            assert base.loc[segment, metric] == pytest.approx(limit)
    lent = results["limit"] > 0
    weighted = (results["price"][lent] * results["limit"][lent]).sum() / results["limit"].sum()
    assert base.loc[TOTAL, "mean_price"] == pytest.approx(weighted)


def test_segments_follow_the_taxonomy_order(table, policy) -> None:
    order = [s.id for s in policy.segments.taxonomy]
    seen = list(dict.fromkeys(table["segment"]))
    assert seen[-1] == TOTAL
    assert seen[:-1] == [s for s in order if s in seen]


def test_unknown_scenario_is_a_user_error(policy) -> None:
    with pytest.raises(UserError, match=r"unknown scenario\(s\) boom; .* baseline, downturn"):
        pick_scenarios(policy, ["baseline", "boom"])
    with pytest.raises(UserError, match="unknown scenario"):
        pick_scenarios(policy, [" ", ""])


def test_summary_keeps_customers_without_a_segment() -> None:
    decided = pd.DataFrame(
        {
            "decision": ["approve", "decline", "refer"],
            "limit": [100.0, 0.0, 50.0],
            "expected_loss": [1.0, 0.0, 2.0],
            "rwa": [80.0, 0.0, 40.0],
            "price": [0.05, np.nan, 0.08],
        }
    )
    segment = pd.Series(["b", None, "a"], dtype="string")
    summary = segment_summary(decided, segment, ["a", "b"])
    assert list(summary.index) == ["a", "b", NO_SEGMENT, TOTAL]
    assert summary.loc[TOTAL, "customers"] == 3
    assert (summary.loc[TOTAL, "granted"], summary.loc[TOTAL, "proposed"]) == (100.0, 50.0)
    assert (summary.loc["a", "granted"], summary.loc["a", "proposed"]) == (0.0, 50.0)
    assert summary.loc[TOTAL, "mean_price"] == pytest.approx((0.05 * 100 + 0.08 * 50) / 150)
    assert np.isnan(summary.loc[NO_SEGMENT, "mean_price"])  # nothing lent: no price


def test_payload_is_strict_json(table, policy) -> None:
    payload = compare_payload(table, policy, "R1")
    text = json.dumps(payload, allow_nan=False)
    assert json.loads(text)["scenarios"] == ["baseline", "downturn", "upturn"]
    assert payload["scenario_names"]["downturn"] == {"zh": "经济下行", "en": "Downturn"}
    assert set(payload["total"]) == {"baseline", "downturn", "upturn"}
    assert isinstance(payload["total"]["baseline"]["approve"], int)


def test_a_fall_in_expected_loss_from_fewer_approvals_is_explained(table, policy) -> None:
    payload = compare_payload(table, policy, "r1")
    total = payload["total"]
    notes = {n["scenario"]: n for n in payload["notes"]}
    for scenario in ("downturn", "upturn"):
        fewer = total[scenario]["approve"] < total["baseline"]["approve"]
        less_el = total[scenario]["expected_loss"] < total["baseline"]["expected_loss"]
        assert (scenario in notes) == (fewer and less_el)
    note = notes.get("downturn")
    if note is not None:
        assert "approves fewer customers" in note["en"] and "批准户数更少" in note["zh"]
