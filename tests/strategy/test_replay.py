"""Policy replay, pure part: the unchanged policy gives zero differences everywhere; a new
decline rule moves approvals in the rule part only and names its reason code; a changed
master scale or segment rule moves them in the model part only; the structural diff names
what changed by id."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from finseg._policy import Policy
from finseg.features import compute_features
from finseg.risk import risk_stage
from finseg.risk._master_scale import default_master_scale
from finseg.sample import generate_portfolio
from finseg.segments import segments_stage
from finseg.strategy import policy_rule_diff, redecide, replay_payload, strategy_diff
from finseg.strategy._policy import LabelledRule, Scenario
from finseg.strategy._policy_diff import upstream_sections
from finseg.strategy._replay import REPLAY_METRICS, canonical_frame

PARTS = ("change", "rule", "model")


def _policy(**sections) -> Policy:
    return Policy(name={"zh": "默认", "en": "Default"}, **sections)


def _run(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Every stage after ingest, as the pipeline runs them (no expert adjustments)."""
    graded = risk_stage(compute_features(frame, policy.features), policy.risk)
    return redecide(segments_stage(graded, policy.segments), policy, "baseline")


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return generate_portfolio(500, seed=21)


@pytest.fixture(scope="module")
def stored(book: pd.DataFrame) -> pd.DataFrame:
    return _run(book, _policy())


def _replay(stored: pd.DataFrame, before: Policy, draft: Policy, full: bool) -> dict:
    b = redecide(stored, draft, "baseline")
    c = _run(canonical_frame(stored), draft) if full else b
    return replay_payload(stored, b, c, before, draft)


def _numbers(payload: dict, part: str) -> list:
    blocks = [payload["total"], *payload["segments"].values()]
    return [block[m][part] for block in blocks for m in REPLAY_METRICS]


@pytest.mark.parametrize("full", [False, True])
def test_the_unchanged_policy_replays_to_zero_differences(stored, full) -> None:
    payload = _replay(stored, _policy(), _policy(), full)
    for part in PARTS:
        assert all(v == 0 for v in _numbers(payload, part)), part
    assert payload["changed_customers"] == {"rule": 0, "model": 0, "total": 0}
    assert payload["decision_changes"] == {"rule": [], "model": [], "total": []}
    assert payload["reason_changes"] == {"rule": [], "model": []}
    assert payload["segment_changes"] == [] and payload["rule_changes"] == []
    total = payload["total"]
    assert (
        total["approve"]["before"]
        == total["approve"]["after"]
        == (stored["decision"] == "approve").sum()
    )
    json.dumps(payload, allow_nan=False)


def test_a_new_decline_rule_is_a_rule_change(stored) -> None:
    base = _policy()
    rule = LabelledRule(
        id="tax_cd", zh="纳税 C 或 D", en="Tax C or D", when="tax_credit_rating IN ('C', 'D')"
    )
    draft = _policy(strategy=base.strategy.model_copy(update={"decline": [*base.strategy.decline,
                                                                          rule]}))  # fmt: skip
    payload = _replay(stored, base, draft, full=True)
    total = payload["total"]
    assert total["approve"]["rule"] < 0 and total["decline"]["rule"] > 0
    assert all(v == 0 for v in _numbers(payload, "model"))
    assert total["approve"]["change"] == total["approve"]["rule"]
    hit = stored["tax_credit_rating"].isin(["C", "D"]) & (stored["decision"] != "decline")
    codes = {r["code"]: r["customers"] for r in payload["reason_changes"]["rule"]}
    assert codes["+decline:tax_cd"] == hit.sum() == payload["changed_customers"]["rule"]
    moves = payload["decision_changes"]["rule"]
    assert {m["to"] for m in moves} == {"decline"} and sum(
        m["customers"] for m in moves
    ) == hit.sum()
    added = {"section": "decline", "change": "added", "id": "tax_cd",
             "when_after": "tax_credit_rating IN ('C', 'D')"}  # fmt: skip
    assert payload["rule_changes"] == [added]


def _tighter_scale():
    """The default master scale with the B / CCC boundary at 3 % instead of 6 %."""
    data = default_master_scale().model_dump()
    for grade in data["grades"]:
        if grade["label"] == "B":
            grade["pd_upper"] = 0.03
        if grade["label"] == "CCC":
            grade["pd_lower"] = 0.03
    return data


