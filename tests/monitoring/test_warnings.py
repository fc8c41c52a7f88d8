"""Early warnings: the derived comparison columns, the default rules on a hand-made case,
ranking, the Excel watch list with bilingual headers, and rule errors caught when the policy
loads (naming the rule and the position)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from finseg._policy import parse_policy
from finseg.exceptions import PolicyError
from finseg.monitoring import (
    DERIVED_COLUMNS,
    MonitoringPolicy,
    comparison_frame,
    early_warnings,
    pair_runs,
    warning_columns,
    write_watchlist,
)
from finseg.risk import default_master_scale

ORDER = default_master_scale().labels


def _runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    before = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "grade": ["A", "BBB", "BB", "A"], "pd": [0.002, 0.005, 0.01, 0.002],
        "segment": ["other", "other", "micro_small", "other"],
        "debt_to_assets": [0.5, 0.65, 0.9, 0.4], "receivable_days": [40.0, 50, 60, 30],
        "overdue_count_24m": [0, 1, 0, 0], "max_days_past_due_24m": [0.0, 10, 0, 0],
        "loan_classification": ["pass"] * 4,
    })  # fmt: skip
    after = pd.DataFrame({
        "customer_id": ["a", "b", "c", "e"],
        "grade": ["A", "B", "CCC", "BB"], "pd": [0.002, 0.03, 0.2, 0.01],
        "segment": ["other", "other", "high_risk", "other"],
        "debt_to_assets": [0.5, 0.75, 0.95, 0.9], "receivable_days": [45.0, 95, 60, 30],
        "overdue_count_24m": [0, 1, 2, 3], "max_days_past_due_24m": [0.0, 10, 30, 5],
        "loan_classification": ["pass", "pass", "substandard", "special_mention"],
        "customer_name": ["甲", "乙", "丙", "丁"],
    })  # fmt: skip
    return before, after


def test_derived_columns_by_hand():
    before, after = _runs()
    f = comparison_frame(before, after, pair_runs(before, after), ORDER)
    assert set(DERIVED_COLUMNS) <= set(f.columns)
    assert f["grade_notches_down"].tolist()[:3] == [0.0, 2.0, 2.0]  # BBB->B, BB->CCC
    assert np.isnan(f["grade_notches_down"].iloc[3])  # e is new
    assert f["receivable_days_change"].tolist()[:3] == [5.0, 45.0, 0.0]
    assert f["new_overdue"].tolist()[:3] == [False, False, True] and pd.isna(f["new_overdue"][3])
    assert f["prev_segment"].tolist()[:3] == ["other", "other", "micro_small"]
    assert pd.isna(f["prev_segment"][3])
    assert f["classification_notches_down"].tolist()[:3] == [0.0, 0.0, 2.0]
    assert f["in_baseline"].tolist() == [True, True, True, False]
    assert f["leverage_limit"].tolist() == [0.7, 0.7, 0.7, 0.7]
    assert f["pd_ratio"].tolist()[:2] == pytest.approx([1.0, 6.0])


def test_default_rules_rank_the_watch_list():
    before, after = _runs()
    w = early_warnings(before, after, pair_runs(before, after), ORDER, MonitoringPolicy())
    fired = {k: v["customers"] for k, v in w["fired"].items()}
    assert fired == {"downgrade_2_notches": 2, "receivable_days_up_30": 1, "new_overdue": 1,
                     "leverage_crossed": 1, "classification_below_pass": 2,
                     "into_high_risk": 1}  # fmt: skip
    # c: downgrade 3 + overdue 4 + classification 5 + into high risk 3 = 15;
    # b: downgrade 3 + receivables 2 + leverage 0.65 -> 0.75 over 0.7: 2 = 7;
    # e (new, no baseline): classification 5 only — rules on prev_* columns stay NULL
    ranked = [(r["customer_id"], r["severity"]) for r in w["watchlist"]]
    assert ranked == [("c", 15.0), ("b", 7.0), ("e", 5.0)]
    top = w["watchlist"][0]
    assert top["rules"][:2] == ["downgrade_2_notches", "new_overdue"]
    assert top["prev_grade"] == "BB" and top["grade"] == "CCC" and top["grade_notches_down"] == 2
    assert "新增逾期" in top["rules_zh"] and "New overdue" in top["rules_en"]
    assert w["customers_warned"] == 3 and w["skipped"] == []


def test_rules_reading_absent_columns_are_skipped_and_said():
    before, after = _runs()
    slim = after.drop(columns=["loan_classification"])
    w = early_warnings(before, slim, pair_runs(before, slim), ORDER, MonitoringPolicy())
    assert [s["id"] for s in w["skipped"]] == ["classification_below_pass"]
    assert "loan_classification" in w["skipped"][0]["en"] and "缺少" in w["skipped"][0]["zh"]


def test_watch_list_size_and_excel_headers(tmp_path):
    before, after = _runs()
    policy = MonitoringPolicy(watchlist_size=2)
    w = early_warnings(before, after, pair_runs(before, after), ORDER, policy)
    assert [r["customer_id"] for r in w["watchlist"]] == ["c", "b"]
    path = write_watchlist(w["watchlist"], tmp_path / "out" / "watch.xlsx")
    sheet = pd.read_excel(path, engine="calamine")
    assert sheet.columns[:4].tolist() == [
        "排名 / Rank",
        "客户编号 / Customer ID",
        "客户名称 / Customer name",
        "预警分值 / Severity",
    ]
    assert sheet["客户编号 / Customer ID"].tolist() == ["c", "b"]
    assert sheet["命中规则 / Rules fired"][0].startswith("downgrade_2_notches, ")
    # a what-if run on a draft policy: the banner opens the sheet, the table follows it
    banner = "DRAFT POLICY — what-if only"
    marked = write_watchlist(w["watchlist"], tmp_path / "draft.xlsx", banner)
    assert pd.read_excel(marked, engine="calamine", header=None).iloc[0, 0] == banner
    table = pd.read_excel(marked, engine="calamine", header=1)
    assert table["客户编号 / Customer ID"].tolist() == ["c", "b"]
    assert [p.name for p in path.parent.iterdir()] == ["watch.xlsx"]


def test_a_bad_rule_is_refused_with_its_name_and_position():
    with pytest.raises(ValidationError, match=r"monitoring\.odd.*position 1.*grade_notches"):
        MonitoringPolicy(warnings=[{"id": "odd", "zh": "甲", "en": "A",
                                    "when": "grade_notches > 1"}])  # fmt: skip
    text = (
        "name: {zh: 甲, en: A}\nmonitoring:\n  warnings:\n    - id: odd\n      zh: 甲\n"
        "      en: A\n      when: prev_grade = 'A' AND receivable_dayz > 3\n"
    )
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    problem = info.value.problems[0]
    assert problem.line == 7 and problem.path == "monitoring.warnings.0.when"
    assert "monitoring.odd" in problem.en and "position 22" in problem.en
    assert "规则" in problem.zh
    with pytest.raises(ValidationError, match="repeat"):
        MonitoringPolicy(warnings=[{"id": "x", "zh": "甲", "en": "A", "when": "new_overdue"}] * 2)


def test_rules_may_read_known_and_derived_columns():
    cols = warning_columns()
    assert cols["debt_to_assets"].value == "numeric" and cols["new_overdue"].value == "bool"
    assert cols["prev_segment"].value == "text" and "grade" in cols
