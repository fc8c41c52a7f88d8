"""Marketing and service lists: the policy and its validation, the high-potential criteria
(each one excludes the right customers), the ranking and its reasons, the segment lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from finseg.exceptions import UserError
from finseg.risk import default_master_scale
from finseg.segments import DEFAULT_TAXONOMY
from finseg.strategy._marketing import (
    DEFAULT_SERVICES,
    Channel,
    MarketingPolicy,
    high_potential,
    marketing_list,
    marketing_overview,
)

GRADES = default_master_scale().labels
NAMES = {s.id: (s.zh, s.en) for s in DEFAULT_TAXONOMY}


def _book() -> pd.DataFrame:
    """One customer per case: three qualify, every other one fails exactly one criterion."""
    rows = [  # id, segment, grade, growth, decision, requested, limit, outstanding
        ("OK_SHORT", "micro_small", "A", 0.35, "approve", 5e6, 3e6, 1e6),
        ("OK_NEW", "other", "BB", 0.25, "approve", 5e6, 5e6, 0.0),
        ("OK_BOTH", "tech_startup", "AA", 0.50, "refer", 2e6, np.nan, np.nan),
        ("LOW_GROWTH", "micro_small", "A", 0.19, "approve", 5e6, 1e6, 0.0),
        ("NO_GROWTH", "micro_small", "A", np.nan, "approve", 5e6, 1e6, 0.0),
        ("WEAK_GRADE", "micro_small", "B", 0.40, "approve", 5e6, 1e6, 0.0),
        ("NO_GRADE", "micro_small", None, 0.40, "approve", 5e6, 1e6, 0.0),
        ("DECLINED", "micro_small", "A", 0.40, "decline", 5e6, 0.0, 0.0),
        ("SERVED", "micro_small", "A", 0.40, "approve", 1e6, 1e6, 5e5),
        ("HIGH_RISK", "high_risk", "BBB", 0.40, "approve", 5e6, 1e6, 0.0),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "segment", "grade", "revenue_growth",
                                        "decision", "requested_amount", "limit",
                                        "outstanding_loans"])  # fmt: skip
    frame["customer_name"] = frame["customer_id"].str.lower()
    frame["product"] = np.where(frame["decision"] == "decline", None, "working_capital")
    frame["pd"] = 0.01
    frame["segment"] = pd.Categorical(frame["segment"], categories=list(NAMES))
    return frame


def test_each_criterion_excludes_its_customers():
    hp = high_potential(_book(), MarketingPolicy(), GRADES)
    assert set(hp["customer_id"]) == {"OK_SHORT", "OK_NEW", "OK_BOTH"}


def test_thresholds_come_from_the_policy():
    policy = MarketingPolicy(high_potential={"min_revenue_growth": 0.3, "worst_grade": "A",
                                             "exclude_segments": []})  # fmt: skip
    hp = high_potential(_book(), policy, GRADES)
    # growth ≥ 30 % and grade A or better; HIGH_RISK (BBB) still fails the grade
    assert set(hp["customer_id"]) == {"OK_SHORT", "OK_BOTH"}
    policy = MarketingPolicy(high_potential={"worst_grade": "BBB", "exclude_segments": []})
    assert "HIGH_RISK" in set(high_potential(_book(), policy, GRADES)["customer_id"])


def test_ranked_by_the_documented_score():
    book = _book()
    hp = high_potential(book, MarketingPolicy(), GRADES)
    growth_pct = book.set_index("customer_id")["revenue_growth"].rank(pct=True)
    grade_part = {"AA": 4 / 5, "A": 3 / 5, "BB": 1 / 5}  # worst BB at position 4
    unmet = {"OK_SHORT": 0.4, "OK_NEW": 0.0, "OK_BOTH": 1.0}
    grade = book.set_index("customer_id")["grade"]
    expected = {c: (growth_pct[c] + grade_part[grade[c]] + unmet[c]) / 3 for c in unmet}
    assert hp["customer_id"].tolist() == sorted(expected, key=expected.get, reverse=True)
    assert hp["rank"].tolist() == [1, 2, 3]
    assert hp["potential_score"].tolist() == pytest.approx(
        [round(expected[c], 4) for c in hp["customer_id"]]
    )
    assert hp.set_index("customer_id").loc["OK_BOTH", "unmet_amount"] == 2e6


def test_ties_go_to_higher_growth_then_customer_id():
    book = pd.concat([_book().iloc[[0]]] * 3, ignore_index=True)
    book["customer_id"] = ["B", "A", "C"]
    assert high_potential(book, MarketingPolicy(), GRADES)["customer_id"].tolist() == [
        "A", "B", "C"
    ]  # fmt: skip


def test_max_list_keeps_the_best():
    policy = MarketingPolicy(high_potential={"max_list": 2})
    hp = high_potential(_book(), policy, GRADES)
    assert len(hp) == 2 and hp["customer_id"].tolist()[0] == "OK_BOTH"


def test_reasons_name_the_criteria_with_their_numbers():
    zh = high_potential(_book(), MarketingPolicy(), GRADES, "zh").set_index("customer_id")
    assert zh.loc["OK_SHORT", "reasons"] == (
        "营收增长 35% ≥ 20%；评级 A 优于 BB；申请 500 万元，批复 300 万元"
    )
    assert zh.loc["OK_NEW", "reasons"] == "营收增长 25% ≥ 20%；评级 BB 达到 BB；无存量贷款"
    assert zh.loc["OK_BOTH", "reasons"].endswith("申请 200 万元，批复 0 万元；无存量贷款")
    en = high_potential(_book(), MarketingPolicy(), GRADES, "en").set_index("customer_id")
    assert en.loc["OK_SHORT", "reasons"] == (
        "revenue growth 35% ≥ 20%; grade A better than BB; requested CNY 5m, granted CNY 3m"
    )
    assert en.loc["OK_NEW", "reasons"].endswith("grade BB meets BB; no current financing")


def test_scenario_grade_counts_where_given():
    book = _book()
    book["scenario_grade"] = None
    book.loc[book["customer_id"] == "OK_SHORT", "scenario_grade"] = "B"  # stressed below BB
    book.loc[book["customer_id"] == "WEAK_GRADE", "scenario_grade"] = "A"
    hp = high_potential(book, MarketingPolicy(), GRADES)
    assert set(hp["customer_id"]) == {"WEAK_GRADE", "OK_NEW", "OK_BOTH"}
    assert hp.set_index("customer_id").loc["WEAK_GRADE", "grade"] == "A"


def test_a_worst_grade_outside_the_runs_scale_is_a_user_error():
    with pytest.raises(UserError, match="not a grade of the run's master scale"):
        high_potential(_book(), MarketingPolicy(), ["G1", "G2", "G3"])


def test_policy_defaults_follow_the_seed():
    policy = MarketingPolicy()
    assert set(policy.services) == {s.id for s in DEFAULT_TAXONOMY} == set(DEFAULT_SERVICES)
    channels = {o.channel for o in policy.offerings("micro_small")}
    assert {Channel.TRAINING, Channel.ONLINE} <= channels
    large = {o.id for o in policy.offerings("large_group")}
    assert {"integrated_solution", "cash_management", "syndicated_loan"} <= large
    assert "investment_linked" in {o.id for o in policy.offerings("tech_startup")}
    assert "equipment_leasing" in {o.id for o in policy.offerings("mature_manufacturer")}
    assert policy.offerings("no_such_segment") == []
    hp = policy.high_potential
    assert (hp.min_revenue_growth, hp.worst_grade, hp.max_list, hp.exclude_segments) == (
        0.2, "BB", 500, ["high_risk"]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"high_potential": {"worst_grade": "BBB+"}}, "unknown grade 'BBB\\+'"),
        ({"high_potential": {"worst_grade": "D"}}, "unknown grade 'D'"),
        ({"high_potential": {"max_list": 0}}, "greater than or equal to 1"),
        ({"high_potential": {"min_growth": 0.1}}, "Extra inputs are not permitted"),
        ({"services": {"other": [{"id": "x", "zh": "甲", "en": "A", "channel": "fax"}]}},
         "channel"),
        ({"services": {"other": [{"id": "x", "zh": "甲", "en": "A", "channel": "online"},
                                 {"id": "x", "zh": "乙", "en": "B", "channel": "event"}]}},
         "listed twice: x"),
    ],
)  # fmt: skip
def test_policy_validation_names_the_problem(section, message):
    with pytest.raises(ValidationError, match=message):
        MarketingPolicy(**section)


def test_marketing_list_of_one_segment_with_its_offerings():
    listed = marketing_list(_book(), MarketingPolicy(), "micro_small", "zh", names=NAMES)
    assert listed["customer_id"].tolist() == sorted(
        ["OK_SHORT", "LOW_GROWTH", "NO_GROWTH", "WEAK_GRADE", "NO_GRADE", "DECLINED", "SERVED"]
    )
    first = listed.iloc[0]
    assert first["segment_name"] == "小微企业" and first["channels"] == "培训、线上"
    assert first["offerings"].startswith("金融知识培训课程；线上金融知识内容")
    assert set(listed["decision"]) == {"批准", "拒绝"}


def test_marketing_list_of_all_follows_the_taxonomy_order():
    listed = marketing_list(_book(), MarketingPolicy(), None, "en", names=NAMES)
    assert len(listed) == 10
    assert list(dict.fromkeys(listed["segment"])) == ["high_risk", "tech_startup",
                                                      "micro_small", "other"]  # fmt: skip
    assert listed.set_index("customer_id").loc["OK_NEW", "offerings"].startswith("Standard")


def test_marketing_list_rejects_an_unknown_segment():
    with pytest.raises(UserError, match="unknown segment 'vip'; valid: all, high_risk"):
        marketing_list(_book(), MarketingPolicy(), "vip", "en", names=NAMES)


def test_overview_counts_per_segment():
    view = marketing_overview(_book(), MarketingPolicy(), GRADES, "en", names=NAMES)
    assert view["segment"].tolist() == list(NAMES)  # empty segments included
    micro = view.set_index("segment").loc["micro_small"]
    assert (micro["customers"], micro["approved"], micro["high_potential"]) == (7, 6, 1)
    assert micro["total_limit"] == 3e6 + 5 * 1e6
    assert view.set_index("segment").loc["green_energy", "customers"] == 0