def test_a_changed_master_scale_is_a_model_change(stored) -> None:
    base = _policy()
    draft = _policy(risk={"master_scale": _tighter_scale()})
    assert upstream_sections(base, draft) == ["risk"]
    payload = _replay(stored, base, draft, full=True)
    assert all(v == 0 for v in _numbers(payload, "rule"))  # baseline: no scenario re-grading
    assert payload["changed_customers"]["model"] > 0
    assert payload["total"]["approve"]["model"] < 0
    changed = [c for c in payload["rule_changes"] if c["section"] == "master_scale"]
    assert {c["id"] for c in changed} == {"B", "CCC"}


def test_a_changed_segment_rule_is_a_model_change(stored) -> None:
    base = _policy()
    taxonomy = base.segments.model_dump()["taxonomy"]
    taxonomy[0]["when"] += " OR debt_to_assets > 0.6"  # high_risk takes the leveraged in
    draft = _policy(segments={"taxonomy": taxonomy})
    payload = _replay(stored, base, draft, full=True)
    assert all(v == 0 for v in _numbers(payload, "rule"))
    assert payload["total"]["approve"]["model"] < 0
    moved_in = sum(m["customers"] for m in payload["segment_changes"] if m["to"] == "high_risk")
    assert moved_in > 0
    assert payload["segments"]["high_risk"]["approve"]["before"] > 0  # grouped as in C
    assert payload["rule_changes"] == []  # a segment rule is no strategy rule


def test_parts_add_up_to_the_change(stored) -> None:
    base = _policy()
    rule = LabelledRule(id="big", zh="大额", en="Large", when="requested_amount > 20000000")
    strategy = base.strategy.model_copy(update={"refer": [*base.strategy.refer, rule]})
    draft = _policy(strategy=strategy, risk={"master_scale": _tighter_scale()})
    payload = _replay(stored, base, draft, full=True)
    for block in [payload["total"], *payload["segments"].values()]:
        for metric in REPLAY_METRICS:
            b = block[metric]
            assert b["rule"] + b["model"] == pytest.approx(b["change"], abs=1e-6)
            assert b["after"] - b["before"] == pytest.approx(b["change"], abs=1e-6)


def test_structural_diff_by_id() -> None:
    base = _policy().strategy
    decline = [r.model_copy(update={"when": "tax_credit_rating IN ('C', 'D')"})
               if r.id == "tax_rating_d" else r for r in base.decline]  # fmt: skip
    scenarios = {**base.scenarios, "stress": Scenario(zh="压力", en="Stress", limit_scale=0.5)}
    draft = base.model_copy(update={
        "decline": decline, "refer": base.refer[1:], "scenarios": scenarios,
        "pricing": base.pricing.model_copy(update={"margin": 0.01}),
        "products": [p.model_copy(update={"max_amount": 1e8}) if p.id == "ip_pledge" else p
                     for p in base.products]})  # fmt: skip
    changes = {(c["section"], c["change"], c["id"]): c for c in strategy_diff(base, draft)}
    changed = changes[("decline", "changed", "tax_rating_d")]
    assert changed["when_before"] == "tax_credit_rating = 'D'"
    assert changed["when_after"] == "tax_credit_rating IN ('C', 'D')"
    assert ("refer", "removed", base.refer[0].id) in changes
    assert ("scenarios", "added", "stress") in changes
    assert changes[("pricing", "changed", "")]["fields"] == [
        {"key": "margin", "before": 0.005, "after": 0.01}
    ]
    product = changes[("products", "changed", "ip_pledge")]
    assert [f["key"] for f in product["fields"]] == ["max_amount"]
    assert len(changes) == 5


def test_allocation_changes_are_rule_changes() -> None:
    base = _policy()
    draft = _policy(allocation={"hurdle_rate": 0.15})
    assert policy_rule_diff(base, draft) == [
        {"section": "allocation", "change": "changed", "id": "",
         "fields": [{"key": "hurdle_rate", "before": 0.1, "after": 0.15}]}
    ]  # fmt: skip
    assert upstream_sections(base, draft) == []
